from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..consent.forms import CheckboxesField, chosen_scope
from ..consent.operations import MISSING_SCOPE, lacks_scope
from ..formtext import DateField, strip
from ..labels import label, lazy_choices
from ..models import (
    CONSENT_SCOPE_CATEGORIES,
    ConsentPurpose,
    ConsentState,
    FormLanguage,
    PartnerCategory,
)
from ..registrants.forms import REQUIRED, add_error, not_in_future
from .choosing import PREFERRED, choice_key

CHOOSE = _l("Choose…")


class NewRoundForm(FlaskForm):
    """Whom to send forms to. Nothing is chosen for the clerk: the first press counts the
    people (a preview), and only the preview's own button creates the round."""

    title = StringField(
        _l("Title"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    target = SelectField(
        _l("Send to"),
        choices=[
            ("", CHOOSE),
            ("unanswered", _l("People not asked yet, with no form out")),
            ("due", _l("People due for review (要確認)")),
            ("all_active", _l("Everyone active (re-verification)")),
        ],
        validators=[DataRequired(REQUIRED)],
    )
    district_id = SelectField(_l("District"), validators=[DataRequired(REQUIRED)])
    language = SelectField(
        _l("Form language"),
        choices=[
            (PREFERRED, _l("Each person's preferred language")),
            *lazy_choices(FormLanguage),
        ],
    )
    #: The preview's choice and count (choosing.choice_key), carried by its create button.
    confirm = HiddenField(validators=[Length(max=80)])

    def __init__(self, *args: object, district_choices: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.district_id.choices = [
            ("", CHOOSE),
            ("0", _l("All districts")),
            *((str(i), name) for i, name in district_choices),
        ]

    def district(self) -> int | None:
        """The chosen district's ID, or None for all of them."""
        return int(self.district_id.data or 0) or None

    def key(self, count: int) -> str:
        """The confirmation a preview of `count` people gives its create button."""
        return choice_key(
            self.target.data or "", self.district_id.data or "", self.language.data or "", count
        )


class DeleteRoundForm(FlaskForm):
    """The confirmation of a deletion, naming the count the clerk saw."""

    count = HiddenField(validators=[DataRequired(), Length(max=10)])


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
