"""Hazard areas (flood inundation, landslide zones, others) read into one shape.

Municipalities get these as GeoJSON, Shapefile (often with Shift_JIS attributes and no .cpg
to say so) or GeoPackage, from 国土数値情報 (A31 flood areas, A33 landslide zones) or from
their prefecture in its own properties. read_hazard_file() reads any of them with pyogrio
into the columns the analysis needs, reprojected to the metric CRS, with a report of what
it read; geo.hazard_codes says what the attributes mean.

Invalid areas (unclosed rings, self-intersections) are repaired with make_valid and counted;
one that cannot be repaired into an area is refused, naming the feature. Some inputs are
refused rather than guessed at (HazardInputError, with a message for staff): old
Tokyo-datum coordinates (converting them accurately needs a grid file, and a silent shift of
up to 450 m would put people in the wrong zone), a layer with no CRS, a layer with no
polygons, a landslide layer whose zone cannot be read and a flood layer with no depth rank.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from shapely.errors import GEOSException

from .hazard_codes import (
    FLOOD_DEPTH_PROPERTIES,
    PHENOMENA,
    PHENOMENON_PROPERTIES,
    ZONE_PROPERTIES,
    ZONES,
    Attributes,
    Codes,
    read_depths,
    read_phenomena,
    read_zones,
)
from .hazard_errors import HazardInputError

__all__ = [
    "FLOOD_DEPTH_PROPERTIES",
    "HAZARD_KINDS",
    "LAYER_COLUMNS",
    "PHENOMENA",
    "PHENOMENON_PROPERTIES",
    "ZONES",
    "ZONE_PROPERTIES",
    "Attributes",
    "HazardInputError",
    "HazardRead",
    "LayerReport",
    "is_tokyo_datum",
    "read_hazard_file",
    "read_hazard_layer",
]

HAZARD_KINDS = ("flood", "landslide", "other")
LAYER_COLUMNS = ("kind", "depth_rank", "phenomenon", "zone", "source_name", "geometry")

# Encodings to try when a Shapefile without a .cpg was read as ISO-8859-1 into mojibake.
_FALLBACK_ENCODINGS = ("utf-8", "cp932")
_POLYGONAL = ("Polygon", "MultiPolygon")
_POLYGON_TYPES = (3, 6)  # shapely type ids of Polygon and MultiPolygon
_COLLECTION_TYPES = (4, 5, 7)  # MultiPoint, MultiLineString, GeometryCollection


@dataclass
class LayerReport:
    """What was read: areas kept by value, areas repaired (feature numbers from 1), features
    left out because they are not areas (points, lines, no geometry), line or point parts
    that a repair left over, and which property each attribute was read from."""

    areas: int = 0
    repaired: list[int] = field(default_factory=list)
    not_areas: int = 0
    parts_dropped: int = 0
    depth_ranks: dict[str, int] = field(default_factory=dict)
    zones: dict[str, int] = field(default_factory=dict)
    phenomena: dict[str, int] = field(default_factory=dict)
    #: Areas whose zone staff gave (Attributes.zone) because the file gives none.
    zones_given: int = 0
    properties: dict[str, str] = field(default_factory=dict)

    def as_detail(self) -> dict[str, Any]:
        """Counts only, for the audit trail."""
        return {
            "repaired": len(self.repaired),
            "not_areas": self.not_areas,
            "parts_dropped": self.parts_dropped,
            "zones_given": self.zones_given,
        }


@dataclass
class HazardRead:
    """A hazard layer (columns LAYER_COLUMNS) and the report of its reading."""

    frame: gpd.GeoDataFrame
    report: LayerReport


def read_hazard_file(
    path: str | Path,
    kind: str,
    crs: str = "EPSG:6677",
    attributes: Attributes | None = None,
    encoding: str | None = None,
    name: str | None = None,
) -> HazardRead:
    """The areas of one hazard file, with columns LAYER_COLUMNS, in `crs`, and a report.

    kind: "flood" (depth_rank), "landslide" (zone and phenomenon) or "other";
    attributes: which properties to read and what their values mean, beyond the names
    geo.hazard_codes recognises. encoding: the attribute encoding of a Shapefile without a
    .cpg; when not given, one read as ISO-8859-1 into mojibake is re-read as UTF-8 or cp932.
    name: the layer's name (source_name); the file name without extension by default.
    Raises HazardInputError for a file it refuses.
    """
    if kind not in HAZARD_KINDS:
        raise HazardInputError("unknown_kind", kind=repr(kind), kinds=", ".join(HAZARD_KINDS))
    path = Path(path)
    attributes = attributes or Attributes()
    table, source_crs, wkb = _read(path, encoding)
    _check_crs(source_crs, path)
    report = LayerReport()
    geometry, keep = _kept_areas(wkb, path.name, report)
    columns = _attributes(table[keep].reset_index(drop=True), kind, path.name, attributes, report)
    layer = gpd.GeoDataFrame(
        {"kind": kind, **columns, "source_name": name or path.stem},
        geometry=geometry[keep],
        crs=source_crs,
    )
    _count(layer, report)
    return HazardRead(layer.to_crs(crs), report)


def read_hazard_layer(
    path: str | Path,
    kind: str,
    crs: str = "EPSG:6677",
    depth_property: str | None = None,
    encoding: str | None = None,
    name: str | None = None,
    attributes: Attributes | None = None,
) -> gpd.GeoDataFrame:
    """The areas of one hazard file (read_hazard_file() without its report)."""
    if depth_property is not None:
        attributes = Attributes(**{**(attributes or Attributes()).__dict__,
                                   "depth_property": depth_property})
    return read_hazard_file(path, kind, crs, attributes, encoding, name).frame


def _kept_areas(wkb: np.ndarray, file: str, report: LayerReport) -> tuple[np.ndarray, Any]:
    """Each feature's area and which features are areas; refused when none is."""
    geometry = _areas(wkb, file, report)
    keep = ~shapely.is_missing(geometry)
    if not keep.any():
        raise HazardInputError("no_polygons", file=file)
    return geometry, keep


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


