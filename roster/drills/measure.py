"""Measuring a drill: how long each person waited for their first report, and each objective's
verdict, computed from those times (never typed).

A person counts as reached from the first report on them that says how they are (neither
未確認 nor 不在・連絡つかず), as the operation's own report counts confirmations
(roster.safety.report.NOT_CONFIRMING): a report that found no one at home leaves the person
among those never reached, and never meets an objective. Their time is the seconds from the
drill's start to that report, rounded to the whole second (a report dated before the start
counts as at the start). A person's band is the one frozen when the drill started
(roster.drills.bands).
"Within N minutes" means at most N × 60 seconds: a report at exactly 60:00 is within 60
minutes, one at 60:01 is not. Everything is grouped and counted in SQL (the operation's report
helpers in roster.safety.report), so a drill over 50,000 people reads back a few dozen rows.

Verdicts (one rule for every objective kind): of `total` people (or shelters) measured, `hit`
were reached (opened) within the objective's minutes and `reached` at all during the drill.

- MET: hit / total ≥ percent (the shares of ventilator users and shelters need 100 %);
- PARTLY_MET: not met, but hit / total ≥ half the percent, or everyone was reached during
  the drill, only some too late;
- NOT_MET: otherwise, and always when there is no one (no shelter) to measure: a drill that
  measured nothing showed nothing.

The shares are compared in whole numbers (hit × 100 ≥ percent × total), and the percentage
shown beside a verdict is rounded down, so "79 %" never stands beside "met 80 %" — except that
a share above nothing never shows as 0 % (2 of 221 is "< 1 %").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal, or_, select, true

from ..access.rule import Viewer
from ..extensions import DbSession
from ..models import (
    District,
    Organisation,
    Plan,
    Registrant,
    RegistrantHazard,
    SafetyOperation,
    SafetyReport,
    Shelter,
    ShelterAssignment,
)
from ..models import SafetyStatus as S
from ..models.base import utcnow
from ..models.drills import (
    DrillHazard,
    DrillObjective,
    DrillScenario,
    DrillShelterOpening,
    ObjectiveKind,
    Verdict,
)
from ..priority.queries import dialect_of
from ..priority.scoring import BANDS, Bands
from ..safety.ranking import Priority
from ..safety.report import (
    NOT_CONFIRMING,
    group_medians,
    not_before_start,
    population,
    seconds_since,
    whole_units,
)
from .bands import band_now, frozen_table

#: The minutes the shares of people reached are given for.
WITHIN_MINUTES = (30, 60, 120)
#: The statuses that do not count as reaching a person: they say nothing of how they are.
NOT_REACHING = NOT_CONFIRMING
#: The timeline's buckets, in minutes, and how many of them (later reports share the last).
BUCKET_MINUTES = 10
MAX_BUCKETS = 36


@dataclass(frozen=True)
class GroupRow:
    """People of one group (district, organisation, band or everyone) and when they were
    reached. For an organisation, its people are those it reported on first."""

    key: Any
    label: str
    people: int
    reached: int
    median_seconds: float | None
    #: Minutes -> people reached within that many minutes of the start.
    within: dict[int, int] = field(default_factory=dict)

    def share(self, minutes: int) -> float | None:
        return self.within.get(minutes, 0) / self.people if self.people else None

    def percent(self, minutes: int) -> str:
        """The share within the minutes as shown: whole percent rounded down (floor_percent)."""
        return floor_percent(self.within.get(minutes, 0), self.people)


def floor_percent(part: int, whole: int) -> str:
    """`part` of `whole` in whole percent rounded down, so a share never shows above what it
    is; a share above nothing that rounds to 0 shows as "< 1"; "" when there is no whole."""
    if whole <= 0:
        return ""
    value = part * 100 // whole
    return "< 1" if value == 0 and part > 0 else str(value)


@dataclass(frozen=True)
class Bucket:
    """People first reached in one slice of BUCKET_MINUTES since the start."""

    minute: int
    count: int
    cumulative: int
    open_ended: bool = False


@dataclass(frozen=True)
class DrillMeasure:
    operation: SafetyOperation
    as_of: datetime
    overall: GroupRow
    districts: list[GroupRow]
    organisations: list[GroupRow]
    bands: list[GroupRow]
    timeline: list[Bucket]


# ---------------------------------------------------------------------------------------------
# Each person's time to their first report.
# ---------------------------------------------------------------------------------------------


def first_reports(
    operation: SafetyOperation, skipped: tuple[S, ...] = NOT_REACHING, name: str = "first_report"
) -> Any:
    """Each person's first report whose status is not in `skipped`: when, and by which
    organisation (the earliest by its time; of two at the same time, the one stored first)."""
    order = func.row_number().over(
        partition_by=SafetyReport.registrant_id,
        order_by=(SafetyReport.reported_at, SafetyReport.id),
    )
    ranked = (
        select(
            SafetyReport.registrant_id.label("registrant_id"),
            SafetyReport.reported_at.label("at"),
            SafetyReport.organisation_id.label("organisation_id"),
            order.label("n"),
        )
        .where(
            SafetyReport.operation_id == operation.id,
            SafetyReport.status.not_in(skipped),
        )
        .subquery(f"ranked_{name}")
    )
    return (
        select(ranked.c.registrant_id, ranked.c.at, ranked.c.organisation_id)
        .where(ranked.c.n == 1)
        .subquery(name)
    )


def elapsed(session: DbSession, start: datetime, column: Any) -> ColumnElement[float]:
    """Whole seconds from `start` to the column's time, never below 0; NULL stays NULL."""
    seconds = seconds_since(start, column, dialect_of(session))
    return func.round(not_before_start(seconds))


