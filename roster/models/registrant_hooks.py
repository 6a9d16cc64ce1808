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

from typing import Any

from sqlalchemy import BinaryExpression, BindParameter, event, select
from sqlalchemy.orm import ORMExecuteState, Session

from .registrant_versions import TRACKED, diff, flushed_changes, read_fields, write_versions
from .registrants import Registrant

_TABLE = Registrant.__table__


@event.listens_for(Session, "after_flush")
def _versions_of_flushed(session: Session, _context: Any) -> None:
    changes = {
        person.id: fields
        for person in session.dirty
        if isinstance(person, Registrant) and (fields := flushed_changes(person))
    }
    write_versions(session, changes)


@event.listens_for(Session, "do_orm_execute")
def _versions_of_updates(state: ORMExecuteState) -> Any:
    statement = state.statement
    table = getattr(statement, "table", None)
    if not state.is_update or getattr(table, "name", "") != Registrant.__tablename__:
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
    write_versions(session, {i: diff(before[i], after[i]) for i in ids if i in after})
    return result


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
