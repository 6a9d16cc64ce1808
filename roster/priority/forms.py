"""The queue's assignment form: who makes the plans of the people ticked in the list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from ..formtext import strip
from ..models import User


class AssignForm(FlaskForm):
    """The people come as `ids` checkboxes in the table; exactly one kind of assignee is
    chosen. The operation checks the rest (nothing ticked, both or neither, unknown staff)."""

    user_id = SelectField(
        _l("Staff member"), coerce=int, validate_choice=False, validators=[Optional()]
    )
    assignee_name = StringField(
        _l("or a care manager (name and office)"),
        filters=[strip],
        validators=[Optional(), Length(max=120)],
    )

    def __init__(self, *args: object, staff: list[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.choices = [(0, _l("— choose —"))] + [(u.id, u.display_name) for u in staff]