def timed(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    weights: Mapping[str, int],
    bands: Bands,
) -> Any:
    """Each person of the drill (the operation report's population): district, band,
    ventilator, the organisation of the first report and seconds to it (NULL: not reached)."""
    first = first_reports(operation)
    frozen = frozen_table(operation)
    band = func.coalesce(frozen.c.band, band_now(session, Priority(weights, bands)))
    return (
        select(
            Registrant.id.label("registrant_id"),
            Registrant.district_id.label("district_id"),
            Registrant.device_ventilator.label("ventilator"),
            band.label("band"),
            first.c.organisation_id.label("organisation_id"),
            elapsed(session, operation.started_at, first.c.at).label("seconds"),
        )
        .select_from(Registrant)
        .outerjoin(RegistrantHazard, RegistrantHazard.registrant_id == Registrant.id)
        .outerjoin(Plan, Plan.registrant_id == Registrant.id)
        .outerjoin(first, first.c.registrant_id == Registrant.id)
        .outerjoin(frozen, frozen.c.registrant_id == Registrant.id)
        .where(population(viewer, operation))
        .subquery("timed")
    )


def person_seconds(session: DbSession, people: Any) -> dict[int, float | None]:
    """Register number -> seconds to the first report (None: never reached), from `timed`."""
    rows = session.execute(select(people.c.registrant_id, people.c.seconds))
    return {rid: None if s is None else float(s) for rid, s in rows}


# ---------------------------------------------------------------------------------------------
# Grouped figures.
# ---------------------------------------------------------------------------------------------


def _grouped(session: DbSession, people: Any, group: Any) -> dict[Any, GroupRow]:
    within = [
        func.count().filter(people.c.seconds <= minutes * 60).label(f"m{minutes}")
        for minutes in WITHIN_MINUTES
    ]
    query = select(group, func.count(), func.count(people.c.seconds), *within).group_by(group)
    medians = group_medians(session, people, group)
    return {
        key: GroupRow(key, "", total, reached, medians.get(key),
                      dict(zip(WITHIN_MINUTES, rest, strict=True)))
        for key, total, reached, *rest in session.execute(query)
    }  # fmt: skip


def _labelled(row: GroupRow, label: str) -> GroupRow:
    return GroupRow(row.key, label, row.people, row.reached, row.median_seconds, row.within)


