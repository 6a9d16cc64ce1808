"""The provision ledger (提供台帳): an organisation's copies, one copy's people, and its return."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...access.roles import can_manage_partners
from ...decorators import require
from ...disclosures import record_disclosure
from ...extensions import db
from ...i18n import local_today
from ...models import DisposalMethod, Organisation, Provision
from ...viewer import current_viewer
from ...web import get_or_404
from .. import ledger as ledger_ops
from ..forms import DisposeForm
from .blueprint import bp

DISPOSAL_ERRORS: dict[str, Any] = {
    "future": _l("This date is in the future."),
    "before_copy": _l("This date is before the copy was made."),
}


def _tz() -> str:
    return str(current_app.config["BABEL_DEFAULT_TIMEZONE"])


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
    if not copy.outstanding:
        return _already_back(copy)
    form = DisposeForm()
    if request.method == "GET":
        form.disposed_on.data = local_today()
    if form.validate_on_submit() and _record_disposal(copy, form):
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


def _already_back(copy: Provision) -> ResponseReturnValue:
    """The page of a copy already returned or destroyed; a second record is refused (409)."""
    status = 409 if request.method == "POST" else 200
    if status == 409:
        flash(_("The return or destruction of this copy is already recorded."), "error")
    return render_template(
        "partners/dispose.html", copy=copy, org=copy.organisation, form=None
    ), status


def _record_disposal(copy: Provision, form: DisposeForm) -> bool:
    """Record the return or destruction as posted; False, with the form's error, if refused."""
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
        return False
    return True
