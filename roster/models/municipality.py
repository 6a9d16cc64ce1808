"""The municipality the register belongs to, and its districts (地区/町丁目)."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Municipality(Base):
    """The one municipality this installation serves."""

    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 全国地方公共団体コード, six digits with the check digit (e.g. 132292).
    code: Mapped[str] = mapped_column(String(6), unique=True)
    #: Name as written, e.g. 西東京市.
    name: Mapped[str] = mapped_column(String(40))
    #: Prefecture, e.g. 東京都.
    prefecture: Mapped[str] = mapped_column(String(10))
    #: True when the register holds fictional demo data; the UI then says so everywhere.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class District(Base):
    """A district (地区 or 町丁目): the unit registrants live in and partners are assigned to."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The municipality's own code for the district.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    #: Name as written, e.g. ひばりが丘.
    name: Mapped[str] = mapped_column(String(60))
    #: Reading in katakana, for sorting and search.
    name_kana: Mapped[str] = mapped_column(String(60), default="")
    #: Representative point (WGS84), used when a registrant has no coordinates of their own.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"<District {self.code} {self.name}>"
