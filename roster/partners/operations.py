"""Verbs for partner organisations and their agreements (協定).

Every change to an agreement writes an AgreementVersion (a snapshot of every term, and the
names of the terms it changed) and an audit event. The access rule reads the agreement on
every request, so a change here takes effect on the partner's very next request.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from ..access.fields import AGREEMENT_FIELDS
from ..audit.operations import record_event
from ..extensions import DbSession
from ..files import private_dir
from ..models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    District,
    Organisation,
    PartnerCategory,
    Provision,
    User,
)
from ..models.base import utcnow
from ..versioning import StaleEditError as StaleEditError
from ..versioning import check_version
from .ledger import ENDED_STATUSES

# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------


class DuplicateNameError(Exception):
    """Another organisation already has this name."""


@dataclass
class OrganisationData:
    name: str
    category: PartnerCategory
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    contact_address: str = ""
    notes: str = ""
    district_ids: list[int] = field(default_factory=list)


#: The organisation's plain columns, in the order the form shows them.
ORGANISATION_COLUMNS = (
    "name",
    "category",
    "contact_name",
    "contact_phone",
    "contact_email",
    "contact_address",
    "notes",
)


def _districts(session: DbSession, ids: list[int]) -> list[District]:
    if not ids:
        return []
    return list(
        session.scalars(select(District).where(District.id.in_(ids)).order_by(District.code))
    )


def _check_name(session: DbSession, name: str, exclude_id: int | None = None) -> None:
    query = select(Organisation.id).where(Organisation.name == name)
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    if session.scalar(query) is not None:
        raise DuplicateNameError(name)


def create_organisation(session: DbSession, data: OrganisationData, actor: User) -> Organisation:
    """Add a partner organisation with its contacts and the districts it serves."""
    _check_name(session, data.name)
    organisation = Organisation(
        **{name: getattr(data, name) for name in ORGANISATION_COLUMNS},
        districts=_districts(session, data.district_ids),
    )
    session.add(organisation)
    session.flush()
    record_event(
        session,
        "organisation.create",
        actor=actor,
        object_type="organisation",
        object_id=organisation.id,
        detail={"category": data.category.value, "districts": len(organisation.districts)},
    )
    return organisation


def update_organisation(
    session: DbSession,
    organisation: Organisation,
    data: OrganisationData,
    expected_version: int | None,
    actor: User,
) -> list[str]:
    """Change an organisation; return the names of the fields that changed (audited).

    Refused with StaleEditError when the form was built on an older version: nothing changes.
    """
    check_version(organisation, expected_version)
    _check_name(session, data.name, exclude_id=organisation.id)
    changed = [n for n in ORGANISATION_COLUMNS if getattr(organisation, n) != getattr(data, n)]
    for name in changed:
        setattr(organisation, name, getattr(data, name))
    if {d.id for d in organisation.districts} != set(data.district_ids):
        organisation.districts = _districts(session, data.district_ids)
        # The districts live in another table: touch the row so its version moves on too.
        flag_modified(organisation, "name")
        changed.append("districts")
    if changed:
        session.flush()
        record_event(
            session,
            "organisation.update",
            actor=actor,
            object_type="organisation",
            object_id=organisation.id,
            detail={"changed": changed},
        )
    return changed


# ---------------------------------------------------------------------------------------------
# Agreements: terms, snapshots and versions
# ---------------------------------------------------------------------------------------------


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
#: Every name a snapshot holds, in the order pages list them.
SNAPSHOT_TERMS = (
    "title",
    "status",
    "starts_on",
    "ends_on",
    "terminated_at",
    "districts",
    "fields",
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
    "document",
)


def ordered_fields(groups: Any) -> list[str]:
    """Known field groups only, in the order of AGREEMENT_FIELDS."""
    chosen = set(groups or ())
    return [g for g in AGREEMENT_FIELDS if g in chosen]


def snapshot(agreement: Agreement) -> dict[str, Any]:
    """Every term of the agreement as JSON-ready values; districts by code."""
    document = None
    if agreement.document_sha256:
        document = {
            "name": agreement.document_name,
            "sha256": agreement.document_sha256,
            "size": agreement.document_size,
        }
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
        "document": document,
    }


def changed_terms(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if before is None:
        return [name for name in SNAPSHOT_TERMS if after.get(name) not in (None, "", [], False)]
    return [name for name in SNAPSHOT_TERMS if before.get(name) != after.get(name)]


def _record_version(
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
    return changed


def _apply_terms(session: DbSession, agreement: Agreement, terms: AgreementTerms) -> None:
    """Set the terms in memory; the one flush that follows makes one version."""
    districts = None
    if {d.id for d in agreement.districts} != set(terms.district_ids):
        districts = _districts(session, terms.district_ids)
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
    _record_version(session, agreement, actor, "create", None)
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
        district_ids = [d.id for d in agreement.districts]
        fields, starts_on, ends_on = agreement.fields, agreement.starts_on, agreement.ends_on
    else:
        district_ids = terms.district_ids
        fields, starts_on, ends_on = terms.fields, terms.starts_on, terms.ends_on
    problems = []
    if not district_ids:
        problems.append("no_districts")
    if not ordered_fields(fields):
        problems.append("no_fields")
    if check_end and ends_on < today:
        problems.append("ended")
    if overlapping(session, agreement.organisation_id, starts_on, ends_on, agreement.id):
        problems.append("overlap")
    return problems


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
    expected_version: int,
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
        problems = activation_problems(session, agreement, today, terms, check_end=ends_moved)
        if problems:
            raise AgreementRefused(problems)
    before = snapshot(agreement)
    _apply_terms(session, agreement, terms)
    return _record_version(session, agreement, actor, "update", before)


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
    if action not in TRANSITIONS:
        raise TransitionError(action)
    sources, target = TRANSITIONS[action]
    if agreement.status not in sources:
        if agreement.status is AgreementStatus.TERMINATED:
            raise AgreementClosedError(agreement.id)
        raise TransitionError(action)
    if target is AgreementStatus.ACTIVE:
        problems = activation_problems(session, agreement, today)
        if problems:
            raise AgreementRefused(problems)
    before = snapshot(agreement)
    agreement.status = target
    if target is AgreementStatus.TERMINATED:
        agreement.terminated_at = utcnow()
    _record_version(session, agreement, actor, action, before)
    return target


# ---------------------------------------------------------------------------------------------
# The signed document (PDF)
# ---------------------------------------------------------------------------------------------

PDF_MAGIC = b"%PDF-"
DOCUMENT_MAX_BYTES = 20 * 2**20


class DocumentError(Exception):
    """The upload is not a PDF (`not_pdf`), too large (`too_large`) or empty (`empty`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_document_name(name: str | None) -> str:
    """The original file name without folders, control or reserved characters, at most 200."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    base = _UNSAFE_NAME.sub("_", base).strip(" .")
    if not base:
        base = "document.pdf"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 199 - len(ext)] + dot + ext) if dot and len(ext) <= 5 else base[:200]
    return base


def document_path(directory: Path, sha256: str) -> Path:
    return directory / f"{sha256}.pdf"


def store_document(
    session: DbSession,
    agreement: Agreement,
    stream: IO[bytes],
    filename: str | None,
    directory: Path,
    actor: User,
    max_bytes: int = DOCUMENT_MAX_BYTES,
) -> list[str]:
    """Check the upload is a PDF within the limit, keep it as <sha256>.pdf, record it.

    The file is written to a temporary name in the same folder and renamed, so a reader
    never sees half a file; the same document uploaded twice is kept once.
    """
    if agreement.status is AgreementStatus.TERMINATED:
        raise AgreementClosedError(agreement.id)
    head = stream.read(len(PDF_MAGIC))
    if not head:
        raise DocumentError("empty")
    if head != PDF_MAGIC:
        raise DocumentError("not_pdf")
    private_dir(directory)
    digest = hashlib.sha256(head)
    size = len(head)
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(head)
            while chunk := stream.read(1 << 16):
                size += len(chunk)
                if size > max_bytes:
                    raise DocumentError("too_large")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha256 = digest.hexdigest()
        os.replace(tmp_name, document_path(directory, sha256))
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    before = snapshot(agreement)
    agreement.document_name = safe_document_name(filename)
    agreement.document_sha256 = sha256
    agreement.document_size = size
    agreement.document_uploaded_at = utcnow()
    changed = _record_version(session, agreement, actor, "document", before)
    if not changed:
        # The same file again under the same name: record the upload all the same.
        record_event(
            session,
            "agreement.document",
            actor=actor,
            object_type="agreement",
            object_id=agreement.id,
            detail={"organisation": agreement.organisation_id, "changed": []},
        )
    return changed


# ---------------------------------------------------------------------------------------------
# Reminders for staff
# ---------------------------------------------------------------------------------------------

REMINDER_DAYS = 60


@dataclass
class OutstandingCopies:
    organisation: Organisation
    count: int
    #: Of them, copies made under an agreement that has ended (or is suspended).
    urgent: int
    #: The ended agreements those urgent copies belong to.
    ended_agreements: list[Agreement]


@dataclass
class Reminders:
    ending_soon: list[Agreement]
    outstanding: list[OutstandingCopies]
    no_manager: list[Agreement]
    no_agreement: list[Organisation]

    def __bool__(self) -> bool:
        return bool(self.ending_soon or self.outstanding or self.no_manager or self.no_agreement)


def reminders(session: DbSession, today: date, days: int = REMINDER_DAYS) -> Reminders:
    """What staff should act on: agreements ending within `days`, copies still out (urgent
    where the agreement has ended), agreements in force without a list manager, and
    organisations with no agreement in force."""
    organisations = list(
        session.scalars(
            select(Organisation)
            .order_by(Organisation.name)
            .options(selectinload(Organisation.districts))
        )
    )
    agreements = list(
        session.scalars(
            select(Agreement)
            .options(selectinload(Agreement.organisation))
            .order_by(Agreement.ends_on, Agreement.id)
        )
    )
    ending_soon = [
        a
        for a in agreements
        if a.status is AgreementStatus.ACTIVE and today <= a.ends_on <= today + timedelta(days=days)
    ]
    in_force = {
        o.id: a for o in organisations if (a := in_force_among(agreements, o.id, today)) is not None
    }
    no_manager = [a for a in in_force.values() if not (a.list_manager or "").strip()]
    no_manager.sort(key=lambda a: a.organisation.name)
    no_agreement = [o for o in organisations if o.id not in in_force]
    outstanding = outstanding_copies(session, organisations, agreements, today)
    return Reminders(ending_soon, outstanding, no_manager, no_agreement)


def in_force_among(
    agreements: list[Agreement], organisation_id: int, today: date
) -> Agreement | None:
    """As agreement_in_force, over agreements already loaded."""
    candidates = [
        a for a in agreements if a.organisation_id == organisation_id and a.in_force(today)
    ]
    candidates.sort(key=lambda a: (a.starts_on, a.id), reverse=True)
    return candidates[0] if candidates else None


def outstanding_copies(
    session: DbSession,
    organisations: list[Organisation],
    agreements: list[Agreement],
    today: date,
) -> list[OutstandingCopies]:
    """Per organisation, the copies not yet returned or destroyed; urgent ones first."""
    by_id = {a.id: a for a in agreements}
    counts = session.execute(
        select(Provision.organisation_id, Provision.agreement_id, func.count(Provision.id))
        .where(Provision.disposed_on.is_(None))
        .group_by(Provision.organisation_id, Provision.agreement_id)
    ).all()
    per_org: dict[int, OutstandingCopies] = {}
    orgs = {o.id: o for o in organisations}
    for organisation_id, agreement_id, count in counts:
        entry = per_org.setdefault(
            organisation_id, OutstandingCopies(orgs[organisation_id], 0, 0, [])
        )
        entry.count += count
        agreement = by_id[agreement_id]
        if agreement.effective_status(today) in ENDED_STATUSES:
            entry.urgent += count
            entry.ended_agreements.append(agreement)
    return sorted(per_org.values(), key=lambda e: (-e.urgent, e.organisation.name))
