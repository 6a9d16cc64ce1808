"""The eligibility import for staff: upload an export, check the dry run, choose the statuses
of the people missing from it, confirm the counts, then apply it as an import batch.

Between the dry run and the apply the uploaded file waits in the instance folder under a
random token, readable by its owner only. It is deleted once applied or refused (a file with
bad rows), unless staff ticked "keep the uploaded file" (for its error report), and in any
case after two hours. A file beyond the [uploads] limits is refused before it is stored.
It holds personal data, as does the error report: neither is ever logged or put in a URL.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
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
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectField

from ..access.roles import can_import_registrants
from ..audit.operations import record_event
from ..decorators import require
from ..extensions import db, refresh_statistics
from ..files import private_dir
from ..i18n import local_today, show_date
from ..labels import label
from ..models import District, Registrant, RegistrantStatus
from ..uploads import UploadRefused, check_upload
from ..web import city_prefix
from .batches import SourceFile
from .mapping import (
    DEFAULT_HEADERS,
    REQUIRED_FIELDS,
    TARGET_FIELDS,
    Mapping,
    MappingError,
    load_mapping,
)
from .operations import ImportPlan, apply_import, plan_import
from .parsing import parse_rows
from .report import report_csv
from .tables import TableError, read_table

bp = Blueprint("imports", __name__, url_prefix="/imports")

#: Rows shown in each table of the dry run; the rest are counted.
SHOWN = 200
#: Seconds an upload waits for its apply before it is deleted.
MAX_AGE = 2 * 60 * 60
#: The choice for a missing person that leaves their status as it is.
KEEP = "keep"
UPLOAD_SUFFIXES = ("csv", "tsv", "txt", "xlsx")
#: What secrets.token_urlsafe(32) returns; anything else is no token of ours.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
#: Bulk loads beyond this many new people refresh the planner's statistics, as the CLI does.
_ANALYZE_AFTER = 1000

#: The register fields an import compares, as the dry run names them.
FIELD_NAMES: dict[str, Any] = {
    "name": _l("Name"),
    "name_kana": _l("Reading (kana)"),
    "birth_date": _l("Date of birth"),
    "sex": _l("Sex"),
    "address": _l("Address"),
    "postal_code": _l("Postal code"),
    "phone": _l("Phone"),
    "mobile_phone": _l("Mobile phone"),
    "care_level": _l("Care level"),
    "disability_certificate": _l("Disability certificate"),
    "district": _l("District"),
}
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
        validators=[FileAllowed(["toml"], _l("Give the mapping as a .toml file."))],
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


# --- The stored upload ---------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file waiting between its dry run and its apply."""

    token: str
    data: bytes
    #: The kind of file, e.g. ".csv".
    suffix: str
    encoding: str | None
    mapping: Path | None
    #: Staff asked to keep a refused file (for its error report) until it expires.
    keep: bool = False
    #: The name it was uploaded under, for the import batch.
    name: str = "-"


