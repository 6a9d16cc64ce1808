"""Findings of a drill back into the plans: each finding of a drill report flags the person
(ReviewFlag, with its reason 「訓練 2026-09-01: 支援者に連絡つかず」), and an agreed plan of
theirs becomes 要見直し through the plan's own save path (a new version, audited).

Called by roster.safety.operations.record_report when it stores a report with findings, so
the flags are written in the report's transaction. Staff clear a flag once the plan has been
looked at again; the clearing is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import select

from ..access.rule import Viewer
from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import (
    SERIOUS_FINDINGS,
    DrillScenario,
    Finding,
    Plan,
    PlanStatus,
    Registrant,
    ReviewFlag,
    SafetyOperation,
    SafetyReport,
    User,
)
from ..models.base import utcnow
from ..plans.operations import save_plan

DEFAULT_TIMEZONE = "Asia/Tokyo"


def local_day(moment: datetime) -> date:
    """The moment's date where the municipality is."""
    name = DEFAULT_TIMEZONE
    if has_app_context():
        name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_TIMEZONE)
    return moment.astimezone(ZoneInfo(name)).date()


#: A finding in Japanese, as the reason stores it (the record is kept in Japanese whatever
#: the reporter's language, as the law's vocabulary is).
FINDING_JA: dict[Finding, str] = {
    Finding.WRONG_PHONE: "電話番号の誤り",
    Finding.NO_ANSWER: "応答なし",
    Finding.SUPPORTER_UNAVAILABLE: "支援者に連絡つかず",
    Finding.NOT_AT_HOME: "不在",
    Finding.ROUTE_BLOCKED: "避難経路の支障",
    Finding.DESTINATION_UNSUITABLE: "避難先が不適",
    Finding.EQUIPMENT_PROBLEM: "機器（バッテリー等）の問題",
    Finding.OTHER: "その他の気づき",
}


def reason_text(day: date, finding: Finding) -> str:
    """「訓練 2026-09-01: 支援者に連絡つかず」: the drill's date and the finding."""
    return f"訓練 {day.isoformat()}: {FINDING_JA[finding]}"


def new_flags(
    scenario: DrillScenario, day: date, report: SafetyReport, findings: Iterable[Finding]
) -> list[ReviewFlag]:
    """The flags the report's findings make (not yet added to a session)."""
    return [
        ReviewFlag(
            registrant_id=report.registrant_id,
            scenario_id=scenario.id,
            report_id=report.id,
            finding=finding,
            serious=finding in SERIOUS_FINDINGS,
            reason=reason_text(day, finding),
            created_at=report.reported_at,
        )
        for finding in findings
    ]


def flag_findings(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, report: SafetyReport
) -> list[ReviewFlag]:
    """Flag the person of a drill report for each of its findings, and mark their agreed plan
    要見直し; audited. A drill without its scenario flags nothing."""
    scenario = session.scalar(
        select(DrillScenario).where(DrillScenario.operation_id == operation.id)
    )
    if scenario is None or not report.findings:
        return []
    day = local_day(operation.started_at)
    flags = new_flags(scenario, day, report, [Finding(f) for f in report.findings])
    session.add_all(flags)
    session.flush()
    marked = mark_plan_for_review(session, viewer.user, report.registrant_id)
    record_event(
        session,
        "drill.flag",
        actor=viewer.user,
        object_type="registrant",
        object_id=report.registrant_id,
        detail={
            "scenario": scenario.id,
            "report": report.id,
            "findings": list(report.findings),
            "plan_marked": marked,
        },
    )
    return flags


def mark_plan_for_review(session: DbSession, actor: User, registrant_id: int) -> bool:
    """An agreed plan of the person becomes 要見直し, saved as a new version (audited);
    True when it did. A draft, or a plan already needing review, stays as it is."""
    plan = session.scalar(select(Plan).where(Plan.registrant_id == registrant_id))
    if plan is None or plan.status is not PlanStatus.AGREED:
        return False
    registrant = session.get(Registrant, registrant_id)
    assert registrant is not None
    saved = save_plan(
        session,
        registrant,
        {"status": PlanStatus.NEEDS_REVIEW},
        plan.version,
        actor,
        consented=False,
    )
    return saved.saved


def open_flags(session: DbSession, registrant_id: int) -> list[ReviewFlag]:
    """The person's flags not yet cleared, the newest first."""
    query = (
        select(ReviewFlag)
        .where(ReviewFlag.registrant_id == registrant_id, ReviewFlag.cleared_at.is_(None))
        .order_by(ReviewFlag.created_at.desc(), ReviewFlag.id.desc())
    )
    return list(session.scalars(query))


def open_reasons(
    session: DbSession, registrant_ids: Iterable[int], *, serious_only: bool = False
) -> dict[int, list[str]]:
    """The reasons of the uncleared flags of these people (only the serious ones, if
    asked), by registrant ID."""
    ids = list(set(registrant_ids))
    if not ids:
        return {}
    query = (
        select(ReviewFlag.registrant_id, ReviewFlag.reason)
        .where(ReviewFlag.registrant_id.in_(ids), ReviewFlag.cleared_at.is_(None))
        .order_by(ReviewFlag.registrant_id, ReviewFlag.id)
    )
    if serious_only:
        query = query.where(ReviewFlag.serious.is_(True))
    reasons: dict[int, list[str]] = {}
    for registrant_id, reason in session.execute(query):
        reasons.setdefault(registrant_id, []).append(reason)
    return reasons


def clear_flag(session: DbSession, viewer: Viewer, flag: ReviewFlag) -> None:
    """Staff clear a flag once the plan has been looked at again; audited."""
    if flag.cleared_at is not None:
        return
    flag.cleared_at = utcnow()
    flag.cleared_by_id = viewer.user.id
    session.flush()
    record_event(
        session,
        "drill.flag_cleared",
        actor=viewer.user,
        object_type="registrant",
        object_id=flag.registrant_id,
        detail={"flag": flag.id, "finding": flag.finding.value},
    )
