"""The after-action report of a drill (振り返り・改善計画): the page, printable on A4, its
figures as CSV, and the page where planners and staff write its words.

The report names no one: staff see the register numbers of the people never reached (and
that is logged); planners see counts only.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ...access.roles import has_role
from ...audit.operations import record_event
from ...decorators import require
from ...disclosures import record_disclosure
from ...exports import CSV_TYPE, download
from ...extensions import db
from ...formtext import validate_edit
from ...i18n import local_today
from ...models import Role
from ...models.drills import DrillScenario
from ...safety.report_csv import duration_text
from ...versioning import check_version, save_versioned
from ...viewer import current_viewer
from ...web import get_or_404
from .. import aar
from ..aar_csv import report_csv
from ..aar_forms import WORDS, WordsForm
from ..aar_text import objective_text, result_text
from ..measure import WITHIN_MINUTES, floor_percent
from .blueprint import bp


def can_read_drills(user: Any) -> bool:
    """Drill planners and staff read a drill's report and keep its improvement plan."""
    return has_role(user, Role.STAFF, Role.PLANNER)


def names_numbers(user: Any) -> bool:
    """Only staff see the register numbers of the people never reached."""
    return has_role(user, Role.STAFF)


#: The page lists at most this many register numbers; the CSV lists everyone.
PAGE_LIST_LIMIT = 500


def started_or_404(scenario_id: int) -> DrillScenario:
    """The scenario, once its drill has started (before that there is nothing to report)."""
    scenario = get_or_404(DrillScenario, scenario_id)
    if scenario.operation is None:
        abort(404)
    return scenario


def _report(scenario: DrillScenario, limit: int | None) -> aar.AfterAction:
    config = current_app.config
    return aar.after_action(
        db.session,
        current_viewer(),
        scenario,
        config["PLAN_PRIORITY_WEIGHTS"],
        config["PLAN_PRIORITY_BANDS"],
        staff_label=_("Municipal staff"),
        unreached_limit=limit,
        with_unreached=names_numbers(current_user),
    )


def _log(action: str, report: aar.AfterAction) -> None:
    """Log the people whose register numbers the report shows; counts name no one."""
    if report.unreached:
        record_disclosure(
            db.session,
            current_viewer(),
            action,
            report.unreached,
            detail={"scenario": report.scenario.id, "people": len(report.unreached)},
        )
    db.session.commit()


@bp.get("/<id:scenario_id>/report")
@require(can_read_drills)
def report_page(scenario_id: int) -> ResponseReturnValue:
    """The after-action report, printable on A4."""
    scenario = started_or_404(scenario_id)
    report = _report(scenario, PAGE_LIST_LIMIT)
    _log("drills.report.view", report)
    return render_template(
        "drills/report.html",
        report=report,
        figures=report.figures,
        timeline=aar.timeline_chart(report.figures),
        bars=aar.district_chart(report.figures.districts),
        bar_minutes=aar.BAR_MINUTES,
        within_minutes=WITHIN_MINUTES,
        floor_percent=floor_percent,
        duration=duration_text,
        objective_text=objective_text,
        result_text=result_text,
        today=local_today(),
    )


@bp.get("/<id:scenario_id>/report.csv")
@require(can_read_drills)
def report_csv_download(scenario_id: int) -> ResponseReturnValue:
    """The report's figures as CSV; with the register numbers never reached for staff."""
    scenario = started_or_404(scenario_id)
    report = _report(scenario, None)
    body = report_csv(report)
    _log("drills.report.csv", report)
    return download(body, f"drill-{scenario.id}-report.csv", CSV_TYPE)


@bp.route("/<id:scenario_id>/report/edit", methods=["GET", "POST"])
@require(can_read_drills)
def report_edit(scenario_id: int) -> ResponseReturnValue:
    """Write the report's overview, strengths and areas for improvement. A save built on an
    outdated page is refused with 409."""
    scenario = started_or_404(scenario_id)
    form = WordsForm()
    if not form.is_submitted():
        for name in WORDS:
            getattr(form, name).data = getattr(scenario, name)
        form.version.data = str(scenario.version)
    if validate_edit(form, scenario):
        saved = save_versioned(db.session(), form.version.data,
                               lambda version: _save_words(scenario, form, version))  # fmt: skip
        if saved.conflict:
            return render_template("drills/report_edit.html", form=form, scenario=scenario,
                                   conflict=True), 409  # fmt: skip
        db.session.commit()
        flash(_("Saved.") if saved.value else _("Nothing was changed."), "info")
        return redirect(url_for("drills.report_page", scenario_id=scenario.id))
    return render_template("drills/report_edit.html", form=form, scenario=scenario), (
        422 if form.errors else 200
    )


def _save_words(scenario: DrillScenario, form: WordsForm, version: int | None) -> bool:
    """Store the words on the form's version, audited; whether anything changed."""
    check_version(scenario, version)
    values = form.values()
    changed = [name for name in WORDS if getattr(scenario, name) != values[name]]
    for name in changed:
        setattr(scenario, name, values[name])
    if changed:
        record_event(db.session, "drills.report.edit", actor=current_user,
                     object_type="drill_scenario", object_id=scenario.id,
                     detail={"fields": changed})  # fmt: skip
    return bool(changed)
