"""Translatable labels for every stored code, so templates never show raw enum values."""

from __future__ import annotations

import enum
import re
from datetime import date

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .models import (
    AgreementStatus,
    CareLevel,
    ConsentMethod,
    ConsentPurpose,
    ConsentState,
    DisposalMethod,
    EvacuationPlace,
    FormLanguage,
    Household,
    LocationPrecision,
    Mobility,
    OperationKind,
    PartnerCategory,
    ProvisionFormat,
    RegistrantStatus,
    ReportMethod,
    Role,
    SafetyStatus,
    Sex,
    Source,
    SupportReason,
)
from .models.drills import ActionStatus, DrillHazard, Finding, Verdict
from .models.safety import HandoffKind

#: Each enum member and its label; LABELS is the same as a dict, for the members whose
#: values no other enum shares.
_LABEL_ITEMS: tuple[tuple[enum.Enum, object], ...] = (
    (OperationKind.REAL, _l("Real disaster")),
    (OperationKind.DRILL, _l("Drill")),
    (SafetyStatus.UNCONFIRMED, _l("Not yet confirmed")),
    (SafetyStatus.SAFE_HOME, _l("Safe at home")),
    (SafetyStatus.EVACUATED, _l("Evacuated")),
    (SafetyStatus.NEEDS_HELP, _l("Needs help now")),
    (SafetyStatus.INJURED, _l("Injured or taken ill")),
    (SafetyStatus.UNREACHABLE, _l("Not reached")),
    (SafetyStatus.DECEASED, _l("Deceased")),
    (EvacuationPlace.SHELTER, _l("A shelter of the registry")),
    (EvacuationPlace.RELATIVES, _l("Relatives or acquaintances")),
    (EvacuationPlace.HOSPITAL, _l("Hospital or care facility")),
    (EvacuationPlace.CAR, _l("In a car")),
    (EvacuationPlace.OTHER, _l("Other")),
    (HandoffKind.TEAM, _l("A team")),
    (HandoffKind.FIRE, _l("The fire service")),
    (HandoffKind.POLICE, _l("The police")),
    (ReportMethod.VISIT, _l("Visit")),
    (ReportMethod.PHONE, _l("Phone")),
    (ReportMethod.AT_SHELTER, _l("Confirmed at a shelter")),
    (ReportMethod.SELF_OR_FAMILY, _l("From the person or their family")),
    (LocationPrecision.HOUSE, _l("House point (residence number)")),
    (LocationPrecision.BLOCK, _l("Block point (block number)")),
    (LocationPrecision.CHOME, _l("Town block point (chōme)")),
    (LocationPrecision.DISTRICT, _l("District point")),
    (LocationPrecision.MANUAL, _l("Set on the map")),
    (Sex.MALE, _l("Male")),
    (Sex.FEMALE, _l("Female")),
    (Sex.OTHER, _l("Other")),
    (Household.ALONE, _l("Living alone")),
    (Household.ELDERLY_ONLY, _l("Elderly-only household")),
    (Household.WITH_OTHERS, _l("Lives with others")),
    (Household.UNKNOWN, _l("Not yet known")),
    (Mobility.INDEPENDENT, _l("Walks unaided")),
    (Mobility.CANE_WALKER, _l("Cane or walker")),
    (Mobility.WHEELCHAIR, _l("Wheelchair")),
    (Mobility.BEDRIDDEN, _l("Bedridden")),
    (Mobility.UNKNOWN, _l("Not yet known")),
    (CareLevel.NONE, _l("None")),
    (CareLevel.SUPPORT_1, _l("Support level 1")),
    (CareLevel.SUPPORT_2, _l("Support level 2")),
    (CareLevel.CARE_1, _l("Care level 1")),
    (CareLevel.CARE_2, _l("Care level 2")),
    (CareLevel.CARE_3, _l("Care level 3")),
    (CareLevel.CARE_4, _l("Care level 4")),
    (CareLevel.CARE_5, _l("Care level 5")),
    (RegistrantStatus.ACTIVE, _l("On the register")),
    (RegistrantStatus.MOVED_OUT, _l("Moved out")),
    (RegistrantStatus.DECEASED, _l("Deceased")),
    (RegistrantStatus.INSTITUTIONALISED, _l("Moved into a care facility")),
    (Source.ELIGIBLE_LIST, _l("Eligible (source systems)")),
    (Source.SELF_APPLIED, _l("Self-application")),
    (Source.RECOMMENDED, _l("Recommended by a partner")),
    (FormLanguage.JA, _l("Japanese")),
    (FormLanguage.JA_EASY, _l("Easy Japanese")),
    (FormLanguage.EN, _l("English")),
    (SupportReason.ELDERLY_CARE, _l("Elderly or needing care")),
    (SupportReason.PHYSICAL, _l("Physical disability")),
    (SupportReason.INTELLECTUAL, _l("Intellectual disability")),
    (SupportReason.MENTAL, _l("Mental disability")),
    (SupportReason.MEDICAL_CARE, _l("Intractable disease or medical care")),
    (SupportReason.INFANT_PREGNANT, _l("Infant, pregnant or nursing mother")),
    (SupportReason.FOREIGN, _l("Foreign resident")),
    (SupportReason.OTHER, _l("Other reason")),
    (ConsentState.UNCONFIRMED, _l("Not confirmed")),
    (ConsentState.CONSENTED, _l("Consented")),
    (ConsentState.REFUSED, _l("Refused")),
    (ConsentState.WITHDRAWN, _l("Withdrawn")),
    (ConsentState.PRESUMED, _l("Presumed consent")),
    (ConsentPurpose.REGISTER_SHARING, _l("Sharing the register")),
    (ConsentPurpose.PLAN_MAKING, _l("Making an evacuation plan")),
    (ConsentPurpose.PLAN_SHARING, _l("Sharing the evacuation plan")),
    (ConsentMethod.MAIL, _l("Mail")),
    (ConsentMethod.VISIT, _l("Visit")),
    (ConsentMethod.COUNTER, _l("At the counter")),
    (ConsentMethod.PHONE, _l("Phone")),
    (ConsentMethod.SELF_APPLICATION, _l("Self-application")),
    (ConsentMethod.PRESUMPTION, _l("Presumption after no reply")),
    (PartnerCategory.MINSEI_IIN, _l("Welfare commissioners (minsei-iin)")),
    (PartnerCategory.JICHIKAI, _l("Neighbourhood associations")),
    (PartnerCategory.JISHU_BOSAI, _l("Voluntary disaster-prevention groups")),
    (PartnerCategory.SHAKYO, _l("Social welfare council")),
    (PartnerCategory.FIRE, _l("Fire service")),
    (PartnerCategory.POLICE, _l("Police")),
    (PartnerCategory.WELFARE_PROVIDER, _l("Welfare service providers")),
    (PartnerCategory.OTHER, _l("Other")),
    (Role.ADMIN, _l("Administrator")),
    (Role.STAFF, _l("Welfare staff")),
    (Role.PARTNER, _l("Partner user")),
    (Role.PLANNER, _l("Drill planner")),
    (AgreementStatus.DRAFT, _l("Draft")),
    (AgreementStatus.ACTIVE, _l("Active")),
    (AgreementStatus.SUSPENDED, _l("Suspended")),
    (AgreementStatus.TERMINATED, _l("Terminated")),
    (AgreementStatus.EXPIRED, _l("Expired")),
    (ProvisionFormat.PRINT, _l("Printed list")),
    (ProvisionFormat.CSV, _l("CSV file")),
    (ProvisionFormat.XLSX, _l("Excel file")),
    (ProvisionFormat.PLAN_PRINT, _l("Printed plans")),
    (DisposalMethod.RETURNED, _l("Returned to the municipality")),
    (DisposalMethod.SHREDDED, _l("Shredded or pulped")),
    (DisposalMethod.DELETED, _l("Electronic copy deleted")),
    (DisposalMethod.OTHER, _l("Other")),
    (Verdict.MET, _l("Met")),
    (Verdict.PARTLY_MET, _l("Partly met")),
    (Verdict.NOT_MET, _l("Not met")),
    (ActionStatus.OPEN, _l("Open")),
    (ActionStatus.DONE, _l("Done")),
    (Finding.WRONG_PHONE, _l("Phone number wrong")),
    (Finding.NO_ANSWER, _l("No answer")),
    (Finding.SUPPORTER_UNAVAILABLE, _l("Supporter could not be reached")),
    (Finding.NOT_AT_HOME, _l("Not at home")),
    (Finding.ROUTE_BLOCKED, _l("Evacuation route blocked")),
    (Finding.DESTINATION_UNSUITABLE, _l("Destination unsuitable")),
    (Finding.EQUIPMENT_PROBLEM, _l("Equipment (battery etc.) problem")),
    (Finding.OTHER, _l("Other finding")),
    (DrillHazard.EARTHQUAKE, _l("Earthquake")),
    (DrillHazard.FLOOD, _l("Flood or inland flooding")),
    (DrillHazard.LANDSLIDE, _l("Sediment disaster")),
    (DrillHazard.TSUNAMI, _l("Tsunami")),
    (DrillHazard.FIRE, _l("Large-scale fire")),
    (DrillHazard.OTHER, _l("Other")),
)
LABELS: dict[enum.Enum, object] = dict(_LABEL_ITEMS)

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


