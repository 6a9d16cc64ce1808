from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..access.roles import can_record_consent
from ..decorators import require
from ..extensions import db
from ..models import ConsentPurpose
from ..viewer import editable_or_404
from ..web import local_path
from .forms import ConsentForm
from .operations import record_consent

bp = Blueprint("consent", __name__)


@bp.route("/registrants/<id:registrant_id>/consent/new", methods=["GET", "POST"])
@require(can_record_consent)
def record(registrant_id: int) -> ResponseReturnValue:
    """Record an answer as a new consent record; earlier records stay as they are."""
    registrant = editable_or_404(registrant_id, "consent")
    form = ConsentForm()
    # A link may choose the purpose (the plan page's) and the page to return to after saving.
    purpose = request.args.get("purpose", "")
    if request.method == "GET" and purpose in ConsentPurpose._value2member_map_:
        form.purpose.data = purpose
    back = local_path(request.args.get("next"))
    if form.validate_on_submit():
        record_consent(db.session, registrant, form.answer(), current_user)
        db.session.commit()
        flash(_("The consent record was added."), "info")
        return redirect(back or url_for("registrants.detail", registrant_id=registrant.id))
    return render_template("consent/form.html", form=form, registrant=registrant, back=back), (
        422 if form.errors else 200
    )
