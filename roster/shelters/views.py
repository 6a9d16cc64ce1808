"""Shelter registry pages (staff edit, planners read) and the JSON API; the upload import's
pages are in import_views, on the same blueprint.

The registry holds places, not people: its pages and API carry no personal data, so views
are not logged as disclosures; every change is audited (shelter.create, shelter.update,
shelter.import) with IDs, field names and counts.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from geo.capacity import parse_capacity
from geo.groups import normalise_accepts

from ..access.roles import can_edit_shelters, can_view_shelters
from ..decorators import require
from ..extensions import db
from ..formtext import validate_edit
from ..models import Organisation, Shelter
from ..safety.arrivals import running_tallies
from ..versioning import Saved, save_versioned
from ..viewer import current_viewer
from ..web import arg_int, get_or_404
from . import import_views  # noqa: F401  (the import pages' routes are on bp)
from .blueprint import bp
from .forms import ShelterForm
from .importing import welfare_without_groups
from .labels import KIND_CODES, group_label, is_gsi
from .operations import (
    SORTS,
    DuplicateSourceIdError,
    ShelterFilter,
    create_shelter,
    registry_geojson,
    registry_json,
    shelter_page,
    shelter_query,
    update_shelter,
    values_of,
)


@bp.get("/shelters/")
@require(can_view_shelters)
def index() -> ResponseReturnValue:
    """The registry: kinds, suitability, capacity and welfare details, filtered and sorted."""
    flt = ShelterFilter.from_args(request.args)
    page = shelter_page(db.session, flt, arg_int("page", 1))
    return render_template(
        "shelters/index.html",
        page=page,
        rows=page.rows,
        flt=flt,
        kinds=KIND_CODES,
        sorts=SORTS,
        args=request.args,
        gsi_listed=any(is_gsi(s.source) for s in page.rows),
        no_groups=welfare_without_groups(db.session)
        if can_edit_shelters(current_user)
        else [],
    )


@bp.get("/shelters/<id:shelter_id>")
@require(can_view_shelters)
def detail(shelter_id: int) -> ResponseReturnValue:
    shelter = get_or_404(Shelter, shelter_id)
    tallies = running_tallies(db.session, current_viewer(), shelter)
    return render_template("shelters/detail.html", shelter=shelter, tallies=tallies)


def _operators() -> list[tuple[str, str]]:
    """The partner organisations that may run a place, for the edit form."""
    found = db.session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id))
    return [(str(o.id), o.name) for o in found]


@bp.route("/shelters/new", methods=["GET", "POST"])
@require(can_edit_shelters)
def create() -> ResponseReturnValue:
    """Add a place by hand (one the imported lists do not have)."""
    form = ShelterForm(operators=_operators())
    if form.validate_on_submit():
        values = form.values()
        notes = _derive(values, None)
        try:
            shelter = create_shelter(db.session, values, current_user)
        except DuplicateSourceIdError:
            form.source_id.errors = [_("Another place already has this ID.")]
        else:
            db.session.commit()
            _flash_saved(notes, _("The place was added."))
            return redirect(url_for("shelters.detail", shelter_id=shelter.id))
    return render_template("shelters/form.html", form=form, shelter=None), (
        422 if form.errors else 200
    )


@bp.route("/shelters/<id:shelter_id>/edit", methods=["GET", "POST"])
@require(can_edit_shelters)
def edit(shelter_id: int) -> ResponseReturnValue:
    """Edit every field of a place. A save built on an outdated page is refused with 409."""
    shelter = get_or_404(Shelter, shelter_id)
    form = ShelterForm(operators=_operators())
    prefilled = _fill(form, shelter) if request.method == "GET" else False
    if validate_edit(form, values_of(shelter)):
        answer = _save_edit(form, shelter)
        if answer is not None:
            return answer
    return render_template("shelters/form.html", form=form, shelter=shelter, prefilled=prefilled), (
        422 if form.errors else 200
    )


def _fill(form: ShelterForm, shelter: Shelter) -> bool:
    """Show the stored place; whether the groups were prefilled from its 受入対象者."""
    form.fill(values_of(shelter))
    form.version.data = str(shelter.version)
    if not shelter.group_list and shelter.accepts:
        form.accept_groups.data = normalise_accepts(shelter.accepts)
        return bool(form.accept_groups.data)
    return False


def _save_edit(form: ShelterForm, shelter: Shelter) -> ResponseReturnValue | None:
    """Save a valid edit: the detail page, the 409 page for a stale form, or None with the
    form's error when another place has the ID."""
    values = form.values()
    values["source_id"] = values["source_id"] or shelter.source_id
    notes = _derive(values, shelter)
    saved = _saved_unless_duplicate(form, shelter, values)
    if saved is None:
        return None
    if saved.conflict:
        return render_template("shelters/form.html", form=form, shelter=shelter, conflict=True), 409
    db.session.commit()
    _flash_saved(notes, _("Saved.") if saved.value else _("Nothing was changed."))
    return redirect(url_for("shelters.detail", shelter_id=shelter.id))


