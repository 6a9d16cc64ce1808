from __future__ import annotations

from typing import Self

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..models import User
from ..passwords import password_problem


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class NewPasswordMixin:
    """A new password and its confirmation, checked by the one rule (passwords.password_problem)
    against the account it is for: set `owner_name` and `owner_hash` before validating."""

    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=200)]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            Length(max=200),
            EqualTo("new_password", message=_l("The passwords differ.")),
        ],
    )
    #: The user name the password may not contain.
    owner_name: str = ""
    #: The account's password now (a temporary one included), which the new one must differ from.
    owner_hash: str | None = None

    def for_account(self, user: User) -> Self:
        self.owner_name, self.owner_hash = user.username, user.password_hash
        return self

    def password_owner_name(self) -> str:
        return self.owner_name

    def validate_new_password(self, field: Field) -> None:
        problem = password_problem(
            field.data or "",
            username=self.password_owner_name(),
            min_length=current_app.config["MIN_PASSWORD_LENGTH"],
            current_hash=self.owner_hash,
        )
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)]
    )


WRONG_CODE = _l("The code is wrong or was used already. Enter the code the app shows now.")


class CodeForm(FlaskForm):
    """A 6-digit code from the authenticator app (or, where allowed, a recovery code)."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
    )
