from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access.roles import can_manage_users
from ..auth.totp import reset as reset_second_factor
from ..auth.totp import totp_required
from ..decorators import require
from ..extensions import db
from ..models import Organisation, Role, User
from ..web import get_or_404
from .forms import ResetPasswordForm, UserForm
from .operations import (
    DuplicateNameError,
    NotStaffError,
    create_user,
    reset_password,
    set_active,
    set_release_authority,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


@bp.get("/users")
@require(can_manage_users)
def users() -> ResponseReturnValue:
    """Every account, its role and whether it is active."""
    rows = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    required = {u.id for u in rows if totp_required(u)}
    return render_template("admin/users.html", users=rows, totp_required=required)


@bp.route("/users/new", methods=["GET", "POST"])
@require(can_manage_users)
def new_user() -> ResponseReturnValue:
    """Create an account with a temporary password the user must change."""
    form = UserForm(organisations=[(o.id, o.name) for o in _organisations()])
    if form.validate_on_submit():
        try:
            _create_from(form)
        except DuplicateNameError:
            form.username.errors = [_("This user name is taken.")]
        else:
            db.session.commit()
            flash(
                _("The account was created. Give the user the temporary password in person."),
                "info",
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form), 422 if form.errors else 200


def _create_from(form: UserForm) -> None:
    """Create the account the form describes, by the signed-in admin."""
    create_user(
        db.session,
        username=form.username.data or "",
        display_name=form.display_name.data or "",
        role=Role(form.role.data),
        password=form.new_password.data or "",
        organisation=db.session.get(Organisation, form.organisation_id.data)
        if form.organisation_id.data
        else None,
        actor=current_user,
        may_declare_release=bool(form.may_declare_release.data),
    )


@bp.route("/users/<id:user_id>/password", methods=["GET", "POST"])
@require(can_manage_users)
def reset(user_id: int) -> ResponseReturnValue:
    """Set a temporary password; the user's sessions end and they must choose a new one."""
    user = get_or_404(User, user_id)
    form = ResetPasswordForm().for_account(user)
    if form.validate_on_submit():
        reset_password(db.session, user, form.new_password.data or "", current_user)
        db.session.commit()
        flash(_("The password was reset."), "info")
        return redirect(url_for("admin.users"))
    return render_template("admin/reset.html", form=form, user=user), 422 if form.errors else 200


@bp.post("/users/<id:user_id>/active/<int(max=1):active>")
@require(can_manage_users)
def activate(user_id: int, active: int) -> ResponseReturnValue:
    """Deactivate or reactivate an account. Admins cannot lock themselves out."""
    user = get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        set_active(db.session, user, bool(active), current_user)
        db.session.commit()
        message = (
            _("%(name)s can sign in again.", name=user.username)
            if active
            else _("%(name)s is deactivated and signed out everywhere.", name=user.username)
        )
        flash(message, "info")
    return redirect(url_for("admin.users"))


@bp.post("/users/<id:user_id>/release/<int(max=1):allowed>")
@require(can_manage_users)
def release_authority(user_id: int, allowed: int) -> ResponseReturnValue:
    """Authorise a staff member to declare disaster-time releases, or withdraw it."""
    user = get_or_404(User, user_id)
    try:
        set_release_authority(db.session, user, bool(allowed), current_user)
    except NotStaffError:
        flash(
            _("Only welfare staff may be authorised to declare a disaster-time release."), "error"
        )
    else:
        db.session.commit()
        message = (
            _("%(name)s may now declare a disaster-time release.", name=user.username)
            if allowed
            else _("%(name)s may no longer declare a disaster-time release.", name=user.username)
        )
        flash(message, "info")
    return redirect(url_for("admin.users"))


@bp.post("/users/<id:user_id>/two-factor/reset")
@require(can_manage_users)
def reset_factor(user_id: int) -> ResponseReturnValue:
    """Take away a user's second factor (a lost or replaced phone): audited; their sessions
    end, and where the factor is required they must set it up again at their next sign-in."""
    user = get_or_404(User, user_id)
    reset_second_factor(db.session, user, current_user)
    db.session.commit()
    flash(_("The second factor of %(name)s was reset. They set it up again at their next "
            "sign-in.", name=user.username), "info")
    return redirect(url_for("admin.users"))
