"""Staff pages for partner organisations, their agreements, ledger and API tokens.

Views parse the request, call an operation, and render. Every change is audited by the
operation; pages that show people (a copy's list) log the disclosure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..access.fields import DEFAULT_AGREEMENT_FIELDS
from ..access.roles import can_manage_partners
from ..access.rule import agreement_in_force, visible_districts
from ..audit.operations import record_event
from ..decorators import require
from ..disclosures import record_disclosure
from ..extensions import db
from ..formtext import validate_edit
from ..i18n import local_today, show_date, show_datetime
from ..labels import label
from ..models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    ApiToken,
    DisposalMethod,
    District,
    Organisation,
    Provision,
    Role,
    User,
)
from ..versioning import posted_version
from ..viewer import current_viewer
from ..web import get_or_404
from . import ledger as ledger_ops
from .forms import (
    ORGANISATION_LABELS,
    AgreementForm,
    DisposeForm,
    DocumentForm,
    OrganisationForm,
    StatusForm,
    TokenForm,
    field_group_label,
    term_label,
)
from .operations import (
    SNAPSHOT_TERMS,
    AgreementClosedError,
    AgreementRefused,
    DocumentError,
    DuplicateNameError,
    StaleEditError,
    TransitionError,
    activation_problems,
    allowed_actions,
    change_status,
    create_agreement,
    create_organisation,
    document_path,
    in_force_among,
    overlapping,
    reminders,
    snapshot,
    store_document,
    update_agreement,
    update_organisation,
)
from .tokens import (
    AlreadyRevokedError,
    NoAgreementError,
    NotAPartnerError,
    issue_token,
    organisation_tokens,
    revoke_token,
    token_users,
)

bp = Blueprint("partners", __name__, url_prefix="/partners")

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
DISPOSAL_ERRORS: dict[str, Any] = {
    "future": _l("This date is in the future."),
    "before_copy": _l("This date is before the copy was made."),
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


@bp.app_template_global()
@bp.app_template_filter()
def agreement_field_label(group: str) -> str:
    return field_group_label(group)


@bp.app_template_global()
@bp.app_template_filter()
def agreement_term_label(name: str) -> str:
    return term_label(name)


@bp.app_template_filter()
def agreement_status_label(value: str | None) -> str:
    """A status stored in a snapshot, as its label."""
    try:
        return label(AgreementStatus(value or ""))
    except ValueError:
        return value or ""


@bp.app_template_filter()
def isodate(value: str | None) -> str:
    return show_date(date.fromisoformat(value)) if value else ""


@bp.app_template_filter()
def isodatetime(value: str | None) -> str:
    return show_datetime(datetime.fromisoformat(value)) if value else ""


@bp.app_template_filter()
def filesize(size: int | None) -> str:
    size = size or 0
    if size < 1024:
        return _("%(n)d bytes", n=size)
    if size < 1024 * 1024:
        return _("%(n)s KB", n=f"{size / 1024:,.0f}")
    return _("%(n)s MB", n=f"{size / 2**20:,.1f}")


@bp.app_template_filter()
def district_name(code: str, names: dict[str, str]) -> str:
    return names.get(code, code)


# ---------------------------------------------------------------------------------------------
# Lookups
# ---------------------------------------------------------------------------------------------


def _district_choices() -> list[tuple[int, str]]:
    return [(d.id, d.name) for d in visible_districts(db.session, current_viewer())]


def _version_arg() -> int | None:
    return posted_version(request.form.get("version"))


def _tz() -> str:
    return str(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _a_year_on(day: date) -> date:
    """The last day of a one-year term starting on `day`."""
    try:
        return day.replace(year=day.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _documents_dir() -> Path:
    return Path(current_app.instance_path) / "agreements"


# ---------------------------------------------------------------------------------------------
# The index and its reminders
# ---------------------------------------------------------------------------------------------


@dataclass
class OrganisationRow:
    organisation: Organisation
    in_force: Agreement | None
    latest: Agreement | None
    outstanding: int


@bp.get("/")
@require(can_manage_partners)
def index() -> ResponseReturnValue:
    """Every partner organisation, its agreement in force and copies out; reminders on top."""
    today = local_today()
    organisations = list(
        db.session.scalars(
            select(Organisation)
            .order_by(Organisation.name)
            .options(selectinload(Organisation.districts))
        )
    )
    agreements = list(
        db.session.scalars(
            select(Agreement).order_by(Agreement.starts_on.desc(), Agreement.id.desc())
        )
    )
    by_organisation: dict[int, list[Agreement]] = defaultdict(list)
    for agreement in agreements:
        by_organisation[agreement.organisation_id].append(agreement)
    outstanding = ledger_ops.outstanding_counts(db.session)
    rows = [
        OrganisationRow(
            organisation=o,
            in_force=in_force_among(agreements, o.id, today),
            latest=by_organisation[o.id][0] if by_organisation[o.id] else None,
            outstanding=outstanding.get(o.id, 0),
        )
        for o in organisations
    ]
    return render_template(
        "partners/index.html",
        rows=rows,
        reminders=reminders(db.session, today),
        today=today,
    )


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@require(can_manage_partners)
def new_organisation() -> ResponseReturnValue:
    """Add a partner organisation: name, category, contacts and the districts it serves."""
    form = OrganisationForm(district_choices=_district_choices())
    if form.validate_on_submit():
        try:
            organisation = create_organisation(db.session, form.data_object(), current_user)
        except DuplicateNameError:
            form.name.errors = [_("An organisation with this name exists.")]
        else:
            db.session.commit()
            flash(_("The organisation was added. Next, make its agreement."), "info")
            return redirect(url_for("partners.organisation", organisation_id=organisation.id))
    return render_template(
        "partners/organisation_form.html", form=form, organisation=None
    ), 422 if form.errors else 200


@bp.route("/<id:organisation_id>/edit", methods=["GET", "POST"])
@require(can_manage_partners)
def edit_organisation(organisation_id: int) -> ResponseReturnValue:
    """Change an organisation's name, category, contacts or districts. A save built on an
    outdated page is refused with 409, changing nothing."""
    organisation = get_or_404(Organisation, organisation_id)
    form = OrganisationForm(
        obj=organisation if request.method == "GET" else None,
        district_choices=_district_choices(),
    )
    if request.method == "GET":
        form.category.data = organisation.category.value
        form.districts.data = [d.id for d in organisation.districts]
        form.version.data = str(organisation.version)
    if validate_edit(form, organisation):
        try:
            changed = update_organisation(
                db.session, organisation, form.data_object(), _version_arg(), current_user
            )
            db.session.flush()
        except (StaleEditError, StaleDataError):
            db.session.rollback()
            return render_template(
                "partners/organisation_form.html",
                form=form,
                organisation=organisation,
                conflict=True,
            ), 409
        except DuplicateNameError:
            form.name.errors = [_("An organisation with this name exists.")]
        else:
            db.session.commit()
            if changed:
                names = "、".join(str(ORGANISATION_LABELS.get(n, n)) for n in changed)
                flash(_("Saved: %(fields)s.", fields=names), "info")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("partners.organisation", organisation_id=organisation.id))
    return render_template(
        "partners/organisation_form.html", form=form, organisation=organisation
    ), 422 if form.errors else 200


@bp.get("/<id:organisation_id>")
@require(can_manage_partners)
def organisation(organisation_id: int) -> ResponseReturnValue:
    """An organisation: contacts, districts, users, agreements, ledger summary and tokens."""
    org = get_or_404(Organisation, organisation_id)
    today = local_today()
    users = list(
        db.session.scalars(
            select(User).where(User.organisation_id == org.id).order_by(User.username)
        )
    )
    agreements = list(
        db.session.scalars(
            select(Agreement)
            .where(Agreement.organisation_id == org.id)
            .order_by(Agreement.starts_on.desc(), Agreement.id.desc())
        )
    )
    return render_template(
        "partners/organisation.html",
        org=org,
        users=users,
        agreements=agreements,
        in_force=in_force_among(agreements, org.id, today),
        summary=ledger_ops.summary(db.session, org.id, today),
        tokens=organisation_tokens(db.session, org.id),
        today=today,
    )


# ---------------------------------------------------------------------------------------------
# Agreements
# ---------------------------------------------------------------------------------------------


def _agreement_form(agreement: Agreement | None = None) -> AgreementForm:
    return AgreementForm(
        obj=agreement if agreement is not None and request.method == "GET" else None,
        district_choices=_district_choices(),
    )


@bp.route("/<id:organisation_id>/agreements/new", methods=["GET", "POST"])
@require(can_manage_partners)
def new_agreement(organisation_id: int) -> ResponseReturnValue:
    """Write a new agreement as a draft, starting from the organisation's districts and the
    usual fields (the legal items and a needs summary, no medical details)."""
    org = get_or_404(Organisation, organisation_id)
    form = _agreement_form()
    if request.method == "GET":
        today = local_today()
        form.starts_on.data = today
        form.ends_on.data = _a_year_on(today)
        form.districts.data = [d.id for d in org.districts]
        form.fields.data = list(DEFAULT_AGREEMENT_FIELDS)
        form.duty_confidentiality.data = True
        form.duty_no_copies.data = True
        form.duty_return.data = True
    if form.validate_on_submit():
        agreement = create_agreement(db.session, org, form.terms(), current_user)
        db.session.commit()
        flash(_("The agreement was saved as a draft. Activate it once it is signed."), "info")
        return redirect(url_for("partners.agreement", agreement_id=agreement.id))
    return render_template(
        "partners/agreement_form.html", form=form, org=org, agreement=None
    ), 422 if form.errors else 200


@bp.route("/agreements/<id:agreement_id>/edit", methods=["GET", "POST"])
@require(can_manage_partners)
def edit_agreement(agreement_id: int) -> ResponseReturnValue:
    """Change an agreement's terms. A save built on an outdated page is refused with 409."""
    agreement = get_or_404(Agreement, agreement_id)
    org = agreement.organisation
    if agreement.status is AgreementStatus.TERMINATED:
        if request.method == "GET":
            flash(_("A terminated agreement cannot be changed. Make a new agreement."), "error")
            return redirect(url_for("partners.agreement", agreement_id=agreement.id))
        form = _agreement_form(agreement)
        return render_template(
            "partners/agreement_form.html", form=form, org=org, agreement=agreement, closed=True
        ), 409
    form = _agreement_form(agreement)
    if request.method == "GET":
        form.version.data = str(agreement.version)
        form.districts.data = [d.id for d in agreement.districts]
        form.fields.data = list(agreement.fields or [])
    problems: list[str] = []
    if validate_edit(form, agreement):
        try:
            changed = update_agreement(
                db.session,
                agreement,
                form.terms(),
                _version_arg() or 0,
                current_user,
                local_today(),
            )
            db.session.commit()
        except (StaleEditError, StaleDataError):
            db.session.rollback()
            return render_template(
                "partners/agreement_form.html",
                form=form,
                org=org,
                agreement=agreement,
                conflict=True,
            ), 409
        except AgreementClosedError:
            db.session.rollback()
            return render_template(
                "partners/agreement_form.html",
                form=form,
                org=org,
                agreement=agreement,
                closed=True,
            ), 409
        except AgreementRefused as refused:
            problems = refused.problems
        else:
            if changed:
                names = "、".join(term_label(n) for n in changed)
                flash(
                    _("Saved as version %(n)d: %(terms)s.", n=agreement.version, terms=names),
                    "info",
                )
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("partners.agreement", agreement_id=agreement.id))
    status = 422 if (form.errors or problems) else 200
    return render_template(
        "partners/agreement_form.html",
        form=form,
        org=org,
        agreement=agreement,
        problems=[PROBLEMS[p] for p in problems],
    ), status


