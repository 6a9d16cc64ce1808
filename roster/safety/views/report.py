"""The operation's report: counts by status and district, confirmations per hour, time to
confirm by priority band, and (for staff) the people never reached; as a printable page and
as CSV. Drill planners read the counts without the names."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ...access.roles import has_role
from ...decorators import require
from ...disclosures import record_disclosure
from ...exports import CSV_TYPE, download
from ...extensions import db
from ...models import Role, SafetyOperation
from ...viewer import current_viewer
from ...web import get_or_404
from .. import report
from ..report_chart import chart
from ..report_csv import duration_text, percent_text, report_csv
from .blueprint import bp


def can_read_report(user: Any) -> bool:
    """Staff read the whole report; drill planners its counts, without anyone's name."""
    return has_role(user, Role.STAFF, Role.PLANNER)


def names_people(user: Any) -> bool:
    """Only staff get the list of the people never reached."""
    return has_role(user, Role.STAFF)


#: The page lists at most this many people never reached (a running operation early on
#: has most of its people still to reach); the CSV lists everyone.
PAGE_LIST_LIMIT = 1000


def _figures(
    operation: SafetyOperation, limit: int | None = None
) -> tuple[report.OperationReport, list[report.Unreached] | None]:
    """The report for the request's viewer, and the never-reached people (the first `limit`)
    if they may see them."""
    viewer = current_viewer()
    figures = report.operation_report(
        db.session,
        viewer,
        operation,
        current_app.config["PLAN_PRIORITY_WEIGHTS"],
        current_app.config["PLAN_PRIORITY_BANDS"],
    )
    if not names_people(current_user):
        return figures, None
    return figures, report.never_reached(db.session, viewer, operation, limit)


def _log(action: str, operation: SafetyOperation, unreached: list[report.Unreached] | None) -> None:
    """Log the people the report names (staff's never-reached list); counts name no one."""
    if unreached:
        record_disclosure(
            db.session,
            current_viewer(),
            action,
            [u.person for u in unreached],
            detail={"operation": operation.id, "people": len(unreached)},
        )
    db.session.commit()


@bp.get("/<id:operation_id>/report")
@require(can_read_report)
def report_page(operation_id: int) -> ResponseReturnValue:
    """The operation's report, printable on A4."""
    operation = get_or_404(SafetyOperation, operation_id)
    figures, unreached = _figures(operation, PAGE_LIST_LIMIT)
    _log("safety.report.view", operation, unreached)
    return render_template(
        "safety/report.html",
        figures=figures,
        unreached=unreached,
        chart=chart(figures.hours, figures.people),
        statuses=report.STATUS_ORDER,
        within_hours=report.WITHIN_HOURS,
        duration=duration_text,
        percent=percent_text,
    )


@bp.get("/<id:operation_id>/report.csv")
@require(can_read_report)
def report_csv_download(operation_id: int) -> ResponseReturnValue:
    """The same figures as CSV; with the never-reached names for staff (audited)."""
    operation = get_or_404(SafetyOperation, operation_id)
    figures, unreached = _figures(operation)
    body = report_csv(figures, unreached)
    _log("safety.report.csv", operation, unreached)
    return download(body, f"safety-{operation.id}-report.csv", CSV_TYPE)
