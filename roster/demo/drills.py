"""The demo's drills (訓練): one finished drill with its reports, findings, shelter
openings, after-action text, corrective actions open and done, and the flags its findings
made; and one scheduled for next month, not started.

Reports and flags are bulk INSERTs without explicit IDs, reports in time order (the latest
report on a person has the highest ID, as the app reads it). Their number follows the
drill's people, up to MAX_REPORTS, so `roster demo --registrants 200000` stays quick.

Plans are made after the register (roster.plans.demo), so the plans the drill marks 要見直し
are marked afterwards by review_flagged_plans(), through the plan's own save path.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, or_, select

from ..drills.bands import freeze_bands
from ..drills.flags import mark_plan_for_review, reason_text
from ..extensions import DbSession
from ..models import (
    SERIOUS_FINDINGS,
    ActionStatus,
    CorrectiveAction,
    District,
    DrillBand,
    DrillHazard,
    DrillObjective,
    DrillScenario,
    DrillShelterOpening,
    Finding,
    ObjectiveKind,
    OperationKind,
    Plan,
    PlanStatus,
    Registrant,
    RegistrantStatus,
    ReportMethod,
    ReviewFlag,
    SafetyOperation,
    SafetyReport,
    SafetyStatus,
    Shelter,
    ShelterAssignment,
    User,
)
from .context import demo_context
from .draw import JST

#: The finished drill's towns (田無町 is the demo partner's) and the scheduled drill's.
FINISHED_TOWNS = ("田無町", "向台町")
SCHEDULED_TOWNS = ("緑町", "北原町", "西原町")
MAX_REPORTS = 20_000
#: Share of the drill's people reported on, and of those a finding about.
REPORTED = 0.88
WITH_FINDING = 0.07
#: How many agreed plans of the drill's people its findings mark 要見直し, at least.
FLAGGED_PLANS = 6
FINDING_WEIGHTS = {
    Finding.NO_ANSWER: 6, Finding.WRONG_PHONE: 4, Finding.NOT_AT_HOME: 4,
    Finding.SUPPORTER_UNAVAILABLE: 3, Finding.ROUTE_BLOCKED: 2,
    Finding.DESTINATION_UNSUITABLE: 1, Finding.EQUIPMENT_PROBLEM: 1, Finding.OTHER: 1,
}  # fmt: skip
OTHER_NOTE = "玄関に段差があり、車椅子で出られない（デモ）"
SUPPORTER_NOTE = "本人は在宅で無事。計画の支援者に電話したがつながらない（デモ）"
OVERVIEW = (
    "9時に震度6強の地震を想定して開始。田無町・向台町の避難行動要支援者について、民生委員と"
    "職員が電話・訪問で安否を確認し、区域の福祉避難所の開設手順を確認した（デモ）。"
)
STRENGTHS = (
    "優先度Aの方への連絡は開始から1時間で8割を超えた。\n"
    "携帯電話からの報告が途切れず届き、集計画面で進み具合を共有できた（デモ）。"
)
IMPROVEMENTS = (
    "登録電話番号の誤りが多い。年1回の確認を名簿更新に組み込む。\n"
    "支援者に連絡がつかない例があり、個別避難計画の支援者を複数名にする（デモ）。"
)
ACTIONS = (
    ("登録電話番号の一斉確認", "福祉課 名簿担当", 30, True),
    ("福祉避難所の開設手順書を改訂", "防災課", 45, True),
    ("支援者が1名の計画の見直し", "福祉課 計画担当", 90, False),
    ("人工呼吸器使用者の予備電源の確認", "保健センター", 60, False),
)


def add_demo_drills(
    session: DbSession,
    districts: dict[str, District],
    users: dict[str, User],
    today: date,
    seed: int,
) -> dict[str, int]:
    """Both demo drills; how many drills, reports and flags were made."""
    rng = random.Random(seed * 7919 + 3)  # noqa: S311 - reproducible fiction
    with demo_context():
        finished = _finished(session, districts, users, today, rng)
        reports, flags = _drill_reports(session, finished, users, rng)
        _scheduled(session, districts, users, today)
    return {"drills": 2, "drill_reports": reports, "review_flags": flags}


def _scenario(
    name: str, towns: list[District], start: datetime, planner: User, **words: Any
) -> DrillScenario:
    return DrillScenario(
        name=name,
        planned_start=start,
        planned_end=start + timedelta(hours=3),
        hazard=DrillHazard.EARTHQUAKE,
        districts=towns,
        created_by_id=planner.id,
        **words,
    )


def _taking_part(users: dict[str, User]) -> list[Any]:
    """The demo partner's organisation (民生委員), whose people the drill confirms."""
    organisation = users["partner"].organisation
    return [organisation] if organisation is not None else []


def _objectives() -> list[DrillObjective]:
    return [
        DrillObjective(position=1, kind=ObjectiveKind.SHARE_CONFIRMED, band="A", percent=80,
                       minutes=60),
        DrillObjective(position=2, kind=ObjectiveKind.VENTILATOR_REACHED, percent=100,
                       minutes=30),
        DrillObjective(position=3, kind=ObjectiveKind.SHELTERS_OPENED, percent=100, minutes=90),
    ]  # fmt: skip


