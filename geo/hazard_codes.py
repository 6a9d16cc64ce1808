"""What a hazard layer's attributes mean: flood depth ranks, landslide zones and phenomena.

国土数値情報 publishes A31 (depth rank A31a_205) and A33 (A33_001 phenomenon, A33_002 zone);
prefectures publish their own files with their own names, such as Tokyo's `kubun`
(特別警戒区域 / 警戒区域) and `genshoname` (土石流 / 急傾斜地の崩壊 / 地滑り). Both are read here,
and staff can name other properties and say what other values mean (Attributes).

Nothing is guessed and nothing is dropped: a landslide layer whose zone cannot be read, a
value nobody said the meaning of, or a flood layer with no depth rank is refused with the
properties and values the file does have (HazardInputError).
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .hazard_errors import HazardInputError

#: Flood depth rank properties, first found wins: 国土数値情報 A31a (2020–) and older A31.
FLOOD_DEPTH_PROPERTIES = ("A31a_205", "A31_205")
#: Zone properties, first found wins (any case): A33, Tokyo's, and the Japanese headings.
ZONE_PROPERTIES = ("A33_002", "kubun", "区分", "区域区分", "指定区分", "区域")
#: Phenomenon properties, first found wins (any case).
PHENOMENON_PROPERTIES = (
    "A33_001",
    "genshoname",
    "genshou",
    "現象名",
    "現象",
    "現象区分",
    "自然現象",
    "自然現象の種類",
)
#: A33_001 codes: 1 急傾斜地の崩壊, 2 土石流, 3 地滑り.
PHENOMENA = {1: "steep_slope", 2: "debris_flow", 3: "landslide"}
#: A33_002 codes: 1 土砂災害警戒区域, 2 土砂災害特別警戒区域.
ZONES = {1: "warning", 2: "special"}
#: The codes written out, as prefectures' own files do, matched within the value (special
#: before warning: 特別警戒 contains 警戒). The stored names are accepted too.
PHENOMENON_WORDS = {
    "急傾斜": 1,
    "がけ崩れ": 1,
    "崖崩れ": 1,
    "土石流": 2,
    "地すべり": 3,
    "地滑り": 3,
    **{name: code for code, name in PHENOMENA.items()},
}
ZONE_WORDS = {
    "特別警戒": 2,
    "レッドゾーン": 2,
    "警戒": 1,
    "イエローゾーン": 1,
    **{name: code for code, name in ZONES.items()},
}
#: How many distinct values a refusal shows per property, and how many properties.
SAMPLE_VALUES = 3
SAMPLE_PROPERTIES = 12


@dataclass(frozen=True)
class Attributes:
    """How to read a layer's attributes beyond what 国土数値情報 and Tokyo publish.

    *_property: the property to read instead of the recognised names.
    zone_values, phenomenon_values: "VALUE=MEANING" entries (R=special, Y=警戒区域, 1=土石流).
    zone: "warning" or "special" for the areas whose file states no zone; staff say it
    explicitly, never by default.
    """

    depth_property: str | None = None
    zone_property: str | None = None
    phenomenon_property: str | None = None
    zone_values: Sequence[str] = ()
    phenomenon_values: Sequence[str] = ()
    zone: str | None = None


@dataclass(frozen=True)
class Codes:
    """One attribute read for every area: the stored names (None where the file gives no
    value), the property read (None when there is none) and how many values staff gave."""

    values: list[Any]
    property: str | None = None
    given: int = 0


def value_map(
    entries: Iterable[str], labels: dict[int, str], words: dict[str, int]
) -> dict[str, int]:
    """{normalised value: code} from "VALUE=MEANING" entries; the meaning in any form the
    file's own values may take (special, 特別警戒区域, 2)."""
    mapping: dict[str, int] = {}
    for entry in entries:
        value, sign, meaning = entry.partition("=")
        code = _code(meaning.strip(), words, {}) if sign else None
        if not value.strip() or code not in labels:
            meanings = ", ".join(labels.values())
            raise HazardInputError("bad_value_map", entry=entry, meanings=meanings)
        mapping[_key(value)] = code
    return mapping


def read_depths(frame: pd.DataFrame, file: str, prop: str | None) -> Codes:
    """Flood depth ranks; an empty value stays unknown (<NA>), any other must be a rank."""
    column = _column(frame, file, prop, FLOOD_DEPTH_PROPERTIES)
    if column is None:
        raise HazardInputError("no_depth_property", file=file, properties=samples(frame))
    ranks = [_integer(value) for value in frame[column]]
    bad = Counter(
        _show(value)
        for value, rank in zip(frame[column], ranks, strict=True)
        if rank is None and not _empty(value)
    )
    if bad:
        raise HazardInputError(
            "unknown_depths", file=file, property=column, count=bad.total(), values=_few(bad)
        )
    return Codes(pd.array(ranks, dtype="Int64"), column)


