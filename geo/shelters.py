"""Shelter lists in the formats municipalities bring, read into one shape.

Three formats:

- "gsi": GSI's 指定緊急避難場所・指定避難所データ, as GeoJSON or as GSI's CSV (UTF-8 with a BOM,
  quoted values that hold newlines; Shift_JIS copies are read too). Each file is either a
  list of 指定避難所 or of 指定緊急避難場所; its columns tell which. Listings of one place in
  both lists become one row, as geo.gsi merges them.
- "jp-standard": the Digital Agency's standard 「指定緊急避難場所一覧」 CSV. Real files publish
  any subset of its columns in any order, in UTF-8 or cp932, with flags written 1, 1.0 or ○.
- "csv": any CSV, through a mapping {target column: source header}.

Before reading rows, each reader looks at the file's header (what_it_looks_like): a file of
another format (GSI's lists, the standard list, a CSV with its own columns, a hazard layer,
an Excel workbook, anything that is not CSV or GeoJSON text) is refused with one
FormatMismatch that says what the file looks like and how to import it, and no row is read.

Every reader returns the same columns (SHELTER_FIELDS) with point geometry in EPSG:4326,
plus a list of RowError. A bad row is reported and left out, never raised, so the caller can
show every problem at once and refuse the whole import ("nothing half-written"). Messages are
English sentences that name the column; the caller translates and labels them.

出典：国土地理院 指定緊急避難場所・指定避難所データ (for GSI files).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from .capacity import parse_capacity
from .groups import normalise_accepts
from .gsi import HAZARD_COLUMNS, listing, merge_places
from .hazards import is_tokyo_datum

#: The columns of every reader's frame (plus geometry), in this order.
SHELTER_FIELDS = (
    "source_id",
    "name",
    "name_kana",
    "address",
    "latitude",
    "longitude",
    "is_emergency_site",
    "is_evacuation_shelter",
    "is_welfare_shelter",
    "hazards",
    "accepts",
    "accept_groups",
    "capacity_text",
    "capacity",
    "phone",
    "city_code",
)

#: Every ID a row's place is listed under (GSI lists one place in both lists under two
#: 共通ID); a column of the frame beside SHELTER_FIELDS.
SOURCE_IDS = "source_ids"

FORMATS = ("gsi", "jp-standard", "csv")

#: The two published lists, by the frame's column of that kind.
LIST_KINDS = ("is_emergency_site", "is_evacuation_shelter")

#: What a file can look like (what_it_looks_like), and which of them each format reads.
LOOKS = (
    "gsi-evacuation",
    "gsi-emergency",
    "jp-standard",
    "own-columns",
    "geojson-other",
    "hazard",
    "xlsx",
    "not-text",
)
READS: dict[str, tuple[str, ...]] = {
    "gsi": ("gsi-evacuation", "gsi-emergency"),
    "jp-standard": ("jp-standard",),
    "csv": ("gsi-evacuation", "gsi-emergency", "jp-standard", "own-columns"),
}
#: The format that reads a file that looks like this, if any.
FORMAT_FOR_LOOK = {
    "gsi-evacuation": "gsi",
    "gsi-emergency": "gsi",
    "jp-standard": "jp-standard",
    "own-columns": "csv",
}

#: The Digital Agency's 指定緊急避難場所一覧 columns, in the published order.
JP_STANDARD_COLUMNS = (
    "全国地方公共団体コード",
    "ID",
    "名称",
    "名称_カナ",
    "名称_英字",
    "所在地_全国地方公共団体コード",
    "町字ID",
    "所在地_連結表記",
    "所在地_都道府県",
    "所在地_市区町村",
    "所在地_町字",
    "所在地_番地以下",
    "建物名等(方書)",
    "緯度",
    "経度",
    "標高",
    "電話番号",
    "内線番号",
    "連絡先メールアドレス",
    "連絡先FormURL",
    "連絡先備考（その他、SNSなど）",
    "郵便番号",
    "市区町村コード",
    "地方公共団体名",
    *(f"災害種別_{column}" for column in HAZARD_COLUMNS.values()),
    "指定避難所との重複",
    "想定収容人数",
    "対象となる町会・自治会",
    "URL",
    "画像",
    "画像_ライセンス",
    "備考",
)

#: Targets a "csv" mapping may name: the frame's scalar columns, "capacity" for the capacity
#: text, and each hazard key (flood, landslide, ...) for that hazard's flag column.
MAPPING_TARGETS = (
    "source_id",
    "name",
    "name_kana",
    "address",
    "latitude",
    "longitude",
    "is_emergency_site",
    "is_evacuation_shelter",
    "is_welfare_shelter",
    "accepts",
    "capacity",
    "phone",
    "city_code",
    *HAZARD_COLUMNS,
)
REQUIRED_TARGETS = ("source_id", "name", "latitude", "longitude")

#: Japan, generously: a coordinate outside these is a typo or a swapped pair.
LATITUDE_RANGE = (20.0, 46.0)
LONGITUDE_RANGE = (122.0, 154.0)

_JP_TARGETS: dict[str, str] = {
    "source_id": "ID",
    "name": "名称",
    "name_kana": "名称_カナ",
    "address": "所在地_連結表記",
    "latitude": "緯度",
    "longitude": "経度",
    "phone": "電話番号",
    "is_evacuation_shelter": "指定避難所との重複",
    "capacity": "想定収容人数",
    **{key: f"災害種別_{column}" for key, column in HAZARD_COLUMNS.items()},
}
_JP_CITY_COLUMNS = ("全国地方公共団体コード", "市区町村コード", "所在地_全国地方公共団体コード")
_JP_ADDRESS_PARTS = (
    "所在地_都道府県",
    "所在地_市区町村",
    "所在地_町字",
    "所在地_番地以下",
    "建物名等(方書)",
)
_GSI_EVACUATION_ONLY = (
    "受入対象者",
    "指定緊急避難場所との住所同一",
    "その他市町村長が必要と認める事項",
)
_GSI_ID = re.compile(r"E(\d{5})\d{8}")

_TRUE_FLAGS = {"1", "○", "◯", "〇", "●", "true", "yes", "y", "t", "有", "あり", "可", "対象"}
_FALSE_FLAGS = {
    "",
    "0",
    "×",
    "✕",
    "x",
    "-",
    "ー",
    "−",
    "false",
    "no",
    "n",
    "f",
    "無",
    "なし",
    "不可",
}
_ENCODINGS = ("utf-8-sig", "cp932")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one file.

    row: for a CSV, the row a spreadsheet shows (the header is row 1, whatever newlines a
    quoted value holds); for GeoJSON, the feature's number from 1; None for the whole file.
    column: the header as written in the file (or the expected one when it is missing).
    """

    file: str
    row: int | None
    column: str | None
    message: str


