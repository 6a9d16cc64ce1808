"""The priority queue, computed in the database (coverage.py counts plans by its score).

score_expression() is scoring.score() as SQL: one CASE per group of components, its
branches in the order scoring.strongest() walks them, the weights as bound parameters. So
the queue of 200,000 people is filtered, sorted and paged by the database, and only the
page's rows are read back; their reasons come from scoring.score(), the reference, which a
test holds equal to the SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import QueryableAttribute, selectinload

from ..access import fetch
from ..access.rule import Viewer, visible_registrants
from ..extensions import DbSession
from ..models import (
    EmergencyContact,
    Household,
    Mobility,
    Plan,
    PlanStatus,
    PlanTask,
    Registrant,
    RegistrantHazard,
    RegistrantStatus,
    ReviewFlag,
)
from .scoring import BANDS, GROUPS, Bands, Person, score, strongest

#: A plan in one of these states is a current plan: its person is no longer in the queue.
CURRENT_PLAN = (PlanStatus.AGREED, PlanStatus.NEEDS_REVIEW)
#: Sort keys the queue offers; every sort ends on the register number.
SORTS = ("score", "id", "district")


def named_supporter(dialect: str) -> ColumnElement[bool]:
    """The joined plan names at least one supporter: an object whose name is not blank.

    As scoring.Person.named_supporter is read by supporters_named(): a name that is missing,
    null, or only spaces does not count.
    """
    if dialect == "postgresql":
        return _named_supporter_postgresql()
    return _named_supporter_sqlite()


def _named_supporter_postgresql() -> ColumnElement[bool]:
    """named_supporter() with PostgreSQL's JSON functions (a non-array counts as empty)."""
    array = case(
        (func.json_typeof(Plan.supporters) == "array", Plan.supporters),
        else_=cast(literal("[]"), JSON),
    )
    items = func.json_array_elements(array).table_valued("value").alias("supporter")
    name = func.json_extract_path_text(items.c.value, "name")
    return exists(
        select(literal(1))
        .select_from(items)
        .where(
            func.json_typeof(items.c.value) == "object",
            func.trim(func.coalesce(name, "")) != "",
        )
    )


def _named_supporter_sqlite() -> ColumnElement[bool]:
    """named_supporter() with SQLite's JSON functions."""
    items = func.json_each(Plan.supporters).table_valued("value", "type").alias("supporter")
    name = func.json_extract(items.c.value, "$.name")
    return exists(
        select(literal(1))
        .select_from(items)
        .where(items.c.type == "object", func.trim(func.coalesce(name, "")) != "")
    )


def supporters_named(supporters: object) -> bool:
    """Python's reading of named_supporter(), for the reference score."""
    if not isinstance(supporters, list):
        return False
    for item in supporters:
        if isinstance(item, dict):
            name = item.get("name")
            if name is not None and str(name).strip(" "):
                return True
    return False


def conditions(dialect: str) -> dict[str, ColumnElement[bool]]:
    """Each component's condition over registrants outer-joined to their hazard row and plan."""
    return {
        "landslide_zone": RegistrantHazard.landslide_zone.is_not(None),
        "flood_rank_3_plus": RegistrantHazard.flood_rank >= 3,
        "flood_rank_2": RegistrantHazard.flood_rank == 2,
        "ventilator": Registrant.device_ventilator.is_(True),
        "medical_device": or_(
            Registrant.device_oxygen.is_(True),
            Registrant.device_suction.is_(True),
            Registrant.device_dialysis.is_(True),
        ),
        "bedridden": Registrant.mobility == Mobility.BEDRIDDEN,
        "wheelchair": Registrant.mobility == Mobility.WHEELCHAIR,
        "living_alone": Registrant.household == Household.ALONE,
        "elderly_only": Registrant.household == Household.ELDERLY_ONLY,
        # Without a plan, Plan.supporters is NULL: the EXISTS finds nothing.
        "no_supporter": and_(not_(named_supporter(dialect)), not_(has_emergency_contact())),
        "drill_finding": has_serious_finding(),
    }


