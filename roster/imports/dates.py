"""Dates as source systems write them: Western or Japanese era (和暦), in their many spellings.

Everything accepted here names exactly one day. Anything else is a DateError holding a message
code (roster.imports.messages) that the import shows translated, so a wrong date is fixed at
the source, never guessed.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from ..eras import ERAS
from ..text import nfkc
from .messages import MessageError


class DateError(MessageError):
    """A value that is not a real date; its message says what is wrong."""


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


def parse_date(text: str) -> date:
    """The day a text names: 1940-03-02, 1940/3/2, 19400302, 1940年3月2日, 昭和15年3月2日,
    昭15.3.2, S15/03/02, H1.1.8, 令和元年5月1日 and the like. Raises DateError otherwise."""
    return _parse(text)


def to_date(value: object) -> date:
    """parse_date for a cell of any kind: Excel date cells are taken as they are, and a number
    such as 19400302 is read as its digits. Raises DateError for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):  # bool is an int, but True is no date
        raise DateError("date_not_a_date", value=str(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | str):
        return parse_date(str(value))
    if value is None:
        raise DateError("date_none")
    raise DateError("date_not_a_date", value=str(value))


@lru_cache(maxsize=65536)  # a register repeats birth dates many times over
def _parse(text: str) -> date:
    compact = _TIME_SUFFIX.sub("", nfkc(text).strip()).translate(_SEPARATORS)
    if not compact:
        raise DateError("date_none")
    if match := _ERA_DATE.fullmatch(compact):
        return _era_date(text, match)
    for pattern in (_WESTERN_DATE, _COMPACT_DATE):
        if match := pattern.fullmatch(compact):
            year, month, day = (int(match[part]) for part in ("year", "month", "day"))
            return _real_date(text, year, month, day)
    raise DateError("date_unreadable", value=text)


def _era_date(text: str, match: re.Match[str]) -> date:
    era = _ERAS[match["era"].upper()]
    era_year = 1 if match["year"] == "元" else int(match["year"])  # 元年 is the first year
    if era_year == 0:
        raise DateError("era_year_zero", value=text, era=era.name)
    day = _real_date(text, era.start.year + era_year - 1, int(match["month"]), int(match["day"]))
    if day < era.start:
        raise DateError("era_before", value=text, era=era.name, day=era.start.isoformat())
    if era.end is not None and day > era.end:
        raise DateError("era_after", value=text, era=era.name, day=era.end.isoformat())
    return day


def _real_date(text: str, year: int, month: int, day: int) -> date:
    """The date, or a DateError saying which part does not exist."""
    if year < 1:
        raise DateError("no_year", value=text, year=year)
    if not 1 <= month <= 12:
        raise DateError("no_month", value=text, month=month)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise DateError(
            "no_day", value=text, year=year, month=f"{month:02d}", days=days, day=day
        )
    return date(year, month, day)
