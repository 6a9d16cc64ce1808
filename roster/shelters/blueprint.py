"""The registry's blueprint and what every shelter page's template can use."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import gettext as _

from geo.shelters.columns import KINDS

from ..models.shelters import HAZARDS
from .labels import (
    GROUP_LABELS,
    GSI_ATTRIBUTION,
    HAZARD_LABELS,
    KIND_LABELS,
    group_label,
    hazard_label,
    is_gsi,
    kind_label,
    source_label,
    source_short,
)

bp = Blueprint("shelters", __name__)


@bp.context_processor
def shelter_helpers() -> dict[str, Any]:
    return {
        "KINDS": KINDS,
        "KIND_LABELS": KIND_LABELS,
        "HAZARDS": HAZARDS,
        "HAZARD_LABELS": HAZARD_LABELS,
        "GROUP_LABELS": GROUP_LABELS,
        "GSI_ATTRIBUTION": GSI_ATTRIBUTION,
        "hazard_label": hazard_label,
        "group_label": group_label,
        "kind_label": kind_label,
        "source_label": source_label,
        "source_short": source_short,
        "is_gsi": is_gsi,
        "yes_no": yes_no,
    }


def yes_no(value: bool | None) -> str:
    if value is None:
        return _("Unknown")
    return _("Yes") if value else _("No")