def has_serious_finding() -> ColumnElement[bool]:
    """A drill's serious finding about the person that staff have not cleared."""
    return exists(
        select(ReviewFlag.id).where(
            ReviewFlag.registrant_id == Registrant.id,
            ReviewFlag.serious.is_(True),
            ReviewFlag.cleared_at.is_(None),
        )
    )


def has_emergency_contact() -> ColumnElement[bool]:
    return exists(
        select(EmergencyContact.id).where(EmergencyContact.registrant_id == Registrant.id)
    )


def score_expression(weights: Mapping[str, int], dialect: str) -> ColumnElement[int]:
    """scoring.score() in SQL: per group, the weight of the strongest component that applies."""
    where = conditions(dialect)
    parts = [
        case(
            *[(where[code], literal(weights[code])) for code in strongest(group, weights)],
            else_=literal(0),
        )
        for group in GROUPS
    ]
    total: ColumnElement[int] = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def band_condition(
    column: ColumnElement[int] | QueryableAttribute[int], band: str, bands: Bands
) -> ColumnElement[bool]:
    if band == "A":
        return column >= bands.a
    if band == "B":
        return and_(column >= bands.b, column < bands.a)
    return column < bands.b


def band_expression(column: ColumnElement[int], bands: Bands) -> ColumnElement[str]:
    return case((column >= bands.a, "A"), (column >= bands.b, "B"), else_="C")


def dialect_of(session: DbSession) -> str:
    return session.get_bind().dialect.name


def active_by_scan() -> ColumnElement[bool]:
    """The person is active, written so SQLite reads the table in order instead of through
    the status index: the score reads most columns of nearly every row, and fetching 200,000
    rows one by one through an index costs several times a plain scan. (PostgreSQL scans
    for a condition that nearly every row meets anyway.)"""
    return type_coerce(Registrant.status, String).concat("") == RegistrantStatus.ACTIVE.value


def scored(
    session: DbSession, weights: Mapping[str, int]
) -> Select[int, int, int, PlanStatus, int]:
    """Every active person with their score: id, district_id, score, plus the joined plan's
    status and whether a task exists, for filtering."""
    total = score_expression(weights, dialect_of(session))
    return (
        select(
            Registrant.id.label("id"),
            Registrant.district_id.label("district_id"),
            total.label("score"),
            Plan.status.label("plan_status"),
            PlanTask.registrant_id.label("task_id"),
        )
        .select_from(Registrant)
        .outerjoin(RegistrantHazard, RegistrantHazard.registrant_id == Registrant.id)
        .outerjoin(Plan, Plan.registrant_id == Registrant.id)
        .outerjoin(PlanTask, PlanTask.registrant_id == Registrant.id)
        .where(active_by_scan())
    )


def in_queue() -> ColumnElement[bool]:
    """No plan yet, or only a draft."""
    return or_(Plan.id.is_(None), Plan.status == PlanStatus.DRAFT)


@dataclass
class QueueFilter:
    """What the queue was asked for; unknown values are ignored."""

    district_id: int | None = None
    band: str = ""
    unassigned: bool = False
    sort: str = "score"

    def __post_init__(self) -> None:
        if self.band not in BANDS:
            self.band = ""
        if self.sort not in SORTS:
            self.sort = "score"


@dataclass
class QueueRow:
    """One person in the queue. `registrant` is the record the score reads, never shown;
    `person` is what the page shows, loaded through roster.access.fetch for the viewer."""

    registrant: Registrant
    score: int
    band: str
    reasons: list[tuple[str, int]]
    task: PlanTask | None
    plan: Plan | None
    person: fetch.Person | None = None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def people(
    session: DbSession,
    ids: list[int],
    weights: Mapping[str, int],
    bands: Bands,
    viewer: Viewer | None = None,
) -> list[QueueRow]:
    """The rows for these people, in this order, scored by the reference function; with a
    viewer, each with the Person the page shows (roster.access.fetch)."""
    if not ids:
        return []
    found = _registrants(session, ids)
    hazards, plans, tasks = _rows_beside(session, ids)
    flagged = seriously_flagged(session, ids)
    shown = _shown(session, viewer, ids) if viewer is not None else {}
    rows = []
    for i in ids:
        row = _scored_row(
            found[i], hazards.get(i), plans.get(i), tasks.get(i), weights, bands, i in flagged
        )
        row.person = shown.get(i)
        rows.append(row)
    return rows


