"""Address points (住居, 街区, 町丁目) that people's addresses are geocoded against."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AddressPoint(Base):
    """One point of the municipality's address points, under its normalised key."""

    __tablename__ = "address_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: town|chome|block|house as geo.addresses.point_key makes it (e.g. 泉町|1|2|3).
    key: Mapped[str] = mapped_column(String(160), unique=True)
    #: house (住居), block (街区) or chome (町丁目).
    level: Mapped[str] = mapped_column(String(8), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    #: The file format it was read from (abr_house, mlit_block, chome, …).
    source: Mapped[str] = mapped_column(String(20))
