"""Importing shelter lists into the registry: a plan first, then all of it or nothing.

geo.shelters.read_shelter_files reads GSI, Digital Agency standard or mapped CSV files into
one frame plus every bad row. plan_import compares that frame with the registry and says
what would be added, changed (by field) and removed; apply_import writes a plan in the
caller's transaction. A read with any bad row is never applied: the caller shows the
errors, and nothing is written.

Matching: a file's row is the registry's place with the same ID (GSI 共通ID, the standard
list's ID, or the mapped source_id column). GSI lists one place in both lists under two
共通ID that differ only in the type at the end (E1322900002111 and E1322900002201); the
registry keeps the first, so a row of one list alone finds its place by the rest of the ID.
The place's name, address and point come from its first 共通ID, as when both lists are read
together: a row listed under a later ID (the 指定緊急避難場所 listing of a school that is also
a 指定避難所) sets its kinds and hazards, not its name.

Which fields the file owns (a re-import overwrites them) and which staff own:

- name, latitude and longitude: always the file's.
- address, reading (name_kana), phone, city code: the file's when its cell has a value; an
  empty cell never erases what the registry holds.
- 指定緊急避難場所 and 指定避難所: the file's, when the file is that list (ShelterRead.kinds):
  a file of 指定避難所 alone says nothing about emergency sites.
- 福祉避難所: an import can mark a place as a welfare shelter but never unmarks one, since
  welfare designations are often published apart from the GSI lists and recorded by staff.
- Suitability (hazards): the file's when it gives the place any hazard flag. GSI gives
  flags only to emergency sites, so the suitability staff record for a shelter the file
  lists without flags is kept.
- 受入対象者 (accepts): the file's when the cell has a value. The accept groups follow the
  text when the text changes (or none are recorded yet), and otherwise keep staff's choice.
- Capacity text: the file's when the cell has a value; the number follows the text when
  the text changes (or no number is recorded yet) and the text gives one.
- Staff own everything else, and no import touches it: places for people who need care,
  accessible toilet, step-free access, backup power, the facility agreement, contact and
  notes.

Removed: only places the file would have held and does not. A place whose source is the
import's source (e.g. GSI's), whose municipality is one the import covers (--city, or the
cities of the file's rows), which the file no longer lists, and whose every kind is a list
the file holds, is reported as removed and deleted. A place that is also of a list the file
does not hold (a school that is 指定避難所 and 指定緊急避難場所, missing from a file of
指定避難所) loses only the kind the file holds, as a change; a place of none of the file's
lists is kept as it is. Places staff added by hand, and places of other sources or other
municipalities, are never removed. A deleted place's assignments
(ShelterAssignment.shelter_id) become empty (ON DELETE SET NULL) until assignment is run
again.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from geo.groups import ACCEPT_GROUPS, normalise_accepts
from geo.shelters import (
    LIST_KINDS,
    MAPPING_TARGETS,
    REQUIRED_TARGETS,
    SHELTER_FIELDS,
    SOURCE_IDS,
    RowError,
    ShelterRead,
    city_prefix,
    normalise_city_code,
)

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import Shelter, User
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
_GSI_ID = re.compile(r"E(\d{5})\d{8}")


class MappingError(ValueError):
    """A column-mapping file that cannot be used."""


def load_mapping(source: str | Path | bytes) -> dict[str, str]:
    """The {target: source header} of a mapping TOML (docs/shelter-mapping.sample.toml).

    The file has one table, [columns], whose keys are geo.shelters.MAPPING_TARGETS and whose
    values are the headers of the CSV. Raises MappingError saying what is wrong.
    """
    try:
        if isinstance(source, bytes):
            text = source.decode("utf-8-sig")
        elif isinstance(source, Path):
            text = source.read_text(encoding="utf-8-sig")
        else:
            text = source
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise MappingError("the mapping file is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"the mapping file is not valid TOML: {exc}") from exc
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise MappingError("the mapping file needs a [columns] table naming the CSV's headers")
    unknown = sorted(set(columns) - set(MAPPING_TARGETS))
    if unknown:
        raise MappingError(
            f"unknown key {unknown[0]!r} under [columns]; the keys are {', '.join(MAPPING_TARGETS)}"
        )
    missing = [target for target in REQUIRED_TARGETS if target not in columns]
    if missing:
        raise MappingError(f"[columns] must name the column for {', '.join(missing)}")
    for target, header in columns.items():
        if not isinstance(header, str) or not header.strip():
            raise MappingError(f"[columns] {target} must be a column header (a string)")
    return {target: header.strip() for target, header in columns.items()}


# --- The plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Added:
    source_id: str
    values: dict[str, Any]


@dataclass(frozen=True)
class Changed:
    shelter_id: int
    source_id: str
    name: str
    #: field -> (registry value, new value), in IMPORT_FIELDS order.
    changes: dict[str, tuple[Any, Any]]

    @property
    def fields(self) -> list[str]:
        return list(self.changes)


@dataclass(frozen=True)
class Removed:
    shelter_id: int
    source_id: str
    name: str
    source: str


@dataclass
class ImportPlan:
    source: str
    added: list[Added] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: The lists (LIST_KINDS) the files hold, and the municipalities (5 digits) the removals
    #: are limited to.
    kinds: frozenset[str] = frozenset(LIST_KINDS)
    cities: list[str] = field(default_factory=list)
    #: Places of this source and those municipalities, of no list the files hold, kept.
    kept: int = 0

    @property
    def kinds_kept(self) -> list[str]:
        """The lists the files do not hold, whose places the import keeps as they are."""
        return [kind for kind in LIST_KINDS if kind not in self.kinds]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "removed": len(self.removed),
            "errors": len(self.errors),
        }

    def digest(self) -> str:
        """What the plan would do, in a few characters: it tells whether a re-plan at the
        apply still does what the preview showed."""
        parts = [f"+{a.source_id}" for a in self.added]
        parts += [f"~{c.shelter_id}:{','.join(c.fields)}" for c in self.changed]
        parts += [f"-{r.shelter_id}" for r in self.removed]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def plan_import(
    session: DbSession, read: ShelterRead, source_label: str, city: str | None = None
) -> ImportPlan:
    """What importing `read` under `source_label` would do to the registry. Writes nothing.

    city (5 or 6 digits) is the municipality the import is limited to, as given to
    read_shelter_files; rows without a city code of their own get it.
    """
    city5 = city_prefix(city) if city else None
    plan = ImportPlan(source=source_label, errors=list(read.errors), kinds=read.kinds)
    if read.mismatch is not None:
        return plan
    rows = [_file_row(record, city5) for record in _records(read)]
    plan.errors += _length_errors(rows)
    if not rows and not read.errors:
        where = f" of city {city}" if city else ""
        plan.errors.append(RowError("", None, None, f"the files hold no places{where}"))
    carried = {kind: kind in read.kinds for kind in LIST_KINDS}
    registry = {s.source_id: s for s in session.scalars(select(Shelter))}
    matched: set[int] = set()
    for row, shelter in _matches(rows, registry):
        if shelter is None:
            plan.added.append(Added(row["source_id"], _new_values(row, source_label)))
            continue
        matched.add(shelter.id)
        changes = _changes(shelter, row, source_label, carried)
        if changes:
            plan.changed.append(Changed(shelter.id, shelter.source_id, shelter.name, changes))
        else:
            plan.unchanged += 1
    plan.cities = sorted(c for c in ({city5} if city5 else {_row_city(r) for r in rows}) if c)
    for shelter in sorted(registry.values(), key=lambda s: s.source_id):
        if (
            shelter.id not in matched
            and _same_source(shelter.source, source_label)
            and _shelter_city(shelter) in plan.cities
        ):
            _unlisted(plan, shelter)
    return plan


def _matches(
    rows: list[dict[str, Any]], registry: dict[str, Shelter]
) -> Iterable[tuple[dict[str, Any], Shelter | None]]:
    """Each row with its registry place: by ID, else by any other ID of its place."""
    taken = {row["source_id"] for row in rows if row["source_id"] in registry}
    by_place: dict[str, list[Shelter]] = {}
    for place in registry.values():
        key = _place_key(place.source_id)
        if key and place.source_id not in taken:
            by_place.setdefault(key, []).append(place)
    for row in rows:
        shelter = registry.get(row["source_id"])
        if shelter is None:
            candidates = [
                *(registry[i] for i in row["source_ids"] if i in registry and i not in taken),
                *by_place.get(_place_key(row["source_id"]) or "", []),
            ]
            shelter = next((s for s in candidates if s.source_id not in taken), None)
            if shelter is not None:
                taken.add(shelter.source_id)
        yield row, shelter


def _place_key(source_id: str) -> str | None:
    """A GSI 共通ID without its type: the same for a place's listings in both lists."""
    match = _GSI_ID.fullmatch(source_id or "")
    return source_id[:-3] if match else None


