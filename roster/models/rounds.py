"""Mailing rounds (郵送調査): who was sent a consent form, and whether it came back."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .registrants import Registrant
from .users import User


class MailingRound(Base):
    """One mailing of consent forms; a reminder round points at the round it follows up."""

    __tablename__ = "mailing_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What staff call it, e.g. 2026年度 新規対象者 第1回.
    title: Mapped[str] = mapped_column(String(120))
    #: Version ID of the consent form printed for everyone in the round.
    form_version: Mapped[str] = mapped_column(String(40))
    #: The day the forms went into the post; empty until staff say so.
    sent_on: Mapped[date | None] = mapped_column(Date)
    #: The round this one reminds, for a reminder round.
    reminder_of_id: Mapped[int | None] = mapped_column(ForeignKey("mailing_rounds.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[User] = relationship()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    members: Mapped[list[RoundMember]] = relationship(
        back_populates="round", order_by="RoundMember.id", cascade="all, delete-orphan"
    )


class RoundMember(Base):
    """One person in a round, with the reference code printed on their form."""

    __tablename__ = "round_members"
    __table_args__ = (
        UniqueConstraint("round_id", "registrant_id"),
        Index("ix_round_members_registrant_returned", "registrant_id", "returned_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("mailing_rounds.id", ondelete="CASCADE"))
    round: Mapped[MailingRound] = relationship(back_populates="members")
    registrant_id: Mapped[int] = mapped_column(ForeignKey("registrants.id"))
    registrant: Mapped[Registrant] = relationship()
    #: The version of the form printed for this person, in their preferred language; empty
    #: for rounds made before each person had one, whose form is the round's.
    form_version: Mapped[str | None] = mapped_column(String(40))
    #: The code on the form (catalog.reference_code), typed or scanned when it comes back.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    #: The day the reply was recorded; empty while no reply has come.
    returned_on: Mapped[date | None] = mapped_column(Date)
    #: The day 推定同意 was recorded for this person's silence, under that ordinance rule.
    presumed_on: Mapped[date | None] = mapped_column(Date)
