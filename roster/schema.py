"""Whether the database's schema is the one this version of Roster expects.

Commands and pages that read the register on an empty or older database would fail with an
SQL error; they check first and say, in one line, what to run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from .config import PROJECT_DIR
from .extensions import db
from .i18n import cli_locale

F = TypeVar("F", bound=Callable[..., Any])


@functools.cache
def _heads(migrations: Path) -> frozenset[str]:
    return frozenset(ScriptDirectory(str(migrations)).get_heads())


def schema_problem() -> str | None:
    """None when the database is at the newest revision; otherwise one sentence saying so
    and what to run."""
    engine = db.engine
    if engine is None:
        return _("The database cannot be opened. Check its address, then run roster db upgrade.")
    try:
        with engine.connect() as connection:
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError:
        return _("The database cannot be opened. Check its address, then run roster db upgrade.")
    if current == _heads(PROJECT_DIR / "migrations"):
        return None
    if not current:
        return _("The database has no tables yet: run roster db upgrade.")
    return _("The database is older than this version of Roster: run roster db upgrade.")


def needs_current_schema(command: F) -> F:
    """A CLI command that stops with one line, not a traceback, on an out-of-date database."""

    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        with force_locale(cli_locale()):
            problem = schema_problem()
        if problem is not None:
            raise click.ClickException(problem)
        return command(*args, **kwargs)

    return checked  # type: ignore[return-value]


def register(app: Flask) -> None:
    """Pages answer 503 with the same sentence until the schema is current; once it is, the
    check is not made again in this process."""
    app.extensions["schema_current"] = False

    def check_schema() -> Any:
        if current_app.extensions["schema_current"]:
            return None
        # The default language: choosing the user's would read the users table.
        with force_locale(current_app.config["LOCALES"][0]):
            problem = schema_problem()
        if problem is None:
            current_app.extensions["schema_current"] = True
            return None
        return problem, 503, {"Content-Type": "text/plain; charset=utf-8"}

    # First of all hooks: the others (sign-in, sessions) read the database.
    app.before_request_funcs.setdefault(None, []).insert(0, check_schema)
