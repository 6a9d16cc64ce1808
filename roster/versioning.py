"""Optimistic locking for edit forms: a save built on an older version is refused (409).

A versioned model maps its `version` column as SQLAlchemy's `version_id_col`, so two saves
that race past the check still collide in the UPDATE (StaleDataError). The form carries the
version it was built on in a hidden field; `check_version` compares it before anything
changes, so a stale form never overwrites a newer save unseen.
"""

from __future__ import annotations

from typing import Protocol


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
