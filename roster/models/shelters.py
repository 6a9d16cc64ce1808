"""Shelters, stored minimally: the full shelter registry builds on this table."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

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
