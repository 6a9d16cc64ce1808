"""Drills (訓練) on the real register: a scenario, its objectives, what the drill found about
people, and the corrective actions of its after-action report.

A scenario is planned ahead; starting it starts a SafetyOperation of kind drill
(roster.models.safety.OperationKind.DRILL), so partners report in a drill exactly as in a
disaster. A drill is not a disaster: the disaster-time release (49-11(3)) never applies in
one, and a scenario that simulates a release only counts how many more people a release would
have shown (roster.drills). Findings about a person ride on the drill's reports
(SafetyReport.findings) and flag the person's plan for review (ReviewFlag).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, enum_column, utcnow
from .municipality import District
from .partners import Organisation

if TYPE_CHECKING:
    from .hazards import HazardLayer
    from .safety import SafetyOperation, SafetyReport
    from .users import User


class DrillHazard(enum.StrEnum):
    EARTHQUAKE = "earthquake"  #: 地震
    FLOOD = "flood"  #: 洪水・内水
    LANDSLIDE = "landslide"  #: 土砂災害
    TSUNAMI = "tsunami"  #: 津波
    FIRE = "fire"  #: 大規模火災
    OTHER = "other"


class ObjectiveKind(enum.StrEnum):
    #: `percent` % of the people (of `band`, or everyone) confirmed within `minutes`.
    SHARE_CONFIRMED = "share_confirmed"
    #: Every ventilator user reached (any report) within `minutes`.
    VENTILATOR_REACHED = "ventilator_reached"
    #: Every welfare shelter of the area opened within `minutes` (DrillShelterOpening).
    SHELTERS_OPENED = "shelters_opened"


class Verdict(enum.StrEnum):
    MET = "met"  #: 達成
    PARTLY_MET = "partly_met"  #: 一部達成
    NOT_MET = "not_met"  #: 未達成


class Finding(enum.StrEnum):
    """What a drill found about a person, recorded with a report."""

    WRONG_PHONE = "wrong_phone"  #: 電話番号の誤り
    NO_ANSWER = "no_answer"  #: 応答なし
    SUPPORTER_UNAVAILABLE = "supporter_unavailable"  #: 支援者に連絡つかず
    NOT_AT_HOME = "not_at_home"  #: 不在
    ROUTE_BLOCKED = "route_blocked"  #: 避難経路の支障
    DESTINATION_UNSUITABLE = "destination_unsuitable"  #: 避難先が不適
    EQUIPMENT_PROBLEM = "equipment_problem"  #: 機器（バッテリー等）の問題
    OTHER = "other"  #: その他 (the report's note says what)


#: Findings that mean the plan would fail on the day: a person without a plan who has one of
#: these rises in the plan queue.
SERIOUS_FINDINGS = frozenset(
    {
        Finding.SUPPORTER_UNAVAILABLE,
        Finding.ROUTE_BLOCKED,
        Finding.DESTINATION_UNSUITABLE,
        Finding.EQUIPMENT_PROBLEM,
    }
)


class ActionStatus(enum.StrEnum):
    OPEN = "open"  #: 未完了
    DONE = "done"  #: 完了


drill_scenario_districts = Table(
    "drill_scenario_districts",
    Base.metadata,
    Column("scenario_id", ForeignKey("drill_scenarios.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="RESTRICT"), primary_key=True),
)

drill_scenario_organisations = Table(
    "drill_scenario_organisations",
    Base.metadata,
    Column("scenario_id", ForeignKey("drill_scenarios.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "organisation_id", ForeignKey("organisations.id", ondelete="RESTRICT"), primary_key=True
    ),
)


class DrillScenario(Base):
    """A drill as planned: when, which hazard, where, who takes part, and what it must show."""

    __tablename__ = "drill_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The window the drill is planned for (it starts when staff or a planner start it).
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime())
    planned_end: Mapped[datetime] = mapped_column(UTCDateTime())
    hazard: Mapped[DrillHazard] = mapped_column(enum_column(DrillHazard))
    districts: Mapped[list[District]] = relationship(
        secondary=drill_scenario_districts, order_by=District.code
    )
    #: As on a SafetyOperation: a hazard layer's areas, by flood rank or every landslide zone.
    hazard_layer_id: Mapped[int | None] = mapped_column(
        ForeignKey("hazard_layers.id", ondelete="RESTRICT")
    )
    hazard_layer: Mapped[HazardLayer | None] = relationship()
    min_flood_rank: Mapped[int | None] = mapped_column(Integer)
    every_landslide_zone: Mapped[bool] = mapped_column(Boolean, default=False)
    organisations: Mapped[list[Organisation]] = relationship(
        secondary=drill_scenario_organisations, order_by=Organisation.name
    )
    #: Whether the drill simulates a disaster-time release: it then counts, by district, how
    #: many more people a real release would have shown -- never who.
    simulate_release: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The drill's safety operation, once started.
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("safety_operations.id", ondelete="RESTRICT"), unique=True
    )
    operation: Mapped[SafetyOperation | None] = relationship()
    objectives: Mapped[list[DrillObjective]] = relationship(
        back_populates="scenario", order_by="DrillObjective.position"
    )
    actions: Mapped[list[CorrectiveAction]] = relationship(
        back_populates="scenario", order_by="CorrectiveAction.id"
    )
    #: The after-action report's words, written by the planner after the drill.
    overview: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    improvements: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<DrillScenario {self.id} {self.name}>"


class DrillObjective(Base):
    """One objective of a scenario with its target; its verdict is computed, never typed."""

    __tablename__ = "drill_objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("drill_scenarios.id", ondelete="CASCADE"), index=True
    )
    scenario: Mapped[DrillScenario] = relationship(back_populates="objectives")
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[ObjectiveKind] = mapped_column(enum_column(ObjectiveKind))
    #: SHARE_CONFIRMED: the priority band (A/B/C) or None for everyone.
    band: Mapped[str | None] = mapped_column(String(1))
    #: SHARE_CONFIRMED: the share to reach, in percent; the others need 100.
    percent: Mapped[int] = mapped_column(Integer, default=100)
    minutes: Mapped[int] = mapped_column(Integer)


class DrillShelterOpening(Base):
    """A shelter reported open during a drill (for SHELTERS_OPENED objectives)."""

    __tablename__ = "drill_shelter_openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("safety_operations.id", ondelete="RESTRICT"), index=True
    )
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelters.id", ondelete="RESTRICT"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class DrillBand(Base):
    """A person's priority band as it stood when the drill started. Objectives by band are
    judged against these, so the drill's own findings (which raise a person's score) or a plan
    made afterwards never move a person into another band of the drill they were measured in."""

    __tablename__ = "drill_bands"

    operation_id: Mapped[int] = mapped_column(
        ForeignKey("safety_operations.id", ondelete="RESTRICT"), primary_key=True
    )
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="RESTRICT"), primary_key=True
    )
    band: Mapped[str] = mapped_column(String(1))


class ReviewFlag(Base):
    """A person's plan marked 要見直し by a drill's finding, until staff clear it.

    Keyed by person, not plan: a person without a plan can carry a flag, and a serious one
    raises them in the plan queue.
    """

    __tablename__ = "review_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), index=True
    )
    scenario_id: Mapped[int] = mapped_column(ForeignKey("drill_scenarios.id", ondelete="CASCADE"))
    report_id: Mapped[int] = mapped_column(ForeignKey("safety_reports.id", ondelete="CASCADE"))
    finding: Mapped[Finding] = mapped_column(enum_column(Finding))
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    #: As shown: 「訓練 2026-09-01: 支援者に連絡つかず」.
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The drill report that carried the finding: who, when, and their note.
    report: Mapped[SafetyReport] = relationship()


class CorrectiveAction(Base):
    """An action of the improvement plan: what, who owns it, by when, and when it was done."""

    __tablename__ = "corrective_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("drill_scenarios.id", ondelete="CASCADE"), index=True
    )
    scenario: Mapped[DrillScenario] = relationship(back_populates="actions")
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(120))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus), default=ActionStatus.OPEN
    )
    done_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