def _read(path: Path, encoding: str | None) -> tuple[pd.DataFrame, Any, np.ndarray]:
    """The attribute table, the CRS and each feature's WKB, unparsed: GDAL hands over an
    unclosed ring that GEOS would refuse for the whole file, and _areas() repairs it."""
    table = _attributes_table(path, encoding)
    try:
        with warnings.catch_warnings():  # GDAL warns of each unclosed ring; they are counted
            warnings.filterwarnings("ignore", "Non closed ring", RuntimeWarning)
            meta, _, wkb, _ = pyogrio.raw.read(path, columns=[])
    except Exception as error:  # pyogrio raises several kinds for an unreadable file
        raise HazardInputError("unreadable", file=path.name, error=error) from error
    return table, meta.get("crs"), np.asarray(wkb, dtype=object)


def _attributes_table(path: Path, encoding: str | None) -> pd.DataFrame:
    try:
        table = _read_file(path, encoding)
    except UnicodeDecodeError:
        if encoding is not None:
            raise HazardInputError("bad_encoding", file=path.name, encoding=encoding) from None
        return _read_file(path, "cp932")
    if encoding is None and _read_as_latin1(path) and _mojibake(table):
        for candidate in _FALLBACK_ENCODINGS:
            if _redecodes(table, candidate):
                return _read_file(path, candidate)
    return table


def _read_file(path: Path, encoding: str | None) -> pd.DataFrame:
    options: dict[str, Any] = {"encoding": encoding} if encoding else {}
    try:
        with warnings.catch_warnings():
            # Unclosed rings are repaired and counted by _areas(); a property with mixed
            # values stays text, which is how the codes are read anyway.
            warnings.filterwarnings("ignore", "Non closed ring", RuntimeWarning)
            warnings.filterwarnings("ignore", "Could not parse column", UserWarning)
            return pyogrio.read_dataframe(path, read_geometry=False, **options)
    except UnicodeDecodeError:
        raise
    except Exception as error:  # pyogrio raises several kinds for an unreadable file
        raise HazardInputError("unreadable", file=path.name, error=error) from error


def _read_as_latin1(path: Path) -> bool:
    """Whether GDAL decoded the attributes as ISO-8859-1 (a Shapefile with no .cpg)."""
    try:
        info = pyogrio.read_info(path)
    except Exception:  # the file was just read; treat a failure here as "no"
        return False
    return str(info.get("encoding") or "").upper() in {"ISO-8859-1", "LATIN1", "ISO8859-1"}


def _texts(table: pd.DataFrame) -> list[str]:
    """Column names and string values, where mojibake would show."""
    texts = [str(column) for column in table.columns]
    for column in table.columns:
        if pd.api.types.is_string_dtype(table[column].dtype):
            texts += [v for v in table[column].dropna().unique() if isinstance(v, str)]
    return texts


def _mojibake(table: pd.DataFrame) -> bool:
    return any(any("\x80" <= char <= "\xff" for char in text) for text in _texts(table))


def _redecodes(table: pd.DataFrame, encoding: str) -> bool:
    try:
        for text in _texts(table):
            text.encode("latin-1").decode(encoding)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return True


def _check_crs(crs: Any, path: Path) -> None:
    if crs is None:
        raise HazardInputError("no_crs", file=path.name)
    if is_tokyo_datum(crs):
        raise HazardInputError("tokyo_datum", file=path.name, crs=CRS.from_user_input(crs).name)


# --- geometry ---------------------------------------------------------------------------------


