"""An organisation's agreements: terms, status, the signed document and the version history."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from ...access.fields import DEFAULT_AGREEMENT_FIELDS
from ...access.roles import can_manage_partners
from ...audit.operations import record_event
from ...decorators import require
from ...exports import PDF_TYPE, download
from ...extensions import db
from ...formtext import validate_edit
from ...i18n import local_today
from ...models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    District,
    Organisation,
    Provision,
)
from ...versioning import Saved, save_versioned
from ...web import get_or_404
from ..agreements import (
    SNAPSHOT_TERMS,
    AgreementClosedError,
    AgreementRefused,
    TransitionError,
    activation_problems,
    allowed_actions,
    change_status,
    create_agreement,
    overlapping,
    snapshot,
    update_agreement,
)
from ..documents import DocumentError, document_path, store_document
from ..forms import AgreementForm, DocumentForm, StatusForm, term_label
from .blueprint import bp, district_choices

#: Why an agreement cannot be active, in words a clerk can act on.
PROBLEMS: dict[str, Any] = {
    "no_districts": _l("Choose at least one district the agreement covers."),
    "no_fields": _l("Choose at least one field the partner receives."),
    "ended": _l("The end date has passed. Change the end date, or make a new agreement."),
    "overlap": _l(
        "Another active agreement of this organisation covers part of the same term. "
        "Terminate it, or change the dates, first."
    ),
}
DOCUMENT_ERRORS: dict[str, Any] = {
    "not_pdf": _l("This file is not a PDF. Scan the signed agreement to PDF and upload that."),
    "too_large": _l("The file is larger than 20 MB. Scan it at a lower resolution."),
    "empty": _l("The file is empty."),
}
ACTION_LABELS: dict[str, Any] = {
    "activate": _l("Activate"),
    "suspend": _l("Suspend"),
    "resume": _l("Resume"),
    "terminate": _l("Terminate"),
}
ACTION_DONE: dict[str, Any] = {
    "activate": _l("The agreement is active: its partner sees the list from now on."),
    "suspend": _l("The agreement is suspended: its partner sees nothing from now on."),
    "resume": _l("The agreement is active again."),
    "terminate": _l(
        "The agreement is terminated: its partner sees nothing from now on. "
        "Record the return or destruction of every copy still out."
    ),
}
#: The refusals the agreement's page shows above its buttons.
CHANGED_MEANWHILE = _l("This agreement was changed by someone else. Check it and try again.")
CLOSED = _l("A terminated agreement cannot be changed.")
NOT_NOW = _l("This cannot be done in the agreement's present status.")


def _a_year_on(day: date) -> date:
    """The last day of a one-year term starting on `day`."""
    try:
        return day.replace(year=day.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _documents_dir() -> Path:
    return Path(current_app.instance_path) / "agreements"


# ---------------------------------------------------------------------------------------------
# Terms
# ---------------------------------------------------------------------------------------------


def _agreement_form(agreement: Agreement | None = None) -> AgreementForm:
    return AgreementForm(
        obj=agreement if agreement is not None and request.method == "GET" else None,
        district_choices=district_choices(),
    )


def _form_page(
    form: AgreementForm, org: Organisation, agreement: Agreement | None, **extra: Any
) -> str:
    return render_template(
        "partners/agreement_form.html", form=form, org=org, agreement=agreement, **extra
    )


@bp.route("/<id:organisation_id>/agreements/new", methods=["GET", "POST"])
@require(can_manage_partners)
def new_agreement(organisation_id: int) -> ResponseReturnValue:
    """Write a new agreement as a draft, starting from the organisation's districts and the
    usual fields (the legal items and a needs summary, no medical details)."""
    org = get_or_404(Organisation, organisation_id)
    form = _agreement_form()
    if request.method == "GET":
        _fill_new(form, org)
    if form.validate_on_submit():
        agreement = create_agreement(db.session, org, form.terms(), current_user)
        db.session.commit()
        flash(_("The agreement was saved as a draft. Activate it once it is signed."), "info")
        return redirect(url_for("partners.agreement", agreement_id=agreement.id))
    return _form_page(form, org, None), 422 if form.errors else 200


def _fill_new(form: AgreementForm, org: Organisation) -> None:
    """A year from today, the organisation's districts, the usual fields and every duty."""
    today = local_today()
    form.starts_on.data = today
    form.ends_on.data = _a_year_on(today)
    form.districts.data = [d.id for d in org.districts]
    form.fields.data = list(DEFAULT_AGREEMENT_FIELDS)
    form.duty_confidentiality.data = True
    form.duty_no_copies.data = True
    form.duty_return.data = True


