"""The after-action report of a drill (振り返り・改善計画): its figures, put together.

The measures and verdicts come from roster.drills.measure; this module adds what the drill
found (people per Finding, per district), the plans it flagged, the register numbers of the
people never reached (staff only, through roster.access.fetch) and the layout of the two
charts, drawn by the templates as inline SVG. The report names no one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from ..access.fetch import Person, people
from ..access.rule import Viewer, visible_registrants
from ..extensions import DbSession
from ..models import District, Plan, Registrant, SafetyOperation, SafetyReport
from ..models.drills import DrillScenario, Finding, ReviewFlag, Verdict
from ..priority.scoring import Bands
from ..safety.report import HourBucket, population
from ..safety.report_chart import Chart, chart
from . import measure as m


@dataclass(frozen=True)
class DistrictFindings:
    name: str
    counts: dict[Finding, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Findings:
    """People per finding (a person found twice the same way counts once), and per district."""

    totals: dict[Finding, int] = field(default_factory=dict)
    districts: list[DistrictFindings] = field(default_factory=list)

    @property
    def people(self) -> int:
        return sum(self.totals.values())


def findings(session: DbSession, viewer: Viewer, operation: SafetyOperation) -> Findings:
    """What the drill's reports found, counted per person and finding. Only the reports that
    carry findings are read (the database picks them)."""
    query = (
        select(SafetyReport.registrant_id, Registrant.district_id, SafetyReport.findings)
        .join(Registrant, Registrant.id == SafetyReport.registrant_id)
        .where(
            SafetyReport.operation_id == operation.id,
            func.json_array_length(SafetyReport.findings) > 0,
            population(viewer, operation),
        )
    )
    seen: set[tuple[int, Finding]] = set()
    by_district: dict[int, dict[Finding, int]] = {}
    for registrant_id, district_id, values in session.execute(query):
        for value in values or ():
            if value not in Finding.__members__.values() or (registrant_id, value) in seen:
                continue
            seen.add((registrant_id, Finding(value)))
            row = by_district.setdefault(district_id, {})
            row[Finding(value)] = row.get(Finding(value), 0) + 1
    totals = {f: sum(row.get(f, 0) for row in by_district.values()) for f in Finding}
    names = session.execute(
        select(District.id, District.name).where(District.id.in_(by_district))
        .order_by(District.code)
    )  # fmt: skip
    return Findings(
        {f: n for f, n in totals.items() if n},
        [DistrictFindings(name, by_district[i]) for i, name in names],
    )


def flagged_plans(session: DbSession, scenario: DrillScenario) -> int:
    """The plans the drill's findings flagged for review: people with a plan and at least one
    review flag of the scenario, each counted once however many findings they had."""
    query = select(func.count(func.distinct(ReviewFlag.registrant_id))).where(
        ReviewFlag.scenario_id == scenario.id,
        ReviewFlag.registrant_id.in_(select(Plan.registrant_id)),
    )
    return int(session.execute(query).scalar_one())


def serious_without_plan(session: DbSession, scenario: DrillScenario) -> int:
    """People with a serious finding (⚠) of the drill and no plan: they rise in the plan queue
    for it, and the report counts them beside the plans flagged."""
    query = select(func.count(func.distinct(ReviewFlag.registrant_id))).where(
        ReviewFlag.scenario_id == scenario.id,
        ReviewFlag.serious.is_(True),
        ReviewFlag.registrant_id.not_in(select(Plan.registrant_id)),
    )
    return int(session.execute(query).scalar_one())


def never_reached(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    weights: Mapping[str, int],
    bands: Bands,
    limit: int | None = None,
) -> list[Person]:
    """The people never reached (no report that says how they are: only 未確認 or
    不在・連絡つかず, or none), as the viewer may see them (through
    roster.access.fetch), by register number; the first `limit` of them if given."""
    timed = m.timed(session, viewer, operation, weights, bands)
    ids = select(timed.c.registrant_id).where(timed.c.seconds.is_(None))
    query = (
        visible_registrants(viewer)
        .where(Registrant.id.in_(ids))
        .order_by(Registrant.id)
        .limit(limit)
    )
    return people(session, viewer, query)


# ---------------------------------------------------------------------------------------------
# Charts.
# ---------------------------------------------------------------------------------------------


def timeline_chart(figures: m.DrillMeasure) -> Chart:
    """Reached per BUCKET_MINUTES (bars) and the running share of the drill's people (line),
    laid out as the operation report's chart is; the x labels are minutes."""
    start = figures.operation.started_at
    hours = [
        HourBucket(b.minute, start + timedelta(minutes=b.minute), b.count, b.cumulative,
                   b.open_ended)
        for b in figures.timeline
    ]  # fmt: skip
    return chart(hours, figures.overall.people)


