"""Hazard layers (staff) and the shelter load per hazard (staff and drill planners).

The assignment pages show counts per shelter only, never who: planners may read them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from geo.hazards import Attributes, HazardInputError

from ..access.roles import can_manage_hazards, can_view_assignment
from ..audit.operations import record_event
from ..decorators import require
from ..extensions import db
from ..i18n import local_today
from ..models import HazardLayer
from ..uploads import UploadRefused, check_layer
from .assignment import (
    SORT_KEYS,
    assignment_hazards,
    assignment_table,
    recompute_all,
    sort_rows,
)
from .forms import ConfirmForm, LayerForm, value_lines
from .layers import ImportedLayer, delete_layer, import_layer, list_layers
from .messages import refusal, report_lines
from .names import (
    DEPTH_NAMES,
    GROUP_NAMES,
    HAZARD_NAMES,
    LAYER_KIND_NAMES,
    REASON_NAMES,
    SHELTER_KIND_NAMES,
    hazard_name,
)

bp = Blueprint("hazards", __name__, url_prefix="/hazards")

DEFAULT_HAZARD = "flood"


def _names() -> dict[str, Any]:
    return {
        "hazard_names": HAZARD_NAMES,
        "kind_names": LAYER_KIND_NAMES,
        "shelter_kind_names": SHELTER_KIND_NAMES,
        "group_names": GROUP_NAMES,
        "reason_names": REASON_NAMES,
        "depth_names": DEPTH_NAMES,
        "hazard_name": hazard_name,
    }


@bp.route("/", methods=["GET", "POST"])
@require(can_manage_hazards)
def index() -> ResponseReturnValue:
    """The hazard layers, and an upload form for another one."""
    form = LayerForm()
    if form.validate_on_submit():
        imported = _import(form)
        if imported is not None:
            db.session.commit()
            _flash_imported(imported)
            return redirect(url_for("hazards.index"))
    return (
        render_template(
            "hazards/index.html",
            form=form,
            layers=list_layers(db.session),
            confirm=ConfirmForm(),
            **_names(),
        ),
        422 if form.errors else 200,
    )


def _flash_imported(imported: ImportedLayer) -> None:
    flash(
        _(
            "The layer “%(name)s” was imported with %(n)d areas; hazard flags and "
            "shelter assignments were recomputed.",
            name=imported.layer.name,
            n=imported.layer.feature_count,
        ),
        "info",
    )
    if lines := report_lines(imported.report):
        flash(" ".join(lines), "info")


def _attributes(form: LayerForm) -> Attributes:
    """How to read the file's attributes, from the form's optional fields."""
    return Attributes(
        depth_property=form.depth_property.data or None,
        zone_property=form.zone_property.data or None,
        phenomenon_property=form.phenomenon_property.data or None,
        zone_values=value_lines(form.zone_values.data),
        phenomenon_values=value_lines(form.phenomenon_values.data),
        zone=form.zone.data or None,
    )


def _import(form: LayerForm) -> ImportedLayer | None:
    """Store the upload in a private temporary folder and import it; None, with the
    form's errors, when the file is refused (and then nothing is written)."""
    upload = form.file.data
    original = Path(upload.filename or "").name
    with tempfile.TemporaryDirectory(prefix="roster-hazard-") as folder:
        path = Path(folder) / _safe_name(original)
        upload.save(path)
        try:
            return _import_saved(form, path, original)
        except (HazardInputError, UploadRefused) as exc:
            db.session.rollback()
            _refused(form, exc)
            return None


def _import_saved(form: LayerForm, path: Path, original: str) -> ImportedLayer:
    """Check the saved upload against the limits, then import it as the form describes."""
    check_layer(path, current_app.config["UPLOAD_LIMITS"])
    return import_layer(
        db.session,
        path,
        form.kind.data,
        actor=current_user,
        name=form.name.data or Path(original).stem or None,
        attributes=_attributes(form),
        encoding=form.encoding.data or None,
        synthetic=bool(form.synthetic.data),
        source_file=original or path.name,
        crs=current_app.config["GEO_CRS"],
    )


