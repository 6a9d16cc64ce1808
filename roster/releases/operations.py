"""Declaring, renewing and ending a disaster-time release (49-11(3)), each audited.

Access follows at once: roster.access.rule.partner_access reads the running releases on every
request, so nothing here has to tell anyone.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import DisasterRelease, District, User


class ReleaseState(enum.StrEnum):
    SCHEDULED = "scheduled"  #: declared, starts later
    RUNNING = "running"  #: in force now
    ENDED = "ended"  #: ended by staff, or past its end time


def state(release: DisasterRelease, now: datetime) -> ReleaseState:
    if release.ended_at is not None or release.ends_at <= now:
        return ReleaseState.ENDED
    if release.starts_at > now:
        return ReleaseState.SCHEDULED
    return ReleaseState.RUNNING


class ReleaseRefused(Exception):
    """The release cannot be changed this way; the message says why."""


def _check_span(start: datetime, end: datetime, max_days: int) -> None:
    if end <= start or end - start > timedelta(days=max_days):
        raise ReleaseRefused(f"a release runs after its start for at most {max_days} days")


@dataclass
class Declaration:
    """What staff declare: the disaster, the districts, when it runs and on what basis."""

    name: str
    district_ids: Sequence[int]
    starts_at: datetime
    ends_at: datetime
    legal_basis: str


def declare_release(
    session: DbSession,
    actor: User,
    declaration: Declaration,
    *,
    now: datetime,
    max_days: int,
) -> DisasterRelease:
    """Declare a release over the given districts, from starts_at until ends_at."""
    _check_span(declaration.starts_at, declaration.ends_at, max_days)
    if declaration.ends_at <= now:
        raise ReleaseRefused("the end has passed")
    release = _new_release(session, actor, declaration, now)
    detail = {
        "districts": sorted(d.id for d in release.districts),
        "starts_at": declaration.starts_at.isoformat(),
        "ends_at": declaration.ends_at.isoformat(),
    }
    _audit(session, "release.declare", actor, release, detail)
    return release


def _new_release(
    session: DbSession, actor: User, declaration: Declaration, now: datetime
) -> DisasterRelease:
    """The release's row, over those of the declared districts that exist; none is refused."""
    ids = declaration.district_ids
    districts = list(session.scalars(select(District).where(District.id.in_(ids))))
    if not districts:
        raise ReleaseRefused("no district")
    release = DisasterRelease(
        name=declaration.name,
        legal_basis=declaration.legal_basis,
        starts_at=declaration.starts_at,
        ends_at=declaration.ends_at,
        declared_by=actor,
        declared_at=now,
        districts=districts,
    )
    session.add(release)
    session.flush()
    return release


def renew_release(
    session: DbSession,
    actor: User,
    release: DisasterRelease,
    ends_at: datetime,
    *,
    now: datetime,
    max_days: int,
) -> None:
    """Push the end time back, to at most max_days from now. An ended release stays ended:
    a new declaration is needed."""
    _check_renewal(release, ends_at, now, max_days)
    previous = release.ends_at
    release.ends_at = ends_at
    release.renewals += 1
    detail = {
        "previous_ends_at": previous.isoformat(),
        "ends_at": ends_at.isoformat(),
        "renewals": release.renewals,
    }
    _audit(session, "release.renew", actor, release, detail)


def _check_renewal(
    release: DisasterRelease, ends_at: datetime, now: datetime, max_days: int
) -> None:
    """Refuse to renew an ended release, or to an end no later than its own or beyond max_days
    from now."""
    if state(release, now) is ReleaseState.ENDED:
        raise ReleaseRefused("the release has ended")
    if ends_at <= release.ends_at or ends_at > now + timedelta(days=max_days):
        raise ReleaseRefused(f"a renewal reaches later, and at most {max_days} days from now")


def end_release(
    session: DbSession, actor: User, release: DisasterRelease, *, now: datetime
) -> None:
    """End the release now (or cancel one not started yet); normal rules apply at once."""
    if state(release, now) is ReleaseState.ENDED:
        raise ReleaseRefused("the release has ended")
    release.ended_at = now
    release.ended_by = actor
    _audit(session, "release.end", actor, release, {"ended_at": now.isoformat()})


def _audit(
    session: DbSession,
    action: str,
    actor: User,
    release: DisasterRelease,
    detail: dict[str, Any],
) -> None:
    record_event(
        session, action, actor=actor, object_type="release", object_id=release.id, detail=detail
    )
