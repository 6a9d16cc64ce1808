from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def long_enough(_form: FlaskForm, field: Field) -> None:
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Use at least %(n)d characters.", n=minimum))


class NewPasswordMixin:
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), long_enough, Length(max=200)]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
