"""Eligibility import: compare an export with the register, then apply it all or nothing.

The source systems are authoritative for who is eligible and for their identity fields; staff
are authoritative for what they learnt on visits (household, mobility, needs, contacts), so
an import never overwrites those. People missing from an export are never deleted, and their
status changes only where staff chose one for them: nothing is proposed. Every apply is an
import batch (roster.imports.batches) that records what it changed, for its page and its undo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update

from ..audit.operations import record_event, record_events
from ..extensions import DbSession
from ..geocoding.operations import geocode_people
from ..models import (
    CareLevel,
    ConsentState,
    District,
    Household,
    ImportBatch,
    LocationPrecision,
    Mobility,
    Registrant,
    RegistrantStatus,
    Source,
    SupportReason,
    User,
)
from ..models.base import utcnow
from ..models.registrant_versions import ChangePath, changes_by
from ..reasons import categorise, reason_columns
from ..text import address_key, person_keys, search_key
from .batches import SourceFile, registrant_event, seal_batch, snapshot, start_batch
from .mapping import SOURCE_FIELDS, header_name
from .messages import Message
from .parsing import ImportRecord, ParseResult, RowError

REGISTRANTS = cast(Table, Registrant.__table__)


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass
class ChangedPerson:
    registrant_id: int
    resident_no: str
    row: int
    changes: list[FieldChange]
    district_id: int
    #: Every source field as it will be after the import.
    values: dict[str, Any] = field(default_factory=dict)
    #: The district before the import.
    old_district_id: int | None = None


@dataclass
class MissingPerson:
    registrant_id: int
    resident_no: str
    name: str


@dataclass
class NewPerson:
    record: ImportRecord
    district_id: int
    #: 避難支援等を必要とする事由 as categories, from the export's text (see support_categories).
    categories: list[SupportReason] = field(default_factory=list)

    @property
    def reason_unmatched(self) -> bool:
        """No keyword matched: the person got その他, which staff should look at."""
        return self.categories == [SupportReason.OTHER]


@dataclass
class ImportPlan:
    """What applying the export would do, and every row that stops it."""

    new: list[NewPerson] = field(default_factory=list)
    changed: list[ChangedPerson] = field(default_factory=list)
    missing: list[MissingPerson] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def reason_unmatched(self) -> int:
        """New people whose 事由 matched no category and fell to その他."""
        return sum(1 for p in self.new if p.reason_unmatched)


class ImportRefusedError(Exception):
    """The plan has errors: nothing was written."""


class DistrictFinder:
    """A person's district from the export's district column, else from the address."""

    def __init__(self, districts: Sequence[District], city: str) -> None:
        self.city = city
        self.by_name = {search_key(d.name): d.id for d in districts}
        # Longest names first, so 緑町 is not taken for a town that merely starts the same way.
        self.prefixes = sorted(self.by_name.items(), key=lambda kv: -len(kv[0]))

    def find(self, record: ImportRecord) -> int | None:
        if record.district:
            return self.by_name.get(search_key(record.district))
        town = address_key(record.address, self.city)
        return next((i for key, i in self.prefixes if town.startswith(key)), None)


def plan_import(session: DbSession, parsed: ParseResult, city: str) -> ImportPlan:
    """Compare the parsed export with the register. Writes nothing.

    Only fields the file has a column for are compared: an export without phone numbers
    says nothing about them, and must not blank the ones staff hold.
    """
    present = frozenset(parsed.columns)
    plan = ImportPlan(errors=list(parsed.errors))
    finder = DistrictFinder(list(session.scalars(select(District))), city)
    existing = _existing(session)
    for record in parsed.records:
        district_id = finder.find(record)
        if district_id is None:
            plan.errors.append(_no_district(record, parsed.columns))
        else:
            _plan_record(plan, record, district_id, existing.pop(record.resident_no, None), present)
    plan.missing = _missing(existing.values())
    plan.errors.sort(key=lambda e: (e.row, e.column))
    return plan


def _plan_record(
    plan: ImportPlan, record: ImportRecord, district_id: int, person: Any, present: frozenset[str]
) -> None:
    """Plan a record as a new person, or compare it with the person of its resident ID."""
    if person is None:
        plan.new.append(NewPerson(record, district_id, support_categories(record)))
    else:
        _compare(plan, person, record, district_id, present)


def _missing(left: Iterable[Any]) -> list[MissingPerson]:
    """Of the people no record named, those on the register from the eligible list and
    still active."""
    return [
        MissingPerson(p.id, p.resident_no, p.name)
        for p in left
        if p.source is Source.ELIGIBLE_LIST and p.status is RegistrantStatus.ACTIVE
    ]


def _existing(session: DbSession) -> dict[str, Any]:
    """The register's people by resident number, with the fields an import compares."""
    # Plain rows, not ORM objects: a 200,000-person register compares in little memory.
    columns = [
        getattr(Registrant, n)
        for n in (*SOURCE_FIELDS, "id", "resident_no", "district_id", "source", "status")
    ]
    return {r.resident_no: r for r in session.execute(select(*columns))}


