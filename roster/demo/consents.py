"""Consent histories of fictional demo people, as staff would have recorded them.

Register sharing (49-11): about 40 % never answered (no record), 45 % consented (usually to
all six partner categories), 10 % refused and 5 % withdrew a consent. People who applied
themselves (手上げ) consented with their application. About a tenth of the people also
have a plan-making consent (49-14), most of them a plan-sharing one (49-15) as well.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ..models import (
    CONSENT_SCOPE_CATEGORIES,
    ConsentMethod,
    ConsentPurpose,
    ConsentState,
    Household,
    Mobility,
    PartnerCategory,
    Source,
)
from .draw import Weighted, chance
from .people import Person, PersonMaker

_S = ConsentState
_P = PartnerCategory
_CM = ConsentMethod

OUTCOMES: dict[Source, Weighted[ConsentState]] = {
    Source.ELIGIBLE_LIST: Weighted(
        [(_S.UNCONFIRMED, 50), (_S.CONSENTED, 34), (_S.REFUSED, 11.2), (_S.WITHDRAWN, 4.8)]
    ),
    Source.SELF_APPLIED: Weighted([(_S.CONSENTED, 92), (_S.REFUSED, 2), (_S.WITHDRAWN, 6)]),
    Source.RECOMMENDED: Weighted(
        [(_S.UNCONFIRMED, 25), (_S.CONSENTED, 60), (_S.REFUSED, 10), (_S.WITHDRAWN, 5)]
    ),
}
FIRST_METHODS: dict[Source, Weighted[ConsentMethod]] = {
    Source.ELIGIBLE_LIST: Weighted(
        [(_CM.MAIL, 70), (_CM.VISIT, 15), (_CM.COUNTER, 8), (_CM.PHONE, 7)]
    ),
    Source.SELF_APPLIED: Weighted([(_CM.SELF_APPLICATION, 1)]),
    Source.RECOMMENDED: Weighted([(_CM.VISIT, 60), (_CM.COUNTER, 20), (_CM.MAIL, 20)]),
}
WITHDRAWAL_METHODS = Weighted([(_CM.PHONE, 45), (_CM.COUNTER, 35), (_CM.MAIL, 20)])

ALL_CATEGORIES = tuple(CONSENT_SCOPE_CATEGORIES)
SCOPES = Weighted(
    [
        (ALL_CATEGORIES, 75),
        ((_P.MINSEI_IIN, _P.FIRE, _P.POLICE), 10),
        ((_P.MINSEI_IIN, _P.SHAKYO, _P.FIRE, _P.POLICE), 6),
        ((_P.MINSEI_IIN, _P.JICHIKAI, _P.FIRE, _P.POLICE), 5),
        ((_P.MINSEI_IIN,), 4),
    ]
)
REFUSAL_NOTES = Weighted(
    [
        (None, 60),
        ("個人情報を他人に知られたくないとのこと", 15),
        ("家族が支援するので不要とのこと", 15),
        ("近所に知られたくないとのこと", 10),
    ]
)
PROXY_RELATIONS = Weighted([("長男", 35), ("長女", 35), ("配偶者", 15), ("成年後見人", 15)])

#: Consent forms by the first day they were used (fiscal-year revisions).
FORM_VERSIONS = ((date(2024, 4, 1), "ja-2024-04"), (date(2022, 4, 1), "ja-2022-04"))
OLDEST_FORM = "ja-2019-04"
WRITTEN = (_CM.MAIL, _CM.VISIT, _CM.COUNTER, _CM.SELF_APPLICATION)


@dataclass(frozen=True)
class ConsentDraft:
    """One consent record to write; ids and the recording staff are added on insert."""

    purpose: ConsentPurpose
    state: ConsentState
    method: ConsentMethod
    decided_on: date
    scope: tuple[PartnerCategory, ...] = ()
    form_version: str | None = None
    proxy_name: str | None = None
    proxy_relation: str | None = None
    note: str | None = None


def form_version(method: ConsentMethod, day: date) -> str | None:
    """The form answered on that day, or None for an answer given by phone."""
    if method not in WRITTEN:
        return None
    return next((version for start, version in FORM_VERSIONS if day >= start), OLDEST_FORM)


class ConsentMaker:
    """Draws consent histories; names of proxies come from the PersonMaker."""

    def __init__(self, rng: random.Random, today: date, people: PersonMaker) -> None:
        self.rng = rng
        self.today = today
        self.people = people

    def history(self, person: Person) -> list[ConsentDraft]:
        """Every record of the person, oldest decision first (ids follow this order)."""
        source = person.row["source"]
        outcome = OUTCOMES[source].pick(self.rng)
        if outcome is _S.UNCONFIRMED:
            return []
        method = FIRST_METHODS[source].pick(self.rng)
        day = self._first_answer(person, method)
        proxy = self._proxy(person)
        if outcome is _S.REFUSED:
            return [self._answer(_S.REFUSED, method, day, proxy)]
        drafts = []
        if outcome is _S.CONSENTED and source is not Source.SELF_APPLIED and chance(self.rng, 0.1):
            drafts.append(self._answer(_S.REFUSED, method, day, proxy))
            day, method = self._later(day), _CM.VISIT
        drafts.append(self._answer(_S.CONSENTED, method, day, proxy))
        if outcome is _S.WITHDRAWN:
            drafts.append(self._withdrawal(self._later(day), proxy))
        else:
            drafts += self._plans(person, drafts[-1])
        return drafts

    def _first_answer(self, person: Person, method: ConsentMethod) -> date:
        registered = person.registered_on
        if method is _CM.SELF_APPLICATION:
            return registered
        if method is _CM.MAIL:  # the next yearly mailing, sent out in June
            mailing = date(registered.year, 6, 1)
            mailing = mailing if mailing >= registered else date(registered.year + 1, 6, 1)
            answered = mailing + timedelta(days=self.rng.randint(7, 60))
            if answered <= self.today:
                return answered
        return min(registered + timedelta(days=self.rng.randint(10, 400)), self.today)

    def _later(self, day: date) -> date:
        return min(day + timedelta(days=self.rng.randint(30, 700)), self.today)

    def _proxy(self, person: Person) -> tuple[str, str] | None:
        """Who answered for the person, if someone did: (name, relation)."""
        dependent = person.needs.cognitive or person.needs.mobility is Mobility.BEDRIDDEN
        if not chance(self.rng, 0.25 if dependent else 0.02):
            return None
        relation = PROXY_RELATIONS.pick(self.rng)
        if relation == "成年後見人" and person.needs.cognitive:
            return self.people.professional_name(), relation
        if relation == "配偶者" and person.row["household"] is not Household.ELDERLY_ONLY:
            relation = "長女"
        if relation in ("長男", "長女") and person.age < 50:
            relation = "母"
        return self.people.relative_name(person, relation if relation != "成年後見人" else "長男")

    def _answer(
        self, state: ConsentState, method: ConsentMethod, day: date, proxy: tuple[str, str] | None
    ) -> ConsentDraft:
        note = None
        if state is _S.REFUSED:
            note = REFUSAL_NOTES.pick(self.rng)
        elif method is _CM.VISIT and chance(self.rng, 0.5):
            note = "民生委員の訪問時に同意書を受領"
        return ConsentDraft(
            purpose=ConsentPurpose.REGISTER_SHARING,
            state=state,
            method=method,
            decided_on=day,
            scope=SCOPES.pick(self.rng) if state is _S.CONSENTED else (),
            form_version=form_version(method, day),
            proxy_name=proxy[0] if proxy else None,
            proxy_relation=proxy[1] if proxy else None,
            note=note,
        )

    def _withdrawal(self, day: date, proxy: tuple[str, str] | None) -> ConsentDraft:
        method = WITHDRAWAL_METHODS.pick(self.rng)
        who = proxy[1] if proxy else "本人"
        return ConsentDraft(
            purpose=ConsentPurpose.REGISTER_SHARING,
            state=_S.WITHDRAWN,
            method=method,
            decided_on=day,
            form_version=form_version(method, day),
            proxy_name=proxy[0] if proxy else None,
            proxy_relation=proxy[1] if proxy else None,
            note=f"{who}より撤回の申出",
        )

    def _plans(self, person: Person, consent: ConsentDraft) -> list[ConsentDraft]:
        """Plan-making and plan-sharing consents, most likely for ventilator users."""
        if not chance(self.rng, 0.8 if person.needs.ventilator else 0.22):
            return []
        day = self._later(consent.decided_on)
        making = ConsentDraft(
            purpose=ConsentPurpose.PLAN_MAKING,
            state=_S.CONSENTED,
            method=_CM.VISIT,
            decided_on=day,
            form_version=form_version(_CM.VISIT, day),
            proxy_name=consent.proxy_name,
            proxy_relation=consent.proxy_relation,
        )
        if not chance(self.rng, 0.7):
            return [making]
        return [making, replace(making, purpose=ConsentPurpose.PLAN_SHARING, scope=consent.scope)]
