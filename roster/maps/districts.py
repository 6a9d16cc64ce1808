"""The city and its districts on a map: approximate district outlines (Voronoi cells of the
district points, clipped to the city's rough area), and the bounds a map opens on."""

from __future__ import annotations

import functools
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from flask_babel import gettext as _
from sqlalchemy import select

from geo.districts import approximate_districts
from geo.towns import city_area

from ..extensions import DbSession
from ..models import District, Shelter
from .points import Points
from .style import DISTRICT_COLOUR, EXACT_DECIMALS, WGS84, collection, display_text, feature

#: How a district outline is drawn: a dashed line, no fill.
DISTRICT_STYLE = {
    "color": DISTRICT_COLOUR,
    "weight": 1,
    "dashArray": "4 4",
    "fill": True,
    "fillOpacity": 0.0,
    "opacity": 0.7,
}


def district_cells(session: DbSession) -> dict[str, Any]:
    """Approximate district outlines (Voronoi cells of the district points, clipped to the
    city's area) as GeoJSON, labelled approximate."""
    districts = _located_districts(session)
    area = city_outline(session)
    if not districts or area is None:
        return collection([])
    sites = tuple((d.id, float(d.longitude or 0), float(d.latitude or 0)) for d in districts)
    ids, shapes = _cells(sites, area)
    return collection(_outline_features(ids, districts, shapes))


def _located_districts(session: DbSession) -> list[District]:
    """The districts with a point, by ID."""
    query = (
        select(District)
        .where(District.latitude.is_not(None), District.longitude.is_not(None))
        .order_by(District.id)
    )
    return list(session.scalars(query))


def _outline_features(ids: list[int], districts: list[District], shapes: Any) -> list[Any]:
    """Each district's outline as a feature named by the district; an empty cell left out."""
    lines = [[_("District"), _("approximate outline")]]
    return [
        feature(
            int(district_id),
            shapely.geometry.mapping(shape),
            display_text(district.name),
            lines,
            dict(DISTRICT_STYLE),
        )
        for district_id, district, shape in zip(ids, districts, shapes, strict=True)
        if shape is not None and not shape.is_empty
    ]


def city_outline(session: DbSession) -> Any:
    """The city's rough area (WGS84): the buffered hull of its shelters and district points."""
    lon: list[float] = []
    lat: list[float] = []
    for model in (Shelter, District):
        for x, y in session.execute(
            select(model.longitude, model.latitude).where(
                model.longitude.is_not(None), model.latitude.is_not(None)
            )
        ):
            if x is not None and y is not None:
                lon.append(float(x))
                lat.append(float(y))
    if not lon:
        return None
    return _area(tuple(lon), tuple(lat))


# The outlines change only when shelters or districts do, yet every map draws them (and
# asks for the area twice: outlines and bounds); the geometry is computed once per input.


@functools.lru_cache(maxsize=8)
def _area(lon: tuple[float, ...], lat: tuple[float, ...]) -> Any:
    return city_area(gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=WGS84))


@functools.lru_cache(maxsize=8)
def _cells(sites: tuple[tuple[int, float, float], ...], area: Any) -> tuple[list[int], Any]:
    """District IDs and their outlines, rounded to EXACT_DECIMALS."""
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([s[1] for s in sites], [s[2] for s in sites]),
        crs=WGS84,
        index=[s[0] for s in sites],
    )
    cells = approximate_districts(points, area)
    shapes = shapely.set_precision(
        np.asarray(cells.geometry.array, dtype=object), 10**-EXACT_DECIMALS
    )
    return [int(i) for i in cells.index], shapes


def bounds(session: DbSession, points: Points) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the city, or of the people when there is no city."""
    area = city_outline(session)
    if area is not None:
        west, south, east, north = area.bounds
        return [[south, west], [north, east]]
    if len(points):
        return [
            [float(points.lat.min()), float(points.lon.min())],
            [float(points.lat.max()), float(points.lon.max())],
        ]
    return None
