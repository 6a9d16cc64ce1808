"""An operation in words for its pages: its area, and the time since it started."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from ..hazards.names import DEPTH_NAMES, LAYER_KIND_NAMES
from ..models import HazardKind, SafetyOperation


def area_words(operation: SafetyOperation) -> str:
    """The districts, the hazard areas and the release, e.g. 田無町、向台町／洪水: …"""
    parts = []
    if operation.districts:
        parts.append("、".join(d.name for d in operation.districts))
    layer = operation.hazard_layer
    if layer is not None:
        kind = str(LAYER_KIND_NAMES.get(layer.kind.value, layer.kind.value))
        if layer.kind is HazardKind.FLOOD and operation.min_flood_rank:
            depth = str(DEPTH_NAMES.get(operation.min_flood_rank, operation.min_flood_rank))
            parts.append(
                _(
                    "%(kind)s: %(name)s, depth %(depth)s or more",
                    kind=kind,
                    name=layer.name,
                    depth=depth,
                )
            )
        else:
            parts.append(_("%(kind)s: %(name)s, every zone", kind=kind, name=layer.name))
    if operation.release is not None:
        parts.append(_("under the release %(name)s", name=operation.release.name))
    return " / ".join(parts)


def elapsed_words(started: datetime, now: datetime) -> str:
    """Hours and minutes since the start, e.g. 3時間05分."""
    minutes = max(int((now - started).total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d h %(m)02d min", h=hours, m=minutes)
    return _("%(m)d min", m=minutes)


def elapsed_minutes(started: datetime, now: datetime) -> int:
    return max(int((now - started).total_seconds() // 60), 0)
