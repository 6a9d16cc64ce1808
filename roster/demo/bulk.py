"""Bulk inserts for the tables the demo fills with a row (or many) per person.

The rows go to the database driver as tuples (executemany; on PostgreSQL, COPY), each value
converted as SQLAlchemy would convert it (the column type's bind processor: enums, dates,
times, JSON), so a row is stored exactly as an ordinary insert stores it, without a
statement compiled, a parameter dictionary copied and a session event fired for every chunk
of it. Columns a row leaves out get their column's default, as an ordinary insert gives them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Connection, Table

from ..extensions import DbSession

#: Rows per executemany().
BATCH = 20_000
#: SQLite's page cache while the demo loads (KiB): the search grams go into their table in
#: the order of the people, not of the grams (about a third faster than with SQLite's default
#: of 2 MB, where most of those writes read a page back first), and the indexes built
#: afterwards sort in memory.
LOAD_CACHE_KIB = 131_072


@contextmanager
def sqlite_cache_for_load(session: DbSession) -> Iterator[None]:
    """On SQLite, a larger page cache for the block (the connection's own is set back after)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")


def table_of(model: Any) -> Table:
    """The table of a mapped class (or the table itself)."""
    return model if isinstance(model, Table) else cast(Table, model.__table__)


def insert_rows(session: DbSession, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows of one table (dicts keyed by column name) in bulk."""
    if not rows:
        return
    table = table_of(model)
    keys = list(dict.fromkeys(key for row in rows[:1] for key in row))
    keys += sorted({key for row in rows for key in row} - set(keys))
    filled = _defaults(table, [c.name for c in table.c if c.name not in keys])
    # A key some rows leave out: its column's default, as for the columns all leave out.
    missing = _defaults(table, keys)
    values = [[row.get(key, missing.get(key)) for row in rows] for key in keys]
    names = keys + list(filled)
    values += [[value] * len(rows) for value in filled.values()]
    insert_columns(session.connection(), table, names, values)


def insert_columns(
    connection: Connection, table: Table, names: Sequence[str], columns: Sequence[Sequence[Any]]
) -> None:
    """Insert the rows whose values are given column by column (each as long as the others)."""
    dialect = connection.dialect
    converted = []
    for name, column in zip(names, columns, strict=True):
        process = _processor(table, name, dialect)
        converted.append(column if process is None else [process(value) for value in column])
    rows = list(zip(*converted, strict=True))
    if not rows:
        return
    cursor: Any = connection.connection.cursor()
    try:
        if dialect.name == "postgresql":
            _copy(cursor, connection, table, names, rows)
            return
        sql = _statement(connection, table, names)
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    finally:
        cursor.close()


def _copy(
    cursor: Any, connection: Connection, table: Table, names: Sequence[str], rows: list[Any]
) -> None:
    """The rows by PostgreSQL's COPY (psycopg), several times faster than INSERTs."""
    quote = connection.dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    with cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _processor(table: Table, name: str, dialect: Any) -> Callable[[Any], Any] | None:
    column_type = table.c[name].type
    return cast(Any, column_type.dialect_impl(dialect).bind_processor(dialect))


def _statement(connection: Connection, table: Table, names: Iterable[str]) -> str:
    """INSERT INTO table (names…) VALUES (?, …) in the driver's placeholder style (the
    names are the table's own, quoted; the values go as parameters)."""
    quote = connection.dialect.identifier_preparer.quote
    names = list(names)
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(quote(name) for name in names)
    marks = ", ".join([mark] * len(names))
    return f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})"  # noqa: S608


def _defaults(table: Table, names: Iterable[str]) -> dict[str, Any]:
    """The default of each of these columns that has one computed in Python (a value, or a
    function called once for the whole insert)."""
    filled: dict[str, Any] = {}
    for name in names:
        column = table.c[name]
        default = cast(Any, column.default)
        if default is None:
            continue
        if default.is_scalar:
            filled[name] = default.arg
        elif default.is_callable:
            filled[name] = default.arg(None)
    return filled
