"""Small helpers for drawing demo values from a seeded random.Random."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

JST = timezone(timedelta(hours=9))


class Weighted(Generic[T]):
    """A fixed set of values with relative weights, drawn in O(log n)."""

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        items = [(value, weight) for value, weight in pairs if weight > 0]
        self.values: list[T] = [value for value, _ in items]
        self.cumulative = list(accumulate(weight for _, weight in items))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        """One value, with probability proportional to its weight."""
        index = bisect_right(self.cumulative, rng.random() * self.total)
        return self.values[min(index, len(self.values) - 1)]


def chance(rng: random.Random, probability: float) -> bool:
    """True with the given probability."""
    return rng.random() < probability


def one_of(rng: random.Random, values: Sequence[T]) -> T:
    """A uniformly chosen element."""
    return values[int(rng.random() * len(values))]


def zipf(values: Sequence[T], exponent: float = 0.8, offset: float = 5.0) -> Weighted[T]:
    """Weights falling with rank, for lists ordered most common first."""
    return Weighted((value, 1.0 / (rank + offset) ** exponent) for rank, value in enumerate(values))


def day_between(rng: random.Random, start: date, end: date) -> date:
    """A uniformly chosen day from start to end inclusive (start when end is earlier)."""
    span = (end - start).days
    return start if span <= 0 else start + timedelta(days=int(rng.random() * (span + 1)))


def years_before(day: date, years: int) -> date:
    """The same calendar day some years earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def office_hours(rng: random.Random, day: date) -> datetime:
    """A moment (UTC) between 9:00 and 17:00 Japan time on the given day."""
    minutes = 9 * 60 + int(rng.random() * 8 * 60)
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=JST)
    return local.astimezone(UTC)


def digits(rng: random.Random, count: int) -> str:
    """A string of random decimal digits."""
    return f"{rng.randrange(10**count):0{count}d}"
