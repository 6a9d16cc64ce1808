"""Optimistic locking for edit forms: a save built on an older version is refused (409).

A versioned model maps its `version` column as SQLAlchemy's `version_id_col`, so two saves
that race past the check still collide in the UPDATE (StaleDataError). The form carries the
version it was built on in a hidden field; `check_version` compares it before anything
changes, so a stale form never overwrites a newer save unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from sqlalchemy.orm.exc import StaleDataError

from .extensions import DbSession

T = TypeVar("T")


class Versioned(Protocol):
    id: int
    version: int


class StaleEditError(Exception):
    """The form was built on an older version of the record than the one stored."""


def posted_version(value: str | None) -> int | None:
    """The version a form was built on, from its hidden field; None when missing or garbled."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 9 else None


def check_version(record: Versioned, expected: int | None) -> None:
    """Refuse (StaleEditError) a save whose form was built on another version of `record`."""
    if expected is None or record.version != expected:
        raise StaleEditError(record.id)


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What save_versioned did: the save's own answer, or a conflict that changed nothing."""

    value: T | None = None
    conflict: bool = False


def save_versioned(
    session: DbSession, posted: str | None, save: Callable[[int | None], T]
) -> Saved[T]:
    """Run an edit built on the version a form posted, and flush it.

    `save` receives that version (None when the field is missing or garbled, which the check
    refuses) and calls check_version before it changes anything. A save built on another
    version, or one that lost the race in the UPDATE itself (StaleDataError), is rolled back
    and reported as a conflict, for the view to answer 409 with the form as it was posted.
    Other errors (a duplicate key, say) pass through to the view. The view commits.
    """
    try:
        value = save(posted_version(posted))
        session.flush()
    except (StaleEditError, StaleDataError):
        session.rollback()
        return Saved(conflict=True)
    return Saved(value=value)
