"""The small map on the registrant form: click to set a person's home coordinates.

It uses the vendored Leaflet and a static script (assets/location-picker.js); the page holds
the configured tiles (or none: district points alone still orient the clerk on a closed
network) and the district points, never anyone's personal data but the person being edited.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, g
from sqlalchemy import select

from ..extensions import DbSession
from ..models import District
from .build import Tiles, tiles_from_config
from .vendor import asset_url


def picker_context(session: DbSession) -> dict[str, Any]:
    """What templates/registrants/form.html needs to draw the picker. The page may then load
    tiles from the tile server (security.security_headers reads g.map_on_page)."""
    g.map_on_page = True
    tiles = _configured_tiles()
    points = _district_points(session)
    return {
        "tiles": tiles.url or "",
        "attribution": tiles.attribution,
        "tile_options": json.dumps(
            {k: v for k, v in tiles.options().items() if k != "attribution"}
        ),
        "districts": json.dumps([list(p) for p in points], ensure_ascii=False),
        "centre": _centre(points),
        "leaflet_js": asset_url("leaflet", "leaflet.js"),
        "leaflet_css": asset_url("leaflet", "leaflet.css"),
        "script": asset_url("roster", "location-picker.js"),
    }


def _district_points(session: DbSession) -> list[tuple[str, float, float]]:
    """(name, latitude, longitude) of each district with a point, by code."""
    return [
        (d.name, round(d.latitude, 6), round(d.longitude, 6))
        for d in session.scalars(select(District).order_by(District.code))
        if d.latitude is not None and d.longitude is not None
    ]


def _centre(points: list[tuple[str, float, float]]) -> list[float]:
    """The middle of the district points; without any, where the map opens without bounds."""
    if not points:
        return [35.68, 139.76]
    return [sum(p[1] for p in points) / len(points), sum(p[2] for p in points) / len(points)]


def _configured_tiles() -> Tiles:
    return tiles_from_config(
        current_app.config.get("MAP_TILES", "none"),
        current_app.config.get("MAP_TILES_ATTRIBUTION", ""),
    )


def tile_origin() -> str | None:
    """The tiles' scheme://host, which pages with a map must allow images from."""
    return _configured_tiles().origin
