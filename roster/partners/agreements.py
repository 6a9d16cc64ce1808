"""Verbs for agreements (協定): their terms, snapshots, versions and status.

Every change to an agreement writes an AgreementVersion (a snapshot of every term, and the
names of the terms it changed) and an audit event. The access rule reads the agreement on
every request, so a change here takes effect on the partner's very next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from ..access.fields import AGREEMENT_FIELDS
from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import Agreement, AgreementStatus, AgreementVersion, Organisation, User
from ..models.base import utcnow
from ..versioning import check_version
from .organisations import districts_by_id


class AgreementClosedError(Exception):
    """A terminated agreement never changes again."""


class TransitionError(Exception):
    """The status change is not allowed from the agreement's present status."""


class AgreementRefused(Exception):  # noqa: N818 - a refusal, with its reasons
    """The agreement cannot be (or stay) active; `problems` says why, as codes."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems


@dataclass
class AgreementTerms:
    title: str
    starts_on: date
    ends_on: date
    district_ids: list[int] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    includes_plans: bool = False
    emergency_provision: bool = False
    list_manager: str = ""
    list_manager_contact: str = ""
    viewers: str = ""
    storage_place: str = ""
    duty_confidentiality: bool = True
    duty_no_copies: bool = True
    duty_return: bool = True
    notes: str = ""


#: The terms staff edit on the form, as plain columns of the agreement.
TERM_COLUMNS = (
    "title",
    "starts_on",
    "ends_on",
    "includes_plans",
    "emergency_provision",
    "list_manager",
    "list_manager_contact",
    "viewers",
    "storage_place",
    "duty_confidentiality",
    "duty_no_copies",
    "duty_return",
    "notes",
)
#: Every name a snapshot holds, in the order pages list them: the dated terms, the status and
#: what the agreement covers, then the rest of the terms staff edit, then the signed document.
SNAPSHOT_TERMS = (
    "title",
    "status",
    "starts_on",
    "ends_on",
    "terminated_at",
    "districts",
    "fields",
    *TERM_COLUMNS[3:],
    "document",
)


# ---------------------------------------------------------------------------------------------
# Snapshots and versions
# ---------------------------------------------------------------------------------------------


def ordered_fields(groups: Any) -> list[str]:
    """Known field groups only, in the order of AGREEMENT_FIELDS."""
    chosen = set(groups or ())
    return [g for g in AGREEMENT_FIELDS if g in chosen]


def snapshot(agreement: Agreement) -> dict[str, Any]:
    """Every term of the agreement as JSON-ready values; districts by code."""
    return {
        "title": agreement.title,
        "status": agreement.status.value,
        "starts_on": agreement.starts_on.isoformat(),
        "ends_on": agreement.ends_on.isoformat(),
        "terminated_at": agreement.terminated_at.isoformat() if agreement.terminated_at else None,
        "districts": sorted(d.code for d in agreement.districts),
        "fields": ordered_fields(agreement.fields),
        "includes_plans": bool(agreement.includes_plans),
        "emergency_provision": bool(agreement.emergency_provision),
        "list_manager": agreement.list_manager or "",
        "list_manager_contact": agreement.list_manager_contact or "",
        "viewers": agreement.viewers or "",
        "storage_place": agreement.storage_place or "",
        "duty_confidentiality": bool(agreement.duty_confidentiality),
        "duty_no_copies": bool(agreement.duty_no_copies),
        "duty_return": bool(agreement.duty_return),
        "notes": agreement.notes or "",
        "document": _document_terms(agreement),
    }


def _document_terms(agreement: Agreement) -> dict[str, Any] | None:
    """The signed document as a snapshot names it; None before one is kept."""
    if not agreement.document_sha256:
        return None
    return {
        "name": agreement.document_name,
        "sha256": agreement.document_sha256,
        "size": agreement.document_size,
    }


def changed_terms(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if before is None:
        return [name for name in SNAPSHOT_TERMS if after.get(name) not in (None, "", [], False)]
    return [name for name in SNAPSHOT_TERMS if before.get(name) != after.get(name)]


def record_version(
    session: DbSession,
    agreement: Agreement,
    actor: User,
    action: str,
    before: dict[str, Any] | None,
) -> list[str]:
    """Flush the change, write the version and the audit event; return the changed terms.

    Touching updated_at makes the flush an UPDATE of the agreement's row even when only its
    districts changed, so the version counter moves on every change.
    """
    with session.no_autoflush:
        after = snapshot(agreement)
    changed = changed_terms(before, after)
    if before is not None and not changed:
        return []
    if before is not None:
        agreement.updated_at = utcnow()
    session.flush()
    _add_version(session, agreement, actor, after, changed)
    _audit_change(session, agreement, actor, action, changed)
    return changed


def _add_version(
    session: DbSession,
    agreement: Agreement,
    actor: User,
    after: dict[str, Any],
    changed: list[str],
) -> None:
    session.add(
        AgreementVersion(
            agreement_id=agreement.id,
            version=agreement.version,
            snapshot=after,
            changed=changed,
            changed_by_id=actor.id,
            changed_at=agreement.updated_at,
        )
    )
    session.flush()


def _audit_change(
    session: DbSession, agreement: Agreement, actor: User, action: str, changed: list[str]
) -> None:
    record_event(
        session,
        f"agreement.{action}",
        actor=actor,
        object_type="agreement",
        object_id=agreement.id,
        detail={
            "organisation": agreement.organisation_id,
            "version": agreement.version,
            "changed": changed,
            "status": agreement.status.value,
        },
    )


# ---------------------------------------------------------------------------------------------
# Terms
# ---------------------------------------------------------------------------------------------


def _apply_terms(session: DbSession, agreement: Agreement, terms: AgreementTerms) -> None:
    """Set the terms in memory; the one flush that follows makes one version."""
    districts = None
    if {d.id for d in agreement.districts} != set(terms.district_ids):
        districts = districts_by_id(session, terms.district_ids)
    with session.no_autoflush:
        for name in TERM_COLUMNS:
            setattr(agreement, name, getattr(terms, name))
        agreement.fields = ordered_fields(terms.fields)
        if districts is not None:
            agreement.districts = districts


def create_agreement(
    session: DbSession, organisation: Organisation, terms: AgreementTerms, actor: User
) -> Agreement:
    """A new agreement, as a draft: it gives nothing until staff activate it."""
    agreement = Agreement(
        organisation=organisation,
        status=AgreementStatus.DRAFT,
        title=terms.title,
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        districts=[],
        fields=[],
    )
    _apply_terms(session, agreement, terms)
    session.add(agreement)
    session.flush()
    record_version(session, agreement, actor, "create", None)
    return agreement


def activation_problems(
    session: DbSession,
    agreement: Agreement,
    today: date,
    terms: AgreementTerms | None = None,
    *,
    check_end: bool = True,
) -> list[str]:
    """Why the agreement (or the agreement with `terms`) cannot be active, as codes.

    no_districts, no_fields, ended (its end date has passed), overlap (another active
    agreement of the organisation covers part of the same term). Empty when it can.
    """
    if terms is None:
        terms = _present_terms(agreement)
    problems = _missing_terms(terms, today, check_end)
    if overlapping(
        session, agreement.organisation_id, terms.starts_on, terms.ends_on, agreement.id
    ):
        problems.append("overlap")
    return problems


def _missing_terms(terms: AgreementTerms, today: date, check_end: bool) -> list[str]:
    """What the terms themselves lack for an active agreement: districts, fields, a future end."""
    problems = []
    if not terms.district_ids:
        problems.append("no_districts")
    if not ordered_fields(terms.fields):
        problems.append("no_fields")
    if check_end and terms.ends_on < today:
        problems.append("ended")
    return problems


def _present_terms(agreement: Agreement) -> AgreementTerms:
    """What activation checks of the agreement as it stands: districts, fields and dates."""
    return AgreementTerms(
        title=agreement.title,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        district_ids=[d.id for d in agreement.districts],
        fields=list(agreement.fields or []),
    )


def overlapping(
    session: DbSession,
    organisation_id: int,
    starts_on: date,
    ends_on: date,
    exclude_id: int | None = None,
) -> list[Agreement]:
    """The organisation's active agreements whose term meets starts_on..ends_on."""
    query = select(Agreement).where(
        Agreement.organisation_id == organisation_id,
        Agreement.status == AgreementStatus.ACTIVE,
        Agreement.starts_on <= ends_on,
        Agreement.ends_on >= starts_on,
    )
    if exclude_id is not None:
        query = query.where(Agreement.id != exclude_id)
    return list(session.scalars(query.order_by(Agreement.starts_on)))