def _render_agreement(
    agreement: Agreement,
    status: int = 200,
    *,
    errors: list[Any] | None = None,
    document_form: DocumentForm | None = None,
) -> ResponseReturnValue:
    today = local_today()
    copies = list(
        db.session.scalars(select(Provision).where(Provision.agreement_id == agreement.id))
    )
    blocking: list[Any] = []
    if agreement.status in (AgreementStatus.DRAFT, AgreementStatus.SUSPENDED):
        blocking = [PROBLEMS[p] for p in activation_problems(db.session, agreement, today)]
    district_names = {d.code: d.name for d in agreement.districts}
    return render_template(
        "partners/agreement.html",
        agreement=agreement,
        org=agreement.organisation,
        today=today,
        effective=agreement.effective_status(today),
        in_force=agreement.in_force(today),
        actions=[(a, ACTION_LABELS[a]) for a in allowed_actions(agreement)],
        blocking=blocking,
        overlaps=overlapping(
            db.session,
            agreement.organisation_id,
            agreement.starts_on,
            agreement.ends_on,
            agreement.id,
        ),
        errors=errors or [],
        document_form=document_form or DocumentForm(),
        copies=len(copies),
        outstanding=sum(1 for p in copies if p.outstanding),
        district_names=district_names,
    ), status


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
    try:
        change_status(db.session, agreement, action, current_user, local_today(), _version_arg())
        db.session.commit()
    except (StaleEditError, StaleDataError):
        db.session.rollback()
        return _render_agreement(
            agreement,
            409,
            errors=[_("This agreement was changed by someone else. Check it and try again.")],
        )
    except AgreementClosedError:
        return _render_agreement(
            agreement, 409, errors=[_("A terminated agreement cannot be changed.")]
        )
    except TransitionError:
        return _render_agreement(
            agreement, 409, errors=[_("This cannot be done in the agreement's present status.")]
        )
    except AgreementRefused as refused:
        return _render_agreement(agreement, 422, errors=[PROBLEMS[p] for p in refused.problems])
    flash(ACTION_DONE[action], "info")
    return redirect(url_for("partners.agreement", agreement_id=agreement.id))


