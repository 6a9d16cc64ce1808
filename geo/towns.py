"""Towns (町) of a municipality, its rough area, and random points inside it.

The shelter points stand in for a town map: a town's representative point is the mean of
its shelters, and the municipality's area is the hull around all of them. Distances are
measured in JGD2011 plane rectangular zone IX (EPSG:6677), the metric CRS for Tokyo.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

METRIC_CRS = "EPSG:6677"
WGS84 = "EPSG:4326"

# The town name ends where the block numbers start: a digit or a kanji 丁目.
_NUMBER_START = re.compile(r"[0-9]|[一二三四五六七八九十]+丁目")
_PREFECTURE = re.compile(r"^(?:東京都|北海道|京都府|大阪府|.{2,3}?県)")
_local = threading.local()


def town_of(address: str, city_prefix: str = "東京都西東京市") -> str:
    """The town (町) of an address: the text after the city and before the first digit.

    >>> town_of("東京都西東京市ひばりが丘2-3-5")
    'ひばりが丘'
    """
    text = _compact(address)
    prefix = _compact(city_prefix)
    for candidate in (prefix, _PREFECTURE.sub("", prefix)):
        if candidate and text.startswith(candidate):
            text = text[len(candidate) :]
            break
    match = _NUMBER_START.search(text)
    return text[: match.start()] if match else text


def town_points(
    gdf: gpd.GeoDataFrame, city_prefix: str = "東京都西東京市"
) -> dict[str, tuple[float, float]]:
    """Each town's representative (longitude, latitude): the mean of its places' points.

    gdf needs address, longitude and latitude columns (as read_gsi_shelters gives).
    """
    towns = gdf["address"].map(lambda address: town_of(address, city_prefix))
    means = gdf.groupby(towns)[["longitude", "latitude"]].mean()
    return {
        str(town): (float(row.longitude), float(row.latitude))
        for town, row in means.iterrows()
        if town
    }


def city_area(gdf: gpd.GeoDataFrame, buffer_m: float = 400.0) -> BaseGeometry:
    """A polygon (WGS84) around all points of gdf: their convex hull, buffered by buffer_m."""
    metric = gdf.to_crs(METRIC_CRS)
    hull = shapely.convex_hull(shapely.union_all(metric.geometry.values))
    area = gpd.GeoSeries([hull.buffer(buffer_m)], crs=METRIC_CRS).to_crs(WGS84).iloc[0]
    shapely.prepare(area)
    return area


def offset_point(lon: float, lat: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The (longitude, latitude) of a point north_m north and east_m east of another."""
    to_metric, to_wgs84 = _transformers()
    x, y = to_metric.transform(lon, lat)
    new_lon, new_lat = to_wgs84.transform(x + east_m, y + north_m)
    return float(new_lon), float(new_lat)


def random_points_near(
    center_lon: float,
    center_lat: float,
    n: int,
    rng: np.random.Generator,
    radius_m: float,
    area: BaseGeometry,
    max_rounds: int = 100,
) -> np.ndarray:
    """n random (longitude, latitude) rows, uniform in a circle of radius_m and inside area.

    Draws in the metric CRS and keeps the points that fall inside area (rejection
    sampling, vectorised). Raises ValueError if the circle barely touches the area.
    """
    if n <= 0:
        return np.empty((0, 2))
    centre = _transformers()[0].transform(center_lon, center_lat)
    shapely.prepare(area)
    points = _sample(rng, centre, radius_m, n, area, max_rounds)
    if points is None:
        raise ValueError(
            f"could not place {n} points within {radius_m} m of ({center_lon}, {center_lat}) "
            "inside the area"
        )
    return points


def _sample(
    rng: np.random.Generator,
    centre: tuple[float, float],
    radius_m: float,
    n: int,
    area: BaseGeometry,
    max_rounds: int,
) -> np.ndarray | None:
    """n points drawn batch by batch until enough fall inside area; None after max_rounds."""
    to_wgs84 = _transformers()[1]
    found: list[np.ndarray] = []
    missing = n
    for _ in range(max_rounds):
        points = _draw(rng, centre, radius_m, max(2 * missing, 64), area, to_wgs84)[:missing]
        found.append(points)
        missing -= len(points)
        if missing == 0:
            return np.concatenate(found)
    return None


def _draw(
    rng: np.random.Generator,
    centre: tuple[float, float],
    radius_m: float,
    batch: int,
    area: BaseGeometry,
    to_wgs84: Transformer,
) -> np.ndarray:
    """One batch of points uniform in the circle around centre (metric), as the
    (longitude, latitude) rows of those that fall inside area."""
    cx, cy = centre
    radius = radius_m * np.sqrt(rng.random(batch))
    angle = rng.random(batch) * 2 * np.pi
    lon, lat = to_wgs84.transform(cx + radius * np.cos(angle), cy + radius * np.sin(angle))
    inside = shapely.contains_xy(area, lon, lat)
    return np.column_stack([lon[inside], lat[inside]])


def _compact(text: str) -> str:
    """NFKC (full-width digits to ASCII) without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _transformers() -> tuple[Transformer, Transformer]:
    """WGS84 <-> metric transformers, made once per thread (pyproj's are not thread-safe)."""
    pair: tuple[Transformer, Transformer] | None = getattr(_local, "transformers", None)
    if pair is None:
        pair = (
            Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True),
            Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True),
        )
        _local.transformers = pair
    return pair
