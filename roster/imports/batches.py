"""Import batches: what one apply changed, person by person, and the undo of the latest one.

A batch records, for each person it touched, the old and new value of every field it wrote
and the version it left the person at. Undo puts the old values back only where nobody has
worked on the person since: a later edit (another version), a consent recorded after the
batch, or anything recorded for a person the batch added (consent, a plan, contacts, a
mailing round, a copy given to a partner). Otherwise it refuses and names them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, delete, func, insert, select, update

from ..audit.operations import record_event, record_events
from ..extensions import DbSession
from ..models import (
    BatchItemKind,
    CareLevel,
    ConsentRecord,
    EmergencyContact,
    ImportBatch,
    ImportBatchItem,
    LocationPrecision,
    Plan,
    PlanTask,
    ProvisionItem,
    Registrant,
    RegistrantHazard,
    RegistrantStatus,
    ReleaseAccess,
    RoundMember,
    Sex,
    ShelterAssignment,
    User,
)
from ..models.base import utcnow
from ..models.registrant_grams import RegistrantGram
from ..models.registrant_versions import ChangePath, RegistrantVersion, changes_by
from ..text import person_keys
from .mapping import SOURCE_FIELDS

#: Every column an import may write on a person already on the register, and so restores.
RESTORABLE = (
    *SOURCE_FIELDS,
    "district_id",
    "latitude",
    "longitude",
    "location_approximate",
    "location_precision",
    "status",
)
#: Columns holding codes or dates, and how a JSON value becomes one again.
_DECODE: dict[str, Any] = {
    "birth_date": date.fromisoformat,
    "sex": Sex,
    "care_level": CareLevel,
    "status": RegistrantStatus,
    "location_precision": LocationPrecision,
}
#: Tables whose rows for a person mean someone worked on them: an added person with any
#: of these is not removed by an undo.
WORK_TABLES: tuple[Any, ...] = (
    ConsentRecord,
    Plan,
    PlanTask,
    EmergencyContact,
    RoundMember,
    ProvisionItem,
    ReleaseAccess,
)
REGISTRANTS = cast(Table, Registrant.__table__)
CHUNK = 5000


@dataclass(frozen=True)
class SourceFile:
    """The file an apply read: its name as given, and the SHA-256 of its bytes."""

    name: str
    sha256: str

    @classmethod
    def of(cls, name: str, data: bytes) -> SourceFile:
        clean = "".join(c for c in name if c.isprintable())[:255]
        return cls(clean or "-", hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class BatchCounts:
    added: int
    changed: int
    status_changed: int


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _json(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _decode(name: str, value: object) -> object:
    return value if value is None or name not in _DECODE else _DECODE[name](value)


def registrant_event(
    actor: User | None, action: str, registrant_id: int, detail: dict[str, Any]
) -> dict[str, Any]:
    """One person's audit event, as record_events() takes it."""
    return {
        "action": action,
        "actor": actor,
        "object_type": "registrant",
        "object_id": registrant_id,
        "detail": detail,
    }


def start_batch(session: DbSession, actor: User | None, source: SourceFile) -> ImportBatch:
    """The batch row, first, so the people's rows can name it."""
    batch = ImportBatch(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else "cli",
        file_name=source.name,
        file_sha256=source.sha256,
        added=0,
        changed=0,
        status_changed=0,
        created_at=utcnow(),
    )
    session.add(batch)
    session.flush()
    return batch


def snapshot(session: DbSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each person's restorable columns, resident_no and version, as they are now."""
    columns = [REGISTRANTS.c[n] for n in ("id", "resident_no", "version", *RESTORABLE)]
    rows: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        for row in session.execute(select(*columns).where(REGISTRANTS.c.id.in_(chunk))):
            rows[row.id] = dict(row._mapping)
    return rows


def seal_batch(
    session: DbSession,
    batch: ImportBatch,
    before: Mapping[int, Mapping[str, Any]],
    created: Sequence[int],
    new: Sequence[Any],
    changed: Sequence[Any],
    statuses: Mapping[int, RegistrantStatus],
) -> BatchCounts:
    """Record each person's old and new values and the version the batch leaves them at."""
    after = snapshot(session, [*before, *created])
    items = _items_of(batch.id, before, after, created, changed, list(statuses))
    for start in range(0, len(items), CHUNK):
        session.execute(insert(ImportBatchItem), items[start : start + CHUNK])
    counts = BatchCounts(len(created), len(changed), len(statuses))
    batch.added = counts.added
    batch.changed = counts.changed
    batch.status_changed = counts.status_changed
    session.flush()
    return counts


def _items_of(
    batch_id: int,
    before: Mapping[int, Mapping[str, Any]],
    after: Mapping[int, Mapping[str, Any]],
    created: Sequence[int],
    changed: Sequence[Any],
    statuses: Sequence[int],
) -> list[dict[str, Any]]:
    """The batch's item rows: the people it added, then those whose fields it changed, then
    those whose status it set, each with what changed."""
    items = [_item(batch_id, i, BatchItemKind.ADDED, after[i], {}) for i in created]
    changed_ids = [c.registrant_id for c in changed]
    for kind, ids in ((BatchItemKind.CHANGED, changed_ids), (BatchItemKind.STATUS, statuses)):
        items += [_item(batch_id, i, kind, after[i], _diff(before[i], after[i])) for i in ids]
    return items


def _item(
    batch_id: int, registrant_id: int, kind: BatchItemKind, now: Mapping[str, Any], changes: Any
) -> dict[str, Any]:
    return {
        "batch_id": batch_id,
        "registrant_id": registrant_id,
        "resident_no": now["resident_no"],
        "kind": kind,
        "changes": changes,
        "version_after": now["version"],
    }


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[object]]:
    return {
        name: [_json(old[name]), _json(new[name])]
        for name in RESTORABLE
        if old[name] != new[name]
    }