@dataclass(frozen=True, slots=True)
class FormatMismatch:
    """A file that is not of the format asked for: what it looks like (one of LOOKS), and
    the headers (or GeoJSON property names) that tell it."""

    file: str
    format: str
    looks_like: str
    headers: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """One sentence: what the file looks like and how to import it."""
        looks = _LOOKS_LIKE[self.looks_like].format(headers=headers_shown(self.headers))
        return (
            f"{Path(self.file).name} is not {_FORMAT_NAMES[self.format]}: "
            f"it looks like {looks}; {_HOW[self.looks_like]}."
        )


_FORMAT_NAMES = {
    "gsi": "a GSI shelter file",
    "jp-standard": "a standard 指定緊急避難場所一覧",
    "csv": "a CSV",
}
_LOOKS_LIKE = {
    "gsi-evacuation": "GSI's list of 指定避難所",
    "gsi-emergency": "GSI's list of 指定緊急避難場所",
    "jp-standard": "the Digital Agency's standard 指定緊急避難場所一覧",
    "own-columns": "a CSV with its own columns ({headers})",
    "geojson-other": "GeoJSON with its own properties ({headers})",
    "hazard": "a hazard layer (areas, not places)",
    "xlsx": "an Excel workbook",
    "not-text": "neither CSV nor GeoJSON text",
}
_MAPPING_HINT = "see docs/shelter-mapping.sample.toml"
_HOW = {
    "gsi-evacuation": "use --format gsi",
    "gsi-emergency": "use --format gsi",
    "jp-standard": "use --format jp-standard",
    "own-columns": f"use --format csv with a mapping; {_MAPPING_HINT}",
    "geojson-other": f"save it as CSV and use --format csv with a mapping; {_MAPPING_HINT}",
    "hazard": "import it with roster import-hazard",
    "xlsx": "save the sheet as CSV (UTF-8) and import that",
    "not-text": "export the list as CSV or GeoJSON",
}


