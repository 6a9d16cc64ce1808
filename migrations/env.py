"""Alembic environment: the models' metadata, batch mode on SQLite."""

from __future__ import annotations

import warnings
from typing import Any

from alembic import context
from sqlalchemy import engine_from_config, pool

from roster.extensions import private_sqlite_files
from roster.models import Base

config = context.config
target_metadata = Base.metadata

#: Indexes on an expression (the family name alone, migration 0022): SQLAlchemy does not read
#: them back from a database, so autogenerate would always think them missing. They are made
#: by their migration; a batch rebuild of registrants on SQLite must make them again.
EXPRESSION_INDEXES = frozenset(
    {"ix_registrants_family_search", "ix_registrants_family_kana_search"}
)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    if engine.dialect.name == "sqlite":
        # A database made by `roster db upgrade` is owner-only from its first byte.
        private_sqlite_files(engine.url.database)
    with engine.connect() as conn:
        _run(conn)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    if connection.dialect.name == "sqlite":
        # Batch mode rebuilds a table by copy, drop and rename; with foreign keys enforced the
        # drop would cascade into emergency contacts. SQLite takes this only outside a
        # transaction, so it comes first.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
