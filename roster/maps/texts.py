"""The words a map frame's script shows (its layers, the hazard kinds, the record pop-up), in
the user's language: one set for the staff map, an operation's board map and a partner's map
of one person, which differ only in what their people layer is called."""

from __future__ import annotations

from flask_babel import gettext as _

from ..hazards.names import LAYER_KIND_NAMES


def frame_texts(people: str) -> dict[str, str]:
    """The frame's words, its people layer named `people`."""
    return {
        "people": people,
        "districts": _("Districts (approximate outlines)"),
        "tiles": _("Base map"),
        "synthetic": _("synthetic, not real hazard data"),
        "kind_flood": str(LAYER_KIND_NAMES["flood"]),
        "kind_landslide": str(LAYER_KIND_NAMES["landslide"]),
        "kind_other": str(LAYER_KIND_NAMES["other"]),
        "loading": _("Loading…"),
        "failed": _("The details could not be loaded, or you may not see this person."),
        "pseudonym": _("ID on this map"),
        "open": _("Open the record"),
    }
