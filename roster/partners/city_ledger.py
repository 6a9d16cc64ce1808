"""The city-wide provision ledger (提供台帳): every copy handed to any organisation, filtered
by organisation, format, agreement ended and outstanding, a page at a time, and as CSV.

The ledger holds no registrant data (a copy's people are behind its own page), so reading it
is audited only when it leaves as a file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from ..exports import spreadsheet_safe
from ..extensions import DbSession
from ..i18n import show_date, show_datetime
from ..labels import label
from ..models import Agreement, AgreementStatus, Provision, ProvisionFormat
from ..numbers import bounded_int
from .ledger import ENDED_STATUSES, must_come_back


@dataclass(frozen=True)
class LedgerFilter:
    """What the ledger page was asked for; unknown values are ignored."""

    organisation_id: int | None = None
    format: ProvisionFormat | None = None
    #: Only copies made under an agreement that has ended, expired or is suspended.
    ended: bool = False
    #: Only copies not yet returned or destroyed.
    outstanding: bool = False

    @classmethod
    def of(cls, args: Mapping[str, str]) -> LedgerFilter:
        fmt = args.get("format", "")
        return cls(
            organisation_id=bounded_int(args.get("organisation")),
            format=ProvisionFormat(fmt) if fmt in set(ProvisionFormat) else None,
            ended=args.get("ended") == "1",
            outstanding=args.get("outstanding") == "1",
        )

    def args(self) -> dict[str, Any]:
        """The filter as query arguments, for the pager and the CSV link."""
        chosen = {
            "organisation": self.organisation_id,
            "format": self.format.value if self.format else None,
            "ended": "1" if self.ended else None,
            "outstanding": "1" if self.outstanding else None,
        }
        return {k: v for k, v in chosen.items() if v}


def agreement_ended(today: date) -> ColumnElement[bool]:
    """Agreement.effective_status(today) in ENDED_STATUSES, as SQL: an active agreement past
    its end date has expired."""
    return or_(
        Agreement.status.in_(sorted(ENDED_STATUSES)),
        and_(Agreement.status == AgreementStatus.ACTIVE, Agreement.ends_on < today),
    )


def _conditions(flt: LedgerFilter, today: date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if flt.organisation_id:
        where.append(Provision.organisation_id == flt.organisation_id)
    if flt.format is not None:
        where.append(Provision.format == flt.format)
    if flt.ended:
        where.append(agreement_ended(today))
    if flt.outstanding:
        where.append(Provision.disposed_on.is_(None))
    return where


def _copies(flt: LedgerFilter, today: date) -> Select[Provision]:
    """The filtered copies, newest first, with what the page shows loaded."""
    return (
        select(Provision)
        .join(Provision.agreement)
        .where(*_conditions(flt, today))
        .options(
            selectinload(Provision.organisation),
            selectinload(Provision.agreement),
            selectinload(Provision.user),
            selectinload(Provision.release),
        )
        .order_by(Provision.created_at.desc(), Provision.id.desc())
    )


def count_copies(session: DbSession, flt: LedgerFilter, today: date) -> int:
    query = select(func.count(Provision.id)).join(Provision.agreement)
    return session.scalar(query.where(*_conditions(flt, today))) or 0


def copies_page(
    session: DbSession, flt: LedgerFilter, today: date, page: int, per_page: int
) -> list[Provision]:
    """One page of the filtered copies."""
    query = _copies(flt, today).limit(per_page).offset((page - 1) * per_page)
    return list(session.scalars(query))


def all_copies(session: DbSession, flt: LedgerFilter, today: date) -> list[Provision]:
    """Every filtered copy, for the CSV."""
    return list(session.scalars(_copies(flt, today)))


def state_label(copy: Provision, today: date) -> str:
    """Out, must come back, or back: in words."""
    if not copy.outstanding:
        return _("Returned or destroyed")
    return _("Must be returned or destroyed") if must_come_back(copy, today) else _("Out")


def csv_ledger(copies: Iterable[Provision], today: date) -> bytes:
    """The ledger as CSV (UTF-8 with a BOM, CRLF), every cell formula-safe."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(h) for h in _header()])
    for copy in copies:
        writer.writerow([spreadsheet_safe(v) for v in _row(copy, today)])
    return out.getvalue().encode("utf-8")


def _header() -> list[str]:
    return [
        _("Organisation"), _("Agreement"), _("Copy"), _("Format"), _("Made"), _("By"),
        _("People"), _("Disaster release"), _("State"), _("Returned or destroyed on"),
        _("How"), _("Confirmed by"),
    ]  # fmt: skip


def _row(copy: Provision, today: date) -> list[Any]:
    return [
        copy.organisation.name,
        copy.agreement.title,
        copy.copy_no,
        label(copy.format),
        show_datetime(copy.created_at),
        copy.user.display_name,
        copy.count,
        copy.release.name if copy.release else "",
        state_label(copy, today),
        show_date(copy.disposed_on) if copy.disposed_on else "",
        label(copy.disposal_method) if copy.disposal_method else "",
        copy.confirmed_by or "",
    ]
