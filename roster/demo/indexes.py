"""Loading many people into empty tables is faster without their indexes: each row inserted
updates every index of its table, while an index built afterwards reads the table once.

The indexes are read from the database as it stands (their own CREATE statements), dropped,
and made again from those statements, in the same transaction. Indexes that back a key or a
unique constraint stay.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, text

from ..extensions import DbSession

#: The tables the demo fills with a row (or many) per person (the emergency contacts keep
#: theirs: scoring reads them person by person).
BULK_TABLES = ("registrants", "registrant_grams", "consent_records", "consent_record_scopes")

_SQLITE = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    " AND tbl_name IN :tables ORDER BY name"
).bindparams(bindparam("tables", expanding=True))
_POSTGRESQL = text(
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    " AND tablename IN :tables AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    " ORDER BY indexname"
).bindparams(bindparam("tables", expanding=True))


def secondary_indexes(session: DbSession, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """The (name, CREATE statement) of each index of these tables that no constraint needs."""
    dialect = session.get_bind().dialect.name
    query = _POSTGRESQL if dialect == "postgresql" else _SQLITE
    return [(r[0], r[1]) for r in session.connection().execute(query, {"tables": list(tables)})]


@contextmanager
def built_afterwards(session: DbSession, tables: tuple[str, ...] = BULK_TABLES) -> Iterator[None]:
    """Drop the tables' secondary indexes for the block, and build them again after it."""
    connection = session.connection()
    found = secondary_indexes(session, tables)
    for name, _create in found:
        connection.execute(text(f'DROP INDEX "{name}"'))
    yield
    for _name, create in found:
        connection.execute(text(create))