def read_zones(frame: pd.DataFrame, file: str, attributes: Attributes) -> Codes:
    """Landslide zones: every area's, from the file or from staff's explicit `zone`."""
    given = attributes.zone
    column = _column(frame, file, attributes.zone_property, ZONE_PROPERTIES)
    if column is None:
        if given is None:
            raise HazardInputError("no_zone_property", file=file, properties=samples(frame))
        return Codes([given] * len(frame), None, len(frame))
    mapping = value_map(attributes.zone_values, ZONES, ZONE_WORDS)
    zones = _labels(frame[column], file, column, ZONES, ZONE_WORDS, mapping, "unknown_zones")
    missing = sum(zone is None for zone in zones)
    if missing and given is None:
        raise HazardInputError("missing_zones", file=file, property=column, count=missing)
    return Codes([zone or given for zone in zones], column, missing)


def read_phenomena(frame: pd.DataFrame, file: str, attributes: Attributes) -> Codes:
    """Landslide phenomena; None where the file names none (the report counts them)."""
    column = _column(frame, file, attributes.phenomenon_property, PHENOMENON_PROPERTIES)
    if column is None:
        return Codes([None] * len(frame))
    mapping = value_map(attributes.phenomenon_values, PHENOMENA, PHENOMENON_WORDS)
    return Codes(
        _labels(
            frame[column], file, column, PHENOMENA, PHENOMENON_WORDS, mapping, "unknown_phenomena"
        ),
        column,
    )


def samples(frame: pd.DataFrame) -> str:
    """The properties with a few of their values, for a refusal: "kbn (R, Y), name (大沢)"."""
    shown = []
    for column in list(frame.columns)[:SAMPLE_PROPERTIES]:
        values = [_show(v) for v in pd.unique(frame[column].dropna())[:SAMPLE_VALUES]]
        shown.append(f"{column} ({', '.join(values)})" if values else str(column))
    more = len(frame.columns) - SAMPLE_PROPERTIES
    return ", ".join(shown + ([f"… (+{more})"] if more > 0 else [])) or "—"


def _column(
    frame: pd.DataFrame, file: str, named: str | None, known: Sequence[str]
) -> str | None:
    """The property to read: the one named (which must exist), else the first known one."""
    by_fold = {str(column).casefold(): str(column) for column in frame.columns}
    if named:
        found = named if named in frame.columns else by_fold.get(named.casefold())
        if found is None:
            properties = ", ".join(map(str, frame.columns)) or "—"
            raise HazardInputError(
                "missing_property", file=file, property=named, properties=properties
            )
        return found
    return next((by_fold[name.casefold()] for name in known if name.casefold() in by_fold), None)


def _labels(
    values: pd.Series,
    file: str,
    column: str,
    labels: dict[int, str],
    words: dict[str, int],
    mapping: dict[str, int],
    refusal: str,
) -> list[str | None]:
    """Stored names for a code column; any value that is not empty must have a meaning."""
    found: list[str | None] = []
    bad: Counter[str] = Counter()
    for value in values:
        label = labels.get(_code(value, words, mapping) or 0)
        if label is None and not _empty(value):
            bad[_show(value)] += 1
        found.append(label)
    if bad:
        raise HazardInputError(
            refusal, file=file, property=column, count=bad.total(), values=_few(bad)
        )
    return found


def _code(value: Any, words: dict[str, int], mapping: dict[str, int]) -> int | None:
    """A code written as a number (1, "1", "１"), a mapped value, or in words (土石流)."""
    if _empty(value):
        return None
    key = _key(value)
    if key in mapping:
        return mapping[key]
    number = _integer(value)
    if number is not None or not isinstance(value, str):
        return number
    return next((code for word, code in words.items() if word in key), None)


def _key(value: Any) -> str:
    number = _integer(value)
    text = str(number) if number is not None else str(value)
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _integer(value: Any) -> int | None:
    """A whole number from a number or text ("2", "２", 2.0); None otherwise."""
    if _empty(value):
        return None
    if isinstance(value, str):
        try:
            value = float(unicodedata.normalize("NFKC", value).strip())
        except ValueError:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number == int(number) else None


def _empty(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def _show(value: Any) -> str:
    text = str(value).strip()
    return text if len(text) <= 20 else text[:19] + "…"


def _few(counts: Counter[str]) -> str:
    shown = [value for value, _ in counts.most_common(5)]
    return ", ".join(shown) + (", …" if len(counts) > len(shown) else "")
