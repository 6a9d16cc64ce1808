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
    cells = _cells(np.asarray(metric.geometry.array, dtype=object), area_metric)
    return gpd.GeoDataFrame(
        {"approximate": True}, geometry=cells, crs=metric_crs, index=points.index
    ).to_crs(points.crs)


def _cells(geometry: np.ndarray, area: BaseGeometry) -> np.ndarray:
    """Each point's cell, clipped to area (all of area when there is one distinct point);
    an empty polygon where there is no point."""
    cells = np.full(len(geometry), None, dtype=object)
    groups = _same_point_groups(geometry)
    if len(groups) == 1:
        cells[groups[0]] = area
    elif groups:
        _fill_voronoi_cells(cells, geometry, groups, area)
    empty = shapely.from_wkt("POLYGON EMPTY")
    return np.array([empty if cell is None else cell for cell in cells], dtype=object)


def _same_point_groups(geometry: np.ndarray) -> list[list[int]]:
    """The positions of the present points, grouped by point (to the millimetre)."""
    present = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    keys: dict[Hashable, list[int]] = {}
    for position in np.flatnonzero(present):
        point = geometry[position]
        keys.setdefault((round(point.x, 3), round(point.y, 3)), []).append(int(position))
    return list(keys.values())


def _fill_voronoi_cells(
    cells: np.ndarray, geometry: np.ndarray, groups: list[list[int]], area: BaseGeometry
) -> None:
    """Set, in place, each group's rows to its point's Voronoi cell clipped to area."""
    sites = shapely.multipoints([geometry[group[0]] for group in groups])
    envelope = shapely.union(area.envelope, sites.envelope).buffer(1000)
    voronoi = shapely.voronoi_polygons(sites, extend_to=envelope, ordered=True)
    for group, cell in zip(groups, shapely.get_parts(voronoi), strict=True):
        clipped = shapely.intersection(cell, area)
        for row in group:
            cells[row] = clipped
