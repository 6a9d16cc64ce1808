"""Data-sharing agreements (協定), the provision ledger (提供台帳), partner API tokens and
disaster-time releases (49-11(3)).

An agreement says which districts and which fields a partner organisation receives, for how
long, under which duties. The ledger records every copy handed out and its return or
destruction. A release lifts the consent condition for a while in named districts.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, SnapshotColumns, UTCDateTime, enum_column, utcnow
from .municipality import District
from .partners import Organisation
from .registrants import Registrant
from .users import User


class AgreementStatus(enum.StrEnum):
    DRAFT = "draft"  #: being written; gives nothing
    ACTIVE = "active"  #: signed and in force between its start and end dates
    SUSPENDED = "suspended"  #: paused by the municipality, e.g. after a breach
    TERMINATED = "terminated"  #: ended early; never comes back
    EXPIRED = "expired"  #: shown for an active agreement whose end date has passed


#: Statuses staff may set by hand; EXPIRED follows from the dates.
SETTABLE_STATUSES = (
    AgreementStatus.DRAFT,
    AgreementStatus.ACTIVE,
    AgreementStatus.SUSPENDED,
    AgreementStatus.TERMINATED,
)

agreement_districts = Table(
    "agreement_districts",
    Base.metadata,
    Column("agreement_id", ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)


class Agreement(Base):
    """One data-sharing agreement between the municipality and a partner organisation."""

    __tablename__ = "agreements"
    __table_args__ = (Index("ix_agreements_organisation_status", "organisation_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    organisation: Mapped[Organisation] = relationship()
    #: The agreement's title or number as written on the signed copy.
    title: Mapped[str] = mapped_column(String(120))
    status: Mapped[AgreementStatus] = mapped_column(
        enum_column(AgreementStatus), default=AgreementStatus.DRAFT
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: When staff terminated it; access stopped at that moment.
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    districts: Mapped[list[District]] = relationship(
        secondary=agreement_districts, order_by=District.code
    )
    #: Field groups provided, from roster.access.fields.AGREEMENT_FIELDS, e.g. ["name", "address"].
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Whether individual evacuation plans are provided too (49-15).
    includes_plans: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Whether the partner may receive the register without consent under a release (49-11(3)).
    emergency_provision: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 名簿管理責任者: the person at the partner answerable for the list.
    list_manager: Mapped[str] = mapped_column(String(100), default="")
    list_manager_contact: Mapped[str] = mapped_column(String(100), default="")
    #: The people allowed to look at the list, one per line.
    viewers: Mapped[str] = mapped_column(Text, default="")
    #: Where the paper list is kept, e.g. 会長宅の施錠できる書庫.
    storage_place: Mapped[str] = mapped_column(String(200), default="")
    #: The duties the partner signed up to (49-12, 49-13).
    duty_confidentiality: Mapped[bool] = mapped_column(Boolean, default=True)
    duty_no_copies: Mapped[bool] = mapped_column(Boolean, default=True)
    duty_return: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: The signed document, kept as a file named by its SHA-256 under the instance folder.
    document_name: Mapped[str | None] = mapped_column(String(200))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_size: Mapped[int | None] = mapped_column(Integer)
    document_uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    versions: Mapped[list[AgreementVersion]] = relationship(
        back_populates="agreement", order_by="AgreementVersion.version.desc()"
    )

    def effective_status(self, today: date) -> AgreementStatus:
        """The status as it stands today: an active agreement past its end date has expired."""
        if self.status is AgreementStatus.ACTIVE and today > self.ends_on:
            return AgreementStatus.EXPIRED
        return self.status

    def in_force(self, today: date) -> bool:
        return self.status is AgreementStatus.ACTIVE and self.starts_on <= today <= self.ends_on

    def __repr__(self) -> str:
        return f"<Agreement {self.id} {self.title} ({self.status})>"


class AgreementVersion(SnapshotColumns, Base):
    """A snapshot of an agreement after each change; the history staff and auditors read."""

    __tablename__ = "agreement_versions"
    __table_args__ = (UniqueConstraint("agreement_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    agreement: Mapped[Agreement] = relationship(back_populates="versions")


class DisasterRelease(Base):
    """A declared provision without consent (49-11(3)), limited in time and area."""

    __tablename__ = "disaster_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The disaster, e.g. 令和8年台風第10号.
    name: Mapped[str] = mapped_column(String(120))
    #: The legal basis and the reason it is especially necessary to protect life.
    legal_basis: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    declared_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    declared_by: Mapped[User] = relationship(foreign_keys=[declared_by_id])
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when staff end the release before its end time.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    #: How many times the end time was pushed back.
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    districts: Mapped[list[District]] = relationship(
        secondary="release_districts", order_by=District.code
    )

    def running(self, now: datetime) -> bool:
        return self.ended_at is None and self.starts_at <= now < self.ends_at


release_districts = Table(
    "release_districts",
    Base.metadata,
    Column("release_id", ForeignKey("disaster_releases.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)


class ReleaseAccess(Base):
    """One person shown to a partner user only because a release was running."""

    __tablename__ = "release_accesses"
    __table_args__ = (Index("ix_release_accesses_release_user", "release_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("disaster_releases.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship()
    registrant_id: Mapped[int] = mapped_column(ForeignKey("registrants.id"))
    #: What the user did: the audit action, e.g. registrant.list, portal.print.
    action: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProvisionFormat(enum.StrEnum):
    PRINT = "print"
    CSV = "csv"
    XLSX = "xlsx"
    PLAN_PRINT = "plan_print"


class DisposalMethod(enum.StrEnum):
    RETURNED = "returned"  #: 返却
    SHREDDED = "shredded"  #: 裁断・溶解
    DELETED = "deleted"  #: 電子データの消去
    OTHER = "other"


class Provision(Base):
    """One copy handed to a partner: a print or an export (提供台帳の一行)."""

    __tablename__ = "provisions"
    __table_args__ = (
        UniqueConstraint("agreement_id", "copy_no"),
        Index("ix_provisions_organisation_disposed", "organisation_id", "disposed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    organisation: Mapped[Organisation] = relationship()
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    agreement: Mapped[Agreement] = relationship()
    #: The release in force when the copy was made, if any.
    release_id: Mapped[int | None] = mapped_column(ForeignKey("disaster_releases.id"))
    release: Mapped[DisasterRelease | None] = relationship()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    format: Mapped[ProvisionFormat] = mapped_column(enum_column(ProvisionFormat))
    #: Numbered per agreement from 1; printed in the watermark.
    copy_no: Mapped[int] = mapped_column(Integer)
    #: How many people the copy holds.
    count: Mapped[int] = mapped_column(Integer, default=0)
    #: Return or destruction, recorded by staff.
    disposed_on: Mapped[date | None] = mapped_column(Date)
    disposal_method: Mapped[DisposalMethod | None] = mapped_column(enum_column(DisposalMethod))
    #: Who confirmed it, as the partner named them.
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    disposal_note: Mapped[str | None] = mapped_column(Text)
    disposal_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disposal_recorded_by: Mapped[User | None] = relationship(foreign_keys=[disposal_recorded_by_id])

    items: Mapped[list[ProvisionItem]] = relationship(
        cascade="all, delete-orphan", order_by="ProvisionItem.line"
    )

    @property
    def outstanding(self) -> bool:
        return self.disposed_on is None


class ProvisionItem(Base):
    """One person in a copy, with the line number printed beside them."""

    __tablename__ = "provision_items"

    provision_id: Mapped[int] = mapped_column(
        ForeignKey("provisions.id", ondelete="CASCADE"), primary_key=True
    )
    registrant_id: Mapped[int] = mapped_column(ForeignKey("registrants.id"), primary_key=True)
    registrant: Mapped[Registrant] = relationship()
    line: Mapped[int] = mapped_column(Integer)


class ApiToken(Base):
    """A partner system's key to the JSON API. Only a SHA-256 digest of the token is kept.

    The token acts as its partner user, and only while its agreement is the one in force.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    agreement: Mapped[Agreement] = relationship()
    #: What the token is for, e.g. 消防署 指令システム.
    label: Mapped[str] = mapped_column(String(100))
    #: The first characters, to tell tokens apart; not enough to use one.
    prefix: Mapped[str] = mapped_column(String(12))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
