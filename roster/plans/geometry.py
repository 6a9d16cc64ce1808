"""Where a plan's places are: the person's home, straight-line distances in the metric CRS,
and which stored hazard areas hold a shelter."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from flask import current_app, has_app_context
from pyproj import Transformer

from ..extensions import DbSession
from ..models import District, Registrant, Shelter

WGS84 = "EPSG:4326"


def metric_crs() -> str:
    if has_app_context():
        return str(current_app.config.get("GEO_CRS", "EPSG:6677"))
    return "EPSG:6677"


def home_point(session: DbSession, registrant: Registrant) -> tuple[float, float] | None:
    """(longitude, latitude) of the person's home, or their district's point."""
    if registrant.latitude is not None and registrant.longitude is not None:
        return registrant.longitude, registrant.latitude
    district = session.get(District, registrant.district_id)
    if district is None or district.latitude is None or district.longitude is None:
        return None
    return district.longitude, district.latitude


@lru_cache(maxsize=8)
def _to_metric(crs: str) -> Transformer:
    return Transformer.from_crs(WGS84, crs, always_xy=True)


def straight_line_m(
    start: tuple[float, float], end: tuple[float, float], crs: str | None = None
) -> float:
    """直線距離 in metres between two (longitude, latitude) points, measured in the metric CRS."""
    transform = _to_metric(crs or metric_crs())
    x1, y1 = transform.transform(*start)
    x2, y2 = transform.transform(*end)
    return round(float(np.hypot(x2 - x1, y2 - y1)), 1)


def areas_holding(
    session: DbSession, shelters: list[Shelter], hazards: tuple[str, ...], crs: str | None = None
) -> dict[int, tuple[str, ...]]:
    """Shelter id -> the hazards (of `hazards`) whose stored areas hold the place."""
    if not shelters or not hazards:
        return {}
    from ..hazards.frames import areas_frame

    crs = crs or metric_crs()
    areas = areas_frame(session, crs, kinds=hazards)
    if not len(areas):
        return {}
    found: dict[int, set[str]] = {}
    for hazard, positions in _hits(areas, _metric_points(shelters, crs), hazards):
        for position in positions:
            found.setdefault(shelters[position].id, set()).add(hazard)
    return {sid: tuple(h for h in hazards if h in found[sid]) for sid in found}


def _metric_points(shelters: list[Shelter], crs: str) -> Any:
    """The shelters as shapely points in the metric CRS, in list order."""
    transform = _to_metric(crs)
    xs, ys = transform.transform([s.longitude for s in shelters], [s.latitude for s in shelters])
    return shapely.points(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))


def _hits(areas: Any, points: Any, hazards: tuple[str, ...]) -> list[tuple[str, list[int]]]:
    """For each hazard with stored areas: the positions of the points its areas hold."""
    hits = []
    for hazard in hazards:
        geometry = np.asarray(areas.geometry[areas["kind"] == hazard].array, dtype=object)
        if not len(geometry):
            continue
        found = shapely.STRtree(geometry).query(points, predicate="intersects")[0]
        hits.append((hazard, [int(position) for position in np.unique(found)]))
    return hits
