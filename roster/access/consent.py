"""What the consent history means: the current state, and whether it lets a partner see someone.

The ordinance rule (config consent.rule) decides how states translate into sharing:
opt_in shares only on 同意; presumed_after_no_reply also on 推定同意; opt_out on anything but
an explicit refusal or withdrawal. A 同意 always binds to its scope of partner categories.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from ..models import ConsentPurpose, ConsentRecord, ConsentState, PartnerCategory, Registrant
from ..models.partners import SCOPE_BITS

#: How much a state says: the person's own answer outranks a presumption, which outranks
#: a note that no answer came. An explicit refusal therefore always wins over a presumption.
STRENGTH = {
    ConsentState.CONSENTED: 2,
    ConsentState.REFUSED: 2,
    ConsentState.WITHDRAWN: 2,
    ConsentState.PRESUMED: 1,
    ConsentState.UNCONFIRMED: 0,
}


def in_force_key(state: ConsentState, decided_on: date, record_id: int) -> tuple[int, date, int]:
    """Order of precedence: the strongest kind of answer, then the latest decision date, then
    the last recorded of equal dates."""
    return STRENGTH[state], decided_on, record_id


def latest(records: Iterable[ConsentRecord]) -> ConsentRecord | None:
    """The record in force (see in_force_key)."""
    return max(records, key=lambda r: in_force_key(r.state, r.decided_on, r.id), default=None)


def current_state(records: Iterable[ConsentRecord]) -> ConsentState:
    record = latest(records)
    return record.state if record else ConsentState.UNCONFIRMED


def sharing_states(rule: str) -> tuple[ConsentState, ...]:
    """States that share with every category regardless of scope, under the given rule."""
    if rule == "presumed_after_no_reply":
        return (ConsentState.PRESUMED,)
    if rule == "opt_out":
        return (ConsentState.UNCONFIRMED, ConsentState.PRESUMED)
    return ()


def register_sharing_allows(
    category: PartnerCategory | None, rule: str, on: Any = Registrant
) -> ColumnElement[bool]:
    """SQL condition on Registrant (or on anything with its consent_state and consent_scope
    columns, as the sharing counters have): its consent lets a partner of this category see
    it."""
    if category not in SCOPE_BITS:
        # A kind of partner no consent form names (福祉事業所, その他) is never shared with on
        # the strength of consent or silence; agreements decide for them.
        return false()
    in_scope = on.consent_scope.op("&")(SCOPE_BITS.get(category, 0)) != 0
    consented = and_(on.consent_state == ConsentState.CONSENTED, in_scope)
    unscoped = sharing_states(rule)
    return or_(consented, on.consent_state.in_(unscoped)) if unscoped else consented


def sharing_allows(
    state: ConsentState, scope: int, category: PartnerCategory | None, rule: str
) -> bool:
    """The same test as register_sharing_allows, on one registrant's cached state and scope."""
    bit = SCOPE_BITS.get(category) if category is not None else None
    if bit is None:
        return False
    if state is ConsentState.CONSENTED and scope & bit:
        return True
    return state in sharing_states(rule)


def current_by_purpose(records: Iterable[ConsentRecord]) -> dict[ConsentPurpose, ConsentRecord]:
    """The record in force for each purpose that has any."""
    by_purpose: dict[ConsentPurpose, list[ConsentRecord]] = {}
    for record in records:
        by_purpose.setdefault(record.purpose, []).append(record)
    return {p: r for p, rs in by_purpose.items() if (r := latest(rs)) is not None}
