"""The consent form. Checks between fields live in validate(): Optional() fields skip the
inline validate_<field> methods when empty, which is exactly when these checks matter."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..formtext import DateField, strip
from ..labels import choices, label
from ..models import (
    CONSENT_SCOPE_CATEGORIES,
    ConsentMethod,
    ConsentPurpose,
    ConsentState,
    PartnerCategory,
)
from ..registrants.forms import REQUIRED, add_error, not_in_future
from .operations import MISSING_SCOPE, ConsentAnswer, lacks_scope


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConsentForm(FlaskForm):
    purpose = SelectField(_l("What the consent is for"), validators=[DataRequired(REQUIRED)])
    state = SelectField(_l("Answer"), validators=[DataRequired(REQUIRED)])
    method = SelectField(_l("How it was given"), validators=[DataRequired(REQUIRED)])
    decided_on = DateField(
        _l("Date of the answer"), validators=[InputRequired(REQUIRED), not_in_future]
    )
    scope = CheckboxesField(_l("Partners it covers"))
    all_partners = BooleanField(_l("All partners"))
    notice_sent_on = DateField(
        _l("Date the notice was sent"), validators=[Optional(), not_in_future]
    )
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
        self.purpose.choices = [("", _l("Choose…")), *choices(ConsentPurpose)]
        states = [
            s for s in ConsentState if s is not ConsentState.PRESUMED or presumption_allowed()
        ]
        self.state.choices = [("", _l("Choose…"))] + [(s.value, label(s)) for s in states]
        self.method.choices = [("", _l("Choose…")), *choices(ConsentMethod)]
        self.scope.choices = [(c.value, label(c)) for c in CONSENT_SCOPE_CATEGORIES]

    def validate_state(self, field: Field) -> None:
        if field.data == ConsentState.PRESUMED and not presumption_allowed():
            raise ValidationError(
                _l("The ordinance rule in force does not allow presumed consent.")
            )

    def validate(self, extra_validators: object = None) -> bool:
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        checks = (self._check_scope, self._check_method, self._check_presumption, self._check_proxy)
        return all([check() for check in checks]) and ok

    def _check_scope(self) -> bool:
        if self.purpose.data not in set(ConsentPurpose) or self.state.data not in set(ConsentState):
            return True  # the choice itself is refused above
        purpose, state = ConsentPurpose(self.purpose.data), ConsentState(self.state.data)
        if lacks_scope(purpose, state, chosen_scope(self.scope, self.all_partners)):
            add_error(self.scope, MISSING_SCOPE)
            return False
        return True

    def _check_method(self) -> bool:
        """推定 goes with 推定同意 and nothing else, and only where the law allows it: the
        register and plan sharing, never the making of a plan (49-14 needs the person)."""
        presumed = self.state.data == ConsentState.PRESUMED
        if presumed != (self.method.data == ConsentMethod.PRESUMPTION):
            add_error(self.method, _l("Presumption is the method of presumed consent only."))
            return False
        if presumed and self.purpose.data == ConsentPurpose.PLAN_MAKING:
            add_error(self.state, _l("Making a plan needs the person's own consent."))
            return False
        return True

    def _check_presumption(self) -> bool:
        """推定同意 needs its notice date, enough days without a reply, and its basis."""
        if self.state.data != ConsentState.PRESUMED:
            return True
        ok = True
        if not self.note.data:
            add_error(self.note, _l("Record the basis of the presumption (the ordinance)."))
            ok = False
        sent = self.notice_sent_on.data
        if sent is None:
            add_error(self.notice_sent_on, _l("Give the date the notice was sent."))
            return False
        return self._check_waited(sent) and ok

    def _check_waited(self, sent: date) -> bool:
        """The answer is dated enough days after the notice (the ordinance's wait)."""
        decided = self.decided_on.data
        days = current_app.config["PRESUMED_AFTER_DAYS"]
        if decided and decided < sent + timedelta(days=days):
            add_error(
                self.decided_on,
                _l(
                    "Consent can be presumed only %(days)d days after the notice, from %(date)s.",
                    days=days,
                    date=(sent + timedelta(days=days)).isoformat(),
                ),
            )
            return False
        return True

    def _check_proxy(self) -> bool:
        if self.proxy_name.data and not self.proxy_relation.data:
            add_error(self.proxy_relation, _l("Say how the proxy is related to the person."))
            return False
        if self.proxy_relation.data and not self.proxy_name.data:
            add_error(self.proxy_name, _l("Give the proxy's name."))
            return False
        return True

    def answer(self) -> ConsentAnswer:
        """The validated form as an answer; decided_on is required, so validation set it."""
        state = ConsentState(self.state.data)
        decided_on = self.decided_on.data
        if decided_on is None:
            raise ValueError("answer() needs a validated form")
        # A scope belongs to an explicit 同意; a presumption shares as the ordinance says.
        scoped = state is ConsentState.CONSENTED
        return ConsentAnswer(
            purpose=ConsentPurpose(self.purpose.data),
            state=state,
            method=ConsentMethod(self.method.data),
            decided_on=decided_on,
            scope=chosen_scope(self.scope, self.all_partners) if scoped else frozenset(),
            notice_sent_on=self.notice_sent_on.data if state is ConsentState.PRESUMED else None,
            form_version=self.form_version.data or None,
            proxy_name=self.proxy_name.data or None,
            proxy_relation=self.proxy_relation.data or None,
            note=self.note.data or None,
        )


def chosen_scope(scope: Field, all_partners: Field) -> frozenset[PartnerCategory]:
    """The partners ticked, or every one when the form's 「すべての提供先」 box is ticked."""
    if all_partners.data:
        return frozenset(CONSENT_SCOPE_CATEGORIES)
    return frozenset(PartnerCategory(c) for c in scope.data or [])


def presumption_allowed() -> bool:
    return bool(current_app.config["CONSENT_RULE"] == "presumed_after_no_reply")
