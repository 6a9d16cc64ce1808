"""The figures of an operation's report (安否確認の結果報告), counted by the database.

The report's people are those of the operation the viewer may see: the active people in
its area, and anyone reported on in it (a person who moved out or died during the work
stays counted). Each person's status is that of the latest report on them, as
roster.safety.operations.current_status reads it; the figures are taken at the end of the
operation, or now while it runs. Everything is grouped and counted in SQL, so an operation
over 50,000 people reads back a few dozen rows; only the never-reached list reads people,
through roster.access.fetch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
)

from ..access.fetch import Person, people
from ..access.rule import Viewer, registrant_condition, visible_registrants
from ..extensions import DbSession
from ..models import District, Plan, Registrant, RegistrantHazard, SafetyOperation, SafetyReport
from ..models import SafetyStatus as S
from ..models.base import utcnow
from ..priority.queries import band_expression, dialect_of, score_expression
from ..priority.scoring import BANDS, Bands
from .operations import targets_query

#: The order statuses are shown in: the work still to do first.
STATUS_ORDER = (
    S.UNCONFIRMED,
    S.UNREACHABLE,
    S.NEEDS_HELP,
    S.INJURED,
    S.EVACUATED,
    S.SAFE_HOME,
    S.DECEASED,
)
#: A person counts as confirmed from the first report that says how they are: 未確認 and
#: 不在・連絡つかず say nothing about that (and a person left so is never reached, below).
NOT_CONFIRMING = (S.UNCONFIRMED, S.UNREACHABLE)
#: At the end, these people were never reached.
NEVER_REACHED = (S.UNCONFIRMED, S.UNREACHABLE)
#: The time limits the share of people confirmed within is given for, in hours.
WITHIN_HOURS = (1, 3, 6, 24)
#: Hours the chart shows one by one; confirmations later fall in one last bucket.
CHART_HOURS = 48


@dataclass(frozen=True)
class DistrictRow:
    """One district's people by current status."""

    district_id: int
    code: str
    name: str
    counts: dict[S, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class HourBucket:
    """First confirmations in one hour since the start; the last bucket may be open-ended."""

    hour: int
    start: datetime
    count: int
    cumulative: int
    open_ended: bool = False


@dataclass(frozen=True)
class BandRow:
    """Time to first confirmation for the people of one priority band."""

    band: str
    people: int
    confirmed: int
    median_seconds: float | None
    #: Hours -> people confirmed within that many hours of the start.
    within: dict[int, int] = field(default_factory=dict)

    def share(self, hours: int) -> float | None:
        return self.within.get(hours, 0) / self.people if self.people else None


@dataclass(frozen=True)
class OperationReport:
    """Every figure of the report, as of `as_of` (the end, or now while it runs)."""

    operation: SafetyOperation
    as_of: datetime
    districts: list[DistrictRow]
    hours: list[HourBucket]
    bands: list[BandRow]

    @property
    def totals(self) -> dict[S, int]:
        return {s: sum(row.counts.get(s, 0) for row in self.districts) for s in STATUS_ORDER}

    @property
    def people(self) -> int:
        return sum(row.total for row in self.districts)

    @property
    def confirmed(self) -> int:
        return sum(bucket.count for bucket in self.hours)

    @property
    def unreached(self) -> int:
        totals = self.totals
        return sum(totals[s] for s in NEVER_REACHED)


# ---------------------------------------------------------------------------------------------
# Who is in the report, and their latest report.
# ---------------------------------------------------------------------------------------------


def population(viewer: Viewer, operation: SafetyOperation) -> ColumnElement[bool]:
    """The report's people as a condition on Registrant: the operation's targets and the
    people reported on in it, as far as the viewer may see them."""
    targets = targets_query(viewer, operation).with_only_columns(Registrant.id)
    reported = select(SafetyReport.registrant_id).where(SafetyReport.operation_id == operation.id)
    return and_(
        registrant_condition(viewer),
        or_(Registrant.id.in_(targets), Registrant.id.in_(reported)),
    )


def _latest(operation: SafetyOperation) -> Any:
    """Each reported person's latest report ID (report IDs only grow)."""
    return (
        select(
            SafetyReport.registrant_id.label("registrant_id"),
            func.max(SafetyReport.id).label("report_id"),
        )
        .where(SafetyReport.operation_id == operation.id)
        .group_by(SafetyReport.registrant_id)
        .subquery("latest")
    )


def _first_confirmed(operation: SafetyOperation) -> Any:
    """Each person's first report that says how they are (not in NOT_CONFIRMING), and when."""
    return (
        select(
            SafetyReport.registrant_id.label("registrant_id"),
            func.min(SafetyReport.reported_at).label("at"),
        )
        .where(
            SafetyReport.operation_id == operation.id,
            SafetyReport.status.not_in(NOT_CONFIRMING),
        )
        .group_by(SafetyReport.registrant_id)
        .subquery("first_confirmed")
    )


def with_status(viewer: Viewer, operation: SafetyOperation, *columns: Any) -> Select[Any]:
    """The report's people with their latest report outer-joined (status NULL: none yet)."""
    latest = _latest(operation)
    return (
        select(*columns)
        .select_from(Registrant)
        .outerjoin(latest, latest.c.registrant_id == Registrant.id)
        .outerjoin(SafetyReport, SafetyReport.id == latest.c.report_id)
        .where(population(viewer, operation))
    )


# ---------------------------------------------------------------------------------------------
# The figures.
# ---------------------------------------------------------------------------------------------


def operation_report(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    weights: Mapping[str, int],
    bands: Bands,
) -> OperationReport:
    """Every figure of the operation's report for the viewer."""
    return OperationReport(
        operation=operation,
        as_of=operation.ended_at or utcnow(),
        districts=by_district(session, viewer, operation),
        hours=per_hour(session, viewer, operation),
        bands=by_band(session, viewer, operation, weights, bands),
    )


def by_district(
    session: DbSession, viewer: Viewer, operation: SafetyOperation
) -> list[DistrictRow]:
    """People by district and current status; a person without reports is 未確認."""
    query = with_status(
        viewer, operation, Registrant.district_id, SafetyReport.status, func.count()
    ).group_by(Registrant.district_id, SafetyReport.status)
    counts: dict[int, dict[S, int]] = {}
    for district_id, status, n in session.execute(query):
        row = counts.setdefault(district_id, {})
        key = S(status) if status is not None else S.UNCONFIRMED
        row[key] = row.get(key, 0) + n
    names = session.execute(
        select(District.id, District.code, District.name).where(District.id.in_(counts))
    )
    rows = [DistrictRow(i, code, name, counts[i]) for i, code, name in names]
    return sorted(rows, key=lambda r: r.code)


def seconds_since(start: datetime, column: Any, dialect: str) -> ColumnElement[float]:
    """Seconds from `start` to the column's time, in SQL; NULL stays NULL."""
    if dialect == "postgresql":
        return cast(extract("epoch", column - start), Float)
    naive = start.astimezone(UTC).replace(tzinfo=None) if start.tzinfo else start
    return (func.julianday(column) - func.julianday(literal(naive.isoformat(" ")))) * 86400.0


def not_before_start(seconds: ColumnElement[float]) -> ColumnElement[float]:
    """A time before the start (a clock set wrong) counts as the start itself."""
    return case((seconds < 0, 0.0), else_=seconds)


def whole_units(
    seconds: ColumnElement[float], dialect: str, unit: float = 3600.0
) -> ColumnElement[int]:
    """Completed units (hours unless told) in `seconds` (never below 0): PostgreSQL's cast
    rounds, so floor(); SQLite's truncates, and it may lack floor()."""
    if dialect == "postgresql":
        return cast(func.floor(seconds / unit), Integer)
    return cast(seconds / unit, Integer)


def per_hour(session: DbSession, viewer: Viewer, operation: SafetyOperation) -> list[HourBucket]:
    """First confirmations bucketed by the hour since the start (a confirmation dated before
    the start counts in the first hour), up to the last hour anyone was confirmed in."""
    first = _first_confirmed(operation)
    dialect = dialect_of(session)
    seconds = not_before_start(seconds_since(operation.started_at, first.c.at, dialect))
    hour = whole_units(seconds, dialect)
    query = (
        select(hour.label("hour"), func.count())
        .select_from(first)
        .join(Registrant, Registrant.id == first.c.registrant_id)
        .where(population(viewer, operation))
        .group_by(hour)
    )
    counts: dict[int, int] = {}
    for h, n in session.execute(query):
        slot = min(int(h), CHART_HOURS)
        counts[slot] = counts.get(slot, 0) + n
    return buckets(operation.started_at, counts)


def buckets(start: datetime, counts: Mapping[int, int]) -> list[HourBucket]:
    """Every hour from the start to the last one with a confirmation, with running totals."""
    if not counts:
        return []
    result, running = [], 0
    for hour in range(max(counts) + 1):
        running += counts.get(hour, 0)
        start_at = start + timedelta(hours=hour)
        result.append(HourBucket(hour, start_at, counts.get(hour, 0), running, hour == CHART_HOURS))
    return result


def by_band(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    weights: Mapping[str, int],
    bands: Bands,
) -> list[BandRow]:
    """Per priority band (the plan queue's score and bands): people, how many were confirmed
    and within how long of the start, and the median time among those confirmed."""
    timed = _timed(session, viewer, operation, weights, bands)
    counted = _band_counts(session, timed)
    medians = group_medians(session, timed, timed.c.band)
    rows = []
    for band in BANDS:
        people, confirmed, within = counted.get(band, (0, 0, dict.fromkeys(WITHIN_HOURS, 0)))
        rows.append(BandRow(band, people, confirmed, medians.get(band), within))
    return rows


def _timed(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    weights: Mapping[str, int],
    bands: Bands,
) -> Any:
    """Each person of the report: band, and seconds from the start to the first
    confirmation (NULL if never confirmed; never below 0)."""
    dialect = dialect_of(session)
    first = _first_confirmed(operation)
    seconds = seconds_since(operation.started_at, first.c.at, dialect)
    return (
        select(
            band_expression(score_expression(weights, dialect), bands).label("band"),
            not_before_start(seconds).label("seconds"),
        )
        .select_from(Registrant)
        .outerjoin(RegistrantHazard, RegistrantHazard.registrant_id == Registrant.id)
        .outerjoin(Plan, Plan.registrant_id == Registrant.id)
        .outerjoin(first, first.c.registrant_id == Registrant.id)
        .where(population(viewer, operation))
        .subquery("timed")
    )


def _band_counts(session: DbSession, timed: Any) -> dict[str, tuple[int, int, dict[int, int]]]:
    """Band -> (people, confirmed, {hours: confirmed within})."""
    within = [
        func.count().filter(timed.c.seconds <= hours * 3600).label(f"h{hours}")
        for hours in WITHIN_HOURS
    ]
    query = select(timed.c.band, func.count(), func.count(timed.c.seconds), *within).group_by(
        timed.c.band
    )
    return {
        band: (people, confirmed, dict(zip(WITHIN_HOURS, rest, strict=True)))
        for band, people, confirmed, *rest in session.execute(query)
    }


def group_medians(session: DbSession, timed: Any, group: Any) -> dict[Any, float]:
    """Group (a column of `timed`) -> the median of `timed.c.seconds` over its rows that have
    one: the middle row, or the mean of the middle two, by window functions (both databases
    have them). Row n of `of` is a middle one when of <= 2n <= of + 2."""
    ranked = (
        select(
            group.label("grp"),
            timed.c.seconds,
            func.row_number().over(partition_by=group, order_by=timed.c.seconds).label("n"),
            func.count().over(partition_by=group).label("of"),
        )
        .where(timed.c.seconds.is_not(None))
        .subquery("ranked")
    )
    middle = and_(ranked.c.n * 2 >= ranked.c.of, ranked.c.n * 2 <= ranked.c.of + 2)
    query = select(ranked.c.grp, func.avg(ranked.c.seconds)).where(middle).group_by(ranked.c.grp)
    return {key: float(value) for key, value in session.execute(query)}


# ---------------------------------------------------------------------------------------------
# The people never reached: names, for staff only.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unreached:
    """A person never reached, as the viewer may see them, and their status at the end."""

    person: Person
    status: S


def never_reached(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, limit: int | None = None
) -> list[Unreached]:
    """The people 未確認 or 不在・連絡つかず at the end (or now), by district and reading,
    loaded through roster.access.fetch for the viewer; the first `limit` of them if given."""
    status = SafetyReport.status
    unreached = with_status(viewer, operation, Registrant.id, status).where(
        or_(status.is_(None), status.in_(NEVER_REACHED))
    )
    statuses = {
        rid: S(st) if st is not None else S.UNCONFIRMED for rid, st in session.execute(unreached)
    }
    query = (
        visible_registrants(viewer)
        .where(Registrant.id.in_(unreached.with_only_columns(Registrant.id)))
        .order_by(Registrant.district_id, Registrant.name_kana, Registrant.id)
        .limit(limit)
    )
    found = people(session, viewer, query)
    return [Unreached(p, statuses[p.registrant_id]) for p in found]
