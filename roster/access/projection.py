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
    "preferred_language": lambda r: r.preferred_language,
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


# ---------------------------------------------------------------------------------------------
# The projection as columns, for exits that read too many people for records (the map's
# 100,000 points): the same keys, granted by the same field sets, read as plain columns.
# ---------------------------------------------------------------------------------------------

#: Projection key -> the register columns its value is made of.
SOURCES: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "latitude": ("latitude",),
    "longitude": ("longitude",),
    "location_approximate": ("location_approximate",),
    "household": ("household",),
    "mobility": ("mobility",),
    "care_level": ("care_level",),
    "devices": DEVICE_FIELDS,
}
#: The keys a coarse location gives (see _coarse): the place, rounded to COARSE_DECIMALS.
COARSE_KEYS = frozenset({"latitude", "longitude", "location_approximate", "location_precision"})


def shows(fields: frozenset[str], key: str) -> bool:
    """Whether a field set shows this projection key, as project() decides."""
    if GROUPED.get(key, key) in fields:
        return True
    return key in COARSE_KEYS and "coarse_location" in fields


def coarse(fields: frozenset[str]) -> bool:
    """Whether the field set shows the place only rounded to COARSE_DECIMALS."""
    return "coarse_location" in fields and "latitude" not in fields


def source_columns(fields: frozenset[str], keys: tuple[str, ...]) -> list[Any] | None:
    """The register columns of `keys`, in order, or None when the field set does not show
    every one of them (a caller reads all the keys it draws, or no one)."""
    if not all(shows(fields, key) for key in keys):
        return None
    return [getattr(Registrant, name) for key in keys for name in SOURCES[key]]