def _compare(
    plan: ImportPlan, person: Any, record: ImportRecord, district_id: int, present: frozenset[str]
) -> None:
    """Plan a person of the register as changed by their record, or count them unchanged."""
    changes = _changes(person, record, present)
    if not changes and person.district_id == district_id:
        plan.unchanged += 1
        return
    values = {n: getattr(person, n) for n in SOURCE_FIELDS} | {c.field: c.new for c in changes}
    plan.changed.append(
        ChangedPerson(
            person.id,
            person.resident_no,
            record.row,
            changes,
            district_id,
            values,
            person.district_id,
        )
    )


def _no_district(record: ImportRecord, headers: Mapping[str, str]) -> RowError:
    """The row's district column names no district, or its address starts with none."""
    if record.district:
        message = Message.of("district_unknown", value=record.district)
        return RowError(
            record.row, headers.get("district", header_name("district")), message, record.district
        )
    message = Message.of("district_unmatched")
    return RowError(
        record.row, headers.get("address", header_name("address")), message, record.address
    )


def _changes(person: Any, record: ImportRecord, present: frozenset[str]) -> list[FieldChange]:
    changes = []
    for name in SOURCE_FIELDS:
        if name not in present:
            continue
        new = getattr(record, name)
        if getattr(person, name) != new:
            changes.append(FieldChange(name, getattr(person, name), new))
    return changes


def support_categories(record: ImportRecord) -> list[SupportReason]:
    """First categories from what the source systems know; staff refine them after a visit.

    The 事由 text and the certificate go through the keyword rules (roster.reasons); a care
    level means 高齢・要介護. Nobody is left without a category: その他 when nothing matches.
    """
    text = " ".join(t for t in (record.support_reason, record.disability_certificate) if t)
    found = set(categorise(text))
    if record.care_level and record.care_level is not CareLevel.NONE:
        found = (found - {SupportReason.OTHER}) | {SupportReason.ELDERLY_CARE}
    return [c for c in SupportReason if c in found]


#: What a new person's row holds that the export does not say: no contact beyond the phones,
#: no device or communication need, a location at their district's point, active, from the
#: eligible list, and no consent.
_NEW_PERSON_DEFAULTS: dict[str, Any] = {
    "fax": None,
    "email": None,
    "location_approximate": True,
    "location_precision": LocationPrecision.DISTRICT,
    "device_ventilator": False,
    "device_oxygen": False,
    "device_suction": False,
    "device_dialysis": False,
    "device_other": None,
    "comm_hearing": False,
    "comm_visual": False,
    "comm_language": False,
    "comm_cognitive": False,
    "language_note": None,
    "status": RegistrantStatus.ACTIVE,
    "source": Source.ELIGIBLE_LIST,
    # Nobody has verified anything: the export only says who is eligible.
    "last_verified_on": None,
    "consent_state": ConsentState.UNCONFIRMED,
    "consent_scope": 0,
    "current_consent_id": None,
    "version": 1,
}


