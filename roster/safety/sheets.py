"""Paper check sheets of a safety operation: who is printed on them, and the copy it makes.

A sheet lists the operation's people in the order targets() gives (priority), restricted to
one district (a staff sheet) or to the people one partner organisation's rule gives it (an
organisation's sheet). The organisation's people come from the same entitlement its own
users get (roster.access.rule.read_partner_access), so staff print for it exactly the list
the rule lets it see, with the fields its agreement names, and never more.

An organisation's sheet is a numbered copy in the provision ledger (record_provision); a
district sheet is in the disclosure log. Each keeps its row numbers (SafetySheetLine), so the
results typed back from paper can name a person by row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select

from ..access.fetch import Person, people
from ..access.rule import Viewer, agreement_in_force, organisation_viewer
from ..disclosures import record_disclosure
from ..extensions import DbSession
from ..models import (
    District,
    Organisation,
    ProvisionFormat,
    Registrant,
    Role,
    SafetyOperation,
    SafetySheet,
    SafetySheetLine,
    SafetyStatus,
)
from ..partners.ledger import record_provision
from .operations import targets, targets_query


class SheetRefused(Exception):
    """No sheet is made this way (no one to print, no agreement, the operation ended); the
    message says why, for logs and tests."""


#: People on one printed A4 page (each takes two rows of the table).
ROWS_PER_PAGE = 6

#: The status boxes printed on a sheet, in the order of the entry screen's keys.
SHEET_STATUSES = (
    SafetyStatus.SAFE_HOME,
    SafetyStatus.EVACUATED,
    SafetyStatus.NEEDS_HELP,
    SafetyStatus.INJURED,
    SafetyStatus.UNREACHABLE,
)


# ---------------------------------------------------------------------------------------------
# What staff may choose.
# ---------------------------------------------------------------------------------------------


def sheet_districts(
    session: DbSession, viewer: Viewer, operation: SafetyOperation
) -> list[District]:
    """The districts where the operation has people the viewer may see (staff sheets)."""
    if viewer.role is not Role.STAFF:
        return []
    ids = targets_query(viewer, operation).with_only_columns(Registrant.district_id).distinct()
    query = select(District).where(District.id.in_(ids)).order_by(District.code, District.id)
    return list(session.scalars(query))


def sheet_organisations(session: DbSession, viewer: Viewer) -> list[Organisation]:
    """The organisations with an agreement in force today; a partner's own only."""
    if viewer.role is Role.PARTNER:
        return [viewer.access.agreement.organisation] if viewer.access else []
    everyone = session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id))
    return [o for o in everyone if agreement_in_force(session, o.id, viewer.today) is not None]


# ---------------------------------------------------------------------------------------------
# Making a sheet.
# ---------------------------------------------------------------------------------------------


def district_people(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, district_id: int
) -> list[Person]:
    """The operation's people in one district, in the order targets() gives."""
    return targets(session, viewer, operation, Registrant.district_id == district_id)


def make_district_sheet(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, district_id: int
) -> SafetySheet:
    """A staff sheet of one district, in the disclosure log."""
    _check_running(operation)
    if viewer.role is not Role.STAFF:
        raise SheetRefused("district sheets are made by staff")
    found = district_people(session, viewer, operation, district_id)
    if not found:
        raise SheetRefused("no one of the operation lives in this district")
    sheet = _new_sheet(session, viewer, operation, found, district_id=district_id)
    record_disclosure(
        session,
        viewer,
        "safety.sheet.print",
        found,
        detail={"operation": operation.id, "sheet": sheet.id, "district": district_id},
    )
    return sheet


def make_organisation_sheet(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, organisation_id: int
) -> SafetySheet:
    """An organisation's sheet: its rule's people, a numbered printed copy in the ledger.
    Staff make one for any organisation; a partner user for their own."""
    _check_running(operation)
    partner = _acting_for(session, viewer, organisation_id)
    if partner is None:
        raise SheetRefused("the organisation has no agreement in force")
    found = targets(session, partner, operation)
    if not found:
        raise SheetRefused("the organisation has no one in this operation")
    provision = record_provision(session, partner, ProvisionFormat.PRINT, found)
    return _new_sheet(
        session,
        viewer,
        operation,
        found,
        organisation_id=organisation_id,
        provision_id=provision.id,
    )


