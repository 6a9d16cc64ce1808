"""The operation's map: a frame (the shared folium document, with no people in it) and the
points it loads from points.json, coloured by status.

The frame holds no personal data: its script (static/safety/board-map.js) fetches the points
from points.json, which reads them through the access rule (roster.safety.points) and logs
them as /maps/points.json does: as a count, the points holding no name, address or need.
Staff's points carry register numbers, whose details a click fetches from /maps/people/<id>
(the rule again, logged as map.person); planners' are pseudonymous.
"""

from __future__ import annotations

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ...audit.operations import record_event
from ...decorators import require
from ...extensions import db
from ...models import SafetyOperation
from ...viewer import current_viewer
from ...web import get_or_404
from ..map_frame import status_map_document
from ..permissions import can_run_safety, can_view_safety
from ..points import status_points
from .blueprint import bp


@bp.get("/<id:operation_id>/map")
@require(can_view_safety)
def map_frame(operation_id: int) -> ResponseReturnValue:
    """The map document: districts and hazard areas; the people load afterwards."""
    operation = get_or_404(SafetyOperation, operation_id)
    points_url = url_for("safety.points_json", operation_id=operation.id)
    return status_map_document(operation.hazard_layer, can_run_safety(current_user), points_url)


@bp.get("/<id:operation_id>/points.json")
@require(can_view_safety)
def points_json(operation_id: int) -> ResponseReturnValue:
    """The operation's people as points coloured by status, through the rule; logged."""
    operation = get_or_404(SafetyOperation, operation_id)
    identified = can_run_safety(current_user)
    rows = status_points(db.session, current_viewer(), operation, identified)
    record_event(
        db.session,
        "safety.map",
        actor=current_user,
        object_type="registrant",
        detail={"operation": operation.id, "points": len(rows), "pseudonymous": not identified},
    )
    db.session.commit()
    fields = (
        ["lat", "lon", "id", "status", "approximate"]
        if identified
        else ["lat", "lon", "status", "approximate"]
    )
    response = jsonify(
        mode="identified" if identified else "pseudonymous", fields=fields, points=rows
    )
    response.headers["Cache-Control"] = "no-store"
    return response
