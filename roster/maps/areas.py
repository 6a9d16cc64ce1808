"""The hazard areas on a map: each hazard layer as GeoJSON in WGS84, simplified, styled by
flood depth or landslide zone, with popup lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import DbSession
from ..hazards.names import DEPTH_NAMES, LAYER_KIND_NAMES, PHENOMENON_NAMES, ZONE_NAMES
from ..models import HazardArea, HazardLayer
from .style import (
    DEPTH_COLOURS,
    EXACT_DECIMALS,
    OTHER_COLOUR,
    UNKNOWN_DEPTH_COLOUR,
    WGS84,
    ZONE_COLOURS,
    collection,
    display_text,
    feature,
)

#: Metres of simplification of hazard outlines before they are drawn.
SIMPLIFY_M = 5.0


@dataclass(frozen=True)
class HazardOverlay:
    layer_id: int
    kind: str
    name: str
    synthetic: bool
    geojson: dict[str, Any]


def hazard_overlays(session: DbSession) -> list[HazardOverlay]:
    """Each hazard layer as GeoJSON in WGS84, simplified by SIMPLIFY_M metres, with styles
    (flood by depth rank, landslide by zone) and popup lines."""
    return [
        HazardOverlay(
            layer_id=layer.id,
            kind=layer.kind.value,
            name=display_text(layer.name),
            synthetic=layer.synthetic,
            geojson=collection(_layer_features(session, layer)),
        )
        for layer in session.scalars(select(HazardLayer).order_by(HazardLayer.kind, HazardLayer.id))
    ]


def _layer_features(session: DbSession, layer: HazardLayer) -> list[dict[str, Any]]:
    """The layer's areas as styled features; an area simplified away is left out."""
    rows = _area_rows(session, layer)
    kind, title = layer.kind.value, display_text(layer.name)
    return [
        feature(
            row.id,
            shapely.geometry.mapping(shape),
            title,
            _area_lines(kind, row.depth_rank, row.zone, row.phenomenon, layer.synthetic),
            _area_style(kind, row.depth_rank, row.zone),
        )
        for row, shape in zip(rows, _shapes(rows, layer.crs), strict=True)
        if shape is not None and not shape.is_empty
    ]


def _area_rows(session: DbSession, layer: HazardLayer) -> Sequence[Any]:
    """The layer's areas: what their popups and styles read, and their outlines (WKB)."""
    return session.execute(
        select(
            HazardArea.id,
            HazardArea.depth_rank,
            HazardArea.zone,
            HazardArea.phenomenon,
            HazardArea.geometry,
        )
        .where(HazardArea.layer_id == layer.id)
        .order_by(HazardArea.id)
    ).all()


def _shapes(rows: Sequence[Any], crs: str) -> Any:
    """The rows' outlines simplified, in WGS84, rounded to EXACT_DECIMALS."""
    geometry = shapely.simplify(
        shapely.from_wkb([row.geometry for row in rows]), SIMPLIFY_M, preserve_topology=True
    )
    series = gpd.GeoSeries(geometry, crs=crs).to_crs(WGS84)
    return shapely.set_precision(np.asarray(series.array, dtype=object), 10**-EXACT_DECIMALS)


def _area_style(kind: str, depth_rank: int | None, zone: str | None) -> dict[str, Any]:
    if kind == "flood":
        colour = DEPTH_COLOURS.get(depth_rank or 0, UNKNOWN_DEPTH_COLOUR)
        return {"color": "#5c6bc0", "weight": 0.5, "fillColor": colour, "fillOpacity": 0.55}
    if kind == "landslide":
        colour = ZONE_COLOURS.get(zone or "warning", ZONE_COLOURS["warning"])
        return {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.45}
    return {"color": OTHER_COLOUR, "weight": 1, "fillColor": OTHER_COLOUR, "fillOpacity": 0.35}


def _area_lines(
    kind: str, depth_rank: int | None, zone: str | None, phenomenon: str | None, synthetic: bool
) -> list[list[str]]:
    lines = [[_("Kind"), str(LAYER_KIND_NAMES.get(kind, kind))]]
    if kind == "flood":
        depth = DEPTH_NAMES.get(depth_rank or 0)
        lines.append([_("Depth"), str(depth) if depth else _("unknown")])
    if kind == "landslide":
        lines.append([_("Zone"), str(ZONE_NAMES.get(zone or "warning"))])
        if phenomenon:
            lines.append([_("Phenomenon"), str(PHENOMENON_NAMES.get(phenomenon, phenomenon))])
    if synthetic:
        lines.append([_("Data"), _("synthetic hazard areas for the demo — not real hazard data")])
    return lines