@bp.post("/agreements/<id:agreement_id>/document")
@require(can_manage_partners)
def upload_document(agreement_id: int) -> ResponseReturnValue:
    """Keep the signed agreement: a PDF, at most 20 MB, named by its SHA-256."""
    agreement = get_or_404(Agreement, agreement_id)
    form = DocumentForm()
    if not form.validate_on_submit():
        return _render_agreement(agreement, 422, document_form=form)
    upload = form.document.data
    try:
        store_document(
            db.session,
            agreement,
            upload.stream,
            upload.filename,
            _documents_dir(),
            current_user,
        )
        db.session.commit()
    except DocumentError as exc:
        db.session.rollback()
        form.document.errors = [DOCUMENT_ERRORS[exc.code]]
        return _render_agreement(
            agreement, 422, errors=[DOCUMENT_ERRORS[exc.code]], document_form=form
        )
    except AgreementClosedError:
        return _render_agreement(
            agreement, 409, errors=[_("A terminated agreement cannot be changed.")]
        )
    except StaleDataError:
        db.session.rollback()
        return _render_agreement(
            agreement,
            409,
            errors=[_("This agreement was changed by someone else. Check it and try again.")],
        )
    flash(_("The signed agreement was kept."), "info")
    return redirect(url_for("partners.agreement", agreement_id=agreement.id))


