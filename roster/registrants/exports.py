"""Staff's own copy of the register list (49-11(1): internal use), as CSV or XLSX.

The copy is the list as staff filtered it, loaded through roster.access.fetch and written
by the partner export pipeline (roster.portal.exports: the same formula-safe cells), with a
取扱注意 notice and a mark naming who made it, when, why, and its number. Each copy is one
audit event; its number is the count of such events, taken under the audit chain's lock so
two copies made at once never share a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..access.fetch import Person, people
from ..access.rule import Viewer, visible_registrants
from ..audit.operations import _locked_head
from ..disclosures import record_disclosure
from ..extensions import DbSession
from ..labels import FIELD_LABELS, NEED_LABELS, label, need_label
from ..models import (
    AuditEvent,
    ConsentState,
    District,
    LocationPrecision,
    ProvisionFormat,
    Registrant,
    RegistrantStatus,
)
from ..models.base import utcnow
from ..portal.columns import Column, columns_for
from ..portal.exports import csv_copy, xlsx_copy
from ..portal.notices import CopyMark
from .queries import RegisterFilter, conditions, order_by

#: The audit action of a staff copy; its events number the copies.
EXPORT_ACTION = "registrant.export"

#: Why staff take a copy, as the form offers it; the code is what the audit trail keeps.
PURPOSES: dict[str, Any] = {
    "evacuation_support": _l("Preparing evacuation support"),
    "plans": _l("Making individual evacuation plans"),
    "consent": _l("Asking for or confirming consent"),
    "drill": _l("A disaster drill"),
    "safety": _l("Safety confirmation in a disaster"),
    "report": _l("Counts and reports"),
}

#: A copy holds at most this many people; past it, staff narrow the list (by district).
EXPORT_LIMIT = 30_000

SHORT_HANDLE_WITH_CARE = _l(
    "Handle with care (取扱注意): internal use only; do not pass on or copy; delete when done."
)


def _value(key: str) -> Any:
    return lambda view: label(view.get(key))


def _precision(view: dict[str, Any]) -> str:
    """How the person was placed, as the person page says it (町丁目の代表点 …)."""
    return "" if view.get("latitude") is None else label(view.get("location_precision"))


#: What staff see beyond the partner columns: the resident ID first, the register's own
#: state last. Headings are the person page's (FIELD_LABELS).
LEADING = (Column("resident_no", FIELD_LABELS["resident_no"], _value("resident_no")),)
TRAILING = (
    Column("postal_code", FIELD_LABELS["postal_code"], _value("postal_code")),
    Column("preferred_language", FIELD_LABELS["preferred_language"], _value("preferred_language")),
    Column("consent_state", FIELD_LABELS["consent_state"], _value("consent_state")),
    Column("status", FIELD_LABELS["status"], _value("status")),
    Column("source", FIELD_LABELS["source"], _value("source")),
    Column(
        "last_verified_on",
        FIELD_LABELS["last_verified_on"],
        lambda v: v["last_verified_on"].isoformat() if v.get("last_verified_on") else "",
    ),
)
#: The partner column that says only 概略/正確: staff get the precision the page shows.
PRECISION = Column("location_approximate", FIELD_LABELS["location_precision"], _precision)


def _as_on_the_page(column: Column) -> Column:
    """A partner column with the person page's heading (and, for the place, its wording)."""
    if column.key == PRECISION.key:
        return PRECISION
    heading = FIELD_LABELS.get(column.key)
    return column if heading is None else Column(column.key, heading, column.value)


def staff_columns(fields: frozenset[str]) -> list[Column]:
    """Every column the viewer's fields allow, headed as the person page heads its rows,
    with labels: never a code."""
    return [
        *(c for c in LEADING if c.key in fields),
        *(_as_on_the_page(c) for c in columns_for(fields)),
        *(c for c in TRAILING if c.key in fields),
    ]


def count_list(session: DbSession, viewer: Viewer, flt: RegisterFilter) -> int:
    """How many people the filtered list holds."""
    where = conditions(viewer, flt)
    return session.scalar(select(func.count()).select_from(Registrant).where(*where)) or 0


