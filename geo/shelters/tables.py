"""The Digital Agency's standard list and mapped CSV: which header holds each column, and one
checked place per row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..capacity import parse_capacity
from ..groups import normalise_accepts
from ..gsi import HAZARD_COLUMNS
from .cells import (
    FileError,
    Problems,
    RowError,
    clean,
    first_seen,
    normalise_city_code,
    parse_flag,
    point,
    read_csv,
    row_errors,
)
from .columns import KINDS, LIST_KINDS, SHELTER_FIELDS, SOURCE_IDS
from .headers import key
from .looks import FormatMismatch, Look, Mismatch

#: Targets a "csv" mapping may name: the frame's scalar columns, "capacity" for the capacity
#: text, and each hazard key (flood, landslide, ...) for that hazard's flag column.
MAPPING_TARGETS = (
    *(name for name in SHELTER_FIELDS if name not in ("hazards", "accept_groups", "capacity_text")),
    *HAZARD_COLUMNS,
)
REQUIRED_TARGETS = ("source_id", "name", "latitude", "longitude")

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
_GSI_LOOKS = ("gsi-evacuation", "gsi-emergency")


@dataclass
class _Columns:
    """Which header (as written) holds each target, for one file."""

    targets: dict[str, str]
    city: list[str] = field(default_factory=list)
    address_parts: list[str] = field(default_factory=list)


@dataclass
class TableReader:
    """Reads CSV files of one format ("jp-standard" or "csv") into places: the problems go
    to errors, the lists the files speak of to kinds. Raises Mismatch for a file that,
    missing a column, turns out to be of another format."""

    format: str
    mapping: Mapping[str, str] | None
    city5: str | None
    errors: list[RowError]
    kinds: set[str]
    looks: Mapping[Path, Look]
    places: list[dict[str, Any]] = field(default_factory=list)
    #: The first file and row of each ID read so far.
    seen: dict[str, tuple[str, int]] = field(default_factory=dict)

    def read(self, files: list[Path]) -> list[dict[str, Any]]:
        for path in files:
            table = self._open(path)
            if table is None:
                continue
            headers, records, columns = table
            self.kinds.update(_table_kinds(self.format, columns, headers))
            for number, cells in records:
                self._take(str(path), number, cells, columns)
        return self.places

    def _open(
        self, path: Path
    ) -> tuple[list[str], list[tuple[int, dict[str, str]]], _Columns] | None:
        """The file's headers, rows and columns; None (its error recorded) when unreadable."""
        try:
            headers, records = read_csv(path)
            if self.format == "jp-standard":
                return headers, records, _jp_columns(headers)
            return headers, records, _mapped_columns(headers, self.mapping)
        except FileError as error:
            self._refuse_if_other_format(path, error)
            self.errors.append(RowError(str(path), None, error.column, str(error)))
            return None

    def _refuse_if_other_format(self, path: Path, error: FileError) -> None:
        """A mapped CSV missing a column is refused as a mismatch when it is GSI's list or
        the standard one."""
        look, shown = self.looks.get(path, (None, ()))
        if self.format != "csv" or not error.missing or look is None:
            return
        if look in _GSI_LOOKS or look == "jp-standard":
            raise Mismatch(FormatMismatch(str(path), self.format, look, shown)) from error

    def _take(self, file: str, number: int, cells: dict[str, str], columns: _Columns) -> None:
        """One row: kept as a place, left out as another city's, or reported."""
        problems: Problems = []
        place = _table_row(cells, columns, self.format == "jp-standard", problems)
        city_code = place["city_code"]
        if self.city5 is not None and city_code and city_code[:5] != self.city5:
            return
        if place["source_id"]:
            column = columns.targets["source_id"]
            first_seen(self.seen, column, place["source_id"], (file, number), problems)
        if problems:
            self.errors += row_errors(file, number, problems)
        else:
            self.places.append(place)
            self.kinds.update(kind for kind in LIST_KINDS if place[kind])


def _table_kinds(format: str, columns: _Columns, headers: list[str]) -> set[str]:
    """The lists a CSV speaks of by its columns alone (its rows add the kinds they have).

    The standard list is the list of 指定緊急避難場所, and of 指定避難所 too when it has the
    column 指定避難所との重複; a mapped CSV speaks of each kind it has a column for.
    """
    if format == "jp-standard":
        shelters = "指定避難所との重複" in headers
        return {"is_emergency_site", *(["is_evacuation_shelter"] if shelters else [])}
    return {kind for kind in LIST_KINDS if kind in columns.targets}


# --- Columns ------------------------------------------------------------------------------------


