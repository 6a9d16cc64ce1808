"""Importing shelter lists into the registry: a plan first, then all of it or nothing.

geo.shelters.reading.read_shelter_files reads GSI, Digital Agency standard or mapped CSV files into
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from geo.shelters.cells import RowError, city_prefix, normalise_city_code
from geo.shelters.columns import LIST_KINDS
from geo.shelters.reading import ShelterRead

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import Shelter, User
from .import_rows import (
    GSI_ID,
    changes,
    file_rows,
    length_errors,
    new_values,
    row_city,
    same_source,
    shelter_city,
)
from .operations import store

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
    rows = file_rows(read, city5)
    _check_rows(plan, rows, read, city)
    registry = {s.source_id: s for s in session.scalars(select(Shelter))}
    matched = _compare(plan, rows, registry)
    plan.cities = sorted(c for c in ({city5} if city5 else {row_city(r) for r in rows}) if c)
    _plan_unlisted(plan, registry, matched)
    return plan


def _check_rows(
    plan: ImportPlan, rows: list[dict[str, Any]], read: ShelterRead, city: str | None
) -> None:
    """Add to the plan's errors the cells too long for the registry, and, when the read
    found nothing else wrong, files that hold no places (of the city)."""
    plan.errors += length_errors(rows)
    if not rows and not read.errors:
        where = f" of city {city}" if city else ""
        plan.errors.append(RowError("", None, None, f"the files hold no places{where}"))


def _compare(
    plan: ImportPlan, rows: list[dict[str, Any]], registry: dict[str, Shelter]
) -> set[int]:
    """Each row as added, changed or unchanged; the IDs of the places the rows matched."""
    carried = {kind: kind in plan.kinds for kind in LIST_KINDS}
    matched: set[int] = set()
    for row, shelter in _matches(rows, registry):
        if shelter is None:
            plan.added.append(Added(row["source_id"], new_values(row, plan.source)))
            continue
        matched.add(shelter.id)
        changed = changes(shelter, row, plan.source, carried)
        if changed:
            plan.changed.append(Changed(shelter.id, shelter.source_id, shelter.name, changed))
        else:
            plan.unchanged += 1
    return matched


def _plan_unlisted(plan: ImportPlan, registry: dict[str, Shelter], matched: set[int]) -> None:
    """The places of the import's source and cities that no row matched."""
    for shelter in sorted(registry.values(), key=lambda s: s.source_id):
        if (
            shelter.id not in matched
            and same_source(shelter.source, plan.source)
            and shelter_city(shelter) in plan.cities
        ):
            _unlisted(plan, shelter)


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
            shelter = _other_listing(row, registry, by_place, taken)
        yield row, shelter


def _other_listing(
    row: dict[str, Any],
    registry: dict[str, Shelter],
    by_place: dict[str, list[Shelter]],
    taken: set[str],
) -> Shelter | None:
    """The place a row's ID is not in the registry under: by another ID of the row's place,
    or by the rest of its GSI ID; not one another row has taken."""
    candidates = [
        *(registry[i] for i in row["source_ids"] if i in registry and i not in taken),
        *by_place.get(_place_key(row["source_id"]) or "", []),
    ]
    shelter = next((s for s in candidates if s.source_id not in taken), None)
    if shelter is not None:
        taken.add(shelter.source_id)
    return shelter


def _place_key(source_id: str) -> str | None:
    """A GSI 共通ID without its type: the same for a place's listings in both lists."""
    match = GSI_ID.fullmatch(source_id or "")
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
    _write(session, plan)
    if plan.added or plan.changed or plan.removed:
        from ..hazards.assignment import recompute_all

        recompute_all(session)
    summary = ImportSummary(len(plan.added), len(plan.changed), len(plan.removed), plan.unchanged)
    _audit(session, plan, summary, actor, {"format": format, "city": city or "", "files": files})
    return summary


def _write(session: DbSession, plan: ImportPlan) -> None:
    """Add, change and delete the plan's places, and flush."""
    for item in plan.added:
        shelter = Shelter()
        store(shelter, item.values)
        session.add(shelter)
    if plan.changed:
        changed = select(Shelter).where(Shelter.id.in_([c.shelter_id for c in plan.changed]))
        by_id = {s.id: s for s in session.scalars(changed)}
        for change in plan.changed:
            store(by_id[change.shelter_id], {k: new for k, (_old, new) in change.changes.items()})
    if plan.removed:
        removed = select(Shelter).where(Shelter.id.in_([r.shelter_id for r in plan.removed]))
        for shelter in session.scalars(removed):
            session.delete(shelter)
    session.flush()


def _audit(
    session: DbSession,
    plan: ImportPlan,
    summary: ImportSummary,
    actor: User | None,
    how: dict[str, Any],
) -> None:
    """The shelter.import event: how the files were read, and the counts."""
    record_event(
        session,
        "shelter.import",
        actor=actor,
        actor_name=None if actor else "cli",
        object_type="shelter",
        detail=_audit_detail(plan, summary, how),
    )


def _audit_detail(plan: ImportPlan, summary: ImportSummary, how: dict[str, Any]) -> dict[str, Any]:
    """The shelter.import event's detail: how the files were read, the counts, the IDs removed."""
    return {
        "format": how["format"],
        "source": plan.source,
        "city": how["city"],
        "files": how["files"],
        "added": summary.added,
        "changed": summary.changed,
        "removed": summary.removed,
        "unchanged": summary.unchanged,
        "removed_ids": [r.shelter_id for r in plan.removed],
    }
