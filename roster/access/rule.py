"""Who may see whom, and which of their fields: the register's access rule.

Deny by default: a viewer sees no one and no field unless a function here grants it. The
web layer builds one Viewer per request (roster.viewer.current_viewer) and passes it down;
people are loaded for output only through roster.access.fetch, which starts from
visible_registrants() and projects to the viewer's field set.

This module knows nothing of Flask or of any feature: the day, the consent rule and the
session come in as arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, false, or_, select, true
from sqlalchemy.orm import selectinload

from ..extensions import DbSession
from ..models import (
    Agreement,
    AgreementStatus,
    ConsentPurpose,
    ConsentRecord,
    ConsentState,
    DisasterRelease,
    District,
    PartnerCategory,
    Registrant,
    RegistrantStatus,
    Role,
)
from ..models.base import utcnow
from .consent import current_by_purpose, register_sharing_allows, sharing_allows
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


def read_partner_access(
    session: DbSession, user: Any, today: date, now: datetime | None = None
) -> PartnerAccess | None:
    """The partner's entitlement at this moment, read fresh: an agreement ended, suspended or
    expired, or a release ended, takes effect on the very next request (which builds a new
    Viewer, see viewer_for)."""
    if not has_role(user, Role.PARTNER) or user.organisation_id is None:
        return None
    agreement = agreement_in_force(session, user.organisation_id, today)
    if agreement is None:
        return None
    districts = frozenset(d.id for d in agreement.districts)
    released = _released(session, districts, now) if agreement.emergency_provision else {}
    return PartnerAccess(
        agreement=agreement,
        category=agreement.organisation.category,
        districts=districts,
        fields=agreement_fields(agreement.fields),
        released=released,
    )


def _released(
    session: DbSession, districts: frozenset[int], now: datetime | None
) -> dict[int, int]:
    """District -> the first running release over it, for the agreement's districts."""
    released: dict[int, int] = {}
    for release in running_releases(session, now):
        for district in release.districts:
            if district.id in districts:
                released.setdefault(district.id, release.id)
    return released


# ---------------------------------------------------------------------------------------------
# The viewer: who is looking, and what they are entitled to, read once.
# ---------------------------------------------------------------------------------------------


#: What to do when a viewer asks for a person they may not see:
#: (session, user, registrant ID, audit action).
RefusalLog = Callable[[DbSession, Any, int, str], None]


@dataclass(frozen=True, eq=False)
class Viewer:
    """Who is looking at the register, read once per request (or per job) and passed down.

    Every rule function takes a Viewer, never a bare user: the partner's entitlement, the
    field set, the ordinance's consent rule and the day are fixed when the viewer is built,
    so one page asks the database about them once.
    """

    user: Any
    #: The user's role; None for anyone not signed in.
    role: Role | None
    #: A partner's entitlement now; None for every other role and for a partner without one.
    access: PartnerAccess | None
    #: The projection keys this viewer may see; empty means none at all.
    fields: frozenset[str]
    #: The ordinance's consent rule (config CONSENT_RULE).
    consent_rule: str
    #: Today in the municipality's time zone.
    today: date
    #: Called when someone asks for a person they may not see (roster.access.fetch.refuse);
    #: the web layer audits it (roster.viewer).
    on_refusal: RefusalLog | None = None

    def is_(self, *roles: Role) -> bool:
        return self.role in roles

    def shown_under_release(self, registrant: Registrant) -> int | None:
        """The release this person is shown under, or None (consent alone admits them, or
        the viewer is not a partner under a release)."""
        if self.access is None or not self.access.under_release:
            return None
        return self.access.shown_under_release(registrant, self.consent_rule)


def viewer_for(
    session: DbSession,
    user: Any,
    consent_rule: str,
    today: date,
    now: datetime | None = None,
    *,
    on_refusal: RefusalLog | None = None,
) -> Viewer:
    """The Viewer for `user` at this moment: role, entitlement and field set, read once."""
    role = user.role if has_role(user, *Role) else None
    access = read_partner_access(session, user, today, now) if role is Role.PARTNER else None
    return Viewer(
        user=user,
        role=role,
        access=access,
        fields=_fields(role, access),
        consent_rule=consent_rule,
        today=today,
        on_refusal=on_refusal,
    )


@dataclass(frozen=True)
class _Member:
    """An organisation as the access rule sees any of its partner users."""

    organisation_id: int
    role: Role = Role.PARTNER
    is_authenticated: bool = True


