"""A partner's numbered copy after it is made: the same copy again instead of a second one
when the button is pressed twice, its file (CSV or XLSX) built from the people recorded on it,
and the names the file is saved under.

People come through roster.access.fetch (visible_among), so a file downloaded again holds
only those of the copy the rule still admits, with the agreement's fields as they are now.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access.fetch import Person
from ..exports import CSV_TYPE, XLSX_TYPE
from ..extensions import DbSession
from ..models import Provision, ProvisionFormat
from ..models.base import utcnow
from .columns import columns_for
from .exports import csv_copy, xlsx_copy
from .notices import CopyMark
from .queries import LIST_FORMATS

#: A second confirm within this time that would hold the same people lands on the first copy.
SAME_COPY_WITHIN = timedelta(minutes=2)

#: Formats of the list that are files to download (a print is a page).
FILE_FORMATS = (ProvisionFormat.CSV, ProvisionFormat.XLSX)


def recent_same_copy(
    session: DbSession, user: Any, agreement_id: int, fmt: ProvisionFormat, people: Sequence[Person]
) -> Provision | None:
    """The user's copy of this format made in the last two minutes under this agreement,
    still held, holding exactly `people` in the same order; None if there is none."""
    query = (
        select(Provision)
        .where(
            Provision.user_id == user.id,
            Provision.agreement_id == agreement_id,
            Provision.format == fmt,
            Provision.created_at >= utcnow() - SAME_COPY_WITHIN,
            Provision.disposed_on.is_(None),
        )
        .order_by(Provision.created_at.desc(), Provision.id.desc())
        .limit(1)
        .options(selectinload(Provision.items))
    )
    copy = session.scalar(query)
    if copy is None:
        return None
    wanted = [p.registrant_id for p in people]
    return copy if [i.registrant_id for i in copy.items] == wanted else None


def own_copy(session: DbSession, user: Any, provision_id: int) -> Provision | None:
    """A copy of the list (print, CSV or XLSX) made by this user; anyone else's is not found."""
    query = (
        select(Provision)
        .where(
            Provision.id == provision_id,
            Provision.user_id == user.id,
            Provision.format.in_(LIST_FORMATS),
        )
        .options(selectinload(Provision.items))
    )
    return session.scalar(query)


def copy_file(
    copy: Provision, fields: frozenset[str], lines: list[tuple[int, Person]]
) -> tuple[bytes, str]:
    """The copy's file (its content and content type): the watermark, the notice, and the
    people with the line numbers recorded on the copy."""
    columns = columns_for(fields)
    mark = CopyMark.of(copy)
    if copy.format is ProvisionFormat.CSV:
        return csv_copy(mark, columns, lines), CSV_TYPE
    return xlsx_copy(mark, columns, lines), XLSX_TYPE


def file_names(copy: Provision) -> tuple[str, str]:
    """The name to save the file under, in the partner's language (担当名簿_2026-12-06_第8部.csv),
    and an ASCII name for clients that cannot take it (roster_2026-12-06_copy8.csv)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    made = copy.created_at.astimezone(zone).date().isoformat()
    ext = copy.format.value
    name = _("My list_%(date)s_%(copy)s", date=made, copy=CopyMark.of(copy).copy_label)
    return f"{name}.{ext}", f"roster_{made}_copy{copy.copy_no}.{ext}"
