"""Import batches: every applied eligibility import, what it changed per person, and its undo."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, enum_column, utcnow
from .users import User


class BatchItemKind(enum.StrEnum):
    ADDED = "added"  #: a person the file brought onto the register
    CHANGED = "changed"  #: source fields (and the district) the file changed
    STATUS = "status"  #: a missing person's status, as staff chose it


class ImportBatch(Base):
    """One apply of an export: who, when, which file, and how many of each change."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for the command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    #: The user name, or "cli".
    actor_name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: The name the file had when it was uploaded or given on the command line.
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    status_changed: Mapped[int] = mapped_column(Integer, default=0)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_by_name: Mapped[str | None] = mapped_column(String(80))

    items: Mapped[list[ImportBatchItem]] = relationship(
        back_populates="batch", order_by="ImportBatchItem.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<ImportBatch {self.id}>"


class ImportBatchItem(Base):
    """What one batch did to one person, old and new value per field, so it can be undone."""

    __tablename__ = "import_batch_items"
    __table_args__ = (Index("ix_import_batch_items_batch_kind", "batch_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    batch: Mapped[ImportBatch] = relationship(back_populates="items")
    #: No foreign key: an undone batch's added people are gone, its record of them stays.
    registrant_id: Mapped[int] = mapped_column(Integer, index=True)
    #: 宛名番号, to name the person on the batch page and in a refused undo.
    resident_no: Mapped[str] = mapped_column(String(20))
    kind: Mapped[BatchItemKind] = mapped_column(enum_column(BatchItemKind))
    #: Field -> [old, new] as JSON values (dates ISO, codes as their stored values).
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The person's version as the batch left it: any other value means a later edit.
    version_after: Mapped[int] = mapped_column(Integer)
