"""Shelter registry pages (staff edit, planners read), the upload import, and the JSON API.

The registry holds places, not people: its pages and API carry no personal data, so views
are not logged as disclosures; every change is audited (shelter.create, shelter.update,
shelter.import) with IDs, field names and counts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from geo.capacity import parse_capacity
from geo.groups import normalise_accepts
from geo.shelters.cells import normalise_city_code
from geo.shelters.columns import KINDS
from geo.shelters.looks import FORMAT_FOR_LOOK, FormatMismatch, headers_shown
from geo.shelters.reading import read_shelter_files

from ..access.roles import can_edit_shelters, can_view_shelters
from ..decorators import require
from ..extensions import db
from ..formtext import validate_edit
from ..models import Shelter
from ..models.shelters import HAZARDS
from ..uploads import UploadRefused, check_upload
from ..web import arg_int, get_or_404
from . import uploads
from .forms import ImportForm, ShelterForm
from .importing import (
    IMPORT_FIELDS,
    ImportPlan,
    MappingError,
    apply_import,
    load_mapping,
    plan_import,
    welfare_without_groups,
)
from .labels import (
    DEFAULT_SOURCES,
    FORMAT_LABELS,
    GROUP_LABELS,
    GSI_ATTRIBUTION,
    HAZARD_LABELS,
    KIND_CODES,
    KIND_LABELS,
    group_label,
    hazard_label,
    is_gsi,
    kind_label,
    source_label,
    source_short,
)
from .operations import (
    SORTS,
    DuplicateSourceIdError,
    ShelterFilter,
    StaleShelterError,
    create_shelter,
    registry_geojson,
    registry_json,
    shelter_page,
    shelter_query,
    update_shelter,
    values_of,
)

bp = Blueprint("shelters", __name__)

#: Rows shown in each table of the import preview; the rest are counted.
SHOWN = 200


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


# --- Pages ---------------------------------------------------------------------------------------


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
    return render_template("shelters/detail.html", shelter=get_or_404(Shelter, shelter_id))


@bp.route("/shelters/new", methods=["GET", "POST"])
@require(can_edit_shelters)
def create() -> ResponseReturnValue:
    """Add a place by hand (one the imported lists do not have)."""
    form = ShelterForm()
    if form.validate_on_submit():
        values = form.values()
        notes = _derive(values, None)
        try:
            shelter = create_shelter(db.session, values, current_user)
        except DuplicateSourceIdError:
            form.source_id.errors = [_("Another place already has this ID.")]
        else:
            db.session.commit()
            for note in notes:
                flash(note, "info")
            flash(_("The place was added."), "info")
            return redirect(url_for("shelters.detail", shelter_id=shelter.id))
    return render_template("shelters/form.html", form=form, shelter=None), (
        422 if form.errors else 200
    )


@bp.route("/shelters/<id:shelter_id>/edit", methods=["GET", "POST"])
@require(can_edit_shelters)
def edit(shelter_id: int) -> ResponseReturnValue:
    """Edit every field of a place. A save built on an outdated page is refused with 409."""
    shelter = get_or_404(Shelter, shelter_id)
    form = ShelterForm()
    prefilled = False
    if request.method == "GET":
        form.fill(values_of(shelter))
        form.version.data = str(shelter.version)
        if not shelter.group_list and shelter.accepts:
            form.accept_groups.data = normalise_accepts(shelter.accepts)
            prefilled = bool(form.accept_groups.data)
    if validate_edit(form, values_of(shelter)):
        values = form.values()
        values["source_id"] = values["source_id"] or shelter.source_id
        notes = _derive(values, shelter)
        try:
            version = int(form.version.data or 0)
        except ValueError:
            version = 0
        try:
            changed = update_shelter(db.session, shelter, values, version, current_user)
            db.session.commit()
        except (StaleShelterError, StaleDataError):
            db.session.rollback()
            return render_template(
                "shelters/form.html", form=form, shelter=shelter, conflict=True
            ), 409
        except DuplicateSourceIdError:
            db.session.rollback()
            form.source_id.errors = [_("Another place already has this ID.")]
        else:
            for note in notes:
                flash(note, "info")
            flash(_("Saved.") if changed else _("Nothing was changed."), "info")
            return redirect(url_for("shelters.detail", shelter_id=shelter.id))
    return render_template("shelters/form.html", form=form, shelter=shelter, prefilled=prefilled), (
        422 if form.errors else 200
    )


def _derive(values: dict[str, Any], shelter: Shelter | None) -> list[str]:
    """Fill what staff left to the text: the capacity from a changed capacity text, the
    groups from a changed 受入対象者. Returns what was done, to tell them."""
    notes = []
    text = values["capacity_text"]
    text_changed = text != (shelter.capacity_text if shelter else "")
    if text and text_changed and values["capacity"] is None:
        people = parse_capacity(text).people
        values["capacity"] = people
        if people is None:
            notes.append(
                _(
                    "No number of people could be read from the capacity text, so the capacity "
                    "is unknown. Give the number if you know it."
                )
            )
        else:
            notes.append(
                _("The capacity %(n)s was read from the capacity text. Check it.", n=f"{people:,}")
            )
    accepts = values["accepts"] or ""
    accepts_changed = accepts != ((shelter.accepts or "") if shelter else "")
    if accepts and accepts_changed and not values["accept_groups"]:
        groups = normalise_accepts(accepts)
        if groups:
            values["accept_groups"] = groups
            notes.append(
                _(
                    "The groups it takes were set from the text: %(groups)s. Check them.",
                    groups="、".join(group_label(g) for g in groups),
                )
            )
    return notes


# --- Import --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownError:
    file: str
    row: int | None
    column: str
    message: str


def _beyond_limits(files: list[tuple[str, bytes]]) -> str | None:
    """Why the first file over the [uploads] limits is refused, naming it; None if none is."""
    for name, data in files:
        try:
            check_upload(name, data, current_app.config["UPLOAD_LIMITS"])
        except UploadRefused as exc:
            return f"{name}: {exc}"
    return None


def _read(upload: uploads.StoredUpload) -> tuple[ImportPlan, list[ShownError], str | None]:
    """Read the stored files and compare them with the registry now. Writes nothing.

    The third value is why the files were refused before any row was read (a file of
    another format), in the reader's language; None when they were read.
    """
    mapping = load_mapping(upload.mapping) if upload.mapping else None
    read = read_shelter_files(upload.files, format=upload.format, mapping=mapping, city=upload.city)
    refused = mismatch_message(read.mismatch) if read.mismatch else None
    source = upload.source or DEFAULT_SOURCES[upload.format]
    plan = plan_import(db.session, read, source, upload.city)
    shown = [
        ShownError(
            upload.name_of(e.file), e.row, e.column or "", _uploaded_names(e.message, upload)
        )
        for e in plan.errors
    ]
    return plan, shown, refused


def _plan(upload: uploads.StoredUpload) -> tuple[ImportPlan, list[ShownError]]:
    plan, shown, _refused = _read(upload)
    return plan, shown


def mismatch_message(mismatch: FormatMismatch) -> str:
    """Why a file of another format is refused, and how to import it, without its name."""
    chosen = FORMAT_LABELS[mismatch.format]
    right = FORMAT_LABELS.get(FORMAT_FOR_LOOK.get(mismatch.looks_like, ""), "")
    headers = headers_shown(mismatch.headers)
    messages = {
        "gsi-evacuation": _(
            "One of the files is not in the chosen format (%(chosen)s): it looks like GSI's "
            "list of 指定避難所. Choose “%(right)s” under Format and upload it again.",
            chosen=chosen,
            right=right,
        ),
        "gsi-emergency": _(
            "One of the files is not in the chosen format (%(chosen)s): it looks like GSI's "
            "list of 指定緊急避難場所. Choose “%(right)s” under Format and upload it again.",
            chosen=chosen,
            right=right,
        ),
        "jp-standard": _(
            "One of the files is not in the chosen format (%(chosen)s): it looks like the "
            "standard list of emergency evacuation sites. Choose “%(right)s” under Format and "
            "upload it again.",
            chosen=chosen,
            right=right,
        ),
        "own-columns": _(
            "One of the files is not in the chosen format (%(chosen)s): it looks like a CSV "
            "with its own columns (%(headers)s). Choose “%(right)s” under Format and give a "
            "column mapping, as the help on this page describes.",
            chosen=chosen,
            right=right,
            headers=headers,
        ),
        "geojson-other": _(
            "One of the files is not in the chosen format (%(chosen)s): it looks like GeoJSON "
            "with its own properties (%(headers)s). Save it as CSV, then choose “%(right)s” "
            "under Format and give a column mapping, as the help on this page describes.",
            chosen=chosen,
            right=FORMAT_LABELS["csv"],
            headers=headers,
        ),
        "hazard": _(
            "One of the files is not in the chosen format (%(chosen)s): it looks like a hazard "
            "layer (areas, not places). Import it on the “Hazards & assignment” page.",
            chosen=chosen,
        ),
        "xlsx": _(
            "One of the files is not in the chosen format (%(chosen)s): it is an Excel "
            "workbook. Save the sheet as CSV (UTF-8) and upload that.",
            chosen=chosen,
        ),
        "not-text": _(
            "One of the files is not in the chosen format (%(chosen)s): it is neither CSV nor "
            "GeoJSON text. Export the list as CSV or GeoJSON and upload that.",
            chosen=chosen,
        ),
    }
    return messages[mismatch.looks_like]


def scope_notes(plan: ImportPlan) -> list[str]:
    """What the removals are limited to, and which lists the import keeps as they are."""
    lists = "、".join(kind_label(kind) for kind in KINDS if kind in plan.kinds)
    cities = "、".join(normalise_city_code(c) or c for c in plan.cities) or "—"
    notes = [
        _(
            "Removed: %(count)s places the files no longer list (%(lists)s, city %(cities)s).",
            count=len(plan.removed),
            lists=lists,
            cities=cities,
        )
    ]
    if plan.kinds_kept:
        notes.append(
            _(
                "Kept as they are, as the files hold none: %(lists)s (%(count)s places).",
                lists="、".join(kind_label(kind) for kind in plan.kinds_kept),
                count=plan.kept,
            )
        )
    return notes


def _uploaded_names(message: str, upload: uploads.StoredUpload) -> str:
    """A message that names a stored file (0.csv) names it as uploaded."""
    for stored, name in upload.names.items():
        message = re.sub(rf"(?<![\w.]){re.escape(stored)}(?![\w.])", name, message)
    return message


def _preview(
    upload: uploads.StoredUpload,
    plan: ImportPlan,
    errors: list[ShownError],
    status: int = 200,
    notice: str | None = None,
) -> ResponseReturnValue:
    return render_template(
        "shelters/preview.html",
        upload=upload,
        plan=plan,
        errors=errors[:SHOWN],
        added=plan.added[:SHOWN],
        changed=plan.changed[:SHOWN],
        removed=plan.removed[:SHOWN],
        shown=SHOWN,
        notice=notice,
        field_label=field_label,
        show_value=show_value,
        file_names=list(upload.names.values()),
        scope_notes=scope_notes(plan) if plan.ok else [],
    ), status


@bp.route("/shelters/import", methods=["GET", "POST"])
@require(can_edit_shelters)
def import_upload() -> ResponseReturnValue:
    """Upload shelter files; a readable upload answers with its preview (a dry run)."""
    uploads.remove_expired()
    form = ImportForm()
    if form.validate_on_submit():
        mapping = form.mapping.data.read() if form.mapping.data else None
        try:
            if mapping is not None:
                load_mapping(mapping)
        except MappingError as exc:
            form.mapping.errors = [_("The mapping cannot be used: %(reason)s", reason=str(exc))]
        else:
            files = [
                (f.filename or "", f.read()) for f in form.files.data or [] if f and f.filename
            ]
            refused = _beyond_limits(files)
            if refused:
                form.files.errors = [refused]
                return render_template("shelters/import.html", form=form), 422
            token = uploads.store(
                current_user.id,
                files,
                form.format.data or "gsi",
                form.city.data or None,
                form.source.data or None,
                mapping,
            )
            upload = uploads.load(token, current_user.id)
            plan, errors, refused = _read(upload)
            if not plan.ok:  # nothing can come of a refused upload: it is not kept
                uploads.delete(token)
            if refused:
                form.files.errors = [refused]
                return render_template("shelters/import.html", form=form), 422
            return _preview(upload, plan, errors)
    return render_template("shelters/import.html", form=form), 422 if form.errors else 200


@bp.post("/shelters/import/<token>/apply")
@require(can_edit_shelters)
def import_apply(token: str) -> ResponseReturnValue:
    """Apply the upload as re-planned now; all of it or, on any problem, nothing."""
    uploads.remove_expired()
    upload = uploads.load(token, current_user.id)
    plan, errors = _plan(upload)
    if not plan.ok:
        uploads.delete(token)
        return _preview(
            upload,
            plan,
            errors,
            422,
            _("Nothing was written: the files have problems. Correct them and upload again."),
        )
    if request.form.get("digest") != plan.digest():
        return _preview(
            upload,
            plan,
            errors,
            409,
            _(
                "The registry changed since the preview, so the import would now do something "
                "else. Check the preview below again, then apply. Nothing was written."
            ),
        )
    with uploads.claimed(token):
        try:
            summary = apply_import(
                db.session,
                plan,
                current_user,
                format=upload.format,
                city=upload.city,
                files=len(upload.files),
            )
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    uploads.delete(token)
    flash(
        _(
            "Imported: %(added)d added, %(changed)d changed, %(removed)d removed.",
            added=summary.added,
            changed=summary.changed,
            removed=summary.removed,
        ),
        "info",
    )
    return redirect(url_for("shelters.index"))


FIELD_LABELS: dict[str, Any] = {}


def field_label(name: str) -> str:
    """A registry field's name as the form shows it."""
    if not FIELD_LABELS:
        form = ShelterForm(meta={"csrf": False})
        for field_name in IMPORT_FIELDS:
            field = getattr(form, field_name, None)
            if field is not None:
                FIELD_LABELS[field_name] = field.label.text
    if name == "source":
        return _("Data source")
    if name in KIND_LABELS:
        return kind_label(name)
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


def show_value(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name == "hazards":
        return "、".join(hazard_label(h) for h in value)
    if name == "accept_groups":
        return "、".join(group_label(g) for g in value)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


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
