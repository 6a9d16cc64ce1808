"""Reminders for staff: agreements ending soon, copies still out, gaps in the agreements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import DbSession
from ..models import Agreement, AgreementStatus, Organisation, Provision
from .agreements import in_force_among
from .ledger import ENDED_STATUSES

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
    organisations, agreements = _organisations_and_agreements(session)
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


def _organisations_and_agreements(
    session: DbSession,
) -> tuple[list[Organisation], list[Agreement]]:
    """Every organisation by name, and every agreement by its end date."""
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
    return organisations, agreements


def outstanding_copies(
    session: DbSession,
    organisations: list[Organisation],
    agreements: list[Agreement],
    today: date,
) -> list[OutstandingCopies]:
    """Per organisation, the copies not yet returned or destroyed; urgent ones first."""
    by_id = {a.id: a for a in agreements}
    per_org: dict[int, OutstandingCopies] = {}
    orgs = {o.id: o for o in organisations}
    for organisation_id, agreement_id, count in _outstanding_counts(session):
        entry = per_org.setdefault(
            organisation_id, OutstandingCopies(orgs[organisation_id], 0, 0, [])
        )
        entry.count += count
        agreement = by_id[agreement_id]
        if agreement.effective_status(today) in ENDED_STATUSES:
            entry.urgent += count
            entry.ended_agreements.append(agreement)
    return sorted(per_org.values(), key=lambda e: (-e.urgent, e.organisation.name))


def _outstanding_counts(session: DbSession) -> Sequence[Any]:
    """(organisation id, agreement id, copies not yet back) for every agreement with some."""
    return session.execute(
        select(Provision.organisation_id, Provision.agreement_id, func.count(Provision.id))
        .where(Provision.disposed_on.is_(None))
        .group_by(Provision.organisation_id, Provision.agreement_id)
    ).all()
