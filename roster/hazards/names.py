"""Translatable names of hazards, shelter kinds, groups, depth ranks and zones, for pages
and maps (codes are stored; people read these)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: The eight hazards of the shelter data (roster.models.HAZARDS), as GSI names them.
HAZARD_NAMES: dict[str, object] = {
    "flood": _l("Flood"),
    "landslide": _l("Landslide, debris flow or slope failure"),
    "storm_surge": _l("Storm surge"),
    "earthquake": _l("Earthquake"),
    "tsunami": _l("Tsunami"),
    "large_fire": _l("Large fire"),
    "inland_flood": _l("Inland flooding"),
    "volcano": _l("Volcanic activity"),
}
#: Kinds of hazard layer.
LAYER_KIND_NAMES: dict[str, object] = {
    "flood": _l("Flood areas"),
    "landslide": _l("Landslide zones"),
    "other": _l("Other hazard areas"),
}
#: Kinds of shelter (one place may be several), in the order maps list them.
SHELTER_KIND_NAMES: dict[str, str] = {
    "emergency_site": "指定緊急避難場所",
    "evacuation_shelter": "指定避難所",
    "welfare_shelter": "福祉避難所",
}
SHELTER_KIND_HINTS: dict[str, object] = {
    "emergency_site": _l("Designated emergency evacuation site"),
    "evacuation_shelter": _l("Designated shelter"),
    "welfare_shelter": _l("Welfare shelter"),
}
#: geo.groups.ACCEPT_GROUPS.
GROUP_NAMES: dict[str, object] = {
    "elderly": _l("Elderly people"),
    "disabled": _l("People with disabilities"),
    "pregnant_infant": _l("Pregnant women and infants"),
    "medical_care": _l("People needing medical care"),
}
#: Why a person has no shelter for a hazard.
REASON_NAMES: dict[str, object] = {
    "no_welfare_shelter": _l("Needs care, but no suitable welfare shelter takes their group"),
    "no_shelter": _l("No shelter is suitable for this hazard"),
    "no_location": _l("No location known"),
}
#: Flood depth ranks (A31a_205).
DEPTH_NAMES: dict[int, object] = {
    1: _l("under 0.5 m"),
    2: _l("0.5–3 m"),
    3: _l("3–5 m"),
    4: _l("5–10 m"),
    5: _l("10–20 m"),
    6: _l("20 m or more"),
}
#: Landslide zones (A33_002) and phenomena (A33_001).
ZONE_NAMES: dict[str, object] = {
    "warning": _l("Landslide warning zone (土砂災害警戒区域)"),
    "special": _l("Landslide special warning zone (土砂災害特別警戒区域)"),
}
PHENOMENON_NAMES: dict[str, object] = {
    "steep_slope": _l("Steep slope failure"),
    "debris_flow": _l("Debris flow"),
    "landslide": _l("Landslide"),
}


def hazard_name(code: str) -> str:
    return str(HAZARD_NAMES.get(code, code))


def group_name(code: str) -> str:
    return str(GROUP_NAMES.get(code, code))


def reason_name(code: str) -> str:
    return str(REASON_NAMES.get(code, code))


def layer_kind_name(code: str) -> str:
    return str(LAYER_KIND_NAMES.get(code, code))


def shelter_kind_name(code: str) -> str:
    return SHELTER_KIND_NAMES.get(code, code)
