from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..labels import choices, label
from ..models import (
    CONSENT_SCOPE_CATEGORIES,
    ConsentMethod,
    ConsentPurpose,
    ConsentState,
    PartnerCategory,
)
from ..registrants.forms import REQUIRED, strip
from .operations import ConsentAnswer


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConsentForm(FlaskForm):
    purpose = SelectField(_l("What the consent is for"), validators=[DataRequired(REQUIRED)])
    state = SelectField(_l("Answer"), validators=[DataRequired(REQUIRED)])
    method = SelectField(_l("How it was given"), validators=[DataRequired(REQUIRED)])
    decided_on = DateField(_l("Date of the answer"), validators=[InputRequired(REQUIRED)])
    scope = CheckboxesField(_l("Partners it covers"))
    form_version = StringField(
        _l("Consent form version"), filters=[strip], validators=[Optional(), Length(max=40)]
    )
    proxy_name = StringField(
        _l("Proxy's name"), filters=[strip], validators=[Optional(), Length(max=100)]
    )
    proxy_relation = StringField(
        _l("Proxy's relation"), filters=[strip], validators=[Optional(), Length(max=40)]
    )
    note = TextAreaField(_l("Note or basis"), filters=[strip], validators=[Length(max=2000)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.purpose.choices = choices(ConsentPurpose)
        states = [
            s for s in ConsentState if s is not ConsentState.PRESUMED or presumption_allowed()
        ]
        self.state.choices = [(s.value, label(s)) for s in states]
        self.method.choices = choices(ConsentMethod)
        self.scope.choices = [(c.value, label(c)) for c in CONSENT_SCOPE_CATEGORIES]

    def validate_decided_on(self, field: Field) -> None:
        if field.data and field.data > date.today():
            raise ValidationError(_l("This date is in the future."))

    def validate_scope(self, field: Field) -> None:
        if (
            self.state.data == ConsentState.CONSENTED
            and self.purpose.data == ConsentPurpose.REGISTER_SHARING
            and not field.data
        ):
            raise ValidationError(_l("Tick at least one partner the person agreed to."))

    def validate_state(self, field: Field) -> None:
        if field.data == ConsentState.PRESUMED and not presumption_allowed():
            raise ValidationError(
                _l("The ordinance rule in force does not allow presumed consent.")
            )

    def validate_note(self, field: Field) -> None:
        if self.state.data == ConsentState.PRESUMED and not field.data:
            raise ValidationError(
                _l("Record the basis of the presumption: the notice and its date.")
            )

    def validate_proxy_relation(self, field: Field) -> None:
        if self.proxy_name.data and not field.data:
            raise ValidationError(_l("Say how the proxy is related to the person."))

    def answer(self) -> ConsentAnswer:
        state = ConsentState(self.state.data)
        keeps_scope = state in (ConsentState.CONSENTED, ConsentState.PRESUMED)
        return ConsentAnswer(
            purpose=ConsentPurpose(self.purpose.data),
            state=state,
            method=ConsentMethod(self.method.data),
            decided_on=self.decided_on.data,
            scope=frozenset(PartnerCategory(c) for c in self.scope.data or [])
            if keeps_scope
            else frozenset(),
            form_version=self.form_version.data or None,
            proxy_name=self.proxy_name.data or None,
            proxy_relation=self.proxy_relation.data or None,
            note=self.note.data or None,
        )


def presumption_allowed() -> bool:
    return bool(current_app.config["CONSENT_RULE"] == "presumed_after_no_reply")