def _unlisted(plan: ImportPlan, shelter: Shelter) -> None:
    """A place of the import's source and city that the files do not list: removed when the
    files would have held it, unmarked of the lists they hold when it is of another list
    too, and kept as it is when it is of no list the files hold."""
    kinds = {kind for kind in LIST_KINDS if getattr(shelter, kind)}
    held = kinds & plan.kinds
    if (kinds and kinds <= plan.kinds) or (not kinds and plan.kinds == set(LIST_KINDS)):
        plan.removed.append(Removed(shelter.id, shelter.source_id, shelter.name, shelter.source))
    elif held:
        changes = {kind: (True, False) for kind in LIST_KINDS if kind in held}
        plan.changed.append(Changed(shelter.id, shelter.source_id, shelter.name, changes))
    else:
        plan.kept += 1


#: The lists as the CLI names them.
LIST_NAMES = {"is_emergency_site": "指定緊急避難場所", "is_evacuation_shelter": "指定避難所"}


def scope_note(plan: ImportPlan) -> str:
    """What the removals are limited to, in one sentence (English, for the command line)."""
    held = " and ".join(LIST_NAMES[kind] for kind in LIST_KINDS if kind in plan.kinds)
    where = ", ".join(normalise_city_code(c) or c for c in plan.cities) or "no city"
    note = f"Removes {len(plan.removed)} {held} of city {where} not in the files"
    kept = plan.kinds_kept
    if kept:
        names = " and ".join(LIST_NAMES[kind] for kind in kept)
        note += f"; {names} are kept, as the files hold none"
    return note + "."