def upload_dir() -> Path:
    """instance/imports, or IMPORT_UPLOAD_DIR when set (tests use a temporary folder)."""
    configured = current_app.config.get("IMPORT_UPLOAD_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    return private_dir(folder)


def _path(token: str, kind: str) -> Path:
    return upload_dir() / f"{token}.{kind}"


def _write_private(path: Path, data: bytes) -> None:
    """Create the file readable and writable by its owner only, from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def store_upload(
    data: bytes,
    suffix: str,
    encoding: str | None,
    mapping: str | None,
    keep: bool = False,
    name: str = "-",
) -> str:
    """Keep the upload for the apply; the token is all the browser gets."""
    token = secrets.token_urlsafe(32)
    _write_private(_path(token, "bin"), data)
    if mapping is not None:
        _write_private(_path(token, "toml"), mapping.encode("utf-8"))
    meta = {
        "user": current_user.id,
        "suffix": suffix,
        "encoding": encoding or None,
        "keep": keep,
        "name": name,
    }
    _write_private(_path(token, "json"), json.dumps(meta).encode("utf-8"))
    return token


def load_upload(token: str) -> Upload:
    """This user's upload under this token, or 404: unknown, expired, applied or another's."""
    if not _TOKEN.fullmatch(token):
        abort(404)
    try:
        meta = json.loads(_path(token, "json").read_bytes())
        data_path = _path(token, "bin")
        if time.time() - data_path.stat().st_mtime > MAX_AGE:
            abort(404)
        data = data_path.read_bytes()
    except FileNotFoundError:
        abort(404)
    if meta.get("user") != current_user.id:
        abort(404)
    mapping = _path(token, "toml")
    return Upload(
        token,
        data,
        meta["suffix"],
        meta["encoding"],
        mapping if mapping.exists() else None,
        bool(meta.get("keep")),
        str(meta.get("name") or "-"),
    )


def delete_upload(token: str) -> None:
    for kind in ("bin", "claimed", "toml", "json"):
        _path(token, kind).unlink(missing_ok=True)


def remove_expired() -> None:
    """Delete every upload older than MAX_AGE, whoever left it."""
    limit = time.time() - MAX_AGE
    with os.scandir(upload_dir()) as entries:
        for entry in entries:
            with contextlib.suppress(FileNotFoundError):  # another request got there first
                if entry.is_file() and entry.stat().st_mtime < limit:
                    os.unlink(entry.path)


@contextlib.contextmanager
def claimed(token: str) -> Iterator[None]:
    """Only one apply per upload: the file is renamed away, and back if the apply fails."""
    waiting, claim = _path(token, "bin"), _path(token, "claimed")
    try:
        os.rename(waiting, claim)
    except FileNotFoundError:
        abort(404)  # applied (or being applied) by another request
    try:
        yield
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.rename(claim, waiting)
        raise


# --- Planning and showing ------------------------------------------------------------------


def make_plan(upload: Upload) -> ImportPlan:
    """Read, parse and compare the upload with the register as it is now. Writes nothing.

    Raises MappingError or TableError for a file that cannot be read at all.
    """
    mapping = load_mapping(upload.mapping) if upload.mapping else Mapping()
    table = read_table(
        upload.data,
        filename=f"upload{upload.suffix}",
        encoding=upload.encoding,
        limits=current_app.config["UPLOAD_LIMITS"],
    )
    parsed = parse_rows(table, mapping, today=local_today())
    plan = plan_import(db.session, parsed, city_prefix())
    # A fixed order, so the people listed on the dry run are the ones the apply reads.
    plan.missing.sort(key=lambda m: (m.resident_no, m.registrant_id))
    return plan


def missing_key(plan: ImportPlan) -> str:
    """A digest of who is missing from the export, to tell whether it changed since the dry
    run. Register IDs only, so no personal data goes into the page."""
    ids = ",".join(str(m.registrant_id) for m in plan.missing)
    return hashlib.sha256(ids.encode()).hexdigest()[:32]


def missing_choices() -> list[tuple[str, str]]:
    others = [s for s in RegistrantStatus if s is not RegistrantStatus.ACTIVE]
    return [(KEEP, _("Keep as it is")), *((s.value, label(s)) for s in others)]


class StatusConflictError(ValueError):
    """A ticked person was also given a different status of their own."""


def chosen_statuses(plan: ImportPlan, form: MultiDict[str, str]) -> dict[int, RegistrantStatus]:
    """The statuses staff chose on the dry run for people missing from the export: one by
    one, or one status for the ticked. Anyone without a choice keeps their status; nothing
    is chosen for anyone by default."""
    missing = {m.registrant_id for m in plan.missing[:SHOWN]}
    ticked = {_missing_id(v, missing) for v in form.getlist("tick")}
    bulk = _status(form.get("ticked-status", KEEP))
    statuses: dict[int, RegistrantStatus] = {}
    for registrant_id in missing:
        own = _status(form.get(f"missing-{registrant_id}", KEEP))
        if own is not None and bulk is not None and registrant_id in ticked and own != bulk:
            raise StatusConflictError
        choice = own or (bulk if registrant_id in ticked else None)
        if choice is not None:
            statuses[registrant_id] = choice
    return statuses


def confirmed_statuses(
    plan: ImportPlan, form: MultiDict[str, str]
) -> dict[int, RegistrantStatus]:
    """The statuses carried by the confirmation step, for people missing from the export."""
    missing = {m.registrant_id for m in plan.missing}
    statuses: dict[int, RegistrantStatus] = {}
    for value in form.getlist("status"):
        registrant_id, _sep, status = value.partition(":")
        chosen = _status(status)
        if chosen is None:
            abort(400)
        statuses[_missing_id(registrant_id, missing)] = chosen
    return statuses


def _missing_id(value: str, missing: set[int]) -> int:
    if not value.isdigit() or int(value) not in missing:
        abort(400)
    return int(value)


def _status(value: str) -> RegistrantStatus | None:
    """None for "keep"; a 400 for anything that is not a status other than active."""
    if value == KEEP:
        return None
    if value not in {s.value for s in RegistrantStatus if s is not RegistrantStatus.ACTIVE}:
        abort(400)
    return RegistrantStatus(value)


def plan_key(plan: ImportPlan, statuses: dict[int, RegistrantStatus]) -> str:
    """A digest of what the apply would write, to tell whether it changed since the
    confirmation. Register IDs and counts only: no personal data goes into the page."""
    parts = [
        str(len(plan.new)),
        ",".join(str(c.registrant_id) for c in plan.changed),
        ",".join(f"{i}:{s.value}" for i, s in sorted(statuses.items())),
        missing_key(plan),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def show_value(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return show_date(value)
    if isinstance(value, Enum):
        return label(value)
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


def _changes(plan: ImportPlan, districts: dict[int, str]) -> list[tuple[Any, list[Change]]]:
    shown = plan.changed[:SHOWN]
    query = select(Registrant.id, Registrant.district_id).where(
        Registrant.id.in_([c.registrant_id for c in shown])
    )
    before: dict[int, int] = {i: district for i, district in db.session.execute(query)}
    rows = []
    for person in shown:
        changes = [
            Change(str(FIELD_NAMES.get(c.field, c.field)), show_value(c.old), show_value(c.new))
            for c in person.changes
        ]
        old_district = before.get(person.registrant_id)
        if old_district != person.district_id:
            changes.append(
                Change(
                    str(FIELD_NAMES["district"]),
                    districts.get(old_district, "—") if old_district else "—",
                    districts.get(person.district_id, "—"),
                )
            )
        rows.append((person, changes))
    return rows


def dry_run(
    token: str | None, plan: ImportPlan, status: int = 200, notice: str | None = None
) -> ResponseReturnValue:
    """The dry-run page: what the apply would do, and every row that stops it."""
    districts: dict[int, str] = {
        i: name for i, name in db.session.execute(select(District.id, District.name))
    }
    changed = _changes(plan, districts)
    missing = plan.missing[:SHOWN]
    record_event(
        db.session,
        "import.dry_run",
        actor=current_user,
        object_type="registrant",
        detail={
            "new": len(plan.new),
            "reason_unmatched": plan.reason_unmatched,
            "changed": len(plan.changed),
            "unchanged": plan.unchanged,
            "missing": len(plan.missing),
            "errors": len(plan.errors),
            "ids": [p.registrant_id for p, _c in changed] + [m.registrant_id for m in missing],
        },
    )
    db.session.commit()
    page = render_template(
        "imports/dry_run.html",
        token=token,
        plan=plan,
        shown=SHOWN,
        new=plan.new[:SHOWN],
        changed=changed,
        missing=missing,
        errors=plan.errors[:SHOWN],
        districts=districts,
        choices=missing_choices(),
        keep=KEEP,
        missing_key=missing_key(plan),
        notice=notice,
    )
    return page, status


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
    return Response(
        out.getvalue().encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="import-sample.csv"'},
    )


def _accept(form: UploadForm) -> tuple[str, ImportPlan] | None:
    """Store the upload and plan it; None (with the form's errors) if it cannot be read."""
    upload = form.file.data
    mapping_text = None
    if form.mapping.data:
        try:
            mapping_text = form.mapping.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.mapping.errors.append(_("The mapping file is not UTF-8 text."))
            return None
    suffix = Path(upload.filename or "").suffix.lower()
    data = upload.read()
    try:
        check_upload(upload.filename or "", data, current_app.config["UPLOAD_LIMITS"])
    except UploadRefused as exc:
        form.file.errors.append(str(exc))
        return None
    token = store_upload(
        data,
        suffix,
        form.encoding.data,
        mapping_text,
        bool(form.keep.data),
        upload.filename or "-",
    )
    try:
        plan = make_plan(load_upload(token))
    except UploadRefused as exc:
        form.file.errors.append(str(exc))
    except MappingError as exc:
        form.mapping.errors.append(_("The mapping cannot be used: %(reason)s", reason=str(exc)))
    except TableError as exc:
        form.file.errors.append(_("The file cannot be read: %(reason)s", reason=str(exc)))
    else:
        return token, plan
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
        return upload, plan, dry_run(
            _kept_unless_refused(token, plan, upload.keep),
            plan,
            422,
            _(
                "Nothing was written: with the register as it is now, the file has problems. "
                "Correct them and upload the file again."
            ),
        )
    if request.form.get("missing_key") != missing_key(plan):
        return upload, plan, dry_run(
            token,
            plan,
            409,
            _(
                "The people missing from the export changed since the dry run. Check their "
                "statuses again, then apply. Nothing was written."
            ),
        )
    return upload, plan, None


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
        return dry_run(
            token,
            plan,
            422,
            _(
                "A ticked person was also given a different status of their own. Choose one "
                "status for each person. Nothing was written."
            ),
        )
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


@bp.post("/<token>/apply")
@require(can_import_registrants)
def apply(token: str) -> ResponseReturnValue:
    """Write the confirmed upload, as re-planned now, as one import batch; all or nothing."""
    upload, plan, refused = _replan(token)
    if refused is not None:
        return refused
    statuses = confirmed_statuses(plan, request.form)
    if request.form.get("plan_key") != plan_key(plan, statuses):
        return dry_run(
            token,
            plan,
            409,
            _(
                "The register changed since you confirmed the counts. Check the dry run "
                "again, then apply. Nothing was written."
            ),
        )
    source = SourceFile.of(upload.name, upload.data)
    with claimed(token):
        try:
            summary = apply_import(
                db.session, plan, current_user, city_prefix(), source, statuses
            )
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    delete_upload(token)
    if summary.created > _ANALYZE_AFTER:
        refresh_statistics(db.session)
        db.session.commit()
    flash(
        _(
            "Imported: %(created)d added, %(updated)d updated, %(changed)d statuses changed.",
            created=summary.created,
            updated=summary.updated,
            changed=summary.status_changed,
        ),
        "info",
    )
    return redirect(url_for("imports.batch", batch_id=summary.batch_id))


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
    return Response(
        report_csv(plan.errors),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="import-errors.csv"'},
    )