def organisation_viewer(
    session: DbSession, acting: Viewer, organisation_id: int, now: datetime | None = None
) -> Viewer | None:
    """What an organisation is entitled to now (as for any of its partner users), for a copy
    `acting.user` makes for it -- a check sheet, an export for the fire service: the people
    and fields of the organisation's agreement, never the acting user's own. None when the
    organisation has no agreement in force."""
    access = read_partner_access(session, _Member(organisation_id), acting.today, now)
    if access is None:
        return None
    return Viewer(
        user=acting.user,
        role=Role.PARTNER,
        access=access,
        fields=access.fields,
        consent_rule=acting.consent_rule,
        today=acting.today,
        on_refusal=acting.on_refusal,
    )


def _fields(role: Role | None, access: PartnerAccess | None) -> frozenset[str]:
    """The registrant fields a role may see; a partner's come from the agreement."""
    if role is Role.STAFF:
        return STAFF_FIELDS
    if role is Role.PARTNER:
        return access.fields if access else frozenset()
    if role is Role.PLANNER:
        return PLANNER_FIELDS
    return frozenset()


# ---------------------------------------------------------------------------------------------
# Who may be seen.
# ---------------------------------------------------------------------------------------------


def partner_condition(access: PartnerAccess | None, consent_rule: str, on: Any = Registrant) -> Any:
    """Active people in the agreement's districts whose consent covers the partner's category,
    or, inside a released area, every active person there. On Registrant, or on the sharing
    counters (SharingCount), which have the same columns, to count without reading people."""
    if access is None or not access.districts:
        return false()
    consent = register_sharing_allows(access.category, consent_rule, on)
    if access.released:
        consent = or_(consent, on.district_id.in_(sorted(access.released)))
    return and_(
        on.status == RegistrantStatus.ACTIVE,
        on.district_id.in_(sorted(access.districts)),
        consent,
    )


def visible_registrants(viewer: Viewer) -> Select[Registrant]:
    """The one query every registrant list starts from: only rows this viewer may see."""
    return select(Registrant).where(registrant_condition(viewer))


def registrant_condition(viewer: Viewer) -> Any:
    """The access rule as a SQL condition on Registrant."""
    if viewer.role is Role.STAFF:
        return true()
    if viewer.role is Role.PLANNER:
        return Registrant.status == RegistrantStatus.ACTIVE
    if viewer.role is Role.PARTNER:
        return partner_condition(viewer.access, viewer.consent_rule)
    return false()


def visible_districts(session: DbSession, viewer: Viewer) -> list[District]:
    """The districts a viewer may filter by: those of a partner's agreement, else all."""
    query = select(District).order_by(District.name_kana, District.code)
    if viewer.role is Role.PARTNER:
        access = viewer.access
        query = query.where(District.id.in_(sorted(access.districts) if access else []))
    return list(session.scalars(query))


# ---------------------------------------------------------------------------------------------
# Maps, hazard areas and shelter assignment (issue 5).
# ---------------------------------------------------------------------------------------------


def map_registrants(viewer: Viewer) -> Select[Registrant]:
    """The people a viewer's map may show: the active people of the visible set, and none at
    all unless the viewer may see where people live (exactly, or coarsely for planners; a
    partner's agreement must provide the location)."""
    query = visible_registrants(viewer).where(Registrant.status == RegistrantStatus.ACTIVE)
    if not {"latitude", "coarse_location"} & viewer.fields:
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


def plan_visible(session: DbSession, viewer: Viewer, registrant_id: int) -> bool:
    """Whether this viewer may see this person's plan.

    Staff: always. A partner: only when the agreement in force includes plans, the register
    rule admits the person, and either the person consented to share the plan with the
    partner's category or a running release covers the person's district (49-15 follows
    49-11(3)). Everyone else: never.
    """
    if viewer.role is Role.STAFF:
        return True
    access = viewer.access
    if access is None or not access.agreement.includes_plans:
        return False
    district_id = _visible_district(session, viewer, registrant_id)
    if district_id is None:
        return False
    if district_id in access.released:
        return True
    return plan_sharing_consented(session, registrant_id, access.category)


def _visible_district(session: DbSession, viewer: Viewer, registrant_id: int) -> int | None:
    """The person's district, if the register rule lets this viewer see them; else None."""
    return session.scalar(
        visible_registrants(viewer)
        .with_only_columns(Registrant.district_id)
        .where(Registrant.id == registrant_id)
    )
