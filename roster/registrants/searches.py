"""Search terms kept on the server under an opaque key (see models.searches)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from ..extensions import DbSession
from ..models import SavedSearch, User
from ..models.base import utcnow

#: How long a search key in a URL keeps working.
SEARCH_LIFETIME = timedelta(hours=12)


def remember_search(session: DbSession, user: User, text: str) -> str:
    """Store what was typed and return the key for the URL; old keys are forgotten."""
    forget_expired_searches(session)
    key = secrets.token_urlsafe(12)
    session.add(SavedSearch(key=key, user_id=user.id, text=text[:100]))
    return key


def forget_expired_searches(session: DbSession) -> None:
    """Delete every search older than SEARCH_LIFETIME (they may hold names)."""
    session.execute(delete(SavedSearch).where(SavedSearch.created_at < utcnow() - SEARCH_LIFETIME))


def recall_search(session: DbSession, user: User, key: str) -> str | None:
    """The text behind a key, if it is this user's and still fresh."""
    return session.scalar(
        select(SavedSearch.text).where(
            SavedSearch.key == key,
            SavedSearch.user_id == user.id,
            SavedSearch.created_at >= utcnow() - SEARCH_LIFETIME,
        )
    )


def forget_searches(session: DbSession, user: User) -> None:
    """Drop the user's searches, at sign-out."""
    session.execute(delete(SavedSearch).where(SavedSearch.user_id == user.id))
