"""A drill for tests: a scenario whose safety operation runs as a drill, and flags made
directly (for the priority tests, which need many)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from roster.models import (
    SERIOUS_FINDINGS,
    DrillHazard,
    DrillScenario,
    Finding,
    OperationKind,
    ReportMethod,
    ReviewFlag,
    SafetyReport,
    SafetyStatus,
)
from roster.models.base import utcnow

from .conftest import running_operation


def drill(db: Session, world: dict[str, Any], name: str = "テスト総合防災訓練") -> DrillScenario:
    """A scenario over the world's districts, its operation started and running as a drill."""
    now = utcnow()
    scenario = DrillScenario(
        name=name,
        planned_start=now - timedelta(hours=1),
        planned_end=now + timedelta(hours=2),
        hazard=DrillHazard.EARTHQUAKE,
        districts=list(world["districts"]),
        organisations=[world["organisation"]],
        created_by_id=world["users"]["staff"].id,
    )
    operation = running_operation(db, world)
    operation.kind = OperationKind.DRILL
    operation.name = name
    scenario.operation = operation
    db.add(scenario)
    db.flush()
    return scenario


def raw_flag(
    db: Session,
    scenario: DrillScenario,
    registrant_id: int,
    finding: Finding,
    *,
    cleared: bool = False,
) -> ReviewFlag:
    """A flag (with the report it came from) written directly, not through record_report."""
    assert scenario.operation is not None
    report = SafetyReport(
        operation_id=scenario.operation.id,
        registrant_id=registrant_id,
        status=SafetyStatus.UNREACHABLE,
        method=ReportMethod.PHONE,
        reported_by_id=scenario.created_by_id,
        findings=[finding.value],
    )
    db.add(report)
    db.flush()
    flag = ReviewFlag(
        registrant_id=registrant_id,
        scenario_id=scenario.id,
        report_id=report.id,
        finding=finding,
        serious=finding in SERIOUS_FINDINGS,
        reason=f"訓練 2026-09-01: {finding.value}",
        cleared_at=utcnow() if cleared else None,
    )
    db.add(flag)
    db.flush()
    return flag
