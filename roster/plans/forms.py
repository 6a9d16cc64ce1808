"""The plan form: every term of a plan, each checked with a message that says what to fix.

Checks across fields live in validate(): Optional() fields skip inline checks when empty,
which is exactly when these matter (an agreed plan without a supporter or a destination).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..consent.forms import CheckboxesField
from ..formtext import DateField, address, grouped_phone, lines, strip
from ..models import AuthorRole, DestinationKind, PlanStatus
from ..registrants.forms import REQUIRED, ContactForm, add_error, not_in_future, phone_number
from .names import (
    ASSISTANCE,
    AUTHOR_ROLE_LABELS,
    DESTINATION_LABELS,
    START_TRIGGERS,
    STATUS_LABELS,
    TRANSPORTS,
)
from .operations import one_year_after

#: Rows of supporters a form offers beyond those already in the plan.
BLANK_SUPPORTER_ROWS = 3
MAX_SUPPORTERS = 15
TEXT_MAX = 2000


class SupporterForm(Form):
    """One supporter (避難支援等実施者); a row left blank is ignored."""

    name = StringField(_l("Name"), filters=[strip], validators=[Optional(), Length(max=100)])
    relation = StringField(_l("Relation"), filters=[strip], validators=[Optional(), Length(max=40)])
    address = StringField(
        _l("Address"), filters=[address], validators=[Optional(), Length(max=200)]
    )
    phone = StringField(
        _l("Phone"), filters=[grouped_phone], validators=[Optional(), Length(max=20), phone_number]
    )
    day = BooleanField(_l("Daytime"))
    night = BooleanField(_l("Night"))
    weekdays = BooleanField(_l("Weekdays"))

    def validate(self, extra_validators: object = None) -> bool:
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        filled = any(f.data for f in (self.relation, self.address, self.phone))
        filled = filled or any(f.data for f in (self.day, self.night, self.weekdays))
        if filled and not self.name.data:
            add_error(self.name, _l("Give the supporter's name."))
            ok = False
        if self.name.data and not self.phone.data:
            add_error(self.phone, _l("Give the supporter's phone number."))
            ok = False
        return ok


def _text(label: Any, max_length: int = TEXT_MAX) -> TextAreaField:
    return TextAreaField(label, filters=[lines], validators=[Length(max=max_length)])


def _line(label: Any, max_length: int) -> StringField:
    return StringField(label, filters=[strip], validators=[Optional(), Length(max=max_length)])


class PlanForm(FlaskForm):
    supporters = FieldList(
        FormField(SupporterForm), min_entries=BLANK_SUPPORTER_ROWS, max_entries=MAX_SUPPORTERS
    )
    destination_kind = SelectField(_l("Destination"), validators=[DataRequired(REQUIRED)])
    destination_shelter_id = SelectField(_l("Shelter or welfare shelter"), validate_choice=False)
    destination_name = _line(_l("Name of the place"), 120)
    destination_address = StringField(
        _l("Address of the place"), filters=[address], validators=[Optional(), Length(max=200)]
    )
    route_notes = _text(_l("Route"))
    start_trigger = SelectField(_l("When to start"), validators=[DataRequired(REQUIRED)])
    transport = SelectField(_l("Transport"))
    assistance = CheckboxesField(_l("Help needed"))
    assistance_notes = _text(_l("Notes on the help needed"))
    items_to_carry = _text(_l("Items to carry (medicines, devices, batteries)"))
    battery_hours = FloatField(
        _l("Battery time of medical devices (hours)"),
        validators=[Optional(), NumberRange(0, 240, _l("Give a number of hours from 0 to 240."))],
    )
    illnesses = _text(_l("Illnesses"))
    doctor = _line(_l("Doctor"), 120)
    hospital = _line(_l("Hospital"), 120)
    medicines = _text(_l("Medicines"))
    allergies = _text(_l("Allergies"))
    communication_notes = _text(_l("Communication"))
    pets = _line(_l("Pets"), 200)
    contacts = FieldList(FormField(ContactForm), min_entries=2, max_entries=2)
    author_name = StringField(
        _l("Made by"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=100)]
    )
    author_role = SelectField(_l("Role of the author"), validators=[DataRequired(REQUIRED)])
    made_on = DateField(_l("Made on"), validators=[InputRequired(REQUIRED), not_in_future])
    review_on = DateField(_l("Review by"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[DataRequired(REQUIRED)])
    version = HiddenField()

    def __init__(
        self,
        *args: Any,
        shelter_choices: dict[Any, list[tuple[str, str]]],
        shelter_ids: set[int],
        consented: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.consented = consented
        self.shelter_ids = shelter_ids
        self.destination_kind.choices = [(k.value, str(v)) for k, v in DESTINATION_LABELS.items()]
        self.destination_shelter_id.choices = shelter_choices
        self.start_trigger.choices = [(k, str(v)) for k, v in START_TRIGGERS.items()]
        self.transport.choices = [("", "—")] + [(k, str(v)) for k, v in TRANSPORTS.items()]
        self.assistance.choices = [(k, str(v)) for k, v in ASSISTANCE.items()]
        self.author_role.choices = [("", _l("Choose…"))] + [
            (k.value, str(v)) for k, v in AUTHOR_ROLE_LABELS.items()
        ]
        self.status.choices = [(k.value, str(v)) for k, v in STATUS_LABELS.items()]

    def validate(self, extra_validators: object = None) -> bool:
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        checks = (self._check_shelter, self._check_place, self._check_review, self._check_agreed)
        return all([check() for check in checks]) and ok

    def shelter_id(self) -> int | None:
        value = self.destination_shelter_id.data or ""
        return int(value) if value.isdigit() and int(value) in self.shelter_ids else None

    def _check_shelter(self) -> bool:
        value = self.destination_shelter_id.data or ""
        if (
            self.destination_kind.data == DestinationKind.SHELTER
            and value
            and not self.shelter_id()
        ):
            add_error(self.destination_shelter_id, _l("Choose a place from the registry."))
            return False
        return True

    def _check_place(self) -> bool:
        """A relative's home or another place needs its address if it has a name."""
        if self.destination_kind.data == DestinationKind.SHELTER:
            return True
        if self.destination_name.data and not self.destination_address.data:
            add_error(self.destination_address, _l("Give the address of the place."))
            return False
        return True

    def _check_review(self) -> bool:
        made, review = self.made_on.data, self.review_on.data
        if made and review and review <= made:
            add_error(self.review_on, _l("The review date must come after the date made."))
            return False
        return True

    def _check_agreed(self) -> bool:
        """An agreed plan has the person's consent, a supporter and a destination."""
        if self.status.data != PlanStatus.AGREED:
            return True
        ok = True
        if not self.consented:
            add_error(
                self.status,
                _l("A plan can be agreed only when the person consented to making it."),
            )
            ok = False
        if not any(row.form.name.data for row in self.supporters):
            add_error(self.status, _l("An agreed plan names at least one supporter."))
            ok = False
        if not self.has_destination():
            add_error(self.status, _l("An agreed plan names a destination."))
            ok = False
        return ok

    def has_destination(self) -> bool:
        if self.destination_kind.data == DestinationKind.SHELTER:
            return self.shelter_id() is not None
        return bool(self.destination_name.data and self.destination_address.data)

    def ensure_blank_rows(self) -> None:
        """At least BLANK_SUPPORTER_ROWS empty supporter rows after those filled in."""
        blank = sum(1 for row in self.supporters if not row.form.name.data)
        while blank < BLANK_SUPPORTER_ROWS and len(self.supporters) < MAX_SUPPORTERS:
            self.supporters.append_entry()
            blank += 1


