"""The demo's safety confirmation (安否確認): one operation after a typhoon some weeks ago,
ended, with its report to read; and one running since two hours ago, in which the demo
`partner` login still has people to confirm and has already sent some reports.

Reports are written as rows with their own times (bulk INSERTs, in time order so that the
latest report on a person is also the one with the highest ID, as the app reads it), and
without explicit IDs. Their number follows the operation's people, up to MAX_REPORTS per
operation, so `roster demo --registrants 200000` stays quick.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import insert, select

from ..access.rule import registrant_condition, viewer_for
from ..extensions import DbSession
from ..models import (
    District,
    EvacuationPlace,
    Registrant,
    RegistrantStatus,
    ReportMethod,
    SafetyOperation,
    SafetyReport,
    SafetyStatus,
    Shelter,
    ShelterAssignment,
    User,
)
from ..models.base import utcnow
from .context import demo_context
from .draw import JST

S = SafetyStatus
#: The typhoon's two towns (both the partner's) and the running operation's three (two of
#: them the partner's).
FINISHED_TOWNS = ("田無町", "南町")
RUNNING_TOWNS = ("緑町", "谷戸町", "保谷町")
MAX_REPORTS = 30_000
#: Share of the finished operation's people in each ending; the rest are safe at home.
#: "silent" people have no report at all; "unreachable" ones were tried to the end.
FINISHED_SHARES = {"silent": 0.04, "unreachable": 0.02, S.NEEDS_HELP: 0.03, S.INJURED: 0.01,
                   "shelter": 0.12, "elsewhere": 0.10}  # fmt: skip
#: The running operation's answers so far, among those reported on.
RUNNING_SHARES = {"unreachable": 0.12, S.NEEDS_HELP: 0.06, S.INJURED: 0.02, "shelter": 0.12,
                  "elsewhere": 0.06}  # fmt: skip
NOTES = {
    S.NEEDS_HELP: (
        "常用薬が残り少ない。届けてほしい（デモ）",
        "自宅が浸水し、2階へ移れない（デモ）",
        "停電で在宅酸素の予備電源が心配（デモ）",
    ),
    S.INJURED: ("転倒して足を痛めた。救急搬送済み（デモ）",),
    S.UNREACHABLE: (
        "訪問したが不在。電話もつながらない（デモ）",
        "呼び鈴に応答なし。隣家も不在（デモ）",
    ),
}
ELSEWHERE = (EvacuationPlace.RELATIVES, EvacuationPlace.HOSPITAL, EvacuationPlace.CAR)


@dataclass
class Story:
    """What both operations are written with."""

    session: DbSession
    rng: random.Random
    staff: User
    partner: User
    partner_view: Any
    #: Registrant -> the shelter the assignment gives them, if any.
    shelters: dict[int, int]
    fallback_shelters: list[int]
    rows: list[dict[str, Any]]


def add_demo_safety(
    session: DbSession,
    districts: dict[str, District],
    users: dict[str, User],
    today: date,
    seed: int,
) -> dict[str, int]:
    """Both demo operations and their reports; return how many of each were made."""
    with demo_context():
        story = _story(session, users, today, seed)
        finished = _finished(story, districts, today)
        _write(story)
        running = _running(story, districts)
        _write(story)
    return {"safety_operations": 2, "safety_reports": finished + running}


def _story(session: DbSession, users: dict[str, User], today: date, seed: int) -> Story:
    partner = users["partner"]
    view = viewer_for(session, partner, current_app.config["CONSENT_RULE"], today, utcnow())
    # Read in batches (on PostgreSQL from a server-side cursor): one row per person and
    # hazard, several million at a million people, never all held at once.
    assigned = session.execute(
        select(ShelterAssignment.registrant_id, ShelterAssignment.shelter_id)
        .where(ShelterAssignment.shelter_id.is_not(None))
        .execution_options(yield_per=50_000)
    )
    fallback = session.scalars(select(Shelter.id).where(Shelter.is_evacuation_shelter)).all()
    return Story(
        session, random.Random(seed * 104729 + 13),  # noqa: S311 - reproducible fiction
        users["staff"], partner, view, {r: s for r, s in assigned if s is not None},
        list(fallback), [],
    )  # fmt: skip


def _people(story: Story, towns: list[District]) -> list[int]:
    """The active people of the towns, by ID."""
    query = select(Registrant.id).where(
        Registrant.status == RegistrantStatus.ACTIVE,
        Registrant.district_id.in_([d.id for d in towns]),
    )
    return list(story.session.scalars(query.order_by(Registrant.id)))


def _partner_sees(story: Story, ids: list[int]) -> set[int]:
    """Those of `ids` the demo partner may see and report, by the access rule."""
    query = select(Registrant.id).where(registrant_condition(story.partner_view))
    return set(story.session.scalars(query)) & set(ids)


def _operation(
    story: Story, names: tuple[str, str], towns: list[District], start: datetime
) -> SafetyOperation:
    name, disaster = names
    operation = SafetyOperation(
        name=name,
        disaster=disaster,
        districts=towns,
        started_at=start,
        started_by_id=story.staff.id,
    )
    story.session.add(operation)
    story.session.flush()
    return operation


def _outcomes(rng: random.Random, count: int, shares: dict[Any, float]) -> list[Any]:
    """`count` endings in the shares given (each at least once when there are people
    enough), the rest safe at home, in random order."""
    result: list[Any] = []
    for outcome, share in shares.items():
        result += [outcome] * max(1 if count >= 4 * len(shares) else 0, round(count * share))
    result = result[:count] + [S.SAFE_HOME] * max(0, count - len(result))
    rng.shuffle(result)
    return result


# ---------------------------------------------------------------------------------------------
# The two operations.
# ---------------------------------------------------------------------------------------------


def _finished(story: Story, districts: dict[str, District], today: date) -> int:
    """The typhoon five weeks ago: most people confirmed over ten hours, a few never."""
    day = today - timedelta(weeks=5)
    start = datetime.combine(day, time(6, 0), tzinfo=JST).astimezone(UTC)
    towns = [districts[t] for t in FINISHED_TOWNS]
    names = ("台風第19号 安否確認（デモ）", f"令和{day.year - 2018}年台風第19号（デモ）")
    operation = _operation(story, names, towns, start)
    people = _people(story, towns)[: int(MAX_REPORTS / 1.1)]
    partner = _partner_sees(story, people)
    outcomes = _outcomes(story.rng, len(people), FINISHED_SHARES)
    for rid, outcome in zip(people, outcomes, strict=True):
        if outcome != "silent":
            hours = story.rng.triangular(0.05, 10.5, 1.2)
            _answer(story, operation, rid, outcome, start + timedelta(hours=hours), rid in partner)
    operation.ended_at = start + timedelta(hours=16)
    operation.ended_by_id = story.staff.id
    return len(story.rows)


def _running(story: Story, districts: dict[str, District]) -> int:
    """Running since two hours ago: a third of the people answered so far, some of them
    through the partner, who still has most of theirs to confirm."""
    now = utcnow().replace(second=0, microsecond=0)
    start = now - timedelta(hours=2)
    towns = [districts[t] for t in RUNNING_TOWNS]
    names = ("大雨 安否確認（デモ）", f"令和{start.year - 2018}年{start.month}月の大雨（デモ）")
    operation = _operation(story, names, towns, start)
    people = _people(story, towns)
    partner = _partner_sees(story, people)
    answered = [rid for rid in people if story.rng.random() < 0.33]
    mine = sorted(partner)
    answered += mine[: max(1, len(mine) // 3)] if len(mine) > 1 else []
    answered = sorted(set(answered))[: int(MAX_REPORTS / 1.1)]
    minutes = (now - start).total_seconds() / 60 - 5
    outcomes = _outcomes(story.rng, len(answered), RUNNING_SHARES)
    for rid, outcome in zip(answered, outcomes, strict=True):
        at = start + timedelta(minutes=story.rng.uniform(3, minutes))
        _answer(story, operation, rid, outcome, at, rid in partner, until=now)
    return len(story.rows)


# ---------------------------------------------------------------------------------------------
# Reports.
# ---------------------------------------------------------------------------------------------


def _answer(
    story: Story,
    operation: SafetyOperation,
    registrant_id: int,
    outcome: Any,
    at: datetime,
    by_partner: bool,
    until: datetime | None = None,
) -> None:
    """The reports that lead to `outcome`: sometimes a first visit finds no one and a later
    one the person; an unreachable person is tried twice."""
    rng = story.rng
    later = at + timedelta(hours=rng.uniform(0.5, 3))
    if until is not None and later > until:
        later = until - timedelta(minutes=1)
    retried = outcome == "unreachable" or rng.random() < 0.08
    if retried and later > at:
        story.rows.append(_row(story, operation, registrant_id, S.UNREACHABLE, at, by_partner))
        at = later
    status = S.UNREACHABLE if outcome == "unreachable" else outcome
    status = S.EVACUATED if outcome in ("shelter", "elsewhere") else status
    row = _row(story, operation, registrant_id, status, at, by_partner)
    if outcome == "shelter":
        shelter = story.shelters.get(registrant_id) or rng.choice(story.fallback_shelters)
        row.update(evacuated_to=EvacuationPlace.SHELTER, shelter_id=shelter,
                   method=ReportMethod.AT_SHELTER)  # fmt: skip
    elif outcome == "elsewhere":
        row.update(evacuated_to=rng.choice(ELSEWHERE))
    story.rows.append(row)


def _row(
    story: Story,
    operation: SafetyOperation,
    registrant_id: int,
    status: SafetyStatus,
    at: datetime,
    by_partner: bool,
) -> dict[str, Any]:
    """One report's columns; a partner's reports carry its organisation."""
    rng = story.rng
    partner = by_partner and rng.random() < 0.8
    user = story.partner if partner else story.staff
    method = rng.choices(
        (ReportMethod.VISIT, ReportMethod.PHONE, ReportMethod.SELF_OR_FAMILY), (5, 4, 1)
    )[0]
    return {
        "operation_id": operation.id,
        "registrant_id": registrant_id,
        "status": status,
        "evacuated_to": None,
        "shelter_id": None,
        "method": method,
        "note": rng.choice(NOTES[status]) if status in NOTES else "",
        "reported_by_id": user.id,
        "organisation_id": user.organisation_id if partner else None,
        "reported_at": at,
        "client_id": None,
    }


def _write(story: Story) -> None:
    """Insert the reports gathered so far in time order (IDs then follow time), and
    start a new batch."""
    rows = sorted(story.rows, key=lambda r: (r["reported_at"], r["registrant_id"]))
    if rows:
        story.session.execute(insert(SafetyReport), rows)
    story.rows.clear()