def _finished(
    session: DbSession,
    districts: dict[str, District],
    users: dict[str, User],
    today: date,
    rng: random.Random,
) -> DrillScenario:
    """The drill seven weeks ago, 9:00 to 12:00, its operation ended."""
    day = today - timedelta(weeks=7)
    start = datetime.combine(day, time(9, 0), tzinfo=JST).astimezone(UTC)
    towns = [districts[t] for t in FINISHED_TOWNS]
    name = f"令和{day.year - 2018}年度 総合防災訓練（デモ）"
    operation = SafetyOperation(
        name=name, disaster="震度6強の地震（想定）", districts=towns, kind=OperationKind.DRILL,
        started_at=start, started_by_id=users["staff"].id, ended_at=start + timedelta(hours=3),
        ended_by_id=users["staff"].id,
    )  # fmt: skip
    scenario = _scenario(name, towns, start, users["planner"], overview=OVERVIEW,
                         strengths=STRENGTHS, improvements=IMPROVEMENTS,
                         description="地震を想定した安否確認と福祉避難所の開設（デモ）")
    scenario.operation = operation
    scenario.organisations = _taking_part(users)
    scenario.objectives = _objectives()
    session.add(scenario)
    session.flush()
    freeze_bands(session, operation)
    _openings(session, operation, users["staff"], start, rng)
    _actions(session, scenario, users["staff"], day)
    return scenario


def _openings(
    session: DbSession, operation: SafetyOperation, staff: User, start: datetime,
    rng: random.Random,
) -> None:
    """The drill's welfare shelters (those its people are assigned to for an earthquake, or
    their plans name) opened from 25 minutes in, 12 minutes apart; the last one too late."""
    towns = [d.id for d in operation.districts]
    assigned = (
        select(ShelterAssignment.shelter_id)
        .join(Registrant, Registrant.id == ShelterAssignment.registrant_id)
        .where(ShelterAssignment.hazard == "earthquake", Registrant.district_id.in_(towns))
    )
    named = (
        select(Plan.destination_shelter_id)
        .join(Registrant, Registrant.id == Plan.registrant_id)
        .where(Registrant.district_id.in_(towns))
    )
    shelters = session.scalars(
        select(Shelter.id)
        .where(Shelter.is_welfare_shelter, or_(Shelter.id.in_(assigned), Shelter.id.in_(named)))
        .order_by(Shelter.id)
    ).all()
    for i, shelter_id in enumerate(shelters):
        minutes = 25 + 12 * i if i < len(shelters) - 1 else 100
        at = start + timedelta(minutes=minutes + rng.randint(0, 5))
        session.add(DrillShelterOpening(operation_id=operation.id, shelter_id=shelter_id,
                                        opened_at=at, recorded_by_id=staff.id))  # fmt: skip


def _actions(session: DbSession, scenario: DrillScenario, staff: User, day: date) -> None:
    for title, owner, days, done in ACTIONS:
        due = day + timedelta(days=days)
        session.add(CorrectiveAction(
            scenario_id=scenario.id, title=title, owner=owner, due_on=due,
            status=ActionStatus.DONE if done else ActionStatus.OPEN,
            done_on=due - timedelta(days=5) if done else None, created_by_id=staff.id,
            note="完了（デモ）" if done else "",
        ))  # fmt: skip


def _scheduled(
    session: DbSession, districts: dict[str, District], users: dict[str, User], today: date
) -> None:
    """Next month's flood drill: planned, not started."""
    day = today + timedelta(days=35)
    start = datetime.combine(day, time(10, 0), tzinfo=JST).astimezone(UTC)
    towns = [districts[t] for t in SCHEDULED_TOWNS]
    scenario = _scenario(f"水防訓練 {day.month}月（デモ）", towns, start, users["planner"],
                         description="大雨による内水氾濫を想定した安否確認訓練（デモ）")
    scenario.organisations = _taking_part(users)
    scenario.hazard = DrillHazard.FLOOD
    scenario.objectives = _objectives()
    session.add(scenario)
    session.flush()


# ---------------------------------------------------------------------------------------------
# The finished drill's reports and the flags its findings made.
# ---------------------------------------------------------------------------------------------


def _drill_reports(
    session: DbSession, scenario: DrillScenario, users: dict[str, User], rng: random.Random
) -> tuple[int, int]:
    operation = scenario.operation
    assert operation is not None
    people = session.scalars(
        select(Registrant.id)
        .where(Registrant.status == RegistrantStatus.ACTIVE,
               Registrant.district_id.in_([d.id for d in scenario.districts]))
        .order_by(Registrant.id)
    ).all()[:MAX_REPORTS]  # fmt: skip
    frozen = select(DrillBand.registrant_id, DrillBand.band)
    bands = dict(session.execute(frozen.where(DrillBand.operation_id == operation.id)).all())
    rows = [_row(operation, rid, bands.get(rid, "C"), users, rng)
            for rid in people if rng.random() < REPORTED]  # fmt: skip
    rows.sort(key=lambda r: (r["reported_at"], r["registrant_id"]))
    if rows:
        session.execute(insert(SafetyReport), rows)
    return len(rows), _flags(session, scenario)


