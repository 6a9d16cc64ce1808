"""Hazard areas (flood inundation, landslide zones, others) read into one shape.

Municipalities get these as GeoJSON, Shapefile (often with Shift_JIS attributes and no .cpg
to say so) or GeoPackage, mostly from 国土数値情報: A31 flood areas (depth rank A31a_205) and
A33 landslide zones (A33_001 phenomenon, A33_002 警戒/特別警戒). read_hazard_layer() reads
any of them with pyogrio into the columns the analysis needs, reprojected to the metric CRS.

Some inputs are refused rather than guessed at (HazardInputError, with a message for staff):
old Tokyo-datum coordinates (converting them accurately needs a grid file, and a silent
shift of up to 450 m would put people in the wrong zone), a layer with no CRS, a layer with
no polygons, and a flood layer with no depth to rank people by.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

HAZARD_KINDS = ("flood", "landslide", "other")
#: Flood depth rank properties, first found wins: 国土数値情報 A31a (2020–) and older A31.
FLOOD_DEPTH_PROPERTIES = ("A31a_205", "A31_205")
#: A33_001 codes: 1 急傾斜地の崩壊, 2 土石流, 3 地滑り.
PHENOMENA = {1: "steep_slope", 2: "debris_flow", 3: "landslide"}
#: A33_002 codes: 1 土砂災害警戒区域, 2 土砂災害特別警戒区域.
ZONES = {1: "warning", 2: "special"}
#: The same codes written out, as some prefectures' own files do (special before warning:
#: 特別警戒 contains 警戒).
PHENOMENON_WORDS = {"急傾斜": 1, "土石流": 2, "地すべり": 3, "地滑り": 3}
ZONE_WORDS = {"特別警戒": 2, "警戒": 1}
LAYER_COLUMNS = ("kind", "depth_rank", "phenomenon", "zone", "source_name", "geometry")

# Encodings to try when a Shapefile without a .cpg was read as ISO-8859-1 into mojibake.
_FALLBACK_ENCODINGS = ("utf-8", "cp932")
_POLYGONAL = ("Polygon", "MultiPolygon")


class HazardInputError(ValueError):
    """A hazard file that is refused; the message says why, for staff to read."""


def read_hazard_layer(
    path: str | Path,
    kind: str,
    crs: str = "EPSG:6677",
    depth_property: str | None = None,
    encoding: str | None = None,
    name: str | None = None,
) -> gpd.GeoDataFrame:
    """The polygons of one hazard file, with columns LAYER_COLUMNS, in `crs`.

    kind: "flood" (depth_rank from A31a_205, A31_205 or depth_property, holding ranks),
    "landslide" (phenomenon and zone from A33_001 and A33_002, None where absent) or "other".
    encoding: the attribute encoding, for a Shapefile without a .cpg; when not given, one
    that was read as ISO-8859-1 into mojibake is re-read as UTF-8 or cp932.
    name: the layer's name (source_name); the file name without extension by default.
    Invalid polygons are repaired with make_valid; features that are not polygons are left
    out. Raises HazardInputError for a file it refuses.
    """
    if kind not in HAZARD_KINDS:
        raise HazardInputError(f"unknown hazard kind {kind!r}; expected one of {HAZARD_KINDS}")
    path = Path(path)
    gdf = _read(path, encoding)
    _check_crs(gdf, path)
    geometry = _polygonal(np.asarray(gdf.geometry.array, dtype=object))
    keep = ~shapely.is_missing(geometry) & ~shapely.is_empty(geometry)
    if not keep.any():
        raise HazardInputError(
            f"{path.name} has no polygon features (a hazard layer must "
            "outline areas, not points or lines)"
        )
    gdf = gdf[keep]
    layer = gpd.GeoDataFrame(
        {
            "kind": kind,
            "depth_rank": _depth_ranks(gdf, path, depth_property)
            if kind == "flood"
            else pd.array([None] * len(gdf), dtype="Int64"),
            "phenomenon": _codes(gdf, "A33_001", PHENOMENA, PHENOMENON_WORDS)
            if kind == "landslide"
            else None,
            "zone": _codes(gdf, "A33_002", ZONES, ZONE_WORDS) if kind == "landslide" else None,
            "source_name": name or path.stem,
        },
        geometry=geometry[keep],
        crs=gdf.crs,
    )
    for column in ("phenomenon", "zone"):
        layer[column] = layer[column].astype(object).where(layer[column].notna(), None)
    return layer.reset_index(drop=True).to_crs(crs)


def is_tokyo_datum(crs: Any) -> bool:
    """True for EPSG:4301 and any CRS (geographic or projected) on the old Tokyo datum."""
    crs = CRS.from_user_input(crs)
    if crs.to_epsg() == 4301:
        return True
    candidates = [crs, crs.geodetic_crs, *crs.sub_crs_list]
    for candidate in candidates:
        datum = candidate.datum if candidate is not None else None
        if datum is not None and "tokyo" in datum.name.lower():
            return True
    return False


def _read(path: Path, encoding: str | None) -> gpd.GeoDataFrame:
    try:
        gdf = _read_file(path, encoding)
    except UnicodeDecodeError:
        if encoding is not None:
            raise HazardInputError(f"{path.name} is not valid {encoding}") from None
        return _read_file(path, "cp932")
    if encoding is None and _read_as_latin1(path) and _mojibake(gdf):
        for candidate in _FALLBACK_ENCODINGS:
            if _redecodes(gdf, candidate):
                return _read_file(path, candidate)
    return gdf


def _read_file(path: Path, encoding: str | None) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(path, **({"encoding": encoding} if encoding else {}))
    except UnicodeDecodeError:
        raise
    except Exception as error:  # pyogrio raises several kinds for an unreadable file
        raise HazardInputError(
            f"{path.name} cannot be read as GeoJSON, Shapefile or GeoPackage: {error}"
        ) from error


def _read_as_latin1(path: Path) -> bool:
    """Whether GDAL decoded the attributes as ISO-8859-1 (a Shapefile with no .cpg)."""
    try:
        info = pyogrio.read_info(path)
    except Exception:  # the file was just read; treat a failure here as "no"
        return False
    return str(info.get("encoding") or "").upper() in {"ISO-8859-1", "LATIN1", "ISO8859-1"}


def _texts(gdf: gpd.GeoDataFrame) -> list[str]:
    """Column names and string values, where mojibake would show."""
    texts = [str(column) for column in gdf.columns]
    for column in gdf.columns:
        if column != gdf.geometry.name and pd.api.types.is_string_dtype(gdf[column].dtype):
            texts += [value for value in gdf[column].dropna().unique() if isinstance(value, str)]
    return texts


def _mojibake(gdf: gpd.GeoDataFrame) -> bool:
    return any(any("\x80" <= char <= "\xff" for char in text) for text in _texts(gdf))


def _redecodes(gdf: gpd.GeoDataFrame, encoding: str) -> bool:
    try:
        for text in _texts(gdf):
            text.encode("latin-1").decode(encoding)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return True


def _check_crs(gdf: gpd.GeoDataFrame, path: Path) -> None:
    if gdf.crs is None:
        raise HazardInputError(
            f"{path.name} has no coordinate reference system (a Shapefile needs its .prj); "
            "without one its coordinates cannot be placed"
        )
    if is_tokyo_datum(gdf.crs):
        raise HazardInputError(
            f"{path.name} uses the old Tokyo datum ({CRS.from_user_input(gdf.crs).name}), "
            "which cannot be converted accurately without a grid file; ask for the data in "
            "JGD2011 or WGS84"
        )


def _polygonal(geometry: np.ndarray) -> np.ndarray:
    """Valid polygons: invalid ones repaired, polygon parts kept, everything else None."""
    geometry = geometry.copy()
    present = ~shapely.is_missing(geometry)
    invalid = present & ~shapely.is_valid(geometry)
    geometry[invalid] = shapely.make_valid(geometry[invalid])
    types = shapely.get_type_id(geometry)
    is_polygonal = np.isin(types, (3, 6))  # Polygon, MultiPolygon
    collections = np.flatnonzero(types == 7)  # GeometryCollection, e.g. from make_valid
    for i in collections:
        parts = [part for part in shapely.get_parts(geometry[i]) if part.geom_type in _POLYGONAL]
        geometry[i] = shapely.union_all(parts) if parts else None
        is_polygonal[i] = bool(parts)
    geometry[~is_polygonal] = None
    return geometry


def _depth_ranks(gdf: gpd.GeoDataFrame, path: Path, depth_property: str | None) -> Any:
    if depth_property is not None and depth_property not in gdf.columns:
        raise HazardInputError(
            f"{path.name} has no property {depth_property!r} for the flood depth "
            f"(it has: {', '.join(_properties(gdf))})"
        )
    column = depth_property or next((c for c in FLOOD_DEPTH_PROPERTIES if c in gdf.columns), None)
    if column is None:
        raise HazardInputError(
            f"{path.name} has no flood depth property: expected "
            f"{' or '.join(FLOOD_DEPTH_PROPERTIES)} (国土数値情報 A31), or configure the property "
            f"that holds the depth rank (it has: {', '.join(_properties(gdf))})"
        )
    return pd.array([_integer(value) for value in gdf[column]], dtype="Int64")


def _codes(
    gdf: gpd.GeoDataFrame, column: str, labels: dict[int, str], words: dict[str, int]
) -> list[str | None]:
    """Labels for a code column, written as a number (1, "1", "１") or in words (土石流)."""
    if column not in gdf.columns:
        return [None] * len(gdf)
    return [labels.get(_code(value, words) or 0) for value in gdf[column]]


def _code(value: Any, words: dict[str, int]) -> int | None:
    number = _integer(value)
    if number is not None or not isinstance(value, str):
        return number
    return next((code for word, code in words.items() if word in value), None)


def _integer(value: Any) -> int | None:
    """A whole number from a number or text ("2", "２", 2.0); None otherwise."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        try:
            value = float(unicodedata.normalize("NFKC", value).strip())
        except ValueError:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number == int(number) else None


def _properties(gdf: gpd.GeoDataFrame) -> list[str]:
    return [str(column) for column in gdf.columns if column != gdf.geometry.name]
