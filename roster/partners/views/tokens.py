"""API tokens for partner systems: issued to a partner user, shown once, revocable."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ...access.roles import can_manage_partners
from ...access.rule import agreement_in_force
from ...decorators import require
from ...extensions import db
from ...i18n import local_today
from ...models import ApiToken, Organisation, Role, User
from ...web import get_or_404
from ..forms import TokenForm
from ..tokens import (
    AlreadyRevokedError,
    NoAgreementError,
    NotAPartnerError,
    issue_token,
    revoke_token,
    token_users,
)
from .blueprint import bp


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
        issued, refusal = _issue(org, form, today)
        if issued is not None:
            return issued
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


def _issue(
    org: Organisation, form: TokenForm, today: date
) -> tuple[ResponseReturnValue | None, str | None]:
    """Issue the token as posted: the page that shows it once, or why not (a refusal, or
    the error set on the form)."""
    user = db.session.get(User, form.user_id.data)
    try:
        if user is None or user.role is not Role.PARTNER:
            raise NotAPartnerError(form.user_id.data)
        token, raw = issue_token(db.session, org, user, form.label.data or "", current_user, today)
    except NotAPartnerError:
        form.user_id.errors = [_("Choose one of this organisation's partner users.")]
    except NoAgreementError:
        return None, _("This organisation has no agreement in force: a token would open nothing.")
    else:
        db.session.commit()
        return render_template(
            "partners/token_issued.html", org=org, token=token, raw=raw, user=user
        ), None
    return None, None


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