def _new_row(person: NewPerson, city: str, district: District) -> dict[str, Any]:
    r = person.record
    return {
        **_NEW_PERSON_DEFAULTS,
        "resident_no": r.resident_no,
        "name": r.name,
        "name_kana": r.name_kana,
        "birth_date": r.birth_date,
        "sex": r.sex,
        "address": r.address,
        "postal_code": r.postal_code,
        "phone": r.phone,
        "mobile_phone": r.mobile_phone,
        **reason_columns(person.categories),
        # The export's words may name illnesses: 要配慮個人情報, kept as the detail only.
        "support_reason_detail": r.support_reason,
        "district_id": district.id,
        "latitude": district.latitude,
        "longitude": district.longitude,
        "household": r.household or Household.UNKNOWN,
        "mobility": r.mobility or Mobility.UNKNOWN,
        "care_level": r.care_level or CareLevel.NONE,
        "disability_certificate": r.disability_certificate,
        **person_keys(
            {"name": r.name, "name_kana": r.name_kana, "address": r.address,
             "phone": r.phone, "mobile_phone": r.mobile_phone},
            city,
        ),
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    status_changed: int
    batch_id: int


def apply_import(
    session: DbSession,
    plan: ImportPlan,
    actor: User | None,
    city: str,
    source: SourceFile,
    missing_statuses: Mapping[int, RegistrantStatus] | None = None,
    batch: int = 5000,
    progress: Any = None,
) -> ImportSummary:
    """Write the plan in the caller's transaction as one import batch, or nothing at all if
    any row is bad.

    missing_statuses says, per registrant ID, what staff chose for people missing from the
    export; everyone else keeps their status. Nothing here chooses a status.
    """
    if not plan.ok:
        raise ImportRefusedError(f"{len(plan.errors)} rows have errors; nothing was written")
    confirmed = _confirmed(plan, missing_statuses or {})
    record = start_batch(session, actor, source)
    before = snapshot(session, [c.registrant_id for c in plan.changed] + list(confirmed))
    with changes_by(session, actor, ChangePath.IMPORT):
        created = _write_people(session, plan, city, confirmed, batch, progress)
    _audit_people(session, actor, created, plan.changed, confirmed)
    _geocode_imported(session, created, plan.changed, actor)
    # Whatever else writes these people in this transaction goes above this line: the seal
    # records the values and versions the batch leaves, which its undo restores from.
    summary = seal_batch(session, record, before, created, plan.new, plan.changed, confirmed)
    _audit_apply(session, actor, record, plan)
    return ImportSummary(summary.added, summary.changed, summary.status_changed, record.id)


def _write_people(
    session: DbSession,
    plan: ImportPlan,
    city: str,
    confirmed: Mapping[int, RegistrantStatus],
    batch: int,
    progress: Any,
) -> list[int]:
    """Insert the new people, update the changed ones and set the confirmed statuses;
    return the new people's IDs."""
    districts = {d.id: d for d in session.scalars(select(District))}
    created = _insert_new(session, plan.new, city, districts, batch, progress)
    _update_changed(session, plan.changed, city)
    _set_statuses(session, confirmed)
    return created


def _audit_apply(
    session: DbSession, actor: User | None, batch: ImportBatch, plan: ImportPlan
) -> None:
    """The sealed batch's counts and the SHA-256 of the file it read."""
    record_event(
        session,
        "import.apply",
        actor=actor,
        actor_name="cli",
        object_type="import_batch",
        object_id=batch.id,
        detail={
            "created": batch.added,
            "updated": batch.changed,
            "status_changed": batch.status_changed,
            "reason_unmatched": plan.reason_unmatched,
            "sha256": batch.file_sha256,
        },
    )


def _confirmed(
    plan: ImportPlan, statuses: Mapping[int, RegistrantStatus]
) -> dict[int, RegistrantStatus]:
    """The chosen statuses of people who are missing from this export, and no one else."""
    missing = {m.registrant_id for m in plan.missing}
    return {k: v for k, v in statuses.items() if k in missing}


def _audit_people(
    session: DbSession,
    actor: User | None,
    created: Sequence[int],
    changed: Sequence[ChangedPerson],
    confirmed: Mapping[int, RegistrantStatus],
) -> None:
    """An event per person the import wrote: created, or updated naming the fields."""
    events = [registrant_event(actor, "registrant.create", i, {"import": True}) for i in created]
    events += [
        registrant_event(actor, "registrant.update", c.registrant_id, _changed_fields(c))
        for c in changed
    ]
    events += [
        registrant_event(actor, "registrant.update", i, {"import": True, "fields": ["status"]})
        for i in confirmed
    ]
    record_events(session, events)


def _changed_fields(person: ChangedPerson) -> dict[str, Any]:
    return {"import": True, "fields": sorted({x.field for x in person.changes})}


def _geocode_imported(
    session: DbSession, created: list[int], changed: Sequence[ChangedPerson], actor: User | None
) -> None:
    """Place the people the import added, or whose address it changed, at their address."""
    moved = [c.registrant_id for c in changed if any(x.field == "address" for x in c.changes)]
    if created or moved:
        geocode_people(session, ids=created + moved, actor=actor)


def _insert_new(
    session: DbSession,
    people: Sequence[NewPerson],
    city: str,
    districts: dict[int, District],
    batch: int,
    progress: Any,
) -> list[int]:
    ids: list[int] = []
    statement = insert(Registrant).returning(Registrant.id, sort_by_parameter_order=True)
    for start in range(0, len(people), batch):
        chunk = people[start : start + batch]
        rows = [_new_row(p, city, districts[p.district_id]) for p in chunk]
        ids += session.scalars(statement, rows).all()
        if progress is not None:
            progress.update(len(chunk))
    return ids


def _update_changed(session: DbSession, people: Iterable[ChangedPerson], city: str) -> None:
    table = REGISTRANTS
    for person in people:
        values = person.values
        session.execute(
            update(table)
            .where(table.c.id == person.registrant_id)
            .values(
                **values,
                district_id=person.district_id,
                **person_keys(values, city),
                version=table.c.version + 1,
                updated_at=utcnow(),
            )
        )


def _set_statuses(session: DbSession, statuses: Mapping[int, RegistrantStatus]) -> None:
    if not statuses:
        return
    table = REGISTRANTS
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(status=bindparam("b_status"), version=table.c.version + 1, updated_at=utcnow()),
        [{"b_id": i, "b_status": s} for i, s in statuses.items()],
    )
