"""How the map looks: the colours of people's need categories, hazard areas, shelters and
districts, the legend that explains them, and the display text every popup goes through."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..hazards.names import DEPTH_NAMES, SHELTER_KIND_NAMES, ZONE_NAMES

WGS84 = "EPSG:4326"
#: Decimal places of an exact point (about 1 m).
EXACT_DECIMALS = 5

#: A planner's need categories, most pressing first: each person gets the first that applies.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("medical", "#b3261e"),
    ("bedridden", "#7b1fa2"),
    ("wheelchair", "#e65100"),
    ("care", "#0b5394"),
    ("other", "#5b6470"),
)


def category_names() -> dict[str, str]:
    return {
        "medical": _("Medical device (ventilator, oxygen, suction, dialysis)"),
        "bedridden": _("Bedridden"),
        "wheelchair": _("Wheelchair"),
        "care": _("Care level 3 or above"),
        "other": _("Other needs"),
    }


#: Flood depth rank -> fill colour (the colours of the national 浸水深 legend).
DEPTH_COLOURS = {
    1: "#f7f5a9",
    2: "#ffd8c0",
    3: "#ffb7b7",
    4: "#ff9191",
    5: "#f285c9",
    6: "#dc7adc",
}
UNKNOWN_DEPTH_COLOUR = "#9ec9e8"
ZONE_COLOURS = {"warning": "#f5c400", "special": "#d7191c"}
OTHER_COLOUR = "#8d6e63"
#: Shelter kind -> (stroke, fill, radius); one place of several kinds is drawn once per kind.
SHELTER_STYLE = {
    "emergency_site": ("#1b5e20", "#43a047", 8),
    "evacuation_shelter": ("#0d47a1", "#42a5f5", 6),
    "welfare_shelter": ("#880e4f", "#ec407a", 4),
}
UNSUITABLE_FILL = "#bdbdbd"
DISTRICT_COLOUR = "#37474f"


def legend() -> dict[str, Any]:
    """What the page's legend explains, with the colours the map uses."""
    return {
        "depths": [(DEPTH_COLOURS[r], DEPTH_NAMES[r]) for r in sorted(DEPTH_COLOURS)],
        "zones": [(ZONE_COLOURS[z], ZONE_NAMES[z]) for z in ("warning", "special")],
        "other": OTHER_COLOUR,
        "shelters": [
            (SHELTER_STYLE[k][1], SHELTER_STYLE[k][0], SHELTER_KIND_NAMES[k]) for k in SHELTER_STYLE
        ],
        "unsuitable": UNSUITABLE_FILL,
        "categories": [(colour, category_names()[code]) for code, colour in CATEGORIES],
        "district": DISTRICT_COLOUR,
    }


_DISPLAY = str.maketrans({"<": "＜", ">": "＞", "{": "｛", "}": "｝"})


def display_text(value: str | None) -> str:
    """Display text for the map document: no markup (popups set it as text; this is belt
    and braces), and no braces, which folium's templates would read as Jinja."""
    return (value or "").translate(_DISPLAY)


def feature(
    feature_id: int | str,
    geometry: dict[str, Any],
    title: str,
    lines: list[list[str]],
    style: dict[str, Any],
) -> dict[str, Any]:
    """One GeoJSON Feature as roster-map.js draws it: a title, popup lines and a style."""
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": geometry,
        "properties": {"title": title, "lines": lines, "style": style},
    }


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}