def headers_shown(headers: tuple[str, ...], limit: int = 5) -> str:
    """The first few headers, and an ellipsis when there are more."""
    shown = [header for header in headers if header][:limit]
    return ", ".join(shown + (["…"] if len(headers) > limit else []))


@dataclass
class ShelterRead:
    """The places read (one row each, SHELTER_FIELDS + geometry) and every problem found.

    kinds: the lists (LIST_KINDS) the files speak of. A file of 指定避難所 alone says
    nothing about 指定緊急避難場所, so an import keeps those as they are.
    mismatch: set when a file is not of the format asked for; then no row was read and
    errors holds its one sentence.
    """

    frame: gpd.GeoDataFrame
    errors: list[RowError] = field(default_factory=list)
    kinds: frozenset[str] = frozenset(LIST_KINDS)
    mismatch: FormatMismatch | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileError(Exception):
    """A file that cannot be read at all; becomes a RowError without a row."""

    def __init__(self, message: str, column: str | None = None, missing: bool = False) -> None:
        super().__init__(message)
        self.column = column
        #: A column the format or the mapping needs is missing.
        self.missing = missing


def read_shelter_files(
    paths: str | Path | Iterable[str | Path],
    format: str = "gsi",
    mapping: Mapping[str, str] | None = None,
    city: str | None = None,
) -> ShelterRead:
    """Shelters from one or several files of one format, sorted by source_id.

    city (a 5-digit code or the 6-digit 全国地方公共団体コード with its check digit) keeps only
    that municipality's rows: for GSI files by the code in each 共通ID, for the other formats
    by the row's city-code column where the file has one. Raises ValueError only for a bad
    format or city argument; problems in the files are returned as errors.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown shelter format {format!r}; expected one of {FORMATS}")
    city5 = city_prefix(city) if city is not None else None
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    looks = {path: what_it_looks_like(path) for path in files}
    for path, (look, headers) in looks.items():
        if look is not None and look not in READS[format]:
            return _refused(FormatMismatch(str(path), format, look, headers))
    errors: list[RowError] = []
    kinds: set[str] = set()
    try:
        if format == "gsi":
            places = _read_gsi_files(files, city5, errors, kinds)
        else:
            places = _read_table_files(files, format, mapping, city5, errors, kinds, looks)
    except _Mismatch as refused:
        return _refused(refused.mismatch)
    return ShelterRead(_frame(places), errors, frozenset(kinds))


def _refused(mismatch: FormatMismatch) -> ShelterRead:
    error = RowError(mismatch.file, None, None, mismatch.message)
    return ShelterRead(_frame([]), [error], frozenset(), mismatch)


class _Mismatch(Exception):
    def __init__(self, mismatch: FormatMismatch) -> None:
        super().__init__(mismatch.message)
        self.mismatch = mismatch


# --- What a file looks like ---------------------------------------------------------------------


def what_it_looks_like(path: Path) -> tuple[str | None, tuple[str, ...]]:
    """One of LOOKS and the headers that tell it, from the file's first bytes and header;
    (None, ()) when it cannot be told (an unreadable file: the reader says why)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None, ()
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "xlsx", ()
    try:
        text = _decode(data)
    except _FileError:
        return "not-text", ()
    if "\x00" in text[:4096]:
        return "not-text", ()
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith(("{", "[")):
        return _geojson_look(body)
    first = next((row for row in csv.reader(io.StringIO(body[:65536])) if any(row)), [])
    headers = tuple(_canonical(header) for header in first)
    return _table_look(headers), headers