#: LABELS by (enum class, value): a StrEnum member equals its value, so members of two enums
#: with the same value (ConsentState.UNCONFIRMED, SafetyStatus.UNCONFIRMED) are one key of
#: LABELS; here each keeps its own label.
_BY_CLASS: dict[tuple[type, object], object] = {}


def _by_class() -> dict[tuple[type, object], object]:
    if not _BY_CLASS:
        for member, text in _LABEL_ITEMS:
            _BY_CLASS[(type(member), member.value)] = text
    return _BY_CLASS


def label(value: object) -> str:
    """The translated label of an enum member; other values as they are."""
    if isinstance(value, enum.Enum):
        text = _by_class().get((type(value), value.value))
        if text is not None:
            return str(text)
    return "" if value is None else str(value)


def choices(enum_cls: type[enum.Enum]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select field, in declaration order."""
    return [(m.value, label(m)) for m in enum_cls]


def lazy_choices(enum_cls: type[enum.Enum]) -> list[tuple[str, object]]:
    """choices() for a form's class body: the labels stay lazy, so a form built once at import
    speaks the language of each request that shows it."""
    return [(m.value, _by_class().get((enum_cls, m.value), m.value)) for m in enum_cls]


def reason_labels(categories: object) -> str:
    """A person's support-reason categories as one line, in the categories' order."""
    chosen = {SupportReason(c) for c in categories or []}  # type: ignore[attr-defined]
    return "、".join(label(c) for c in SupportReason if c in chosen)


def scope_labels(scope: object) -> str:
    """A consent scope's categories in the order forms list them, as one line."""
    from .models import CONSENT_SCOPE_CATEGORIES

    chosen = set(scope or [])  # type: ignore[call-overload]
    return "、".join(label(c) for c in CONSENT_SCOPE_CATEGORIES if c in chosen)


#: Labels of audit actions; an unknown action shows its code.
#: The field groups an agreement can provide (roster.access.fields.AGREEMENT_FIELDS), in
#: plain words: on the agreement form, the agreement page and the partner's summary of it.
FIELD_GROUP_LABELS: dict[str, object] = {
    "name": _l("Name"),
    "name_kana": _l("Reading (kana)"),
    "birth_date": _l("Date of birth"),
    "sex": _l("Sex"),
    "address": _l("Address"),
    "phone": _l("Phone, mobile and fax"),
    "email": _l("Email"),
    "support_reason": _l("Why support is needed (categories)"),
    "support_reason_detail": _l("Why support is needed, in detail"),
    "household": _l("Household"),
    "mobility": _l("Mobility"),
    "location": _l("Location"),
    "emergency_contacts": _l("Emergency contacts"),
    "devices": _l("Medical devices"),
    "communication": _l("Communication"),
    "care_level": _l("Care level"),
    "disability_certificate": _l("Disability certificate"),
}


ACTION_LABELS: dict[str, object] = {
    "login": _l("Signed in"),
    "login.failed": _l("Failed sign-in"),
    "login.paused": _l("Sign-in paused after failures"),
    "login.inactive": _l("Sign-in to a deactivated account"),
    "login.password": _l("Password accepted; waiting for the code"),
    "totp.enrol": _l("Set up a second factor"),
    "totp.disable": _l("Turned off own second factor"),
    "totp.reset": _l("Reset a user's second factor"),
    "totp.recovery_used": _l("Signed in with a recovery code"),
    "totp.recovery_codes": _l("Made new recovery codes"),
    "registrant.denied": _l("Refused: a person not visible to the user"),
    "request.refused": _l("Refused request"),
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
    "import.undo": _l("Import undone"),
    "import.batch_view": _l("Viewed an import batch"),
    "registrant.delete": _l("Removed a person added by an undone import"),
    "round.create": _l("Created a mailing round"),
    "round.print": _l("Printed a mailing round"),
    "round.sent": _l("Marked a round as sent"),
    "visits.print": _l("Printed a visit list"),
    "api.list": _l("API: listed people"),
    "api.view": _l("API: viewed a person"),
    "organisation.update": _l("Edited an organisation"),
    "agreement.create": _l("Created an agreement"),
    "agreement.update": _l("Edited an agreement"),
    "agreement.activate": _l("Activated an agreement"),
    "agreement.suspend": _l("Suspended an agreement"),
    "agreement.resume": _l("Resumed an agreement"),
    "agreement.terminate": _l("Terminated an agreement"),
    "agreement.document": _l("Uploaded a signed agreement"),
    "agreement.download": _l("Downloaded a signed agreement"),
    "provision.view": _l("Viewed the people on a copy"),
    "shelter.create": _l("Added a shelter"),
    "priority.list": _l("Viewed the plan priority queue"),
    "plan.create": _l("Made an evacuation plan"),
    "plan.update": _l("Changed an evacuation plan"),
    "plan.view": _l("Viewed an evacuation plan"),
    "plan.list": _l("Viewed the list of evacuation plans"),
    "plan.versions": _l("Viewed a plan's versions"),
    "plan.version": _l("Viewed a past version of a plan"),
    "plan.print": _l("Printed an evacuation plan"),
    "plan.print.view": _l("Opened a printed copy of a plan"),
    "plan.denied": _l("Refused to show a plan"),
    "plan.review_flagged": _l("Flagged a plan for review"),
    "plan.assign": _l("Assigned people for plan-making"),
    "plan.unassign": _l("Took back plan-making assignments"),
    "hazard.import": _l("Imported a hazard layer"),
    "hazard.delete": _l("Deleted a hazard layer"),
    "hazard.recompute": _l("Recomputed hazard flags and shelter assignments"),
    "address_points.import": _l("Loaded address points"),
    "registrant.geocode": _l("Placed people at their addresses"),
    "map.view": _l("Opened the map"),
    "map.points": _l("Loaded the map's points"),
    "map.person": _l("Opened a person on the map"),
    "assignment.print": _l("Printed the shelter capacity table"),
    "shelter.update": _l("Edited a shelter"),
    "shelter.import": _l("Imported shelters"),
    "provision.print": _l("Printed a list (copy in the ledger)"),
    "provision.csv": _l("Downloaded a list as CSV (copy in the ledger)"),
    "provision.xlsx": _l("Downloaded a list as Excel (copy in the ledger)"),
    "provision.plan_print": _l("Printed an evacuation plan (copy in the ledger)"),
    "provision.dispose": _l("Recorded a copy's return or destruction"),
    "token.issue": _l("Issued an API token"),
    "token.revoke": _l("Revoked an API token"),
    "release.declare": _l("Declared a disaster-time release"),
    "release.renew": _l("Renewed a disaster-time release"),
    "release.end": _l("Ended a disaster-time release"),
    "release.view": _l("Viewed a release report"),
    "release.report": _l("Downloaded a release report"),
    "safety.start": _l("Started a safety confirmation operation"),
    "safety.end": _l("Ended a safety confirmation operation"),
    "safety.denied": _l("Refused a safety report on a person"),
    "safety.report.view": _l("Viewed a safety confirmation report"),
    "safety.report.csv": _l("Downloaded a safety confirmation report"),
    "safety.sheet.print": _l("Printed a safety check sheet of a district"),
    "safety.sheet.view": _l("Opened a safety check sheet"),
    "safety.entry.lookup": _l("Looked up a person while typing safety results"),
    "safety.entry.list": _l("Viewed the last safety results typed in"),
    "safety.arrivals.list": _l("Viewed the last arrivals at a shelter"),
    "safety.handoff": _l("Handed a person not reached to a team, fire or police"),
    "safety.board": _l("Viewed a safety confirmation board"),
    "safety.map": _l("Loaded the points of a safety confirmation map"),
    "safety.export": _l("Exported the statuses of a safety confirmation operation"),
    "user.release_authority": _l("Changed who may declare a release"),
    "portal.list": _l("Partner portal: viewed the list"),
    "portal.print.view": _l("Partner portal: opened a printed copy"),
    "portal.copy.file": _l("Partner portal: downloaded the file of a copy"),
    "portal.changes": _l("Partner portal: viewed changes since the last copy"),
    "api.safety.list": _l("API: listed people of a safety operation"),
    "api.safety.report": _l("Recorded a safety report"),
    "safety.phone.list": _l("Safety confirmation: viewed the people to confirm"),
    "drill.flag": _l("A drill finding flagged a person's plan for review"),
    "drill.flag_cleared": _l("Cleared a drill finding's review flag"),
    "registrant.bulk_status": _l("Changed the status of several people"),
    "registrant.export": _l("Exported the register list (Excel / CSV)"),
    "round.add_members": _l("Added people to a mailing round"),
    "round.delete": _l("Deleted a mailing round"),
    "portal.map": _l("Partner portal: opened a person on the map"),
    "portal.map.frame": _l("Partner portal: loaded a person's map"),
    "map.clusters": _l("Loaded the map's counts by area"),
    "provision.ledger_export": _l("Downloaded the ledger of copies"),
    "drill.create": _l("Created a drill scenario"),
    "drill.edit": _l("Edited a drill scenario"),
    "drill.start": _l("Started a drill"),
    "drill.end": _l("Ended a drill"),
    "drill.map": _l("Opened a drill scenario's map"),
    "drill.shelter_open": _l("Recorded a shelter opening in a drill"),
    "drills.action.create": _l("Added a corrective action after a drill"),
    "drills.action.edit": _l("Edited a corrective action after a drill"),
    "drills.report.view": _l("Viewed a drill's after-action report"),
    "drills.report.csv": _l("Downloaded a drill's after-action report"),
    "drills.report.edit": _l("Edited a drill's after-action report"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))


#: A consent form version as the catalogue names them (roster.consent.catalog): the form's
#: language, then the year and month it took effect, e.g. ja-2026-04 or ja-easy-2026-04.
_FORM_VERSION = re.compile(
    r"^(?P<language>"
    + "|".join(re.escape(lang.value) for lang in sorted(FormLanguage, key=len, reverse=True))
    + r")-(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$"
)


def form_version_label(code: object) -> str:
    """A consent form version in words: 日本語版（2026年4月） / Japanese form (April 2026).
    Anything not shaped like a catalogue version (a version staff typed) shows as typed."""
    text = "" if code is None else str(code)
    match = _FORM_VERSION.match(text)
    if match is None:
        return text
    month = format_skeleton(
        "yMMMM", date(int(match["year"]), int(match["month"]), 1), locale=get_locale() or "ja"
    )
    language = label(FormLanguage(match["language"]))
    return str(_l("%(language)s form (%(month)s)", language=language, month=month))


#: The register's fields as its pages name them (the person page, the list): exports and
#: pages take their headings from here, so a column and a row never say different things.
FIELD_LABELS: dict[str, object] = {
    "id": _l("Register number"),
    "resident_no": _l("Resident ID"),
    "name": _l("Name"),
    "name_kana": _l("Reading (kana)"),
    "birth_date": _l("Date of birth"),
    "sex": _l("Sex"),
    "address": _l("Address"),
    "postal_code": _l("Postal code"),
    "district": _l("District"),
    "phone": _l("Phone"),
    "mobile_phone": _l("Mobile phone"),
    "fax": _l("Fax"),
    "email": _l("Email"),
    "support_categories": _l("Why support is needed"),
    "support_reason_detail": _l("Why support is needed, in detail"),
    "household": _l("Household"),
    "mobility": _l("Mobility"),
    "devices": _l("Medical devices"),
    "communication": _l("Communication"),
    "care_level": _l("Care level"),
    "disability_certificate": _l("Disability certificate"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "location": _l("Location"),
    "location_precision": _l("Location precision"),
    "emergency_contacts": _l("Emergency contacts"),
    "status": _l("Status"),
    "source": _l("Source"),
    "last_verified_on": _l("Last verified"),
    "consent_state": _l("Consent"),
    "preferred_language": _l("Language of the papers sent"),
}


def field_label(key: str) -> str:
    """A register field's heading, as the person page shows it."""
    return str(FIELD_LABELS.get(key, key))
