"""Register verbs: create and update, with search keys, location and the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..audit.operations import record_event
from ..extensions import DbSession
from ..geocoding.operations import locate_registrant, set_location
from ..hazards.assignment import refresh_person as refresh_hazards
from ..models import ConsentState, EmergencyContact, LocationPrecision, Registrant, User
from ..models.base import utcnow
from ..models.registrant_versions import ChangePath, changes_by
from ..text import person_keys
from ..versioning import StaleEditError as StaleEditError
from ..versioning import check_version

#: The search keys, derived from other fields: never a change of their own.
KEY_COLUMNS = tuple(c.key for c in Registrant.__table__.columns if c.key.endswith("_key"))
#: The fields the keys are made from.
KEYED_FIELDS = ("name", "name_kana", "address", "phone", "mobile_phone")


def _keyed_values(registrant: Registrant) -> dict[str, Any]:
    return {name: getattr(registrant, name) for name in KEYED_FIELDS}


class DuplicateResidentNoError(Exception):
    """Another registrant already has this resident ID."""


def _apply(session: DbSession, registrant: Registrant, data: dict[str, Any], city: str) -> None:
    contacts = data.pop("emergency_contacts", [])
    for name, value in data.items():
        setattr(registrant, name, value)
    for key, value in person_keys(_keyed_values(registrant), city).items():
        setattr(registrant, key, value)
    _place(session, registrant)
    _replace_contacts(registrant, contacts)


def _place(session: DbSession, registrant: Registrant) -> None:
    """Coordinates given on the form are a pin staff set (手動), kept as they are; without them
    the address places the person (住居, 街区, 町丁目), else the district's point (地区).

    The edit form shows only manual pins, so saving it never turns a geocoded point into one.
    """
    if registrant.latitude is not None and registrant.longitude is not None:
        set_location(
            registrant, (registrant.latitude, registrant.longitude, LocationPrecision.MANUAL)
        )
        return
    set_location(registrant, locate_registrant(session, registrant))


def _replace_contacts(registrant: Registrant, contacts: list[dict[str, str]]) -> None:
    current = [(c.name, c.relation, c.phone) for c in registrant.emergency_contacts]
    wanted = [(c["name"], c["relation"], c["phone"]) for c in contacts]
    if current != wanted:
        registrant.emergency_contacts = [
            EmergencyContact(position=i, name=n, relation=r, phone=p)
            for i, (n, r, p) in enumerate(wanted, start=1)
        ]


def _check_unique(session: DbSession, resident_no: str, exclude_id: int | None = None) -> None:
    query = select(Registrant.id).where(Registrant.resident_no == resident_no)
    if exclude_id is not None:
        query = query.where(Registrant.id != exclude_id)
    if session.scalar(query) is not None:
        raise DuplicateResidentNoError(resident_no)


def create_registrant(
    session: DbSession, data: dict[str, Any], actor: User, city: str
) -> Registrant:
    """Add a person to the register, with consent not yet confirmed."""
    _check_unique(session, data["resident_no"])
    registrant = Registrant(consent_state=ConsentState.UNCONFIRMED)
    _apply(session, registrant, dict(data), city)
    session.add(registrant)
    session.flush()
    refresh_hazards(session, registrant)  # hazard flags and shelters at the new home
    record_event(
        session, "registrant.create", actor=actor, object_type="registrant", object_id=registrant.id
    )
    return registrant


def update_registrant(
    session: DbSession,
    registrant: Registrant,
    data: dict[str, Any],
    expected_version: int | None,
    actor: User,
    city: str,
) -> list[str]:
    """Save an edit made on version expected_version; refuse it if the record moved on."""
    check_version(registrant, expected_version)
    _check_unique(session, data["resident_no"], exclude_id=registrant.id)
    before = snapshot(registrant)
    with changes_by(session, actor, ChangePath.FORM):
        _apply(session, registrant, dict(data), city)
        changed = sorted(k for k, v in snapshot(registrant).items() if before.get(k) != v)
        if changed:
            _after_change(session, registrant, changed, actor)
    return changed


def _after_change(
    session: DbSession, registrant: Registrant, changed: list[str], actor: User
) -> None:
    """An edit changed these fields: move the version on, refresh what follows from them,
    and audit their names."""
    # Touch the row even when only contacts changed, so the version moves on and a
    # form opened before this save is refused.
    registrant.updated_at = utcnow()
    session.flush()
    refresh_hazards(session, registrant)  # location, needs or status may have changed
    record_event(
        session,
        "registrant.update",
        actor=actor,
        object_type="registrant",
        object_id=registrant.id,
        detail={"fields": changed},
    )


def snapshot(registrant: Registrant) -> dict[str, Any]:
    """Column values and contacts, to tell which fields an edit changed (names only are logged)."""
    values = {c.key: getattr(registrant, c.key) for c in Registrant.__table__.columns}
    for derived in ("version", "updated_at", *KEY_COLUMNS):
        values.pop(derived, None)
    values["emergency_contacts"] = [
        (c.name, c.relation, c.phone) for c in registrant.emergency_contacts
    ]
    return values
