"""The demo's drills: one finished, with reports, findings, shelter openings, the
after-action words, corrective actions open and done, the flags its findings made and the
plans they marked 要見直し; and one scheduled for next month, not started."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from roster.demo import load_demo
from roster.demo.drills import review_flagged_plans
from roster.extensions import make_engine
from roster.models import (
    ActionStatus,
    Base,
    DrillScenario,
    DrillShelterOpening,
    OperationKind,
    Plan,
    PlanStatus,
    PlanVersion,
    ReviewFlag,
    SafetyReport,
    User,
)
from roster.plans.demo import add_demo_plans

TODAY = date(2026, 1, 15)


@pytest.fixture(scope="module")
def demo(app: Flask) -> Iterator[Session]:
    """The demo as `roster demo` makes it: the register, then the plans, then the plans the
    drill's findings mark (audited, so in the app's context)."""
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session, app.app_context():
        load_demo(session, registrants=400, seed=3, password_hash="not-a-hash", today=TODAY)
        staff = session.scalars(select(User).where(User.username == "staff")).one()
        add_demo_plans(session, TODAY, staff, random.Random(3))  # noqa: S311
        marked = review_flagged_plans(session, staff)
        session.commit()
        session.info["marked"] = marked
        yield session
    engine.dispose()


def scenarios(session: Session) -> tuple[DrillScenario, DrillScenario]:
    finished, scheduled = session.scalars(select(DrillScenario).order_by(DrillScenario.id))
    return finished, scheduled


def test_the_demo_has_a_finished_drill_with_its_reports_and_findings(demo: Session) -> None:
    finished, _scheduled = scenarios(demo)
    operation = finished.operation
    assert operation is not None and operation.kind is OperationKind.DRILL
    assert operation.ended_at is not None and operation.started_at.date() < TODAY
    assert len(finished.objectives) == 3
    assert finished.overview and finished.strengths and finished.improvements
    reports = demo.scalars(select(SafetyReport).where(SafetyReport.operation_id == operation.id))
    reports = list(reports)
    assert len(reports) > 20
    spread = max(r.reported_at for r in reports) - min(r.reported_at for r in reports)
    assert timedelta(hours=1) < spread <= timedelta(hours=2, minutes=10)
    with_findings = [r for r in reports if r.findings]
    assert with_findings
    assert all(r.reported_at >= operation.started_at for r in reports)
    # The latest report on a person has the highest ID (reports are in time order).
    ordered = sorted(reports, key=lambda r: r.id)
    assert [r.reported_at for r in ordered] == sorted(r.reported_at for r in ordered)
    openings = demo.scalar(select(func.count(DrillShelterOpening.id)).where(
        DrillShelterOpening.operation_id == operation.id))
    assert openings and openings >= 1
    statuses = {a.status for a in finished.actions}
    assert statuses == {ActionStatus.OPEN, ActionStatus.DONE}


def test_the_findings_flagged_people_and_marked_agreed_plans_for_review(demo: Session) -> None:
    finished, _scheduled = scenarios(demo)
    flags = list(demo.scalars(select(ReviewFlag).where(ReviewFlag.scenario_id == finished.id)))
    finding_count = sum(
        len(r.findings) for r in demo.scalars(
            select(SafetyReport).where(SafetyReport.operation_id == finished.operation_id))
    )
    assert len(flags) == finding_count > 0
    assert all(f.reason.startswith("訓練 ") for f in flags)
    assert any(f.serious for f in flags)
    assert demo.info["marked"] > 0
    flagged = {f.registrant_id for f in flags}
    marked = list(demo.scalars(select(Plan).where(Plan.registrant_id.in_(flagged),
                                                  Plan.status == PlanStatus.NEEDS_REVIEW)))
    assert len(marked) >= demo.info["marked"]
    # Through the save path: each marked plan's latest version changed its status.
    for plan in marked[:3]:
        latest = demo.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                              .order_by(PlanVersion.version.desc())).first()
        assert latest is not None and latest.version == plan.version


def test_the_demo_has_a_scheduled_drill_next_month(demo: Session) -> None:
    _finished, scheduled = scenarios(demo)
    assert scheduled.operation_id is None
    days = (scheduled.planned_start.date() - TODAY).days
    assert 20 <= days <= 45
    assert len(scheduled.objectives) == 3
