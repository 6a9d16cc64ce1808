"""Two-character pieces (bigrams) of each person's name, reading and address keys, so that a
search for any part of them reads an index instead of the whole register.

Kept by the session hooks of registrant_hooks whenever a person is added or their name,
reading or address changes, whatever path wrote it. Runs of digits and hyphens are left out:
a number in an address is searched by its start, the words around it by their pieces.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, search_key_type


class RegistrantGram(Base):
    __tablename__ = "registrant_grams"
    __table_args__ = (
        Index("ix_registrant_grams_registrant", "registrant_id"),
        {"sqlite_with_rowid": False},
    )

    #: Two characters of name_key, kana_key or address_key.
    gram: Mapped[str] = mapped_column(search_key_type(2), primary_key=True)
    registrant_id: Mapped[int] = mapped_column(
        ForeignKey("registrants.id", ondelete="CASCADE"), primary_key=True
    )