def _scored_row(
    registrant: Registrant,
    hazard: RegistrantHazard | None,
    plan: Plan | None,
    task: PlanTask | None,
    weights: Mapping[str, int],
    bands: Bands,
    flagged: bool = False,
) -> QueueRow:
    """One person's row, scored by the reference function from their rows."""
    points, reasons = score(person_of(registrant, hazard, plan, flagged), weights)
    return QueueRow(registrant, points, bands.of(points), reasons, task, plan)


def _registrants(session: DbSession, ids: list[int]) -> dict[int, Registrant]:
    """The people's records, with the emergency contacts the score reads, by ID."""
    query = (
        select(Registrant)
        .where(Registrant.id.in_(ids))
        .options(selectinload(Registrant.emergency_contacts))
    )
    return {r.id: r for r in session.scalars(query)}


def _rows_beside(
    session: DbSession, ids: list[int]
) -> tuple[dict[int, RegistrantHazard], dict[int, Plan], dict[int, PlanTask]]:
    """The people's hazard rows, plans and tasks (with their assignees), by registrant ID."""
    hazards = _by_registrant(session, RegistrantHazard, ids)
    plans = _by_registrant(session, Plan, ids)
    tasks = _by_registrant(session, PlanTask, ids, selectinload(PlanTask.assignee))
    return hazards, plans, tasks


def _by_registrant(session: DbSession, model: Any, ids: list[int], *options: Any) -> dict[int, Any]:
    """The model's rows of these people (one each), by registrant ID."""
    query = select(model).where(model.registrant_id.in_(ids)).options(*options)
    return {row.registrant_id: row for row in session.scalars(query)}


def _shown(session: DbSession, viewer: Viewer, ids: list[int]) -> dict[int, fetch.Person]:
    """The people as the viewer may see them, by ID."""
    query = visible_registrants(viewer).where(Registrant.id.in_(ids))
    return {p.registrant_id: p for p in fetch.people(session, viewer, query)}


def seriously_flagged(session: DbSession, ids: Iterable[int]) -> set[int]:
    """Which of these people carry an uncleared serious drill finding (for the reference)."""
    query = select(ReviewFlag.registrant_id).where(
        ReviewFlag.registrant_id.in_(list(ids)),
        ReviewFlag.serious.is_(True),
        ReviewFlag.cleared_at.is_(None),
    )
    return set(session.scalars(query))


def person_of(
    registrant: Registrant,
    hazard: RegistrantHazard | None,
    plan: Plan | None,
    serious_finding: bool = False,
) -> Person:
    """What the score reads about a person, from their rows (and whether a drill found
    something serious about them: seriously_flagged())."""
    return Person(
        flood_rank=hazard.flood_rank if hazard else None,
        landslide_zone=hazard.landslide_zone if hazard else None,
        ventilator=registrant.device_ventilator,
        other_device=registrant.device_oxygen
        or registrant.device_suction
        or registrant.device_dialysis,
        mobility=registrant.mobility.value,
        household=registrant.household.value,
        named_supporter=plan is not None and supporters_named(plan.supporters),
        emergency_contact=bool(registrant.emergency_contacts),
        serious_finding=serious_finding,
    )


def sql_scores(
    session: DbSession, weights: Mapping[str, int], ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Every active person's score as the database computes it (for tests and the demo)."""
    query = scored(session, weights)
    if ids is not None:
        query = query.where(Registrant.id.in_(list(ids)))
    return {row.id: row.score for row in session.execute(query)}


def queue_ids(session: DbSession, ids: Iterable[int]) -> set[int]:
    """Which of these IDs are in the queue (active, no current plan)."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Registrant.id)
            .outerjoin(Plan, Plan.registrant_id == Registrant.id)
            .where(
                Registrant.id.in_(wanted),
                Registrant.status == RegistrantStatus.ACTIVE,
                in_queue(),
            )
        )
    )
