"""Names shown for the codes of a plan: status, author role, destination, when to start,
transport, help needed, review reasons, destination warnings and the terms themselves."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..models import AuthorRole, DestinationKind, PlanStatus

STATUS_LABELS = {
    PlanStatus.DRAFT: _l("Plan in progress"),  # 作成中
    PlanStatus.AGREED: _l("Agreed with the person"),  # 本人と合意済み
    PlanStatus.NEEDS_REVIEW: _l("Needs review"),  # 要見直し
}
AUTHOR_ROLE_LABELS = {
    AuthorRole.CARE_MANAGER: _l("Care manager"),  # 介護支援専門員
    AuthorRole.SUPPORT_SPECIALIST: _l("Consultation support specialist"),  # 相談支援専門員
    AuthorRole.STAFF: _l("Municipal staff"),  # 市職員
    AuthorRole.OTHER: _l("Other"),
}
DESTINATION_LABELS = {
    DestinationKind.SHELTER: _l("A shelter in the registry"),
    DestinationKind.RELATIVE: _l("A relative's or friend's home"),
    DestinationKind.OTHER: _l("Another place"),
}
#: When to start evacuating (警戒レベル); "level3" is the default of every new plan.
START_TRIGGERS = {
    "level3": _l("Alert level 3: older people and those who need help evacuate"),
    "level4": _l("Alert level 4: evacuation order"),
    "other": _l("Other (see the route notes)"),
}
TRANSPORTS = {
    "walk": _l("On foot"),
    "wheelchair": _l("In a wheelchair"),
    "family_car": _l("A family member's or supporter's car"),
    "welfare_taxi": _l("Welfare taxi"),
    "other": _l("Other (see the route notes)"),
}
#: How to help the person evacuate.
ASSISTANCE = {
    "wheelchair": _l("Push a wheelchair"),
    "stretcher": _l("Carry on a stretcher"),
    "two_people": _l("Two people needed"),
    "visual_guide": _l("Guide a person with impaired sight"),
    "sign_language": _l("Sign language"),
    "other": _l("Other (see the notes)"),
}
#: Why a plan needs review (roster.plans.review), in the order pages list them.
REVIEW_REASONS = {
    "review_due": _l("The review date has come."),
    "address_changed": _l("The person's address changed since the plan was made."),
    "needs_changed": _l("The person's needs changed since the plan was made."),
    "shelter_changed": _l("The destination shelter's record changed since the plan was made."),
    "shelter_removed": _l("The destination shelter is no longer in the registry."),
}
#: Destination warnings (roster.plans.warnings).
WARNINGS = {
    "not_welfare": _l(
        "The person needs care, but this is not a welfare shelter: general shelters may not "
        "be able to look after them."
    ),
    "group_not_taken": _l(
        "This welfare shelter does not take the person's group (it takes: %(groups)s)."
    ),
    "groups_unknown": _l(
        "This welfare shelter's accepted groups are not recorded: check with the shelter "
        "that it takes the person."
    ),
    "hazard_unsuitable": _l(
        "The person's home is in a %(hazard)s hazard area, and this place is not designated "
        "for that hazard."
    ),
    "in_hazard_area": _l("This place itself lies in a %(hazard)s hazard area."),
    "no_backup_power": _l(
        "The person uses a home ventilator, and this place has no backup power for it."
    ),
    "backup_power_unknown": _l(
        "The person uses a home ventilator, and it is not recorded whether this place has "
        "backup power: check before relying on it."
    ),
    "no_capacity": _l("The registry has no capacity information for this place."),
}
#: The terms of a plan, in the order the version pages list them.
TERM_LABELS = {
    "status": _l("Status"),
    "supporters": _l("Supporters"),
    "destination_kind": _l("Destination"),
    "destination_shelter_id": _l("Shelter"),
    "destination_name": _l("Name of the place"),
    "destination_address": _l("Address of the place"),
    "route_notes": _l("Route"),
    "distance_m": _l("Straight-line distance"),
    "start_trigger": _l("When to start"),
    "transport": _l("Transport"),
    "assistance": _l("Help needed"),
    "assistance_notes": _l("Notes on the help needed"),
    "items_to_carry": _l("Items to carry"),
    "battery_hours": _l("Battery time of medical devices (hours)"),
    "illnesses": _l("Illnesses"),
    "doctor": _l("Doctor"),
    "hospital": _l("Hospital"),
    "medicines": _l("Medicines"),
    "allergies": _l("Allergies"),
    "communication_notes": _l("Communication"),
    "pets": _l("Pets"),
    "contacts": _l("Emergency contacts"),
    "author_name": _l("Made by"),
    "author_role": _l("Role of the author"),
    "made_on": _l("Made on"),
    "review_on": _l("Review by"),
}


def code_label(table: dict[object, object], code: object) -> str:
    """The label of a code in one of the tables above; an unknown code as it is."""
    if code in table:
        return str(table[code])
    return "" if code is None else str(code)