def update_agreement(
    session: DbSession,
    agreement: Agreement,
    terms: AgreementTerms,
    expected_version: int | None,
    actor: User,
    today: date,
) -> list[str]:
    """Change the terms. Refused when the form is stale, the agreement terminated, or an
    active agreement would lose its districts or fields, overlap another, or end in the past.
    """
    check_version(agreement, expected_version)
    if agreement.status is AgreementStatus.TERMINATED:
        raise AgreementClosedError(agreement.id)
    if agreement.status is AgreementStatus.ACTIVE:
        ends_moved = terms.ends_on != agreement.ends_on
        _refuse_if(activation_problems(session, agreement, today, terms, check_end=ends_moved))
    before = snapshot(agreement)
    _apply_terms(session, agreement, terms)
    return record_version(session, agreement, actor, "update", before)


def _refuse_if(problems: list[str]) -> None:
    if problems:
        raise AgreementRefused(problems)


def in_force_among(
    agreements: list[Agreement], organisation_id: int, today: date
) -> Agreement | None:
    """As agreement_in_force, over agreements already loaded."""
    candidates = [
        a for a in agreements if a.organisation_id == organisation_id and a.in_force(today)
    ]
    candidates.sort(key=lambda a: (a.starts_on, a.id), reverse=True)
    return candidates[0] if candidates else None


