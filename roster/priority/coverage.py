"""Coverage: how many people have a plan, per district and per priority band, added up from
the counters stored.py keeps (a few hundred rows, whatever the size of the register)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from ..extensions import DbSession
from ..models import District, PriorityCount
from . import stored
from .scoring import BANDS, Bands


@dataclass
class Coverage:
    """One row of a coverage table: everyone active, and how far their plans are."""

    key: str
    name: str
    total: int = 0
    current: int = 0
    draft: int = 0
    district_id: int | None = None

    @property
    def none(self) -> int:
        return self.total - self.current - self.draft

    @property
    def share(self) -> float:
        return self.current / self.total if self.total else 0.0

    def add(self, other: Coverage) -> None:
        self.total += other.total
        self.current += other.current
        self.draft += other.draft


def _counted(session: DbSession, weights: Mapping[str, int] | None, *by: Any) -> list[Any]:
    """The counters (stored.py) added up by `by`: each group with its people, those with a
    current plan and those with a draft."""
    stored.ready(session, weights or stored.weights_now())
    people = func.sum(PriorityCount.people)

    def of(state: str) -> Any:
        return func.sum(case((PriorityCount.plan_state == state, PriorityCount.people), else_=0))

    query = (
        select(*by, people, of(stored.CURRENT), of(stored.DRAFT))
        .where(PriorityCount.status == stored.ACTIVE)
        .group_by(*by)
    )
    return list(session.execute(query))


def coverage_by_district(
    session: DbSession, weights: Mapping[str, int] | None = None
) -> list[Coverage]:
    """Every district (with no one active too), by reading."""
    found = {row[0]: row for row in _counted(session, weights, PriorityCount.district_id)}
    districts = session.execute(
        select(District.id, District.name).order_by(District.name_kana, District.code)
    )
    rows = []
    for district_id, name in districts:
        counts = found.get(district_id)
        row = Coverage(str(district_id), name, district_id=district_id)
        if counts is not None:
            row.total, row.current, row.draft = (int(n) for n in counts[1:])
        rows.append(row)
    return rows


def coverage_by_band(
    session: DbSession, weights: Mapping[str, int], bands: Bands
) -> list[Coverage]:
    """Bands A, B, C (each present, maybe empty). Everyone active is scored, with or without
    a plan; the support component reads the plan's supporters, whatever its status."""
    found = {band: Coverage(band, band) for band in BANDS}
    for score, total, current, draft in _counted(session, weights, PriorityCount.score):
        found[bands.of(int(score))].add(Coverage("", "", int(total), int(current), int(draft)))
    return list(found.values())
