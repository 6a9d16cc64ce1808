"""Hazard areas (浸水想定区域, 土砂災害警戒区域, ...), each person's hazard flags, and the
shelter each person is assigned to for a hazard.

Geometry is kept as WKB in the metric CRS of config geo.crs (EPSG:6677 for Tokyo); the
geometry work itself is done by geopandas/shapely in geo/, never in SQL, so both SQLite
and PostgreSQL serve without a spatial extension.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, enum_column, utcnow
from .users import User


class HazardKind(enum.StrEnum):
    FLOOD = "flood"  #: 浸水想定区域 (A31)
    LANDSLIDE = "landslide"  #: 土砂災害警戒区域 (A33)
    OTHER = "other"


class HazardLayer(Base):
    """One imported hazard file."""

    __tablename__ = "hazard_layers"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[HazardKind] = mapped_column(enum_column(HazardKind))
    name: Mapped[str] = mapped_column(String(120))
    #: The file it came from (its name only).
    source_file: Mapped[str] = mapped_column(String(200), default="")
    #: The CRS the geometry is stored in, e.g. EPSG:6677.
    crs: Mapped[str] = mapped_column(String(40))
    #: Made-up polygons for the demo, not real hazard data; maps say so.
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    feature_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_by: Mapped[User | None] = relationship()

    areas: Mapped[list[HazardArea]] = relationship(
        back_populates="layer", cascade="all, delete-orphan", order_by="HazardArea.id"
    )


class HazardArea(Base):
    """One polygon of a hazard layer, with what it says about the hazard there."""

    __tablename__ = "hazard_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(
        ForeignKey("hazard_layers.id", ondelete="CASCADE"), index=True
    )
    layer: Mapped[HazardLayer] = relationship(back_populates="areas")
    #: Flood depth rank (A31a_205): 1 <0.5 m, 2 0.5–3 m, 3 3–5 m, 4 5–10 m, 5 10–20 m, 6 ≥20 m.
    depth_rank: Mapped[int | None] = mapped_column(Integer)
    #: Landslide phenomenon (A33_001): steep_slope, debris_flow, landslide.
    phenomenon: Mapped[str | None] = mapped_column(String(20))
    #: Landslide zone (A33_002): warning (警戒) or special (特別警戒).
    zone: Mapped[str | None] = mapped_column(String(10))
    #: Polygon or multipolygon as WKB in the layer's CRS.
    geometry: Mapped[bytes] = mapped_column(LargeBinary)


class RegistrantHazard(Base):
    """A person's hazard flags at home, recomputed whenever layers or their location change."""

    __tablename__ = "registrant_hazards"

    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), primary_key=True
    )
    #: Highest flood depth rank at home, or None outside every flood area.
    flood_rank: Mapped[int | None] = mapped_column(Integer, index=True)
    #: special beats warning; None outside every landslide zone.
    landslide_zone: Mapped[str | None] = mapped_column(String(10), index=True)
    #: Comma-separated phenomena of the landslide zones at home.
    landslide_phenomena: Mapped[str] = mapped_column(String(60), default="")
    in_other: Mapped[bool] = mapped_column(Boolean, default=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ShelterAssignment(Base):
    """For one hazard, the nearest suitable shelter for a person (直線距離), or why none."""

    __tablename__ = "shelter_assignments"

    hazard: Mapped[str] = mapped_column(String(20), primary_key=True)
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), primary_key=True
    )
    shelter_id: Mapped[int | None] = mapped_column(
        ForeignKey("shelters.id", ondelete="SET NULL"), index=True
    )
    distance_m: Mapped[float | None] = mapped_column(Float)
    #: Empty when assigned; otherwise no_shelter or no_welfare_shelter.
    reason: Mapped[str] = mapped_column(String(30), default="")
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
