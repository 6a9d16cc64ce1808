"""The provision ledger (提供台帳): every copy of a list handed to a partner, and its return.

record_provision is the only way a print or export is made: it numbers the copy, keeps the
IDs of the people in it, and logs the disclosure (against a release if one is running).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from ..access.fetch import Person
from ..access.fetch import people as fetch_people
from ..access.rule import PartnerAccess, Viewer, visible_registrants
from ..audit.operations import record_event
from ..disclosures import record_disclosure
from ..extensions import DbSession
from ..models import (
    AgreementStatus,
    DisposalMethod,
    Provision,
    ProvisionFormat,
    ProvisionItem,
    Registrant,
    User,
)


def next_copy_no(session: DbSession, agreement_id: int) -> int:
    current = session.scalar(
        select(func.max(Provision.copy_no)).where(Provision.agreement_id == agreement_id)
    )
    return (current or 0) + 1


def record_provision(
    session: DbSession,
    viewer: Viewer,
    format: ProvisionFormat,
    people: Sequence[Person],
) -> Provision:
    """Write the ledger row for a copy of `people` made by a partner viewer now, and audit it.

    The caller has already loaded the people through roster.access.fetch; the row keeps
    their IDs in order, so staff can say later who was on which copy.
    """
    access = viewer.access
    assert access is not None, "only a partner with an agreement in force makes copies"
    release_id = _log_copy(session, viewer, format, people)
    provision = _ledger_row(session, viewer, access, format, len(people), release_id)
    session.add(provision)
    session.flush()
    _keep_lines(session, provision, people)
    return provision


def _log_copy(
    session: DbSession, viewer: Viewer, format: ProvisionFormat, people: Sequence[Person]
) -> int | None:
    """The copy in the disclosure log; the release it was made under, if any."""
    releases = record_disclosure(
        session,
        viewer,
        f"provision.{format.value}",
        people,
        detail={"format": format.value, "count": len(people)},
    )
    return releases[0] if releases else None


def _ledger_row(
    session: DbSession,
    viewer: Viewer,
    access: PartnerAccess,
    format: ProvisionFormat,
    count: int,
    release_id: int | None,
) -> Provision:
    """The copy's ledger row, numbered next under its agreement."""
    return Provision(
        organisation_id=access.agreement.organisation_id,
        agreement_id=access.agreement.id,
        release_id=release_id,
        user_id=viewer.user.id,
        format=format,
        copy_no=next_copy_no(session, access.agreement.id),
        count=count,
    )


def _keep_lines(session: DbSession, provision: Provision, people: Sequence[Person]) -> None:
    """The IDs of the people on the copy, by the line printed beside them."""
    if people:
        session.execute(
            insert(ProvisionItem),
            [
                {"provision_id": provision.id, "registrant_id": p.registrant_id, "line": line}
                for line, p in enumerate(people, start=1)
            ],
        )


# ---------------------------------------------------------------------------------------------
# Staff's side: reading the ledger and recording returns and destruction.
# ---------------------------------------------------------------------------------------------

#: An agreement under which copies must come back: ended, expired, or suspended.
ENDED_STATUSES = frozenset(
    {AgreementStatus.TERMINATED, AgreementStatus.EXPIRED, AgreementStatus.SUSPENDED}
)


def must_come_back(provision: Provision, today: date) -> bool:
    """An outstanding copy whose agreement no longer gives the partner the list."""
    return provision.outstanding and provision.agreement.effective_status(today) in ENDED_STATUSES


def ledger(
    session: DbSession, organisation_id: int, outstanding_only: bool = False
) -> list[Provision]:
    """The organisation's copies, newest first, with what the ledger page shows loaded."""
    query = (
        select(Provision)
        .where(Provision.organisation_id == organisation_id)
        .options(
            selectinload(Provision.agreement),
            selectinload(Provision.user),
            selectinload(Provision.release),
            selectinload(Provision.disposal_recorded_by),
        )
        .order_by(Provision.created_at.desc(), Provision.id.desc())
    )
    if outstanding_only:
        query = query.where(Provision.disposed_on.is_(None))
    return list(session.scalars(query))


@dataclass(frozen=True)
class LedgerSummary:
    copies: int
    outstanding: int
    #: Outstanding copies of an agreement that has ended or is suspended.
    urgent: int


def summary(session: DbSession, organisation_id: int, today: date) -> LedgerSummary:
    rows = ledger(session, organisation_id)
    return LedgerSummary(
        copies=len(rows),
        outstanding=sum(1 for p in rows if p.outstanding),
        urgent=sum(1 for p in rows if must_come_back(p, today)),
    )


def outstanding_counts(session: DbSession) -> dict[int, int]:
    """Organisation -> how many of its copies are still out."""
    rows = session.execute(
        select(Provision.organisation_id, func.count(Provision.id))
        .where(Provision.disposed_on.is_(None))
        .group_by(Provision.organisation_id)
    ).all()
    return {organisation_id: count for organisation_id, count in rows}


class DisposalError(Exception):
    """`already` (recorded before), `future` (date after today) or `before_copy` (a date
    before the copy was made)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def made_on(provision: Provision, tz: str) -> date:
    """The local day the copy was made."""
    return provision.created_at.astimezone(ZoneInfo(tz)).date()


def dispose(
    session: DbSession,
    provision: Provision,
    *,
    disposed_on: date,
    method: DisposalMethod,
    confirmed_by: str,
    note: str,
    actor: User,
    today: date,
    tz: str,
) -> None:
    """Record that the copy came back or was destroyed. Recorded once; never changed."""
    _check_disposal(provision, disposed_on, today, tz)
    provision.disposed_on = disposed_on
    provision.disposal_method = method
    provision.confirmed_by = confirmed_by
    provision.disposal_note = note or None
    provision.disposal_recorded_by_id = actor.id
    _audit_disposal(session, provision, method, actor)


def _audit_disposal(
    session: DbSession, provision: Provision, method: DisposalMethod, actor: User
) -> None:
    """Write the disposal, then its audit event (IDs, method and count only)."""
    session.flush()
    record_event(
        session,
        "provision.dispose",
        actor=actor,
        object_type="provision",
        object_id=provision.id,
        detail={
            "organisation": provision.organisation_id,
            "agreement": provision.agreement_id,
            "copy_no": provision.copy_no,
            "method": method.value,
            "count": provision.count,
        },
    )


def _check_disposal(provision: Provision, disposed_on: date, today: date, tz: str) -> None:
    """DisposalError unless the copy is still out and the date lies between its making
    and today."""
    if not provision.outstanding:
        raise DisposalError("already")
    if disposed_on > today:
        raise DisposalError("future")
    if disposed_on < made_on(provision, tz):
        raise DisposalError("before_copy")


def people(session: DbSession, provision: Provision, viewer: Viewer) -> list[tuple[int, Person]]:
    """The people on the copy that the viewer may see, by the line printed beside them."""
    lines = dict(
        session.execute(
            select(ProvisionItem.registrant_id, ProvisionItem.line).where(
                ProvisionItem.provision_id == provision.id
            )
        ).all()
    )
    query = visible_registrants(viewer).where(Registrant.id.in_(sorted(lines)))
    found = fetch_people(session, viewer, query)
    return sorted(((lines[p.registrant_id], p) for p in found), key=lambda pair: pair[0])
