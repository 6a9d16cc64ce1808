"""The preview's map: a frame (the shared folium document, with no people in it) and the
scenario's people as pseudonymous points from points.json, before the drill starts.

The points come from roster.safety.points.status_points over an unsaved drill operation of
the scenario's area (roster.drills.scenarios.area_draft): the access rule, the drill's rule
(no release), coarse places for planners, shuffled, no register number -- for staff too, as
the preview is pseudonymised for everyone. Loading them is logged as a count.
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
from ...models import DrillScenario
from ...safety.points import frame_texts, legend, map_texts, status_points
from ...viewer import current_viewer
from ...web import get_or_404
from ..scenarios import area_draft, can_plan_drills
from .blueprint import bp


@bp.get("/<id:scenario_id>/map")
@require(can_plan_drills)
def map_frame(scenario_id: int) -> ResponseReturnValue:
    """The map document: districts and hazard areas; the points load afterwards."""
    scenario = get_or_404(DrillScenario, scenario_id)
    empty = np.zeros(0)
    points = Points(identified=False, lat=empty, lon=empty, ids=empty.astype(np.int64))
    tiles = tiles_from_config(
        current_app.config.get("MAP_TILES", "gsi_pale"),
        current_app.config.get("MAP_TILES_ATTRIBUTION", ""),
    )
    layer = scenario.hazard_layer
    rendered = render_map(
        points=points,
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
    return rendered.html.replace("</head>", _script_tag(scenario) + "</head>", 1)


def _script_tag(scenario: DrillScenario) -> str:
    config = {
        "points": url_for("drills.points_json", scenario_id=scenario.id),
        "identified": False,
        "legend": legend(),
        "texts": map_texts(),
    }
    src = url_for("static", filename="safety/board-map.js")
    return f'<script src="{src}" data-config="{escape(json.dumps(config))}"></script>'


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
