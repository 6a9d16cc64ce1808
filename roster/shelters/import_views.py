"""The upload import: files are stored, read and previewed as a dry run, and applied as
re-planned at that moment, all of it or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from geo.shelters.reading import read_shelter_files

from ..access.roles import can_edit_shelters
from ..decorators import require
from ..extensions import db
from ..uploads import UploadRefused, check_upload
from ..web import sample_file
from . import uploads
from .blueprint import bp, yes_no
from .forms import ImportForm, ShelterForm
from .import_messages import mismatch_message, scope_notes
from .import_rows import IMPORT_FIELDS
from .importing import ImportPlan, ImportSummary, apply_import, plan_import
from .labels import DEFAULT_SOURCES, KIND_LABELS, group_label, hazard_label, kind_label
from .mapping import MappingError, load_mapping

#: Rows shown in each table of the import preview; the rest are counted.
SHOWN = 200


@dataclass(frozen=True)
class ShownError:
    file: str
    row: int | None
    column: str
    message: str


@bp.get("/shelters/import/mapping-sample.toml")
@require(can_edit_shelters)
def mapping_sample() -> ResponseReturnValue:
    """The sample column mapping for a CSV with its own columns."""
    return sample_file("shelter-mapping.sample.toml", "shelter-mapping.toml")


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
            return _uploaded(form, mapping)
    return render_template("shelters/import.html", form=form), 422 if form.errors else 200


def _uploaded(form: ImportForm, mapping: bytes | None) -> ResponseReturnValue:
    """Store the files and answer with their preview, or the form with why they are refused."""
    files = [(f.filename or "", f.read()) for f in form.files.data or [] if f and f.filename]
    refused = _beyond_limits(files)
    if refused:
        form.files.errors = [refused]
        return render_template("shelters/import.html", form=form), 422
    token = _store(form, files, mapping)
    upload = uploads.load(token, current_user.id)
    plan, errors, refused = _read(upload)
    if not plan.ok:  # nothing can come of a refused upload: it is not kept
        uploads.delete(token)
    if refused:
        form.files.errors = [refused]
        return render_template("shelters/import.html", form=form), 422
    return _preview(upload, plan, errors)


def _store(form: ImportForm, files: list[tuple[str, bytes]], mapping: bytes | None) -> str:
    """Keep the files with how the form says to read them; the upload's token."""
    return uploads.store(
        current_user.id,
        files,
        form.format.data or "gsi",
        form.city.data or None,
        form.source.data or None,
        mapping,
    )


@bp.post("/shelters/import/<token>/apply")
@require(can_edit_shelters)
def import_apply(token: str) -> ResponseReturnValue:
    """Apply the upload as re-planned now; all of it or, on any problem, nothing."""
    uploads.remove_expired()
    upload = uploads.load(token, current_user.id)
    plan, errors = _plan(upload)
    if not plan.ok:
        uploads.delete(token)
        return _preview(upload, plan, errors, 422, _problems_notice())
    if request.form.get("digest") != plan.digest():
        return _preview(upload, plan, errors, 409, _changed_notice())
    summary = _apply(token, upload, plan)
    uploads.delete(token)
    flash(_imported(summary), "info")
    return redirect(url_for("shelters.index"))


def _apply(token: str, upload: uploads.StoredUpload, plan: ImportPlan) -> ImportSummary:
    """Write the plan and commit, with the upload claimed; on any failure, roll back."""
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
    return summary


def _problems_notice() -> str:
    return _("Nothing was written: the files have problems. Correct them and upload again.")


def _changed_notice() -> str:
    return _(
        "The registry changed since the preview, so the import would now do something "
        "else. Check the preview below again, then apply. Nothing was written."
    )


def _imported(summary: ImportSummary) -> str:
    return _(
        "Imported: %(added)d added, %(changed)d changed, %(removed)d removed.",
        added=summary.added,
        changed=summary.changed,
        removed=summary.removed,
    )


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
        **{name: getattr(plan, name)[:SHOWN] for name in ("added", "changed", "removed")},
        shown=SHOWN,
        notice=notice,
        field_label=field_label,
        show_value=show_value,
        file_names=list(upload.names.values()),
        scope_notes=scope_notes(plan) if plan.ok else [],
    ), status


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
