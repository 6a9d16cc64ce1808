"""Forms for organisations, agreements, the ledger and API tokens, with plain-word labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from ..access.fields import AGREEMENT_FIELDS
from ..consent.forms import CheckboxesField
from ..formtext import DateField, address, code, grouped_phone, lines, listed, strip
from ..labels import FIELD_GROUP_LABELS, choices
from ..models import DisposalMethod, PartnerCategory
from ..registrants.forms import REQUIRED, not_in_future, phone_number
from .agreements import TRANSITIONS, AgreementTerms
from .organisations import OrganisationData

#: Every term of an agreement, as the version history names them.
TERM_LABELS: dict[str, object] = {
    "title": _l("Title"),
    "status": _l("Status"),
    "starts_on": _l("Starts on"),
    "ends_on": _l("Ends on"),
    "terminated_at": _l("Terminated at"),
    "districts": _l("Districts covered"),
    "fields": _l("Fields provided"),
    "includes_plans": _l("Individual evacuation plans included"),
    "emergency_provision": _l("Provision without consent in a disaster (art. 49-11(3))"),
    "list_manager": _l("List manager (名簿管理責任者)"),
    "list_manager_contact": _l("List manager's contact"),
    "viewers": _l("Named viewers"),
    "storage_place": _l("Storage place"),
    "duty_confidentiality": _l("Duty of confidentiality (art. 49-13)"),
    "duty_no_copies": _l("No copies beyond what is needed"),
    "duty_return": _l("Return or destruction when the agreement ends"),
    "notes": _l("Notes"),
    "document": _l("Signed document"),
}

#: Organisation fields, as the audit trail and the edit message name them.
ORGANISATION_LABELS: dict[str, object] = {
    "name": _l("Organisation name"),
    "category": _l("Category"),
    "contact_name": _l("Contact person"),
    "contact_phone": _l("Contact phone"),
    "contact_email": _l("Contact email"),
    "contact_address": _l("Contact address"),
    "notes": _l("Notes"),
    "districts": _l("Districts served"),
}


def field_group_label(group: str) -> str:
    return str(FIELD_GROUP_LABELS.get(group, group))


def term_label(name: str) -> str:
    return str(TERM_LABELS.get(name, name))


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Organisation name"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=120)],
    )
    category = SelectField(_l("Category"), validators=[DataRequired(REQUIRED)])
    contact_name = StringField(
        _l("Contact person"), filters=[strip], validators=[Optional(), Length(max=100)]
    )
    contact_phone = StringField(
        _l("Contact phone"),
        filters=[grouped_phone],
        validators=[Optional(), Length(max=40), phone_number],
    )
    contact_email = StringField(
        _l("Contact email"),
        filters=[code],
        validators=[Optional(), Email(_l("Write a valid email address.")), Length(max=120)],
    )
    contact_address = StringField(
        _l("Contact address"), filters=[address], validators=[Optional(), Length(max=200)]
    )
    notes = TextAreaField(_l("Notes"), filters=[lines], validators=[Length(max=4000)])
    districts: SelectMultipleField = CheckboxesField(_l("Districts served"), coerce=int)
    #: The version the form was built on (edits only).
    version = HiddenField()

    def __init__(self, *args: object, district_choices: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", _l("Choose…")), *choices(PartnerCategory)]
        self.districts.choices = district_choices

    def data_object(self) -> OrganisationData:
        return OrganisationData(
            name=self.name.data or "",
            category=PartnerCategory(self.category.data),
            contact_name=self.contact_name.data or "",
            contact_phone=self.contact_phone.data or "",
            contact_email=self.contact_email.data or "",
            contact_address=self.contact_address.data or "",
            notes=self.notes.data or "",
            district_ids=list(self.districts.data or []),
        )


class AgreementForm(FlaskForm):
    version = HiddenField()
    title = StringField(
        _l("Title or number of the agreement"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=120)],
    )
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(REQUIRED)])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired(REQUIRED)])
    districts: SelectMultipleField = CheckboxesField(_l("Districts covered"), coerce=int)
    fields: SelectMultipleField = CheckboxesField(_l("Fields provided"))
    includes_plans = BooleanField(_l("Individual evacuation plans are provided too (art. 49-15)"))
    emergency_provision = BooleanField(
        _l("In a declared disaster, the partner may receive people without consent (art. 49-11(3))")
    )
    list_manager = StringField(
        _l("List manager (名簿管理責任者)"),
        filters=[strip],
        validators=[Optional(), Length(max=100)],
    )
    list_manager_contact = StringField(
        _l("List manager's contact"), filters=[strip], validators=[Optional(), Length(max=100)]
    )
    viewers = TextAreaField(
        _l("Named viewers, one per line"),
        filters=[listed],
        validators=[Length(max=4000)],
        render_kw={"rows": 6},
    )
    storage_place = StringField(
        _l("Storage place"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    duty_confidentiality = BooleanField(_l("Keep what they learn secret (art. 49-13)"))
    duty_no_copies = BooleanField(_l("Make no copies beyond what is needed"))
    duty_return = BooleanField(_l("Return or destroy the list when the agreement ends"))
    notes = TextAreaField(_l("Notes"), filters=[lines], validators=[Length(max=4000)])

    def __init__(self, *args: object, district_choices: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.districts.choices = district_choices
        self.fields.choices = [(g, field_group_label(g)) for g in AGREEMENT_FIELDS]

    def validate_ends_on(self, field: Field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date is before the start date."))

    def terms(self) -> AgreementTerms:
        assert self.starts_on.data is not None and self.ends_on.data is not None
        return AgreementTerms(
            title=self.title.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            district_ids=list(self.districts.data or []),
            fields=list(self.fields.data or []),
            includes_plans=bool(self.includes_plans.data),
            emergency_provision=bool(self.emergency_provision.data),
            list_manager=self.list_manager.data or "",
            list_manager_contact=self.list_manager_contact.data or "",
            viewers=self.viewers.data or "",
            storage_place=self.storage_place.data or "",
            duty_confidentiality=bool(self.duty_confidentiality.data),
            duty_no_copies=bool(self.duty_no_copies.data),
            duty_return=bool(self.duty_return.data),
            notes=self.notes.data or "",
        )


class StatusForm(FlaskForm):
    action = StringField(validators=[DataRequired(), Length(max=20), AnyOf(list(TRANSITIONS))])
    version = HiddenField()


class DocumentForm(FlaskForm):
    document = FileField(
        _l("Signed agreement (PDF, at most 20 MB)"),
        validators=[FileRequired(_l("Choose the PDF file of the signed agreement."))],
    )


class DisposeForm(FlaskForm):
    disposed_on = DateField(
        _l("Date returned or destroyed"), validators=[InputRequired(REQUIRED), not_in_future]
    )
    disposal_method = SelectField(_l("How"), validators=[DataRequired(REQUIRED)])
    confirmed_by = StringField(
        _l("Confirmed by"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=100)],
    )
    note = TextAreaField(_l("Note"), filters=[lines], validators=[Length(max=2000)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.disposal_method.choices = [("", _l("Choose…")), *choices(DisposalMethod)]


class TokenForm(FlaskForm):
    user_id = SelectField(_l("Partner user the token acts as"), coerce=int, default=0)
    label = StringField(
        _l("What the token is for"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=100)],
    )

    def __init__(self, *args: object, user_choices: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.user_id.choices = [(0, _l("Choose…")), *user_choices]

    def validate_user_id(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the partner user."))
