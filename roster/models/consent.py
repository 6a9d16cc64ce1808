"""Consent records: an append-only history per registrant and purpose.

A record is never updated or deleted. The ORM refuses it (see the flush guard below) and so
does the database (triggers created with the table), so the history is the evidence.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import DbSession
from .base import Base, UTCDateTime, enum_column, utcnow
from .partners import PartnerCategory

if TYPE_CHECKING:
    from .users import User


class ConsentState(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  #: 未確認: not asked yet, or no answer
    CONSENTED = "consented"  #: 同意
    REFUSED = "refused"  #: 不同意
    WITHDRAWN = "withdrawn"  #: 撤回
    PRESUMED = "presumed"  #: 推定同意, only under the presumed_after_no_reply rule


class ConsentPurpose(enum.StrEnum):
    """The three separate consents the law asks for."""

    REGISTER_SHARING = "register_sharing"  #: sharing the register with partners (49-11)
    PLAN_MAKING = "plan_making"  #: making an individual evacuation plan (49-14)
    PLAN_SHARING = "plan_sharing"  #: sharing that plan (49-15)


class ConsentMethod(enum.StrEnum):
    MAIL = "mail"  #: 郵送
    VISIT = "visit"  #: 訪問
    COUNTER = "counter"  #: 窓口
    PHONE = "phone"  #: 電話
    SELF_APPLICATION = "self_application"  #: 手上げ
    PRESUMPTION = "presumption"  #: 推定 (no reply after notice)


consent_record_scopes = Table(
    "consent_record_scopes",
    Base.metadata,
    Column(
        "consent_record_id",
        ForeignKey("consent_records.id", ondelete="RESTRICT"),
        primary_key=True,
    ),
    Column("category", enum_column(PartnerCategory), primary_key=True),
)


class ConsentRecord(Base):
    """One answer (or presumption) about one purpose, as of one date."""

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_records_registrant_purpose", "registrant_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registrant_id: Mapped[int] = mapped_column(ForeignKey("registrants.id", ondelete="RESTRICT"))
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_column(ConsentPurpose))
    state: Mapped[ConsentState] = mapped_column(enum_column(ConsentState))
    method: Mapped[ConsentMethod] = mapped_column(enum_column(ConsentMethod))
    #: The day the person answered (or the presumption took effect).
    decided_on: Mapped[date] = mapped_column(Date)
    #: Version ID of the consent form answered, e.g. ja-2026-04; empty for a spoken answer.
    form_version: Mapped[str | None] = mapped_column(String(40))
    #: Set when someone answered for the person (家族, 成年後見人).
    proxy_name: Mapped[str | None] = mapped_column(String(100))
    proxy_relation: Mapped[str | None] = mapped_column(String(40))
    #: For 推定同意: the day the notice went out; the presumption is dated at least
    #: consent.presumed_after_days later.
    notice_sent_on: Mapped[date | None] = mapped_column(Date)
    #: Basis of a presumption, or staff notes on the answer.
    note: Mapped[str | None] = mapped_column(Text)
    #: Staff member who recorded it, and when (UTC).
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_by: Mapped[User] = relationship()
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    #: Partner categories the answer covers, as stored in consent_record_scopes.
    scope_rows: Mapped[list[ConsentScope]] = relationship(
        cascade="save-update, merge", lazy="selectin", order_by="ConsentScope.category"
    )

    @property
    def scope(self) -> frozenset[PartnerCategory]:
        return frozenset(row.category for row in self.scope_rows)

    def __repr__(self) -> str:
        return f"<ConsentRecord {self.id} {self.purpose} {self.state}>"


class ConsentScope(Base):
    """One partner category named in a consent's scope."""

    __table__ = consent_record_scopes
    consent_record_id: Mapped[int]
    category: Mapped[PartnerCategory]


def _refuse_changes(session: DbSession, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, ConsentRecord | ConsentScope) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise AppendOnlyError(f"{obj!r} is append-only: add a new record instead")


class AppendOnlyError(RuntimeError):
    """Someone tried to change or remove consent history."""


event.listen(Session, "before_flush", _refuse_changes)

# The same rule in the database, for anything that bypasses the ORM (models/__init__.py
# attaches the triggers). The audit trail is append-only too.
APPEND_ONLY_TABLES = ("consent_records", "consent_record_scopes", "audit_events")


def append_only_ddl(dialect: str, table: str) -> list[str]:
    """Trigger statements that make a table refuse UPDATE and DELETE."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    return [
        f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{table} is append-only'; END; $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()",
    ]