def _table_look(headers: tuple[str, ...]) -> str:
    present = set(headers)
    if {"共通ID", "施設・場所名"} <= present:
        kind = _gsi_kind(list(headers))
        if kind is not None:
            return "gsi-emergency" if kind else "gsi-evacuation"
    # The standard's own columns tell it; the reader then asks for 緯度 and 経度 by name.
    if present & {"ID", "名称"} and any(header.startswith("災害種別_") for header in headers):
        return "jp-standard"
    return "own-columns"


def _geojson_look(body: str) -> tuple[str | None, tuple[str, ...]]:
    try:
        data = json.loads(body)
    except ValueError:
        return None, ()
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        return None, ()
    names: dict[str, None] = {}
    shapes = set()
    for feature in features[:200]:
        if not isinstance(feature, dict):
            continue
        names.update(dict.fromkeys(_canonical(k) for k in (feature.get("properties") or {})))
        shapes.add(str((feature.get("geometry") or {}).get("type", "")))
    headers = tuple(names)
    if shapes & {"Polygon", "MultiPolygon"}:
        return "hazard", headers
    if "共通ID" in names:
        kind = _gsi_kind(list(headers))
        if kind is not None:
            return ("gsi-emergency" if kind else "gsi-evacuation"), headers
    return "geojson-other", headers


