"""Every access rule in one place, as plain functions of the user (and the registrant).

Deny by default: a role gets nothing unless a function here grants it. Every page, print
view, export, map layer and API call that returns registrant data builds its query with
visible_registrants() and its output with visible_fields().
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, false, select, true

from .consent.rules import register_sharing_allows
from .extensions import DbSession
from .models import District, Organisation, Registrant, RegistrantStatus, Role, User
from .models.partners import organisation_districts

# Field sets. Names are the keys of the projected registrant (see registrants/views.project).
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
        "support_reason",
    }
)
NEEDS_SUMMARY_FIELDS = frozenset({"household", "mobility"})
PLACE_FIELDS = frozenset({"id", "district", "latitude", "longitude", "location_approximate"})
SENSITIVE_FIELDS = frozenset(
    {"devices", "device_other", "communication", "care_level", "disability_certificate"}
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
        "version",
    }
)
#: A partner gets the legal items and a needs summary; agreements will narrow or widen this.
PARTNER_FIELDS = PLACE_FIELDS | LEGAL_FIELDS | NEEDS_SUMMARY_FIELDS
#: A planner sees roughly where people are and what they need, but not who they are: the
#: location is rounded to about 100 m (coarse_location), and free-text notes are left out.
PLANNER_FIELDS = frozenset(
    {
        "id",
        "district",
        "coarse_location",
        "household",
        "mobility",
        "devices",
        "care_level",
        "status",
    }
)


def has_role(user: Any, *roles: Role) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in roles


def can_view_register(user: Any) -> bool:
    """Staff, partners and planners see a register list; what is in it differs by role."""
    return has_role(user, Role.STAFF, Role.PARTNER, Role.PLANNER)


def can_edit_registrants(user: Any) -> bool:
    return has_role(user, Role.STAFF)


def can_record_consent(user: Any) -> bool:
    return has_role(user, Role.STAFF)


def can_view_consent_history(user: Any) -> bool:
    return has_role(user, Role.STAFF)


def can_view_dashboard(user: Any) -> bool:
    return has_role(user, Role.STAFF)


def can_see_all_statuses(user: Any) -> bool:
    """Staff also see people who moved out, died or entered a facility; others only the active."""
    return has_role(user, Role.STAFF)


def can_run_rounds(user: Any) -> bool:
    """Mailing rounds print people's details and record their answers: staff only."""
    return has_role(user, Role.STAFF)


def can_import_registrants(user: Any) -> bool:
    """The eligibility import writes people from the source systems: staff only."""
    return has_role(user, Role.STAFF)


def can_manage_users(user: Any) -> bool:
    return has_role(user, Role.ADMIN)


def can_view_audit(user: Any) -> bool:
    return has_role(user, Role.ADMIN)


def visible_fields(user: Any) -> frozenset[str]:
    """The registrant fields this user may see; empty means none at all."""
    if has_role(user, Role.STAFF):
        return STAFF_FIELDS
    if has_role(user, Role.PARTNER):
        return PARTNER_FIELDS
    if has_role(user, Role.PLANNER):
        return PLANNER_FIELDS
    return frozenset()


def visible_registrants(user: Any) -> Select[Registrant]:
    """The one query every registrant list starts from: only rows this user may see."""
    return select(Registrant).where(registrant_condition(user))


def registrant_condition(user: Any) -> Any:
    if has_role(user, Role.STAFF):
        return true()
    if has_role(user, Role.PLANNER):
        return Registrant.status == RegistrantStatus.ACTIVE
    if has_role(user, Role.PARTNER):
        return partner_condition(user.organisation)
    return false()


def partner_condition(organisation: Organisation | None) -> Any:
    """Active people in the organisation's districts whose consent covers its category."""
    if organisation is None:
        return false()
    served = select(organisation_districts.c.district_id).where(
        organisation_districts.c.organisation_id == organisation.id
    )
    return and_(
        Registrant.status == RegistrantStatus.ACTIVE,
        Registrant.district_id.in_(served),
        register_sharing_allows(organisation.category, current_app.config["CONSENT_RULE"]),
    )


def visible_districts(session: DbSession, user: Any) -> list[District]:
    """The districts a user may filter by: a partner's own, everyone else's all."""
    query = select(District).order_by(District.name_kana, District.code)
    if has_role(user, Role.PARTNER):
        served = user.organisation.districts if user.organisation else []
        query = query.where(District.id.in_([d.id for d in served]))
    return list(session.scalars(query))


def can_view_registrant(session: DbSession, user: User, registrant_id: int) -> bool:
    """Whether this one person is in the user's visible set."""
    query = visible_registrants(user).where(Registrant.id == registrant_id)
    return session.scalar(select(query.exists())) or False
