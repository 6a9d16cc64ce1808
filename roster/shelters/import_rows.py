"""An import's rows: a read's frame as registry values, and what each row changes in its place
(the fields the file owns, as roster.shelters.importing describes them)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from geo.groups import ACCEPT_GROUPS, normalise_accepts
from geo.shelters.cells import RowError, normalise_city_code
from geo.shelters.columns import KINDS, LIST_KINDS, SHELTER_FIELDS, SOURCE_IDS
from geo.shelters.reading import ShelterRead

from ..models import Shelter
from ..models.shelters import HAZARDS

#: The registry's column lengths; a longer value from a file is a bad row.
MAX_LENGTHS = {
    "source_id": 20,
    "name": 120,
    "name_kana": 120,
    "address": 200,
    "capacity_text": 200,
    "phone": 40,
}
#: The fields an import compares and may write, in the order changes are reported: every
#: column the readers produce except the ID it matches on, and where the row came from.
IMPORT_FIELDS = (*SHELTER_FIELDS[1:], "source")
GSI_ID = re.compile(r"E(\d{5})\d{8}")


def file_rows(read: ShelterRead, city5: str | None) -> list[dict[str, Any]]:
    """The read's places as registry values."""
    frame = read.frame.drop(columns="geometry")
    return [_file_row(record, city5) for record in frame.to_dict("records")]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def _file_row(record: dict[str, Any], city5: str | None) -> dict[str, Any]:
    """A frame row as registry values; empty cells as "" (None for numbers)."""
    source_id = _text(record["source_id"])
    row: dict[str, Any] = {name: _text(record.get(name)) for name in SHELTER_FIELDS}
    capacity = record.get("capacity")
    row.update(
        {
            SOURCE_IDS: [_text(i) for i in (record.get(SOURCE_IDS) or [source_id])],
            "latitude": float(record["latitude"]),
            "longitude": float(record["longitude"]),
            **{kind: bool(record.get(kind)) for kind in KINDS},
            "hazards": _listed(HAZARDS, record.get("hazards")),
            "accept_groups": _listed(ACCEPT_GROUPS, record.get("accept_groups")),
            "capacity": None if capacity is None or _blank(capacity) else int(capacity),
        }
    )
    if not row["city_code"] and city5:
        row["city_code"] = normalise_city_code(city5) or ""
    return row


def _listed(codes: Iterable[str], value: Any) -> list[str]:
    """The codes a list cell holds, in the codes' order."""
    held = list(value or [])
    return [code for code in codes if code in held]


def length_errors(rows: list[dict[str, Any]]) -> list[RowError]:
    errors = []
    for row in rows:
        for name, limit in MAX_LENGTHS.items():
            if len(row[name]) > limit:
                errors.append(
                    RowError(
                        "",
                        None,
                        name,
                        f'{name} of ID "{row["source_id"][:40]}" is longer than the registry '
                        f"keeps ({len(row[name])} characters, at most {limit})",
                    )
                )
    return errors


def new_values(row: dict[str, Any], source_label: str) -> dict[str, Any]:
    values = {name: row[name] for name in IMPORT_FIELDS if name != "source"}
    values["source_id"] = row["source_id"]
    values["accepts"] = row["accepts"] or None
    values["source"] = source_label
    return values


def changes(
    shelter: Shelter, row: dict[str, Any], source_label: str, carried: dict[str, bool]
) -> dict[str, tuple[Any, Any]]:
    """field -> (registry value, file value) for what the file owns and changes.

    A row found under another ID of its place owns the name, address and point only when
    its ID comes first; the place then takes that ID, as a read of both lists would give it.
    """
    new = _file_values(shelter, row, source_label, carried)
    old = _registry_values(shelter)
    return {
        name: (old[name], new[name])
        for name in ("source_id", *IMPORT_FIELDS)
        if name in new and not _equal(old[name], new[name])
    }


def _file_values(
    shelter: Shelter, row: dict[str, Any], source_label: str, carried: dict[str, bool]
) -> dict[str, Any]:
    """The fields the file owns for this place, with the values it gives them."""
    new: dict[str, Any] = {}
    if row["source_id"] <= shelter.source_id:
        new.update(_place_fields(row))
    new.update({name: row[name] for name in ("phone", "city_code") if row[name]})
    new.update(_kind_fields(row, carried))
    new.update(_accepts_fields(shelter, row))
    new.update(_capacity_fields(shelter, row))
    if not same_source(shelter.source, source_label):
        new["source"] = source_label
    return new


def _registry_values(shelter: Shelter) -> dict[str, Any]:
    """The place's ID and imported fields as the registry holds them (lists as lists)."""
    return {
        **{name: getattr(shelter, name) for name in ("source_id", *IMPORT_FIELDS)},
        "hazards": shelter.hazard_list,
        "accept_groups": shelter.group_list,
    }


def _place_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The ID, name and point, and the address and reading where the file gives them."""
    fields = {name: row[name] for name in ("source_id", "name", "latitude", "longitude")}
    fields.update({name: row[name] for name in ("address", "name_kana") if row[name]})
    return fields


def _kind_fields(row: dict[str, Any], carried: dict[str, bool]) -> dict[str, Any]:
    """The lists the file holds; welfare only ever marked; hazards when the file has any."""
    fields = {kind: row[kind] for kind in LIST_KINDS if carried[kind]}
    if row["is_welfare_shelter"]:
        fields["is_welfare_shelter"] = True
    if row["hazards"]:
        fields["hazards"] = row["hazards"]
    return fields


def _accepts_fields(shelter: Shelter, row: dict[str, Any]) -> dict[str, Any]:
    """受入対象者 when the file gives it; the groups follow a changed text, or fill none."""
    if not row["accepts"]:
        return {}
    fields = {"accepts": row["accepts"]}
    groups = normalise_accepts(row["accepts"])
    if (row["accepts"] != (shelter.accepts or "") or not shelter.group_list) and groups:
        fields["accept_groups"] = groups
    return fields


def _capacity_fields(shelter: Shelter, row: dict[str, Any]) -> dict[str, Any]:
    """The capacity text when the file gives it; the number follows a changed text."""
    if not row["capacity_text"]:
        return {}
    fields = {"capacity_text": row["capacity_text"]}
    text_changed = row["capacity_text"] != shelter.capacity_text
    if row["capacity"] is not None and (text_changed or shelter.capacity is None):
        fields["capacity"] = row["capacity"]
    return fields


def _equal(old: Any, new: Any) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) < 1e-9
    return bool(old == new)


def same_source(source: str | None, label: str) -> bool:
    """Whether a place's source is the import's: the same label, perhaps with a date after
    it, as in 国土地理院 指定緊急避難場所・指定避難所データ (2025-10-27)."""
    return bool(source) and (source == label or str(source).startswith(label + " "))


def row_city(row: dict[str, Any]) -> str | None:
    code = row["city_code"]
    if code:
        return str(code)[:5]
    match = GSI_ID.fullmatch(row["source_id"])
    return match.group(1) if match else None


def shelter_city(shelter: Shelter) -> str | None:
    if shelter.city_code:
        return shelter.city_code[:5]
    match = GSI_ID.fullmatch(shelter.source_id)
    return match.group(1) if match else None
