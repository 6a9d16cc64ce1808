"""The dry run of an upload: its plan against the register as it is now, the page that shows
it, and the statuses staff choose there for the people missing from the export.

The digests that tell whether the plan changed between the steps hold register IDs and
counts only, so no personal data goes into a page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from flask import abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..audit.operations import record_event
from ..extensions import db
from ..i18n import local_today, show_date
from ..labels import label
from ..models import District, Registrant, RegistrantStatus
from ..web import city_prefix
from .mapping import Mapping, load_mapping
from .operations import ImportPlan, MissingPerson, plan_import
from .parsing import parse_rows
from .tables import read_table
from .upload_store import Upload

#: Rows shown in each table of the dry run; the rest are counted.
SHOWN = 200
#: The choice for a missing person that leaves their status as it is.
KEEP = "keep"

#: The register fields an import compares, as the dry run names them.
FIELD_NAMES: dict[str, Any] = {
    "name": _l("Name"),
    "name_kana": _l("Reading (kana)"),
    "birth_date": _l("Date of birth"),
    "sex": _l("Sex"),
    "address": _l("Address"),
    "postal_code": _l("Postal code"),
    "phone": _l("Phone"),
    "mobile_phone": _l("Mobile phone"),
    "care_level": _l("Care level"),
    "disability_certificate": _l("Disability certificate"),
    "district": _l("District"),
}


# --- Planning and showing ------------------------------------------------------------------


def make_plan(upload: Upload) -> ImportPlan:
    """Read, parse and compare the upload with the register as it is now. Writes nothing.

    Raises MappingError or TableError for a file that cannot be read at all.
    """
    mapping = load_mapping(upload.mapping) if upload.mapping else Mapping()
    table = read_table(
        upload.data,
        filename=f"upload{upload.suffix}",
        encoding=upload.encoding,
        limits=current_app.config["UPLOAD_LIMITS"],
    )
    parsed = parse_rows(table, mapping, today=local_today())
    plan = plan_import(db.session, parsed, city_prefix())
    # A fixed order, so the people listed on the dry run are the ones the apply reads.
    plan.missing.sort(key=lambda m: (m.resident_no, m.registrant_id))
    return plan


def missing_key(plan: ImportPlan) -> str:
    """A digest of who is missing from the export, to tell whether it changed since the dry
    run. Register IDs only, so no personal data goes into the page."""
    ids = ",".join(str(m.registrant_id) for m in plan.missing)
    return hashlib.sha256(ids.encode()).hexdigest()[:32]


def missing_choices() -> list[tuple[str, str]]:
    others = [s for s in RegistrantStatus if s is not RegistrantStatus.ACTIVE]
    return [(KEEP, _("Keep as it is")), *((s.value, label(s)) for s in others)]


class StatusConflictError(ValueError):
    """A ticked person was also given a different status of their own."""


def chosen_statuses(plan: ImportPlan, form: MultiDict[str, str]) -> dict[int, RegistrantStatus]:
    """The statuses staff chose on the dry run for people missing from the export: one by
    one, or one status for the ticked. Anyone without a choice keeps their status; nothing
    is chosen for anyone by default."""
    missing = {m.registrant_id for m in plan.missing[:SHOWN]}
    ticked = {_missing_id(v, missing) for v in form.getlist("tick")}
    bulk = _status(form.get("ticked-status", KEEP))
    statuses: dict[int, RegistrantStatus] = {}
    for registrant_id in missing:
        own = _status(form.get(f"missing-{registrant_id}", KEEP))
        if own is not None and bulk is not None and registrant_id in ticked and own != bulk:
            raise StatusConflictError
        choice = own or (bulk if registrant_id in ticked else None)
        if choice is not None:
            statuses[registrant_id] = choice
    return statuses


def confirmed_statuses(plan: ImportPlan, form: MultiDict[str, str]) -> dict[int, RegistrantStatus]:
    """The statuses carried by the confirmation step, for people missing from the export."""
    missing = {m.registrant_id for m in plan.missing}
    statuses: dict[int, RegistrantStatus] = {}
    for value in form.getlist("status"):
        registrant_id, _sep, status = value.partition(":")
        chosen = _status(status)
        if chosen is None:
            abort(400)
        statuses[_missing_id(registrant_id, missing)] = chosen
    return statuses


def _missing_id(value: str, missing: set[int]) -> int:
    if not value.isdigit() or int(value) not in missing:
        abort(400)
    return int(value)


def _status(value: str) -> RegistrantStatus | None:
    """None for "keep"; a 400 for anything that is not a status other than active."""
    if value == KEEP:
        return None
    if value not in {s.value for s in RegistrantStatus if s is not RegistrantStatus.ACTIVE}:
        abort(400)
    return RegistrantStatus(value)


def plan_key(plan: ImportPlan, statuses: dict[int, RegistrantStatus]) -> str:
    """A digest of what the apply would write, to tell whether it changed since the
    confirmation. Register IDs and counts only: no personal data goes into the page."""
    parts = [
        str(len(plan.new)),
        ",".join(str(c.registrant_id) for c in plan.changed),
        ",".join(f"{i}:{s.value}" for i, s in sorted(statuses.items())),
        missing_key(plan),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def show_value(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):  # a category ticked or not: never True/False on a page
        return str(_("Yes") if value else _("No"))
    if isinstance(value, date):
        return show_date(value)
    if isinstance(value, Enum):
        return label(value)
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


def _changes(plan: ImportPlan, districts: dict[int, str]) -> list[tuple[Any, list[Change]]]:
    """The changed people the dry run shows, each with their changes as it names them."""
    shown = plan.changed[:SHOWN]
    query = select(Registrant.id, Registrant.district_id).where(
        Registrant.id.in_([c.registrant_id for c in shown])
    )
    before: dict[int, int] = {i: district for i, district in db.session.execute(query)}
    return [
        (person, _person_changes(person, before.get(person.registrant_id), districts))
        for person in shown
    ]


def _person_changes(
    person: Any, old_district: int | None, districts: dict[int, str]
) -> list[Change]:
    """Each field the import changes for the person, and their district if it changes."""
    changes = [
        Change(str(FIELD_NAMES.get(c.field, c.field)), show_value(c.old), show_value(c.new))
        for c in person.changes
    ]
    if old_district != person.district_id:
        changes.append(
            Change(
                str(FIELD_NAMES["district"]),
                districts.get(old_district, "—") if old_district else "—",
                districts.get(person.district_id, "—"),
            )
        )
    return changes


def _audit_dry_run(plan: ImportPlan, shown: list[int]) -> None:
    """The counts of the dry run, and the register IDs of the people it shows."""
    record_event(
        db.session,
        "import.dry_run",
        actor=current_user,
        object_type="registrant",
        detail={
            "new": len(plan.new),
            "reason_unmatched": plan.reason_unmatched,
            "changed": len(plan.changed),
            "unchanged": plan.unchanged,
            "missing": len(plan.missing),
            "errors": len(plan.errors),
            "ids": shown,
        },
    )
    db.session.commit()


def dry_run(
    token: str | None, plan: ImportPlan, status: int = 200, notice: str | None = None
) -> ResponseReturnValue:
    """The dry-run page: what the apply would do, and every row that stops it."""
    districts: dict[int, str] = {
        i: name for i, name in db.session.execute(select(District.id, District.name))
    }
    changed = _changes(plan, districts)
    missing = plan.missing[:SHOWN]
    _audit_dry_run(
        plan, [p.registrant_id for p, _c in changed] + [m.registrant_id for m in missing]
    )
    return _render_dry_run(token, plan, changed, missing, districts, notice), status


def _render_dry_run(
    token: str | None,
    plan: ImportPlan,
    changed: list[tuple[Any, list[Change]]],
    missing: list[MissingPerson],
    districts: dict[int, str],
    notice: str | None,
) -> str:
    """The dry-run page of the people shown, with the choices for those missing."""
    return render_template(
        "imports/dry_run.html",
        token=token,
        plan=plan,
        shown=SHOWN,
        new=plan.new[:SHOWN],
        changed=changed,
        missing=missing,
        errors=plan.errors[:SHOWN],
        districts=districts,
        choices=missing_choices(),
        keep=KEEP,
        missing_key=missing_key(plan),
        notice=notice,
    )