def parse_flag(value: Any) -> bool | None:
    """A yes/no cell: 1, 1.0, 1.00, ○ or true is yes; empty, 0, × or - is no; else None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    text = _clean(value).lower()
    if text in _TRUE_FLAGS:
        return True
    if text in _FALSE_FLAGS:
        return False
    try:
        number = float(text)
    except ValueError:
        return None
    if number in (0, 1):
        return number == 1
    return None


def city_prefix(code: str) -> str:
    """The 5-digit municipality code of a 5- or 6-digit code (checking the check digit).

    >>> city_prefix("132292")
    '13229'
    """
    text = _clean(code)
    if re.fullmatch(r"\d{5}", text):
        return text
    if re.fullmatch(r"\d{6}", text) and check_digit(text[:5]) == text[5]:
        return text[:5]
    raise ValueError(f"{code!r} is not a 5-digit city code or a 6-digit one with its check digit")


def normalise_city_code(value: Any) -> str | None:
    """The 6-digit 全国地方公共団体コード of a cell holding 5 or 6 digits (Excel's 132292.0
    too); None when it is not one."""
    text = _clean(value).removesuffix(".0")
    if re.fullmatch(r"\d{5}", text):
        return text + check_digit(text)
    if re.fullmatch(r"\d{6}", text) and check_digit(text[:5]) == text[5]:
        return text
    return None


def check_digit(code5: str) -> str:
    """The check digit of a 5-digit municipality code (JIS X 0402, modulus 11)."""
    total = sum(int(digit) * weight for digit, weight in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return str((11 - total % 11) % 10)


# --- GSI --------------------------------------------------------------------------------------


def _read_gsi_files(
    files: list[Path], city5: str | None, errors: list[RowError], kinds: set[str]
) -> list[dict[str, Any]]:
    listings: list[dict[str, Any]] = []
    seen: dict[str, tuple[str, int]] = {}
    for path in files:
        try:
            columns, rows = _gsi_table(path)
        except _FileError as error:
            errors.append(RowError(str(path), None, error.column, str(error)))
            continue
        emergency = _gsi_kind(columns)
        if emergency is None:
            errors.append(
                RowError(
                    str(path),
                    None,
                    None,
                    "not a GSI shelter file: it has neither the 指定避難所 columns "
                    "(受入対象者) nor the 指定緊急避難場所 hazard columns (洪水, 地震, ...)",
                )
            )
            continue
        kinds.add("is_emergency_site" if emergency else "is_evacuation_shelter")
        for number, props, point in rows:
            item = _gsi_listing(str(path), number, props, point, emergency, city5, seen, errors)
            if item is not None:
                listings.append(item)
    places = merge_places(listings)
    for place in places:
        place["accept_groups"] = normalise_accepts(place["accepts"])
    return places


_Feature = tuple[int, dict[str, Any], tuple[Any, Any] | None]


def _gsi_table(path: Path) -> tuple[list[str], list[_Feature]]:
    """The columns and, per feature, (row number, properties, (longitude, latitude) or None)."""
    if path.suffix.lower() in (".csv", ".txt"):
        headers, records = _read_csv(path)
        missing = [column for column in ("緯度", "経度") if column not in headers]
        if missing:
            raise _FileError(
                f"required column {', '.join(missing)} missing (a GSI CSV has 緯度 and 経度)",
                missing[0],
            )
        return headers, [
            (number, cells, (cells.get("経度"), cells.get("緯度"))) for number, cells in records
        ]
    try:
        gdf = pyogrio.read_dataframe(path)
    except Exception as error:  # pyogrio raises several kinds for an unreadable file
        raise _FileError(
            f"the file cannot be read as GeoJSON or another GIS format: {error}"
        ) from error
    if gdf.crs is not None:
        crs = CRS.from_user_input(gdf.crs)
        if is_tokyo_datum(crs):
            raise _FileError(
                "the file uses the old Tokyo datum, which cannot be converted "
                "accurately; ask for JGD2011 or WGS84 coordinates"
            )
        if crs.to_epsg() != 4326:
            gdf = gdf.to_crs("EPSG:4326")
    features: list[_Feature] = []
    for number, props in enumerate(gdf.to_dict("records"), start=1):
        geometry = props.pop("geometry", None)
        point = None
        if geometry is not None and geometry.geom_type == "Point" and not geometry.is_empty:
            point = (geometry.x, geometry.y)
        features.append((number, {_canonical(k): v for k, v in props.items()}, point))
    return [_canonical(column) for column in gdf.columns if column != "geometry"], features


def _gsi_kind(columns: list[str]) -> bool | None:
    """True for a 指定緊急避難場所 file, False for 指定避難所, None for neither."""
    if any(column in columns for column in HAZARD_COLUMNS.values()):
        return True
    if any(column in columns for column in _GSI_EVACUATION_ONLY):
        return False
    return None


def _gsi_listing(
    file: str,
    number: int,
    props: dict[str, Any],
    point: tuple[Any, Any] | None,
    emergency: bool,
    city5: str | None,
    seen: dict[str, tuple[str, int]],
    errors: list[RowError],
) -> dict[str, Any] | None:
    """One checked listing, or None when it is another city's or has problems."""
    source_id = _clean(props.get("共通ID"))
    match = _GSI_ID.fullmatch(source_id)
    if match and city5 is not None and match.group(1) != city5:
        return None
    problems: list[tuple[str | None, str]] = []
    if not match:
        problems.append(
            (
                "共通ID",
                f'共通ID "{source_id}" is not "E" followed by 13 digits'
                if source_id
                else "共通ID is empty",
            )
        )
    if not _clean(props.get("施設・場所名")):
        problems.append(("施設・場所名", "施設・場所名 is empty"))
    coordinates: tuple[float, float] | None = None
    if point is None:
        problems.append((None, "the feature has no point geometry"))
    else:
        coordinates, point_problems = _point(point[1], point[0], "緯度", "経度")
        problems += point_problems
    if match and source_id in seen:
        problems.append(("共通ID", _duplicate("共通ID", source_id, *seen[source_id])))
    elif match:
        seen[source_id] = (file, number)
    if problems or coordinates is None or match is None:
        errors += [RowError(file, number, column, message) for column, message in problems]
        return None
    latitude, longitude = coordinates
    return {
        **listing(props, longitude, latitude, emergency),
        "name_kana": None,
        "capacity_text": None,
        "capacity": None,
        "phone": None,
        "city_code": normalise_city_code(match.group(1)),
    }


