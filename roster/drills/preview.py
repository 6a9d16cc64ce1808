"""What a scenario involves, before it starts: counts only, never who.

The people are the scenario's area as an operation would take it (an unsaved drill operation,
roster.drills.scenarios.area_draft, asked through roster.safety.operations.targets_query), so
the viewer's access rule applies and the preview counts exactly the people the drill will
hold. Shelter demand uses each person's nearest suitable shelter (ShelterAssignment) for the
scenario's hazard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, func, select

from ..access.rule import Viewer
from ..extensions import DbSession
from ..models import (
    DrillHazard,
    DrillScenario,
    Household,
    Mobility,
    Plan,
    Registrant,
    RegistrantHazard,
    Shelter,
    ShelterAssignment,
)
from ..priority.queries import band_expression, dialect_of, score_expression
from ..safety.operations import targets_query
from ..safety.ranking import configured
from .scenarios import area_draft

BANDS = ("A", "B", "C")
#: The needs counted, each as a condition on Registrant, in the order the page lists them.
NEEDS: dict[str, Any] = {
    "ventilator": Registrant.device_ventilator.is_(True),
    "oxygen": Registrant.device_oxygen.is_(True),
    "bedridden": Registrant.mobility == Mobility.BEDRIDDEN,
    "wheelchair": Registrant.mobility == Mobility.WHEELCHAIR,
    "alone": Registrant.household == Household.ALONE,
    "hearing": Registrant.comm_hearing.is_(True),
    "visual": Registrant.comm_visual.is_(True),
}
#: The hazard of the shelter assignment a scenario's hazard uses.
ASSIGNMENT_HAZARD = {
    DrillHazard.EARTHQUAKE: "earthquake",
    DrillHazard.FLOOD: "flood",
    DrillHazard.LANDSLIDE: "landslide",
    DrillHazard.TSUNAMI: "tsunami",
    DrillHazard.FIRE: "large_fire",
}
#: Any other hazard: the earthquake's assignment (always kept, every shelter kind).
DEFAULT_ASSIGNMENT = "earthquake"


@dataclass
class Demand:
    """One shelter's demand in the scenario against its capacity."""

    name: str
    welfare: bool
    people: int
    capacity: int | None
    ventilator: int
    backup_power: bool | None

    @property
    def over(self) -> bool:
        return self.capacity is not None and self.people > self.capacity


@dataclass
class Preview:
    total: int
    by_band: dict[str, int]
    needs: dict[str, int]
    shelters: list[Demand] = field(default_factory=list)
    #: People of the area with no assigned shelter for the hazard.
    unassigned: int = 0


def area_people(viewer: Viewer, scenario: DrillScenario) -> Select[Any]:
    """The scenario's people as the viewer may count them (the drill's rule: no release)."""
    return targets_query(viewer, area_draft(scenario))


def preview(session: DbSession, viewer: Viewer, scenario: DrillScenario) -> Preview:
    by_band, needs = _bands_and_needs(session, viewer, scenario)
    shelters, unassigned = shelter_demand(session, viewer, scenario)
    return Preview(sum(by_band.values()), by_band, needs, shelters, unassigned)


def _bands_and_needs(
    session: DbSession, viewer: Viewer, scenario: DrillScenario
) -> tuple[dict[str, int], dict[str, int]]:
    priority = configured()
    band = band_expression(
        score_expression(priority.weights, dialect_of(session)), priority.bands
    ).label("band")
    ids = area_people(viewer, scenario).with_only_columns(Registrant.id)
    query = (
        select(band, func.count(), *(_sum(c) for c in NEEDS.values()))
        .select_from(Registrant)
        .outerjoin(RegistrantHazard, RegistrantHazard.registrant_id == Registrant.id)
        .outerjoin(Plan, Plan.registrant_id == Registrant.id)
        .where(Registrant.id.in_(ids))
        .group_by(band)
    )
    by_band = dict.fromkeys(BANDS, 0)
    needs = dict.fromkeys(NEEDS, 0)
    for row in session.execute(query):
        by_band[row[0]] = int(row[1])
        for name, value in zip(NEEDS, row[2:], strict=True):
            needs[name] += int(value or 0)
    return by_band, needs


def _sum(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def shelter_demand(
    session: DbSession, viewer: Viewer, scenario: DrillScenario
) -> tuple[list[Demand], int]:
    """Per shelter that anyone of the area is assigned to: people, ventilator users, against
    capacity and backup power; welfare shelters first, then by demand. And the people of the
    area without a shelter for the hazard."""
    hazard = ASSIGNMENT_HAZARD.get(scenario.hazard, DEFAULT_ASSIGNMENT)
    ids = area_people(viewer, scenario).with_only_columns(Registrant.id)
    query = (
        select(
            ShelterAssignment.shelter_id,
            func.count(),
            _sum(Registrant.device_ventilator.is_(True)),
        )
        .join(Registrant, Registrant.id == ShelterAssignment.registrant_id)
        .where(ShelterAssignment.hazard == hazard, Registrant.id.in_(ids))
        .group_by(ShelterAssignment.shelter_id)
    )
    counts: Mapping[int | None, tuple[int, int]] = {
        row[0]: (int(row[1]), int(row[2] or 0)) for row in session.execute(query)
    }
    rows = _demands(session, counts)
    assigned = sum(people for sid, (people, _v) in counts.items() if sid is not None)
    total = session.scalar(ids.with_only_columns(func.count())) or 0
    return rows, max(total - assigned, 0)


def _demands(session: DbSession, counts: Mapping[int | None, tuple[int, int]]) -> list[Demand]:
    wanted = [sid for sid in counts if sid is not None]
    shelters = session.scalars(select(Shelter).where(Shelter.id.in_(wanted)))
    rows = [
        Demand(
            name=s.name,
            welfare=bool(s.is_welfare_shelter),
            people=counts[s.id][0],
            capacity=_capacity(s),
            ventilator=counts[s.id][1],
            backup_power=s.backup_power,
        )
        for s in shelters
    ]
    return sorted(rows, key=lambda d: (not d.welfare, -d.people, d.name))


def _capacity(shelter: Shelter) -> int | None:
    return None if shelter.capacity is None else int(shelter.capacity)
