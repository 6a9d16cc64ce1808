"""The registrant form: every field validated with a message that says what to fix."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..formtext import DateField, address, code, grouped_phone, katakana, lines, strip, untouched
from ..i18n import local_today
from ..labels import choices
from ..models import (
    REASON_FIELDS,
    CareLevel,
    FormLanguage,
    Household,
    Mobility,
    RegistrantStatus,
    Sex,
    Source,
)
from ..text import is_katakana_reading, nfkc

PHONE = re.compile(r"^0\d{1,4}-?\d{1,4}-?\d{3,4}$")
POSTAL = re.compile(r"^\d{3}-?\d{4}$")


def phone_number(_form: Form, field: Field) -> None:
    if field.data and not PHONE.match(nfkc(field.data)):
        raise ValidationError(_l("Write a Japanese phone number, e.g. 042-123-4567."))


def kana_only(_form: Form, field: Field) -> None:
    if field.data and not is_katakana_reading(field.data):
        raise ValidationError(_l("Write the reading in kana only."))


def digits_only(_form: Form, field: Field) -> None:
    if field.data and not nfkc(field.data).isdigit():
        raise ValidationError(_l("Use digits only."))


def postal(_form: Form, field: Field) -> None:
    if field.data and not POSTAL.match(nfkc(field.data)):
        raise ValidationError(_l("Write the postal code as 123-4567."))


def not_in_future(_form: Form, field: Field) -> None:
    if field.data and field.data > local_today():
        raise ValidationError(_l("This date is in the future."))


def after_1900(_form: Form, field: Field) -> None:
    if field.data and field.data.year < 1900:
        raise ValidationError(_l("Check the year: it is before 1900."))


REQUIRED = _l("This field is required.")


def add_error(field: Field, message: object) -> None:
    field.errors = [*field.errors, message]


class ContactForm(Form):
    """One emergency contact; a row left blank is ignored."""

    name = StringField(_l("Name"), filters=[strip], validators=[Optional(), Length(max=100)])
    relation = StringField(_l("Relation"), filters=[strip], validators=[Optional(), Length(max=40)])
    phone = StringField(
        _l("Phone"), filters=[grouped_phone], validators=[Optional(), Length(max=20), phone_number]
    )

    def validate(self, extra_validators: object = None) -> bool:
        """A contact needs a name and a phone; a row with neither is simply left out."""
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        if (self.relation.data or self.phone.data) and not self.name.data:
            self.name.errors = [*self.name.errors, _l("Give the contact's name.")]
            ok = False
        if self.name.data and not self.phone.data:
            self.phone.errors = [*self.phone.errors, _l("Give the contact's phone number.")]
            ok = False
        return ok


class RegistrantForm(FlaskForm):
    resident_no = StringField(
        _l("Resident ID"),
        filters=[code],
        validators=[DataRequired(REQUIRED), Length(max=20), digits_only],
    )
    name = StringField(
        _l("Name"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=100)]
    )
    name_kana = StringField(
        _l("Reading (kana)"),
        filters=[katakana],
        validators=[DataRequired(REQUIRED), Length(max=100), kana_only],
    )
    birth_date = DateField(
        _l("Date of birth"),
        validators=[InputRequired(REQUIRED), not_in_future, after_1900],
    )
    sex = SelectField(_l("Sex"), choices=[], validators=[DataRequired(REQUIRED)])
    postal_code = StringField(
        _l("Postal code"), filters=[code], validators=[Optional(), Length(max=8), postal]
    )
    address = StringField(
        _l("Address"), filters=[address], validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    district_id = SelectField(
        _l("District"), coerce=int, choices=[], validators=[DataRequired(REQUIRED)]
    )
    phone = StringField(
        _l("Phone"), filters=[grouped_phone], validators=[Optional(), Length(max=20), phone_number]
    )
    mobile_phone = StringField(
        _l("Mobile phone"),
        filters=[grouped_phone],
        validators=[Optional(), Length(max=20), phone_number],
    )
    fax = StringField(
        _l("Fax"), filters=[grouped_phone], validators=[Optional(), Length(max=20), phone_number]
    )
    email = StringField(
        _l("Email"),
        filters=[code],
        validators=[Optional(), Email(_l("Write a valid email address.")), Length(max=120)],
    )
    reason_elderly_care = BooleanField(_l("Elderly or needing care"))
    reason_physical = BooleanField(_l("Physical disability"))
    reason_intellectual = BooleanField(_l("Intellectual disability"))
    reason_mental = BooleanField(_l("Mental disability"))
    reason_medical_care = BooleanField(_l("Intractable disease or medical care"))
    reason_infant_pregnant = BooleanField(_l("Infant, pregnant or nursing mother"))
    reason_foreign = BooleanField(_l("Foreign resident"))
    reason_other = BooleanField(_l("Other reason"))
    support_reason_detail = TextAreaField(
        _l("Why support is needed, in detail"),
        filters=[lines],
        validators=[Optional(), Length(max=2000)],
    )
    latitude = FloatField(
        _l("Latitude"),
        validators=[Optional(), NumberRange(20, 46, _l("Latitude in Japan is 20–46."))],
    )
    longitude = FloatField(
        _l("Longitude"),
        validators=[Optional(), NumberRange(122, 154, _l("Longitude in Japan is 122–154."))],
    )
    household = SelectField(_l("Household"), choices=[], validators=[DataRequired(REQUIRED)])
    mobility = SelectField(_l("Mobility"), choices=[], validators=[DataRequired(REQUIRED)])
    device_ventilator = BooleanField(_l("Home ventilator"))
    device_oxygen = BooleanField(_l("Oxygen"))
    device_suction = BooleanField(_l("Suction device"))
    device_dialysis = BooleanField(_l("Dialysis"))
    device_other = StringField(
        _l("Other medical device"), filters=[strip], validators=[Optional(), Length(max=100)]
    )
    comm_hearing = BooleanField(_l("Hearing"))
    comm_visual = BooleanField(_l("Sight"))
    comm_language = BooleanField(_l("Language / foreign language"))
    comm_cognitive = BooleanField(_l("Intellectual / cognitive"))
    language_note = StringField(
        _l("Language spoken"), filters=[strip], validators=[Optional(), Length(max=60)]
    )
    preferred_language = SelectField(
        _l("Language of the papers sent"), choices=[], default=FormLanguage.JA.value
    )
    care_level = SelectField(_l("Care level"), choices=[], validators=[DataRequired(REQUIRED)])
    disability_certificate = StringField(
        _l("Disability certificate"), filters=[strip], validators=[Optional(), Length(max=40)]
    )
    emergency_contacts = FieldList(FormField(ContactForm), min_entries=3, max_entries=5)
    status = SelectField(_l("Status"), choices=[], validators=[DataRequired(REQUIRED)])
    source = SelectField(_l("Source"), choices=[], validators=[DataRequired(REQUIRED)])
    last_verified_on = DateField(_l("Last verified"), validators=[Optional(), not_in_future])
    version = HiddenField()

    def __init__(self, *args: object, district_choices: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.district_id.choices = [(0, "—")] + district_choices
        for name, enum_cls in (
            ("sex", Sex),
            ("household", Household),
            ("mobility", Mobility),
            ("care_level", CareLevel),
            ("status", RegistrantStatus),
            ("source", Source),
        ):
            # An empty first choice, so a required answer is given, never assumed.
            getattr(self, name).choices = [("", _l("Choose…")), *choices(enum_cls)]
        self.preferred_language.choices = choices(FormLanguage)

    def validate(self, extra_validators: object = None) -> bool:
        """Field checks, then the checks across fields that Optional() fields would skip."""
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        checks = (
            self._check_location,
            self._check_contact,
            self._check_language,
            self._check_reason,
        )
        return all([check() for check in checks]) and ok

    def _check_location(self) -> bool:
        if (self.latitude.data is None) != (self.longitude.data is None):
            missing = self.longitude if self.longitude.data is None else self.latitude
            add_error(missing, _l("Give both latitude and longitude, or neither."))
            return False
        return True

    def _check_contact(self) -> bool:
        """49-10 asks for 電話番号その他の連絡先: at least one way to reach the person."""
        if any(f.data for f in (self.phone, self.mobile_phone, self.fax, self.email)):
            return True
        add_error(
            self.phone,
            _l("Give at least one way to reach the person: phone, mobile, fax or email."),
        )
        return False

    def _check_reason(self) -> bool:
        """49-10 requires 避難支援等を必要とする事由: at least one category."""
        if any(getattr(self, name).data for name in REASON_FIELDS):
            return True
        add_error(
            self.reason_elderly_care,
            _l("Tick at least one reason why the person needs support."),
        )
        return False

    def _check_language(self) -> bool:
        if self.comm_language.data and not self.language_note.data:
            add_error(self.language_note, _l("Say which language the person speaks."))
            return False
        return True


#: Form fields copied onto the model as they are.
PLAIN_FIELDS = (
    "resident_no",
    "name",
    "name_kana",
    "birth_date",
    "postal_code",
    "address",
    "district_id",
    "phone",
    "mobile_phone",
    "fax",
    "email",
    *REASON_FIELDS,
    "support_reason_detail",
    "latitude",
    "longitude",
    "device_ventilator",
    "device_oxygen",
    "device_suction",
    "device_dialysis",
    "device_other",
    "comm_hearing",
    "comm_visual",
    "comm_language",
    "comm_cognitive",
    "language_note",
    "disability_certificate",
    "last_verified_on",
)
ENUM_FIELDS = {
    "sex": Sex,
    "household": Household,
    "mobility": Mobility,
    "care_level": CareLevel,
    "status": RegistrantStatus,
    "source": Source,
    "preferred_language": FormLanguage,
}


def _value(field: Field) -> object:
    """Typed blank text becomes None; an untouched field keeps its stored value, even ""."""
    if isinstance(field.data, str) and not untouched(field):
        return field.data or None
    return field.data


def registrant_data(form: RegistrantForm) -> dict[str, object]:
    """The validated form as model attributes. The filters have tidied what was typed;
    untouched fields hold their stored values (see roster.formtext)."""
    data: dict[str, object] = {name: _value(getattr(form, name)) for name in PLAIN_FIELDS}
    data.update({name: cls(getattr(form, name).data) for name, cls in ENUM_FIELDS.items()})
    data["emergency_contacts"] = [
        {
            "name": c.form.name.data,
            "relation": c.form.relation.data or "",
            "phone": c.form.phone.data or "",
        }
        for c in form.emergency_contacts
        if c.form.name.data
    ]
    return data
