from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from ..auth.forms import NewPasswordMixin
from ..formtext import code, strip
from ..labels import choices
from ..models import Role
from ..registrants.forms import REQUIRED

USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,60}$")


class UserForm(NewPasswordMixin, FlaskForm):
    username = StringField(
        _l("User name"), filters=[code], validators=[DataRequired(REQUIRED), Length(max=60)]
    )
    display_name = StringField(
        _l("Display name"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=100)]
    )
    role = SelectField(_l("Role"), validators=[DataRequired(REQUIRED)])
    organisation_id = SelectField(_l("Partner organisation"), coerce=int)
    may_declare_release = BooleanField(_l("May declare a disaster-time release"))

    def __init__(self, *args: object, organisations: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.role.choices = choices(Role)
        self.organisation_id.choices = [(0, "—")] + organisations

    def password_owner_name(self) -> str:
        return self.username.data or ""

    def validate_username(self, field: Field) -> None:
        if not USERNAME.match(field.data or ""):
            raise ValidationError(_l("Use 3–60 letters, digits, dots, hyphens or underscores."))

    def validate_organisation_id(self, field: Field) -> None:
        if self.role.data == Role.PARTNER and not field.data:
            raise ValidationError(_l("A partner user belongs to a partner organisation."))
        if self.role.data != Role.PARTNER and field.data:
            raise ValidationError(_l("Only partner users belong to an organisation."))

    def validate_may_declare_release(self, field: Field) -> None:
        if field.data and self.role.data != Role.STAFF:
            raise ValidationError(
                _l("Only welfare staff may be authorised to declare a disaster-time release.")
            )


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    pass
