"""The map document of a status map (an operation's board, a drill's preview): districts and
the hazard layer's areas, no shelters (their colours would read as statuses) and no people --
its script (static/safety/board-map.js) loads the points afterwards from `points_url`, an
endpoint that reads them through the access rule and logs them."""

from __future__ import annotations

import json

import numpy as np
from flask import current_app, g, url_for
from markupsafe import escape

from ..extensions import db
from ..maps.areas import hazard_overlays
from ..maps.build import frame_csp, render_map, tiles_from_config
from ..maps.districts import bounds, district_cells
from ..maps.points import Points
from ..models import HazardLayer
from .points import frame_texts, legend, map_texts


def status_map_document(layer: HazardLayer | None, identified: bool, points_url: str) -> str:
    """The frame's HTML; its security headers are set for the response (g.map_frame_headers)."""
    empty = np.zeros(0)
    points = Points(identified=identified, lat=empty, lon=empty, ids=empty.astype(np.int64))
    tiles = tiles_from_config(
        current_app.config.get("MAP_TILES", "none"),
        current_app.config.get("MAP_TILES_ATTRIBUTION", ""),
    )
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
    config = {"points": points_url, "identified": identified, "legend": legend(),
              "texts": map_texts()}
    src = url_for("static", filename="safety/board-map.js")
    script = f'<script src="{src}" data-config="{escape(json.dumps(config))}"></script>'
    return rendered.html.replace("</head>", script + "</head>", 1)
