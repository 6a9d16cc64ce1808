"""Typed SQLAlchemy models, one module per domain noun."""

from .audit import AuditEvent, AuditHead
from .base import Base
from .consent import (
    AppendOnlyError,
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    ConsentScope,
    ConsentState,
)
from .municipality import District, Municipality
from .partners import CONSENT_SCOPE_CATEGORIES, Organisation, PartnerCategory
from .registrants import (
    COMMUNICATION_FIELDS,
    DEVICE_FIELDS,
    CareLevel,
    EmergencyContact,
    Household,
    Mobility,
    Registrant,
    RegistrantStatus,
    Sex,
    Source,
)
from .shelters import HAZARDS, Shelter
from .users import Role, User

__all__ = [
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
    "District",
    "EmergencyContact",
    "Household",
    "Mobility",
    "Municipality",
    "Organisation",
    "PartnerCategory",
    "Registrant",
    "RegistrantStatus",
    "Role",
    "Sex",
    "Source",
    "User",
    "HAZARDS",
    "Shelter",
]
