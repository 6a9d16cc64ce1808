"""Each person's priority score kept in columns, and coverage and sharing kept in counters.

The plan queue and the coverage tables read what is stored here instead of scoring every
active person per request: the queue walks an index on (in_queue, priority_score DESC, id),
coverage adds up priority_counts (people per district, status, score and plan state), and
so does the register list's count when it is filtered by nothing but status and district.
A partner's list is counted from sharing_counts (people per district, status, consent state
and consent scope) under the access rule's own condition.

What changes a score or a count: the person's row (devices, mobility, household, status,
district, consent state and scope), their emergency contacts, their hazard flags, their
plan, a drill's serious finding, and the weights in config. The hooks below note the people
touched, by flush (ORM objects) or by statement (Core INSERT, UPDATE, DELETE on those
tables), in the session; settle() scores them again from the reference SQL
(queries.score_expression) and moves the counters by the difference — before commit and
before anything reads what is stored, so it is always in the same transaction as the change.
A write whose people cannot be told marks everyone; rebuild() then scores everyone again.
When config's weights differ from those the scores were stored with, the next read rebuilds.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, cast

from flask import current_app, has_app_context
from sqlalchemy import (
    BinaryExpression,
    BindParameter,
    Table,
    TextClause,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session

from ..extensions import DbSession
from ..models import (
    EmergencyContact,
    Plan,
    PlanStatus,
    PriorityCount,
    PrioritySettings,
    Registrant,
    RegistrantHazard,
    RegistrantStatus,
    ReviewFlag,
    Role,
    SharingCount,
)
from .queries import CURRENT_PLAN, score_expression
from .scoring import DEFAULT_WEIGHTS

_PEOPLE = cast(Table, Registrant.__table__)
_COUNTS = cast(Table, PriorityCount.__table__)
_SHARING = cast(Table, SharingCount.__table__)
#: What a person is counted under, as stored on their row (None: not counted yet).
_COUNTED = (
    _PEOPLE.c.counted_district_id, _PEOPLE.c.counted_status, _PEOPLE.c.priority_score,
    _PEOPLE.c.plan_state, _PEOPLE.c.counted_consent_state, _PEOPLE.c.counted_consent_scope,
)  # fmt: skip
#: Each counter table: its key columns, by their place in a person's counted key.
_TABLES = (
    (_COUNTS, {"district_id": 0, "status": 1, "score": 2, "plan_state": 3}),
    (_SHARING, {"district_id": 0, "status": 1, "consent_state": 4, "consent_scope": 5}),
)
#: The tables whose rows name a person (registrant_id) and feed the score.
_BESIDE = {
    model.__tablename__: cast(Table, model.__table__)
    for model in (EmergencyContact, RegistrantHazard, Plan, ReviewFlag)
}
_WATCHED = (Registrant, EmergencyContact, RegistrantHazard, Plan, ReviewFlag)
_RAW_WRITE = re.compile(
    r"\b(update|insert\s+into|delete\s+from)\s+(" + "|".join(_BESIDE) + r")\b", re.I
)
CHUNK = 500
#: People scored at once when everyone is (by register number, a range at a time).
SPAN = 20_000
_PENDING, _EVERYONE, _NEW, _GONE = (
    "priority_pending", "priority_everyone", "priority_new", "priority_gone"
)  # fmt: skip

#: Registrant.plan_state values.
NO_PLAN, DRAFT, CURRENT = "none", "draft", "current"
QUEUED_STATES = (NO_PLAN, DRAFT)
ACTIVE = RegistrantStatus.ACTIVE.value
#: Roles whose access rule is no more than a status (staff: none; planners: active people):
#: the counters count what they see. Anyone else is counted person by person.
COUNTED_ROLES = (Role.STAFF, Role.PLANNER)


def weights_now() -> Mapping[str, int]:
    """The weights in config (the defaults outside an app)."""
    if has_app_context():
        return cast(Mapping[str, int], current_app.config.get("PLAN_PRIORITY_WEIGHTS"))
    return DEFAULT_WEIGHTS


# ---------------------------------------------------------------------------------------------
# Noting who was touched
# ---------------------------------------------------------------------------------------------


def _pending(session: DbSession) -> set[int]:
    return cast(set[int], session.info.setdefault(_PENDING, set()))


def touch(session: DbSession, ids: Iterable[int]) -> None:
    """Note people whose score or counts may have changed."""
    _pending(session).update(i for i in ids if i is not None)


def touch_everyone(session: DbSession) -> None:
    session.info[_EVERYONE] = True


@event.listens_for(Session, "after_flush")
def _touched_by_flush(session: Session, _context: Any) -> None:
    ids = _pending(session)
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Registrant):
            ids.add(obj.id)
        elif _beside(obj):
            ids.add(obj.registrant_id)
    ids.update(obj.registrant_id for obj in session.deleted if _beside(obj))


@event.listens_for(Session, "before_flush")
def _deleted_people(session: Session, _context: Any, _instances: Any) -> None:
    """People about to be deleted: what they are counted under, read while they are there."""
    gone = [obj for obj in session.deleted if isinstance(obj, Registrant)]
    _forget(session, [tuple(getattr(p, c.key) for c in _COUNTED) for p in gone])


def _beside(obj: object) -> bool:
    return isinstance(obj, _WATCHED) and not isinstance(obj, Registrant)


@event.listens_for(Session, "do_orm_execute")
def _touched_by_statement(state: ORMExecuteState) -> None:
    """Note the people a Core statement will write (never runs the statement itself)."""
    statement = state.statement
    session = state.session
    if session.info.get(_EVERYONE):
        return  # everyone is scored again anyway
    if isinstance(statement, TextClause):
        if _RAW_WRITE.search(statement.text):
            touch_everyone(session)
        return
    table = getattr(statement, "table", None)
    name = getattr(table, "name", "")
    if name != _PEOPLE.name and name not in _BESIDE:
        return
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    params: Any = state.parameters
    rows: list[dict[str, Any]] = params if isinstance(params, list) else [params or {}]
    if name == _PEOPLE.name:
        _people_statement(state, rows)
    elif state.is_insert:
        _ids_or_everyone(session, [row.get("registrant_id") for row in rows])
    else:
        _matching(session, statement, rows, _BESIDE[name].c.registrant_id)


def _people_statement(state: ORMExecuteState, rows: list[dict[str, Any]]) -> None:
    session = state.session
    if state.is_insert:
        numbers = [row.get("resident_no") for row in rows]
        if None in numbers:
            touch_everyone(session)
        else:
            session.info.setdefault(_NEW, set()).update(numbers)
        return
    if state.is_update and not _sets_scored_columns(state.statement, rows):
        return
    if state.is_delete:
        where = cast(Any, state.statement).whereclause
        for row in rows:
            query = select(*_COUNTED)
            query = query.where(where) if where is not None else query
            _forget(session, [tuple(r) for r in session.connection().execute(query, row)])
        return
    _matching(session, state.statement, rows, _PEOPLE.c.id)


#: The people's columns the score or the counters read.
SCORED_COLUMNS = frozenset({
    "device_ventilator", "device_oxygen", "device_suction", "device_dialysis", "mobility",
    "household", "status", "district_id", "consent_state", "consent_scope",
})  # fmt: skip


def _sets_scored_columns(statement: Any, rows: list[dict[str, Any]]) -> bool:
    """Whether an UPDATE of people sets a column the score or the counters read."""
    values = getattr(statement, "_values", None) or {}
    names = {getattr(key, "key", key) for key in values}
    if rows and rows[0] and not values:
        names |= set(rows[0])  # an ORM bulk update by primary key
    return bool(names & SCORED_COLUMNS)


def _matching(session: Session, statement: Any, rows: list[dict[str, Any]], column: Any) -> None:
    """Note the people an UPDATE or DELETE will touch, read before it runs: from the
    parameters when it writes `id = :name` (or `registrant_id = :name`) row by row."""
    where = statement.whereclause
    bind = _bound_key(where, column.key)
    if bind is not None and all(bind in row for row in rows):
        touch(session, [row[bind] for row in rows])
        return
    if where is None and not rows[0]:
        touch_everyone(session)
        return
    if where is None:  # an ORM bulk update by primary key
        key = "id" if column is _PEOPLE.c.id else "registrant_id"
        _ids_or_everyone(session, [row.get(key) for row in rows])
        return
    for row in rows:
        touch(session, session.connection().execute(select(column).where(where), row).scalars())


def _bound_key(where: Any, column: str) -> str | None:
    """The parameter name of `column = :name`, the shape of a per-person bulk statement."""
    if (
        isinstance(where, BinaryExpression)
        and getattr(where.left, "key", None) == column
        and isinstance(where.right, BindParameter)
    ):
        return str(where.right.key)
    return None


def _ids_or_everyone(session: Session, ids: list[int | None]) -> None:
    if None in ids:
        touch_everyone(session)
    else:
        touch(session, cast(list[int], ids))


def _forget(session: Session, keys: list[tuple[Any, ...]]) -> None:
    """People deleted: what they were counted under is taken off at settle()."""
    gone = cast(Counter[tuple[Any, ...]], session.info.setdefault(_GONE, Counter()))
    for key in keys:
        if key[1] is not None:
            gone[key] -= 1


@event.listens_for(Session, "before_commit")
def _settle_before_commit(session: Session) -> None:
    if any(session.info.get(k) for k in (_PENDING, _EVERYONE, _NEW, _GONE)) or session.dirty:
        settle(session)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    for key in (_PENDING, _EVERYONE, _NEW, _GONE):
        session.info.pop(key, None)


# ---------------------------------------------------------------------------------------------
# Scoring again
# ---------------------------------------------------------------------------------------------


def settle(session: DbSession, weights: Mapping[str, int] | None = None) -> None:
    """Score again everyone noted since the last settle, in this transaction, and move the
    counters. Safe to call any time; reads of stored scores call it first."""
    session.flush()
    weights = weights or weights_now()
    info = session.info
    if info.pop(_EVERYONE, False):
        for key in (_PENDING, _NEW, _GONE):
            info.pop(key, None)
        rebuild(session, weights)
        return
    ids = set(info.pop(_PENDING, set()))
    numbers = sorted(info.pop(_NEW, set()))
    connection = session.connection()
    for start in range(0, len(numbers), CHUNK):
        query = select(_PEOPLE.c.id).where(
            _PEOPLE.c.resident_no.in_(numbers[start : start + CHUNK])
        )
        ids.update(connection.execute(query).scalars())
    deltas: Counter[tuple[Any, ...]] = Counter(info.pop(_GONE, Counter()))
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        deltas.update(_rescore(session, weights, ordered[start : start + CHUNK]))
    _move_counters(session, deltas)


def _computed(session: DbSession, weights: Mapping[str, int], ids: Any) -> list[Any]:
    """Each person's score, plan state, place in the queue and counted district, as the
    reference SQL computes them now, beside what is stored."""
    dialect = session.get_bind().dialect.name
    state = case(
        (Plan.status.in_(CURRENT_PLAN), CURRENT),
        (Plan.status == PlanStatus.DRAFT, DRAFT),
        else_=NO_PLAN,
    )
    query = (
        select(
            Registrant.id,
            score_expression(weights, dialect).label("score"),
            state.label("state"),
            Registrant.district_id,
            Registrant.status,
            Registrant.consent_state,
            Registrant.consent_scope,
            *_COUNTED,
        )
        .select_from(Registrant)
        .outerjoin(RegistrantHazard, RegistrantHazard.registrant_id == Registrant.id)
        .outerjoin(Plan, Plan.registrant_id == Registrant.id)
    )
    if isinstance(ids, range):
        query = query.where(Registrant.id >= ids.start, Registrant.id < ids.stop)
    else:
        query = query.where(Registrant.id.in_(ids))
    return list(session.connection().execute(query))


def _rescore(
    session: DbSession, weights: Mapping[str, int], ids: list[int] | range
) -> Counter[tuple[Any, ...]]:
    """Store the computed values where they differ; the counters' moves, by key."""
    deltas: Counter[tuple[Any, ...]] = Counter()
    changed = []
    for row in _computed(session, weights, ids):
        status = str(row.status)  # the stored code (a StrEnum reads as its code)
        new = (
            row.district_id, status, int(row.score), row.state, str(row.consent_state),
            int(row.consent_scope or 0),
        )  # fmt: skip
        old = tuple(row[-len(_COUNTED) :])
        if new == old:
            continue
        changed.append({
            "pid": row.id, "district": new[0], "counted": status, "score": new[2],
            "state": new[3], "queued": status == ACTIVE and new[3] in QUEUED_STATES,
            "consent": new[4], "scope": new[5],
        })  # fmt: skip
        if old[1] is not None:
            deltas[old] -= 1
        deltas[new] += 1
        if len(changed) >= CHUNK:
            _store(session, changed)
            changed = []
    _store(session, changed)
    return deltas


