"""The shelter form and the import upload form: every field says what to fix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, MultipleFileField
from wtforms import (
    BooleanField,
    Field,
    FloatField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from geo.groups import ACCEPT_GROUPS
from geo.shelters.cells import LATITUDE_RANGE, LONGITUDE_RANGE, normalise_city_code
from geo.shelters.columns import KINDS
from geo.shelters.reading import FORMATS

from ..consent.forms import CheckboxesField
from ..formtext import address, code, grouped_phone, katakana, untouched
from ..models.shelters import HAZARDS
from ..registrants.forms import REQUIRED, kana_only, phone_number
from ..text import nfkc
from .labels import FORMAT_LABELS, GROUP_LABELS, HAZARD_LABELS

YES_NO = (("", _l("Unknown")), ("yes", _l("Yes")), ("no", _l("No")))
#: Upload suffixes by format.
SUFFIXES = {
    "gsi": ("geojson", "json", "csv", "txt"),
    "jp-standard": ("csv", "txt"),
    "csv": ("csv", "txt"),
}
MAX_FILES = 20


def trim(value: str | None) -> str | None:
    """Names and free text are kept as written, only trimmed (no width folding)."""
    return value.strip() if isinstance(value, str) else value


def tri_state(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def from_tri_state(value: str | None) -> bool | None:
    return None if not value else value == "yes"


class DegreesField(FloatField):
    """Decimal degrees; full-width digits are read too, and a bad value says how to write it."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = float(nfkc(str(valuelist[0])).strip())
        except ValueError as exc:
            self.data = None
            raise ValueError(_l("Write decimal degrees, e.g. 35.72569.")) from exc


def city_code(_form: Form, field: Field) -> None:
    if field.data and normalise_city_code(field.data) is None:
        raise ValidationError(
            _l("Write the 5-digit city code or the 6-digit one with its check digit, e.g. 132292.")
        )


