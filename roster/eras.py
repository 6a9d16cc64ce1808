"""Japanese eras (和暦): showing a date as 令和8年11月22日 beside the Western one, and reading
a date as people and source systems write it: 西暦 or 和暦, in their many spellings.

Everything parse_date accepts names exactly one day; anything else is a DateTextError whose
code says what is wrong, so a wrong date is fixed where it was typed, never guessed."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from .text import nfkc

#: Era name, romaji, first day. The newest first.
ERAS: tuple[tuple[str, str, date], ...] = (
    ("令和", "Reiwa", date(2019, 5, 1)),
    ("平成", "Heisei", date(1989, 1, 8)),
    ("昭和", "Showa", date(1926, 12, 25)),
    ("大正", "Taisho", date(1912, 7, 30)),
    ("明治", "Meiji", date(1868, 1, 25)),
)


def era_of(day: date) -> tuple[str, int] | None:
    """The era and its year number for a date, or None before 明治."""
    for name, _romaji, start in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    return None


def wareki(day: date) -> str:
    """昭和15年3月2日; the first year of an era is written 元年."""
    era = era_of(day)
    if era is None:
        return ""
    name, year = era
    year_text = "元" if year == 1 else str(year)
    return f"{name}{year_text}年{day.month}月{day.day}日"


def parse_date(text: str) -> date:
    """The day a text names: 1940-03-02, 1940/3/2, 19400302, 1940年3月2日, 昭和15年3月2日,
    昭15.3.2, S15/03/02, H1.1.8, 令和元年5月1日, ㍼15年3月2日, in full-width or half-width
    characters. A 和暦 date must fall in its era. Raises DateTextError otherwise."""
    return _parse(text)


class _Era(NamedTuple):
    name: str
    romaji: str
    start: date
    end: date | None  # None for the current era


def _era_table() -> dict[str, _Era]:
    """Each era under its full name, its one-kanji abbreviation and its romaji letter."""
    table: dict[str, _Era] = {}
    end: date | None = None
    for name, romaji, start in ERAS:  # newest first: an era ends the day before the next began
        era = _Era(name, romaji, start, end)
        for alias in (name, name[0], romaji[0].upper()):
            table[alias] = era
        end = start - timedelta(days=1)
    return table


_ERAS = _era_table()
# Longest aliases first so 昭和 is not read as 昭 followed by 和.
_ERA_ALIASES = "|".join(sorted(_ERAS, key=len, reverse=True))

# Applied after NFKC, with 年/月 turned into "/" and 日 and whitespace removed.
_ERA_DATE = re.compile(
    rf"(?P<era>{_ERA_ALIASES}|[mtshr])\.?(?P<year>\d{{1,2}}|元)"
    r"[./-](?P<month>\d{1,2})[./-](?P<day>\d{1,2})"
)
_WESTERN_DATE = re.compile(r"(?P<year>\d{4})[./-](?P<month>\d{1,2})[./-](?P<day>\d{1,2})")
_COMPACT_DATE = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})")
# A time of day after the date, as spreadsheets and databases append to a date-time value.
_TIME_SUFFIX = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_SEPARATORS = str.maketrans({"年": "/", "月": "/", "日": None, " ": None, "\t": None})

#: The Latin initial of each era, as written on forms (S15.3.2, R7.4.1).
INITIALS = {romaji[0]: name for name, romaji, _start in ERAS}


class DateTextError(ValueError):
    """Text that names no day. `code` says why (the import's messages translate it, see
    roster.imports.messages), `params` fill in the message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@lru_cache(maxsize=65536)  # a register repeats birth dates many times over
def _parse(text: str) -> date:
    compact = _TIME_SUFFIX.sub("", nfkc(text).strip()).translate(_SEPARATORS)
    if not compact:
        raise DateTextError("date_none")
    if match := _ERA_DATE.fullmatch(compact):
        return _era_date(text, match)
    for pattern in (_WESTERN_DATE, _COMPACT_DATE):
        if match := pattern.fullmatch(compact):
            year, month, day = (int(match[part]) for part in ("year", "month", "day"))
            return _real_date(text, year, month, day)
    raise DateTextError("date_unreadable", value=text)


def _era_date(text: str, match: re.Match[str]) -> date:
    era = _ERAS[match["era"].upper()]
    era_year = 1 if match["year"] == "元" else int(match["year"])  # 元年 is the first year
    if era_year == 0:
        raise DateTextError("era_year_zero", value=text, era=era.name)
    day = _real_date(text, era.start.year + era_year - 1, int(match["month"]), int(match["day"]))
    if day < era.start:
        raise DateTextError("era_before", value=text, era=era.name, day=era.start.isoformat())
    if era.end is not None and day > era.end:
        raise DateTextError("era_after", value=text, era=era.name, day=era.end.isoformat())
    return day


def _real_date(text: str, year: int, month: int, day: int) -> date:
    """The date, or a DateError saying which part does not exist."""
    if year < 1:
        raise DateTextError("no_year", value=text, year=year)
    if not 1 <= month <= 12:
        raise DateTextError("no_month", value=text, month=month)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise DateTextError(
            "no_day", value=text, year=year, month=f"{month:02d}", days=days, day=day
        )
    return date(year, month, day)
