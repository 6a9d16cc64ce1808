""" "Changes since my last list": who to add to the paper list, which lines to strike out, and
what changed in the details of those still on it (field_changes).

The comparison is between the user's latest copy in the ledger (its IDs and line numbers) and
the people the access rule admits now. People who left are named only by copy, line and
ID, with a category of reason: the partner is no longer entitled to their details.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from ..access.consent import sharing_allows
from ..access.fetch import Person
from ..access.rule import PartnerAccess, visible_registrants
from ..extensions import DbSession
from ..models import ConsentState, Provision, Registrant, RegistrantStatus
from ..viewer import viewer_of
from .field_changes import ChangedPerson, changed_people
from .queries import list_order, visible_among


class RemovalReason(enum.StrEnum):
    CONSENT = "consent"  #: withdrew, refused, or no longer names the partner's category
    MOVED_OUT = "moved_out"
    DECEASED = "deceased"
    FACILITY = "facility"  #: entered a care facility
    DISTRICT = "district"  #: lives in a district the agreement no longer covers
    OTHER = "other"  #: e.g. a disaster-time release that showed them has ended


REASON_LABELS: dict[RemovalReason, Any] = {
    RemovalReason.CONSENT: _l("Consent withdrawn or refused"),
    RemovalReason.MOVED_OUT: _l("Moved out"),
    RemovalReason.DECEASED: _l("Died"),
    RemovalReason.FACILITY: _l("Entered a care facility"),
    RemovalReason.DISTRICT: _l("District not covered by the agreement"),
    RemovalReason.OTHER: _l("No longer covered by the agreement"),
}

_BY_STATUS = {
    RegistrantStatus.MOVED_OUT: RemovalReason.MOVED_OUT,
    RegistrantStatus.DECEASED: RemovalReason.DECEASED,
    RegistrantStatus.INSTITUTIONALISED: RemovalReason.FACILITY,
}


@dataclass(frozen=True)
class Removal:
    """A line of the copy to strike out."""

    line: int
    registrant_id: int
    reason: RemovalReason

    @property
    def reason_label(self) -> str:
        return str(REASON_LABELS[self.reason])


@dataclass
class Changes:
    copy: Provision
    #: People the rule admits now who are not on the copy, in list order.
    added: list[Person]
    #: Lines of the copy whose person the rule no longer admits, by line.
    removed: list[Removal]
    #: How many people of the copy are still on the list.
    kept: int
    #: People still on the list whose visible details changed since the copy, by line.
    changed: list[ChangedPerson]


def removal_reasons(
    session: DbSession, access: PartnerAccess, ids: list[int]
) -> dict[int, RemovalReason]:
    """Why each of `ids` left the list.

    These are people on the user's own copy whom the rule no longer admits. Only their
    status, district and consent are read, server-side, to choose a category; nothing about
    them reaches the page but the category.
    """
    if not ids:
        return {}
    rule = current_app.config["CONSENT_RULE"]
    return {
        rid: _reason(access, rule, status, district_id, state, scope)
        for rid, status, district_id, state, scope in session.execute(_standing(ids))
    }


def _standing(ids: list[int]) -> Select[int, RegistrantStatus, int, ConsentState, int]:
    """Only what chooses a reason: each person's status, district and consent."""
    return select(
        Registrant.id,
        Registrant.status,
        Registrant.district_id,
        Registrant.consent_state,
        Registrant.consent_scope,
    ).where(Registrant.id.in_(sorted(ids)))


def _reason(
    access: PartnerAccess,
    rule: str,
    status: RegistrantStatus,
    district_id: int,
    state: ConsentState,
    scope: Any,
) -> RemovalReason:
    """The first that applies: a status that ends the entry, a district the agreement no
    longer covers, consent refused or narrowed, else a reason we cannot name."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if district_id not in access.districts:
        return RemovalReason.DISTRICT
    if state in (ConsentState.REFUSED, ConsentState.WITHDRAWN) or (
        state is ConsentState.CONSENTED and not sharing_allows(state, scope, access.category, rule)
    ):
        return RemovalReason.CONSENT
    return RemovalReason.OTHER


def changes_since(session: DbSession, user: Any, access: PartnerAccess, copy: Provision) -> Changes:
    """Compare the copy with the people the rule admits now."""
    viewer = viewer_of(user, session)
    on_copy = {item.registrant_id: item.line for item in copy.items}
    now_ids = list(
        session.scalars(
            visible_registrants(viewer)
            .with_only_columns(Registrant.id)
            .order_by(*list_order(viewer))
        )
    )
    new_ids = [rid for rid in now_ids if rid not in on_copy]
    found = visible_among(session, viewer, new_ids)
    added = [found[rid] for rid in new_ids if rid in found]
    still = set(now_ids)
    gone = sorted((line, rid) for rid, line in on_copy.items() if rid not in still)
    reasons = removal_reasons(session, access, [rid for _line, rid in gone])
    removed = [Removal(line, rid, reasons.get(rid, RemovalReason.OTHER)) for line, rid in gone]
    kept = sorted((line, rid) for rid, line in on_copy.items() if rid in still)
    return Changes(
        copy=copy,
        added=added,
        removed=removed,
        kept=len(kept),
        changed=changed_people(session, viewer, kept, copy.created_at),
    )
