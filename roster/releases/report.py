"""What was shown to whom under a release, from its ReleaseAccess rows.

roster.disclosures.record_disclosure writes one row whenever a partner user is shown a person
only because the release was running; people their consent admits anyway are not counted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..access.fetch import Person
from ..access.fetch import people as fetch_people
from ..access.rule import Viewer, visible_registrants
from ..extensions import DbSession
from ..i18n import show_datetime
from ..labels import action_label
from ..models import Registrant, ReleaseAccess, User
from ..registrants.queries import Page


@dataclass
class UserSummary:
    """One partner user's accesses under the release."""

    user: User
    people: int
    accesses: int
    first: datetime
    last: datetime
    actions: list[str] = field(default_factory=list)

    @property
    def organisation(self) -> str:
        return self.user.organisation.name if self.user.organisation else ""


@dataclass
class AccessRow:
    at: datetime
    user: User
    action: str
    #: The person shown, as roster.access.fetch loads them for the viewer of the report.
    registrant: Person

    @property
    def organisation(self) -> str:
        return self.user.organisation.name if self.user.organisation else ""


def people(rows: Iterable[AccessRow]) -> list[Person]:
    """Each person in the rows once, for the disclosure log of the report itself."""
    seen: dict[int, Person] = {}
    for row in rows:
        seen.setdefault(row.registrant.id, row.registrant)
    return list(seen.values())


def counts(session: DbSession, release_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Release -> (people shown, accesses), for the list of releases."""
    ids = list(release_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            ReleaseAccess.release_id,
            func.count(func.distinct(ReleaseAccess.registrant_id)),
            func.count(ReleaseAccess.id),
        )
        .where(ReleaseAccess.release_id.in_(ids))
        .group_by(ReleaseAccess.release_id)
    ).all()
    return {release: (people, accesses) for release, people, accesses in rows}


def summary(session: DbSession, release_id: int) -> list[UserSummary]:
    """Per user (and so per organisation): people, accesses, first and last time, actions."""
    rows = _per_user(session, release_id)
    if not rows:
        return []
    actions = _actions(session, release_id)
    users = _users(session, [r[0] for r in rows])
    result = [
        UserSummary(users[uid], people, accesses, first, last, actions.get(uid, []))
        for uid, people, accesses, first, last in rows
    ]
    result.sort(key=lambda s: (s.organisation, s.user.username))
    return result


def _per_user(session: DbSession, release_id: int) -> Sequence[Any]:
    """(user, people, accesses, first, last) of each user who was shown anyone."""
    return session.execute(
        select(
            ReleaseAccess.user_id,
            func.count(func.distinct(ReleaseAccess.registrant_id)),
            func.count(ReleaseAccess.id),
            func.min(ReleaseAccess.at),
            func.max(ReleaseAccess.at),
        )
        .where(ReleaseAccess.release_id == release_id)
        .group_by(ReleaseAccess.user_id)
    ).all()


def _actions(session: DbSession, release_id: int) -> dict[int, list[str]]:
    """User -> the actions they took under the release, each once, in order."""
    actions: dict[int, list[str]] = {}
    for user_id, action in session.execute(
        select(ReleaseAccess.user_id, ReleaseAccess.action)
        .where(ReleaseAccess.release_id == release_id)
        .distinct()
        .order_by(ReleaseAccess.user_id, ReleaseAccess.action)
    ):
        actions.setdefault(user_id, []).append(action)
    return actions


def _users(session: DbSession, ids: list[int]) -> dict[int, User]:
    query = select(User).where(User.id.in_(ids)).options(selectinload(User.organisation))
    return {u.id: u for u in session.scalars(query)}


def _access_query(release_id: int, viewer: Viewer) -> Any:
    """The accesses to people the viewer may see, oldest first."""
    visible = visible_registrants(viewer).with_only_columns(Registrant.id)
    return (
        select(ReleaseAccess)
        .where(ReleaseAccess.release_id == release_id, ReleaseAccess.registrant_id.in_(visible))
        .options(selectinload(ReleaseAccess.user).selectinload(User.organisation))
        .order_by(ReleaseAccess.at, ReleaseAccess.id)
    )


def _rows(session: DbSession, viewer: Viewer, accesses: list[ReleaseAccess]) -> list[AccessRow]:
    """The accesses with their people, loaded once each through roster.access.fetch."""
    ids = sorted({a.registrant_id for a in accesses})
    query = visible_registrants(viewer).where(Registrant.id.in_(ids))
    found = {p.registrant_id: p for p in fetch_people(session, viewer, query)}
    return [
        AccessRow(a.at, a.user, a.action, found[a.registrant_id])
        for a in accesses
        if a.registrant_id in found
    ]


def access_page(
    session: DbSession, release_id: int, page: int, per_page: int, viewer: Viewer
) -> Page[AccessRow]:
    """One page of the accesses, oldest first."""
    total = (
        session.scalar(
            select(func.count(ReleaseAccess.id)).where(ReleaseAccess.release_id == release_id)
        )
        or 0
    )
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    query = _access_query(release_id, viewer).limit(per_page).offset((page - 1) * per_page)
    rows = _rows(session, viewer, list(session.scalars(query)))
    return Page(rows=rows, total=total, page=page, per_page=per_page)


def all_accesses(session: DbSession, release_id: int, viewer: Viewer) -> list[AccessRow]:
    return _rows(session, viewer, list(session.scalars(_access_query(release_id, viewer))))


#: Cells Excel would read as a formula; such a cell gets a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


HEADER = (
    "日時 (time)",
    "団体 (organisation)",
    "利用者 (user)",
    "操作 (action)",
    "対象者ID (registrant ID)",
    "氏名 (name)",
)


def report_csv(rows: Iterable[AccessRow]) -> str:
    """The accesses as CSV for Excel: UTF-8 with a BOM, times in the municipality's zone."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            safe_cell(v)
            for v in (
                show_datetime(row.at),
                row.organisation,
                f"{row.user.display_name} ({row.user.username})",
                f"{action_label(row.action)} ({row.action})",
                row.registrant.id,
                row.registrant["name"],
            )
        )
    return out.getvalue()
