"""Forms of the paper pages: choosing a sheet to print, typing results back, and arrivals."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from ..formtext import code, strip
from ..labels import label
from ..models import EvacuationPlace, ReportMethod, SafetyStatus
from .sheets import SHEET_STATUSES

#: The status keys of the entry screen: the sheet's boxes in order, then a death (staff).
ENTRY_STATUSES = (*SHEET_STATUSES, SafetyStatus.DECEASED)
#: The method keys of the entry screen, shown beside each choice.
METHOD_KEYS = {
    ReportMethod.VISIT: "v",
    ReportMethod.PHONE: "t",
    ReportMethod.AT_SHELTER: "s",
    ReportMethod.SELF_OR_FAMILY: "f",
}
NUMBER = Regexp(r"^[0-9]{1,9}$", message=_l("Type the number in digits."))


class SheetForm(FlaskForm):
    """Which sheet to print: a district of the operation or a partner organisation."""

    target = SelectField(
        _l("Print a sheet for"),
        validators=[InputRequired(_l("Choose a district or an organisation."))],
    )


class EntryForm(FlaskForm):
    """One result from a sheet, keyboard first: number, status key, method key, note, Enter."""

    sheet = SelectField(_l("Row numbers of the sheet"), validators=[Optional()])
    number = StringField(
        _l("Register number or row number"),
        filters=[code, strip],
        validators=[DataRequired(_l("Type the number.")), Length(max=20), NUMBER],
    )
    status = RadioField(
        _l("Status"),
        validators=[InputRequired(_l("Choose the status ticked on the sheet."))],
    )
    method = RadioField(
        _l("How it was confirmed"),
        validators=[InputRequired(_l("Choose how it was confirmed."))],
    )
    place = SelectField(_l("Evacuated to"), validators=[Optional()])
    shelter = SelectField(_l("Shelter"), validators=[Optional()])
    note = StringField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=500)])

    def __init__(self, *args: Any, sheets: list[tuple[str, str]], shelters: list[Any], **kw: Any):
        super().__init__(*args, **kw)
        # Labels are read per request, in the user's language.
        self.status.choices = [(s.value, label(s)) for s in ENTRY_STATUSES]
        self.method.choices = [(m.value, label(m)) for m in ReportMethod]
        self.place.choices = [("", "—"), *((p.value, label(p)) for p in EvacuationPlace)]
        self.sheet.choices = [("", _l("None: register numbers")), *sheets]
        self.shelter.choices = [("", "—"), *((str(s.id), s.name) for s in shelters)]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        evacuated = self.status.data == SafetyStatus.EVACUATED.value
        if self.place.data and not evacuated:
            self.place.errors = [_l("A place goes with the status evacuated only.")]
            ok = False
        if self.shelter.data and self.place.data != EvacuationPlace.SHELTER.value:
            self.shelter.errors = [_l("Choose a shelter only for an evacuation to a shelter.")]
            ok = False
        if self.status.data == SafetyStatus.DECEASED.value and not self.note.data:
            # Never by a stray key: a death is recorded with where the word came from.
            self.note.errors = [
                _l("For a death, write in the note who reported it (police or fire) and when.")
            ]
            ok = False
        return ok


class ArrivalForm(FlaskForm):
    """A person arrived at a shelter: which shelter, and the person's register number."""

    shelter = SelectField(_l("Shelter"), validators=[InputRequired(_l("Choose the shelter."))])
    number = StringField(
        _l("Register number"),
        filters=[code, strip],
        validators=[DataRequired(_l("Type the number.")), Length(max=20), NUMBER],
    )
    note = StringField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=500)])

    def __init__(self, *args: Any, shelters: list[Any], **kw: Any):
        super().__init__(*args, **kw)
        own = [(str(s.id), s.name) for s in shelters]
        # One shelter (a partner's reception desk) is the shelter; among many, none is
        # chosen for the user.
        self.shelter.choices = own if len(own) == 1 else [("", _l("Choose")), *own]
        if len(own) == 1 and not self.shelter.data:
            self.shelter.data = own[0][0]
