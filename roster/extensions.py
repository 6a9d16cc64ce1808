"""The database: one engine per app, the request-scoped session and SQLite's write locks.

Nothing here imports Flask (the app is only a type), so the access rule and the models may
name the session's type. The Flask extensions are created where they are configured: sign-in
and CSRF in roster.security, languages in roster.i18n."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from .files import private_dir, private_file

if TYPE_CHECKING:
    from flask import Flask

#: What operations take: the request's scoped session or a plain one (scripts, tests).
DbSession = Session | scoped_session[Session]


class Database:
    """One engine per app and a request-scoped session, removed when the app context ends."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        # A request commits once, at its end, then renders what it loaded: nothing to expire.
        self.session: scoped_session[Session] = scoped_session(sessionmaker(expire_on_commit=False))

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"], echo=app.config["DATABASE_ECHO"])
        self.session.configure(bind=self.engine)
        app.teardown_appcontext(self._remove_session)

    def _remove_session(self, exc: BaseException | None) -> None:
        self.session.remove()


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine; SQLite gets foreign keys, WAL, a busy timeout and write locks taken up front
    (see take_write_lock) on every connection."""
    # hide_parameters: a database error must not copy personal data into the logs.
    engine = create_engine(url, echo=echo, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        private_sqlite_files(engine.url.database)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _sqlite_lock_before_write)
    return engine


def private_sqlite_files(database: str | None) -> None:
    """Create the SQLite file 0600 before SQLite does (it gives -wal and -shm the database
    file's mode), and tighten an existing database and its -wal and -shm."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    private_dir(path.parent)
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if name == path or name.exists():
            private_file(name)


#: connection.info key: this SQLite transaction holds the write lock.
_WRITING = "roster_sqlite_writing"
#: The first word of a statement that writes.
_WRITE_VERBS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})


def write_lock(session: DbSession) -> None:
    """Say that this transaction writes from here on, before reading what the write depends on.

    Use it when the reads that follow decide what is written and must not race with another
    request (sign-in counts the recent failures, then records one). Any other transaction is
    known to write at its first INSERT, UPDATE or DELETE, and take_write_lock() runs then by
    itself. PostgreSQL needs nothing here: it locks the rows a statement writes.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        take_write_lock(connection)


def take_write_lock(connection: Connection) -> None:
    """Make this SQLite transaction a writing one: end its reads and BEGIN IMMEDIATE.

    SQLite in WAL mode lets many readers and one writer work at once. A transaction that
    begins deferred reads from a snapshot; if another request commits a write before it
    writes itself, the upgrade to a write fails at once with "database is locked"
    (SQLITE_BUSY_SNAPSHOT), and the busy timeout cannot help because waiting would not make
    the snapshot current. So requests read in a deferred transaction, which never blocks
    anyone, and at the first write (or write_lock()) that transaction, which has written
    nothing, is ended and a new one begun IMMEDIATE: it waits, up to the busy timeout, for the
    write lock, then sees every committed change. Objects already loaded stay loaded; reads
    after this point are current and no other writer can slip in before the commit, which is
    as strong as PostgreSQL's READ COMMITTED, and edits still carry their version check.

    The lock is held until the request commits: operations write last and views commit before
    they render, so it never spans a template or a password hash. After the commit, lazy loads
    during rendering begin a new deferred transaction, which takes no lock. Inside a SAVEPOINT
    (the test suite's rolled-back transaction) nothing is changed.
    """
    if connection.info.get(_WRITING) or connection.in_nested_transaction():
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("COMMIT")  # nothing was written yet: this only drops the read snapshot
    raw.execute("BEGIN IMMEDIATE")
    connection.info[_WRITING] = True


def _sqlite_begin(connection: Connection) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented recipe
    # turns it off on connect and begins transactions here instead. Deferred: reading takes
    # no lock, and take_write_lock() upgrades safely when the transaction turns to writing.
    connection.exec_driver_sql("BEGIN")
    connection.info[_WRITING] = False


def _sqlite_lock_before_write(
    connection: Connection, _cursor: Any, statement: str, *_args: Any
) -> None:
    if connection.info.get(_WRITING) is False and _writes(statement):
        take_write_lock(connection)


def _writes(statement: str) -> bool:
    words = statement.lstrip().split(None, 1)
    return bool(words) and words[0].upper() in _WRITE_VERBS


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    _use_wal(cursor)
    cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL once: the mode is kept in the file, so a connection that finds it
    set writes nothing. Several workers creating the database at once may find it locked while
    one of them switches; they wait and look again (for up to a minute)."""
    for attempt in range(600):
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() not in ("wal", "memory"):
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 599:
                raise
            time.sleep(0.1)


def refresh_statistics(session: DbSession) -> None:
    """Let the query planner see the tables as they are now: run after bulk loads."""
    session.execute(text("ANALYZE"))


def vacuum_after_load(session: DbSession) -> None:
    """After a bulk load is committed, on PostgreSQL: VACUUM ANALYZE, outside any transaction.
    Freshly written pages are not yet marked all-visible, so until a vacuum every count and
    every index-only scan also reads the table; autovacuum gets there in its own time. SQLite
    needs nothing more than refresh_statistics()."""
    engine = session.get_bind().engine
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def advance_sequences(session: DbSession, *tables: type[Any]) -> None:
    """After rows were inserted with explicit IDs, move each table's ID sequence past them.

    PostgreSQL hands out IDs from a sequence that knows nothing of IDs a bulk INSERT chose
    itself, so the next ordinary insert would reuse one and fail on the primary key. SQLite
    takes the next ID from the table's largest, so it needs nothing. Call it after every bulk
    insert that writes `id`.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in tables:
        name = model.__table__.name
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - a model's table
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )


db = Database()
