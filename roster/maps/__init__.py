"""Maps drawn with folium (people, shelters, hazard areas, districts, by role), the hazard
layers and shelter assignment pages, and the vendored Leaflet files they load (issue 5)."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """The blueprints of maps, hazards and vendored assets."""
    from ..hazards.views import bp as hazards_bp
    from .vendor import bp as vendor_bp
    from .views import bp as maps_bp

    for bp in (maps_bp, hazards_bp, vendor_bp):
        app.register_blueprint(bp)
