"""The demo partners' ledger (提供台帳): the copies of their lists they were given, each with
the people on it.

The people on each copy are chosen with the access rule itself (partner_condition), in SQL;
items are written with bulk INSERTs, so 200,000 registrants cost a few queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, insert, or_, select

from ..access.consent import register_sharing_allows
from ..access.fields import agreement_fields
from ..access.rule import PartnerAccess, partner_condition
from ..models import (
    Agreement,
    ConsentRecord,
    ConsentState,
    DisasterRelease,
    DisposalMethod,
    Provision,
    ProvisionFormat,
    ProvisionItem,
    Registrant,
    RegistrantStatus,
    User,
)
from .history import PartnerHistory


@dataclass(frozen=True)
class Copy:
    """One copy of an agreement's list, given to a partner's user."""

    agreement: Agreement
    user: User
    format: ProvisionFormat
    made_on: date
    #: The people on it, in list order.
    ids: list[int]
    release: DisasterRelease | None = None
    #: When it was made; else a moment in office hours of made_on.
    at: datetime | None = None
    #: Returned or destroyed: when, how, and who confirmed it.
    disposed: tuple[date, DisposalMethod, str] | None = None
    note: str | None = None


def entitlement(agreement: Agreement, released: dict[int, int] | None = None) -> PartnerAccess:
    """The agreement's entitlement, as partner_access builds it, for `today`
    (which may not be the real date: the demo can be loaded for any day)."""
    return PartnerAccess(
        agreement=agreement,
        category=agreement.organisation.category,
        districts=frozenset(d.id for d in agreement.districts),
        fields=agreement_fields(agreement.fields),
        released=released or {},
    )


def people(
    history: PartnerHistory,
    access: PartnerAccess,
    as_of: date | None = None,
    towns: tuple[str, ...] = (),
    also: list[int] | None = None,
) -> list[int]:
    """IDs the access rule admits now, in list order; with as_of, only those whose
    current answer was given by then (people who answered later were not on it); with
    towns, only there; with also, these IDs too (people who have left since)."""
    condition = partner_condition(access, current_app.config["CONSENT_RULE"])
    if as_of is not None:
        condition = and_(
            condition, or_(ConsentRecord.id.is_(None), ConsentRecord.decided_on <= as_of)
        )
    if towns:
        condition = and_(
            condition, Registrant.district_id.in_([history.districts[t].id for t in towns])
        )
    if also:
        condition = or_(condition, Registrant.id.in_(also))
    return _ids(history, condition, Registrant.district_id, Registrant.kana_key, Registrant.id)


def since_left(
    history: PartnerHistory, access: PartnerAccess, after: date, limit: int
) -> list[int]:
    """People of the agreement's districts the rule no longer admits who were surely on a
    list made on `after`: consenting people who have moved out, died or entered a
    facility, and people who withdrew since."""
    consented = register_sharing_allows(access.category, current_app.config["CONSENT_RULE"])
    left = or_(
        and_(Registrant.status != RegistrantStatus.ACTIVE, consented),
        and_(
            Registrant.status == RegistrantStatus.ACTIVE,
            Registrant.consent_state == ConsentState.WITHDRAWN,
            ConsentRecord.decided_on > after,
        ),
    )
    condition = and_(Registrant.district_id.in_(sorted(access.districts)), left)
    return _ids(history, condition, Registrant.id, limit=limit)


def _ids(
    history: PartnerHistory, condition: ColumnElement[bool], *order: Any, limit: int | None = None
) -> list[int]:
    """The IDs of registrants (with their register-sharing answer in force) that meet
    `condition`, in `order`."""
    query = (
        select(Registrant.id)
        .outerjoin(ConsentRecord, ConsentRecord.id == Registrant.current_consent_id)
        .where(condition)
        .order_by(*order)
        .limit(limit)
    )
    return list(history.session.scalars(query))


def add_copy(history: PartnerHistory, copy: Copy) -> Provision:
    """A ledger row with its people, numbered after the agreement's earlier copies."""
    agreement = copy.agreement
    number = history.copy_numbers.get(agreement.id, 0) + 1
    history.copy_numbers[agreement.id] = number
    provision = Provision(
        organisation_id=agreement.organisation_id,
        agreement_id=agreement.id,
        release_id=copy.release.id if copy.release else None,
        user_id=copy.user.id,
        created_at=copy.at or history.moment(copy.made_on),
        format=copy.format,
        copy_no=number,
        count=len(copy.ids),
    )
    if copy.disposed is not None:
        provision.disposed_on, provision.disposal_method, provision.confirmed_by = copy.disposed
        provision.disposal_recorded_by_id = history.staff.id
        provision.disposal_note = copy.note
    _add_items(history, provision, copy.ids)
    return provision


def _add_items(history: PartnerHistory, provision: Provision, ids: list[int]) -> None:
    """Store the ledger row, then its people (one line each) in one bulk INSERT."""
    history.session.add(provision)
    history.session.flush()
    if ids:
        history.session.execute(
            insert(ProvisionItem),
            [
                {"provision_id": provision.id, "registrant_id": rid, "line": line}
                for line, rid in enumerate(ids, start=1)
            ],
        )
    history.counts["provisions"] += 1
    history.counts["provision_items"] += len(ids)