def _jp_columns(headers: list[str]) -> _Columns:
    present = set(headers)
    missing = [
        _JP_TARGETS[target] for target in REQUIRED_TARGETS if _JP_TARGETS[target] not in present
    ]
    if missing:
        raise FileError(
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
    mapping = _checked_mapping(mapping)
    by_key = {key(header): header for header in headers}
    targets: dict[str, str] = {}
    for target, source in mapping.items():
        header = by_key.get(key(source))
        if header is None:
            raise FileError(
                f"column {source} (mapped to {target}) is missing", source, missing=True
            )
        targets[target] = header
    city = [targets.pop("city_code")] if "city_code" in targets else []
    return _Columns(targets, city)


def _checked_mapping(mapping: Mapping[str, str] | None) -> Mapping[str, str]:
    """The mapping, when it names known targets and every required one."""
    if not mapping:
        raise FileError("a column mapping is needed to read a CSV in the csv format")
    unknown = [target for target in mapping if target not in MAPPING_TARGETS]
    if unknown:
        raise FileError(
            f"the mapping names an unknown target {unknown[0]!r}; "
            f"targets are {', '.join(MAPPING_TARGETS)}",
            unknown[0],
        )
    missing_targets = [target for target in REQUIRED_TARGETS if target not in mapping]
    if missing_targets:
        raise FileError(
            f"the mapping must name a column for {missing_targets[0]}", missing_targets[0]
        )
    return mapping


# --- Rows ---------------------------------------------------------------------------------------


@dataclass
class _Cells:
    """One CSV row's cells, read by target; problems found are appended."""

    cells: dict[str, str]
    targets: dict[str, str]
    problems: Problems

    def text(self, target: str) -> str | None:
        """The cell as published (trimmed): names, addresses and free text stay as written."""
        column = self.targets.get(target)
        value = (self.cells.get(column) or "").strip() if column else ""
        return value or None

    def code(self, target: str) -> str | None:
        """The cell in NFKC, for identifiers and numbers written with full-width digits."""
        value = self.text(target)
        return clean(value) or None if value else None

    def flag(self, target: str) -> bool | None:
        column = self.targets.get(target)
        if column is None:
            return None
        value = parse_flag(self.cells.get(column))
        if value is None:
            self.problems.append(
                (
                    column,
                    f'{column} "{self.cells.get(column)}" is not a yes/no flag '
                    "(1, 1.0, ○ or empty, 0)",
                )
            )
        return value


def _table_row(
    cells: dict[str, str], columns: _Columns, emergency_list: bool, problems: Problems
) -> dict[str, Any]:
    """One place from a CSV row, its problems appended (the caller drops a row with any)."""
    row = _Cells(cells, columns.targets, problems)
    place = _identity(row, columns.address_parts)
    place["city_code"] = _city_code(cells, columns.city, problems)
    place.update(_designations(row, emergency_list))
    capacity = parse_capacity(row.text("capacity"))
    place.update(capacity_text=capacity.text, capacity=capacity.people, phone=row.code("phone"))
    return place


def _identity(row: _Cells, address_parts: list[str]) -> dict[str, Any]:
    """The row's ID, names, address and point; an empty ID or name is a problem."""
    targets = row.targets
    source_id, name = row.code("source_id"), row.text("name")
    for target, value in (("source_id", source_id), ("name", name)):
        if value is None:
            row.problems.append((targets[target], f"{targets[target]} is empty"))
    latitude, longitude = _row_point(row)
    return {
        "source_id": source_id,
        SOURCE_IDS: [source_id] if source_id else [],
        "name": name,
        "name_kana": row.text("name_kana"),
        "address": row.text("address") or _joined(row.cells, address_parts) or "",
        "latitude": latitude,
        "longitude": longitude,
    }


def _row_point(row: _Cells) -> tuple[float, float] | tuple[None, None]:
    """(latitude, longitude) of the row, or Nones and its problems appended."""
    latitude, longitude = row.targets["latitude"], row.targets["longitude"]
    coordinates, problems = point(
        row.cells.get(latitude), row.cells.get(longitude), latitude, longitude
    )
    row.problems.extend(problems)
    return coordinates or (None, None)


def _designations(row: _Cells, emergency_list: bool) -> dict[str, Any]:
    """The row's kinds, hazards and 受入対象者 (with the groups it names)."""
    hazards = [key for key in HAZARD_COLUMNS if row.flag(key)]
    accepts = row.text("accepts")
    return {
        **_kinds(row, emergency_list, bool(hazards), accepts is not None),
        "hazards": hazards,
        "accepts": accepts,
        "accept_groups": normalise_accepts(accepts),
    }


def _kinds(row: _Cells, emergency_list: bool, hazards: bool, accepts: bool) -> dict[str, bool]:
    """The row's kinds: the standard list's places are all emergency sites."""
    emergency = True if emergency_list else row.flag("is_emergency_site")
    welfare = row.flag("is_welfare_shelter")
    evacuation = row.flag("is_evacuation_shelter")
    if not emergency_list:
        # A place is at least one kind: with no kind column, hazard flags make it an
        # emergency site, 受入対象者 a welfare shelter, and otherwise it is a shelter.
        targets = row.targets
        emergency = hazards if "is_emergency_site" not in targets else emergency
        welfare = accepts if "is_welfare_shelter" not in targets else welfare
        if "is_evacuation_shelter" not in targets:
            evacuation = bool(welfare) or not emergency
    return dict(zip(KINDS, (bool(emergency), bool(evacuation), bool(welfare)), strict=True))


def _city_code(cells: dict[str, str], columns: list[str], problems: Problems) -> str | None:
    """The row's 6-digit city code from the first city column that has a value."""
    for column in columns:
        raw = clean(cells.get(column, ""))
        if not raw:
            continue
        code = normalise_city_code(raw)
        if code is None:
            problems.append((column, f'{column} "{raw}" is not a 5- or 6-digit city code'))
        return code
    return None


def _joined(cells: dict[str, str], columns: list[str]) -> str:
    return "".join((cells.get(column) or "").strip() for column in columns)
