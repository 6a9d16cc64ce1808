"""The session hooks that keep a version of every change to a person (registrant_versions).

Two ways a person's row changes, two hooks on every Session:

- a flush of a loaded Registrant (the form, anything that sets its attributes): after_flush
  reads each changed attribute's history;
- a Core or ORM UPDATE statement on the registrants table (imports, their undo, geocoding):
  do_orm_execute reads the affected rows' fields before and after the statement.

A statement that sets only untracked columns (the consent copies, the lock version) passes
through untouched.
"""

from __future__ import annotations

import re
from typing import Any, cast

from sqlalchemy import (
    BinaryExpression,
    BindParameter,
    Table,
    TextClause,
    delete,
    event,
    insert,
    select,
)
from sqlalchemy.orm import ORMExecuteState, Session

from ..text import bigrams
from .registrant_grams import RegistrantGram
from .registrant_versions import TRACKED, diff, flushed_changes, read_fields, write_versions
from .registrants import Registrant

_TABLE = cast(Table, Registrant.__table__)
_GRAMS = cast(Table, RegistrantGram.__table__)
#: The fields whose search keys are split into grams.
KEYED = ("name", "name_kana", "address")
CHUNK = 500


@event.listens_for(Session, "after_flush")
def _versions_of_flushed(session: Session, _context: Any) -> None:
    changes = {
        person.id: fields
        for person in session.dirty
        if isinstance(person, Registrant) and (fields := flushed_changes(person))
    }
    write_versions(session, changes)
    added = [p.id for p in session.new if isinstance(p, Registrant)]
    rekeyed = [i for i, fields in changes.items() if set(KEYED) & set(fields)]
    refresh_grams(session, added + rekeyed)


class UnversionedWriteError(RuntimeError):
    """Hand-written SQL that writes people: the hooks cannot see what it changed."""


_RAW_WRITE = re.compile(r"\b(update|insert\s+into|delete\s+from)\s+registrants\b", re.I)


@event.listens_for(Session, "do_orm_execute")
def _versions_of_updates(state: ORMExecuteState) -> Any:
    statement = state.statement
    if isinstance(statement, TextClause) and _RAW_WRITE.search(statement.text):
        raise UnversionedWriteError("write people with update(Registrant), not SQL text")
    table = getattr(statement, "table", None)
    if getattr(table, "name", "") != Registrant.__tablename__:
        return None
    if state.is_insert:
        return _grams_of_inserted(state)
    if not state.is_update:
        return None
    params = state.parameters
    names = sorted(_set_columns(statement, params) & set(TRACKED))
    if not names:
        return None
    session = state.session
    ids = _affected(session, statement, params)
    before = read_fields(session, ids, names)
    result = state.invoke_statement()
    after = read_fields(session, ids, names)
    changes = {i: diff(before[i], after[i]) for i in ids if i in after}
    write_versions(session, changes)
    refresh_grams(session, [i for i, fields in changes.items() if set(KEYED) & set(fields)])
    return result


def _grams_of_inserted(state: ORMExecuteState) -> Any:
    """Insert the people, then the grams of their keys (found again by resident ID)."""
    result = state.invoke_statement()
    params: Any = state.parameters
    rows: list[dict[str, Any]] = params if isinstance(params, list) else [params or {}]
    numbers = [row["resident_no"] for row in rows if "resident_no" in row]
    session = state.session
    for start in range(0, len(numbers), CHUNK):
        query = select(_TABLE.c.id).where(_TABLE.c.resident_no.in_(numbers[start : start + CHUNK]))
        refresh_grams(session, list(session.connection().execute(query).scalars()))
    return result


def refresh_grams(session: Session, ids: list[int]) -> None:
    """Write again the grams of these people, from their keys as stored now."""
    connection = session.connection()
    keys = (_TABLE.c.id, _TABLE.c.name_key, _TABLE.c.kana_key, _TABLE.c.address_key)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        connection.execute(delete(_GRAMS).where(_GRAMS.c.registrant_id.in_(chunk)))
        rows = connection.execute(select(*keys).where(_TABLE.c.id.in_(chunk)))
        values = [
            {"gram": gram, "registrant_id": row.id}
            for row in rows
            for gram in bigrams(row.name_key or "", row.kana_key or "", row.address_key or "")
        ]
        if values:
            connection.execute(insert(_GRAMS), values)


def _set_columns(statement: Any, params: Any) -> set[str]:
    """The names of the columns the UPDATE sets."""
    values = getattr(statement, "_values", None) or {}
    names = {getattr(key, "key", key) for key in values}
    if isinstance(params, list) and params and not values:
        names |= set(params[0]) - {"id"}  # an ORM bulk update by primary key
    return names


def _affected(session: Session, statement: Any, params: Any) -> list[int]:
    """The IDs of the people the UPDATE will write, without running it."""
    where = statement.whereclause
    if isinstance(params, list):
        if where is None:
            return [p["id"] for p in params]
        bind = _id_bind(where)
        if bind is not None and all(bind in p for p in params):
            return [p[bind] for p in params]
        found: set[int] = set()
        for one in params:
            found.update(_matching(session, where, one))
        return sorted(found)
    return _matching(session, where, params or {})


def _id_bind(where: Any) -> str | None:
    """The parameter name of `id = :name`, the shape of every per-person bulk UPDATE."""
    if (
        isinstance(where, BinaryExpression)
        and getattr(where.left, "key", None) == "id"
        and isinstance(where.right, BindParameter)
    ):
        return str(where.right.key)
    return None


def _matching(session: Session, where: Any, params: dict[str, Any]) -> list[int]:
    query = select(_TABLE.c.id)
    if where is not None:
        query = query.where(where)
    return list(session.connection().execute(query, params).scalars())
