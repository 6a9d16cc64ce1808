"""Readers of the public address-point files, streamed and filtered to one municipality.

- 国土交通省 位置参照情報 街区レベル: CSV in Shift_JIS, a whole prefecture per file
  (都道府県名, 市区町村名, 大字・丁目名, 小字・通称名, 街区符号・地番, …, 緯度, 経度, …).
- デジタル庁 アドレス・ベース・レジストリ, 住居表示 住居 and 街区 位置参照 (CSV, UTF-8), with the
  Japanese headers (全国地方公共団体コード, 大字・町名, 丁目名, 街区符号, 住居番号,
  代表点_緯度, …) or the English ones (lg_code, oaza_cho, chome, blk_num, rsdt_num,
  rep_lat, rep_lon, …).
- 町丁目 points: `town,koaza,lat,lng` (Geolonia 住所データ per city), or 大字・町丁目レベル
  位置参照情報 (大字町丁目名, 緯度, 経度).

Rows are read one at a time, so a prefecture's file never sits in memory.
"""

from __future__ import annotations

import codecs
import csv
import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .addresses import BLOCK, CHOME, HOUSE, number, point_key, split_chome, town_name

#: Accepted header names of each column, after NFKC (Ｘ座標 → X座標, （） → ()).
COLUMNS: dict[str, tuple[str, ...]] = {
    "prefecture": ("都道府県名", "pref"),
    "city": ("市区町村名", "city"),
    "code": ("全国地方公共団体コード", "市区町村コード", "lg_code"),
    "town": ("大字・丁目名", "大字・町名", "大字町丁目名", "大字・町丁目名", "oaza_cho", "town"),
    "chome": ("丁目名", "chome"),
    "koaza": ("小字・通称名", "小字名", "koaza"),
    "block": ("街区符号・地番", "街区符号", "blk_num"),
    "house": ("住居番号", "rsdt_num"),
    "latitude": ("緯度", "代表点_緯度", "緯度(代表点)", "rep_lat", "rep_pnt_lat", "lat"),
    "longitude": ("経度", "代表点_経度", "経度(代表点)", "rep_lon", "rep_pnt_lon", "lng", "lon"),
}
_Cell = Callable[[str], str]
_ID_COLUMNS = {"住居id", "街区id", "町字id", "rsdt_id", "blk_id", "machiaza_id"}


class PointFormatError(ValueError):
    """The header fits no address-point format; `looks_like` says what it seems to be."""

    def __init__(self, looks_like: str, columns: str = "") -> None:
        super().__init__(f"fits no address-point format: looks like {looks_like} {columns}")
        self.looks_like = looks_like
        self.columns = columns


@dataclass(frozen=True)
class Area:
    """The municipality whose points are kept."""

    prefecture: str
    city: str
    #: 全国地方公共団体コード (6 digits with the check digit, or 5 without).
    code: str = ""


@dataclass(frozen=True)
class Point:
    key: str
    latitude: float
    longitude: float
    level: str


@dataclass
class PointRead:
    """What a file held: its format, and every row counted by what became of it."""

    format: str = ""
    level: str = ""
    rows: int = 0
    kept: int = 0
    other_city: int = 0
    duplicates: int = 0
    #: Rows of the municipality that could not be read, by reason.
    skipped: Counter[str] = field(default_factory=Counter)
    #: (line, reason) of rows whose coordinates are unreadable: the file is refused.
    errors: list[tuple[int, str]] = field(default_factory=list)


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the start of the file decodes as such, else cp932."""
    with path.open("rb") as handle:
        sample = handle.read(1 << 16)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8"


def header_columns(header: list[str]) -> dict[str, int]:
    """Column positions by role, from the header's names (any accepted variant)."""
    names = [unicodedata.normalize("NFKC", h).strip().lower() for h in header]
    found: dict[str, int] = {}
    for role, aliases in COLUMNS.items():
        for alias in aliases:
            if alias.lower() in names:
                found[role] = names.index(alias.lower())
                break
    return found


