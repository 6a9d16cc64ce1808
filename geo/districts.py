"""Approximate district outlines, for maps only.

A municipality's register knows each district (地区/町丁目) by name and one representative
point; the real boundaries (町丁目界) are not in the data shipped here. A map still needs
something to draw, so approximate_districts() gives each district the part of the city that
is nearer to its point than to any other district's point (a Voronoi cell), clipped to the
city's area. These outlines are approximate and must be labelled so wherever they are shown;
nothing is computed from them.
"""

from __future__ import annotations

from collections.abc import Hashable

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .towns import METRIC_CRS


def approximate_districts(
    points: gpd.GeoDataFrame, area: BaseGeometry, metric_crs: str = METRIC_CRS
) -> gpd.GeoDataFrame:
    """One cell per row of points (same index, same CRS as points): the part of `area`
    nearer to that point than to any other, computed in metric_crs.

    points: district points (a CRS is required); area: the city's area in the same CRS as
    points (e.g. geo.towns.city_area()). Districts that share one point share its cell.
    Rows with no point, and points whose cell misses the area, get an empty geometry.
    """
    if points.crs is None:
        raise ValueError("the district points need a CRS")
    metric = points.to_crs(metric_crs)
    area_metric = gpd.GeoSeries([area], crs=points.crs).to_crs(metric_crs).iloc[0]
    geometry = np.asarray(metric.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    cells = np.full(len(metric), None, dtype=object)
    keys: dict[Hashable, list[int]] = {}
    for position in np.flatnonzero(present):
        point = geometry[position]
        keys.setdefault((round(point.x, 3), round(point.y, 3)), []).append(int(position))
    groups = list(keys.values())
    if len(groups) == 1:
        cells[groups[0]] = area_metric
    elif groups:
        sites = shapely.multipoints([geometry[group[0]] for group in groups])
        envelope = shapely.union(area_metric.envelope, sites.envelope).buffer(1000)
        voronoi = shapely.voronoi_polygons(sites, extend_to=envelope, ordered=True)
        for group, cell in zip(groups, shapely.get_parts(voronoi), strict=True):
            clipped = shapely.intersection(cell, area_metric)
            for row in group:
                cells[row] = clipped
    empty = shapely.from_wkt("POLYGON EMPTY")
    cells = np.array([empty if cell is None else cell for cell in cells], dtype=object)
    return gpd.GeoDataFrame(
        {"approximate": True}, geometry=cells, crs=metric_crs, index=points.index
    ).to_crs(points.crs)
