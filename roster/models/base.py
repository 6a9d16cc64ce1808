"""Declarative base, naming conventions and column helpers shared by every model."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, MetaData, String, TypeDecorator
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

# Named constraints let Alembic's batch mode rebuild SQLite tables reliably.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp kept in UTC; SQLite hands back naive values, which are re-tagged as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def enum_column(enum_cls: type[enum.Enum]) -> SAEnum:
    """A portable enum column storing the members' values as plain strings."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda cls: [m.value for m in cls],
        name=enum_cls.__name__.lower(),
    )


def search_key_type(length: int) -> String:
    """Text compared by code point on both databases, so prefix ranges can use an index."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class SnapshotColumns:
    """The columns of a version row: a full snapshot of a record after a save, the names of
    the terms the save changed, and who saved it when (agreements, plans)."""

    version: Mapped[int] = mapped_column(Integer)
    #: Every term as it stood, as JSON-ready values.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The names of the terms this version changed.
    changed: Mapped[list[str]] = mapped_column(JSON, default=list)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @declared_attr
    def changed_by(cls) -> Mapped[Any]:  # noqa: N805 - SQLAlchemy passes the class
        return relationship("User")
