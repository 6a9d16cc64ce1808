"""The operation's map: a frame (the shared folium document, with no people in it) and the
points it loads from points.json, coloured by status.

The frame holds no personal data: its script (static/safety/board-map.js) fetches the points
from points.json, which reads them through the access rule (roster.safety.points) and logs
them as /maps/points.json does: as a count, the points holding no name, address or need.
Staff's points carry register numbers, whose details a click fetches from /maps/people/<id>
(the rule again, logged as map.person); planners' are pseudonymous.
"""

from __future__ import annotations

import json

import numpy as np
from flask import current_app, g, jsonify, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from markupsafe import escape

from ...audit.operations import record_event
from ...decorators import require
from ...extensions import db
from ...maps.areas import hazard_overlays
from ...maps.build import frame_csp, render_map, tiles_from_config
from ...maps.districts import bounds, district_cells
from ...maps.points import Points
from ...models import SafetyOperation
from ...viewer import current_viewer
from ...web import get_or_404
from ..permissions import can_run_safety, can_view_safety
from ..points import frame_texts, legend, map_texts, status_points
from .blueprint import bp


def _no_points(identified: bool) -> Points:
    empty = np.zeros(0)
    return Points(identified=identified, lat=empty, lon=empty, ids=empty.astype(np.int64))


@bp.get("/<id:operation_id>/map")
@require(can_view_safety)
def map_frame(operation_id: int) -> ResponseReturnValue:
    """The map document: districts, shelters and hazard areas; the people load afterwards."""
    operation = get_or_404(SafetyOperation, operation_id)
    identified = can_run_safety(current_user)
    points = _no_points(identified)
    tiles = tiles_from_config(
        current_app.config.get("MAP_TILES", "gsi_pale"),
        current_app.config.get("MAP_TILES_ATTRIBUTION", ""),
    )
    layer = operation.hazard_layer
    rendered = render_map(
        points=points,
        # No shelters: their colours would read as statuses; the legend explains statuses only.
        shelters={},
        shelter_names={},
        overlays=hazard_overlays(db.session) if layer is not None else [],
        hazard_kinds={layer.kind.value} if layer is not None else set(),
        districts=district_cells(db.session),
        bounds=bounds(db.session, points),
        tiles=tiles,
        texts=frame_texts(),
        person_url=url_for("maps.index") + "people/",
    )
    g.map_frame_headers = {
        "Content-Security-Policy": frame_csp(rendered, tiles),
        "X-Frame-Options": "SAMEORIGIN",
    }
    return rendered.html.replace("</head>", _script_tag(operation, identified) + "</head>", 1)


def _script_tag(operation: SafetyOperation, identified: bool) -> str:
    """The frame's own script, told where the points are and how to draw them."""
    config = {
        "points": url_for("safety.points_json", operation_id=operation.id),
        "identified": identified,
        "legend": legend(),
        "texts": map_texts(),
    }
    src = url_for("static", filename="safety/board-map.js")
    return f'<script src="{src}" data-config="{escape(json.dumps(config))}"></script>'


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