def by_district(session: DbSession, people: Any) -> list[GroupRow]:
    rows = _grouped(session, people, people.c.district_id)
    names = session.execute(
        select(District.id, District.name).where(District.id.in_(rows)).order_by(District.code)
    )
    return [_labelled(rows[i], name) for i, name in names]


def by_organisation(session: DbSession, people: Any, staff_label: str) -> list[GroupRow]:
    """The reached people by the organisation of their first report; staff's own reports
    (no organisation) under `staff_label`, last."""
    reached = select(people).where(people.c.seconds.is_not(None)).subquery("reached")
    rows = _grouped(session, reached, reached.c.organisation_id)
    names = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_([k for k in rows if k is not None]))
        .order_by(Organisation.name)
    )
    result = [_labelled(rows[i], name) for i, name in names]
    if None in rows:
        result.append(_labelled(rows[None], staff_label))
    return result


def by_band(session: DbSession, people: Any) -> list[GroupRow]:
    rows = _grouped(session, people, people.c.band)
    empty = GroupRow(None, "", 0, 0, None, dict.fromkeys(WITHIN_MINUTES, 0))
    return [_labelled(rows.get(band, empty), band) for band in BANDS]


def overall(session: DbSession, people: Any, label: str = "") -> GroupRow:
    rows = _grouped(session, people, literal("all"))
    row = rows.get("all", GroupRow("all", "", 0, 0, None, dict.fromkeys(WITHIN_MINUTES, 0)))
    return _labelled(row, label)


def timeline(session: DbSession, people: Any) -> list[Bucket]:
    """People first reached per BUCKET_MINUTES since the start, with running totals, up to
    the last bucket anyone was reached in (MAX_BUCKETS at most, the last open-ended)."""
    slot = whole_units(people.c.seconds, dialect_of(session), BUCKET_MINUTES * 60.0)
    query = select(slot, func.count()).where(people.c.seconds.is_not(None)).group_by(slot)
    counts: dict[int, int] = {}
    for index, n in session.execute(query):
        key = min(int(index), MAX_BUCKETS - 1)
        counts[key] = counts.get(key, 0) + n
    if not counts:
        return []
    result, running = [], 0
    for index in range(max(counts) + 1):
        running += counts.get(index, 0)
        last = index == MAX_BUCKETS - 1
        result.append(Bucket(index * BUCKET_MINUTES, counts.get(index, 0), running, last))
    return result


def measure(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    weights: Mapping[str, int],
    bands: Bands,
    staff_label: str = "",
) -> DrillMeasure:
    """Every figure of the drill for the viewer, as of its end (or now while it runs)."""
    people = timed(session, viewer, operation, weights, bands)
    return DrillMeasure(
        operation=operation,
        as_of=operation.ended_at or utcnow(),
        overall=overall(session, people),
        districts=by_district(session, people),
        organisations=by_organisation(session, people, staff_label),
        bands=by_band(session, people),
        timeline=timeline(session, people),
    )


# ---------------------------------------------------------------------------------------------
# Objectives and their verdicts.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """An objective's verdict and the figures behind it."""

    objective: DrillObjective
    verdict: Verdict
    #: People (shelters) measured, reached (opened) within the minutes, and at all.
    total: int
    hit: int
    reached: int

    @property
    def target(self) -> int:
        return target_of(self.objective)

    @property
    def percent(self) -> str:
        """The share hit within the minutes, as shown (floor_percent)."""
        return floor_percent(self.hit, self.total)


def target_of(objective: DrillObjective) -> int:
    """The share to reach, in percent: the objective's own for a share, else everyone."""
    return objective.percent if objective.kind is ObjectiveKind.SHARE_CONFIRMED else 100


def judge(total: int, hit: int, reached: int, target: int) -> Verdict:
    """The verdict of `hit` of `total` within the minutes against `target` percent; see the
    module's notes."""
    if total <= 0:
        return Verdict.NOT_MET
    if hit * 100 >= target * total:
        return Verdict.MET
    if hit * 200 >= target * total or reached >= total:
        return Verdict.PARTLY_MET
    return Verdict.NOT_MET