@bp.route("/agreements/<id:agreement_id>/edit", methods=["GET", "POST"])
@require(can_manage_partners)
def edit_agreement(agreement_id: int) -> ResponseReturnValue:
    """Change an agreement's terms. A save built on an outdated page is refused with 409."""
    agreement = get_or_404(Agreement, agreement_id)
    if agreement.status is AgreementStatus.TERMINATED:
        return _closed(agreement)
    form = _agreement_form(agreement)
    if request.method == "GET":
        form.version.data = str(agreement.version)
        form.districts.data = [d.id for d in agreement.districts]
        form.fields.data = list(agreement.fields or [])
    if validate_edit(form, agreement):
        return _save_terms(form, agreement)
    return _form_page(
        form, agreement.organisation, agreement, problems=[]
    ), 422 if form.errors else 200


def _closed(agreement: Agreement) -> ResponseReturnValue:
    """A terminated agreement's form: sent back to the agreement, or refused with 409."""
    if request.method == "GET":
        flash(_("A terminated agreement cannot be changed. Make a new agreement."), "error")
        return redirect(url_for("partners.agreement", agreement_id=agreement.id))
    form = _agreement_form(agreement)
    return _form_page(form, agreement.organisation, agreement, closed=True), 409


def _save_terms(form: AgreementForm, agreement: Agreement) -> ResponseReturnValue:
    """Save the posted terms: on to the agreement, or the form again saying why not."""
    org = agreement.organisation
    try:
        saved = save_versioned(
            db.session,
            request.form.get("version"),
            lambda version: update_agreement(
                db.session, agreement, form.terms(), version, current_user, local_today()
            ),
        )
    except AgreementClosedError:
        db.session.rollback()
        return _form_page(form, org, agreement, closed=True), 409
    except AgreementRefused as refused:
        problems = [PROBLEMS[p] for p in refused.problems]
        return _form_page(form, org, agreement, problems=problems), 422
    if saved.conflict:
        return _form_page(form, org, agreement, conflict=True), 409
    db.session.commit()
    _flash_saved(agreement, saved.value or [])
    return redirect(url_for("partners.agreement", agreement_id=agreement.id))


def _flash_saved(agreement: Agreement, changed: list[str]) -> None:
    if changed:
        names = "、".join(term_label(n) for n in changed)
        flash(_("Saved as version %(n)d: %(terms)s.", n=agreement.version, terms=names), "info")
    else:
        flash(_("Nothing was changed."), "info")


# ---------------------------------------------------------------------------------------------
# The agreement's page and its status
# ---------------------------------------------------------------------------------------------


def _render_agreement(
    agreement: Agreement,
    status: int = 200,
    *,
    errors: list[Any] | None = None,
    document_form: DocumentForm | None = None,
) -> ResponseReturnValue:
    today = local_today()
    return render_template(
        "partners/agreement.html",
        agreement=agreement,
        org=agreement.organisation,
        today=today,
        **_standing(agreement, today),
        errors=errors or [],
        document_form=document_form or DocumentForm(),
        **_copies(agreement),
        district_names={d.code: d.name for d in agreement.districts},
    ), status


