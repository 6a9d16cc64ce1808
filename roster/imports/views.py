"""The eligibility import for staff: upload an export, check the dry run, choose the statuses
of the people missing from it, confirm the counts, then apply it as an import batch.

Between the dry run and the apply the uploaded file waits in the instance folder under a
random token, readable by its owner only. It is deleted once applied or refused (a file with
bad rows), unless staff ticked "keep the uploaded file" (for its error report), and in any
case after two hours. A file beyond the [uploads] limits is refused before it is stored.
It holds personal data, as does the error report: neither is ever logged or put in a URL.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, SelectField

from ..access.roles import can_import_registrants
from ..audit.operations import record_event
from ..decorators import require
from ..exports import CSV_TYPE, download
from ..extensions import db, refresh_statistics
from ..labels import label
from ..models import District, RegistrantStatus
from ..uploads import UploadRefused, check_upload
from ..web import city_prefix, sample_file
from .batches import SourceFile
from .mapping import DEFAULT_HEADERS, REQUIRED_FIELDS, TARGET_FIELDS, MappingError
from .operations import ImportPlan, ImportSummary, apply_import
from .report import report_csv
from .review import (
    FIELD_NAMES,
    StatusConflictError,
    chosen_statuses,
    confirmed_statuses,
    dry_run,
    make_plan,
    missing_key,
    plan_key,
)
from .tables import TableError
from .upload_store import (
    Upload,
    claimed,
    delete_upload,
    load_upload,
    remove_expired,
    store_upload,
)

bp = Blueprint("imports", __name__, url_prefix="/imports")

UPLOAD_SUFFIXES = ("csv", "tsv", "txt", "xlsx")
#: Bulk loads beyond this many new people refresh the planner's statistics, as the CLI does.
_ANALYZE_AFTER = 1000

#: What each recognised column holds, for the upload page.
COLUMN_NAMES: dict[str, Any] = {
    **FIELD_NAMES,
    "resident_no": _l("Resident ID"),
    "support_reason": _l("Why support is needed (text; becomes the categories and the detail)"),
    "household": _l("Household"),
    "mobility": _l("Mobility"),
}
#: Three fictional people for the sample file; the address gets a town of this register.
SAMPLE_PEOPLE = (
    ("100000001", "見本 花子", "ミホン ハナコ", "昭和15年3月2日", "女", "1-2-3", "要介護3", "",
     "歩行困難"),
    ("100000002", "見本 太郎", "ミホン タロウ", "S22.4.1", "男", "2-3-4", "", "身体2級",
     "視覚障害"),
    ("100000003", "例示 さくら", "レイジ サクラ", "1950-11-20", "女", "3-4-5", "要支援1", "", ""),
)
SAMPLE_HEADERS = (
    "宛名番号", "氏名", "氏名カナ", "生年月日", "性別", "住所", "要介護度", "障害者手帳",
    "避難支援を要する事由",
)


class UploadForm(FlaskForm):
    file = FileField(
        _l("Export file"),
        validators=[
            FileRequired(_l("Choose the export file.")),
            FileAllowed(
                UPLOAD_SUFFIXES, _l("Give a CSV (.csv, .tsv, .txt) or Excel (.xlsx) file.")
            ),
        ],
    )
    mapping = FileField(
        _l("Column mapping (optional)"),
        validators=[FileAllowed(["toml"], _l("Choose a column mapping made from the sample."))],
    )
    encoding = SelectField(
        _l("Text encoding of a CSV file"),
        choices=[
            ("", _l("Detect automatically")),
            ("utf-8", "UTF-8"),
            ("shift_jis", "Shift_JIS"),
        ],
        default="",
    )
    keep = BooleanField(_l("Keep the uploaded file"))


# --- Views ---------------------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@require(can_import_registrants)
def index() -> ResponseReturnValue:
    """Upload an export; a valid upload answers with its dry run."""
    remove_expired()
    form = UploadForm()
    if form.validate_on_submit():
        accepted = _accept(form)
        if accepted is not None:
            token, plan = accepted
            return dry_run(_kept_unless_refused(token, plan, bool(form.keep.data)), plan)
    return render_template(
        "imports/index.html", form=form, columns=recognised_columns()
    ), (422 if form.errors else 200)


def recognised_columns() -> list[tuple[str, str, str, bool]]:
    """(header, other recognised headers, what it holds, required) per field, from the same
    table the parser reads."""
    return [
        (
            DEFAULT_HEADERS[target][0],
            "、".join(DEFAULT_HEADERS[target][1:]),
            str(COLUMN_NAMES[target]),
            target in REQUIRED_FIELDS,
        )
        for target in TARGET_FIELDS
    ]


@bp.get("/mapping-sample.toml")
@require(can_import_registrants)
def mapping_sample() -> ResponseReturnValue:
    """The sample column mapping, to change to match a file whose columns are named
    differently."""
    return sample_file("import-mapping.sample.toml", "import-mapping.toml")


@bp.get("/sample.csv")
@require(can_import_registrants)
def sample() -> ResponseReturnValue:
    """A sample export: three fictional people under the usual Japanese headers, as UTF-8
    with a BOM so that Excel opens it without garbling."""
    towns = db.session.scalars(select(District.name).order_by(District.id).limit(3)).all()
    towns = [*towns, *(["〇〇町"] * (3 - len(towns)))]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SAMPLE_HEADERS)
    for town, (no, name, kana, born, sex, block, care, cert, reason) in zip(
        towns, SAMPLE_PEOPLE, strict=True
    ):
        address = f"{city_prefix()}{town}{block}"
        writer.writerow((no, name, kana, born, sex, address, care, cert, reason))
    return download(out.getvalue().encode("utf-8"), "import-sample.csv", CSV_TYPE)


def _accept(form: UploadForm) -> tuple[str, ImportPlan] | None:
    """Store the upload and plan it; None (with the form's errors) if it cannot be read."""
    read = _read_upload(form)
    if read is None:
        return None
    data, mapping_text = read
    upload = form.file.data
    token = store_upload(
        data,
        Path(upload.filename or "").suffix.lower(),
        form.encoding.data,
        mapping_text,
        bool(form.keep.data),
        upload.filename or "-",
    )
    plan = _planned(form, token)
    return None if plan is None else (token, plan)


def _read_upload(form: UploadForm) -> tuple[bytes, str | None] | None:
    """The upload's bytes and the mapping's text (None without a mapping); None (with the
    form's errors) when the mapping is not UTF-8 text or the file is beyond the limits."""
    mapping_text = None
    if form.mapping.data:
        try:
            mapping_text = form.mapping.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.mapping.errors.append(_("The mapping file is not UTF-8 text."))
            return None
    upload = form.file.data
    data = upload.read()
    try:
        check_upload(upload.filename or "", data, current_app.config["UPLOAD_LIMITS"])
    except UploadRefused as exc:
        form.file.errors.append(str(exc))
        return None
    return data, mapping_text


def _planned(form: UploadForm, token: str) -> ImportPlan | None:
    """The stored upload's plan; None (with the form's errors, the upload deleted) if it
    cannot be read."""
    try:
        return make_plan(load_upload(token))
    except UploadRefused as exc:
        form.file.errors.append(str(exc))
    except MappingError as exc:
        form.mapping.errors.append(_("The mapping cannot be used: %(reason)s", reason=str(exc)))
    except TableError as exc:
        form.file.errors.append(_("The file cannot be read: %(reason)s", reason=str(exc)))
    delete_upload(token)
    return None


def _kept_unless_refused(token: str, plan: ImportPlan, keep: bool) -> str | None:
    """The token while the upload may still be used; a refused file (bad rows) is deleted
    at once unless staff chose to keep it for its error report."""
    if plan.ok or keep:
        return token
    delete_upload(token)
    return None


def _replan(token: str) -> tuple[Upload, ImportPlan, ResponseReturnValue | None]:
    """The upload planned again against the register as it is now, or the dry run to show
    instead when the file has problems or the people missing from it changed."""
    remove_expired()
    upload = load_upload(token)
    plan = make_plan(upload)
    if not plan.ok:
        return upload, plan, _problems_now(token, plan, upload.keep)
    if request.form.get("missing_key") != missing_key(plan):
        return upload, plan, _missing_changed(token, plan)
    return upload, plan, None


def _problems_now(token: str, plan: ImportPlan, keep: bool) -> ResponseReturnValue:
    """The dry run again (422): with the register as it is now, the file has problems."""
    return dry_run(
        _kept_unless_refused(token, plan, keep),
        plan,
        422,
        _(
            "Nothing was written: with the register as it is now, the file has problems. "
            "Correct them and upload the file again."
        ),
    )


def _missing_changed(token: str, plan: ImportPlan) -> ResponseReturnValue:
    """The dry run again (409): the people missing from the export changed since."""
    return dry_run(
        token,
        plan,
        409,
        _(
            "The people missing from the export changed since the dry run. Check their "
            "statuses again, then apply. Nothing was written."
        ),
    )


@bp.post("/<token>/confirm")
@require(can_import_registrants)
def confirm(token: str) -> ResponseReturnValue:
    """The confirmation step: the count of each change, before anything is written."""
    _upload, plan, refused = _replan(token)
    if refused is not None:
        return refused
    try:
        statuses = chosen_statuses(plan, request.form)
    except StatusConflictError:
        return _status_conflict(token, plan)
    by_status = {label(s): sum(1 for v in statuses.values() if v is s) for s in RegistrantStatus}
    return render_template(
        "imports/confirm.html",
        token=token,
        plan=plan,
        statuses=statuses,
        by_status={k: v for k, v in by_status.items() if v},
        missing_key=missing_key(plan),
        plan_key=plan_key(plan, statuses),
    )


def _status_conflict(token: str, plan: ImportPlan) -> ResponseReturnValue:
    """The dry run again (422): a ticked person was also given a status of their own."""
    return dry_run(
        token,
        plan,
        422,
        _(
            "A ticked person was also given a different status of their own. Choose one "
            "status for each person. Nothing was written."
        ),
    )


@bp.post("/<token>/apply")
@require(can_import_registrants)
def apply(token: str) -> ResponseReturnValue:
    """Write the confirmed upload, as re-planned now, as one import batch; all or nothing."""
    upload, plan, refused = _replan(token)
    if refused is not None:
        return refused
    statuses = confirmed_statuses(plan, request.form)
    if request.form.get("plan_key") != plan_key(plan, statuses):
        return _register_changed(token, plan)
    summary = _write(upload, plan, statuses)
    _flash_imported(summary)
    return redirect(url_for("imports.batch", batch_id=summary.batch_id))


def _register_changed(token: str, plan: ImportPlan) -> ResponseReturnValue:
    """The dry run again (409): the plan changed since its counts were confirmed."""
    return dry_run(
        token,
        plan,
        409,
        _(
            "The register changed since you confirmed the counts. Check the dry run "
            "again, then apply. Nothing was written."
        ),
    )


def _write(
    upload: Upload, plan: ImportPlan, statuses: dict[int, RegistrantStatus]
) -> ImportSummary:
    """Apply the plan as one import batch and commit it, the upload claimed meanwhile so
    that no other request applies it; then delete the upload."""
    source = SourceFile.of(upload.name, upload.data)
    with claimed(upload.token):
        try:
            summary = apply_import(
                db.session, plan, current_user, city_prefix(), source, statuses
            )
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    delete_upload(upload.token)
    if summary.created > _ANALYZE_AFTER:
        refresh_statistics(db.session)
        db.session.commit()
    return summary


def _flash_imported(summary: ImportSummary) -> None:
    flash(
        _(
            "Imported: %(created)d added, %(updated)d updated, %(changed)d statuses changed.",
            created=summary.created,
            updated=summary.updated,
            changed=summary.status_changed,
        ),
        "info",
    )


@bp.post("/<token>/report.csv")
@require(can_import_registrants)
def report(token: str) -> ResponseReturnValue:
    """Every bad row as a CSV for Excel. Its reasons may quote cells: POST, never logged."""
    remove_expired()
    plan = make_plan(load_upload(token))
    record_event(
        db.session, "import.report", actor=current_user, detail={"errors": len(plan.errors)}
    )
    db.session.commit()
    return download(report_csv(plan.errors), "import-errors.csv", CSV_TYPE)
