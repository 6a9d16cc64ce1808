"""Every access rule in one place, as plain functions of the user (and the registrant).

Deny by default: a role gets nothing unless a function here grants it. Every page, print
view, export, map layer and API call that returns registrant data builds its query with
visible_registrants() and its output with visible_fields().
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import Select, and_, false, or_, select, true
from sqlalchemy.orm import selectinload

from .consent.rules import register_sharing_allows, sharing_allows
from .extensions import DbSession, db
from .i18n import local_today
from .models import (
    Agreement,
    AgreementStatus,
    DisasterRelease,
    District,
    PartnerCategory,
    Registrant,
    RegistrantStatus,
    Role,
    User,
)
from .models.base import utcnow

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


def can_manage_partners(user: Any) -> bool:
    """Organisations, agreements, the provision ledger and API tokens are welfare staff's."""
    return has_role(user, Role.STAFF)


def can_declare_release(user: Any) -> bool:
    """Only staff an admin has authorised may declare a disaster-time release."""
    return has_role(user, Role.STAFF) and bool(getattr(user, "may_declare_release", False))


def can_view_releases(user: Any) -> bool:
    return has_role(user, Role.STAFF)


def can_use_portal(user: Any) -> bool:
    """The partner portal: a partner's own list, its prints, exports and changes."""
    return has_role(user, Role.PARTNER)


# ---------------------------------------------------------------------------------------------
# The partner rule: agreement, district, status, consent, and a running release.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerAccess:
    """What a partner user's organisation is entitled to at this moment."""

    agreement: Agreement
    category: PartnerCategory
    #: Districts the agreement covers.
    districts: frozenset[int]
    #: Projection keys the agreement provides.
    fields: frozenset[str]
    #: District -> the running release that lifts consent there; empty without emergency
    #: provision in the agreement or without a release.
    released: dict[int, int] = field(default_factory=dict)

    @property
    def under_release(self) -> bool:
        return bool(self.released)

    def shown_under_release(self, registrant: Registrant, rule: str) -> int | None:
        """The release this person is shown under, or None if consent alone admits them."""
        release = self.released.get(registrant.district_id)
        if release is None:
            return None
        allowed = sharing_allows(
            registrant.consent_state, registrant.consent_scope, self.category, rule
        )
        return None if allowed else release


def agreement_in_force(session: DbSession, organisation_id: int, today: Any) -> Agreement | None:
    """The organisation's active agreement whose term includes today, if any.

    Staff cannot activate two agreements of one organisation with overlapping terms, so
    there is at most one; the latest start wins should old data hold two.
    """
    query = (
        select(Agreement)
        .where(
            Agreement.organisation_id == organisation_id,
            Agreement.status == AgreementStatus.ACTIVE,
            Agreement.starts_on <= today,
            Agreement.ends_on >= today,
        )
        .order_by(Agreement.starts_on.desc(), Agreement.id.desc())
        .options(selectinload(Agreement.districts))
        .limit(1)
    )
    return session.scalars(query).first()


def running_releases(session: DbSession, now: datetime | None = None) -> list[DisasterRelease]:
    """Releases declared, started, not ended and not past their end time."""
    now = now or utcnow()
    query = (
        select(DisasterRelease)
        .where(
            DisasterRelease.ended_at.is_(None),
            DisasterRelease.starts_at <= now,
            DisasterRelease.ends_at > now,
        )
        .order_by(DisasterRelease.starts_at, DisasterRelease.id)
        .options(selectinload(DisasterRelease.districts))
    )
    return list(session.scalars(query))