def welfare_without_groups(session: DbSession) -> list[Shelter]:
    """Welfare shelters that take no group: assignment sends nobody there until staff set
    the groups."""
    query = (
        select(Shelter)
        .where(Shelter.is_welfare_shelter.is_(True))
        .where((Shelter.accept_groups.is_(None)) | (Shelter.accept_groups == ""))
        .order_by(Shelter.source_id)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class ImportSummary:
    added: int
    changed: int
    removed: int
    unchanged: int


def apply_import(
    session: DbSession,
    plan: ImportPlan,
    actor: User | None,
    *,
    format: str,
    city: str | None = None,
    files: int = 1,
) -> ImportSummary:
    """Write a plan made in this transaction, all of it; audited as shelter.import.

    Raises ValueError for a plan with errors (nothing is written). The caller commits, or
    rolls back on any exception.
    """
    if not plan.ok:
        raise ValueError("an import with bad rows is never applied")
    for item in plan.added:
        shelter = Shelter()
        _store(shelter, item.values)
        session.add(shelter)
    if plan.changed:
        by_id = {
            s.id: s
            for s in session.scalars(
                select(Shelter).where(Shelter.id.in_([c.shelter_id for c in plan.changed]))
            )
        }
        for change in plan.changed:
            _store(by_id[change.shelter_id], {k: new for k, (_old, new) in change.changes.items()})
    if plan.removed:
        removed = select(Shelter).where(Shelter.id.in_([r.shelter_id for r in plan.removed]))
        for shelter in session.scalars(removed):
            session.delete(shelter)
    session.flush()
    if plan.added or plan.changed or plan.removed:
        from ..hazards.assignment import recompute_all

        recompute_all(session)
    summary = ImportSummary(len(plan.added), len(plan.changed), len(plan.removed), plan.unchanged)
    record_event(
        session,
        "shelter.import",
        actor=actor,
        actor_name=None if actor else "cli",
        object_type="shelter",
        detail={
            "format": format,
            "source": plan.source,
            "city": city or "",
            "files": files,
            "added": summary.added,
            "changed": summary.changed,
            "removed": summary.removed,
            "unchanged": summary.unchanged,
            "removed_ids": [r.shelter_id for r in plan.removed],
        },
    )
    return summary


# --- Rows --------------------------------------------------------------------------------------


def _records(read: ShelterRead) -> Iterable[dict[str, Any]]:
    frame = read.frame.drop(columns="geometry")
    return frame.to_dict("records")  # type: ignore[no-any-return]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def _file_row(record: dict[str, Any], city5: str | None) -> dict[str, Any]:
    """A frame row as registry values; empty cells as "" (None for numbers)."""
    city_code = _text(record.get("city_code"))
    if not city_code and city5:
        city_code = normalise_city_code(city5) or ""
    capacity = record.get("capacity")
    source_id = _text(record["source_id"])
    return {
        "source_id": source_id,
        "source_ids": [_text(i) for i in (record.get(SOURCE_IDS) or [source_id])],
        "name": _text(record["name"]),
        "name_kana": _text(record.get("name_kana")),
        "address": _text(record.get("address")),
        "latitude": float(record["latitude"]),
        "longitude": float(record["longitude"]),
        "is_emergency_site": bool(record.get("is_emergency_site")),
        "is_evacuation_shelter": bool(record.get("is_evacuation_shelter")),
        "is_welfare_shelter": bool(record.get("is_welfare_shelter")),
        "hazards": [h for h in HAZARDS if h in list(record.get("hazards") or [])],
        "accepts": _text(record.get("accepts")),
        "accept_groups": [g for g in ACCEPT_GROUPS if g in list(record.get("accept_groups") or [])],
        "capacity_text": _text(record.get("capacity_text")),
        "capacity": None if capacity is None or _blank(capacity) else int(capacity),
        "phone": _text(record.get("phone")),
        "city_code": city_code,
    }


def _length_errors(rows: list[dict[str, Any]]) -> list[RowError]:
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


def _new_values(row: dict[str, Any], source_label: str) -> dict[str, Any]:
    values = {name: row[name] for name in IMPORT_FIELDS if name != "source"}
    values["source_id"] = row["source_id"]
    values["accepts"] = row["accepts"] or None
    values["source"] = source_label
    return values


def _changes(
    shelter: Shelter, row: dict[str, Any], source_label: str, carried: dict[str, bool]
) -> dict[str, tuple[Any, Any]]:
    """field -> (registry value, file value) for what the file owns and changes.

    A row found under another ID of its place owns the name, address and point only when
    its ID comes first; the place then takes that ID, as a read of both lists would give it.
    """
    new: dict[str, Any] = {}
    if row["source_id"] <= shelter.source_id:
        new.update(
            source_id=row["source_id"],
            name=row["name"],
            latitude=row["latitude"],
            longitude=row["longitude"],
        )
        for name in ("address", "name_kana"):
            if row[name]:
                new[name] = row[name]
    for name in ("phone", "city_code"):
        if row[name]:
            new[name] = row[name]
    for kind in ("is_emergency_site", "is_evacuation_shelter"):
        if carried[kind]:
            new[kind] = row[kind]
    if row["is_welfare_shelter"]:
        new["is_welfare_shelter"] = True
    if row["hazards"]:
        new["hazards"] = row["hazards"]
    if row["accepts"]:
        new["accepts"] = row["accepts"]
        groups = normalise_accepts(row["accepts"])
        if (row["accepts"] != (shelter.accepts or "") or not shelter.group_list) and groups:
            new["accept_groups"] = groups
    if row["capacity_text"]:
        new["capacity_text"] = row["capacity_text"]
        text_changed = row["capacity_text"] != shelter.capacity_text
        if row["capacity"] is not None and (text_changed or shelter.capacity is None):
            new["capacity"] = row["capacity"]
    if not _same_source(shelter.source, source_label):
        new["source"] = source_label
    old = {
        **{name: getattr(shelter, name) for name in ("source_id", *IMPORT_FIELDS)},
        "hazards": shelter.hazard_list,
        "accept_groups": shelter.group_list,
    }
    return {
        name: (old[name], new[name])
        for name in ("source_id", *IMPORT_FIELDS)
        if name in new and not _equal(old[name], new[name])
    }


def _equal(old: Any, new: Any) -> bool:
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) < 1e-9
    return bool(old == new)


def _store(shelter: Shelter, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name in ("hazards", "accept_groups"):
            value = ",".join(value)
        setattr(shelter, name, value)


def _same_source(source: str | None, label: str) -> bool:
    """Whether a place's source is the import's: the same label, perhaps with a date after
    it, as in 国土地理院 指定緊急避難場所・指定避難所データ (2025-10-27)."""
    return bool(source) and (source == label or str(source).startswith(label + " "))


def _row_city(row: dict[str, Any]) -> str | None:
    code = row["city_code"]
    if code:
        return str(code)[:5]
    match = _GSI_ID.fullmatch(row["source_id"])
    return match.group(1) if match else None


def _shelter_city(shelter: Shelter) -> str | None:
    if shelter.city_code:
        return shelter.city_code[:5]
    match = _GSI_ID.fullmatch(shelter.source_id)
    return match.group(1) if match else None
