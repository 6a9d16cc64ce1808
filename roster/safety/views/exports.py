"""The statuses of an operation as a file (staff): a small form asks who the copy is for,
and its POST answers with the file. roster.safety.exports says how each copy is recorded."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from ...decorators import require
from ...exports import CSV_TYPE, XLSX_TYPE, download
from ...extensions import db
from ...models import ProvisionFormat, SafetyOperation
from ...viewer import current_viewer
from ...web import get_or_404
from ..exports import (
    INTERNAL_NAME,
    copy_viewer,
    csv_file,
    everyone,
    recipients,
    record_copy,
    rows,
    xlsx_file,
)
from ..permissions import can_run_safety
from ..staff_forms import INTERNAL, ExportForm
from .blueprint import bp


def _form(choices: list[tuple[str, str]]) -> ExportForm:
    form = ExportForm()
    form.destination.choices = [("", "—"), *choices]
    return form


def _export(operation_id: int, fmt: ProvisionFormat) -> ResponseReturnValue:
    operation = get_or_404(SafetyOperation, operation_id)
    found = recipients(db.session)
    by_key = {f"organisation-{o.id}": (o, a) for o, a in found}
    choices = [(key, o.name) for key, (o, _a) in by_key.items()]
    choices.append((INTERNAL, str(INTERNAL_NAME)))
    form = _form(choices)
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template(
            "safety/export.html", form=form, operation=operation, fmt=fmt.value
        ), status
    recipient = by_key.get(form.destination.data or "")
    viewer = copy_viewer(db.session, current_viewer(), recipient)
    people = everyone(db.session, viewer, operation)
    copy = record_copy(db.session, viewer, operation, fmt, people, recipient)
    # The note is free text that may hold medical facts: internal copies only.
    body = rows(db.session, operation, people, with_note=recipient is None)
    # The copy is in the trail (and the ledger): commit before the file is built.
    db.session.commit()
    data = csv_file(copy, body) if fmt is ProvisionFormat.CSV else xlsx_file(copy, body)
    content_type = CSV_TYPE if fmt is ProvisionFormat.CSV else XLSX_TYPE
    name = f"safety-{operation.id}-{copy.made_at:%Y%m%d%H%M}.{fmt.value}"
    return download(data, name, content_type)


@bp.route("/<id:operation_id>/export.csv", methods=["GET", "POST"])
@require(can_run_safety)
def export_csv(operation_id: int) -> ResponseReturnValue:
    """Every person of the operation and their status, as CSV, for the copy's recipient."""
    return _export(operation_id, ProvisionFormat.CSV)


@bp.route("/<id:operation_id>/export.xlsx", methods=["GET", "POST"])
@require(can_run_safety)
def export_xlsx(operation_id: int) -> ResponseReturnValue:
    """The same as an Excel workbook."""
    return _export(operation_id, ProvisionFormat.XLSX)