BAR_WIDTH, LABEL_WIDTH, ROW_HEIGHT, BAR_TOP = 420, 96, 24, 8
#: The minutes the district chart's darker bar is for.
BAR_MINUTES = 60


@dataclass(frozen=True)
class DistrictBar:
    label: str
    y: float
    #: Widths of the share reached within BAR_MINUTES and by the end.
    within: float
    reached: float
    within_share: float
    reached_share: float
    #: The share within BAR_MINUTES as shown beside the bar (measure.floor_percent).
    percent: str


@dataclass(frozen=True)
class BarChart:
    bars: list[DistrictBar]
    width: int = BAR_WIDTH
    left: int = LABEL_WIDTH
    span: int = BAR_WIDTH - LABEL_WIDTH - 60
    row: int = ROW_HEIGHT

    @property
    def height(self) -> int:
        return BAR_TOP * 2 + ROW_HEIGHT * len(self.bars) + 20

    @property
    def empty(self) -> bool:
        return not self.bars


def district_chart(rows: list[m.GroupRow]) -> BarChart:
    """One bar per district: the share reached within BAR_MINUTES (dark) and by the end."""
    span = BAR_WIDTH - LABEL_WIDTH - 60
    bars = []
    for i, row in enumerate(rows):
        within = (row.share(BAR_MINUTES) or 0.0) if row.people else 0.0
        reached = row.reached / row.people if row.people else 0.0
        bars.append(DistrictBar(row.label, BAR_TOP + i * ROW_HEIGHT, round(span * within, 1),
                                round(span * reached, 1), within, reached,
                                row.percent(BAR_MINUTES) or "0"))  # fmt: skip
    return BarChart(bars)


# ---------------------------------------------------------------------------------------------
# The whole report.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AfterAction:
    scenario: DrillScenario
    figures: m.DrillMeasure
    results: list[m.Result]
    found: Findings
    flagged: int
    #: People with a serious finding and no plan yet.
    serious_unplanned: int
    #: Staff only: the people never reached (register numbers are shown, never names).
    unreached: list[Person] | None

    @property
    def met(self) -> int:
        return sum(1 for r in self.results if r.verdict is Verdict.MET)


def after_action(
    session: DbSession,
    viewer: Viewer,
    scenario: DrillScenario,
    weights: Mapping[str, int],
    bands: Bands,
    *,
    staff_label: str,
    unreached_limit: int | None = None,
    with_unreached: bool = False,
) -> AfterAction:
    """Every figure of the scenario's after-action report (its drill must have started)."""
    operation = scenario.operation
    assert operation is not None
    figures = m.measure(session, viewer, operation, weights, bands, staff_label)
    results = m.verdicts(session, viewer, operation, list(scenario.objectives), weights, bands)
    unreached = (
        never_reached(session, viewer, operation, weights, bands, unreached_limit)
        if with_unreached
        else None
    )
    return AfterAction(
        scenario, figures, results, findings(session, viewer, operation),
        flagged_plans(session, scenario), serious_without_plan(session, scenario), unreached,
    )  # fmt: skip
