"""The map page, its folium document (the frame), its points as JSON, and one person's
details on a click.

The page is ours (base.html) and embeds the frame; the frame holds no people at all, so it
does not grow with the register: its script (assets/roster-map.js) asks /maps/points.json for
the view it shows as the map moves. Far out, or when the view holds more than POINT_CAP
people, the answer is counts per cell (clusters.py); close in, the points: staff and partners
get [lat, lon, register number] of the people the access rule admits and fetch a person's
details from /maps/people/<id>, which applies the rule again and logs the view; planners get
pseudonymous points (points.py). Every answer is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..access.fetch import person_or_404
from ..access.roles import can_view_assignment, can_view_map, map_identifies
from ..audit.operations import record_event
from ..decorators import require
from ..disclosures import record_disclosure
from ..extensions import db
from ..geocoding.operations import address_attribution
from ..hazards.assignment import AREA_KIND, assignment_hazards
from ..hazards.names import (
    LAYER_KIND_NAMES,
    SHELTER_KIND_NAMES,
    hazard_name,
)
from ..labels import label, need_label, reason_labels
from ..models import HazardLayer, Role
from ..viewer import current_viewer
from .areas import hazard_overlays
from .build import (
    SHELTER_ATTRIBUTION,
    frame_csp,
    render_map,
    tiles_from_config,
)
from .clusters import Clusters, map_clusters
from .districts import bounds, district_cells
from .points import Points, count_located, map_points, people_extent
from .shelters import shelter_collections
from .style import legend
from .texts import frame_texts as map_frame_texts
from .viewport import Viewport, ViewportError, parse_viewport

bp = Blueprint("maps", __name__, url_prefix="/maps")

DEFAULT_HAZARD = "flood"
#: From this zoom on (a few streets across) a view's people are drawn one by one...
POINT_ZOOM = 15
#: ...when there are at most this many; otherwise they are counted per cell.
POINT_CAP = 5000


def _hazard() -> tuple[str, list[str]]:
    hazards = assignment_hazards(db.session)
    wanted = request.args.get("hazard", DEFAULT_HAZARD)
    return (wanted if wanted in hazards else DEFAULT_HAZARD), hazards


def _log_points(points: Points, hazard: str, what: str) -> None:
    """A map's people: partners' through record_disclosure, with the Persons their points
    were read as (so a release's access report sees them); staff's and planners' as a
    count, the points holding no one's details."""
    viewer = current_viewer()
    if viewer.is_(Role.PARTNER) and len(points):
        record_disclosure(db.session, viewer, what, points.people, detail={"hazard": hazard})
    else:
        record_event(
            db.session,
            what,
            actor=current_user,
            object_type="registrant",
            detail={"hazard": hazard, "points": len(points), "pseudonymous": not points.identified},
        )
    db.session.commit()


@bp.get("/")
@require(can_view_map)
def index() -> ResponseReturnValue:
    hazard, hazards = _hazard()
    layers = list(db.session.scalars(select(HazardLayer).order_by(HazardLayer.kind)))
    tiles = tiles_from_config(current_app.config.get("MAP_TILES", "none"))
    access_fields = current_viewer().fields
    return render_template(
        "maps/index.html",
        hazard=hazard,
        hazards=hazards,
        hazard_name=hazard_name,
        layers=layers,
        synthetic=[layer for layer in layers if layer.synthetic],
        identified=map_identifies(current_user),
        no_location=not {"latitude", "coarse_location"} & access_fields,
        tiles=tiles,
        frame_url=url_for("maps.frame", hazard=hazard),
        **_legend_context(),
    )


def _legend_context() -> dict[str, Any]:
    """What the page's legend and credits read: the kind names, the colours the map uses, and
    where the shelter and address data come from."""
    return {
        "kind_names": LAYER_KIND_NAMES,
        "shelter_kind_names": SHELTER_KIND_NAMES,
        "legend": legend(),
        "attribution": SHELTER_ATTRIBUTION,
        "address_attribution": address_attribution(db.session),
    }


@bp.get("/frame")
@require(can_view_map)
def frame() -> ResponseReturnValue:
    """The folium document, with a policy that allows exactly its own inline scripts. It
    holds no one: its script loads the view's people from points_json."""
    hazard, _hazards = _hazard()
    viewer = current_viewer()
    nobody = Points(identified=map_identifies(current_user), lat=_NONE, lon=_NONE, ids=_NO_IDS)
    tiles = tiles_from_config(
        current_app.config.get("MAP_TILES", "none"),
        current_app.config.get("MAP_TILES_ATTRIBUTION", ""),
    )
    kind = AREA_KIND.get(hazard)
    rendered = render_map(
        points=nobody,
        shelters=shelter_collections(
            db.session, hazard, with_load=can_view_assignment(current_user)
        ),
        shelter_names=SHELTER_KIND_NAMES,
        overlays=hazard_overlays(db.session),
        hazard_kinds={kind} if kind else set(),
        districts=district_cells(db.session),
        bounds=bounds(db.session, nobody) or people_extent(db.session, viewer),
        tiles=tiles,
        texts=frame_texts(nobody),
        person_url=url_for("maps.index") + "people/",
        people_url=url_for("maps.points_json", hazard=hazard),
    )
    g.map_frame_headers = {
        "Content-Security-Policy": frame_csp(rendered, tiles),
        "X-Frame-Options": "SAMEORIGIN",
    }
    return Response(rendered.html, mimetype="text/html")


_NONE = np.zeros(0)
_NO_IDS = np.zeros(0, dtype=np.int64)


def frame_texts(points: Points) -> dict[str, str]:
    if points.identified:
        return map_frame_texts(_("People on the register"))
    return map_frame_texts(_("People on the register (pseudonymised)"))


@bp.get("/points.json")
@require(can_view_map)
def points_json() -> ResponseReturnValue:
    """The people in a view of the map (south, west, north, east, zoom in the query string),
    as the frame draws them: counts per cell far out or when there are more than POINT_CAP,
    otherwise the points for this user. A view that cannot be read is refused (400) and
    nothing is logged."""
    hazard, _hazards = _hazard()
    try:
        view = parse_viewport(request.args)
    except ViewportError as error:
        return jsonify(error=str(error)), 400
    viewer = current_viewer()
    identified = map_identifies(current_user)
    mode = "identified" if identified else "pseudonymous"
    if view.zoom < POINT_ZOOM or count_located(db.session, viewer, view) > POINT_CAP:
        clusters = map_clusters(db.session, viewer, view)
        _log_clusters(clusters, view, hazard, identified)
        return jsonify(
            mode=mode,
            kind="clusters",
            fields=["lat", "lon", "count"],
            cell=clusters.cell,
            clusters=clusters.rows,
            points=[],
        )
    points = map_points(db.session, viewer, view, limit=POINT_CAP)
    _log_points(points, hazard, "map.points")
    return jsonify(
        mode=mode,
        kind="points",
        fields=(
            ["lat", "lon", "id", "approximate"]
            if points.identified
            else ["lat", "lon", "category", "id", "approximate"]
        ),
        points=points.rows(),
    )


def _log_clusters(clusters: Clusters, view: Viewport, hazard: str, identified: bool) -> None:
    """Counts per cell name no one: logged as a count, for partners too."""
    record_event(
        db.session,
        "map.clusters",
        actor=current_user,
        object_type="registrant",
        detail={
            "hazard": hazard,
            "zoom": view.zoom,
            "cells": len(clusters.rows),
            "points": clusters.people,
            "pseudonymous": not identified,
        },
    )
    db.session.commit()


@bp.get("/people/<id:registrant_id>")
@require(can_view_map)
def person(registrant_id: int) -> ResponseReturnValue:
    """One person's details for a map popup, if the access rule lets this user see them;
    the same 404 for anyone else as for a missing number. Logged as map.person."""
    if not map_identifies(current_user):
        return jsonify(error="not allowed"), 403
    try:
        view = person_or_404(db.session, current_viewer(), registrant_id)
    except NotFound:
        return jsonify(error="not found"), 404
    record_disclosure(db.session, current_viewer(), "map.person", [view], object_id=registrant_id)
    db.session.commit()
    return jsonify(
        title=view.get("name") or _("Register number %(n)d", n=registrant_id),
        lines=person_lines(view),
        url=url_for("registrants.detail", registrant_id=registrant_id),
    )


def _joined(names: Any, words: Callable[[str], str]) -> str:
    return "、".join(words(name) for name in names or [])


def _contacts(view: dict[str, Any]) -> str:
    contacts = view.get("emergency_contacts") or []
    return "、".join(f"{c['name']} ({c['relation']}) {c['phone']}" for c in contacts)


#: A popup's lines: the projection key, its label, and its value in words, in the detail
#: page's order; a line is shown when the key is in the projection and the value is not empty.
PERSON_LINES: tuple[tuple[str, Any, Callable[[dict[str, Any]], Any]], ...] = (
    ("name_kana", _l("Reading (kana)"), lambda v: v.get("name_kana")),
    ("address", _l("Address"), lambda v: v.get("address")),
    ("phone", _l("Phone"), lambda v: v.get("phone") or v.get("mobile_phone")),
    ("district", _l("District"), lambda v: (v.get("district") or {}).get("name")),
    ("household", _l("Household"), lambda v: label(v.get("household"))),
    ("mobility", _l("Mobility"), lambda v: label(v.get("mobility"))),
    ("devices", _l("Medical devices"), lambda v: _joined(v.get("devices"), need_label)),
    ("communication", _l("Communication"), lambda v: _joined(v.get("communication"), need_label)),
    ("care_level", _l("Care level"), lambda v: label(v.get("care_level"))),
    (
        "disability_certificate",
        _l("Disability certificate"),
        lambda v: v.get("disability_certificate"),
    ),
    (
        "support_categories",
        _l("Reason for support"),
        lambda v: reason_labels(v.get("support_categories")),
    ),
    (
        "support_reason_detail",
        _l("Why support is needed, in detail"),
        lambda v: v.get("support_reason_detail"),
    ),
    ("emergency_contacts", _l("Emergency contacts"), _contacts),
)


def person_lines(view: dict[str, Any]) -> list[list[str]]:
    """Label/value lines of the fields in a projection, in the detail page's order."""
    lines: list[list[str]] = []
    for key, text, value_of in PERSON_LINES:
        if key in view:
            value = value_of(view)
            if value not in (None, "", []):
                lines.append([str(text), str(value)])
    if "location_precision" in view:
        lines.append([_("Location precision"), label(view.get("location_precision"))])
    lines.append([_("Register number"), str(view.get("id"))])
    return lines
