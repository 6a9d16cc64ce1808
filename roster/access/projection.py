"""A registrant as a user may see it: only the fields the access rule grants.

Pages, prints, exports and the API all render this projection, never the model itself.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from ..models import COMMUNICATION_FIELDS, DEVICE_FIELDS, Registrant
from ..reasons import categories_of


def _devices(r: Registrant) -> list[str]:
    return [name.removeprefix("device_") for name in DEVICE_FIELDS if getattr(r, name)]


def _communication(r: Registrant) -> list[str]:
    return [name.removeprefix("comm_") for name in COMMUNICATION_FIELDS if getattr(r, name)]


def _contacts(r: Registrant) -> list[dict[str, Any]]:
    return [
        {"name": c.name, "relation": c.relation, "phone": c.phone} for c in r.emergency_contacts
    ]


#: Field name -> how to read it from the model.
READERS: dict[str, Any] = {
    "id": lambda r: r.id,
    "resident_no": lambda r: r.resident_no,
    "name": lambda r: r.name,
    "name_kana": lambda r: r.name_kana,
    "birth_date": lambda r: r.birth_date,
    "sex": lambda r: r.sex,
    "address": lambda r: r.address,
    "postal_code": lambda r: r.postal_code,
    "phone": lambda r: r.phone,
    "mobile_phone": lambda r: r.mobile_phone,
    "fax": lambda r: r.fax,
    "email": lambda r: r.email,
    "support_categories": categories_of,
    "support_reason_detail": lambda r: r.support_reason_detail,
    "district": lambda r: {"id": r.district_id, "code": r.district.code, "name": r.district.name},
    "latitude": lambda r: r.latitude,
    "longitude": lambda r: r.longitude,
    "location_approximate": lambda r: r.location_approximate,
    "location_precision": lambda r: r.location_precision,
    "household": lambda r: r.household,
    "mobility": lambda r: r.mobility,
    "devices": _devices,
    "device_other": lambda r: r.device_other,
    "communication": _communication,
    "language_note": lambda r: r.language_note,
    "care_level": lambda r: r.care_level,
    "disability_certificate": lambda r: r.disability_certificate,
    "emergency_contacts": _contacts,
    "status": lambda r: r.status,
    "source": lambda r: r.source,
    "last_verified_on": lambda r: r.last_verified_on,
    "consent_state": lambda r: r.consent_state,
    "version": lambda r: r.version,
}


#: Keys that come with a field group: whoever may see the group sees these too.
GROUPED = {"language_note": "communication", "location_precision": "location_approximate"}
#: Decimal places of a coarse location: 3 is about 100 m, enough to plan, not to find a door.
COARSE_DECIMALS = 3


def project(registrant: Registrant, fields: frozenset[str]) -> dict[str, Any]:
    """The registrant's visible fields, in a stable order; nothing else is read."""
    view = {
        name: read(registrant)
        for name, read in READERS.items()
        if GROUPED.get(name, name) in fields
    }
    if "coarse_location" in fields and "latitude" not in fields:
        view.update(_coarse(registrant))
    return view


def _coarse(r: Registrant) -> dict[str, Any]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, COARSE_DECIMALS)

    return {
        "latitude": rounded(r.latitude),
        "longitude": rounded(r.longitude),
        "location_approximate": True,
        "location_precision": r.location_precision,
    }


def to_json(value: Any) -> Any:
    """JSON-ready values: enum codes and ISO dates."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value
