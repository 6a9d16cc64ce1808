"""Paper check sheets of an operation (staff): choose a district or an organisation, make
the sheet (a ledgered copy for an organisation, a disclosure for a district), print it.

Every person on a sheet comes through targets_query and roster.access.fetch, under the
staff viewer for a district and under the organisation's own entitlement for an
organisation (roster.access.rule.organisation_viewer).
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ...access.roles import has_role
from ...access.rule import Viewer
from ...decorators import require
from ...disclosures import record_disclosure
from ...extensions import db
from ...models import ReportMethod, Role, SafetyOperation, SafetySheet
from ...portal.notices import CONFIDENTIALITY_NOTICE, CopyMark
from ...viewer import current_viewer
from ...web import get_or_404
from ..paper_forms import SheetForm
from ..sheets import (
    SHEET_STATUSES,
    SheetRefused,
    make_district_sheet,
    make_organisation_sheet,
    may_open,
    operation_sheets,
    pages,
    sheet_districts,
    sheet_lines,
    sheet_organisations,
    sheet_viewer,
)
from .blueprint import bp

NOTHING_MADE = (
    "No sheet was made: there is no one to print for this choice, or the operation has ended."
)


def can_print_sheets(user: Any) -> bool:
    """Staff print sheets for a district or an organisation; a partner user for their own
    organisation (what its rule gives it, as in the portal)."""
    return has_role(user, Role.STAFF, Role.PARTNER)


def _sheet_form(viewer: Viewer, operation: SafetyOperation) -> SheetForm:
    form = SheetForm()
    districts = sheet_districts(db.session, viewer, operation)
    organisations = sheet_organisations(db.session, viewer)
    form.target.choices = [
        ("", _("Choose")),
        *((f"d{d.id}", _("District: %(name)s", name=d.name)) for d in districts),
        *((f"o{o.id}", _("Organisation: %(name)s", name=o.name)) for o in organisations),
    ]
    return form


@bp.route("/<id:operation_id>/sheets", methods=["GET", "POST"])
@require(can_print_sheets)
def sheets(operation_id: int) -> ResponseReturnValue:
    """Choose what to print, make the sheet, and open it for printing."""
    operation = get_or_404(SafetyOperation, operation_id)
    viewer = current_viewer()
    form = _sheet_form(viewer, operation)
    if form.validate_on_submit():
        try:
            sheet = _make(viewer, operation, form.target.data or "")
        except SheetRefused:
            form.target.errors = [_(NOTHING_MADE)]
        else:
            db.session.commit()
            return redirect(
                url_for("safety.sheet", operation_id=operation.id, sheet_id=sheet.id), 303
            )
    made = operation_sheets(db.session, viewer, operation)
    status = 422 if form.errors else 200
    return render_template("safety/sheets.html", operation=operation, form=form, made=made), status


def _make(viewer: Viewer, operation: SafetyOperation, target: str) -> SafetySheet:
    kind, number = target[:1], int(target[1:])
    if kind == "d":
        return make_district_sheet(db.session, viewer, operation, number)
    return make_organisation_sheet(db.session, viewer, operation, number)


@bp.get("/<id:operation_id>/sheets/<id:sheet_id>")
@require(can_print_sheets)
def sheet(operation_id: int, sheet_id: int) -> ResponseReturnValue:
    """A check sheet, A4 landscape: its people as the rule admits them now, logged as shown."""
    made = get_or_404(SafetySheet, sheet_id)
    if made.operation_id != operation_id or not may_open(current_viewer(), made):
        abort(404)
    viewer = sheet_viewer(db.session, current_viewer(), made)
    if viewer is None or (made.provision is not None and not made.provision.outstanding):
        return render_template("safety/sheets_gone.html", sheet=made), 410
    lines = sheet_lines(db.session, viewer, made)
    _log_view(viewer, made, lines)
    return render_template("safety/sheets_print.html", **_print_context(viewer, made, lines))


def _log_view(viewer: Viewer, made: SafetySheet, lines: list[Any]) -> None:
    record_disclosure(
        db.session,
        viewer,
        "safety.sheet.view",
        [person for _line, person in lines],
        detail={"operation": made.operation_id, "sheet": made.id},
    )
    db.session.commit()


def _print_context(viewer: Viewer, made: SafetySheet, lines: list[Any]) -> dict[str, Any]:
    cut = pages(lines)
    return {
        "operation": made.operation,
        "sheet": made,
        "title": made.for_name,
        "mark": CopyMark.of(made.provision) if made.provision else None,
        "pages": cut,
        "left": len(made.lines) - len(lines),
        "fields": viewer.fields,
        "notice": CONFIDENTIALITY_NOTICE,
        "statuses": SHEET_STATUSES,
        "methods": list(ReportMethod),
    }
