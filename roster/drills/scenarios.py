"""Drill scenarios: made and edited by drill planners and staff until the drill starts.

An edit is built on the version the form showed (roster.versioning); once started, a scenario
is what the drill ran and no longer changes. Made and edited scenarios are audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from ..access.roles import has_role
from ..access.rule import Viewer
from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import (
    District,
    DrillHazard,
    DrillObjective,
    DrillScenario,
    HazardLayer,
    ObjectiveKind,
    OperationKind,
    Organisation,
    Role,
    SafetyOperation,
)
from ..versioning import check_version


class ScenarioRefused(Exception):
    """The scenario cannot be changed this way; str() names why, in the user's language."""


def can_plan_drills(user: Any) -> bool:
    """Making, editing, starting and ending drills: staff and drill planners."""
    return has_role(user, Role.STAFF, Role.PLANNER)


@dataclass
class Objective:
    kind: ObjectiveKind
    minutes: int
    band: str | None = None
    percent: int = 100


@dataclass
class ScenarioDraft:
    """What the planner typed: everything of a scenario but who made it."""

    name: str
    planned_start: datetime
    planned_end: datetime
    hazard: DrillHazard
    districts: Sequence[District] = ()
    hazard_layer: HazardLayer | None = None
    min_flood_rank: int | None = None
    every_landslide_zone: bool = False
    organisations: Sequence[Organisation] = ()
    simulate_release: bool = False
    description: str = ""
    objectives: list[Objective] = field(default_factory=list)


_FIELDS = (
    "name",
    "planned_start",
    "planned_end",
    "hazard",
    "hazard_layer",
    "min_flood_rank",
    "every_landslide_zone",
    "simulate_release",
    "description",
)


def create_scenario(session: DbSession, viewer: Viewer, draft: ScenarioDraft) -> DrillScenario:
    """A new scenario from the draft, audited."""
    scenario = DrillScenario(created_by=viewer.user)
    _apply(scenario, draft)
    session.add(scenario)
    session.flush()
    _audit(session, "drill.create", viewer, scenario)
    return scenario


def update_scenario(
    session: DbSession,
    viewer: Viewer,
    scenario: DrillScenario,
    draft: ScenarioDraft,
    expected_version: int | None,
) -> DrillScenario:
    """Change a scenario not yet started, from a form built on its current version."""
    check_version(scenario, expected_version)
    if scenario.operation_id is not None:
        raise ScenarioRefused("started")
    for objective in list(scenario.objectives):
        session.delete(objective)
    session.flush()
    session.expire(scenario, ["objectives"])
    _apply(scenario, draft)
    flag_modified(scenario, "name")  # a change of objectives alone is a new version too
    session.flush()
    _audit(session, "drill.edit", viewer, scenario)
    return scenario


def _apply(scenario: DrillScenario, draft: ScenarioDraft) -> None:
    for name in _FIELDS:
        setattr(scenario, name, getattr(draft, name))
    scenario.districts = list(draft.districts)
    scenario.organisations = list(draft.organisations)
    scenario.objectives = [
        DrillObjective(position=i, kind=o.kind, band=o.band, percent=o.percent, minutes=o.minutes)
        for i, o in enumerate(draft.objectives)
    ]


def _audit(session: DbSession, action: str, viewer: Viewer, scenario: DrillScenario) -> None:
    record_event(
        session,
        action,
        actor=viewer.user,
        object_type="drill_scenario",
        object_id=scenario.id,
        detail={"name": scenario.name, **area_detail(scenario)},
    )


def area_detail(scenario: DrillScenario) -> dict[str, Any]:
    return {
        "districts": sorted(d.id for d in scenario.districts),
        "hazard_layer": scenario.hazard_layer_id,
        "min_flood_rank": scenario.min_flood_rank,
        "every_landslide_zone": scenario.every_landslide_zone,
    }


def area_draft(scenario: DrillScenario) -> SafetyOperation:
    """An unsaved drill operation over the scenario's area, to ask the operations' queries
    who is in it before the drill starts. It is never added to the session."""
    return SafetyOperation(
        kind=OperationKind.DRILL,
        districts=list(scenario.districts),
        hazard_layer=scenario.hazard_layer,
        hazard_layer_id=scenario.hazard_layer_id,
        min_flood_rank=scenario.min_flood_rank,
        every_landslide_zone=scenario.every_landslide_zone,
    )


def state_of(scenario: DrillScenario) -> str:
    """scheduled (not started), running or finished."""
    operation = scenario.operation
    if operation is None:
        return "scheduled"
    return "running" if operation.running else "finished"


def scenarios_by_state(session: DbSession) -> dict[str, list[DrillScenario]]:
    found = session.scalars(select(DrillScenario).order_by(DrillScenario.planned_start.desc()))
    groups: dict[str, list[DrillScenario]] = {"scheduled": [], "running": [], "finished": []}
    for scenario in found:
        groups[state_of(scenario)].append(scenario)
    groups["scheduled"].reverse()  # the next one first
    return groups


def scenario_names(session: DbSession, operation_ids: Sequence[int]) -> dict[int, str]:
    """Operation ID -> the name of the scenario whose drill it is (drills only)."""
    if not operation_ids:
        return {}
    query = select(DrillScenario.operation_id, DrillScenario.name).where(
        DrillScenario.operation_id.in_(list(operation_ids))
    )
    return {op_id: name for op_id, name in session.execute(query) if op_id is not None}