def _areas(wkb: np.ndarray, file: str, report: LayerReport) -> np.ndarray:
    """Each feature's area, None for a feature that is not one (counted in the report).

    An unclosed ring is closed, and an invalid area repaired with make_valid, keeping its
    polygons; both count as repaired. A feature that cannot be made into an area is
    refused by its number (from 1, in the file's order)."""
    geometry, repaired = _parsed(wkb, file)
    repaired |= _repair_invalid(geometry, file, report)
    for i in np.flatnonzero(shapely.get_type_id(geometry) == 7).tolist():
        geometry[i] = _polygon_parts(geometry[i], report)
    area = np.isin(shapely.get_type_id(geometry), _POLYGON_TYPES) & ~shapely.is_empty(geometry)
    report.not_areas = int((~area).sum())
    report.repaired = sorted(i + 1 for i in repaired if area[i])
    geometry[~area] = None
    return geometry


def _parsed(wkb: np.ndarray, file: str) -> tuple[np.ndarray, set[int]]:
    """Each feature's geometry, and the positions of those whose rings had to be closed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        geometry = shapely.from_wkb(wkb, on_invalid="ignore")
    unparsed = np.flatnonzero(pd.notna(wkb) & shapely.is_missing(geometry))
    for i in unparsed.tolist():
        geometry[i] = _closed(wkb[i], i + 1, file)
    return geometry, set(unparsed.tolist())


def _repair_invalid(geometry: np.ndarray, file: str, report: LayerReport) -> set[int]:
    """Repair, in place, the invalid areas and collections; their positions."""
    types = shapely.get_type_id(geometry)
    invalid = np.flatnonzero(
        np.isin(types, _POLYGON_TYPES + (7,)) & ~shapely.is_valid(geometry)
    )
    for i in invalid.tolist():
        geometry[i] = _repaired(geometry[i], i + 1, file, report)
    return set(invalid.tolist())


def _closed(wkb: bytes, number: int, file: str) -> Any:
    """A feature GEOS cannot read as it is, with its rings closed; refused if still not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            geometry = shapely.from_wkb(wkb, on_invalid="fix")
    except (GEOSException, ValueError) as error:
        raise HazardInputError("bad_feature", file=file, feature=number, reason=error) from error
    if geometry is None:
        raise HazardInputError("bad_feature", file=file, feature=number, reason="no geometry")
    return geometry


def _repaired(geometry: Any, number: int, file: str, report: LayerReport) -> Any:
    """An invalid area made valid; refused by number and fault when no area is left."""
    reason = shapely.is_valid_reason(geometry)
    fixed = _polygon_parts(shapely.make_valid(geometry), report)
    if fixed is None:
        raise HazardInputError("unrepairable", file=file, feature=number, reason=reason)
    return fixed


def _polygon_parts(geometry: Any, report: LayerReport) -> Any:
    """The polygons of a geometry (one of them, or a union); the other parts counted."""
    if geometry.geom_type in _POLYGONAL:
        return geometry
    parts = shapely.get_parts(geometry)
    polygons = [part for part in parts if part.geom_type in _POLYGONAL and not part.is_empty]
    if not polygons:
        return None
    report.parts_dropped += len(parts) - len(polygons)
    return shapely.union_all(polygons)


# --- attributes -------------------------------------------------------------------------------


def _attributes(
    table: pd.DataFrame, kind: str, file: str, attributes: Attributes, report: LayerReport
) -> dict[str, Any]:
    """The depth_rank, phenomenon and zone columns of a layer of `kind`."""
    count = len(table)
    none = Codes([None] * count)
    depth = read_depths(table, file, attributes.depth_property) if kind == "flood" else none
    landslide = kind == "landslide"
    zone = read_zones(table, file, attributes) if landslide else none
    phenomenon = read_phenomena(table, file, attributes) if landslide else none
    report.zones_given = zone.given
    for attribute, codes in (("depth_rank", depth), ("zone", zone), ("phenomenon", phenomenon)):
        if codes.property is not None:
            report.properties[attribute] = codes.property
    ranks = depth.values if kind == "flood" else pd.array([None] * count, dtype="Int64")
    return {
        "depth_rank": ranks,
        "phenomenon": pd.Series(phenomenon.values, dtype=object),
        "zone": pd.Series(zone.values, dtype=object),
    }


def _count(layer: gpd.GeoDataFrame, report: LayerReport) -> None:
    """The areas by depth rank, zone and phenomenon ("unknown" where the file gives none)."""
    report.areas = len(layer)
    kind = str(layer["kind"].iloc[0])

    def tally(values: Any) -> dict[str, int]:
        return dict(Counter("unknown" if pd.isna(v) else str(v) for v in values))

    if kind == "flood":
        report.depth_ranks = tally(layer["depth_rank"])
    if kind == "landslide":
        report.zones = tally(layer["zone"])
        report.phenomena = tally(layer["phenomenon"])
