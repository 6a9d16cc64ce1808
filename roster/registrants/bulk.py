"""Acting on many people ticked in the register list: a new status, a mailing round, or
one printed sheet each. The views confirm with the count first; these verbs flush and
audit, and the view commits.

The selection is a list of register IDs posted by the list (never in a URL). It is read
through the access rule, so an ID the user may not see selects no one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..access.fetch import Person, people
from ..access.rule import Viewer, visible_registrants
from ..audit.operations import record_event
from ..consent.catalog import reference_code
from ..extensions import DbSession
from ..models import MailingRound, Registrant, RegistrantStatus, RoundMember, User
from ..models.registrant_versions import ChangePath, changes_by
from ..numbers import bounded_int
from ..rounds.operations import awaiting_reply
from ..versioning import StaleEditError, check_version
from .operations import _after_change

#: At most this many people are acted on at once (a few pages of the list).
MAX_SELECTION = 500


def selected_ids(values: Iterable[str]) -> list[int]:
    """The register IDs posted, in order, once each, as the list writes them (no leading
    zeros); anything else is dropped."""
    ids: dict[int, None] = {}
    for value in values:
        number = bounded_int(value)
        if number is not None and str(number) == value:
            ids.setdefault(number, None)
    return list(ids)


def selected_people(session: DbSession, viewer: Viewer, ids: Sequence[int]) -> list[Person]:
    """The selected people the viewer may see, in the order they were ticked."""
    if not ids:
        return []
    query = visible_registrants(viewer).where(Registrant.id.in_(ids))
    found = {p.registrant_id: p for p in people(session, viewer, query)}
    return [found[i] for i in ids if i in found]


def versions_of(found: Sequence[Person]) -> str:
    """The version each person was shown at, for the confirmation form: "id:version ..."."""
    return " ".join(f"{p.registrant_id}:{p['version']}" for p in found)


def parse_versions(text: str) -> dict[int, int]:
    """The posted "id:version" pairs; a garbled pair is left out (and so counts as stale)."""
    pairs: dict[int, int] = {}
    for item in text.split()[:MAX_SELECTION]:
        rid, _sep, version = item.partition(":")
        number, seen = bounded_int(rid), bounded_int(version)
        if number is not None and seen is not None:
            pairs[number] = seen
    return pairs


# ---------------------------------------------------------------------------------------------
# A new status.
# ---------------------------------------------------------------------------------------------


def already_with(
    session: DbSession, viewer: Viewer, ids: Sequence[int], status: RegistrantStatus
) -> int:
    """How many of the people already have the status (they stay as they are)."""
    query = visible_registrants(viewer).where(
        Registrant.id.in_(list(ids)), Registrant.status == status
    )
    return len(list(session.scalars(query.with_only_columns(Registrant.id))))


def change_statuses(
    session: DbSession,
    viewer: Viewer,
    seen: dict[int, int],
    status: RegistrantStatus,
) -> int:
    """Give everyone in `seen` the new status, each only if still at the version shown.

    StaleEditError (before anything changes) when a person was saved since, or is no longer
    to be seen; the view rolls back and answers 409. Returns how many people changed.
    """
    query = visible_registrants(viewer).where(Registrant.id.in_(list(seen)))
    found = {r.id: r for r in session.scalars(query)}
    if set(found) != set(seen):
        raise StaleEditError(sorted(set(seen) - set(found)))
    for rid, registrant in found.items():
        check_version(registrant, seen[rid])
    changed = [r for r in found.values() if r.status is not status]
    with changes_by(session, viewer.user, ChangePath.BULK):
        for registrant in changed:
            registrant.status = status
            _after_change(session, registrant, ["status"], viewer.user)
    _audit(session, viewer.user, "registrant.bulk_status", changed, {"status": status.value})
    return len(changed)


def _audit(
    session: DbSession,
    actor: User,
    action: str,
    changed: Sequence[Registrant],
    extra: dict[str, Any],
) -> None:
    """One event for the whole action: how many, and their IDs (never their data)."""
    record_event(
        session,
        action,
        actor=actor,
        object_type="registrant",
        detail={"count": len(changed), "ids": sorted(r.id for r in changed), **extra},
    )


# ---------------------------------------------------------------------------------------------
# A mailing round.
# ---------------------------------------------------------------------------------------------


def open_rounds(session: DbSession) -> list[MailingRound]:
    """Rounds whose forms have not gone into the post yet, newest first."""
    query = select(MailingRound).where(MailingRound.sent_on.is_(None))
    return list(session.scalars(query.order_by(MailingRound.created_at.desc())))


@dataclass(frozen=True)
class RoundPlan:
    """What adding the selection to a round would do, for the confirmation."""

    mailing: MailingRound
    add: list[int]
    already_in: int
    form_out: int
    not_active: int


def plan_round(
    session: DbSession, viewer: Viewer, mailing: MailingRound, ids: Sequence[int]
) -> RoundPlan:
    """Who would be added (active, not in the round, no form out elsewhere), and why the
    others would not."""
    query = visible_registrants(viewer).where(Registrant.id.in_(ids))
    rows = {r.id: r for r in session.scalars(query)}
    members = set(
        session.scalars(select(RoundMember.registrant_id).where(RoundMember.round_id == mailing.id))
    )
    waiting = set(session.scalars(awaiting_reply().where(RoundMember.registrant_id.in_(ids))))
    active = [i for i in ids if i in rows and rows[i].status is RegistrantStatus.ACTIVE]
    inside = [i for i in active if i in members]
    out_elsewhere = [i for i in active if i not in members and i in waiting]
    add = [i for i in active if i not in members and i not in waiting]
    return RoundPlan(mailing, add, len(inside), len(out_elsewhere), len(ids) - len(active))


def add_to_round(
    session: DbSession, actor: User, mailing: MailingRound, ids: Sequence[int], key: bytes
) -> None:
    """Add the people to the round, each with the reference code printed on their form."""
    session.add_all(
        RoundMember(
            round_id=mailing.id, registrant_id=i, reference=reference_code(i, mailing.id, key=key)
        )
        for i in ids
    )
    session.flush()
    record_event(
        session,
        "round.add_members",
        actor=actor,
        object_type="round",
        object_id=mailing.id,
        detail={"count": len(ids), "ids": list(ids)},
    )
