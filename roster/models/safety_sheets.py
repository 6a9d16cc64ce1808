"""Paper check sheets of a safety operation (安否確認チェックシート).

A sheet is printed for a district (by staff) or for a partner organisation (then it is also a
numbered copy in the provision ledger). Its lines keep who was printed on which row, so the
results typed back from the paper can name a person by the sheet's row number.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .municipality import District

if TYPE_CHECKING:
    from .agreements import Provision
    from .partners import Organisation
    from .safety import SafetyOperation
    from .users import User


class SafetySheet(Base):
    """One printed check sheet of an operation, for a district or an organisation."""

    __tablename__ = "safety_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("safety_operations.id", ondelete="RESTRICT"), index=True
    )
    operation: Mapped[SafetyOperation] = relationship()
    #: The district printed (a staff sheet); None for an organisation's sheet.
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    district: Mapped[District | None] = relationship()
    #: The organisation the sheet is for; None for a district sheet.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    organisation: Mapped[Organisation | None] = relationship()
    #: The copy in the provision ledger (organisation sheets only).
    provision_id: Mapped[int | None] = mapped_column(ForeignKey("provisions.id"))
    provision: Mapped[Provision | None] = relationship()
    made_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    made_by: Mapped[User] = relationship()
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lines: Mapped[list[SafetySheetLine]] = relationship(
        order_by="SafetySheetLine.line", cascade="all, delete-orphan"
    )

    @property
    def for_name(self) -> str:
        """The district or the organisation the sheet is for."""
        holder = self.district or self.organisation
        return holder.name if holder is not None else ""

    def __repr__(self) -> str:
        return f"<SafetySheet {self.id}>"


class SafetySheetLine(Base):
    """Who was printed on one row of a sheet."""

    __tablename__ = "safety_sheet_lines"

    sheet_id: Mapped[int] = mapped_column(
        ForeignKey("safety_sheets.id", ondelete="CASCADE"), primary_key=True
    )
    #: The row number printed on the sheet, from 1.
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="RESTRICT"), index=True
    )
