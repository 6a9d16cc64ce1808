"""The audit trail: who did what, when and from where, as a hash chain.

Each event's hash covers its own fields and the previous event's hash, and the chain head
keeps the last sequence number and hash, so altering, removing or truncating rows shows.
Events carry IDs and field names, never the personal data itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # Failed sign-ins per user name in a recent window (auth.operations.recent_failures).
    __table_args__ = (
        Index("ix_audit_events_action_actor", "action", "actor_name", "occurred_at"),
        Index("ix_audit_events_action_ip", "action", "ip_address", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Position in the chain, 1, 2, 3… without gaps.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: The acting user, if signed in; actor_name keeps the name even if the user is renamed.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(60))
    #: What happened, e.g. login, registrant.view, consent.record, api.list.
    action: Mapped[str] = mapped_column(String(40), index=True)
    #: What it happened to, e.g. registrant / 42.
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40), index=True)
    #: The client's address as the app saw it.
    ip_address: Mapped[str | None] = mapped_column(String(45))
    #: Canonical JSON with non-personal details: changed field names, row counts, IDs shown.
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row naming the chain's last event; writers lock it to append in order."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
