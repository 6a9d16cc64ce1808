from __future__ import annotations

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
from ..passwords import verify_password
from ..registrants.searches import forget_searches
from .forms import ChangePasswordForm, LoginForm
from .operations import (
    InactiveAccountError,
    TooManyFailuresError,
    authenticate,
    log_out,
    set_password,
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
        except InactiveAccountError:
            db.session.commit()
            flash(_("This account has been deactivated. Ask an administrator."), "error")
            return render_template("auth/login.html", form=form), 403
        except TooManyFailuresError:
            db.session.commit()
            flash(
                _(
                    "Too many failed attempts for this user name. Wait 15 minutes and try "
                    "again, or ask an administrator."
                ),
                "error",
            )
            return render_template("auth/login.html", form=form), 429
        db.session.commit()
        if user is not None:
            locale = session.get("locale")
            session.clear()
            if locale:
                session["locale"] = locale
            session.permanent = True
            login_user(user)
            return redirect(url_for("registrants.home"))
        flash(_("The user name or password is wrong."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out everywhere: the token in every copy of the cookie stops working."""
    forget_searches(db.session, current_user._get_current_object())
    log_out(db.session, current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    """Change one's own password; other sessions end and this one continues."""
    form = ChangePasswordForm()
    user = current_user._get_current_object()
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
