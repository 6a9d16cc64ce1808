"""Drill over drill: the key figures of every finished drill side by side, so a municipality
can show improvement year on year."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from ..access.rule import Viewer
from ..extensions import DbSession
from ..models import SafetyOperation
from ..models.drills import ActionStatus, CorrectiveAction, DrillScenario, Verdict
from ..priority.scoring import Bands
from . import aar
from . import measure as m


@dataclass(frozen=True)
class HistoryRow:
    scenario: DrillScenario
    operation: SafetyOperation
    overall: m.GroupRow
    met: int
    objectives: int
    findings: int
    flagged: int
    open_actions: int


def finished(session: DbSession) -> list[tuple[DrillScenario, SafetyOperation]]:
    """The scenarios whose drill has ended, the latest first."""
    query = (
        select(DrillScenario, SafetyOperation)
        .join(SafetyOperation, SafetyOperation.id == DrillScenario.operation_id)
        .where(SafetyOperation.ended_at.is_not(None))
        .order_by(SafetyOperation.started_at.desc(), DrillScenario.id.desc())
    )
    return [(s, o) for s, o in session.execute(query)]


def open_actions(session: DbSession) -> dict[int, int]:
    query = (
        select(CorrectiveAction.scenario_id, func.count())
        .where(CorrectiveAction.status == ActionStatus.OPEN)
        .group_by(CorrectiveAction.scenario_id)
    )
    return {scenario_id: n for scenario_id, n in session.execute(query)}


def history(
    session: DbSession, viewer: Viewer, weights: Mapping[str, int], bands: Bands
) -> list[HistoryRow]:
    """One row per finished drill."""
    still_open = open_actions(session)
    rows = []
    for scenario, operation in finished(session):
        people = m.timed(session, viewer, operation, weights, bands)
        objectives = list(scenario.objectives)
        results = m.verdicts(session, viewer, operation, objectives, weights, bands)
        rows.append(
            HistoryRow(
                scenario,
                operation,
                m.overall(session, people),
                sum(1 for r in results if r.verdict is Verdict.MET),
                len(objectives),
                aar.findings(session, viewer, operation).people,
                aar.flagged_plans(session, scenario),
                still_open.get(scenario.id, 0),
            )  # fmt: skip
        )
    return rows