@bp.get("/agreements/<id:agreement_id>/document.pdf")
@require(can_manage_partners)
def download_document(agreement_id: int) -> ResponseReturnValue:
    """The signed agreement as a download named after the agreement's number only."""
    agreement = get_or_404(Agreement, agreement_id)
    if not agreement.document_sha256:
        abort(404)
    path = document_path(_documents_dir(), agreement.document_sha256)
    if not path.is_file():
        abort(404)
    record_event(
        db.session,
        "agreement.download",
        actor=current_user,
        object_type="agreement",
        object_id=agreement.id,
        detail={"sha256": agreement.document_sha256},
    )
    db.session.commit()
    return send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"agreement-{agreement.id}.pdf",
        max_age=0,
    )


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
    codes = list(row.snapshot.get("districts") or [])
    names = {
        d.code: d.name for d in db.session.scalars(select(District).where(District.code.in_(codes)))
    }
    return render_template(
        "partners/version.html",
        agreement=agreement,
        org=agreement.organisation,
        row=row,
        snap=row.snapshot,
        terms=SNAPSHOT_TERMS,
        district_names=names,
        current=row.snapshot == snapshot(agreement),
    )


# ---------------------------------------------------------------------------------------------
# The provision ledger (提供台帳)
# ---------------------------------------------------------------------------------------------


@bp.get("/<id:organisation_id>/ledger")
@require(can_manage_partners)
def ledger(organisation_id: int) -> ResponseReturnValue:
    """Every copy the organisation received, and whether it came back or was destroyed."""
    org = get_or_404(Organisation, organisation_id)
    today = local_today()
    outstanding_only = request.args.get("outstanding") == "1"
    rows = ledger_ops.ledger(db.session, org.id, outstanding_only)
    return render_template(
        "partners/ledger.html",
        org=org,
        rows=rows,
        outstanding_only=outstanding_only,
        must_come_back={p.id for p in rows if ledger_ops.must_come_back(p, today)},
        summary=ledger_ops.summary(db.session, org.id, today),
        today=today,
    )


