"""One person of a partner's list on a map: the map document (the frame the page embeds).

The person comes through roster.access.fetch, as on the person's page; the document holds
their point and nothing else about them (no name, no register number), drawn as a labelled
home by static/portal-map.js, with the shelters, the hazard areas and the districts around.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from flask import current_app, g, url_for
from flask_babel import gettext as _
from markupsafe import escape

from ..access.fetch import Person
from ..extensions import db
from ..hazards.names import SHELTER_KIND_NAMES
from ..maps.areas import hazard_overlays
from ..maps.build import frame_csp, render_map, tiles_from_config
from ..maps.districts import district_cells
from ..maps.points import Points
from ..maps.shelters import shelter_collections
from ..maps.style import legend
from ..maps.texts import frame_texts as map_frame_texts

#: The hazard whose unsuitable shelters are greyed, as on the map page.
HAZARD = "flood"
#: Half the side of the first view around the person, in degrees (about 600 m).
AROUND = 0.0055


def has_location(person: Person) -> bool:
    """Whether the agreement shows this person's point, and the register has one."""
    return person.get("latitude") is not None and person.get("longitude") is not None


def frame_texts() -> dict[str, str]:
    """The words the map's script shows (the map page's own, in the same words)."""
    return map_frame_texts(_("People on the register"))


def person_map_document(person: Person) -> str:
    """The frame's HTML around the person; its security headers are set for the response
    (g.map_frame_headers), allowing exactly its own inline scripts."""
    lat, lon = float(person["latitude"]), float(person["longitude"])
    empty = np.zeros(0)
    tiles = tiles_from_config(
        current_app.config.get("MAP_TILES", "gsi_pale"),
        current_app.config.get("MAP_TILES_ATTRIBUTION", ""),
    )
    rendered = render_map(
        points=Points(identified=True, lat=empty, lon=empty, ids=empty.astype(np.int64)),
        shelters=shelter_collections(db.session, HAZARD, with_load=False),
        shelter_names=SHELTER_KIND_NAMES,
        overlays=hazard_overlays(db.session),
        hazard_kinds=set(),
        districts=district_cells(db.session),
        bounds=[[lat - AROUND, lon - AROUND], [lat + AROUND, lon + AROUND]],
        tiles=tiles,
        texts=frame_texts(),
        person_url=url_for("maps.index") + "people/",
    )
    g.map_frame_headers = {
        "Content-Security-Policy": frame_csp(rendered, tiles),
        "X-Frame-Options": "SAMEORIGIN",
    }
    approximate = bool(person.get("location_approximate"))
    config = {
        "home": [lat, lon],
        "approximate": approximate,
        "label": _("Home (approximate)") if approximate else _("Home"),
    }
    src = url_for("static", filename="portal-map.js")
    script = f'<script src="{src}" data-config="{escape(json.dumps(config))}"></script>'
    return rendered.html.replace("</head>", script + "</head>", 1)


def map_context(person: Person) -> dict[str, Any]:
    """What the map page says beside the frame."""
    return {
        "located": has_location(person),
        "approximate": bool(person.get("location_approximate")),
        "legend": legend(),
    }