def list_people(session: DbSession, viewer: Viewer, flt: RegisterFilter) -> list[Person]:
    """Everyone on the filtered list, in the list's order, projected for the viewer."""
    query = visible_registrants(viewer).where(*conditions(viewer, flt))
    return people(session, viewer, query.order_by(*order_by(viewer, flt)))


@dataclass(frozen=True)
class StaffCopy:
    mark: CopyMark
    purpose: str
    #: The list's filters in words (filter_words), so the copy says which list it is.
    filters: str = ""

    @property
    def notice(self) -> str:
        """The 取扱注意 line under the mark, naming the purpose and the list's filters."""
        text = _(
            "Handle with care (取扱注意): personal data from the register of people who need "
            "help to evacuate, for use inside the municipality only. Purpose: %(purpose)s. "
            "Do not pass it on or copy it; delete it when the purpose is done.",
            purpose=PURPOSES[self.purpose],
        )
        if self.filters:
            text += " " + _("The list: %(filters)s.", filters=self.filters)
        return text


def filter_words(session: DbSession, flt: RegisterFilter) -> str:
    """The list's filters as the list's form names them: 地区：緑町、同意：同意 …"""
    parts = []
    if flt.q:
        parts.append(_("Search: %(q)s", q=flt.q))
    if flt.district_id and (district := session.get(District, flt.district_id)) is not None:
        parts.append(f"{FIELD_LABELS['district']}：{district.name}")
    if flt.consent in set(ConsentState):
        parts.append(f"{FIELD_LABELS['consent_state']}：{label(ConsentState(flt.consent))}")
    if flt.need in NEED_LABELS:
        parts.append(_("Need: %(need)s", need=need_label(flt.need)))
    if flt.precision in set(LocationPrecision):
        precision = label(LocationPrecision(flt.precision))
        parts.append(f"{FIELD_LABELS['location_precision']}：{precision}")
    if flt.due:
        parts.append(_("Due for review only"))
    status = _("All") if flt.status == "all" else None
    if flt.status in set(RegistrantStatus):
        status = label(RegistrantStatus(flt.status))
    if status:
        parts.append(f"{FIELD_LABELS['status']}：{status}")
    return "、".join(parts)


def next_export_no(session: DbSession) -> int:
    """The number of the next staff copy. The audit chain's head is locked first (it stays
    locked until the commit), so no other copy can be numbered in between."""
    _locked_head(session)
    done = session.scalar(
        select(func.count(AuditEvent.seq)).where(AuditEvent.action == EXPORT_ACTION)
    )
    return (done or 0) + 1


def record_export(
    session: DbSession,
    viewer: Viewer,
    fmt: ProvisionFormat,
    purpose: str,
    found: Sequence[Person],
    city: str,
    filters: str = "",
) -> StaffCopy:
    """Number the copy and audit it: who, why, which format, and the people in it."""
    number = next_export_no(session)
    record_disclosure(
        session,
        viewer,
        EXPORT_ACTION,
        found,
        detail={"export_no": number, "format": fmt.value, "purpose": purpose, "count": len(found)},
    )
    organisation = _("%(city)s, internal use", city=city)
    mark = CopyMark(organisation, viewer.user.display_name, utcnow(), number)
    return StaffCopy(mark, purpose, filters)


def export_file(
    copy: StaffCopy, fmt: ProvisionFormat, fields: frozenset[str], found: Sequence[Person]
) -> bytes:
    """The copy as bytes: the mark, the 取扱注意 notice, the labels, one row per person."""
    columns = staff_columns(fields)
    lines = list(enumerate(found, start=1))
    if fmt is ProvisionFormat.CSV:
        return csv_copy(copy.mark, columns, lines, notice=copy.notice)
    return xlsx_copy(
        copy.mark, columns, lines, notice=copy.notice, short_notice=str(SHORT_HANDLE_WITH_CARE)
    )
