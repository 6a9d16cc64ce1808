from __future__ import annotations

import os
import re

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user

from ..extensions import db
from ..models import User
from ..passwords import verify_password
from ..registrants.searches import forget_searches
from .forms import WRONG_CODE, ChangePasswordForm, CodeForm, LoginForm
from .operations import (
    PENDING,
    InactiveAccountError,
    TooManyFailuresError,
    authenticate,
    log_out,
    pending_marker,
    pending_user,
    set_password,
    verify_second_factor,
)

bp = Blueprint("auth", __name__)

#: A path on this site: one leading slash, then no slash or backslash, and nothing a browser
#: or Werkzeug would strip or reinterpret (whitespace, control characters, backslashes).
LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\\\x00-\x1f\x7f]*")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in. A new session is started so no earlier session data carries over."""
    if current_user.is_authenticated:
        return redirect(url_for("registrants.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(db.session, form.username.data or "", form.password.data or "")
        except (InactiveAccountError, TooManyFailuresError) as refused:
            db.session.commit()
            return _refused(form, refused)
        db.session.commit()
        if user is not None:
            return _password_accepted(user)
        flash(_("The user name or password is wrong."), "error")
    return _login_page(form)


def _login_page(form: LoginForm) -> str:
    return render_template("auth/login.html", form=form, demo_password=_demo_password())


def _demo_password() -> str | None:
    """The demo's password, to name on the sign-in page of a demo database (its people are
    fictional); None when it was given in the environment, where it is kept as a secret."""
    if os.environ.get("ROSTER_DEMO_PASSWORD"):
        return None
    return str(current_app.config["DEMO_PASSWORD"])


def _refused(form: LoginForm, refused: Exception) -> ResponseReturnValue:
    """The sign-in page again, saying why: a deactivated account (403), or a pause after
    repeated failures (429)."""
    if isinstance(refused, InactiveAccountError):
        flash(_("This account has been deactivated. Ask an administrator."), "error")
        return _login_page(form), 403
    flash(_too_many_failures(), "error")
    return _login_page(form), 429


def _too_many_failures() -> str:
    return _(
        "Too many failed attempts for this user name. Wait 15 minutes and try "
        "again, or ask an administrator."
    )


def _password_accepted(user: User) -> ResponseReturnValue:
    """On to the code step if the account has a second factor; else signed in."""
    if not user.has_totp:
        return _signed_in(user)
    _fresh_session()
    session[PENDING] = pending_marker(user)
    return redirect(url_for("auth.second_factor"))


def _signed_in(user: User) -> ResponseReturnValue:
    """Start the user's new session and go home."""
    _fresh_session()
    login_user(user)
    return redirect(url_for("registrants.home"))


def _fresh_session() -> None:
    """Drop everything an earlier session held but the chosen language."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session.permanent = True


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor() -> ResponseReturnValue:
    """The sign-in's second step: a code from the app, or a recovery code. Only a short-lived
    signed marker of the password step is in the session until the code is right."""
    if current_user.is_authenticated:
        return redirect(url_for("registrants.home"))
    user = pending_user(db.session, session.get(PENDING))
    if user is None:
        return _back_to_login(
            _("Sign in again: the code must follow the password within 5 minutes.")
        )
    form = CodeForm()
    if form.validate_on_submit():
        try:
            accepted = verify_second_factor(db.session, user, form.code.data or "")
        except TooManyFailuresError:
            db.session.commit()
            return _back_to_login(_too_many_failures())
        db.session.commit()
        if accepted:
            return _signed_in(user)
        form.code.errors = [str(WRONG_CODE)]
    return render_template("auth/second_factor.html", form=form), 422 if form.errors else 200


def _back_to_login(message: str) -> ResponseReturnValue:
    """Forget the password step and start the sign-in again, saying why."""
    session.pop(PENDING, None)
    flash(message, "error")
    return redirect(url_for("auth.login"))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out everywhere: the token in every copy of the cookie stops working."""
    forget_searches(db.session, current_user._get_current_object())
    log_out(db.session, current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    response = redirect(url_for("auth.login"))
    # Reports a phone kept while offline, and its cached files, go with the session.
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    """Change one's own password; other sessions end and this one continues."""
    user = current_user._get_current_object()
    form = ChangePasswordForm().for_account(user)
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data or ""):
            form.current_password.errors = [_("The current password is wrong.")]
        else:
            set_password(db.session, user, form.new_password.data or "", actor=user)
            db.session.commit()
            login_user(user)
            flash(_("Your password has been changed."), "info")
            return redirect(url_for("registrants.home"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200


@bp.post("/locale")
def set_locale() -> ResponseReturnValue:
    """Switch the UI language for this browser, and for the user if signed in."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LOCALES"]:
        session["locale"] = locale
        refresh()
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    target = request.form.get("next", "")
    if not LOCAL_PATH.fullmatch(target):
        target = url_for("auth.login")
    return redirect(target)
