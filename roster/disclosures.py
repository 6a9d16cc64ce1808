"""Logging what personal data was shown: every page, print, export and API answer that
returns registrants calls record_disclosure with the people it returned.

It writes one audit event and, for a partner under a disaster-time release, one
ReleaseAccess row per person shown only because of the release, so the release report can
say what was shown to whom. The people are the Persons roster.access.fetch returned: their
IDs and releases were worked out when they were loaded, so nothing is read again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert

from .access.fetch import Person
from .access.rule import Viewer
from .audit.operations import record_event
from .extensions import DbSession
from .models import ReleaseAccess
from .models.base import utcnow


def record_disclosure(
    session: DbSession,
    viewer: Viewer,
    action: str,
    people: Sequence[Person],
    *,
    object_id: int | str | None = None,
    detail: dict[str, Any] | None = None,
) -> list[int]:
    """Audit that the viewer was shown `people`; return the releases it happened under."""
    under = _release_rows(viewer, action, people)
    releases = sorted({row["release_id"] for row in under})
    record_event(
        session,
        action,
        actor=viewer.user,
        object_type="registrant",
        object_id=object_id,
        detail=_detail(viewer, people, detail, releases, len(under)),
    )
    if under:
        session.execute(insert(ReleaseAccess), under)
    return releases


def record_view(session: DbSession, viewer: Viewer, person: Person, page: str) -> None:
    """Audit that one person's `page` (detail, edit, consent...) was shown."""
    record_disclosure(
        session,
        viewer,
        "registrant.view",
        [person],
        object_id=person.registrant_id,
        detail={"page": page},
    )


def _release_rows(viewer: Viewer, action: str, people: Sequence[Person]) -> list[dict[str, Any]]:
    """One ReleaseAccess row for each person shown only because of a release."""
    now = utcnow()
    return [
        {
            "release_id": person.release,
            "user_id": viewer.user.id,
            "registrant_id": person.registrant_id,
            "action": action,
            "at": now,
        }
        for person in people
        if person.release is not None
    ]


def _detail(
    viewer: Viewer,
    people: Sequence[Person],
    detail: dict[str, Any] | None,
    releases: list[int],
    under: int,
) -> dict[str, Any]:
    """The audit detail: the caller's, the IDs shown, the agreement and any releases."""
    full = dict(detail or {})
    full.setdefault("ids", [p.registrant_id for p in people])
    if viewer.access is not None:
        full["agreement"] = viewer.access.agreement.id
    if releases:
        full["releases"] = releases
        full["under_release"] = under
    return full