def _acting_for(session: DbSession, viewer: Viewer, organisation_id: int) -> Viewer | None:
    """The viewer whose rule an organisation's sheet is made under: the partner's own, or
    the organisation's entitlement for staff; None when there is none."""
    if viewer.role is Role.STAFF:
        return organisation_viewer(session, viewer, organisation_id)
    access = viewer.access if viewer.role is Role.PARTNER else None
    if access is None or access.agreement.organisation_id != organisation_id:
        return None
    return viewer


def _check_running(operation: SafetyOperation) -> None:
    if not operation.running:
        raise SheetRefused("the operation has ended")


def _new_sheet(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    found: Sequence[Person],
    **where: int | None,
) -> SafetySheet:
    sheet = SafetySheet(operation_id=operation.id, made_by_id=viewer.user.id, **where)
    session.add(sheet)
    session.flush()
    session.execute(
        insert(SafetySheetLine),
        [
            {"sheet_id": sheet.id, "line": line, "registrant_id": p.registrant_id}
            for line, p in enumerate(found, start=1)
        ],
    )
    return sheet


# ---------------------------------------------------------------------------------------------
# Reading a sheet back.
# ---------------------------------------------------------------------------------------------


def sheet_viewer(session: DbSession, viewer: Viewer, sheet: SafetySheet) -> Viewer | None:
    """Whose rule the sheet is shown under: the organisation's (None once its agreement is
    no longer in force) or the staff viewer's for a district sheet."""
    if sheet.organisation_id is None:
        return viewer if viewer.role is Role.STAFF else None
    return _acting_for(session, viewer, sheet.organisation_id)


def sheet_lines(session: DbSession, viewer: Viewer, sheet: SafetySheet) -> list[tuple[int, Person]]:
    """The sheet's (row, person) pairs the viewer's rule still admits in the operation."""
    by_line = {line.registrant_id: line.line for line in sheet.lines}
    if not by_line:
        return []
    query = targets_query(viewer, sheet.operation).where(Registrant.id.in_(sorted(by_line)))
    found = people(session, viewer, query)
    return sorted(((by_line[p.registrant_id], p) for p in found), key=lambda pair: pair[0])


def line_registrant(session: DbSession, sheet: SafetySheet, line: int) -> int | None:
    """The ID of the person printed on row `line` of the sheet, if there is such a row."""
    return session.scalar(
        select(SafetySheetLine.registrant_id).where(
            SafetySheetLine.sheet_id == sheet.id, SafetySheetLine.line == line
        )
    )


def pages(lines: Sequence[tuple[int, Person]]) -> list[list[tuple[int, Person]]]:
    """The rows cut into printed pages of ROWS_PER_PAGE."""
    return [list(lines[i : i + ROWS_PER_PAGE]) for i in range(0, len(lines), ROWS_PER_PAGE)]


def operation_sheets(
    session: DbSession, viewer: Viewer, operation: SafetyOperation
) -> list[SafetySheet]:
    """The operation's sheets, newest first: every one for staff, a partner's own only."""
    query = select(SafetySheet).where(SafetySheet.operation_id == operation.id)
    if viewer.role is not Role.STAFF:
        query = query.where(SafetySheet.made_by_id == viewer.user.id)
    return list(session.scalars(query.order_by(SafetySheet.id.desc())))


def may_open(viewer: Viewer, sheet: SafetySheet) -> bool:
    """Staff open every sheet; a partner user only the sheets they made."""
    return viewer.role is Role.STAFF or sheet.made_by_id == viewer.user.id


def resolve_number(
    session: DbSession, operation: SafetyOperation, sheet_id: int | None, number: int
) -> int | None:
    """The registrant ID a typed number names: a row of the chosen sheet of this operation,
    or else the register number itself. None for a row that is not on the sheet."""
    if sheet_id is None:
        return number
    sheet = session.get(SafetySheet, sheet_id)
    if sheet is None or sheet.operation_id != operation.id:
        return None
    return line_registrant(session, sheet, number)
