"""The forms of the list's bulk actions: each carries the selection (register IDs) in the
POST body, and nothing is chosen for the user beforehand."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField
from wtforms.validators import InputRequired, ValidationError

from ..labels import lazy_choices
from ..models import RegistrantStatus


class SelectionForm(FlaskForm):
    """The ticked people, the list to go back to, and whether the user confirmed."""

    ids = HiddenField()
    back = HiddenField()
    confirm = HiddenField()


class StatusForm(SelectionForm):
    """A new status for everyone ticked; the versions they were shown at travel along."""

    versions = HiddenField()
    status = SelectField(
        _l("New status"),
        choices=[("", _l("Choose the new status")), *lazy_choices(RegistrantStatus)],
        validators=[InputRequired(_l("Choose the new status."))],
    )


class OpenRoundField(RadioField):
    """A round among those not yet sent; one sent or deleted meanwhile says so."""

    def pre_validate(self, form: object) -> None:
        if self.data not in {value for value, *_rest in self.choices or ()}:
            raise ValidationError(
                _l("This round has been sent or deleted in the meantime. Choose another.")
            )


class RoundForm(SelectionForm):
    """A mailing round not yet sent, to add everyone ticked to."""

    round = OpenRoundField(
        _l("Mailing round"),
        coerce=int,
        validators=[InputRequired(_l("Choose a round that has not been sent yet."))],
    )
