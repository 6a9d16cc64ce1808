"""What staff read about a hazard file, in their language: why it was refused
(geo.hazard_errors codes, with the upload page's words for the options) and what was read."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from geo.hazards import HazardInputError, LayerReport

from .names import DEPTH_NAMES, PHENOMENON_NAMES, ZONE_NAMES

#: A sentence for every geo.hazard_errors code, with the same parameters.
REFUSALS: dict[str, Any] = {
    "unknown_kind": _l("%(kind)s is not a kind of hazard layer (%(kinds)s)."),
    "bad_encoding": _l("The attributes of %(file)s are not in %(encoding)s."),
    "unreadable": _l(
        "%(file)s cannot be read as GeoJSON, Shapefile or GeoPackage (%(error)s)."
    ),
    "no_crs": _l(
        "%(file)s does not say its coordinate reference system (a Shapefile needs its .prj), "
        "so its areas cannot be placed."
    ),
    "tokyo_datum": _l(
        "%(file)s uses the old Tokyo datum (%(crs)s), which cannot be converted accurately. "
        "Ask for the data in JGD2011 or WGS84."
    ),
    "no_polygons": _l("%(file)s holds no areas (polygons), only points or lines."),
    "bad_feature": _l("Feature %(feature)s of %(file)s cannot be read as an area: %(reason)s."),
    "unrepairable": _l(
        "Feature %(feature)s of %(file)s is not a valid area (%(reason)s) and cannot be "
        "repaired into one. Correct it in a GIS and import the file again."
    ),
    "missing_property": _l(
        "%(file)s has no property %(property)s. Its properties: %(properties)s."
    ),
    "no_depth_property": _l(
        "The depth rank of %(file)s cannot be read: it has neither A31a_205 nor A31_205. "
        "Enter the property that holds the depth rank under “Flood depth property”. Its "
        "properties, with values seen: %(properties)s."
    ),
    "unknown_depths": _l(
        "%(count)s areas of %(file)s have a depth rank in %(property)s that is not a whole "
        "number (values seen: %(values)s)."
    ),
    "no_zone_property": _l(
        "Whether the areas of %(file)s are 特別警戒区域 or 警戒区域 cannot be read: it has no "
        "property A33_002, kubun or 区分. Enter the property under “Zone property”, or, if "
        "every area is a 警戒区域, choose it under “Zone of areas the file does not state”. "
        "Its properties, with values seen: %(properties)s."
    ),
    "missing_zones": _l(
        "%(count)s areas of %(file)s have no zone in %(property)s. Choose their zone under "
        "“Zone of areas the file does not state”."
    ),
    "unknown_zones": _l(
        "%(count)s areas of %(file)s have a zone in %(property)s that is neither 特別警戒区域 "
        "nor 警戒区域 (values seen: %(values)s). Say what each value means under “Meaning of "
        "the zone values”, e.g. R=特別警戒区域."
    ),
    "unknown_phenomena": _l(
        "%(count)s areas of %(file)s have a phenomenon in %(property)s that is not 急傾斜地の"
        "崩壊, 土石流 or 地滑り (values seen: %(values)s). Say what each value means under "
        "“Meaning of the phenomenon values”, e.g. K=急傾斜地の崩壊."
    ),
    "bad_value_map": _l(
        "“%(entry)s” is not a value and its meaning. Write VALUE=MEANING, the meaning one of "
        "%(meanings)s."
    ),
}
#: GEOS's names of the faults of an invalid area (shapely.is_valid_reason).
FAULTS: dict[str, Any] = {
    "Self-intersection": _l("the outline crosses itself"),
    "Ring Self-intersection": _l("a ring touches itself"),
    "Too few points in geometry component": _l("too few points to outline an area"),
    "Hole lies outside shell": _l("a hole lies outside the area"),
    "Nested holes": _l("a hole lies inside another hole"),
    "Interior is disconnected": _l("holes cut the area in pieces"),
    "Nested shells": _l("an area lies inside another of the same feature"),
    "Duplicate Rings": _l("a ring is repeated"),
    "Invalid Coordinate": _l("a coordinate is not a number"),
}
_FAULT = re.compile(r"^(?P<fault>[A-Za-z -]+?)\s*\[(?P<where>[^\]]*)\]$")


def refusal(error: HazardInputError) -> str:
    """Why the file was refused, in the user's language."""
    params = dict(error.params)
    if "reason" in params:
        params["reason"] = fault(params["reason"])
    return str(REFUSALS[error.code]) % params


def fault(reason: str) -> str:
    """A GEOS fault ("Self-intersection[139.5 35.7]") in the user's language, with where."""
    match = _FAULT.match(reason.strip())
    name = match["fault"] if match else reason.strip()
    if name not in FAULTS:
        return reason
    where = match["where"] if match else ""
    return _("%(fault)s at %(where)s", fault=FAULTS[name], where=where) if where else str(
        FAULTS[name]
    )


def report_lines(report: LayerReport) -> list[str]:
    """What was read, one sentence each: areas by rank, zone and phenomenon, repairs, and
    the features left out."""
    return [*_area_lines(report), *_left_out_lines(report)]


def _area_lines(report: LayerReport) -> list[str]:
    """The areas read, by rank, zone and phenomenon."""
    lines = []
    if report.depth_ranks:
        lines.append(_("Areas by depth rank: %(counts)s.", counts=_counts(report.depth_ranks,
                                                                           DEPTH_NAMES)))
    if report.zones:
        lines.append(_("Areas by zone: %(counts)s.", counts=_counts(report.zones, ZONE_NAMES)))
    if report.zones_given:
        lines.append(_("%(n)d areas have the zone chosen at import.", n=report.zones_given))
    if report.phenomena:
        lines.append(_("Areas by phenomenon: %(counts)s.",
                       counts=_counts(report.phenomena, PHENOMENON_NAMES)))
    return lines


def _left_out_lines(report: LayerReport) -> list[str]:
    """The areas repaired, and the features left out."""
    lines = []
    if report.repaired:
        lines.append(_("%(n)d areas repaired (features %(features)s).", n=len(report.repaired),
                       features=_numbers(report.repaired)))
    if report.not_areas:
        lines.append(_("%(n)d features that are not areas were left out.", n=report.not_areas))
    if report.parts_dropped:
        lines.append(_("%(n)d lines or points left over by repairs were left out.",
                       n=report.parts_dropped))
    return lines


def _counts(counts: dict[str, int], names: dict[Any, Any]) -> str:
    """"特別警戒区域 2, 警戒区域 3, unknown 1", known values first in their names' order."""
    keys = {str(key): key for key in names}
    shown = [f"{names[keys[k]]} {counts[k]}" for k in keys if k in counts]
    shown += [f"{k} {n}" for k, n in counts.items() if k not in keys and k != "unknown"]
    if "unknown" in counts:
        shown.append(_("not given %(n)d", n=counts["unknown"]))
    return ", ".join(shown)


def _numbers(numbers: list[int], limit: int = 10) -> str:
    shown = ", ".join(map(str, numbers[:limit]))
    return shown + (", …" if len(numbers) > limit else "")
