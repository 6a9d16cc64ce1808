"""The statuses of an operation as CSV or XLSX, for the fire service, the police or the
municipality's own 被災者台帳 (disaster victims' ledger, art. 90-3).

Who a copy is for decides how it is recorded:

- an organisation of the fire service or the police with an agreement in force: the copy is
  a row of its provision ledger (提供台帳), numbered under that agreement, with the people on
  it, as a partner's own copies are (roster.partners.ledger), so staff can ask for it back;
- the internal 被災者台帳: the copy stays in the municipality; there is no partner and no
  agreement to number it under, so it is recorded in the audit trail only.

A copy for an organisation holds exactly the people and fields that organisation's agreement
entitles it to (roster.access.rule.organisation_viewer), as its check sheet does, and no
notes; the internal copy holds everyone in the operation, with the notes.

Either way the people are logged with record_disclosure (action safety.export), every text
cell goes through spreadsheet_safe, and the file opens with the copy's mark and the
confidentiality notice of art. 49-13, as the partners' exports do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlalchemy import insert, select
from werkzeug.exceptions import NotFound

from ..access.fetch import Person
from ..access.rule import Viewer, agreement_in_force, organisation_viewer
from ..disclosures import record_disclosure
from ..exports import spreadsheet_safe
from ..extensions import DbSession
from ..i18n import local_today, show_datetime
from ..labels import label
from ..models import (
    OperationKind,
    Organisation,
    PartnerCategory,
    Provision,
    ProvisionFormat,
    ProvisionItem,
    SafetyOperation,
    SafetyReport,
    SafetyStatus,
    Shelter,
)
from ..models.base import utcnow
from ..partners.ledger import next_copy_no
from ..portal.notices import CONFIDENTIALITY_NOTICE
from .lists import latest_of, organisation_names
from .operations import targets

#: Organisations a copy may go to besides the 被災者台帳.
RECIPIENTS = (PartnerCategory.FIRE, PartnerCategory.POLICE)

INTERNAL_NAME = _l("Disaster victims' ledger (internal)")

HEADER = (
    _l("Register number"),
    _l("Name"),
    _l("Address"),
    _l("District"),
    _l("Status"),
    _l("Evacuated to"),
    _l("Method"),
    _l("Reported by"),
    _l("Time"),
    _l("Note"),
)


@dataclass(frozen=True)
class Copy:
    """Who the copy is for and how it was recorded: the ledger row, or None (internal)."""

    recipient: str
    user: str
    made_at: datetime
    provision: Provision | None = None
    #: A copy of a drill's statuses: its first row says 訓練 before anything else.
    drill: bool = False

    def line(self) -> str:
        """The copy's mark, the first row of the file."""
        parts = [self.recipient, self.user, _("made %(time)s", time=show_datetime(self.made_at))]
        if self.drill:
            parts.insert(0, _("[Drill]"))
        if self.provision is not None:
            parts.append(_("Copy no. %(n)d", n=self.provision.copy_no))
        return " · ".join(parts)


def recipients(session: DbSession) -> list[tuple[Organisation, int]]:
    """Fire and police organisations with an agreement in force today, with its ID."""
    today = local_today()
    found = []
    query = select(Organisation).where(Organisation.category.in_(RECIPIENTS))
    for organisation in session.scalars(query.order_by(Organisation.name)):
        agreement = agreement_in_force(session, organisation.id, today)
        if agreement is not None:
            found.append((organisation, agreement.id))
    return found


def record_copy(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    fmt: ProvisionFormat,
    people: Sequence[Person],
    recipient: tuple[Organisation, int] | None,
) -> Copy:
    """Record the copy (ledger row for an organisation) and log its people."""
    provision = None
    if recipient is not None:
        provision = _ledger_row(session, viewer, operation, fmt, people, recipient)
    detail: dict[str, Any] = {"operation": operation.id, "format": fmt.value, "count": len(people)}
    if provision is not None:
        detail |= {"organisation": provision.organisation_id, "provision": provision.id}
    else:
        detail["destination"] = "internal"
    record_disclosure(session, viewer, "safety.export", people, detail=detail)
    name = recipient[0].name if recipient is not None else str(INTERNAL_NAME)
    drill = operation.kind is OperationKind.DRILL
    return Copy(name, viewer.user.display_name, utcnow(), provision, drill=drill)


