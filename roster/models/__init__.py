"""Typed SQLAlchemy models, one module per domain noun."""

from sqlalchemy import DDL, event

from . import registrant_hooks as registrant_hooks  # the version hooks, on every Session
from .addresses import AddressPoint
from .agreements import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    ApiToken,
    DisasterRelease,
    DisposalMethod,
    Provision,
    ProvisionFormat,
    ProvisionItem,
    ReleaseAccess,
)
from .audit import AuditEvent, AuditHead
from .base import Base
from .consent import (
    APPEND_ONLY_TABLES,
    AppendOnlyError,
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    ConsentScope,
    ConsentState,
    append_only_ddl,
)
from .drills import (
    SERIOUS_FINDINGS,
    ActionStatus,
    CorrectiveAction,
    DrillBand,
    DrillHazard,
    DrillObjective,
    DrillScenario,
    DrillShelterOpening,
    Finding,
    ObjectiveKind,
    ReviewFlag,
    Verdict,
)
from .hazards import HazardArea, HazardKind, HazardLayer, RegistrantHazard, ShelterAssignment
from .imports import BatchItemKind, ImportBatch, ImportBatchItem
from .municipality import District, Municipality
from .partners import CONSENT_SCOPE_CATEGORIES, Organisation, PartnerCategory
from .plans import AuthorRole, DestinationKind, Plan, PlanStatus, PlanTask, PlanVersion
from .priority import PriorityCount, PrioritySettings, SharingCount
from .registrant_grams import RegistrantGram
from .registrant_versions import ChangePath, RegistrantVersion, changes_by
from .registrants import (
    COMMUNICATION_FIELDS,
    DEVICE_FIELDS,
    REASON_FIELDS,
    CareLevel,
    EmergencyContact,
    FormLanguage,
    Household,
    LocationPrecision,
    Mobility,
    Registrant,
    RegistrantStatus,
    Sex,
    Source,
    SupportReason,
)
from .rounds import MailingRound, RoundMember
from .safety import (
    SAFETY_APPEND_ONLY_TABLES,
    EvacuationPlace,
    OperationKind,
    ReportMethod,
    SafetyOperation,
    SafetyReport,
    SafetyStatus,
)
from .safety_sheets import SafetySheet, SafetySheetLine
from .searches import SavedSearch
from .shelters import HAZARDS, Shelter
from .users import RecoveryCode, Role, User

__all__ = [
    "SafetySheet",
    "SERIOUS_FINDINGS",
    "ActionStatus",
    "CorrectiveAction",
    "DrillBand",
    "DrillHazard",
    "DrillObjective",
    "DrillScenario",
    "DrillShelterOpening",
    "Finding",
    "ObjectiveKind",
    "ReviewFlag",
    "Verdict",
    "SafetySheetLine",
    "AddressPoint",
    "LocationPrecision",
    "Agreement",
    "AgreementStatus",
    "AgreementVersion",
    "ApiToken",
    "DisasterRelease",
    "DisposalMethod",
    "Provision",
    "ProvisionFormat",
    "ProvisionItem",
    "ReleaseAccess",
    "AppendOnlyError",
    "AuditEvent",
    "AuditHead",
    "Base",
    "CONSENT_SCOPE_CATEGORIES",
    "COMMUNICATION_FIELDS",
    "CareLevel",
    "ConsentMethod",
    "ConsentPurpose",
    "ConsentRecord",
    "ConsentScope",
    "ConsentState",
    "DEVICE_FIELDS",
    "REASON_FIELDS",
    "SupportReason",
    "District",
    "EmergencyContact",
    "FormLanguage",
    "Household",
    "Mobility",
    "Municipality",
    "Organisation",
    "PartnerCategory",
    "Registrant",
    "RegistrantVersion",
    "RegistrantGram",
    "ChangePath",
    "changes_by",
    "SavedSearch",
    "MailingRound",
    "RoundMember",
    "RegistrantStatus",
    "RecoveryCode",
    "Role",
    "Sex",
    "Source",
    "User",
    "HAZARDS",
    "AuthorRole",
    "DestinationKind",
    "Plan",
    "PlanStatus",
    "PlanTask",
    "PlanVersion",
    "HazardArea",
    "HazardKind",
    "HazardLayer",
    "RegistrantHazard",
    "ShelterAssignment",
    "Shelter",
    "SharingCount",
    "BatchItemKind",
    "ImportBatch",
    "ImportBatchItem",
    "EvacuationPlace",
    "OperationKind",
    "ReportMethod",
    "SafetyOperation",
    "SafetyReport",
    "SafetyStatus",
    "PriorityCount",
    "PrioritySettings",
]


def _attach_append_only_triggers() -> None:
    for name in APPEND_ONLY_TABLES + SAFETY_APPEND_ONLY_TABLES:
        for dialect in ("sqlite", "postgresql"):
            for statement in append_only_ddl(dialect, name):
                event.listen(
                    Base.metadata.tables[name],
                    "after_create",
                    DDL(statement).execute_if(dialect=dialect),
                )


_attach_append_only_triggers()
