"""The plan print's small map: the person's home and the destination, drawn by the app.

An SVG in the page itself, computed here from coordinates: the home (when the user's field
set shows it) and a shelter destination from the registry, a straight dashed line between
them, the approximate district outlines around them (roster.maps.districts, already cached
for the maps), a scale bar in metres and a north arrow. No tiles, no outside request, and
nothing of the person in any URL: the drawing is part of the printed page's HTML.

Positions are laid out on a local plane (metres east and north of the middle), which at a
city's scale is as true as the paper.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

#: The drawing's units: a 3:2 box (plan-print.css sets it 54 mm wide).
WIDTH, HEIGHT = 600.0, 400.0
#: The narrowest view, in metres across, so one point alone still shows its surroundings.
MIN_ACROSS_M = 800.0
#: The margin around the points, as a share of the view.
MARGIN = 1.35
#: Scale bar lengths to choose from, in metres.
SCALE_STEPS = (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000)
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0

LatLon = tuple[float, float]
Point = tuple[float, float]


@dataclass(frozen=True)
class Sketch:
    """What the template draws, in the drawing's units (y down)."""

    home: Point | None
    home_approximate: bool
    destination: Point | None
    #: SVG path data of the district outlines in view.
    outlines: list[str] = field(default_factory=list)
    #: The scale bar: its length in units and its label ("500 m", "1 km").
    scale_units: float = 0.0
    scale_label: str = ""
    width: float = WIDTH
    height: float = HEIGHT


@dataclass(frozen=True)
class _Plane:
    """Degrees to drawing units around a centre, at `k` units a metre."""

    lat: float
    lon: float
    k: float

    def __call__(self, lat: float, lon: float) -> Point:
        east = (lon - self.lon) * M_PER_DEG_LON * math.cos(math.radians(self.lat))
        north = (lat - self.lat) * M_PER_DEG_LAT
        return (WIDTH / 2 + east * self.k, HEIGHT / 2 - north * self.k)


def _plane(points: list[LatLon]) -> _Plane:
    """A plane centred on the points, scaled so that they all fit with a margin."""
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    lat = (min(lats) + max(lats)) / 2
    lon = (min(lons) + max(lons)) / 2
    across = (max(lons) - min(lons)) * M_PER_DEG_LON * math.cos(math.radians(lat))
    tall = (max(lats) - min(lats)) * M_PER_DEG_LAT
    metres = max(across * MARGIN, tall * MARGIN * WIDTH / HEIGHT, MIN_ACROSS_M)
    return _Plane(lat, lon, WIDTH / metres)


def scale_bar(k: float) -> tuple[float, str]:
    """The longest round length that takes at most a quarter of the width, and its label."""
    fitting = [m for m in SCALE_STEPS if m * k <= WIDTH / 4] or [SCALE_STEPS[0]]
    metres = fitting[-1]
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres} m"
    return metres * k, label


def _rings(geometry: dict[str, Any]) -> Iterator[list[list[float]]]:
    """The rings of a GeoJSON Polygon or MultiPolygon."""
    kind = geometry.get("type")
    polygons = [geometry.get("coordinates", [])] if kind == "Polygon" else []
    if kind == "MultiPolygon":
        polygons = geometry.get("coordinates", [])
    for polygon in polygons:
        yield from polygon


def _visible(points: list[Point]) -> bool:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return max(xs) >= 0 and min(xs) <= WIDTH and max(ys) >= 0 and min(ys) <= HEIGHT


def _outlines(districts: dict[str, Any], plane: _Plane) -> list[str]:
    """SVG path data of each outline ring that reaches into the view."""
    paths: list[str] = []
    for feature in districts.get("features", []):
        for ring in _rings(feature.get("geometry") or {}):
            points = [plane(float(lat), float(lon)) for lon, lat, *_rest in ring]
            if len(points) > 2 and _visible(points):
                paths.append(
                    "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points) + " Z"
                )
    return paths


def _located(value: Any) -> LatLon | None:
    """(lat, lon) from a pair whose parts are both numbers, else None."""
    lat, lon = value
    if lat is None or lon is None:
        return None
    return float(lat), float(lon)


def plan_sketch(
    home: tuple[Any, Any],
    destination: tuple[Any, Any],
    districts: dict[str, Any],
    home_approximate: bool = False,
) -> Sketch | None:
    """The sketch of a home and a destination (each (lat, lon), or Nones when unknown);
    None when neither is known."""
    at_home, going = _located(home), _located(destination)
    known = [p for p in (at_home, going) if p is not None]
    if not known:
        return None
    plane = _plane(known)
    units, label = scale_bar(plane.k)
    return Sketch(
        home=plane(*at_home) if at_home else None,
        home_approximate=home_approximate,
        destination=plane(*going) if going else None,
        outlines=_outlines(districts, plane),
        scale_units=units,
        scale_label=label,
    )


def path_points(path: str) -> Iterable[Point]:
    """The points of a path made by _outlines (for tests)."""
    for part in path.strip(" Z").lstrip("M").split(" L"):
        x, y = part.split(",")
        yield float(x), float(y)
