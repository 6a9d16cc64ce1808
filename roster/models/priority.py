"""What the plan queue's coverage counts, kept by roster.priority.stored."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class PriorityCount(Base):
    """How many people of a district have a status, a score and a plan state: the coverage
    tables, the queue's counts and the register's totals add these up instead of counting
    or scoring everyone."""

    __tablename__ = "priority_counts"

    district_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: A RegistrantStatus code.
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    score: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: none, draft or current (Registrant.plan_state).
    plan_state: Mapped[str] = mapped_column(String(8), primary_key=True)
    people: Mapped[int] = mapped_column(Integer, default=0)


class SharingCount(Base):
    """How many people of a district have a status, a consent state and a consent scope: a
    partner's list counts its people by adding these up under the access rule's own condition
    (roster.access.rule.partner_condition), instead of reading every person it admits."""

    __tablename__ = "sharing_counts"

    district_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: A RegistrantStatus code.
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    #: A ConsentState code.
    consent_state: Mapped[str] = mapped_column(String(24), primary_key=True)
    #: The partner categories consented to (Registrant.consent_scope's bits).
    consent_scope: Mapped[int] = mapped_column(Integer, primary_key=True)
    people: Mapped[int] = mapped_column(Integer, default=0)


class PrioritySettings(Base):
    """The weights the stored scores were computed with (one row): when config's weights
    differ, every score is computed again."""

    __tablename__ = "priority_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    weights: Mapped[str] = mapped_column(Text)
