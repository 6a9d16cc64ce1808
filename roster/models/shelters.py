"""The shelter registry: designated places, what each is suitable for, and who it takes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from .partners import Organisation

#: The eight hazard kinds of the GSI and Digital Agency data, in their published order.
HAZARDS = (
    "flood",  #: 洪水
    "landslide",  #: 崖崩れ、土石流及び地滑り
    "storm_surge",  #: 高潮
    "earthquake",  #: 地震
    "tsunami",  #: 津波
    "large_fire",  #: 大規模な火事
    "inland_flood",  #: 内水氾濫
    "volcano",  #: 火山現象
)


class Shelter(Base):
    """A designated place; one place can be an emergency site, a shelter and a welfare shelter."""

    __tablename__ = "shelters"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: GSI 共通ID of the place's first listing (E + city code + serial + type).
    source_id: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    #: 指定緊急避難場所.
    is_emergency_site: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 指定避難所.
    is_evacuation_shelter: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 福祉避難所.
    is_welfare_shelter: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Comma-separated HAZARDS the place is designated for, as an emergency site.
    hazards: Mapped[str] = mapped_column(String(120), default="")
    #: 受入対象者 as published, for welfare shelters.
    accepts: Mapped[str | None] = mapped_column(Text)
    #: Where the record came from, e.g. 国土地理院 指定緊急避難場所・指定避難所データ (2025-10-27).
    source: Mapped[str] = mapped_column(String(120))
    name_kana: Mapped[str] = mapped_column(String(120), default="")
    #: 全国地方公共団体コード of the municipality the place is in.
    city_code: Mapped[str] = mapped_column(String(6), default="")
    #: Comma-separated geo.groups.ACCEPT_GROUPS normalised from `accepts` (or set by staff).
    accept_groups: Mapped[str] = mapped_column(String(120), default="")
    #: People the place can hold for a stay, where known (indoor when the text says so).
    capacity: Mapped[int | None] = mapped_column(Integer)
    #: The capacity as published, e.g. 屋内480人／屋外3,350人(面積の1/2).
    capacity_text: Mapped[str] = mapped_column(String(200), default="")
    #: Welfare shelters: places for people who need care (要介護者等の受入可能人数).
    care_places: Mapped[int | None] = mapped_column(Integer)
    #: Unknown (None), yes or no.
    accessible_toilet: Mapped[bool | None] = mapped_column(Boolean)
    step_free: Mapped[bool | None] = mapped_column(Boolean)
    #: Backup power or outlets for medical devices (ventilators, suction, oxygen).
    backup_power: Mapped[bool | None] = mapped_column(Boolean)
    #: The welfare facility's agreement with the municipality (福祉避難所の協定), as written.
    facility_agreement: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: The partner organisation that runs the shelter under its agreement, if any: its users
    #: record arrivals there during a safety operation (set by staff on the edit form).
    operator_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    operator_organisation: Mapped[Organisation | None] = relationship()
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    @property
    def hazard_list(self) -> list[str]:
        return [h for h in self.hazards.split(",") if h]

    @property
    def group_list(self) -> list[str]:
        return [g for g in self.accept_groups.split(",") if g]
