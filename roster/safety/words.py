"""An operation in words for its pages: its area, and the time since it started."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from ..hazards.names import DEPTH_NAMES, LAYER_KIND_NAMES
from ..models import HazardKind, HazardLayer, SafetyOperation


def area_words(operation: SafetyOperation) -> str:
    """The districts, the hazard areas and the release, e.g. 田無町、向台町／洪水: …"""
    parts = []
    if operation.districts:
        parts.append("、".join(d.name for d in operation.districts))
    layer = operation.hazard_layer
    if layer is not None:
        name = layer_name(layer)
        rank = operation.min_flood_rank
        if layer.kind is HazardKind.FLOOD and rank:
            depth = str(DEPTH_NAMES.get(rank, rank))
            parts.append(
                _(
                    "%(layer)s, rank %(rank)d (%(depth)s) or deeper",
                    layer=name,
                    rank=rank,
                    depth=depth,
                )
            )
        else:
            parts.append(_("%(layer)s, every zone", layer=name))
    if operation.release is not None:
        parts.append(_("under the release %(name)s", name=operation.release.name))
    return " / ".join(parts)


def layer_name(layer: HazardLayer) -> str:
    """A hazard layer by its kind and name, the kind once when the name already says it."""
    kind = str(LAYER_KIND_NAMES.get(layer.kind.value, layer.kind.value))
    return layer.name if kind in layer.name else f"{kind}: {layer.name}"


def elapsed_words(started: datetime, now: datetime) -> str:
    """Hours and minutes since the start, e.g. 3時間05分."""
    minutes = max(int((now - started).total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d h %(m)02d min", h=hours, m=minutes)
    return _("%(m)d min", m=minutes)


def elapsed_minutes(started: datetime, now: datetime) -> int:
    return max(int((now - started).total_seconds() // 60), 0)