#: When people of each band are reported, in minutes since the start (low, high, most
#: often): partners call the most at risk first, as the phone page orders them.
REPORT_MINUTES = {"A": (2, 70, 15), "B": (2, 110, 35), "C": (5, 125, 45)}


def _row(
    operation: SafetyOperation, registrant_id: int, band: str, users: dict[str, User],
    rng: random.Random,
) -> dict[str, Any]:  # fmt: skip
    """One report within about two hours of the start, the most at risk sooner; some carry
    findings."""
    minutes = rng.triangular(*REPORT_MINUTES[band])
    findings: list[str] = []
    if rng.random() < WITH_FINDING:
        findings = [rng.choices(list(FINDING_WEIGHTS), list(FINDING_WEIGHTS.values()))[0].value]
    unreachable = bool({"no_answer", "wrong_phone", "not_at_home"} & set(findings))
    by_staff = rng.random() < 0.4
    user = users["staff"] if by_staff else users["partner"]
    return {
        "operation_id": operation.id,
        "registrant_id": registrant_id,
        "status": SafetyStatus.UNREACHABLE if unreachable else SafetyStatus.SAFE_HOME,
        "method": rng.choice((ReportMethod.PHONE, ReportMethod.VISIT)),
        "note": OTHER_NOTE if "other" in findings else "",
        "reported_by_id": user.id,
        "organisation_id": None if by_staff else user.organisation_id,
        "reported_at": operation.started_at + timedelta(minutes=minutes),
        "client_id": None,
        "findings": findings,
    }


def _flags(session: DbSession, scenario: DrillScenario) -> int:
    """A flag per finding of the drill's reports, as record_report makes them."""
    operation = scenario.operation
    assert operation is not None
    day = operation.started_at.astimezone(JST).date()
    query = select(SafetyReport.id, SafetyReport.registrant_id, SafetyReport.findings,
                   SafetyReport.reported_at).where(SafetyReport.operation_id == operation.id)
    rows = [
        {"registrant_id": rid, "scenario_id": scenario.id, "report_id": report_id,
         "finding": Finding(f), "serious": Finding(f) in SERIOUS_FINDINGS,
         "reason": reason_text(day, Finding(f)), "created_at": at}
        for report_id, rid, findings, at in session.execute(query) for f in findings or []
    ]  # fmt: skip
    if rows:
        session.execute(insert(ReviewFlag), rows)
    return len(rows)


def review_flagged_plans(session: DbSession, actor: User) -> int:
    """Once the demo's plans are made: the finished drill's findings mark agreed plans
    要見直し, through the plan's save path. A few agreed plans of the drill's people get a
    finding first, so the demo always shows some. Returns how many plans were marked."""
    scenario = session.scalar(
        select(DrillScenario).where(DrillScenario.operation_id.is_not(None)).limit(1)
    )
    if scenario is None or scenario.operation is None:
        return 0
    _finding_on_agreed_plans(session, scenario)
    flagged = session.scalars(
        select(ReviewFlag.registrant_id).distinct().where(ReviewFlag.scenario_id == scenario.id)
    ).all()
    with demo_context():
        return sum(mark_plan_for_review(session, actor, rid) for rid in sorted(flagged))


def _finding_on_agreed_plans(session: DbSession, scenario: DrillScenario) -> None:
    """Up to FLAGGED_PLANS people with an agreed plan, reported on in the drill, get a last
    report near its end: their supporter could not be reached (reports are append-only, so
    the finding comes as a new report, after every other)."""
    operation = scenario.operation
    assert operation is not None
    people = (
        select(SafetyReport.registrant_id).distinct()
        .join(Plan, Plan.registrant_id == SafetyReport.registrant_id)
        .where(SafetyReport.operation_id == operation.id, Plan.status == PlanStatus.AGREED)
        .order_by(SafetyReport.registrant_id)
        .limit(FLAGGED_PLANS)
    )
    day = operation.started_at.astimezone(JST).date()
    finding = Finding.SUPPORTER_UNAVAILABLE
    for i, registrant_id in enumerate(session.scalars(people).all()):
        report = SafetyReport(
            operation_id=operation.id, registrant_id=registrant_id,
            status=SafetyStatus.SAFE_HOME, method=ReportMethod.PHONE, note=SUPPORTER_NOTE,
            reported_by_id=operation.started_by_id,
            reported_at=operation.started_at + timedelta(minutes=126 + i), findings=[finding],
        )  # fmt: skip
        session.add(report)
        session.flush()
        session.add(ReviewFlag(registrant_id=registrant_id, scenario_id=scenario.id,
                               report_id=report.id, finding=finding, serious=True,
                               reason=reason_text(day, finding), created_at=report.reported_at))
    session.flush()
