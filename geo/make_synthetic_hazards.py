"""Synthetic flood and landslide layers for the demo municipality 西東京市.

The real layers (国土数値情報 A31 浸水想定区域, A33 土砂災害警戒区域) cannot be downloaded on a
closed network, but the demo and the benchmarks need hazard areas where they would be. This
script draws made-up ones, deterministically, with the real files' property names so the
same reader takes both:

- flood: bands of depth rank (A31a_205 1–4, deepest in the middle) along rough courses of
  the 石神井川 (west to east through the south of the city) and the 白子川 (in the
  north-east);
- landslide: small A33 zones (A33_001 phenomenon, A33_002 警戒 1 / 特別警戒 2) on the valley
  sides of the 石神井川, a special zone inside some warning zones, as real data nests them.

Every feature carries "synthetic": true and "source": "synthetic (demo)"; maps label them.
They are NOT real hazard data. Re-run with `python -m geo.make_synthetic_hazards`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry import LineString, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from .gsi import DATA_DIR, read_gsi_shelters
from .towns import METRIC_CRS, WGS84, city_area

FLOOD_FILE = DATA_DIR / "synthetic_flood_nishitokyo.geojson"
LANDSLIDE_FILE = DATA_DIR / "synthetic_landslide_nishitokyo.geojson"
SOURCE = "synthetic (demo)"

#: Rough river courses (longitude, latitude), upstream first. Not surveyed: enough to put the
#: synthetic areas where the valleys are.
RIVERS: dict[str, list[tuple[float, float]]] = {
    "石神井川": [
        (139.5080, 35.7262),
        (139.5200, 35.7248),
        (139.5320, 35.7232),
        (139.5430, 35.7222),
        (139.5530, 35.7238),
        (139.5620, 35.7262),
        (139.5720, 35.7300),
        (139.5820, 35.7335),
    ],
    "白子川": [
        (139.5530, 35.7600),
        (139.5610, 35.7585),
        (139.5690, 35.7562),
        (139.5780, 35.7548),
        (139.5860, 35.7560),
    ],
}
#: Half-widths (m) of the band of each depth rank, deepest first, per river.
BANDS: dict[str, dict[int, float]] = {
    "石神井川": {4: 25.0, 3: 60.0, 2: 140.0, 1: 260.0},
    "白子川": {4: 15.0, 3: 40.0, 2: 100.0, 1: 200.0},
}
#: Landslide zones on the 石神井川's valley sides: (fraction along the river, side +1 north /
#: -1 south, A33_001 phenomenon, with a special zone inside).
SLOPES: list[tuple[float, int, int, bool]] = [
    (0.22, 1, 1, False),
    (0.38, -1, 1, True),
    (0.55, 1, 1, False),
    (0.63, -1, 2, False),
    (0.78, 1, 1, True),
]
SLOPE_OFFSET_M = 150.0  # from the river's centre line to the slope's centre
SLOPE_SIZE_M = (120.0, 40.0)  # warning zone: along the river, across it
SPECIAL_SIZE_M = (60.0, 16.0)  # special zone, at the foot of the slope


def main() -> None:
    """Write both files into geo/data."""
    area = _metric_area()
    write_geojson(FLOOD_FILE, "synthetic_flood_nishitokyo", flood_features(area))
    write_geojson(LANDSLIDE_FILE, "synthetic_landslide_nishitokyo", landslide_features(area))
    print(f"wrote {FLOOD_FILE} and {LANDSLIDE_FILE}")


def flood_features(area: BaseGeometry) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """(properties, polygon in METRIC_CRS) per river and depth rank: rings, not overlapping."""
    features = []
    for river, points in RIVERS.items():
        line = _metric_line(points)
        inner: BaseGeometry = Polygon()
        for rank, half_width in sorted(BANDS[river].items(), reverse=True):
            band = line.buffer(half_width, quad_segs=4)
            ring = band.difference(inner).intersection(area)
            inner = band
            if not ring.is_empty:
                features.append(({"A31a_205": rank, "river": river, **_synthetic()}, ring))
    return features


def landslide_features(area: BaseGeometry) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """(properties, polygon in METRIC_CRS) per synthetic A33 zone."""
    line = _metric_line(RIVERS["石神井川"])
    features = []
    for fraction, side, phenomenon, special in SLOPES:
        centre, angle = _along(line, fraction, side * SLOPE_OFFSET_M)
        warning = _rectangle(centre, angle, *SLOPE_SIZE_M)
        features.append((_a33(phenomenon, 1), warning))
        if special:
            foot, _ = _along(line, fraction, side * (SLOPE_OFFSET_M - 10.0))
            features.append((_a33(phenomenon, 2), _rectangle(foot, angle, *SPECIAL_SIZE_M)))
    return [(props, polygon) for props, polygon in features if polygon.within(area)]


def write_geojson(
    path: Path, name: str, features: list[tuple[dict[str, Any], BaseGeometry]]
) -> None:
    """A GeoJSON file (WGS84, coordinates to 7 decimals, about 1 cm) with stable bytes."""
    geometries = gpd.GeoSeries([geometry for _, geometry in features], crs=METRIC_CRS)
    wgs84 = geometries.to_crs(WGS84)
    collection = {
        "type": "FeatureCollection",
        "name": name,
        "features": [
            {"type": "Feature", "properties": props, "geometry": _rounded(mapping(geometry))}
            for (props, _), geometry in zip(features, wgs84, strict=True)
        ],
    }
    path.write_text(json.dumps(collection, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _metric_area() -> BaseGeometry:
    shelters = read_gsi_shelters(
        DATA_DIR / "nishitokyo_132292_evacuation.geojson",
        DATA_DIR / "nishitokyo_132292_emergency.geojson",
    )
    # A wider margin than towns.city_area's default: the city reaches past its outer shelters.
    area = gpd.GeoSeries([city_area(shelters, buffer_m=900.0)], crs=WGS84).to_crs(METRIC_CRS)
    return area.iloc[0]


def _metric_line(points: list[tuple[float, float]]) -> LineString:
    line = gpd.GeoSeries([LineString(points)], crs=WGS84).to_crs(METRIC_CRS).iloc[0]
    assert isinstance(line, LineString)
    return line


def _along(line: LineString, fraction: float, offset: float) -> tuple[tuple[float, float], float]:
    """The point `offset` metres left of the line at `fraction` of its length, and the line's
    direction there (radians)."""
    here = line.interpolate(fraction, normalized=True)
    ahead = line.interpolate(min(fraction + 0.01, 1.0), normalized=True)
    angle = math.atan2(ahead.y - here.y, ahead.x - here.x)
    return (here.x - offset * math.sin(angle), here.y + offset * math.cos(angle)), angle


def _rectangle(centre: tuple[float, float], angle: float, length: float, width: float) -> Polygon:
    corners = [
        (-length / 2, -width / 2),
        (length / 2, -width / 2),
        (length / 2, width / 2),
        (-length / 2, width / 2),
    ]
    cos, sin = math.cos(angle), math.sin(angle)
    return Polygon(
        [(centre[0] + x * cos - y * sin, centre[1] + x * sin + y * cos) for x, y in corners]
    )


def _a33(phenomenon: int, zone: int) -> dict[str, Any]:
    return {"A33_001": phenomenon, "A33_002": zone, **_synthetic()}


def _synthetic() -> dict[str, Any]:
    return {"synthetic": True, "source": SOURCE}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 7)
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


if __name__ == "__main__":
    main()
