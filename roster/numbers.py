"""Numbers read from URL text, bounded so that no value reaches the database as an error."""

from __future__ import annotations

#: The largest value of an INTEGER column on every backend (PostgreSQL's int4).
MAX_INT = 2**31 - 1


def bounded_int(value: str | None, low: int = 1, high: int = MAX_INT) -> int | None:
    """A number from URL text within [low, high], or None for anything else (words, signs,
    other scripts' digits, numbers too large for the database)."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 12:
        return None
    number = int(value)
    return number if low <= number <= high else None