def partner_access(user: Any, session: DbSession | None = None) -> PartnerAccess | None:
    """The partner's entitlement now, read fresh on every call so that an agreement ended,
    suspended or expired, or a release ended, takes effect on the very next request."""
    if not has_role(user, Role.PARTNER) or user.organisation_id is None:
        return None
    # Within one request the answer is read once (pages ask for the rule, the fields and the
    # districts, and log the disclosure); the next request reads it afresh.
    cache = request.environ.setdefault("roster.partner_access", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = _read_partner_access(user, session or db.session)
    return cache[user.id]


def _read_partner_access(user: Any, session: DbSession) -> PartnerAccess | None:
    agreement = agreement_in_force(session, user.organisation_id, local_today())
    if agreement is None:
        return None
    districts = frozenset(d.id for d in agreement.districts)
    released: dict[int, int] = {}
    if agreement.emergency_provision:
        for release in running_releases(session):
            for district in release.districts:
                if district.id in districts:
                    released.setdefault(district.id, release.id)
    return PartnerAccess(
        agreement=agreement,
        category=agreement.organisation.category,
        districts=districts,
        fields=agreement_fields(agreement.fields),
        released=released,
    )


def partner_condition(access: PartnerAccess | None) -> Any:
    """Active people in the agreement's districts whose consent covers the partner's category,
    or, inside a released area, every active person there."""
    if access is None or not access.districts:
        return false()
    consent = register_sharing_allows(access.category, current_app.config["CONSENT_RULE"])
    if access.released:
        consent = or_(consent, Registrant.district_id.in_(sorted(access.released)))
    return and_(
        Registrant.status == RegistrantStatus.ACTIVE,
        Registrant.district_id.in_(sorted(access.districts)),
        consent,
    )


def visible_fields(user: Any) -> frozenset[str]:
    """The registrant fields this user may see; empty means none at all."""
    if has_role(user, Role.STAFF):
        return STAFF_FIELDS
    if has_role(user, Role.PARTNER):
        access = partner_access(user)
        return access.fields if access else frozenset()
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
        return partner_condition(partner_access(user))
    return false()


def visible_districts(session: DbSession, user: Any) -> list[District]:
    """The districts a user may filter by: those of a partner's agreement, else all."""
    query = select(District).order_by(District.name_kana, District.code)
    if has_role(user, Role.PARTNER):
        access = partner_access(user, session)
        query = query.where(District.id.in_(sorted(access.districts) if access else []))
    return list(session.scalars(query))


def can_view_registrant(session: DbSession, user: User, registrant_id: int) -> bool:
    """Whether this one person is in the user's visible set."""
    query = visible_registrants(user).where(Registrant.id == registrant_id)
    return session.scalar(select(query.exists())) or False


def can_view_shelters(user: Any) -> bool:
    """The shelter registry pages: staff and drill planners (the API is open to every user)."""
    return has_role(user, Role.STAFF, Role.PLANNER)


def can_edit_shelters(user: Any) -> bool:
    """Editing, adding and importing shelters: staff."""
    return has_role(user, Role.STAFF)


# ---------------------------------------------------------------------------------------------
# Maps, hazard areas and shelter assignment (issue 5).
# ---------------------------------------------------------------------------------------------


def can_view_map(user: Any) -> bool:
    """The map: staff and partners see people (details on a click), planners pseudonyms."""
    return has_role(user, Role.STAFF, Role.PARTNER, Role.PLANNER)


def can_manage_hazards(user: Any) -> bool:
    """Importing and deleting hazard layers, and recomputing assignments: staff only."""
    return has_role(user, Role.STAFF)


def can_view_assignment(user: Any) -> bool:
    """Shelter load per hazard, as counts only (no names): staff and drill planners."""
    return has_role(user, Role.STAFF, Role.PLANNER)


def map_identifies(user: Any) -> bool:
    """Whether the user's map points are people, by register number, whose details a click
    fetches through the access rule (staff, partners); planners get pseudonymous points that
    carry a need category and an ID made up for each map."""
    return has_role(user, Role.STAFF, Role.PARTNER)


def map_registrants(user: Any) -> Select[Registrant]:
    """The people a user's map may show: the active people of the user's visible set, and
    none at all unless the user may see where people live (exactly, or coarsely for planners;
    a partner's agreement must provide the location)."""
    query = visible_registrants(user).where(Registrant.status == RegistrantStatus.ACTIVE)
    if not {"latitude", "coarse_location"} & visible_fields(user):
        query = query.where(false())
    return query


# ---------------------------------------------------------------------------------------------
# Individual evacuation plans (issue 6, 49-14 and 49-15).
# ---------------------------------------------------------------------------------------------


def can_edit_plans(user: Any) -> bool:
    """Making and changing plans, and the priority queue for making them: staff."""
    return has_role(user, Role.STAFF)


def can_view_plans(user: Any) -> bool:
    """Staff see every plan; partners the plans shared with them (see plan_visible)."""
    return has_role(user, Role.STAFF, Role.PARTNER)


def plan_sharing_consented(
    session: DbSession, registrant_id: int, category: PartnerCategory | None
) -> bool:
    """Whether the person's plan-sharing consent in force is 同意 covering this category.

    Plan sharing needs the person's own answer (49-14, 49-15): no presumption and no
    silence shares a plan, whatever the register's ordinance rule.
    """
    from .consent.operations import current_by_purpose
    from .models import ConsentPurpose, ConsentRecord, ConsentState

    records = session.scalars(
        select(ConsentRecord).where(
            ConsentRecord.registrant_id == registrant_id,
            ConsentRecord.purpose == ConsentPurpose.PLAN_SHARING,
        )
    ).all()
    record = current_by_purpose(records).get(ConsentPurpose.PLAN_SHARING)
    return (
        record is not None
        and record.state is ConsentState.CONSENTED
        and category is not None
        and category in record.scope
    )


def plan_visible(session: DbSession, user: Any, registrant: Registrant) -> bool:
    """Whether this user may see this person's plan.

    Staff: always. A partner: only when the agreement in force includes plans, the register
    rule admits the person, and either the person consented to share the plan with the
    partner's category or a running release covers the person's district (49-15 follows
    49-11(3)). Everyone else: never.
    """
    if has_role(user, Role.STAFF):
        return True
    access = partner_access(user, session)
    if access is None or not access.agreement.includes_plans:
        return False
    admitted = session.scalar(
        select(visible_registrants(user).where(Registrant.id == registrant.id).exists())
    )
    if not admitted:
        return False
    if registrant.district_id in access.released:
        return True
    return plan_sharing_consented(session, registrant.id, access.category)
