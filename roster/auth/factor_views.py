"""One's own second factor: set it up, replace the recovery codes, turn it off."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import User
from .forms import WRONG_CODE, CodeForm
from .totp import (
    FactorRequiredError,
    WrongCodeError,
    confirm_enrolment,
    disable,
    grouped,
    qr_data_uri,
    recovery_codes_left,
    regenerate_recovery_codes,
    start_enrolment,
    totp_required,
)

bp = Blueprint("factors", __name__, url_prefix="/account/two-factor")


def _me() -> User:
    user: User = current_user._get_current_object()
    return user


def _page(form: CodeForm, status: int = 200) -> ResponseReturnValue:
    user = _me()
    enrolling = user.totp_secret is not None and not user.has_totp
    return render_template(
        "auth/two_factor.html",
        form=form,
        required=totp_required(user),
        qr=qr_data_uri(user) if enrolling else None,
        secret=grouped(user.totp_secret or "") if enrolling else None,
        codes_left=recovery_codes_left(db.session, user) if user.has_totp else 0,
    ), status


@bp.route("", methods=["GET", "POST"])
def overview() -> ResponseReturnValue:
    """The second factor's state; while setting it up, the QR code and the confirmation. A
    right code switches it on and shows the recovery codes, once."""
    user = _me()
    form = CodeForm()
    if not form.validate_on_submit():
        return _page(form, 422 if form.errors else 200)
    try:
        codes = confirm_enrolment(db.session, user, form.code.data or "")
    except WrongCodeError:
        form.code.errors = [str(WRONG_CODE)]
        return _page(form, 422)
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, enrolled=True)


@bp.post("/start")
def start() -> ResponseReturnValue:
    """Make a new secret to scan (nothing changes at sign-in until it is confirmed)."""
    start_enrolment(_me())
    db.session.commit()
    return redirect(url_for("factors.overview"))


@bp.route("/recovery-codes", methods=["GET", "POST"])
def recovery_codes() -> ResponseReturnValue:
    """Replace the recovery codes, with a current code from the app; the old ones stop."""
    user = _me()
    if not user.has_totp:
        return redirect(url_for("factors.overview"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = regenerate_recovery_codes(db.session, user, form.code.data or "")
        except WrongCodeError:
                form.code.errors = [str(WRONG_CODE)]
        else:
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, enrolled=False)
    status = 422 if form.errors else 200
    return render_template("auth/regenerate.html", form=form), status


@bp.post("/disable")
def turn_off() -> ResponseReturnValue:
    """Turn the second factor off with a current code; refused where it is required."""
    user = _me()
    form = CodeForm()
    if not user.has_totp or not form.validate_on_submit():
        return _page(form, 422) if user.has_totp else redirect(url_for("factors.overview"))
    try:
        disable(db.session, user, form.code.data or "")
    except FactorRequiredError:
        flash(_("Your role must sign in with a second factor; it cannot be turned off."), "error")
        return redirect(url_for("factors.overview"))
    except WrongCodeError:
        form.code.errors = [str(WRONG_CODE)]
        return _page(form, 422)
    db.session.commit()
    flash(_("The second factor is off. You sign in with your password alone."), "info")
    return redirect(url_for("factors.overview"))
