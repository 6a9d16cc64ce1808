"""When a plan needs review (要見直し).

A plan is built on facts about the person and their destination: the address, their needs
(mobility, household, medical devices, care level) and the version of the destination
shelter's record. It needs review when its review date comes, or when one of those facts
changed since it was saved. The same test exists twice: review_reasons() on one plan in
Python, for its page, and review_condition() in SQL, for the list's status filter; the
tests hold them to the same answers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, or_, select, update

from ..audit.operations import record_events
from ..extensions import DbSession
from ..models import DestinationKind, Plan, PlanStatus, Registrant, Shelter
from ..models.registrants import DEVICE_FIELDS

#: Review reason codes, in the order pages list them (see names.REVIEW_REASONS).
REASONS = ("review_due", "address_changed", "needs_changed", "shelter_changed", "shelter_removed")


def _code(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


def needs_signature(registrant: Any) -> str:
    """The person's needs in one short string: mobility, household, care level, and one
    digit per medical device (ventilator, oxygen, suction, dialysis),
    e.g. ``wheelchair|alone|care_3|1000``."""
    devices = "".join("1" if getattr(registrant, name) else "0" for name in DEVICE_FIELDS)
    return "|".join(
        (
            _code(registrant.mobility),
            _code(registrant.household),
            _code(registrant.care_level),
            devices,
        )
    )


def needs_signature_sql() -> ColumnElement[str]:
    """needs_signature() as SQL on Registrant, the same string on SQLite and PostgreSQL."""
    sep = "|"
    devices = [
        case((getattr(Registrant, name).is_(True), "1"), else_="0") for name in DEVICE_FIELDS
    ]
    text: Any = cast(Registrant.mobility, String) + sep + cast(Registrant.household, String)
    text = text + sep + cast(Registrant.care_level, String) + sep
    for digit in devices:
        text = text + digit
    return text  # type: ignore[no-any-return]


def review_reasons(plan: Any, registrant: Any, shelter: Any, today: date) -> list[str]:
    """Why the plan needs review now, as codes of REASONS (empty: it does not).

    `shelter` is the plan's destination shelter as stored now (None when the plan names
    none, or the shelter was removed from the registry).
    """
    reasons = []
    if plan.review_on is not None and plan.review_on <= today:
        reasons.append("review_due")
    if (registrant.address or "") != (plan.basis_address or ""):
        reasons.append("address_changed")
    if needs_signature(registrant) != (plan.basis_needs or ""):
        reasons.append("needs_changed")
    if plan.destination_kind == DestinationKind.SHELTER and plan.basis_shelter_version is not None:
        if shelter is None:
            reasons.append("shelter_removed")
        elif shelter.version != plan.basis_shelter_version:
            reasons.append("shelter_changed")
    return reasons


def effective_status(status: PlanStatus, reasons: list[str]) -> PlanStatus:
    """An agreed plan with any review reason shows as needing review."""
    if status is PlanStatus.AGREED and reasons:
        return PlanStatus.NEEDS_REVIEW
    return status


def review_condition(today: date) -> ColumnElement[bool]:
    """SQL: the plan has a review reason. Needs Plan joined to Registrant and an outer join
    of Shelter on the plan's destination shelter."""
    from_shelter = and_(
        Plan.destination_kind == DestinationKind.SHELTER,
        Plan.basis_shelter_version.is_not(None),
    )
    return or_(
        Plan.review_on <= today,
        Registrant.address != Plan.basis_address,
        needs_signature_sql() != Plan.basis_needs,
        and_(from_shelter, Plan.destination_shelter_id.is_(None)),
        and_(
            from_shelter,
            Plan.destination_shelter_id.is_not(None),
            Shelter.version != Plan.basis_shelter_version,
        ),
    )


def status_condition(status: PlanStatus, today: date) -> ColumnElement[bool]:
    """SQL: the plan's effective status is `status` (see effective_status)."""
    due = review_condition(today)
    if status is PlanStatus.NEEDS_REVIEW:
        return or_(
            Plan.status == PlanStatus.NEEDS_REVIEW,
            and_(Plan.status == PlanStatus.AGREED, due),
        )
    if status is PlanStatus.AGREED:
        return and_(Plan.status == PlanStatus.AGREED, ~due)
    return Plan.status == status


def flag_reviews(session: DbSession, today: date, actor_name: str = "system") -> int:
    """Mark every agreed plan that has a review reason as needing review; return how many.

    The status changes with a plain UPDATE, which leaves the plan's version as it is (an
    edit form open on the plan stays valid) and writes no plan version: each flag is an
    audit event "plan.review_flagged" naming the reasons.
    """
    flagged = _agreed_with_reasons(session, today)
    if not flagged:
        return 0
    _mark_needing_review(session, [plan_id for plan_id, _r, _reasons in flagged])
    _record_flags(session, flagged, actor_name)
    session.expire_all()
    return len(flagged)


def _agreed_with_reasons(session: DbSession, today: date) -> list[tuple[int, int, list[str]]]:
    """(plan id, registrant id, reasons) of each agreed plan with a review reason."""
    rows = session.execute(
        select(Plan, Registrant, Shelter)
        .join(Registrant, Registrant.id == Plan.registrant_id)
        .outerjoin(Shelter, Shelter.id == Plan.destination_shelter_id)
        .where(Plan.status == PlanStatus.AGREED, review_condition(today))
        .order_by(Plan.id)
    ).all()
    return [
        (plan.id, plan.registrant_id, reasons)
        for plan, registrant, shelter in rows
        if (reasons := review_reasons(plan, registrant, shelter, today))
    ]


def _mark_needing_review(session: DbSession, ids: list[int]) -> None:
    """Set these agreed plans' status to needing review, 500 at a time."""
    for start in range(0, len(ids), 500):
        session.execute(
            update(Plan)
            .where(Plan.id.in_(ids[start : start + 500]), Plan.status == PlanStatus.AGREED)
            .values(status=PlanStatus.NEEDS_REVIEW)
            .execution_options(synchronize_session=False)
        )


def _record_flags(
    session: DbSession, flagged: list[tuple[int, int, list[str]]], actor_name: str
) -> None:
    """One audit event "plan.review_flagged" per plan, naming its reasons."""
    record_events(
        session,
        [
            {
                "action": "plan.review_flagged",
                "actor_name": actor_name,
                "object_type": "registrant",
                "object_id": registrant_id,
                "detail": {"plan": plan_id, "reasons": reasons},
            }
            for plan_id, registrant_id, reasons in flagged
        ],
    )