def _ledger_row(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    fmt: ProvisionFormat,
    people: Sequence[Person],
    recipient: tuple[Organisation, int],
) -> Provision:
    organisation, agreement_id = recipient
    release = operation.release
    provision = Provision(
        organisation_id=organisation.id,
        agreement_id=agreement_id,
        # The release in force when the copy is made, as the partners' copies record it.
        release_id=release.id if release is not None and release.running(utcnow()) else None,
        user_id=viewer.user.id,
        format=fmt,
        copy_no=next_copy_no(session, agreement_id),
        count=len(people),
    )
    session.add(provision)
    session.flush()
    if people:
        session.execute(
            insert(ProvisionItem),
            [
                {"provision_id": provision.id, "registrant_id": p.registrant_id, "line": line}
                for line, p in enumerate(people, start=1)
            ],
        )
    return provision


def copy_viewer(
    session: DbSession, viewer: Viewer, recipient: tuple[Organisation, int] | None
) -> Viewer:
    """Whose rule the copy is made under: for the fire service or the police, that
    organisation's agreement -- the people and fields it is entitled to, as on its check
    sheet -- never the staff member's own view; internal copies, the staff member's."""
    if recipient is None:
        return viewer
    entitled = organisation_viewer(session, viewer, recipient[0].id)
    if entitled is None:  # its agreement ended between the form and the copy
        raise NotFound()
    return entitled


def everyone(session: DbSession, viewer: Viewer, operation: SafetyOperation) -> list[Person]:
    """Every person of the operation the viewer may see, in district and reading order."""
    return targets(session, viewer, operation)


def rows(
    session: DbSession, operation: SafetyOperation, people: Sequence[Person], with_note: bool
) -> list[list[Any]]:
    """One row per person: the HEADER's columns, statuses and places in words."""
    reports = latest_of(session, operation, [p.registrant_id for p in people])
    organisations = organisation_names(session, list(reports.values()))
    shelters = _shelter_names(session, reports.values())
    return [
        _row(p, reports.get(p.registrant_id), organisations, shelters, with_note) for p in people
    ]


def _shelter_names(session: DbSession, reports: Any) -> dict[int, str]:
    ids = {r.shelter_id for r in reports if r.shelter_id}
    if not ids:
        return {}
    query = select(Shelter.id, Shelter.name).where(Shelter.id.in_(ids))
    return dict(session.execute(query).all())


def _row(
    person: Person,
    report: SafetyReport | None,
    organisations: dict[int, str],
    shelters: dict[int, str],
    with_note: bool,
) -> list[Any]:
    base = [
        person.registrant_id,
        person.get("name", ""),
        person.get("address", ""),
        (person.get("district") or {}).get("name", ""),
    ]
    if report is None:
        return [*base, label(SafetyStatus.UNCONFIRMED), "", "", "", "", ""]
    place = label(report.evacuated_to) if report.evacuated_to else ""
    if report.shelter_id in shelters:
        place = f"{place}（{shelters[report.shelter_id]}）"
    reporter = organisations.get(report.organisation_id or 0) or _("Municipal staff")
    return [
        *base,
        label(report.status),
        place,
        label(report.method),
        reporter,
        show_datetime(report.reported_at),
        report.note if with_note else "",
    ]


def csv_file(copy: Copy, body: list[list[Any]]) -> bytes:
    """UTF-8 with a BOM (Excel in Japan reads it), CRLF; the mark and notice first."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(copy.line())])
    writer.writerow([spreadsheet_safe(CONFIDENTIALITY_NOTICE)])
    writer.writerow([spreadsheet_safe(h) for h in HEADER])
    for values in body:
        writer.writerow([_csv_cell(v) for v in values])
    return out.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return spreadsheet_safe(value)


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", spreadsheet_safe(value))


def xlsx_file(copy: Copy, body: list[list[Any]]) -> bytes:
    """One sheet: the mark (bold), the notice, the header (bold, frozen), the rows; text
    cells are stored as text, never as formulas."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("Safety confirmation")[:31]
    head = [str(h) for h in HEADER]
    lines: list[list[Any]] = [[copy.line()], [str(CONFIDENTIALITY_NOTICE)], head]
    for row_no, values in enumerate([*lines, *body], start=1):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row_no, column=col, value=_xlsx_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for row_no in (1, 3):
        for cell in ws[row_no]:
            cell.font = Font(bold=True)
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
