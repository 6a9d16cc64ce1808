"""Leaflet, Leaflet.markercluster and the map's own script, served by the app.

The register runs on networks with no internet, so no map asset may come from a CDN: the
JS and CSS come from the xstatic packages installed with pip (xstatic-leaflet,
xstatic-leaflet-markercluster) and from roster/maps/assets, under /vendor/<package>/<path>.
Files are found with safe_join (send_from_directory) and may be cached for a day.

This module also sets the headers of the responses that need other headers than the
app's defaults (roster/security.py): the map frame's Content-Security-Policy (its inline
scripts by hash, framed by our own pages only) and the caching of the vendored files and
of anything else a view marks with g.cache_max_age (the base map's tiles, tiles.py). They are set
when the request has finished, after every after_request function has run.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import xstatic.pkg.leaflet as xleaflet
import xstatic.pkg.leaflet_markercluster as xcluster
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    g,
    request,
    request_finished,
    send_from_directory,
)
from flask.typing import ResponseReturnValue

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

ASSETS = Path(__file__).parent / "assets"


def _digest(folder: Path) -> str:
    """A short digest of our own assets, so a changed file gets a new URL."""
    sha = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        sha.update(path.read_bytes())
    return sha.hexdigest()[:10]


#: package -> (folder, version for cache-busting URLs).
PACKAGES: dict[str, tuple[str, str]] = {
    "leaflet": (xleaflet.BASE_DIR, xleaflet.VERSION),
    "leaflet.markercluster": (xcluster.BASE_DIR, xcluster.VERSION),
    "roster": (str(ASSETS), _digest(ASSETS)),
}
#: File kinds served; anything else (source maps, READMEs) is not found.
SUFFIXES = frozenset({".js", ".css", ".png", ".svg"})
MAX_AGE = 24 * 60 * 60


def asset_url(package: str, filename: str) -> str:
    """The app-relative URL of a vendored file, with its version so a new one is fetched."""
    return f"/vendor/{package}/{filename}?v={PACKAGES[package][1]}"


@bp.get("/<pkg>/<path:filename>")
def asset(pkg: str, filename: str) -> ResponseReturnValue:
    package = PACKAGES.get(pkg)
    if package is None or Path(filename).suffix.lower() not in SUFFIXES:
        abort(404)
    g.vendor_asset = True
    return send_from_directory(package[0], filename, max_age=MAX_AGE)


def _finish(sender: Flask, response: Response, **extra: Any) -> None:
    """Headers for the map frame and the vendored files, set last."""
    frame_headers = g.get("map_frame_headers")
    if frame_headers:
        response.headers.update(frame_headers)
    max_age = MAX_AGE if g.get("vendor_asset") else g.get("cache_max_age")
    if max_age and request.method == "GET" and response.status_code in (200, 304):
        response.headers["Cache-Control"] = f"private, max-age={max_age}"


@bp.record_once
def _connect(state: Any) -> None:
    request_finished.connect(_finish, state.app)
