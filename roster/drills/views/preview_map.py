"""The preview's map: a frame (the shared folium document, with no people in it) and the
scenario's people as pseudonymous points from points.json, before the drill starts.

The points come from roster.safety.points.status_points over an unsaved drill operation of
the scenario's area (roster.drills.scenarios.area_draft): the access rule, the drill's rule
(no release), coarse places for planners, shuffled, no register number -- for staff too, as
the preview is pseudonymised for everyone. Loading them is logged as a count.
"""

from __future__ import annotations

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ...audit.operations import record_event
from ...decorators import require
from ...extensions import db
from ...models import DrillScenario
from ...safety.map_frame import status_map_document
from ...safety.points import status_points
from ...viewer import current_viewer
from ...web import get_or_404
from ..scenarios import area_draft, can_plan_drills
from .blueprint import bp


@bp.get("/<id:scenario_id>/map")
@require(can_plan_drills)
def map_frame(scenario_id: int) -> ResponseReturnValue:
    """The map document: districts and hazard areas; the points load afterwards."""
    scenario = get_or_404(DrillScenario, scenario_id)
    points_url = url_for("drills.points_json", scenario_id=scenario.id)
    return status_map_document(scenario.hazard_layer, False, points_url)


@bp.get("/<id:scenario_id>/points.json")
@require(can_plan_drills)
def points_json(scenario_id: int) -> ResponseReturnValue:
    """The scenario's people as pseudonymous points, through the rule; logged as a count."""
    scenario = get_or_404(DrillScenario, scenario_id)
    rows = status_points(db.session, current_viewer(), area_draft(scenario), identified=False)
    record_event(
        db.session,
        "drill.map",
        actor=current_user,
        object_type="registrant",
        detail={"scenario": scenario.id, "points": len(rows), "pseudonymous": True},
    )
    db.session.commit()
    response = jsonify(
        mode="pseudonymous", fields=["lat", "lon", "status", "approximate"], points=rows
    )
    response.headers["Cache-Control"] = "no-store"
    return response
