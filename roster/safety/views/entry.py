"""Typing results back from the paper sheets (staff), at keyboard speed: number, the name
shows for checking, a status key, a method key, a note, Enter; the cursor is back in the
number box and the last entries are listed below.

A number that names no one in the operation, and a person the staff viewer may not see
there, get the same one-sentence answer and the same 404 (record_report refuses both as a
missing ID).
"""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ...access.fetch import people, refuse
from ...access.roles import has_role
from ...access.rule import Viewer
from ...decorators import require
from ...disclosures import record_disclosure
from ...extensions import db
from ...labels import label
from ...models import (
    EvacuationPlace,
    Finding,
    Registrant,
    ReportMethod,
    Role,
    SafetyOperation,
    SafetyReport,
    SafetyStatus,
    Shelter,
)
from ...numbers import bounded_int
from ...viewer import current_viewer
from ...web import arg_int, get_or_404
from ..arrivals import recent_reports
from ..operations import ReportEntry, SafetyRefused, record_report, targets_query
from ..paper_forms import ENTRY_STATUSES, METHOD_KEYS, EntryForm
from ..sheets import operation_sheets, resolve_number
from .blueprint import bp

#: How many of the user's last entries the screen lists.
RECENT = 12
NO_ONE = "No one in this operation has this number. Check it and type it again."


def can_enter_results(user: Any) -> bool:
    """Results from paper are typed in by staff."""
    return has_role(user, Role.STAFF)


def _form(operation: SafetyOperation) -> EntryForm:
    sheets = [
        (str(s.id), _("Sheet no. %(n)d", n=s.id) + " " + s.for_name)
        for s in operation_sheets(db.session, current_viewer(), operation)
    ]
    shelters = list(db.session.scalars(select(Shelter).order_by(Shelter.name_kana, Shelter.id)))
    form = EntryForm(sheets=sheets, shelters=shelters)
    if request.method == "GET" and request.args.get("sheet") in {k for k, _v in sheets}:
        form.sheet.data = request.args["sheet"]
    return form


@bp.route("/<id:operation_id>/entry", methods=["GET", "POST"])
@require(can_enter_results)
def entry(operation_id: int) -> ResponseReturnValue:
    """One result after another from the sheets; nothing is pre-selected for the status."""
    operation = get_or_404(SafetyOperation, operation_id)
    viewer = current_viewer()
    form = _form(operation)
    status = 200
    if form.validate_on_submit():
        status = _record(viewer, operation, form)
        if status == 303:
            return redirect(
                url_for("safety.entry", operation_id=operation.id, sheet=form.sheet.data or None),
                303,
            )
    elif form.errors:
        status = 422
    recent = _recent(viewer, operation)
    return render_template(
        "safety/entry.html",
        operation=operation,
        form=form,
        recent=recent,
        status_keys=list(enumerate(ENTRY_STATUSES, start=1)),
        method_keys=METHOD_KEYS,
    ), status


def _record(viewer: Viewer, operation: SafetyOperation, form: EntryForm) -> int:
    """Record the form's report; 303 when stored, else the status of the form's answer."""
    sheet_id = bounded_int(form.sheet.data or None, 1)
    registrant_id = resolve_number(db.session, operation, sheet_id, int(form.number.data or 0))
    try:
        if registrant_id is None:
            raise NotFound()
        record_report(db.session, viewer, operation, registrant_id, _entry(form))
    except NotFound:
        form.number.errors = [_(NO_ONE)]
        return 404
    except SafetyRefused as exc:
        return _refused(form, exc)
    db.session.commit()
    flash(
        _(
            "Recorded: register no. %(id)d, %(status)s.",
            id=registrant_id,
            status=label(SafetyStatus(form.status.data)),
        ),
        "info",
    )
    return 303


def _refused(form: EntryForm, exc: SafetyRefused) -> int:
    """A refused result: a finding that cannot be taken is the form's mistake (422); anything
    else means the operation has ended (409)."""
    if exc.code in FINDING_REFUSALS:
        form.note.errors = [str(exc)]
        return 422
    form.number.errors = [_("The operation has ended and takes no more results.")]
    return 409


#: Refusals of a result's findings (roster.safety.operations.REFUSALS).
FINDING_REFUSALS = frozenset({"findings_drill_only", "other_finding_needs_note"})


def _findings() -> tuple[Finding, ...]:
    """The findings ticked on the form (a drill's entry screen offers them); unknown values
    are dropped, as the form never offers them."""
    known = {f.value for f in Finding}
    return tuple(Finding(v) for v in dict.fromkeys(request.form.getlist("findings")) if v in known)


def _entry(form: EntryForm) -> ReportEntry:
    place = EvacuationPlace(form.place.data) if form.place.data else None
    return ReportEntry(
        status=SafetyStatus(form.status.data),
        method=ReportMethod(form.method.data),
        note=form.note.data or "",
        evacuated_to=place,
        shelter_id=int(form.shelter.data) if form.shelter.data else None,
        client_id=None,
        findings=_findings(),
    )


def _recent(viewer: Viewer, operation: SafetyOperation) -> list[tuple[SafetyReport, Any]]:
    """The user's last entries in the operation, with their people, logged as shown."""
    query = select(SafetyReport).where(
        SafetyReport.operation_id == operation.id,
        SafetyReport.reported_by_id == current_user.id,
    )
    recent = recent_reports(db.session, viewer, operation, query, RECENT)
    if recent:
        record_disclosure(
            db.session,
            viewer,
            "safety.entry.list",
            [p for _r, p in recent],
            detail={"operation": operation.id},
        )
        db.session.commit()
    return recent


@bp.get("/<id:operation_id>/entry/person")
@require(can_enter_results)
def entry_person(operation_id: int) -> ResponseReturnValue:
    """The person a typed number names, for checking against the paper (JSON)."""
    operation = get_or_404(SafetyOperation, operation_id)
    viewer = current_viewer()
    number = arg_int("number")
    sheet_id = arg_int("sheet")
    registrant_id = (
        None if number is None else resolve_number(db.session, operation, sheet_id, number)
    )
    try:
        found = _one(viewer, operation, registrant_id)
    except NotFound:
        return jsonify(error=_(NO_ONE)), 404
    record_disclosure(
        db.session,
        viewer,
        "safety.entry.lookup",
        [found],
        object_id=found.registrant_id,
        detail={"operation": operation.id},
    )
    db.session.commit()
    return jsonify(
        id=found.id,
        name=found.get("name"),
        name_kana=found.get("name_kana"),
        district=found["district"]["name"],
        status=label(_current(operation, found.registrant_id)),
    )


def _one(viewer: Viewer, operation: SafetyOperation, registrant_id: int | None) -> Any:
    if registrant_id is None:
        raise NotFound()
    query = targets_query(viewer, operation).where(Registrant.id == registrant_id)
    found = people(db.session, viewer, query)
    if not found:
        refuse(db.session, viewer, registrant_id, "safety.denied")
    return found[0]


def _current(operation: SafetyOperation, registrant_id: int) -> SafetyStatus:
    status = db.session.scalar(
        select(SafetyReport.status)
        .where(
            SafetyReport.operation_id == operation.id, SafetyReport.registrant_id == registrant_id
        )
        .order_by(SafetyReport.id.desc())
        .limit(1)
    )
    return status or SafetyStatus.UNCONFIRMED