def _store(session: DbSession, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    statement = (
        update(_PEOPLE)
        .where(_PEOPLE.c.id == bindparam("pid"))
        .values(
            priority_score=bindparam("score"),
            plan_state=bindparam("state"),
            counted_district_id=bindparam("district"),
            counted_status=bindparam("counted"),
            counted_consent_state=bindparam("consent"),
            counted_consent_scope=bindparam("scope"),
            in_queue=bindparam("queued"),
            updated_at=_PEOPLE.c.updated_at,  # derived values: the person was not edited
        )
    )
    session.connection().execute(statement, rows)


def _move_counters(session: DbSession, deltas: Counter[tuple[Any, ...]]) -> None:
    """Add each move to its counters, in key order (two transactions never wait on each
    other in opposite orders)."""
    dialect = session.get_bind().dialect.name
    for table, places in _TABLES:
        projected: Counter[tuple[Any, ...]] = Counter()
        for key, n in deltas.items():
            projected[tuple(key[i] for i in places.values())] += n
        # A key with a None was never counted in this table (counted before it existed):
        # the next read counts everyone again.
        kept = sorted((k, n) for k, n in projected.items() if n and None not in k)
        moves = [{**dict(zip(places, key, strict=True)), "people": n} for key, n in kept]
        if not moves:
            continue
        upsert: Any = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
        upsert = upsert.on_conflict_do_update(
            index_elements=list(places),
            set_={"people": table.c.people + upsert.excluded.people},
        )
        session.connection().execute(upsert, moves)


def rebuild(
    session: DbSession, weights: Mapping[str, int] | None = None, progress: Any = None
) -> None:
    """Score everyone again and count the counters afresh; remember the weights. `progress`
    (a tqdm bar, say) is told each range of register numbers done."""
    session.flush()
    weights = weights or weights_now()
    connection = session.connection()
    low, high = connection.execute(select(func.min(_PEOPLE.c.id), func.max(_PEOPLE.c.id))).one()
    if progress is not None:
        progress.reset(total=max(0, (high or 0) - (low or 0) + 1))
    for start in range(low or 0, (high or 0) + 1, SPAN):
        _rescore(session, weights, range(start, start + SPAN))
        if progress is not None:
            progress.update(min(SPAN, (high or 0) + 1 - start))
    for table, places in _TABLES:
        connection.execute(delete(table))
        groups = [_COUNTED[i] for i in places.values()]
        connection.execute(
            insert(table).from_select(
                [*places, "people"],
                select(*groups, func.count())
                .where(_PEOPLE.c.counted_status.is_not(None))
                .group_by(*groups),
            )
        )
    stored = session.get(PrioritySettings, 1)
    if stored is None:
        session.add(PrioritySettings(id=1, weights=fingerprint(weights)))
    else:
        stored.weights = fingerprint(weights)
    session.flush()


def fingerprint(weights: Mapping[str, int]) -> str:
    return json.dumps(dict(sorted(weights.items())), separators=(",", ":"))


def ready(session: DbSession, weights: Mapping[str, int]) -> None:
    """Before reading stored scores: settle what is pending, and score everyone again when
    they were stored with other weights (or never)."""
    stored = session.scalar(select(PrioritySettings.weights).where(PrioritySettings.id == 1))
    if stored != fingerprint(weights) and _claimed(session) != fingerprint(weights):
        touch_everyone(session)
    settle(session, weights)


def _claimed(session: DbSession) -> str:
    """The stored weights, read again holding the settings row: when two requests find the
    weights changed at once, one scores everyone and the other waits for it and finds them
    stored (never a duplicate settings row, never two rebuilds in a race)."""
    dialect = session.get_bind().dialect.name
    add: Any = (pg_insert if dialect == "postgresql" else sqlite_insert)(PrioritySettings)
    session.execute(add.values(id=1, weights="").on_conflict_do_nothing(index_elements=["id"]))
    held = select(PrioritySettings.weights).where(PrioritySettings.id == 1).with_for_update()
    return str(session.scalar(held.execution_options(populate_existing=True)) or "")
