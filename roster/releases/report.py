"""What was shown to whom under a release, from its ReleaseAccess rows.

roster.disclosures.record_disclosure writes one row whenever a partner user is shown a person
only because the release was running; people their consent admits anyway are not counted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

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
    registrant: Registrant

    @property
    def organisation(self) -> str:
        return self.user.organisation.name if self.user.organisation else ""


def people(rows: Iterable[AccessRow]) -> list[Registrant]:
    """Each person in the rows once, for the disclosure log of the report itself."""
    seen: dict[int, Registrant] = {}
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
    rows = session.execute(
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
    if not rows:
        return []
    actions: dict[int, list[str]] = {}
    for user_id, action in session.execute(
        select(ReleaseAccess.user_id, ReleaseAccess.action)
        .where(ReleaseAccess.release_id == release_id)
        .distinct()
        .order_by(ReleaseAccess.user_id, ReleaseAccess.action)
    ):
        actions.setdefault(user_id, []).append(action)
    users = {
        u.id: u
        for u in session.scalars(
            select(User)
            .where(User.id.in_([r[0] for r in rows]))
            .options(selectinload(User.organisation))
        )
    }
    result = [
        UserSummary(users[uid], people, accesses, first, last, actions.get(uid, []))
        for uid, people, accesses, first, last in rows
    ]
    result.sort(key=lambda s: (s.organisation, s.user.username))
    return result


def _access_query(release_id: int, visible: Any) -> Any:
    """The accesses with their people; `visible` is the viewer's access rule
    (roster.access.rule.registrant_condition)."""
    return (
        select(ReleaseAccess, Registrant)
        .join(Registrant, Registrant.id == ReleaseAccess.registrant_id)
        .where(ReleaseAccess.release_id == release_id, visible)
        .options(selectinload(ReleaseAccess.user).selectinload(User.organisation))
        .order_by(ReleaseAccess.at, ReleaseAccess.id)
    )


def _row(access: ReleaseAccess, registrant: Registrant) -> AccessRow:
    return AccessRow(access.at, access.user, access.action, registrant)


def access_page(
    session: DbSession, release_id: int, page: int, per_page: int, visible: Any
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
    rows = session.execute(
        _access_query(release_id, visible).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(rows=[_row(a, r) for a, r in rows], total=total, page=page, per_page=per_page)


def all_accesses(session: DbSession, release_id: int, visible: Any) -> list[AccessRow]:
    return [_row(a, r) for a, r in session.execute(_access_query(release_id, visible)).all()]


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
                row.registrant.name,
            )
        )
    return out.getvalue()
