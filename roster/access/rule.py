"""Who may see whom, and which of their fields: the register's access rule.

Deny by default: a user sees no one and no field unless a function here grants it. Every
page, print view, export, map layer and API call that returns registrant data builds its
query with visible_registrants() and its output with visible_fields().
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import Select, and_, false, or_, select, true
from sqlalchemy.orm import selectinload

from ..extensions import DbSession, db
from ..i18n import local_today
from ..models import (
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
from ..models.base import utcnow
from .consent import register_sharing_allows, sharing_allows
from .fields import PLANNER_FIELDS, STAFF_FIELDS, agreement_fields
from .roles import has_role

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


# ---------------------------------------------------------------------------------------------
# Maps, hazard areas and shelter assignment (issue 5).
# ---------------------------------------------------------------------------------------------


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


def plan_sharing_consented(
    session: DbSession, registrant_id: int, category: PartnerCategory | None
) -> bool:
    """Whether the person's plan-sharing consent in force is 同意 covering this category.

    Plan sharing needs the person's own answer (49-14, 49-15): no presumption and no
    silence shares a plan, whatever the register's ordinance rule.
    """
    from ..models import ConsentPurpose, ConsentRecord, ConsentState
    from .consent import current_by_purpose

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
