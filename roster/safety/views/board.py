"""The board of an operation (GET /safety/<id>), its figures as JSON for the page's refresh,
and hand-offs of people not reached.

Staff see the progress by district and by organisation, the people who need help now and
the high-priority people still not reached after safety.escalate_after_minutes, each with a
hand-off form. Planners see the counts by district and the pseudonymous map: never a person.

Logging (roster.disclosures.record_disclosure, action safety.board): the page logs the
people it shows every time it is opened. Its refresh (board.json, every 30 s) logs them when
the set of people differs from the last one logged for this user and operation, and at least
every LOG_EVERY_MINUTES while the page stays open; the last set logged is kept as a digest of
the register numbers in the signed session, so a browser without it (or with one from
another set) is logged again, never less. Planners' figures hold no one and are not logged
on refresh.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from flask import current_app, jsonify, render_template, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from ...access.fetch import Person
from ...decorators import require
from ...disclosures import record_disclosure
from ...extensions import db
from ...i18n import show_datetime
from ...labels import label
from ...models import SafetyOperation, SafetyStatus
from ...models.base import utcnow
from ...models.safety import HandoffKind
from ...viewer import current_viewer
from ...web import get_or_404
from ..handoffs import Handoff, record_handoff
from ..lists import Listed, PeopleList, escalation, escalation_due, needs_help, organisation_names
from ..operations import SafetyRefused
from ..permissions import can_run_safety, can_view_safety
from ..progress import ProgressRow, counts_by, totals
from ..staff_forms import EndForm, HandoffForm
from ..words import area_words, elapsed_words
from .blueprint import bp

#: While the board stays open, its people are logged again at least this often.
LOG_EVERY_MINUTES = 10
#: The session key of the last set of people logged per operation.
LOGGED_KEY = "safety_board_logged"


def _escalate_after() -> int:
    return int(current_app.config.get("SAFETY_ESCALATE_AFTER_MINUTES", 120))


def _phone(person: Person) -> str:
    return str(person.get("phone") or person.get("mobile_phone") or "")


def _row(row: Listed, organisations: dict[int, str]) -> dict[str, Any]:
    """One person of a list as the page and the JSON show them (staff only)."""
    person, report = row.person, row.report
    status = report.status if report is not None else SafetyStatus.UNCONFIRMED
    reporter = ""
    if report is not None:
        reporter = organisations.get(report.organisation_id or 0) or _("Municipal staff")
        reporter = f"{reporter}（{report.reported_by.display_name}）"
    handoff = row.handoff
    return {
        "id": person.registrant_id,
        "name": person.get("name", ""),
        "address": person.get("address", ""),
        "phone": _phone(person),
        "district": (person.get("district") or {}).get("name", ""),
        "status": label(status),
        "note": report.note if report is not None else "",
        "reporter": reporter,
        "at": show_datetime(report.reported_at) if report is not None else "",
        "score": row.score,
        "handoff": _handoff_words(handoff) if handoff is not None else "",
    }


def _handoff_words(handoff: Any) -> str:
    to = label(handoff.to_kind)
    name = f" {handoff.to_name}" if handoff.to_name else ""
    return f"{to}{name}（{show_datetime(handoff.at)}）"


def _listed(people: PeopleList) -> dict[str, Any]:
    names = organisation_names(db.session, [r.report for r in people.rows])
    return {"count": people.count, "people": [_row(r, names) for r in people.rows]}


def _progress(rows: list[ProgressRow]) -> list[dict[str, Any]]:
    return [row.as_json() for row in rows]


def figures(operation: SafetyOperation) -> tuple[dict[str, Any], list[Person]]:
    """What the board shows to this viewer, as plain data, and the people in it."""
    viewer = current_viewer()
    now = utcnow()
    by_district = counts_by(db.session, viewer, operation, "district")
    data: dict[str, Any] = {
        "elapsed": elapsed_words(operation.started_at, operation.ended_at or now),
        "running": operation.running,
        "total": totals(by_district).as_json(),
        "districts": _progress(by_district),
    }
    if not can_run_safety(viewer.user):
        return data, []
    helped = needs_help(db.session, viewer, operation)
    data["organisations"] = _progress(counts_by(db.session, viewer, operation, "organisation"))
    data["needs_help"] = _listed(helped)
    due = escalation_due(operation, now, _escalate_after()) and operation.running
    late = _escalation(operation) if due else PeopleList([], 0)
    data["escalation"] = {"due": due, "after": _escalate_after(), **_listed(late)}
    return data, helped.people + late.people


def _escalation(operation: SafetyOperation) -> PeopleList:
    config = current_app.config
    return escalation(
        db.session,
        current_viewer(),
        operation,
        config["PLAN_PRIORITY_WEIGHTS"],
        config["PLAN_PRIORITY_BANDS"],
    )


def _digest(people: list[Person]) -> str:
    ids = ",".join(str(i) for i in sorted(p.registrant_id for p in people))
    return hashlib.sha256(ids.encode()).hexdigest()[:32]


def _clock() -> int:
    """Seconds now, for the interval between logs of an unchanged board."""
    return int(time.time())


def _log(operation: SafetyOperation, people: list[Person], refresh: bool) -> None:
    """Log the people shown (see the module docstring for when a refresh is logged)."""
    digest, now = _digest(people), _clock()
    logged = dict(session.get(LOGGED_KEY) or {})
    last = logged.get(str(operation.id))
    if refresh and last and last[0] == digest and now - last[1] < LOG_EVERY_MINUTES * 60:
        return
    viewer = current_viewer()
    detail = {"operation": operation.id, "refresh": refresh}
    record_disclosure(db.session, viewer, "safety.board", people, detail=detail)
    db.session.commit()
    if can_run_safety(viewer.user):
        # Only the latest few operations are kept, so the cookie stays small.
        logged = dict(list(logged.items())[-4:])
        logged[str(operation.id)] = [digest, now]
        session[LOGGED_KEY] = logged


def _page(
    operation: SafetyOperation, errors: dict[int, list[str]] | None = None, status: int = 200
) -> ResponseReturnValue:
    data, people = figures(operation)
    _log(operation, people, refresh=False)
    staff = can_run_safety(current_viewer().user)
    listed = {p["id"] for p in data.get("escalation", {}).get("people", [])}
    elsewhere = [m for rid, ms in (errors or {}).items() if rid not in listed for m in ms]
    return render_template(
        "safety/board.html",
        operation=operation,
        area=area_words(operation),
        data=data,
        staff=staff,
        end_form=EndForm(formdata=None, data={"version": operation.version}),
        handoff_form=HandoffForm(formdata=None),
        handoff_kinds=list(HandoffKind),
        errors=errors or {},
        page_errors=elsewhere,
        statuses=list(SafetyStatus),
    ), status


@bp.get("/<id:operation_id>")
@require(can_view_safety)
def board(operation_id: int) -> ResponseReturnValue:
    """The board: progress, the people needing help, the escalation list and the map."""
    return _page(get_or_404(SafetyOperation, operation_id))


@bp.get("/<id:operation_id>/board.json")
@require(can_view_safety)
def board_json(operation_id: int) -> ResponseReturnValue:
    """The board's figures for its refresh every 30 s: the same as the page shows."""
    operation = get_or_404(SafetyOperation, operation_id)
    data, people = figures(operation)
    if can_run_safety(current_viewer().user):
        _log(operation, people, refresh=True)
    # A board stays open for hours, longer than a form's CSRF token lasts: the page's forms
    # take a fresh one from each refresh.
    response = jsonify({**data, "csrf": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<id:operation_id>/people/<id:registrant_id>/handoff")
@require(can_run_safety)
def handoff(operation_id: int, registrant_id: int) -> ResponseReturnValue:
    """Hand one person of the escalation list to a team, the fire service or the police."""
    operation = get_or_404(SafetyOperation, operation_id)
    form = HandoffForm()
    if not form.validate_on_submit():
        messages = [str(e) for errors in form.errors.values() for e in errors]
        return _page(operation, {registrant_id: messages}, 422)
    entry = Handoff(HandoffKind(form.to_kind.data), form.to_name.data or "", form.note.data or "")
    try:
        record_handoff(db.session, current_viewer(), operation, registrant_id, entry)
    except SafetyRefused as exc:
        db.session.rollback()
        return _page(operation, {registrant_id: [str(exc)]}, 409)
    db.session.commit()
    return _page_redirect(operation)


def _page_redirect(operation: SafetyOperation) -> ResponseReturnValue:
    from flask import flash, redirect, url_for

    flash(_("The hand-off was recorded."), "info")
    return redirect(url_for("safety.board", operation_id=operation.id) + "#escalation", 303)
