"""Extensions, created unbound and attached to the app in create_app()."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from .files import private_dir, private_file

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
    """An engine; SQLite gets foreign keys, WAL and a busy timeout on every connection."""
    # hide_parameters: a database error must not copy personal data into the logs.
    engine = create_engine(url, echo=echo, hide_parameters=True)
    if engine.dialect.name == "sqlite":
        private_sqlite_files(engine.url.database)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
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


def _sqlite_begin(connection: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented recipe
    # turns it off on connect and begins transactions here instead.
    connection.exec_driver_sql("BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def refresh_statistics(session: DbSession) -> None:
    """Let the query planner see the tables as they are now: run after bulk loads."""
    session.execute(text("ANALYZE"))


db = Database()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