def detect_format(header: list[str]) -> tuple[str, str, dict[str, int]]:
    """(format name, level, column positions), or PointFormatError naming what it looks like."""
    columns = header_columns(header)
    if {"town", "latitude", "longitude"} <= columns.keys():
        if "house" in columns and "block" in columns:
            return "abr_house", HOUSE, columns
        if "block" in columns:
            name = "mlit_block" if "街区符号・地番" in _names(header) else "abr_block"
            return name, BLOCK, columns
        return "chome", CHOME, columns
    raise PointFormatError(_looks_like(header), ", ".join(h for h in header[:6]))


def _names(header: list[str]) -> set[str]:
    return {unicodedata.normalize("NFKC", h).strip().lower() for h in header}


def _looks_like(header: list[str]) -> str:
    names = _names(header)
    if "住所" in names and names & {"氏名", "宛名番号", "住民番号"}:
        return "registrants"
    if "施設・場所名" in names or "共通id" in names:
        return "shelters"
    if names & _ID_COLUMNS:
        return "ids_only"
    return "unknown"


class PointReader:
    """Streams the points of one municipality from one file; counts in `read`."""

    def __init__(self, path: str | Path, area: Area) -> None:
        self.path = Path(path)
        self.area = area
        self.encoding = detect_encoding(self.path)
        self.read = PointRead()
        self._seen: set[str] = set()

    def points(self) -> Iterator[Point]:
        """Every point of the municipality, first row of a key only."""
        with self.path.open(encoding=self.encoding, newline="") as handle:
            rows = csv.reader(handle)
            header = next(rows, [])
            self.read.format, self.read.level, columns = detect_format(header)
            for line, row in enumerate(rows, start=2):
                self.read.rows += 1
                point = self._point(line, row, columns)
                if point is not None:
                    yield point

    def _point(self, line: int, row: list[str], columns: dict[str, int]) -> Point | None:
        """The row's point, or None when it is skipped, refused or a repeat (each counted)."""
        cell = _row_cells(row, columns)
        if not self._in_area(cell):
            self.read.other_city += 1
            return None
        key = self._key(cell)
        if key is None:
            return None
        latitude, longitude = _float(cell("latitude")), _float(cell("longitude"))
        if not _valid(latitude, longitude):
            self.read.errors.append((line, "coordinates"))
            return None
        if key in self._seen:
            self.read.duplicates += 1
            return None
        self._seen.add(key)
        self.read.kept += 1
        return Point(key, float(latitude or 0), float(longitude or 0), self.read.level)

    def _in_area(self, cell: _Cell) -> bool:
        code, city = cell("code"), cell("city")
        if code and self.area.code:
            return code[:5] == self.area.code[:5]
        if city:
            prefecture = cell("prefecture")
            same_city = unicodedata.normalize("NFKC", city) == self.area.city
            return same_city and (not prefecture or prefecture == self.area.prefecture)
        return True

    def _key(self, cell: _Cell) -> str | None:
        town, chome = split_chome(cell("town") + cell("chome"))
        if cell("koaza") and chome is None:
            town += town_name(cell("koaza")).removeprefix("字")
        if not town:
            self.read.skipped["no_town"] += 1
            return None
        if self.read.level == CHOME:
            return point_key(town, chome)
        block = number(cell("block"))
        house = number(cell("house")) if self.read.level == HOUSE else None
        if block is None or (self.read.level == HOUSE and house is None):
            self.read.skipped["number"] += 1
            return None
        return point_key(town, chome, block, house)


def _row_cells(row: list[str], columns: dict[str, int]) -> _Cell:
    """A row's cell by role, stripped; "" where the file has no such column or cell."""

    def cell(role: str) -> str:
        at = columns.get(role)
        return row[at].strip() if at is not None and at < len(row) else ""

    return cell


def _float(text: str) -> float | None:
    try:
        return float(unicodedata.normalize("NFKC", text))
    except ValueError:
        return None


def _valid(latitude: float | None, longitude: float | None) -> bool:
    """Inside Japan's bounding box (which also refuses swapped or plane coordinates)."""
    if latitude is None or longitude is None or math.isnan(latitude) or math.isnan(longitude):
        return False
    return 20.0 <= latitude <= 46.0 and 122.0 <= longitude <= 154.0
