"""The safety-confirmation API: the caller's operations, their people in one, and reports.

People come from roster.safety.operations.targets_query (the access rule and the area),
through roster.access.fetch, and every list is logged with record_disclosure. A person the
caller may not see, or who is not in the operation, is the same 404 as an unknown ID.

Reports are POSTed with a session cookie (then the X-CSRFToken header is required) or with a
partner's bearer token (no cookie is involved, so no CSRF token either). The note may hold
medical facts: it is never logged.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..access.projection import to_json
from ..access.roles import can_view_register
from ..access.rule import Viewer
from ..audit.operations import record_event
from ..audit.refusals import mark_csrf_refusal
from ..disclosures import record_disclosure
from ..drills.scenarios import scenario_names
from ..extensions import db
from ..labels import label
from ..models import Role, SafetyOperation, SafetyReport, SafetyStatus
from ..safety.operations import SafetyRefused, record_report
from ..safety.participation import (
    PeoplePage,
    Taking,
    latest_for,
    operation_taken_part,
    operations_taken_part,
    people_page,
)
from ..security import csrf
from ..viewer import current_viewer
from .blueprint import bp, error, paging, paging_error
from .report_input import BadReport, ReportRequest, read_report

NOT_FOUND = "not found"


def operation_json(share: Taking, scenario: str | None = None) -> dict[str, Any]:
    op = share.operation
    return {
        "id": op.id,
        "name": op.name,
        "disaster": op.disaster,
        "drill": share.drill,
        "scenario": scenario,
        "started_at": to_json(op.started_at),
        "ended_at": to_json(op.ended_at),
        "running": op.running,
        "people": share.people,
        "unconfirmed": share.unconfirmed,
    }


@bp.get("/safety/operations")
def safety_operations() -> ResponseReturnValue:
    """The operations the caller takes part in, with their number of people and unconfirmed."""
    if not can_view_register(current_user):
        return error(403, "forbidden")
    shares = operations_taken_part(db.session, current_viewer())
    names = scenario_names(db.session, [share.operation.id for share in shares])
    return jsonify(items=[operation_json(share, names.get(share.operation.id)) for share in shares])


def _may_see_people(viewer: Viewer) -> bool:
    return viewer.is_(Role.STAFF, Role.PARTNER)


@bp.get("/safety/operations/<id:operation_id>/people")
def safety_people(operation_id: int) -> ResponseReturnValue:
    """A page of the caller's people in the operation, each with their current status."""
    viewer = current_viewer()
    if not _may_see_people(viewer):
        return error(403, "forbidden")
    operation = operation_taken_part(db.session, viewer, operation_id)
    if operation is None:
        return error(404, NOT_FOUND)
    asked = paging()
    if asked is None:
        return paging_error()
    result = people_page(db.session, viewer, operation, *asked)
    if result.page > result.pages and result.total:
        return error(404, "no such page")
    return _people_answer(viewer, operation, result, asked[1])


def _people_answer(
    viewer: Viewer, operation: SafetyOperation, result: PeoplePage, per_page: int
) -> ResponseReturnValue:
    """The page as JSON, logged as shown to the caller (and their token)."""
    reports = latest_for(db.session, operation, [p.registrant_id for p in result.rows])
    items = []
    for person in result.rows:
        report = reports.get(person.registrant_id)
        status = report.status if report is not None else SafetyStatus.UNCONFIRMED
        safety = {
            "status": status.value,
            "label": label(status),
            "reported_at": to_json(report.reported_at) if report is not None else None,
        }
        items.append({**to_json(person), "safety": safety})
    record_disclosure(
        db.session,
        viewer,
        "api.safety.list",
        result.rows,
        detail={
            "operation": operation.id,
            "total": result.total,
            "page": result.page,
            "token": g.get("api_token_id"),
        },
    )
    db.session.commit()
    return jsonify(
        items=items,
        total=result.total,
        page=result.page,
        per_page=per_page,
        pages=result.pages,
    )


def _csrf_refused() -> bool:
    """A cookie session must send the page's CSRF token; a bearer token stands alone."""
    if g.get("api_token_id") is not None or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return False
    try:
        csrf.protect()
    except CSRFError:
        mark_csrf_refusal()
        return True
    return False


@csrf.exempt
@bp.post("/safety/operations/<id:operation_id>/reports")
def safety_report(operation_id: int) -> ResponseReturnValue:
    """Record a report on one of the caller's people; a resent client_id writes nothing."""
    if _csrf_refused():
        return jsonify(error="the CSRF token is missing or has expired", reason="csrf"), 400
    viewer = current_viewer()
    if not _may_see_people(viewer):
        return error(403, "forbidden")
    operation = db.session.get(SafetyOperation, operation_id)
    if operation is None:
        return error(404, NOT_FOUND)
    try:
        asked = read_report(db.session, request.get_json(silent=True))
    except BadReport as exc:
        return error(400, str(exc))
    return _store(viewer, operation, asked)


def _store(viewer: Viewer, operation: SafetyOperation, asked: ReportRequest) -> ResponseReturnValue:
    earlier = _sent_before(operation, asked)
    try:
        report = record_report(db.session, viewer, operation, asked.registrant_id, asked.entry)
    except NotFound:
        return error(404, NOT_FOUND)
    except SafetyRefused as exc:
        db.session.rollback()
        return _refusal(exc)
    if earlier is None:
        _audit(viewer, operation, report)
    db.session.commit()
    return jsonify(report_json(report)), 200 if earlier is not None else 201


def _sent_before(operation: SafetyOperation, asked: ReportRequest) -> int | None:
    query = select(SafetyReport.id).where(
        SafetyReport.operation_id == operation.id,
        SafetyReport.client_id == asked.entry.client_id,
    )
    return db.session.scalar(query)


#: The answer to a refused report, by SafetyRefused.code; any other refusal is a bad request.
REFUSAL_STATUS = {"client_id_reused": 409, "ended": 409, "death_staff_only": 403}


def _refusal(exc: SafetyRefused) -> ResponseReturnValue:
    """A refused report: a reused client ID or an ended operation is a conflict, a partner's
    report of a death is forbidden, anything else a bad request; the message in English, as
    every message of the API."""
    with force_locale("en"):
        message = str(exc)
    return error(REFUSAL_STATUS.get(exc.code, 400), message)


def _audit(viewer: Viewer, operation: SafetyOperation, report: SafetyReport) -> None:
    """The report in the trail: who, which person and status; never the note."""
    record_event(
        db.session,
        "api.safety.report",
        actor=viewer.user,
        object_type="registrant",
        object_id=report.registrant_id,
        detail={
            "operation": operation.id,
            "report": report.id,
            "status": report.status.value,
            "method": report.method.value,
            "token": g.get("api_token_id"),
        },
    )


def report_json(report: SafetyReport) -> dict[str, Any]:
    return {
        "id": report.id,
        "operation_id": report.operation_id,
        "registrant_id": report.registrant_id,
        "status": report.status.value,
        "label": label(report.status),
        "evacuated_to": to_json(report.evacuated_to),
        "place_id": report.shelter_id,
        "method": report.method.value,
        "note": report.note,
        "client_id": report.client_id,
        "reported_at": to_json(report.reported_at),
    }