#: Terms the form shows as the plan stores them.
_AS_STORED = (
    "destination_name",
    "destination_address",
    "route_notes",
    "start_trigger",
    "transport",
    "assistance_notes",
    "items_to_carry",
    "battery_hours",
    "illnesses",
    "doctor",
    "hospital",
    "medicines",
    "allergies",
    "communication_notes",
    "pets",
    "author_name",
    "made_on",
    "review_on",
)
#: Free-text terms about the person's health and habits: empty when left blank.
_HEALTH_TEXTS = (
    "illnesses",
    "doctor",
    "hospital",
    "medicines",
    "allergies",
    "communication_notes",
    "pets",
)


def form_data(plan: Any) -> dict[str, Any]:
    """A stored plan as the form's data."""
    return {
        **{name: getattr(plan, name) for name in _AS_STORED},
        "supporters": [dict(s) for s in plan.supporters or []],
        "destination_kind": plan.destination_kind.value,
        "destination_shelter_id": str(plan.destination_shelter_id or ""),
        "assistance": list(plan.assistance or []),
        "contacts": [dict(c) for c in plan.contacts or []],
        "author_role": plan.author_role.value,
        "status": plan.status.value,
        "version": str(plan.version),
    }


def plan_data(form: PlanForm) -> dict[str, Any]:
    """The validated form as plan terms: blank rows dropped, phones normalised, the review
    date a year after the date made when left empty."""
    return {
        "supporters": _supporters(form),
        **_destination(form),
        **_evacuation(form),
        **{name: getattr(form, name).data or "" for name in _HEALTH_TEXTS},
        "contacts": _contacts(form),
        **_made(form),
    }


def _supporters(form: PlanForm) -> list[dict[str, Any]]:
    return [
        {
            "name": row.form.name.data,
            "relation": row.form.relation.data or "",
            "address": row.form.address.data or "",
            "phone": row.form.phone.data or "",
            "day": bool(row.form.day.data),
            "night": bool(row.form.night.data),
            "weekdays": bool(row.form.weekdays.data),
        }
        for row in form.supporters
        if row.form.name.data
    ]


def _destination(form: PlanForm) -> dict[str, Any]:
    """A shelter from the registry, or another place by name and address; the route."""
    kind = DestinationKind(form.destination_kind.data)
    shelter = kind is DestinationKind.SHELTER
    return {
        "destination_kind": kind,
        "destination_shelter_id": form.shelter_id() if shelter else None,
        "destination_name": "" if shelter else form.destination_name.data,
        "destination_address": "" if shelter else form.destination_address.data,
        "route_notes": form.route_notes.data or "",
    }


def _evacuation(form: PlanForm) -> dict[str, Any]:
    """When to start, how, with what help, and what to carry."""
    return {
        "start_trigger": form.start_trigger.data,
        "transport": form.transport.data or "",
        "assistance": [a for a in ASSISTANCE if a in (form.assistance.data or [])],
        "assistance_notes": form.assistance_notes.data or "",
        "items_to_carry": form.items_to_carry.data or "",
        "battery_hours": form.battery_hours.data,
    }


def _contacts(form: PlanForm) -> list[dict[str, Any]]:
    return [
        {
            "name": row.form.name.data,
            "relation": row.form.relation.data or "",
            "phone": row.form.phone.data or "",
        }
        for row in form.contacts
        if row.form.name.data
    ]


def _made(form: PlanForm) -> dict[str, Any]:
    """Who made the plan and when, its review date (a year on when left empty), its status."""
    made: date = form.made_on.data  # type: ignore[assignment]
    return {
        "author_name": form.author_name.data,
        "author_role": AuthorRole(form.author_role.data),
        "made_on": made,
        "review_on": form.review_on.data or one_year_after(made),
        "status": PlanStatus(form.status.data),
    }