def _safe_name(original: str) -> str:
    """A name to store the upload under: the original, made safe, with its suffix kept."""
    suffix = Path(original).suffix.lower()
    safe = secure_filename(original) or f"hazard{suffix}"
    if not safe.lower().endswith(suffix):
        safe = f"hazard{suffix}"
    return safe


def _refused(form: LayerForm, exc: HazardInputError | UploadRefused) -> None:
    """Say on the form why the file was refused."""
    reason = refusal(exc) if isinstance(exc, HazardInputError) else str(exc)
    form.file.errors = [
        *form.file.errors,
        _("The file was refused, and nothing was saved: %(reason)s", reason=reason),
    ]


@bp.post("/<id:layer_id>/delete")
@require(can_manage_hazards)
def delete(layer_id: int) -> ResponseReturnValue:
    """Delete a layer and its areas, then recompute everyone's flags and assignments."""
    layer = db.session.get(HazardLayer, layer_id)
    if layer is None:
        abort(404)
    name = layer.name
    delete_layer(db.session, layer, actor=current_user, crs=current_app.config["GEO_CRS"])
    db.session.commit()
    flash(
        _(
            "The layer “%(name)s” was deleted; hazard flags and shelter assignments were "
            "recomputed.",
            name=name,
        ),
        "info",
    )
    return redirect(url_for("hazards.index"))


# --- assignment -------------------------------------------------------------------------------


def _hazard_choice() -> tuple[str, list[str]]:
    """The hazard asked for (default flood) and the hazards to choose from."""
    hazards = assignment_hazards(db.session)
    wanted = request.args.get("hazard", DEFAULT_HAZARD)
    return (wanted if wanted in hazards else DEFAULT_HAZARD), hazards


def _table(print_view: bool) -> ResponseReturnValue:
    hazard, hazards = _hazard_choice()
    sort, descending = _sort_order()
    table = assignment_table(db.session, current_user, hazard)
    rows = sort_rows(table.rows, sort, descending)
    if print_view:
        _audit_print(hazard)
    return render_template(
        "hazards/assignment_print.html" if print_view else "hazards/assignment.html",
        table=table,
        rows=rows,
        hazard=hazard,
        hazards=hazards,
        sort=sort,
        descending=descending,
        sort_keys=SORT_KEYS,
        today=local_today(),
        recompute=ConfirmForm(),
        **_names(),
    )


def _sort_order() -> tuple[str, bool]:
    """The column to sort by (a SORT_KEYS one, default name), and whether descending."""
    sort = request.args.get("sort", "name")
    return (sort if sort in SORT_KEYS else "name"), request.args.get("dir") == "desc"


def _audit_print(hazard: str) -> None:
    # Counts only; a print for a drill is worth knowing about all the same.
    record_event(
        db.session,
        "assignment.print",
        actor=current_user,
        object_type="hazard",
        object_id=hazard,
    )
    db.session.commit()


@bp.get("/assignment")
@require(can_view_assignment)
def assignment() -> ResponseReturnValue:
    """Per shelter, for one hazard: people assigned, their needs, capacity and shortfall."""
    return _table(print_view=False)


@bp.get("/assignment/print")
@require(can_view_assignment)
def assignment_print() -> ResponseReturnValue:
    """The capacity-versus-demand table on A4, for drill planning."""
    return _table(print_view=True)


@bp.post("/assignment/recompute")
@require(can_manage_hazards)
def recompute() -> ResponseReturnValue:
    """Recompute everyone's hazard flags and assignments (after shelters changed)."""
    hazard = request.form.get("hazard", DEFAULT_HAZARD)
    hazard = hazard if hazard in HAZARD_NAMES else DEFAULT_HAZARD
    summary = recompute_all(db.session, crs=current_app.config["GEO_CRS"], actor=current_user)
    db.session.commit()
    flash(
        _(
            "Hazard flags and shelter assignments were recomputed for %(n)d people.",
            n=summary.people,
        ),
        "info",
    )
    return redirect(url_for("hazards.assignment", hazard=hazard))