def _standing(agreement: Agreement, today: date) -> dict[str, Any]:
    """Where the agreement stands today: its status, what it may do, and what blocks it."""
    blocking: list[Any] = []
    if agreement.status in (AgreementStatus.DRAFT, AgreementStatus.SUSPENDED):
        blocking = [PROBLEMS[p] for p in activation_problems(db.session, agreement, today)]
    return {
        "effective": agreement.effective_status(today),
        "in_force": agreement.in_force(today),
        "actions": [(a, ACTION_LABELS[a]) for a in allowed_actions(agreement)],
        "blocking": blocking,
        "overlaps": overlapping(
            db.session,
            agreement.organisation_id,
            agreement.starts_on,
            agreement.ends_on,
            agreement.id,
        ),
    }


def _copies(agreement: Agreement) -> dict[str, int]:
    """How many copies were made under the agreement, and how many are still out."""
    copies = list(
        db.session.scalars(select(Provision).where(Provision.agreement_id == agreement.id))
    )
    return {"copies": len(copies), "outstanding": sum(1 for p in copies if p.outstanding)}


@bp.get("/agreements/<id:agreement_id>")
@require(can_manage_partners)
def agreement(agreement_id: int) -> ResponseReturnValue:
    """An agreement's terms, status, signed document, and the buttons that change its status."""
    return _render_agreement(get_or_404(Agreement, agreement_id))


