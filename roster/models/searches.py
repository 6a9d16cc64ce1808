"""Search terms, kept on the server so that a name typed in the search box never travels in
a URL or a cookie: the list's URL carries only an opaque key, valid for its user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class SavedSearch(Base):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The opaque key in the list's URL.
    key: Mapped[str] = mapped_column(String(24), unique=True)
    #: Only this user can use the key.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What was typed in the search box (may be a name: personal data).
    text: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