class ShelterForm(FlaskForm):
    source_id = StringField(_l("ID"), filters=[code], validators=[Optional(), Length(max=20)])
    name = StringField(
        _l("Facility name"), filters=[trim], validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    name_kana = StringField(
        _l("Reading (kana)"),
        filters=[katakana],
        validators=[Optional(), Length(max=120), kana_only],
    )
    is_emergency_site = BooleanField(_l("Emergency evacuation site (指定緊急避難場所)"))
    is_evacuation_shelter = BooleanField(_l("Designated shelter (指定避難所)"))
    is_welfare_shelter = BooleanField(_l("Welfare shelter (福祉避難所)"))
    hazards = CheckboxesField(_l("Suitable for"))
    capacity = IntegerField(
        _l("Capacity (people)"),
        validators=[
            Optional(),
            NumberRange(0, 1_000_000, _l("Give a number of people from 0 to 1,000,000.")),
        ],
    )
    capacity_text = StringField(
        _l("Capacity as published"), filters=[trim], validators=[Optional(), Length(max=200)]
    )
    accepts = TextAreaField(
        _l("Whom it takes, as published (受入対象者)"),
        filters=[trim],
        validators=[Optional(), Length(max=500)],
    )
    accept_groups = CheckboxesField(_l("Groups it takes"))
    care_places = IntegerField(
        _l("Places for people who need care"),
        validators=[Optional(), NumberRange(0, 100_000, _l("Give a number from 0 to 100,000."))],
    )
    accessible_toilet = SelectField(_l("Accessible toilet"), choices=YES_NO, default="")
    step_free = SelectField(_l("Step-free access"), choices=YES_NO, default="")
    backup_power = SelectField(
        _l("Backup power or outlets for medical devices"), choices=YES_NO, default=""
    )
    facility_agreement = StringField(
        _l("Facility agreement"), filters=[trim], validators=[Optional(), Length(max=200)]
    )
    address = StringField(
        _l("Address"), filters=[address], validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    latitude = DegreesField(
        _l("Latitude"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(*LATITUDE_RANGE, _l("Latitude in Japan is between 20 and 46.")),
        ],
    )
    longitude = DegreesField(
        _l("Longitude"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(*LONGITUDE_RANGE, _l("Longitude in Japan is between 122 and 154.")),
        ],
    )
    phone = StringField(
        _l("Phone"), filters=[grouped_phone], validators=[Optional(), Length(max=40), phone_number]
    )
    contact = StringField(
        _l("Contact person or office"), filters=[trim], validators=[Optional(), Length(max=200)]
    )
    notes = TextAreaField(_l("Notes"), filters=[trim], validators=[Optional(), Length(max=2000)])
    city_code = StringField(
        _l("City code"), filters=[code], validators=[Optional(), Length(max=6), city_code]
    )
    #: The partner organisation running the place under its agreement (its users record
    #: arrivals there in a safety operation).
    operator_organisation_id = SelectField(_l("Run by (partner organisation)"), default="")
    version = HiddenField()

    def __init__(
        self, *args: Any, operators: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.operator_organisation_id.choices = [("", _l("None")), *operators]
        self.hazards.choices = [(h, HAZARD_LABELS[h]) for h in HAZARDS]
        self.accept_groups.choices = [(g, GROUP_LABELS[g]) for g in ACCEPT_GROUPS]

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not any(getattr(self, kind).data for kind in KINDS):
            self.is_emergency_site.errors = [
                *self.is_emergency_site.errors,
                _l("Choose at least one kind: what is this place designated as?"),
            ]
            ok = False
        if self._swapped():
            # One message that says what happened, instead of two range errors.
            self.latitude.errors = [
                _l(
                    "Latitude and longitude look swapped: latitude in Japan is 20–46, "
                    "longitude 122–154."
                )
            ]
            self.longitude.errors = []
            ok = False
        return ok

    def _swapped(self) -> bool:
        lat, lon = self.latitude.data, self.longitude.data
        return (
            isinstance(lat, float)
            and isinstance(lon, float)
            and LONGITUDE_RANGE[0] <= lat <= LONGITUDE_RANGE[1]
            and LATITUDE_RANGE[0] <= lon <= LATITUDE_RANGE[1]
        )

    def fill(self, values: dict[str, Any]) -> None:
        """Show a place's stored values (on GET)."""
        for name, value in values.items():
            field = getattr(self, name, None)
            if field is None:
                continue
            if name in ("accessible_toilet", "step_free", "backup_power"):
                field.data = tri_state(value)
            elif name == "operator_organisation_id":
                field.data = "" if value is None else str(value)
            else:
                field.data = value

    def values(self) -> dict[str, Any]:
        """The submitted place as model values; untouched fields as they are stored."""
        city = self.city_code.data
        if city and not untouched(self.city_code):
            city = normalise_city_code(city)
        return {
            "source_id": self.source_id.data or "",
            "name": self.name.data or "",
            "name_kana": self.name_kana.data or "",
            "is_emergency_site": bool(self.is_emergency_site.data),
            "is_evacuation_shelter": bool(self.is_evacuation_shelter.data),
            "is_welfare_shelter": bool(self.is_welfare_shelter.data),
            "hazards": [h for h in HAZARDS if h in (self.hazards.data or [])],
            "capacity": self.capacity.data,
            "capacity_text": self.capacity_text.data or "",
            "accepts": self.accepts.data if untouched(self.accepts) else self.accepts.data or None,
            "accept_groups": [g for g in ACCEPT_GROUPS if g in (self.accept_groups.data or [])],
            "care_places": self.care_places.data,
            "accessible_toilet": from_tri_state(self.accessible_toilet.data),
            "step_free": from_tri_state(self.step_free.data),
            "backup_power": from_tri_state(self.backup_power.data),
            "operator_organisation_id": (
                int(self.operator_organisation_id.data)
                if self.operator_organisation_id.data
                else None
            ),
            "facility_agreement": self.facility_agreement.data or "",
            "address": self.address.data or "",
            "latitude": self.latitude.data,
            "longitude": self.longitude.data,
            "phone": self.phone.data or "",
            "contact": self.contact.data or "",
            "notes": self.notes.data or "",
            "city_code": city or "",
        }


class ImportForm(FlaskForm):
    format = SelectField(
        _l("Format"), choices=[(f, FORMAT_LABELS[f]) for f in FORMATS], default="gsi"
    )
    city = StringField(
        _l("City code"), filters=[code], validators=[Optional(), Length(max=6), city_code]
    )
    files = MultipleFileField(_l("Files"))
    mapping = FileField(
        _l("Column mapping"),
        validators=[FileAllowed(["toml"], _l("Choose a column mapping made from the sample."))],
    )
    source = StringField(
        _l("Source label"), filters=[trim], validators=[Optional(), Length(max=120)]
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        files = [f for f in self.files.data or [] if f and f.filename]
        allowed = SUFFIXES.get(self.format.data or "", ())
        file_errors = [*_count_errors(files), *_suffix_errors(files, allowed)]
        if file_errors:
            self.files.errors = [*self.files.errors, *file_errors]
            ok = False
        if self.format.data == "csv" and not self.mapping.data:
            self.mapping.errors = [
                *self.mapping.errors,
                _l("A CSV in another layout needs a column mapping."),
            ]
            ok = False
        return ok


def _count_errors(files: list[Any]) -> list[Any]:
    """What is wrong with the number of files chosen, if anything."""
    if not files:
        return [_l("Choose one or more files.")]
    if len(files) > MAX_FILES:
        return [_l("Give at most %(n)d files at once.", n=MAX_FILES)]
    return []


def _suffix_errors(files: list[Any], allowed: tuple[str, ...]) -> list[Any]:
    """One message per file whose suffix the chosen format does not take."""
    errors = []
    for upload in files:
        suffix = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
        if suffix not in allowed:
            errors.append(
                _l(
                    "%(name)s: this format takes %(suffixes)s files.",
                    name=upload.filename,
                    suffixes=", ".join(f".{s}" for s in allowed),
                )
            )
    return errors
