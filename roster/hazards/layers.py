"""Hazard layers: import_layer() stores one hazard file as a HazardLayer with its HazardArea
polygons (WKB in the metric CRS of config geo.crs), delete_layer() removes one; both then
recompute everyone's flags and assignments.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import delete, insert, select

from geo.hazards import Attributes, LayerReport, read_hazard_file

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import HazardArea, HazardKind, HazardLayer, User
from .assignment import Progress, recompute_all
from .frames import metric_crs


@dataclass(frozen=True)
class ImportedLayer:
    """A stored layer and the report of its reading (areas by value, repairs)."""

    layer: HazardLayer
    report: LayerReport


def import_layer(
    session: DbSession,
    path: str | Path,
    kind: str,
    *,
    actor: User | None,
    name: str | None = None,
    depth_property: str | None = None,
    attributes: Attributes | None = None,
    encoding: str | None = None,
    synthetic: bool = False,
    source_file: str | None = None,
    crs: str | None = None,
    recompute: bool = True,
    progress: Progress | None = None,
    audit: bool = True,
) -> ImportedLayer:
    """Store one hazard file as a layer of polygons in the metric CRS, then (by default)
    recompute everyone's flags and assignments.

    attributes: which properties hold the depth rank, zone and phenomenon and what their
    values mean, when not as 国土数値情報 or Tokyo publish them (depth_property is short for
    its depth_property). Raises geo.hazards.HazardInputError (refusals.refusal() says it for
    staff) before anything is written. source_file: the name to record (the uploaded
    file's), default the path's.
    """
    crs = metric_crs(crs)
    path = Path(path)
    attributes = attributes or Attributes()
    if depth_property:
        attributes = replace(attributes, depth_property=depth_property)
    read = read_hazard_file(
        path, kind, crs=crs, attributes=attributes, encoding=encoding or None, name=name or None
    )
    layer = HazardLayer(
        kind=HazardKind(kind),
        name=(name or str(read.frame["source_name"].iloc[0]) or path.stem)[:120],
        source_file=(source_file or path.name)[:200],
        crs=crs,
        synthetic=synthetic,
        feature_count=len(read.frame),
        imported_by=actor,
    )
    _store_areas(session, layer, read.frame)
    if audit:  # the demo loader, like the rest of the demo, writes no audit events
        _audit_import(session, layer, read.report, actor)
    if recompute:
        recompute_all(session, crs=crs, progress=progress)
    return ImportedLayer(layer, read.report)


def _store_areas(session: DbSession, layer: HazardLayer, frame: gpd.GeoDataFrame) -> None:
    """Store the layer, then its polygons in bulk as WKB."""
    session.add(layer)
    session.flush()
    wkb = shapely.to_wkb(np.asarray(frame.geometry.array, dtype=object))
    rows = [
        {
            "layer_id": layer.id,
            "depth_rank": None if pd.isna(rank) else int(rank),
            "phenomenon": phenomenon,
            "zone": zone,
            "geometry": bytes(geometry),
        }
        for rank, phenomenon, zone, geometry in zip(
            frame["depth_rank"], frame["phenomenon"], frame["zone"], wkb, strict=True
        )
    ]
    session.execute(insert(HazardArea), rows)


def _audit_import(
    session: DbSession, layer: HazardLayer, report: LayerReport, actor: User | None
) -> None:
    record_event(
        session,
        "hazard.import",
        actor=actor,
        object_type="hazard_layer",
        object_id=layer.id,
        detail={
            "kind": layer.kind.value,
            "features": layer.feature_count,
            "synthetic": layer.synthetic,
            **report.as_detail(),
        },
    )


def delete_layer(
    session: DbSession, layer: HazardLayer, *, actor: User | None, crs: str | None = None
) -> None:
    """Remove a layer and its areas, then recompute everyone's flags and assignments."""
    layer_id, kind = layer.id, layer.kind.value
    session.execute(delete(HazardArea).where(HazardArea.layer_id == layer_id))
    session.delete(layer)
    session.flush()
    record_event(
        session,
        "hazard.delete",
        actor=actor,
        object_type="hazard_layer",
        object_id=layer_id,
        detail={"kind": kind},
    )
    recompute_all(session, crs=crs)


def list_layers(session: DbSession) -> list[HazardLayer]:
    return list(session.scalars(select(HazardLayer).order_by(HazardLayer.kind, HazardLayer.id)))