@bp.post("/agreements/<id:agreement_id>/status")
@require(can_manage_partners)
def agreement_status(agreement_id: int) -> ResponseReturnValue:
    """Activate, suspend, resume or terminate; the partner's access follows on its next request."""
    agreement = get_or_404(Agreement, agreement_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_agreement(agreement, 422, errors=[_("Choose what to do.")])
    action = form.action.data or ""
    if action == "terminate" and request.form.get("confirm") != "yes":
        return _render_agreement(
            agreement,
            422,
            errors=[_("Tick the box to confirm: a termination cannot be undone.")],
        )
    return _change_status(agreement, action)


def _change_status(agreement: Agreement, action: str) -> ResponseReturnValue:
    """Do `action` as posted: on to the agreement, or its page again saying why not."""
    try:
        saved = save_versioned(
            db.session,
            request.form.get("version"),
            lambda version: change_status(
                db.session, agreement, action, current_user, local_today(), version
            ),
        )
    except (AgreementClosedError, TransitionError, AgreementRefused) as refused:
        return _status_refused(agreement, refused)
    if saved.conflict:
        return _render_agreement(agreement, 409, errors=[CHANGED_MEANWHILE])
    db.session.commit()
    flash(ACTION_DONE[action], "info")
    return redirect(url_for("partners.agreement", agreement_id=agreement.id))


def _status_refused(agreement: Agreement, refused: Exception) -> ResponseReturnValue:
    """The agreement's page saying why its status could not change."""
    if isinstance(refused, AgreementRefused):
        return _render_agreement(agreement, 422, errors=[PROBLEMS[p] for p in refused.problems])
    if isinstance(refused, AgreementClosedError):
        return _render_agreement(agreement, 409, errors=[CLOSED])
    return _render_agreement(agreement, 409, errors=[NOT_NOW])


# ---------------------------------------------------------------------------------------------
# The signed document
# ---------------------------------------------------------------------------------------------


@bp.post("/agreements/<id:agreement_id>/document")
@require(can_manage_partners)
def upload_document(agreement_id: int) -> ResponseReturnValue:
    """Keep the signed agreement: a PDF, at most 20 MB, named by its SHA-256."""
    agreement = get_or_404(Agreement, agreement_id)
    form = DocumentForm()
    if not form.validate_on_submit():
        return _render_agreement(agreement, 422, document_form=form)
    try:
        saved = _store_upload(agreement, form.document.data)
    except DocumentError as exc:
        return _bad_document(agreement, form, exc.code)
    except AgreementClosedError:
        return _render_agreement(agreement, 409, errors=[CLOSED])
    if saved.conflict:
        return _render_agreement(agreement, 409, errors=[CHANGED_MEANWHILE])
    db.session.commit()
    flash(_("The signed agreement was kept."), "info")
    return redirect(url_for("partners.agreement", agreement_id=agreement.id))


def _bad_document(agreement: Agreement, form: DocumentForm, code: str) -> ResponseReturnValue:
    """The agreement's page again, saying why the file was not kept (nothing was)."""
    db.session.rollback()
    form.document.errors = [DOCUMENT_ERRORS[code]]
    return _render_agreement(agreement, 422, errors=[DOCUMENT_ERRORS[code]], document_form=form)


def _store_upload(agreement: Agreement, upload: FileStorage) -> Saved[list[str]]:
    """Keep the upload and record it. The upload form carries no version: only a save that
    loses the race in the UPDATE itself is a conflict."""
    return save_versioned(
        db.session,
        None,
        lambda _version: store_document(
            db.session,
            agreement,
            upload.stream,
            upload.filename,
            _documents_dir(),
            current_user,
        ),
    )


@bp.get("/agreements/<id:agreement_id>/document.pdf")
@require(can_manage_partners)
def download_document(agreement_id: int) -> ResponseReturnValue:
    """The signed agreement as a download named after the agreement's number only."""
    agreement = get_or_404(Agreement, agreement_id)
    path = _document_file(agreement)
    record_event(
        db.session,
        "agreement.download",
        actor=current_user,
        object_type="agreement",
        object_id=agreement.id,
        detail={"sha256": agreement.document_sha256},
    )
    db.session.commit()
    return download(path, f"agreement-{agreement.id}.pdf", PDF_TYPE)


def _document_file(agreement: Agreement) -> Path:
    """The kept file of the agreement's signed document; 404 when there is none."""
    if not agreement.document_sha256:
        abort(404)
    path = document_path(_documents_dir(), agreement.document_sha256)
    if not path.is_file():
        abort(404)
    return path


# ---------------------------------------------------------------------------------------------
# Versions
# ---------------------------------------------------------------------------------------------


@bp.get("/agreements/<id:agreement_id>/versions")
@require(can_manage_partners)
def versions(agreement_id: int) -> ResponseReturnValue:
    """Every version of the agreement: when, by whom, and which terms changed."""
    agreement = get_or_404(Agreement, agreement_id)
    rows = list(
        db.session.scalars(
            select(AgreementVersion)
            .where(AgreementVersion.agreement_id == agreement.id)
            .options(selectinload(AgreementVersion.changed_by))
            .order_by(AgreementVersion.version.desc())
        )
    )
    return render_template(
        "partners/versions.html", agreement=agreement, org=agreement.organisation, rows=rows
    )


@bp.get("/agreements/<id:agreement_id>/versions/<int:version>")
@require(can_manage_partners)
def version(agreement_id: int, version: int) -> ResponseReturnValue:
    """The agreement as it stood at one version."""
    agreement = get_or_404(Agreement, agreement_id)
    row = db.session.scalar(
        select(AgreementVersion).where(
            AgreementVersion.agreement_id == agreement.id, AgreementVersion.version == version
        )
    )
    if row is None:
        abort(404)
    return render_template(
        "partners/version.html",
        agreement=agreement,
        org=agreement.organisation,
        row=row,
        snap=row.snapshot,
        terms=SNAPSHOT_TERMS,
        district_names=_district_names(row.snapshot.get("districts") or []),
        current=row.snapshot == snapshot(agreement),
    )


def _district_names(codes: list[str]) -> dict[str, str]:
    """Code -> name of the districts a snapshot names (by code)."""
    districts = db.session.scalars(select(District).where(District.code.in_(list(codes))))
    return {d.code: d.name for d in districts}