# --- Undo ---------------------------------------------------------------------------------


class Blocker(NamedTuple):
    """A person whose later record stops the undo, and why (a code the page translates)."""

    resident_no: str
    reason: str  # "edited", "consent" or "work"


@dataclass
class UndoCheck:
    """What undoing a batch would do, or why it cannot."""

    batch_id: int
    restore: int = 0
    statuses: int = 0
    remove: int = 0
    #: "undone" or "not_latest" when the batch itself cannot be undone.
    refusal: str | None = None
    blockers: list[Blocker] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.refusal is None and not self.blockers


class UndoRefusedError(Exception):
    """The undo would lose later work; check.blockers names it. Nothing was written."""

    def __init__(self, check: UndoCheck) -> None:
        super().__init__(f"import batch {check.batch_id} cannot be undone")
        self.check = check


def latest_open_batch(session: DbSession) -> int | None:
    """The newest batch not undone yet: the only one that may be undone."""
    return session.scalar(select(func.max(ImportBatch.id)).where(ImportBatch.undone_at.is_(None)))


def check_undo(session: DbSession, batch: ImportBatch) -> UndoCheck:
    """Count what undo would restore and remove, and find every person that stops it."""
    check = UndoCheck(batch.id)
    if batch.undone_at is not None:
        check.refusal = "undone"
        return check
    if latest_open_batch(session) != batch.id:
        check.refusal = "not_latest"
        return check
    items = _items(session, batch.id)
    kinds = [i.kind for i in items]
    check.restore = kinds.count(BatchItemKind.CHANGED)
    check.statuses = kinds.count(BatchItemKind.STATUS)
    check.remove = kinds.count(BatchItemKind.ADDED)
    check.blockers = sorted(_blockers(session, batch, items))
    return check


def _items(session: DbSession, batch_id: int) -> list[ImportBatchItem]:
    query = select(ImportBatchItem).where(ImportBatchItem.batch_id == batch_id)
    return list(session.scalars(query.order_by(ImportBatchItem.id)))


def _blockers(
    session: DbSession, batch: ImportBatch, items: Sequence[ImportBatchItem]
) -> Iterator[Blocker]:
    """Each person stopping the undo, once, for the first reason found: edited since, a
    consent recorded since, or (for a person the batch added) any work recorded."""
    by_id = {i.registrant_id: i for i in items}
    ids = list(by_id)
    versions = _versions(session, ids)
    blocked: set[int] = set()
    for i, item in by_id.items():
        if versions.get(i) != item.version_after:
            blocked.add(i)
            yield Blocker(item.resident_no, "edited")
    later = _having(session, ConsentRecord, ids, ConsentRecord.recorded_at > batch.created_at)
    for i in sorted(later - blocked):
        blocked.add(i)
        yield Blocker(by_id[i].resident_no, "consent")
    added = [i for i, item in by_id.items() if item.kind is BatchItemKind.ADDED]
    for i in sorted(_worked_on(session, added) - blocked):
        yield Blocker(by_id[i].resident_no, "work")


def _versions(session: DbSession, ids: Sequence[int]) -> dict[int, int]:
    """Each person's version now."""
    versions: dict[int, int] = {}
    for chunk in _chunks(ids):
        query = select(REGISTRANTS.c.id, REGISTRANTS.c.version).where(REGISTRANTS.c.id.in_(chunk))
        versions.update(dict(session.execute(query).tuples().all()))
    return versions


def _worked_on(session: DbSession, ids: Sequence[int]) -> set[int]:
    """Which of these people have a row in any of WORK_TABLES."""
    worked: set[int] = set()
    for model in WORK_TABLES:
        worked |= _having(session, model, ids)
    return worked


