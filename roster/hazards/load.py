"""The load per shelter that the assignment page shows: per shelter, the people assigned
for a hazard and what they need, counted by the database from the stored assignments
(assignment.py keeps them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select

from geo.shelters.columns import KINDS

from ..access.rule import registrant_condition
from ..extensions import DbSession
from ..models import Mobility, Registrant, RegistrantStatus, Shelter, ShelterAssignment
from ..viewer import viewer_of

#: Reasons a person has no shelter (geo.analysis), in the order pages list them.
REASONS = ("no_welfare_shelter", "no_shelter", "no_location")


@dataclass(frozen=True)
class ShelterRow:
    """One shelter's load for a hazard: counts only, never who."""

    id: int
    name: str
    kinds: tuple[str, ...]
    groups: tuple[str, ...]
    assigned: int
    wheelchair: int
    bedridden: int
    ventilator: int
    backup_power: bool | None
    ventilator_without_power: int
    capacity: int | None
    shortfall: int | None


@dataclass(frozen=True)
class AssignmentTable:
    hazard: str
    rows: list[ShelterRow]
    unassigned: dict[str, int]
    assigned: int
    computed_at: datetime | None

    @property
    def total(self) -> int:
        return self.assigned + sum(self.unassigned.values())

    @property
    def shortfall(self) -> int:
        return sum(row.shortfall or 0 for row in self.rows)


SHELTER_KINDS = ("emergency_site", "evacuation_shelter", "welfare_shelter")


def shelter_kinds(shelter: Shelter) -> tuple[str, ...]:
    flags = [getattr(shelter, column) for column in KINDS]
    return tuple(kind for kind, on in zip(SHELTER_KINDS, flags, strict=True) if on)


def assignment_table(session: DbSession, user: Any, hazard: str) -> AssignmentTable:
    """Per shelter, the people assigned for `hazard` and what they need, counted over the
    active people the user's access rule admits (staff and planners: everyone active).

    Counted by the database, one row per shelter and reason; the columns mean what
    geo.analysis.shelter_load() computes: ventilator users at a place without confirmed
    backup power (unknown counts as without), and people beyond the known capacity."""
    counts, reasons = _sum_by_shelter(session.execute(_load_query(user, hazard)))
    computed_at = session.scalar(
        select(func.max(ShelterAssignment.computed_at)).where(ShelterAssignment.hazard == hazard)
    )
    rows = _shelter_rows(session, counts)
    return AssignmentTable(
        hazard=hazard,
        rows=rows,
        unassigned={reason: reasons[reason] for reason in sorted(reasons, key=_reason_order)},
        assigned=sum(row.assigned for row in rows),
        computed_at=computed_at,
    )


def _load_query(user: Any, hazard: str) -> Select[int | None, str, int, Any, Any, Any]:
    """Rows of (shelter, reason, people, wheelchair, bedridden, ventilator) for `hazard`,
    over the active people the user's access rule admits."""
    # Grouped by an expression, so that SQLite reads the hazard's rows by the primary key.
    shelter_key = (ShelterAssignment.shelter_id + 0).label("shelter")
    return (
        select(shelter_key, ShelterAssignment.reason, *_NEED_COUNTS)
        .join(Registrant, Registrant.id == ShelterAssignment.registrant_id)
        .where(
            ShelterAssignment.hazard == hazard,
            Registrant.status == RegistrantStatus.ACTIVE,
            registrant_condition(viewer_of(user)),
        )
        .group_by(shelter_key, ShelterAssignment.reason)
    )


#: The people, wheelchair users, bedridden people and ventilator users of a group.
_NEED_COUNTS = (
    func.count(),
    func.sum(case((Registrant.mobility == Mobility.WHEELCHAIR, 1), else_=0)),
    func.sum(case((Registrant.mobility == Mobility.BEDRIDDEN, 1), else_=0)),
    func.sum(case((Registrant.device_ventilator.is_(True), 1), else_=0)),
)
#: Per shelter id: people assigned, wheelchair users, bedridden people, ventilator users.
_Counts = dict[int, tuple[int, int, int, int]]


def _sum_by_shelter(result: Iterable[Any]) -> tuple[_Counts, Counter[str]]:
    """The counts per shelter, and per reason of the people without one, from rows of
    (shelter, reason, people, wheelchair, bedridden, ventilator)."""
    counts: _Counts = {}
    reasons: Counter[str] = Counter()
    for shelter_id, reason, people, wheelchair, bedridden, ventilator in result:
        if shelter_id is None:
            reasons[reason or "no_shelter"] += int(people)
            continue
        before = counts.get(int(shelter_id), (0, 0, 0, 0))
        counts[int(shelter_id)] = (
            before[0] + int(people),
            before[1] + int(wheelchair or 0),
            before[2] + int(bedridden or 0),
            before[3] + int(ventilator or 0),
        )
    return counts, reasons


def _shelter_rows(session: DbSession, counts: _Counts) -> list[ShelterRow]:
    """A row for every shelter of the registry, with its counts (none assigned: zeros)."""
    return [
        _shelter_row(shelter, *counts.get(shelter.id, (0, 0, 0, 0)))
        for shelter in session.scalars(select(Shelter).order_by(Shelter.id))
    ]


def _shelter_row(
    shelter: Shelter, assigned: int, wheelchair: int, bedridden: int, ventilator: int
) -> ShelterRow:
    return ShelterRow(
        id=shelter.id,
        name=shelter.name,
        kinds=shelter_kinds(shelter),
        groups=tuple(shelter.group_list),
        assigned=assigned,
        wheelchair=wheelchair,
        bedridden=bedridden,
        ventilator=ventilator,
        backup_power=shelter.backup_power,
        ventilator_without_power=0 if shelter.backup_power else ventilator,
        capacity=shelter.capacity,
        shortfall=None if shelter.capacity is None else max(assigned - shelter.capacity, 0),
    )


def _reason_order(reason: str) -> tuple[int, str]:
    return (REASONS.index(reason) if reason in REASONS else len(REASONS), reason)


SORT_KEYS = (
    "name",
    "assigned",
    "wheelchair",
    "bedridden",
    "ventilator",
    "capacity",
    "shortfall",
)


def sort_rows(rows: list[ShelterRow], key: str, descending: bool) -> list[ShelterRow]:
    """Rows sorted by a SORT_KEYS column; unknown values (no capacity) always last."""
    if key not in SORT_KEYS:
        key = "name"
    known = [row for row in rows if getattr(row, key) is not None]
    unknown = [row for row in rows if getattr(row, key) is None]
    known.sort(key=lambda row: (getattr(row, key), row.id), reverse=descending)
    return known + unknown
