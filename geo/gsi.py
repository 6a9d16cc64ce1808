"""Reading GSI's 指定緊急避難場所・指定避難所データ (GeoJSON) into one row per place.

GSI publishes designated shelters (指定避難所) and emergency evacuation sites
(指定緊急避難場所) as two lists. One school is often in both, under the same name and address,
sometimes under a slightly different name at the same point. read_gsi_shelters() merges
such listings into one place that carries every designation.

出典：国土地理院 指定緊急避難場所・指定避難所データ
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from .shelters.columns import GSI_FIELDS

#: Data files shipped with the project (see data/README.md for the attribution).
DATA_DIR = Path(__file__).parent / "data"

#: GSI hazard flag columns by hazard key, in the published order. The keys must equal
#: roster.models.shelters.HAZARDS (a test checks it); geo does not import roster.
HAZARD_COLUMNS: dict[str, str] = {
    "flood": "洪水",
    "landslide": "崖崩れ、土石流及び地滑り",
    "storm_surge": "高潮",
    "earthquake": "地震",
    "tsunami": "津波",
    "large_fire": "大規模な火事",
    "inland_flood": "内水氾濫",
    "volcano": "火山現象",
}

_TRUE_FLAGS = {"1", "1.0", "true", "○", "◯"}


def read_gsi_shelters(evacuation_path: str | Path, emergency_path: str | Path) -> gpd.GeoDataFrame:
    """One row per place from GSI's shelter and emergency-site files, sorted by source_id.

    Columns: source_id (the place's first 共通ID), name, address, latitude, longitude,
    is_emergency_site, is_evacuation_shelter, is_welfare_shelter, hazards (list of hazard
    keys in HAZARD_COLUMNS order), accepts (受入対象者 or None), and a point geometry.
    geo.shelters.reading.read_shelter_files reads the same data with more columns and row errors.
    """
    listings = list(_listings(gpd.read_file(evacuation_path, engine="pyogrio"), False))
    listings += _listings(gpd.read_file(emergency_path, engine="pyogrio"), True)
    places = merge_places(listings)
    frame = pd.DataFrame(places, columns=list(GSI_FIELDS))
    # Keep missing 受入対象者 as None, not as the NaN of pandas' string dtype.
    frame["accepts"] = pd.Series([place["accepts"] for place in places], dtype=object)
    frame = frame.sort_values("source_id", ignore_index=True)
    return gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
        crs="EPSG:4326",
    )


def merge_places(listings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One dict per place from listings of both kinds (as listing() makes them).

    Listings with the same name and address, or at the same point, are one place: it
    carries every designation and hazard of its listings and, as source_ids, every 共通ID it
    is listed under; everything else comes from its first 共通ID, so extra keys a caller adds
    to the listings are kept too.
    """
    return [_merge(group) for group in _group_same_place(listings)]


def listing(
    props: dict[str, Any], longitude: float, latitude: float, emergency: bool
) -> dict[str, Any]:
    """One GSI feature or CSV row (its properties by GSI column name) in a common shape."""
    source_id = _text(props.get("共通ID"))
    accepts = None if emergency else _text(props.get("受入対象者")) or None
    return {
        "source_id": source_id,
        "name": _text(props.get("施設・場所名")),
        "address": _text(props.get("住所")),
        "longitude": float(longitude),
        "latitude": float(latitude),
        "is_emergency_site": emergency,
        "is_evacuation_shelter": not emergency,
        "is_welfare_shelter": not emergency
        and (shelter_type(source_id).startswith("12") or accepts is not None),
        "hazards": _hazards(props) if emergency else [],
        "accepts": accepts,
    }


def shelter_type(source_id: str) -> str:
    """The 3-digit type at the end of a 共通ID: 2xx site, 11x shelter, 12x welfare shelter."""
    return source_id[-3:]


def _listings(gdf: gpd.GeoDataFrame, emergency: bool) -> Iterator[dict[str, Any]]:
    """One dict per feature of one GSI file, in a common shape."""
    if gdf.crs is not None and gdf.crs.to_epsg() not in (4326, None):
        gdf = gdf.to_crs("EPSG:4326")
    for props in gdf.to_dict("records"):
        point = props["geometry"]
        yield listing(props, point.x, point.y, emergency)


def _hazards(props: dict[str, Any]) -> list[str]:
    return [key for key, column in HAZARD_COLUMNS.items() if _flag(props.get(column))]


def _flag(value: Any) -> bool:
    if value is None or (isinstance(value, float) and value != value):
        return False
    return _text(value).lower() in _TRUE_FLAGS


def _text(value: Any) -> str:
    """A property as trimmed text; None and NaN become ''."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _compact(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _group_same_place(listings: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    """Listings grouped by place: same name and address, or the same coordinates."""
    parent = list(range(len(listings)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with_key: dict[tuple[Any, ...], int] = {}
    for i, item in enumerate(listings):
        for key in _place_keys(item):
            j = first_with_key.setdefault(key, i)
            parent[find(i)] = find(j)
    groups: dict[int, list[dict[str, Any]]] = {}
    for i, item in enumerate(listings):
        groups.setdefault(find(i), []).append(item)
    return groups.values()


def _place_keys(item: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The keys by which two listings are the same place: name and address, coordinates."""
    return [
        ("name", _compact(item["name"]), _compact(item["address"])),
        ("point", round(item["longitude"], 6), round(item["latitude"], 6)),
    ]


def _merge(group: list[dict[str, Any]]) -> dict[str, Any]:
    """One place from its listings; name, address and point come from the first 共通ID."""
    group = sorted(group, key=lambda item: item["source_id"])
    first = group[0]
    hazards = {key for item in group for key in item["hazards"]}
    accepts = [item["accepts"] for item in group if item["accepts"]]
    return {
        **first,
        "source_ids": [item["source_id"] for item in group],
        "is_emergency_site": any(item["is_emergency_site"] for item in group),
        "is_evacuation_shelter": any(item["is_evacuation_shelter"] for item in group),
        "is_welfare_shelter": any(item["is_welfare_shelter"] for item in group),
        "hazards": [key for key in HAZARD_COLUMNS if key in hazards],
        "accepts": "／".join(dict.fromkeys(accepts)) or None,
    }
