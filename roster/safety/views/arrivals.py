"""Arrivals at shelters (staff, and partners at a shelter their organisation runs), and a
shelter's arrivals in an operation against what it can take (staff and planners: counts).

The arrivals page is made for a reception desk's phone or tablet (375 px and up).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from ...access.roles import can_view_shelters, has_role
from ...access.rule import Viewer
from ...decorators import require
from ...disclosures import record_disclosure
from ...extensions import db
from ...models import Role, SafetyOperation, Shelter
from ...viewer import current_viewer
from ...web import get_or_404
from ..arrivals import (
    ArrivalRefused,
    record_arrival,
    recording_shelters,
    shelter_arrivals,
    shelter_tally,
)
from ..operations import SafetyRefused
from ..paper_forms import ArrivalForm
from .blueprint import bp

#: How many of the shelter's last arrivals the page lists.
RECENT = 15


def can_record_arrivals(user: Any) -> bool:
    """Staff, and partner users (at a shelter their organisation runs: see recording_shelters)."""
    return has_role(user, Role.STAFF, Role.PARTNER)


@bp.route("/<id:operation_id>/arrivals", methods=["GET", "POST"])
@require(can_record_arrivals)
def arrivals(operation_id: int) -> ResponseReturnValue:
    """Record that a person arrived at a shelter: the shelter, the register number, Enter."""
    operation = get_or_404(SafetyOperation, operation_id)
    viewer = current_viewer()
    shelters = recording_shelters(db.session, viewer)
    if not shelters and viewer.role is not Role.STAFF and request.method == "POST":
        abort(403)  # a partner whose organisation runs no shelter records nothing
    form = ArrivalForm(shelters=shelters)
    if request.method == "GET" and request.args.get("shelter"):
        form.shelter.data = request.args["shelter"]
    status = 200
    if form.validate_on_submit():
        status = _record(viewer, operation, form)
        if status == 303:
            return redirect(
                url_for("safety.arrivals", operation_id=operation.id, shelter=form.shelter.data),
                303,
            )
    elif form.errors:
        status = 422
    return render_template(
        "safety/arrivals.html",
        operation=operation,
        form=form,
        shelters=shelters,
        **_desk(viewer, operation, form, shelters),
    ), status


def _record(viewer: Viewer, operation: SafetyOperation, form: ArrivalForm) -> int:
    shelter = db.session.get(Shelter, int(form.shelter.data or 0))
    assert shelter is not None  # the form's choices hold only the viewer's shelters
    try:
        record_arrival(
            db.session, viewer, operation, shelter, int(form.number.data or 0), form.note.data or ""
        )
    except NotFound:
        form.number.errors = [
            _("No one in this operation on your list has this number. Check it and type it again.")
        ]
        return 404
    except SafetyRefused:
        form.number.errors = [_("The operation has ended and takes no more arrivals.")]
        return 409
    except ArrivalRefused:
        abort(403)
    db.session.commit()
    flash(
        _(
            "Arrival recorded: register no. %(id)s at %(shelter)s.",
            id=form.number.data,
            shelter=shelter.name,
        ),
        "info",
    )
    return 303


def _desk(
    viewer: Viewer, operation: SafetyOperation, form: ArrivalForm, shelters: list[Shelter]
) -> dict[str, Any]:
    """The chosen shelter's tally and last arrivals (the people logged as shown)."""
    chosen = next((s for s in shelters if str(s.id) == form.shelter.data), None)
    if chosen is None:
        return {"chosen": None, "tally": None, "recent": []}
    recent = shelter_arrivals(db.session, viewer, operation, chosen, RECENT)
    if recent:
        record_disclosure(
            db.session,
            viewer,
            "safety.arrivals.list",
            [p for _r, p in recent],
            detail={"operation": operation.id, "shelter": chosen.id},
        )
        db.session.commit()
    tally = shelter_tally(db.session, viewer, operation, chosen)
    return {"chosen": chosen, "tally": tally, "recent": recent}


@bp.get("/<id:operation_id>/shelters/<id:shelter_id>")
@require(can_view_shelters)
def shelter(operation_id: int, shelter_id: int) -> ResponseReturnValue:
    """A shelter's arrivals in the operation against capacity, and what they need (counts)."""
    operation = get_or_404(SafetyOperation, operation_id)
    place = get_or_404(Shelter, shelter_id)
    tally = shelter_tally(db.session, current_viewer(), operation, place)
    return render_template("safety/shelter.html", operation=operation, shelter=place, tally=tally)
