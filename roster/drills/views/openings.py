"""Recording that a shelter opened in a drill: from the drill's page (staff, drill planners)
and from the arrivals page of the drill (a partner at a shelter its organisation runs)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from ...access.roles import has_role
from ...decorators import require
from ...extensions import db
from ...models import DrillScenario, Role
from ...viewer import current_viewer
from ...web import get_or_404
from ..openings import OpeningRefused, record_opening
from .blueprint import bp


def can_open_shelters(user: Any) -> bool:
    """Staff, drill planners, and partner users (at a shelter their organisation runs)."""
    return has_role(user, Role.STAFF, Role.PLANNER, Role.PARTNER)


@bp.app_template_global()
def drill_scenario_id(operation: Any) -> int | None:
    """The scenario of a drill operation, for the safety pages' links to its openings."""
    if operation is None or operation.id is None:
        return None
    query = select(DrillScenario.id).where(DrillScenario.operation_id == operation.id)
    return db.session.scalar(query)


@bp.post("/<id:scenario_id>/openings")
@require(can_open_shelters)
def open_shelter(scenario_id: int) -> ResponseReturnValue:
    """Record the opening of the posted shelter in the scenario's running drill."""
    scenario = get_or_404(DrillScenario, scenario_id)
    operation = scenario.operation
    viewer = current_viewer()
    back = _back(scenario, viewer.role)
    if operation is None:
        abort(404)
    shelter = request.form.get("shelter", "")
    if not shelter.isdigit() or len(shelter) > 9:
        flash(_("Choose the shelter that opened."), "error")
        return redirect(back, 303)
    try:
        record_opening(db.session, viewer, operation, int(shelter))
    except OpeningRefused as exc:
        db.session.rollback()
        if exc.code == "not_yours" and viewer.role is Role.PARTNER:
            abort(404)
        if exc.code == "not_yours":
            flash(_("Choose the shelter that opened."), "error")
        else:
            flash(_("The opening cannot be recorded: the drill is not running."), "error")
        return redirect(back, 303)
    db.session.commit()
    flash(_("The opening of the shelter was recorded."), "info")
    return redirect(back, 303)


def _back(scenario: DrillScenario, role: Role | None) -> str:
    """Where the form came from: the arrivals page for a partner, the drill's page else."""
    if role is Role.PARTNER and scenario.operation_id is not None:
        return url_for("safety.arrivals", operation_id=scenario.operation_id)
    return url_for("drills.detail", scenario_id=scenario.id)