@bp.get("/provisions/<id:provision_id>")
@require(can_manage_partners)
def provision(provision_id: int) -> ResponseReturnValue:
    """One copy: who made it, under which agreement, and the people on it (audited)."""
    copy = get_or_404(Provision, provision_id)
    people = ledger_ops.people(db.session, copy, current_viewer())
    record_disclosure(
        db.session,
        current_viewer(),
        "provision.view",
        [r for _line, r in people],
        detail={"provision": copy.id, "count": len(people)},
    )
    db.session.commit()
    return render_template(
        "partners/provision.html",
        copy=copy,
        org=copy.organisation,
        people=people,
        must_come_back=ledger_ops.must_come_back(copy, local_today()),
    )


@bp.route("/provisions/<id:provision_id>/dispose", methods=["GET", "POST"])
@require(can_manage_partners)
def dispose(provision_id: int) -> ResponseReturnValue:
    """Record that a copy was returned or destroyed: the date, how, and who confirmed it."""
    copy = get_or_404(Provision, provision_id)
    form = DisposeForm()
    if request.method == "GET" and copy.outstanding:
        form.disposed_on.data = local_today()
    if not copy.outstanding:
        status = 409 if request.method == "POST" else 200
        if status == 409:
            flash(_("The return or destruction of this copy is already recorded."), "error")
        return render_template(
            "partners/dispose.html", copy=copy, org=copy.organisation, form=None
        ), status
    if form.validate_on_submit():
        assert form.disposed_on.data is not None
        try:
            ledger_ops.dispose(
                db.session,
                copy,
                disposed_on=form.disposed_on.data,
                method=DisposalMethod(form.disposal_method.data),
                confirmed_by=form.confirmed_by.data or "",
                note=form.note.data or "",
                actor=current_user,
                today=local_today(),
                tz=_tz(),
            )
        except ledger_ops.DisposalError as exc:
            if exc.code == "already":  # pragma: no cover - checked above; a race
                db.session.rollback()
                abort(409)
            form.disposed_on.errors = [DISPOSAL_ERRORS[exc.code]]
        else:
            db.session.commit()
            flash(_("Recorded: copy %(n)d is back or destroyed.", n=copy.copy_no), "info")
            return redirect(url_for("partners.ledger", organisation_id=copy.organisation_id))
    return render_template(
        "partners/dispose.html",
        copy=copy,
        org=copy.organisation,
        form=form,
        made_on=ledger_ops.made_on(copy, _tz()),
    ), 422 if form.errors else 200


# ---------------------------------------------------------------------------------------------
# API tokens
# ---------------------------------------------------------------------------------------------


@bp.route("/<id:organisation_id>/tokens/new", methods=["GET", "POST"])
@require(can_manage_partners)
def new_token(organisation_id: int) -> ResponseReturnValue:
    """Issue an API token for a partner user. The token is shown once, on this answer only."""
    org = get_or_404(Organisation, organisation_id)
    today = local_today()
    users = token_users(db.session, org)
    form = TokenForm(user_choices=[(u.id, f"{u.display_name} ({u.username})") for u in users])
    in_force = agreement_in_force(db.session, org.id, today)
    refusal = None
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        try:
            if user is None or user.role is not Role.PARTNER:
                raise NotAPartnerError(form.user_id.data)
            token, raw = issue_token(
                db.session, org, user, form.label.data or "", current_user, today
            )
        except NotAPartnerError:
            form.user_id.errors = [_("Choose one of this organisation's partner users.")]
        except NoAgreementError:
            refusal = _("This organisation has no agreement in force: a token would open nothing.")
        else:
            db.session.commit()
            return render_template(
                "partners/token_issued.html", org=org, token=token, raw=raw, user=user
            )
    elif request.method == "POST" and in_force is None:
        refusal = _("This organisation has no agreement in force: a token would open nothing.")
    status = 422 if (form.errors or refusal) else 200
    return render_template(
        "partners/token_new.html",
        org=org,
        form=form,
        in_force=in_force,
        users=users,
        refusal=refusal,
    ), status


@bp.post("/tokens/<id:token_id>/revoke")
@require(can_manage_partners)
def revoke(token_id: int) -> ResponseReturnValue:
    """Revoke a token: the partner system's next request is refused."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    organisation_id = token.user.organisation_id
    try:
        revoke_token(db.session, token, current_user)
    except AlreadyRevokedError:
        flash(_("This token was already revoked."), "error")
    else:
        db.session.commit()
        flash(_("The token %(prefix)s… is revoked.", prefix=token.prefix), "info")
    if organisation_id is None:  # pragma: no cover - tokens belong to partner users
        return redirect(url_for("partners.index"))
    return redirect(url_for("partners.organisation", organisation_id=organisation_id) + "#tokens")
