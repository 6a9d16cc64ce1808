from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..access.roles import can_record_consent
from ..decorators import require
from ..extensions import db
from ..viewer import editable_or_404
from .forms import ConsentForm
from .operations import record_consent

bp = Blueprint("consent", __name__)


@bp.route("/registrants/<id:registrant_id>/consent/new", methods=["GET", "POST"])
@require(can_record_consent)
def record(registrant_id: int) -> ResponseReturnValue:
    """Record an answer as a new consent record; earlier records stay as they are."""
    registrant = editable_or_404(registrant_id, "consent")
    form = ConsentForm()
    if form.validate_on_submit():
        record_consent(db.session, registrant, form.answer(), current_user)
        db.session.commit()
        flash(_("The consent record was added."), "info")
        return redirect(url_for("registrants.detail", registrant_id=registrant.id))
    return render_template("consent/form.html", form=form, registrant=registrant), (
        422 if form.errors else 200
    )
