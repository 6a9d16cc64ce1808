"""The map page, its folium document (the frame), its points as JSON, and one person's
details on a click.

The page is ours (base.html) and embeds the frame; the frame holds no names, addresses or
needs: staff and partners get [lat, lon, register number] of the people the access rule
admits and fetch a person's details from /maps/people/<id>, which applies the rule again and
logs the view; planners get pseudonymous points (see data.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..access.fetch import as_people, person_or_404
from ..access.roles import can_view_assignment, can_view_map, has_role, map_identifies
from ..access.rule import map_registrants
from ..audit.operations import record_event
from ..decorators import require
from ..disclosures import record_disclosure
from ..extensions import db
from ..geocoding.operations import address_attribution
from ..hazards.names import (
    LAYER_KIND_NAMES,
    SHELTER_KIND_NAMES,
    hazard_name,
)
from ..hazards.operations import AREA_KIND, assignment_hazards
from ..labels import label, need_label, reason_labels
from ..models import HazardLayer, Registrant, Role
from ..viewer import current_viewer
from .areas import hazard_overlays
from .build import SHELTER_ATTRIBUTION, frame_csp, render_map, tiles_from_config
from .districts import bounds, district_cells
from .points import Points, map_points
from .shelters import shelter_collections
from .style import legend

bp = Blueprint("maps", __name__, url_prefix="/maps")

DEFAULT_HAZARD = "flood"


def _hazard() -> tuple[str, list[str]]:
    hazards = assignment_hazards(db.session)
    wanted = request.args.get("hazard", DEFAULT_HAZARD)
    return (wanted if wanted in hazards else DEFAULT_HAZARD), hazards


def _log_points(points: Points, hazard: str, what: str) -> None:
    """A map's people: partners' through record_disclosure (so a release's access report
    sees them); staff's and planners' as a count, the points holding no one's details."""
    if has_role(current_user, Role.PARTNER) and len(points):
        shown = map_registrants(current_viewer()).where(
            Registrant.latitude.is_not(None), Registrant.longitude.is_not(None)
        )
        people = list(db.session.scalars(shown))
        record_disclosure(
            db.session,
            current_viewer(),
            what,
            as_people(current_viewer(), people),
            detail={"hazard": hazard},
        )
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
    tiles = tiles_from_config(current_app.config.get("MAP_TILES", "gsi_pale"))
    access_fields = current_viewer().fields
    return render_template(
        "maps/index.html",
        hazard=hazard,
        hazards=hazards,
        hazard_name=hazard_name,
        layers=layers,
        synthetic=[layer for layer in layers if layer.synthetic],
        kind_names=LAYER_KIND_NAMES,
        shelter_kind_names=SHELTER_KIND_NAMES,
        legend=legend(),
        identified=map_identifies(current_user),
        no_location=not {"latitude", "coarse_location"} & access_fields,
        tiles=tiles,
        attribution=SHELTER_ATTRIBUTION,
        address_attribution=address_attribution(db.session),
        frame_url=url_for("maps.frame", hazard=hazard),
    )


@bp.get("/frame")
@require(can_view_map)
def frame() -> ResponseReturnValue:
    """The folium document, with a policy that allows exactly its own inline scripts."""
    hazard, _hazards = _hazard()
    points = map_points(db.session, current_user)
    tiles = tiles_from_config(
        current_app.config.get("MAP_TILES", "gsi_pale"),
        current_app.config.get("MAP_TILES_ATTRIBUTION", ""),
    )
    kind = AREA_KIND.get(hazard)
    rendered = render_map(
        points=points,
        shelters=shelter_collections(
            db.session, hazard, with_load=can_view_assignment(current_user)
        ),
        shelter_names=SHELTER_KIND_NAMES,
        overlays=hazard_overlays(db.session),
        hazard_kinds={kind} if kind else set(),
        districts=district_cells(db.session),
        bounds=bounds(db.session, points),
        tiles=tiles,
        texts=frame_texts(points),
        person_url=url_for("maps.index") + "people/",
    )
    _log_points(points, hazard, "map.view")
    g.map_frame_headers = {
        "Content-Security-Policy": frame_csp(rendered, tiles),
        "X-Frame-Options": "SAMEORIGIN",
    }
    return Response(rendered.html, mimetype="text/html")


def frame_texts(points: Points) -> dict[str, str]:
    return {
        "people": _("People on the register")
        if points.identified
        else _("People on the register (pseudonymised)"),
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


@bp.get("/points.json")
@require(can_view_map)
def points_json() -> ResponseReturnValue:
    """The people's points the frame draws for this user, as JSON."""
    hazard, _hazards = _hazard()
    points = map_points(db.session, current_user)
    _log_points(points, hazard, "map.points")
    return jsonify(
        mode="identified" if points.identified else "pseudonymous",
        fields=(
            ["lat", "lon", "id", "approximate"]
            if points.identified
            else ["lat", "lon", "category", "id", "approximate"]
        ),
        points=points.rows(),
    )


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


def person_lines(view: dict[str, Any]) -> list[list[str]]:
    """Label/value lines of the fields in a projection, in the detail page's order."""
    lines: list[list[str]] = []

    def add(key: str, text: str, value: Any) -> None:
        if key in view and value not in (None, "", []):
            lines.append([text, str(value)])

    add("name_kana", _("Reading (kana)"), view.get("name_kana"))
    add("address", _("Address"), view.get("address"))
    add("phone", _("Phone"), view.get("phone") or view.get("mobile_phone"))
    add("district", _("District"), (view.get("district") or {}).get("name"))
    add("household", _("Household"), label(view.get("household")))
    add("mobility", _("Mobility"), label(view.get("mobility")))
    add(
        "devices", _("Medical devices"), "、".join(need_label(d) for d in view.get("devices") or [])
    )
    add(
        "communication",
        _("Communication"),
        "、".join(need_label(c) for c in view.get("communication") or []),
    )
    add("care_level", _("Care level"), label(view.get("care_level")))
    add("disability_certificate", _("Disability certificate"), view.get("disability_certificate"))
    reasons = reason_labels(view.get("support_categories"))
    add("support_categories", _("Reason for support"), reasons)
    add(
        "support_reason_detail",
        _("Why support is needed, in detail"),
        view.get("support_reason_detail"),
    )
    contacts = view.get("emergency_contacts") or []
    add(
        "emergency_contacts",
        _("Emergency contacts"),
        "、".join(f"{c['name']} ({c['relation']}) {c['phone']}" for c in contacts),
    )
    if "location_precision" in view:
        lines.append([_("Location precision"), label(view.get("location_precision"))])
    lines.append([_("Register number"), str(view.get("id"))])
    return lines
