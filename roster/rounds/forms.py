from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..consent.forms import CheckboxesField, chosen_scope
from ..consent.operations import MISSING_SCOPE, lacks_scope
from ..formtext import DateField, strip
from ..labels import label
from ..models import CONSENT_SCOPE_CATEGORIES, ConsentPurpose, ConsentState, PartnerCategory
from ..registrants.forms import REQUIRED, add_error, not_in_future

LANGUAGES = (("ja", _l("Japanese")), ("ja-easy", _l("Easy Japanese")), ("en", _l("English")))


class NewRoundForm(FlaskForm):
    title = StringField(
        _l("Title"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    target = SelectField(
        _l("Send to"),
        choices=[
            ("unanswered", _l("People not asked yet, with no form out")),
            ("due", _l("People due for review (要確認)")),
            ("all_active", _l("Everyone active (re-verification)")),
        ],
    )
    district_id = SelectField(_l("District"), coerce=int)
    language = SelectField(_l("Form language"), choices=LANGUAGES)

    def __init__(self, *args: object, district_choices: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.district_id.choices = [(0, _l("All districts")), *district_choices]


class SentForm(FlaskForm):
    sent_on = DateField(_l("Sent on"), validators=[InputRequired(REQUIRED), not_in_future])


class ReplyForm(FlaskForm):
    """One returned form, keyboard first: the code, the answer, the ticks, save."""

    reference = StringField(
        _l("Reference code"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=20)]
    )
    answer = RadioField(
        _l("Sharing the register"),
        choices=[("agree", _l("Agrees")), ("refuse", _l("Does not agree"))],
        validators=[InputRequired(_l("Choose the answer ticked on the form."))],
    )
    scope = CheckboxesField(_l("Partners it covers"))
    all_partners = BooleanField(_l("All partners"))
    plan_making = BooleanField(_l("Agrees to an evacuation plan being made"))
    plan_sharing = BooleanField(_l("Agrees to the plan being shared"))
    decided_on = DateField(_l("Date on the form"), validators=[Optional(), not_in_future])
    proxy_name = StringField(
        _l("Proxy's name"), filters=[strip], validators=[Optional(), Length(max=100)]
    )
    proxy_relation = StringField(
        _l("Proxy's relation"), filters=[strip], validators=[Optional(), Length(max=40)]
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.scope.choices = [(c.value, label(c)) for c in CONSENT_SCOPE_CATEGORIES]

    def validate(self, extra_validators: object = None) -> bool:
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        return self._check_scope() and ok

    def _check_scope(self) -> bool:
        """The rule of roster.consent: a 同意 to sharing the register or the plan names at
        least one partner (or 「すべて」)."""
        scope = self.chosen_scope()
        agrees = ConsentState.CONSENTED if self.answer.data == "agree" else ConsentState.REFUSED
        register = lacks_scope(ConsentPurpose.REGISTER_SHARING, agrees, scope)
        plan = self.plan_sharing.data and lacks_scope(
            ConsentPurpose.PLAN_SHARING, ConsentState.CONSENTED, scope
        )
        if register or plan:
            add_error(self.scope, MISSING_SCOPE)
            return False
        return True

    def chosen_scope(self) -> frozenset[PartnerCategory]:
        """The partners ticked, or all of them."""
        return chosen_scope(self.scope, self.all_partners)