def _saved_unless_duplicate(
    form: ShelterForm, shelter: Shelter, values: dict[str, Any]
) -> Saved[list[str]] | None:
    """The edit saved on the form's version; None, with the form's error and the session
    rolled back, when another place has the ID."""
    try:
        return save_versioned(
            db.session(),
            form.version.data,
            lambda version: update_shelter(db.session, shelter, values, version, current_user),
        )
    except DuplicateSourceIdError:
        db.session.rollback()
        form.source_id.errors = [_("Another place already has this ID.")]
        return None


def _flash_saved(notes: list[str], message: str) -> None:
    for note in notes:
        flash(note, "info")
    flash(message, "info")


def _derive(values: dict[str, Any], shelter: Shelter | None) -> list[str]:
    """Fill what staff left to the text: the capacity from a changed capacity text, the
    groups from a changed 受入対象者. Returns what was done, to tell them."""
    notes = [_derive_capacity(values, shelter), _derive_groups(values, shelter)]
    return [note for note in notes if note is not None]


def _derive_capacity(values: dict[str, Any], shelter: Shelter | None) -> str | None:
    text = values["capacity_text"]
    text_changed = text != (shelter.capacity_text if shelter else "")
    if not (text and text_changed and values["capacity"] is None):
        return None
    people = parse_capacity(text).people
    values["capacity"] = people
    if people is None:
        return _(
            "No number of people could be read from the capacity text, so the capacity "
            "is unknown. Give the number if you know it."
        )
    return _("The capacity %(n)s was read from the capacity text. Check it.", n=f"{people:,}")


def _derive_groups(values: dict[str, Any], shelter: Shelter | None) -> str | None:
    accepts = values["accepts"] or ""
    accepts_changed = accepts != ((shelter.accepts or "") if shelter else "")
    if not (accepts and accepts_changed and not values["accept_groups"]):
        return None
    groups = normalise_accepts(accepts)
    if not groups:
        return None
    values["accept_groups"] = groups
    return _(
        "The groups it takes were set from the text: %(groups)s. Check them.",
        groups="、".join(group_label(g) for g in groups),
    )


# --- API -----------------------------------------------------------------------------------------


@bp.get("/api/v1/shelters")
def api() -> ResponseReturnValue:
    """The registry for any signed-in user: JSON, or GeoJSON with ?format=geojson.

    Filters: kind (emergency, evacuation, welfare) and hazard (a HAZARDS key).
    """
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "geojson"):
        return jsonify(error="format must be json or geojson"), 400
    try:
        flt = ShelterFilter.from_args(request.args, strict=True)
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    shelters = list(db.session.scalars(shelter_query(flt)))
    body = registry_geojson(shelters) if fmt == "geojson" else registry_json(shelters)
    db.session.commit()  # an API token's last use
    if fmt == "geojson":
        return Response(json.dumps(body, ensure_ascii=False), mimetype="application/geo+json")
    return jsonify(body)