def _having(session: DbSession, model: Any, ids: Sequence[int], *where: Any) -> set[int]:
    """Which of these people have a row in the model's table (matching `where`)."""
    found: set[int] = set()
    column = model.registrant_id
    for chunk in _chunks(ids):
        found.update(session.scalars(select(column).where(column.in_(chunk), *where).distinct()))
    return found


def undo_batch(
    session: DbSession, batch: ImportBatch, actor: User | None, city: str
) -> UndoCheck:
    """Restore every field and status the batch changed and remove the people it added, in
    the caller's transaction; raise UndoRefusedError (writing nothing) if later work
    depends on it."""
    check = check_undo(session, batch)
    if not check.ok:
        raise UndoRefusedError(check)
    _claim(session, batch, actor, check)
    items = _items(session, batch.id)
    restored = [i for i in items if i.kind is not BatchItemKind.ADDED]
    removed = [i.registrant_id for i in items if i.kind is BatchItemKind.ADDED]
    with changes_by(session, actor, ChangePath.IMPORT_UNDO):
        for item in restored:
            _restore(session, item, city)
    _remove(session, removed)
    _refresh_hazards(session, [i.registrant_id for i in restored if _moved(i.changes)])
    record_events(session, _undo_events(batch, actor, restored, removed))
    _audit_undo(session, batch, actor, len(removed))
    return check


def _claim(session: DbSession, batch: ImportBatch, actor: User | None, check: UndoCheck) -> None:
    """Mark the batch undone first, only if no one else did: of two clerks undoing at once,
    the second waits for the first and is then refused."""
    claimed = session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.undone_at.is_(None))
        .values(
            undone_at=utcnow(),
            undone_by_id=actor.id if actor is not None else None,
            undone_by_name=actor.username if actor is not None else "cli",
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        check.refusal = "undone"
        raise UndoRefusedError(check)
    session.refresh(batch)


def _restore(session: DbSession, item: ImportBatchItem, city: str) -> None:
    values = {name: _decode(name, old) for name, (old, _new) in item.changes.items()}
    # The keys of the restored fields only: the others keep theirs.
    keys = person_keys(values, city)
    session.execute(
        update(REGISTRANTS)
        .where(REGISTRANTS.c.id == item.registrant_id)
        .values(**values, **keys, version=REGISTRANTS.c.version + 1, updated_at=utcnow())
    )


def _remove(session: DbSession, ids: Sequence[int]) -> None:
    """Delete people the batch added, with what was only computed for them."""
    for chunk in _chunks(ids):
        for model in (RegistrantHazard, ShelterAssignment, RegistrantVersion, RegistrantGram):
            session.execute(delete(model).where(model.registrant_id.in_(chunk)))
        session.execute(delete(REGISTRANTS).where(REGISTRANTS.c.id.in_(chunk)))


def _moved(changes: Mapping[str, Any]) -> bool:
    return bool({"latitude", "longitude", "status"} & set(changes))


def _refresh_hazards(session: DbSession, ids: Sequence[int]) -> None:
    """Flags and nearest shelters of people whose location or status came back."""
    if not ids:
        return
    from ..hazards.assignment import recompute_assignments, recompute_flags
    from ..hazards.frames import areas_frame, metric_crs, people_frame, shelters_frame
    from ..models import HAZARDS

    crs = metric_crs()
    people = people_frame(session, crs, ids=ids)
    areas = areas_frame(session, crs)
    recompute_flags(session, crs, people=people, areas=areas, ids=ids)
    shelters = shelters_frame(session, crs)
    done = set(session.scalars(select(ShelterAssignment.hazard).distinct()))
    for hazard in (h for h in HAZARDS if h in done):
        recompute_assignments(
            session, hazard, crs, people=people, shelters=shelters, areas=areas, ids=ids
        )


def _undo_events(
    batch: ImportBatch,
    actor: User | None,
    restored: Iterable[ImportBatchItem],
    removed: Sequence[int],
) -> list[dict[str, Any]]:
    """An event per person the undo restored (naming the fields) or removed."""
    events = [
        registrant_event(
            actor,
            "registrant.update",
            item.registrant_id,
            {"import_undo": batch.id, "fields": sorted(item.changes)},
        )
        for item in restored
    ]
    events += [
        registrant_event(actor, "registrant.delete", i, {"import_undo": batch.id}) for i in removed
    ]
    return events


def _audit_undo(session: DbSession, batch: ImportBatch, actor: User | None, removed: int) -> None:
    """The undo's counts, on the batch."""
    record_event(
        session,
        "import.undo",
        actor=actor,
        actor_name="cli",
        object_type="import_batch",
        object_id=batch.id,
        detail={
            "restored": batch.changed,
            "statuses": batch.status_changed,
            "removed": removed,
        },
    )
