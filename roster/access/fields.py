"""The registrant's field sets: what each role, and each agreement field group, opens.

Names are the keys of the projected registrant (roster.access.projection).
"""

from __future__ import annotations

from typing import Any

LEGAL_FIELDS = frozenset(
    {
        "name",
        "name_kana",
        "birth_date",
        "sex",
        "address",
        "phone",
        "mobile_phone",
        "fax",
        "email",
        "support_categories",
    }
)


NEEDS_SUMMARY_FIELDS = frozenset({"household", "mobility"})


PLACE_FIELDS = frozenset({"id", "district", "latitude", "longitude", "location_approximate"})


SENSITIVE_FIELDS = frozenset(
    {
        "devices",
        "device_other",
        "communication",
        "care_level",
        "disability_certificate",
        "support_reason_detail",
    }
)


STAFF_FIELDS = (
    PLACE_FIELDS
    | LEGAL_FIELDS
    | NEEDS_SUMMARY_FIELDS
    | SENSITIVE_FIELDS
    | {
        "resident_no",
        "postal_code",
        "emergency_contacts",
        "status",
        "source",
        "last_verified_on",
        "consent_state",
        "preferred_language",
        "version",
    }
)


#: The field groups an agreement can provide, in the order the agreement form lists them,
#: each with the projection keys it opens. A partner always gets the person's ID and district.
AGREEMENT_FIELDS: dict[str, frozenset[str]] = {
    "name": frozenset({"name"}),
    "name_kana": frozenset({"name_kana"}),
    "birth_date": frozenset({"birth_date"}),
    "sex": frozenset({"sex"}),
    "address": frozenset({"address"}),
    "phone": frozenset({"phone", "mobile_phone", "fax"}),
    "email": frozenset({"email"}),
    # The legal item as categories; the words behind them are the medical group below.
    "support_reason": frozenset({"support_categories"}),
    "support_reason_detail": frozenset({"support_reason_detail"}),
    "household": frozenset({"household"}),
    "mobility": frozenset({"mobility"}),
    "location": frozenset({"latitude", "longitude", "location_approximate"}),
    "emergency_contacts": frozenset({"emergency_contacts"}),
    "devices": frozenset({"devices", "device_other"}),
    "communication": frozenset({"communication"}),
    "care_level": frozenset({"care_level"}),
    "disability_certificate": frozenset({"disability_certificate"}),
}

#: 要配慮個人情報: disability and medical details, which a leak of even one record makes
#: reportable. Agreement forms mark them, and new agreements leave them out.
MEDICAL_FIELD_GROUPS = frozenset(
    {"devices", "communication", "care_level", "disability_certificate", "support_reason_detail"}
)


#: What a new agreement offers until staff change it: the legal items and a needs summary.
DEFAULT_AGREEMENT_FIELDS = tuple(
    g for g in AGREEMENT_FIELDS if g not in MEDICAL_FIELD_GROUPS and g != "emergency_contacts"
)


#: What every partner who sees a person at all sees: which person, and in which district.
PARTNER_BASE_FIELDS = frozenset({"id", "district"})


def agreement_fields(groups: Any) -> frozenset[str]:
    """The projection keys an agreement's field groups open; unknown names open nothing."""
    keys = set(PARTNER_BASE_FIELDS)
    for group in groups or ():
        keys |= AGREEMENT_FIELDS.get(group, frozenset())
    return frozenset(keys)


#: A planner sees roughly where people are and what they need, but not who they are: the
#: location is rounded to about 100 m (coarse_location), and free-text notes are left out:
#: the reason's categories, never its detail.
PLANNER_FIELDS = frozenset(
    {
        "id",
        "district",
        "coarse_location",
        "household",
        "mobility",
        "support_categories",
        "devices",
        "care_level",
        "status",
    }
)
