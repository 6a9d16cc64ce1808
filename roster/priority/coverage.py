"""Coverage: how many people have a plan, per district and per priority band."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, select

from ..extensions import DbSession
from ..models import District, Plan, PlanStatus, Registrant, RegistrantStatus
from .queries import CURRENT_PLAN, band_expression, scored
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


def _plan_counts() -> tuple[ColumnElement[int], ColumnElement[int], ColumnElement[int]]:
    total = func.count(Registrant.id)
    current = func.coalesce(func.sum(case((Plan.status.in_(CURRENT_PLAN), 1), else_=0)), 0)
    draft = func.coalesce(func.sum(case((Plan.status == PlanStatus.DRAFT, 1), else_=0)), 0)
    return total, current, draft


def coverage_by_district(session: DbSession) -> list[Coverage]:
    """Every district (with no one active too), by reading."""
    total, current, draft = _plan_counts()
    rows = session.execute(
        select(District.id, District.name, total, current, draft)
        .select_from(District)
        .outerjoin(
            Registrant,
            and_(
                Registrant.district_id == District.id,
                Registrant.status == RegistrantStatus.ACTIVE,
            ),
        )
        .outerjoin(Plan, Plan.registrant_id == Registrant.id)
        .group_by(District.id, District.name, District.name_kana, District.code)
        .order_by(District.name_kana, District.code)
    ).all()
    return [
        Coverage(str(r[0]), r[1], int(r[2]), int(r[3]), int(r[4]), district_id=r[0]) for r in rows
    ]


def coverage_by_band(
    session: DbSession, weights: Mapping[str, int], bands: Bands
) -> list[Coverage]:
    """Bands A, B, C (each present, maybe empty). Everyone active is scored, with or without
    a plan; the support component reads the plan's supporters, whatever its status."""
    sub = scored(session, weights).subquery("scored")
    band = band_expression(sub.c.score, bands).label("band")
    rows = session.execute(
        select(
            band,
            func.count(),
            func.coalesce(func.sum(case((sub.c.plan_status.in_(CURRENT_PLAN), 1), else_=0)), 0),
            func.coalesce(func.sum(case((sub.c.plan_status == PlanStatus.DRAFT, 1), else_=0)), 0),
        ).group_by(band)
    ).all()
    found = {r[0]: Coverage(r[0], r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows}
    return [found.get(b, Coverage(b, b)) for b in BANDS]
