"""Safety confirmation (安否確認): operations run after a disaster, and their reports.

An operation names an area (districts, and/or the areas of a hazard layer) and the people
in it are confirmed one by one. Each confirmation is a SafetyReport, append-only like
consent: the ORM refuses to change or remove one (the flush guard below) and so does the
database (triggers made with the table), so a correction is a new report and the current
status of a person is the latest report on them.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import DbSession
from .base import Base, UTCDateTime, enum_column, utcnow
from .consent import AppendOnlyError
from .municipality import District

if TYPE_CHECKING:
    from .agreements import DisasterRelease
    from .hazards import HazardLayer
    from .partners import Organisation
    from .shelters import Shelter
    from .users import User


class OperationKind(enum.StrEnum):
    REAL = "real"  #: a disaster
    DRILL = "drill"  #: an exercise (reserved: issue 14)


class SafetyStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  #: 未確認
    SAFE_HOME = "safe_home"  #: 無事（自宅）
    EVACUATED = "evacuated"  #: 避難済み
    NEEDS_HELP = "needs_help"  #: 要支援
    INJURED = "injured"  #: 負傷・急病
    UNREACHABLE = "unreachable"  #: 不在・連絡つかず
    DECEASED = "deceased"  #: 死亡 (staff only, from police or fire)


class EvacuationPlace(enum.StrEnum):
    SHELTER = "shelter"  #: a shelter of the registry (shelter_id says which)
    RELATIVES = "relatives"  #: 親族・知人宅
    HOSPITAL = "hospital"  #: 病院・施設
    CAR = "car"  #: 車中
    OTHER = "other"


class ReportMethod(enum.StrEnum):
    VISIT = "visit"  #: 訪問
    PHONE = "phone"  #: 電話
    AT_SHELTER = "at_shelter"  #: 避難所で確認
    SELF_OR_FAMILY = "self_or_family"  #: 本人・家族から


safety_operation_districts = Table(
    "safety_operation_districts",
    Base.metadata,
    Column(
        "operation_id", ForeignKey("safety_operations.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("district_id", ForeignKey("districts.id", ondelete="RESTRICT"), primary_key=True),
)


class SafetyOperation(Base):
    """One 安否確認活動: staff start it over an area and end it; nothing is deleted."""

    __tablename__ = "safety_operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The disaster, e.g. 令和8年台風第10号.
    disaster: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[OperationKind] = mapped_column(
        enum_column(OperationKind), default=OperationKind.REAL
    )
    districts: Mapped[list[District]] = relationship(
        secondary=safety_operation_districts, order_by=District.code
    )
    #: The hazard layer whose areas are in the operation, with the lowest flood depth rank
    #: taken (flood layers) or every landslide zone (landslide layers).
    hazard_layer_id: Mapped[int | None] = mapped_column(
        ForeignKey("hazard_layers.id", ondelete="RESTRICT")
    )
    hazard_layer: Mapped[HazardLayer | None] = relationship()
    min_flood_rank: Mapped[int | None] = mapped_column(Integer)
    every_landslide_zone: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The disaster-time release the operation runs under, if any.
    release_id: Mapped[int | None] = mapped_column(ForeignKey("disaster_releases.id"))
    release: Mapped[DisasterRelease | None] = relationship()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_by: Mapped[User] = relationship(foreign_keys=[started_by_id])
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    #: Bumped on every save; an edit built on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def running(self) -> bool:
        return self.ended_at is None

    def __repr__(self) -> str:
        return f"<SafetyOperation {self.id} {self.name}>"


class SafetyReport(Base):
    """One confirmation of one person in one operation; never changed, never removed."""

    __tablename__ = "safety_reports"
    __table_args__ = (
        # The latest report per person in an operation: max(id) grouped by person.
        Index("ix_safety_reports_operation_registrant", "operation_id", "registrant_id", "id"),
        # A report resent from a phone (same client-made ID) is stored once.
        UniqueConstraint("operation_id", "client_id", name="uq_safety_reports_operation_client"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("safety_operations.id", ondelete="RESTRICT")
    )
    operation: Mapped[SafetyOperation] = relationship()
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[SafetyStatus] = mapped_column(enum_column(SafetyStatus))
    evacuated_to: Mapped[EvacuationPlace | None] = mapped_column(enum_column(EvacuationPlace))
    shelter_id: Mapped[int | None] = mapped_column(ForeignKey("shelters.id", ondelete="RESTRICT"))
    shelter: Mapped[Shelter | None] = relationship()
    method: Mapped[ReportMethod] = mapped_column(enum_column(ReportMethod))
    #: What help is needed, how the person was tried, or anything else worth saying.
    note: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reported_by: Mapped[User] = relationship()
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    organisation: Mapped[Organisation | None] = relationship()
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Made by the phone that sent the report; None for staff entry.
    client_id: Mapped[str | None] = mapped_column(String(64))
    #: In a drill: what the report found about the person (roster.models.drills.Finding
    #: values); empty otherwise.
    findings: Mapped[list[str]] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<SafetyReport {self.id} {self.status}>"


def _refuse_changes(session: DbSession, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, SafetyReport) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise AppendOnlyError(f"{obj!r} is append-only: add a new report instead")


event.listen(Session, "before_flush", _refuse_changes)

#: Tables the database keeps append-only with triggers (models/__init__.py and migration 0012).
SAFETY_APPEND_ONLY_TABLES = ("safety_reports",)


class HandoffKind(enum.StrEnum):
    TEAM = "team"  #: a team of the municipality or a partner, named in to_name
    FIRE = "fire"  #: 消防
    POLICE = "police"  #: 警察


class SafetyHandoff(Base):
    """Staff hand a person still not reached to a team, the fire service or the police.

    Added, never changed: a new hand-off is a new row, and the latest one is what the board
    shows beside the person."""

    __tablename__ = "safety_handoffs"
    __table_args__ = (
        Index("ix_safety_handoffs_operation_registrant", "operation_id", "registrant_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("safety_operations.id", ondelete="RESTRICT")
    )
    registrant_id: Mapped[int] = mapped_column(ForeignKey("registrants.id", ondelete="RESTRICT"))
    to_kind: Mapped[HandoffKind] = mapped_column(enum_column(HandoffKind))
    #: The team's name (for a team), or the station or unit, as staff wrote it.
    to_name: Mapped[str] = mapped_column(String(120), default="")
    #: What was handed over: why, what was tried, what to look for.
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    by: Mapped[User] = relationship()
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<SafetyHandoff {self.id} {self.to_kind}>"
