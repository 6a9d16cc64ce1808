"""Staff's list of plans: every plan whose person the viewer may see, by review date, filtered
by effective status and district, a page at a time, with the count of plans in each status.

The people come from roster.access.fetch (projected, for output); the rows they were read
from serve the review checks only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Row, Select, func, select

from ..access.fetch import Person, people
from ..access.rule import Viewer, registrant_condition, visible_registrants
from ..extensions import DbSession
from ..models import Plan, PlanStatus, Registrant, Shelter
from ..registrants.queries import Page
from .review import effective_status, review_reasons, status_condition


@dataclass(frozen=True)
class PlanLine:
    plan: Plan
    r: Person
    shelter: Shelter | None
    reasons: list[str]
    status: PlanStatus


def list_conditions(
    viewer: Viewer, status: PlanStatus | None, district_id: int | None, today: date
) -> list[Any]:
    """The access rule first, then the effective status and the district asked for."""
    where: list[Any] = [registrant_condition(viewer)]
    if status is not None:
        where.append(status_condition(status, today))
    if district_id is not None:
        where.append(Registrant.district_id == district_id)
    return where


#: A query on plans, of whatever columns.
Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")


def _with_person_and_place(query: Q) -> Q:
    """A query on plans joined to their person and, where there is one, their shelter."""
    return query.join(Registrant, Registrant.id == Plan.registrant_id).outerjoin(
        Shelter, Shelter.id == Plan.destination_shelter_id
    )


def plan_page(
    session: DbSession,
    viewer: Viewer,
    where: list[Any],
    today: date,
    page: int,
    per_page: int,
) -> Page[PlanLine]:
    """One page of the plans matching `where`, by review date (a page past the end is the
    last), each with its review reasons and effective status."""
    total = _count(session, where)
    page_no = max(1, min(page, max(1, -(-total // per_page))))
    rows = session.execute(
        _with_person_and_place(select(Plan, Registrant, Shelter))
        .where(*where)
        .order_by(Plan.review_on, Plan.id)
        .offset((page_no - 1) * per_page)
        .limit(per_page)
    ).all()
    lines = _plan_lines(session, viewer, rows, today)
    return Page(rows=lines, total=total, page=page_no, per_page=per_page)


def _count(session: DbSession, where: list[Any]) -> int:
    base = _with_person_and_place(select(Plan.id)).where(*where)
    return session.scalar(select(func.count()).select_from(base.subquery())) or 0


def _plan_lines(
    session: DbSession,
    viewer: Viewer,
    rows: Sequence[Row[Plan, Registrant, Shelter | None]],
    today: date,
) -> list[PlanLine]:
    shown = _people_by_id(session, viewer, [registrant.id for _plan, registrant, _s in rows])
    lines = []
    for plan, registrant, shelter in rows:
        reasons = review_reasons(plan, registrant, shelter, today)
        status = effective_status(plan.status, reasons)
        lines.append(PlanLine(plan, shown[registrant.id], shelter, reasons, status))
    return lines


def _people_by_id(session: DbSession, viewer: Viewer, ids: list[int]) -> dict[int, Person]:
    """The list's people as the viewer may see them; the rows they came with are for the
    review checks only."""
    query = visible_registrants(viewer).where(Registrant.id.in_(ids))
    return {p.registrant_id: p for p in people(session, viewer, query)}


def status_counts(
    session: DbSession, district_id: int | None, today: date
) -> dict[PlanStatus, int]:
    """How many plans are in each effective status (in the district, if one is chosen)."""
    in_district = [Registrant.district_id == district_id] if district_id is not None else []
    return {
        s: session.scalar(
            _with_person_and_place(select(func.count(Plan.id))).where(
                status_condition(s, today), *in_district
            )
        )
        or 0
        for s in PlanStatus
    }
