"""Japanese eras (和暦): showing a date as 令和8年11月22日 beside the Western one."""

from __future__ import annotations

from datetime import date

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