def _people_counts(
    session: DbSession, people: Any, minutes: int, where: Any
) -> tuple[int, int, int]:
    seconds = people.c.seconds
    query = select(
        func.count(), func.count().filter(seconds <= minutes * 60), func.count(seconds)
    ).where(where)
    total, hit, reached = session.execute(query).one()
    return int(total), int(hit), int(reached)


#: The hazards of the shelter analysis (ShelterAssignment.hazard) a drill's hazard stands for.
ASSIGNED_FOR = {
    DrillHazard.EARTHQUAKE: ("earthquake",),
    DrillHazard.FLOOD: ("flood", "inland_flood"),
    DrillHazard.LANDSLIDE: ("landslide",),
    DrillHazard.TSUNAMI: ("tsunami",),
    DrillHazard.FIRE: ("large_fire",),
}


def welfare_shelters(session: DbSession, viewer: Viewer, operation: SafetyOperation) -> Any:
    """The welfare shelters of the drill (shelters carry no district): those the plans of its
    people name as their destination, those its people are assigned to as their nearest
    suitable shelter for the hazard the drill simulates, and any welfare shelter recorded
    open in it."""
    hazard = select(DrillScenario.hazard).where(DrillScenario.operation_id == operation.id)
    simulated = session.scalar(hazard)
    hazards = ASSIGNED_FOR.get(simulated, ()) if simulated is not None else ()
    named = (
        select(Plan.destination_shelter_id)
        .join(Registrant, Registrant.id == Plan.registrant_id)
        .where(population(viewer, operation))
    )
    nearest = (
        select(ShelterAssignment.shelter_id)
        .join(Registrant, Registrant.id == ShelterAssignment.registrant_id)
        .where(
            ShelterAssignment.hazard.in_(hazards),
            ShelterAssignment.shelter_id.is_not(None),
            population(viewer, operation),
        )
    )
    opened = select(DrillShelterOpening.shelter_id).where(
        DrillShelterOpening.operation_id == operation.id
    )
    return select(Shelter.id).where(
        Shelter.is_welfare_shelter.is_(True),
        or_(Shelter.id.in_(named), Shelter.id.in_(nearest), Shelter.id.in_(opened)),
    )


def _shelter_counts(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, minutes: int
) -> tuple[int, int, int]:
    shelters = welfare_shelters(session, viewer, operation).subquery("drill_shelters")
    first = (
        select(
            DrillShelterOpening.shelter_id.label("shelter_id"),
            func.min(DrillShelterOpening.opened_at).label("at"),
        )
        .where(DrillShelterOpening.operation_id == operation.id)
        .group_by(DrillShelterOpening.shelter_id)
        .subquery("first_opening")
    )
    seconds = elapsed(session, operation.started_at, first.c.at)
    query = (
        select(func.count(), func.count().filter(seconds <= minutes * 60), func.count(first.c.at))
        .select_from(shelters)
        .outerjoin(first, first.c.shelter_id == shelters.c.id)
    )
    total, hit, reached = session.execute(query).one()
    return int(total), int(hit), int(reached)


def objective_counts(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, people: Any,
    objective: DrillObjective,
) -> tuple[int, int, int]:  # fmt: skip
    """(total, hit, reached) for the objective."""
    if objective.kind is ObjectiveKind.SHELTERS_OPENED:
        return _shelter_counts(session, viewer, operation, objective.minutes)
    if objective.kind is ObjectiveKind.VENTILATOR_REACHED:
        where: Any = people.c.ventilator.is_(True)
    elif objective.band:
        where = people.c.band == objective.band
    else:
        where = true()
    return _people_counts(session, people, objective.minutes, where)


def verdicts(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    objectives: list[DrillObjective],
    weights: Mapping[str, int],
    bands: Bands,
) -> list[Result]:
    """Each objective's verdict, from the times of the drill's reports and shelter openings."""
    people = timed(session, viewer, operation, weights, bands)
    results = []
    for objective in objectives:
        total, hit, reached = objective_counts(session, viewer, operation, people, objective)
        verdict = judge(total, hit, reached, target_of(objective))
        results.append(Result(objective, verdict, total, hit, reached))
    return results