# --- Digital Agency standard and mapped CSV ------------------------------------------------------


def _read_table_files(
    files: list[Path],
    format: str,
    mapping: Mapping[str, str] | None,
    city5: str | None,
    errors: list[RowError],
    kinds: set[str],
    looks: Mapping[Path, tuple[str | None, tuple[str, ...]]],
) -> list[dict[str, Any]]:
    places: list[dict[str, Any]] = []
    seen: dict[str, tuple[str, int]] = {}
    for path in files:
        file = str(path)
        try:
            headers, records = _read_csv(path)
            if format == "jp-standard":
                columns = _jp_columns(headers)
            else:
                columns = _mapped_columns(headers, mapping)
        except _FileError as error:
            look, shown = looks.get(path, (None, ()))
            if format == "csv" and error.missing and look in ("gsi-evacuation", "gsi-emergency"):
                raise _Mismatch(FormatMismatch(file, format, look, shown)) from error
            if format == "csv" and error.missing and look == "jp-standard":
                raise _Mismatch(FormatMismatch(file, format, look, shown)) from error
            errors.append(RowError(file, None, error.column, str(error)))
            continue
        kinds.update(_table_kinds(format, columns, headers))
        for number, cells in records:
            row_problems: list[tuple[str | None, str]] = []
            place = _table_row(cells, columns, format == "jp-standard", row_problems)
            if city5 is not None and place["city_code"] and place["city_code"][:5] != city5:
                continue
            source_id = place["source_id"]
            if source_id and source_id in seen:
                column = columns.targets["source_id"]
                row_problems.append((column, _duplicate(column, source_id, *seen[source_id])))
            elif source_id:
                seen[source_id] = (file, number)
            if row_problems:
                errors += [RowError(file, number, col, text) for col, text in row_problems]
            else:
                places.append(place)
                kinds.update(kind for kind in LIST_KINDS if place[kind])
    return places


def _table_kinds(format: str, columns: _Columns, headers: list[str]) -> set[str]:
    """The lists a CSV speaks of by its columns alone (its rows add the kinds they have).

    The standard list is the list of 指定緊急避難場所, and of 指定避難所 too when it has the
    column 指定避難所との重複; a mapped CSV speaks of each kind it has a column for.
    """
    if format == "jp-standard":
        shelters = "指定避難所との重複" in headers
        return {"is_emergency_site", *(["is_evacuation_shelter"] if shelters else [])}
    return {kind for kind in LIST_KINDS if kind in columns.targets}


@dataclass
class _Columns:
    """Which header (as written) holds each target, for one file."""

    targets: dict[str, str]
    city: list[str] = field(default_factory=list)
    address_parts: list[str] = field(default_factory=list)


def _jp_columns(headers: list[str]) -> _Columns:
    present = set(headers)
    missing = [
        _JP_TARGETS[target] for target in REQUIRED_TARGETS if _JP_TARGETS[target] not in present
    ]
    if missing:
        raise _FileError(
            f"required column {', '.join(missing)} missing (the file has: {', '.join(headers)})",
            missing[0],
            missing=True,
        )
    return _Columns(
        {target: column for target, column in _JP_TARGETS.items() if column in present},
        [column for column in _JP_CITY_COLUMNS if column in present],
        [column for column in _JP_ADDRESS_PARTS if column in present],
    )


