"""The plan queue read from the stored scores (stored.py): a page is an index walk that stops
at the page, and its count adds up the coverage counters, so neither grows with the register.

The rows of a page are still scored by the reference function (queries.people()), so what a
row says and where it stands come from the same numbers; a test holds them equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select, true

from ..access.rule import Viewer, registrant_condition
from ..extensions import DbSession
from ..models import District, PlanTask, PriorityCount, Registrant
from . import stored
from .queries import QueueFilter, QueuePage, band_condition, people
from .scoring import Bands


def queue_page(
    session: DbSession,
    weights: Mapping[str, int],
    bands: Bands,
    flt: QueueFilter,
    page: int,
    per_page: int,
    viewer: Viewer | None = None,
) -> QueuePage:
    """One page of the queue, highest score first (ties by register number), and the count;
    with a viewer, only the people the viewer may see, each row with its Person. A page past
    the end shows the last page."""
    stored.ready(session, weights)
    per_district = _per_district(session, bands, flt, viewer)
    total = sum(per_district.values())
    page = min(max(1, page), max(1, -(-total // per_page)))
    offset = (page - 1) * per_page
    if flt.sort == "district":
        ids = _by_district(session, bands, flt, viewer, per_district, offset, per_page)
    else:
        ids = list(session.scalars(page_query(bands, flt, viewer, per_page).offset(offset)))
    return QueuePage(people(session, ids, weights, bands, viewer), total, page, per_page)


def page_query(bands: Bands, flt: QueueFilter, viewer: Viewer | None, per_page: int) -> Select[Any]:
    """The first page's IDs (by score or by register number): an index walk that stops after
    per_page people (tests/test_query_plans.py holds PostgreSQL to it)."""
    return _queued(bands, flt, viewer).order_by(*_order(flt.sort)).limit(per_page)


def _queued(
    bands: Bands, flt: QueueFilter, viewer: Viewer | None, district_id: int | None = None
) -> Select[Any]:
    """The IDs of the people in the queue, filtered (not ordered)."""
    query = select(Registrant.id).where(Registrant.in_queue == true())
    if viewer is not None:
        query = query.where(registrant_condition(viewer))
    district_id = district_id or flt.district_id
    if district_id:
        query = query.where(Registrant.district_id == district_id)
    if flt.band:
        query = query.where(band_condition(Registrant.priority_score, flt.band, bands))
    if flt.unassigned:
        query = query.where(~_has_task())
    return query


def _has_task() -> ColumnElement[bool]:
    return exists(select(PlanTask.registrant_id).where(PlanTask.registrant_id == Registrant.id))


def _order(sort: str) -> tuple[Any, ...]:
    if sort == "id":
        return (Registrant.id,)
    return (Registrant.priority_score.desc(), Registrant.id)


def _per_district(
    session: DbSession, bands: Bands, flt: QueueFilter, viewer: Viewer | None
) -> dict[int, int]:
    """How many people of the filtered queue each district has (districts with none left
    out): from the counters, less the people already assigned when only the unassigned are
    asked for; counted person by person for a viewer the counters do not count for."""
    if viewer is not None and viewer.role not in stored.COUNTED_ROLES:
        groups = (
            _queued(bands, flt, viewer)
            .with_only_columns(Registrant.district_id, func.count())
            .group_by(Registrant.district_id)
        )
        return {d: n for d, n in session.execute(groups).tuples()}
    counted = select(PriorityCount.district_id, func.sum(PriorityCount.people)).where(
        PriorityCount.status == stored.ACTIVE, PriorityCount.plan_state.in_(stored.QUEUED_STATES)
    )
    if flt.district_id:
        counted = counted.where(PriorityCount.district_id == flt.district_id)
    if flt.band:
        counted = counted.where(band_condition(PriorityCount.score, flt.band, bands))
    found = {d: int(n) for d, n in session.execute(counted.group_by(PriorityCount.district_id))}
    if flt.unassigned:
        assigned = (
            _queued(bands, QueueFilter(flt.district_id, flt.band), viewer)
            .join(PlanTask, PlanTask.registrant_id == Registrant.id)
            .with_only_columns(Registrant.district_id, func.count())
            .group_by(Registrant.district_id)
        )
        for district, n in session.execute(assigned).tuples():
            found[district] = found.get(district, 0) - n
    return {d: n for d, n in found.items() if n > 0}


def _by_district(
    session: DbSession,
    bands: Bands,
    flt: QueueFilter,
    viewer: Viewer | None,
    per_district: dict[int, int],
    offset: int,
    limit: int,
) -> list[int]:
    """A page of the queue by district (by reading), then score: the districts before the
    page are skipped by their counts, and each district on the page is its own index walk."""
    order = session.scalars(select(District.id).order_by(District.name_kana, District.code)).all()
    ids: list[int] = []
    for district in order:
        count = per_district.get(district, 0)
        if offset >= count:
            offset -= count
            continue
        query = _queued(bands, flt, viewer, district).order_by(*_order("score"))
        ids += session.scalars(query.limit(limit - len(ids)).offset(offset)).all()
        offset = 0
        if len(ids) >= limit:
            break
    return ids


def top_of_queue(
    session: DbSession, weights: Mapping[str, int], limit: int, *, unassigned: bool = True
) -> list[int]:
    """The IDs at the head of the queue."""
    stored.ready(session, weights)
    query = _queued(Bands(), QueueFilter(unassigned=unassigned), None).order_by(*_order("score"))
    return list(session.scalars(query.limit(limit)))
