"""Individual evacuation plans (個別避難計画, 49-14) and who is making them.

A plan holds its current terms in columns; every save also writes a PlanVersion with a
snapshot of every term, so the history is complete and auditable. The facts the plan was
built on (address, needs, the destination shelter's version) are kept, so a later change
flags the plan for review.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, SnapshotColumns, UTCDateTime, enum_column, utcnow
from .registrants import Registrant
from .shelters import Shelter
from .users import User


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"  #: 作成中
    AGREED = "agreed"  #: 本人と合意済み
    NEEDS_REVIEW = "needs_review"  #: 要見直し


class AuthorRole(enum.StrEnum):
    CARE_MANAGER = "care_manager"  #: 介護支援専門員 (ケアマネジャー)
    SUPPORT_SPECIALIST = "support_specialist"  #: 相談支援専門員
    STAFF = "staff"  #: 市職員
    OTHER = "other"


class DestinationKind(enum.StrEnum):
    SHELTER = "shelter"  #: a place in the shelter registry
    RELATIVE = "relative"  #: a relative's or friend's home
    OTHER = "other"


class Plan(Base):
    """One person's current plan."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), unique=True
    )
    registrant: Mapped[Registrant] = relationship()
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.DRAFT)

    #: 避難支援等実施者, in order: name, relation, address, phone, day, night, weekdays.
    supporters: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    destination_kind: Mapped[DestinationKind] = mapped_column(
        enum_column(DestinationKind), default=DestinationKind.SHELTER
    )
    destination_shelter_id: Mapped[int | None] = mapped_column(
        ForeignKey("shelters.id", ondelete="SET NULL")
    )
    destination_shelter: Mapped[Shelter | None] = relationship()
    #: For a relative's home or another place.
    destination_name: Mapped[str] = mapped_column(String(120), default="")
    destination_address: Mapped[str] = mapped_column(String(200), default="")
    route_notes: Mapped[str] = mapped_column(Text, default="")
    #: Straight-line distance (直線距離) from home to a registry destination, in metres.
    distance_m: Mapped[float | None] = mapped_column(Float)
    #: When to start, e.g. level3 (警戒レベル3 高齢者等避難).
    start_trigger: Mapped[str] = mapped_column(String(40), default="level3")
    transport: Mapped[str] = mapped_column(String(40), default="")

    #: How to help: e.g. ["wheelchair", "two_people"], plus free text.
    assistance: Mapped[list[str]] = mapped_column(JSON, default=list)
    assistance_notes: Mapped[str] = mapped_column(Text, default="")
    items_to_carry: Mapped[str] = mapped_column(Text, default="")
    #: Hours the medical devices run on battery.
    battery_hours: Mapped[float | None] = mapped_column(Float)

    illnesses: Mapped[str] = mapped_column(Text, default="")
    doctor: Mapped[str] = mapped_column(String(120), default="")
    hospital: Mapped[str] = mapped_column(String(120), default="")
    medicines: Mapped[str] = mapped_column(Text, default="")
    allergies: Mapped[str] = mapped_column(Text, default="")
    communication_notes: Mapped[str] = mapped_column(Text, default="")
    pets: Mapped[str] = mapped_column(String(200), default="")
    #: Two people to call: name, relation, phone.
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    author_name: Mapped[str] = mapped_column(String(100), default="")
    author_role: Mapped[AuthorRole] = mapped_column(
        enum_column(AuthorRole), default=AuthorRole.STAFF
    )
    made_on: Mapped[date] = mapped_column(Date)
    review_on: Mapped[date] = mapped_column(Date, index=True)

    #: What the plan was built on; a change to any of these flags it for review.
    basis_address: Mapped[str] = mapped_column(String(200), default="")
    basis_needs: Mapped[str] = mapped_column(String(200), default="")
    basis_shelter_version: Mapped[int | None] = mapped_column(Integer)

    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.version.desc()", cascade="all, delete-orphan"
    )


class PlanVersion(SnapshotColumns, Base):
    """A snapshot of a plan after each save."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    plan: Mapped[Plan] = relationship(back_populates="versions")


class PlanTask(Base):
    """Who is making a person's plan: a staff member or a named care manager (priority queue)."""

    __tablename__ = "plan_tasks"

    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), primary_key=True
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    #: A care manager or 相談支援専門員 outside the system, by name and office.
    assignee_name: Mapped[str] = mapped_column(String(120), default="")
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_by: Mapped[User] = relationship(foreign_keys=[assigned_by_id])