def _mapped_columns(headers: list[str], mapping: Mapping[str, str] | None) -> _Columns:
    if not mapping:
        raise _FileError("a column mapping is needed to read a CSV in the csv format")
    unknown = [target for target in mapping if target not in MAPPING_TARGETS]
    if unknown:
        raise _FileError(
            f"the mapping names an unknown target {unknown[0]!r}; "
            f"targets are {', '.join(MAPPING_TARGETS)}",
            unknown[0],
        )
    missing_targets = [target for target in REQUIRED_TARGETS if target not in mapping]
    if missing_targets:
        raise _FileError(
            f"the mapping must name a column for {missing_targets[0]}", missing_targets[0]
        )
    by_key = {_key(header): header for header in headers}
    targets: dict[str, str] = {}
    for target, source in mapping.items():
        header = by_key.get(_key(source))
        if header is None:
            raise _FileError(
                f"column {source} (mapped to {target}) is missing", source, missing=True
            )
        targets[target] = header
    city = [targets.pop("city_code")] if "city_code" in targets else []
    return _Columns(targets, city)


def _table_row(
    cells: dict[str, str],
    columns: _Columns,
    emergency_list: bool,
    problems: list[tuple[str | None, str]],
) -> dict[str, Any]:
    """One place from a CSV row, its problems appended (the caller drops a row with any)."""
    targets = columns.targets

    def text(target: str) -> str | None:
        """The cell as published (trimmed): names, addresses and free text stay as written."""
        column = targets.get(target)
        value = (cells.get(column) or "").strip() if column else ""
        return value or None

    def code(target: str) -> str | None:
        """The cell in NFKC, for identifiers and numbers written with full-width digits."""
        value = text(target)
        return _clean(value) or None if value else None

    def flag(target: str) -> bool | None:
        column = targets.get(target)
        if column is None:
            return None
        value = parse_flag(cells.get(column))
        if value is None:
            problems.append(
                (
                    column,
                    f'{column} "{cells.get(column)}" is not a yes/no flag (1, 1.0, ○ or empty, 0)',
                )
            )
        return value

    source_id = code("source_id")
    name = text("name")
    for target, value in (("source_id", source_id), ("name", name)):
        if value is None:
            problems.append((targets[target], f"{targets[target]} is empty"))
    coordinates, point_problems = _point(
        cells.get(targets["latitude"]),
        cells.get(targets["longitude"]),
        targets["latitude"],
        targets["longitude"],
    )
    problems += point_problems
    city_code = _city_code(cells, columns.city, problems)
    hazards = [key for key in HAZARD_COLUMNS if flag(key)]
    accepts = text("accepts")
    capacity = parse_capacity(text("capacity"))
    emergency = True if emergency_list else flag("is_emergency_site")
    welfare = flag("is_welfare_shelter")
    evacuation = flag("is_evacuation_shelter")
    if not emergency_list:
        # A place is at least one kind: with no kind column, hazard flags make it an
        # emergency site, 受入対象者 a welfare shelter, and otherwise it is a shelter.
        emergency = bool(hazards) if "is_emergency_site" not in targets else emergency
        welfare = accepts is not None if "is_welfare_shelter" not in targets else welfare
        if "is_evacuation_shelter" not in targets:
            evacuation = bool(welfare) or not emergency
    latitude, longitude = coordinates or (None, None)
    return {
        "source_id": source_id,
        SOURCE_IDS: [source_id] if source_id else [],
        "name": name,
        "name_kana": text("name_kana"),
        "address": text("address") or _joined(cells, columns.address_parts) or "",
        "latitude": latitude,
        "longitude": longitude,
        "is_emergency_site": bool(emergency),
        "is_evacuation_shelter": bool(evacuation),
        "is_welfare_shelter": bool(welfare),
        "hazards": hazards,
        "accepts": accepts,
        "accept_groups": normalise_accepts(accepts),
        "capacity_text": capacity.text,
        "capacity": capacity.people,
        "phone": code("phone"),
        "city_code": city_code,
    }


def _city_code(
    cells: dict[str, str], columns: list[str], problems: list[tuple[str | None, str]]
) -> str | None:
    """The row's 6-digit city code from the first city column that has a value."""
    for column in columns:
        raw = _clean(cells.get(column, ""))
        if not raw:
            continue
        code = normalise_city_code(raw)
        if code is None:
            problems.append((column, f'{column} "{raw}" is not a 5- or 6-digit city code'))
        return code
    return None