# ---------------------------------------------------------------------------------------------
# Status
# ---------------------------------------------------------------------------------------------

#: action -> (the statuses it starts from, the status it sets)
TRANSITIONS: dict[str, tuple[frozenset[AgreementStatus], AgreementStatus]] = {
    "activate": (frozenset({AgreementStatus.DRAFT}), AgreementStatus.ACTIVE),
    "suspend": (frozenset({AgreementStatus.ACTIVE}), AgreementStatus.SUSPENDED),
    "resume": (frozenset({AgreementStatus.SUSPENDED}), AgreementStatus.ACTIVE),
    "terminate": (
        frozenset({AgreementStatus.ACTIVE, AgreementStatus.SUSPENDED}),
        AgreementStatus.TERMINATED,
    ),
}


def allowed_actions(agreement: Agreement) -> list[str]:
    return [a for a, (sources, _target) in TRANSITIONS.items() if agreement.status in sources]


def change_status(
    session: DbSession,
    agreement: Agreement,
    action: str,
    actor: User,
    today: date,
    expected_version: int | None = None,
) -> AgreementStatus:
    """Activate, suspend, resume or terminate. Termination is final and stamped with the time."""
    if expected_version is not None:
        check_version(agreement, expected_version)
    target = _target_status(agreement, action)
    if target is AgreementStatus.ACTIVE:
        _refuse_if(activation_problems(session, agreement, today))
    before = snapshot(agreement)
    agreement.status = target
    if target is AgreementStatus.TERMINATED:
        agreement.terminated_at = utcnow()
    record_version(session, agreement, actor, action, before)
    return target


def _target_status(agreement: Agreement, action: str) -> AgreementStatus:
    """The status `action` sets, or why it cannot be done from the present status."""
    if action not in TRANSITIONS:
        raise TransitionError(action)
    sources, target = TRANSITIONS[action]
    if agreement.status not in sources:
        if agreement.status is AgreementStatus.TERMINATED:
            raise AgreementClosedError(agreement.id)
        raise TransitionError(action)
    return target
