"""Starting and ending a drill: a safety operation of kind drill over the scenario's area,
named as the scenario, never under a release, linked to the scenario and audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..access.rule import Viewer
from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import DrillScenario, OperationKind, SafetyOperation
from ..safety.operations import OperationPlan, SafetyRefused, end_operation, start_operation
from .bands import freeze_bands

#: The operation's "disaster" of a drill: it says 訓練 wherever an operation is shown.
DRILL_DISASTER = "訓練"


class DrillRefused(Exception):
    """The drill cannot start or end now; `code` names why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def start_drill(
    session: DbSession, viewer: Viewer, scenario: DrillScenario, *, now: datetime | None = None
) -> SafetyOperation:
    """Start the scenario's drill (staff or a drill planner); a scenario runs once."""
    if scenario.operation_id is not None:
        raise DrillRefused("already_started")
    plan = OperationPlan(
        name=scenario.name,
        disaster=DRILL_DISASTER,
        districts=list(scenario.districts),
        hazard_layer=scenario.hazard_layer,
        min_flood_rank=scenario.min_flood_rank,
        every_landslide_zone=scenario.every_landslide_zone,
        kind=OperationKind.DRILL,
    )
    operation = start_operation(session, viewer, plan, now=now)
    scenario.operation = operation
    session.flush()
    freeze_bands(session, operation)
    _audit(session, "drill.start", viewer, scenario, operation)
    return operation


def end_drill(
    session: DbSession,
    viewer: Viewer,
    scenario: DrillScenario,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> SafetyOperation:
    """End the scenario's running drill (staff or a drill planner), from its page or from
    its operation's board alike; an edit built on another version is refused as in
    end_operation."""
    operation = scenario.operation
    if operation is None:
        raise DrillRefused("not_started")
    if operation.ended_at is not None:
        raise DrillRefused("already_ended")
    end_operation(session, viewer, operation, expected_version=expected_version, now=now)
    _audit(session, "drill.end", viewer, scenario, operation)
    return operation


def _audit(
    session: DbSession,
    action: str,
    viewer: Viewer,
    scenario: DrillScenario,
    operation: SafetyOperation,
) -> None:
    record_event(
        session,
        action,
        actor=viewer.user,
        object_type="drill_scenario",
        object_id=scenario.id,
        detail={"name": scenario.name, "operation": operation.id},
    )


def scenario_of(session: DbSession, operation: SafetyOperation) -> DrillScenario | None:
    """The drill scenario an operation runs (None for a real operation)."""
    return session.scalar(select(DrillScenario).where(DrillScenario.operation_id == operation.id))


__all__ = ["DrillRefused", "SafetyRefused", "end_drill", "scenario_of", "start_drill"]
