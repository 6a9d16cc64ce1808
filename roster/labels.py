"""Translatable labels for every stored code, so templates never show raw enum values."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from .models import (
    CareLevel,
    ConsentMethod,
    ConsentPurpose,
    ConsentState,
    Household,
    Mobility,
    PartnerCategory,
    RegistrantStatus,
    Role,
    Sex,
    Source,
)

LABELS: dict[enum.Enum, object] = {
    Sex.MALE: _l("Male"),
    Sex.FEMALE: _l("Female"),
    Sex.OTHER: _l("Other"),
    Household.ALONE: _l("Living alone"),
    Household.ELDERLY_ONLY: _l("Elderly-only household"),
    Household.WITH_OTHERS: _l("Lives with others"),
    Household.UNKNOWN: _l("Not yet known"),
    Mobility.INDEPENDENT: _l("Walks unaided"),
    Mobility.CANE_WALKER: _l("Cane or walker"),
    Mobility.WHEELCHAIR: _l("Wheelchair"),
    Mobility.BEDRIDDEN: _l("Bedridden"),
    Mobility.UNKNOWN: _l("Not yet known"),
    CareLevel.NONE: _l("None"),
    CareLevel.SUPPORT_1: _l("Support level 1"),
    CareLevel.SUPPORT_2: _l("Support level 2"),
    CareLevel.CARE_1: _l("Care level 1"),
    CareLevel.CARE_2: _l("Care level 2"),
    CareLevel.CARE_3: _l("Care level 3"),
    CareLevel.CARE_4: _l("Care level 4"),
    CareLevel.CARE_5: _l("Care level 5"),
    RegistrantStatus.ACTIVE: _l("On the register"),
    RegistrantStatus.MOVED_OUT: _l("Moved out"),
    RegistrantStatus.DECEASED: _l("Deceased"),
    RegistrantStatus.INSTITUTIONALISED: _l("Moved into a care facility"),
    Source.ELIGIBLE_LIST: _l("Eligible (source systems)"),
    Source.SELF_APPLIED: _l("Self-application"),
    Source.RECOMMENDED: _l("Recommended by a partner"),
    ConsentState.UNCONFIRMED: _l("Not confirmed"),
    ConsentState.CONSENTED: _l("Consented"),
    ConsentState.REFUSED: _l("Refused"),
    ConsentState.WITHDRAWN: _l("Withdrawn"),
    ConsentState.PRESUMED: _l("Presumed consent"),
    ConsentPurpose.REGISTER_SHARING: _l("Sharing the register"),
    ConsentPurpose.PLAN_MAKING: _l("Making an evacuation plan"),
    ConsentPurpose.PLAN_SHARING: _l("Sharing the evacuation plan"),
    ConsentMethod.MAIL: _l("Mail"),
    ConsentMethod.VISIT: _l("Visit"),
    ConsentMethod.COUNTER: _l("At the counter"),
    ConsentMethod.PHONE: _l("Phone"),
    ConsentMethod.SELF_APPLICATION: _l("Self-application"),
    ConsentMethod.PRESUMPTION: _l("Presumption after no reply"),
    PartnerCategory.MINSEI_IIN: _l("Welfare commissioners (minsei-iin)"),
    PartnerCategory.JICHIKAI: _l("Neighbourhood associations"),
    PartnerCategory.JISHU_BOSAI: _l("Voluntary disaster-prevention groups"),
    PartnerCategory.SHAKYO: _l("Social welfare council"),
    PartnerCategory.FIRE: _l("Fire service"),
    PartnerCategory.POLICE: _l("Police"),
    PartnerCategory.WELFARE_PROVIDER: _l("Welfare service providers"),
    PartnerCategory.OTHER: _l("Other"),
    Role.ADMIN: _l("Administrator"),
    Role.STAFF: _l("Welfare staff"),
    Role.PARTNER: _l("Partner user"),
    Role.PLANNER: _l("Drill planner"),
}

#: Labels of need codes: devices, communication needs and the need filter's values.
NEED_LABELS: dict[str, object] = {
    "ventilator": _l("Home ventilator"),
    "oxygen": _l("Oxygen"),
    "suction": _l("Suction device"),
    "dialysis": _l("Dialysis"),
    "wheelchair": _l("Wheelchair"),
    "bedridden": _l("Bedridden"),
    "hearing": _l("Hearing"),
    "visual": _l("Sight"),
    "language": _l("Language / foreign language"),
    "cognitive": _l("Intellectual / cognitive"),
    "alone": _l("Living alone"),
    "elderly_only": _l("Elderly-only household"),
}

#: Labels of the register list's sort keys.
SORT_LABELS: dict[str, object] = {
    "kana": _l("Reading"),
    "resident_no": _l("Resident ID"),
    "birth_date": _l("Date of birth"),
    "district": _l("District"),
    "verified": _l("Last verified"),
    "id": _l("Register number"),
}


def need_label(code: str) -> str:
    return str(NEED_LABELS.get(code, code))


def sort_label(code: str) -> str:
    return str(SORT_LABELS.get(code, code))


def label(value: object) -> str:
    """The translated label of an enum member; other values as they are."""
    if isinstance(value, enum.Enum) and value in LABELS:
        return str(LABELS[value])
    return "" if value is None else str(value)


def choices(enum_cls: type[enum.Enum]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select field, in declaration order."""
    return [(m.value, label(m)) for m in enum_cls]


def scope_labels(scope: object) -> str:
    """A consent scope's categories in the order forms list them, as one line."""
    from .models import CONSENT_SCOPE_CATEGORIES

    chosen = set(scope or [])  # type: ignore[call-overload]
    return "、".join(label(c) for c in CONSENT_SCOPE_CATEGORIES if c in chosen)


#: Labels of audit actions; an unknown action shows its code.
ACTION_LABELS: dict[str, object] = {
    "login": _l("Signed in"),
    "login.failed": _l("Failed sign-in"),
    "login.paused": _l("Sign-in paused after failures"),
    "login.inactive": _l("Sign-in to a deactivated account"),
    "registrant.denied": _l("Refused: a person not visible to the user"),
    "logout": _l("Signed out"),
    "password.change": _l("Changed own password"),
    "password.reset": _l("Reset a password"),
    "user.create": _l("Created a user"),
    "user.activate": _l("Reactivated a user"),
    "user.deactivate": _l("Deactivated a user"),
    "organisation.create": _l("Added an organisation"),
    "registrant.list": _l("Viewed the register list"),
    "registrant.view": _l("Viewed a person"),
    "registrant.create": _l("Added a person"),
    "registrant.update": _l("Edited a person"),
    "consent.record": _l("Recorded consent"),
    "import.dry_run": _l("Import: dry run"),
    "import.apply": _l("Import applied"),
    "import.report": _l("Import: error report downloaded"),
    "round.create": _l("Created a mailing round"),
    "round.print": _l("Printed a mailing round"),
    "round.sent": _l("Marked a round as sent"),
    "visits.print": _l("Printed a visit list"),
    "api.list": _l("API: listed people"),
    "api.view": _l("API: viewed a person"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))