def _joined(cells: dict[str, str], columns: list[str]) -> str:
    return "".join((cells.get(column) or "").strip() for column in columns)


# --- Shared helpers -------------------------------------------------------------------------------


def _point(
    latitude: Any, longitude: Any, latitude_column: str, longitude_column: str
) -> tuple[tuple[float, float] | None, list[tuple[str | None, str]]]:
    """(latitude, longitude) within Japan, or None and the problems found."""
    problems: list[tuple[str | None, str]] = []
    lat = _number(latitude, latitude_column, problems)
    lon = _number(longitude, longitude_column, problems)
    if lat is None or lon is None:
        return None, problems
    swapped = _within(lat, LONGITUDE_RANGE) and _within(lon, LATITUDE_RANGE)
    hint = " (latitude and longitude swapped?)" if swapped else ""
    for value, column, (low, high) in (
        (lat, latitude_column, LATITUDE_RANGE),
        (lon, longitude_column, LONGITUDE_RANGE),
    ):
        if not _within(value, (low, high)):
            problems.append(
                (column, f"{column} {value:g} is outside Japan ({low:g} to {high:g}){hint}")
            )
    return (None if problems else (lat, lon)), problems


def _number(value: Any, column: str, problems: list[tuple[str | None, str]]) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _clean(value)
        if not text:
            problems.append((column, f"{column} is empty"))
            return None
        try:
            number = float(text)
        except ValueError:
            problems.append((column, f'{column} "{text}" is not a number'))
            return None
    if not math.isfinite(number):
        problems.append((column, f'{column} "{value}" is not a number'))
        return None
    return number


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _duplicate(column: str, value: str, file: str, row: int) -> str:
    return f'{column} "{value}" appears again (first in {Path(file).name}, row {row})'


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Headers (canonical names for known columns) and (row number, cells) per non-empty row."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _FileError(f"the file cannot be read: {error.strerror}") from error
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        numbered = [
            (n, row) for n, row in enumerate(reader, start=1) if any(c.strip() for c in row)
        ]
    except csv.Error as error:
        raise _FileError(f"the CSV is malformed near line {reader.line_num}: {error}") from error
    if not numbered:
        raise _FileError("the file is empty: it has no header row")
    headers = [_canonical(header) for header in numbered[0][1]]
    records = [(n, dict(zip(headers, row, strict=False))) for n, row in numbered[1:]]
    return headers, records


def _decode(data: bytes) -> str:
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _FileError(f"the file's text encoding is not one we can read; tried {_ENCODINGS}")


_GSI_COLUMNS = (
    "NO",
    "共通ID",
    "都道府県名及び市町村名",
    "施設・場所名",
    "住所",
    *HAZARD_COLUMNS.values(),
    *_GSI_EVACUATION_ONLY,
    "指定避難所との住所同一",
    "備考",
)
_KNOWN = {
    "".join(unicodedata.normalize("NFKC", name).split()): name
    for name in (*JP_STANDARD_COLUMNS, *_GSI_COLUMNS)
}


def _canonical(header: Any) -> str:
    """A known column's published name whatever its width or spacing; others trimmed."""
    text = str(header).strip()
    return _KNOWN.get(_key(text), text)


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _clean(value: Any) -> str:
    """A cell as trimmed NFKC text (full-width digits to ASCII); None and NaN become ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _frame(places: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """The places as a GeoDataFrame: SHELTER_FIELDS, None (not NaN) where unknown."""
    frame = pd.DataFrame(
        {
            name: pd.Series([place.get(name) for place in places], dtype=object)
            for name in (*SHELTER_FIELDS, SOURCE_IDS)
        }
    )
    for name in ("latitude", "longitude"):
        frame[name] = frame[name].astype(float)
    for name in ("is_emergency_site", "is_evacuation_shelter", "is_welfare_shelter"):
        frame[name] = frame[name].astype(bool)
    frame = frame.sort_values("source_id", ignore_index=True)
    return gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
        crs="EPSG:4326",
    )
