"""The operations: their list, starting one (after a count of the people its area holds),
and ending one. Counts only: no person is shown on these pages."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...access.roles import can_use_portal
from ...access.rule import running_releases
from ...decorators import require
from ...drills.running import DrillRefused, end_drill, scenario_of
from ...extensions import db
from ...hazards.names import DEPTH_NAMES
from ...models import District, HazardKind, HazardLayer, SafetyOperation
from ...models.base import utcnow
from ...registrants.queries import districts
from ...versioning import save_versioned
from ...viewer import current_viewer
from ...web import get_or_404
from ..operations import OperationPlan, SafetyRefused, end_operation, start_operation, targets_query
from ..permissions import can_run_safety, can_view_safety
from ..progress import counts_by, totals
from ..staff_forms import NONE, EndForm, StartForm
from ..words import area_words, layer_name
from .blueprint import bp


@bp.app_context_processor
def safety_menu() -> dict[str, Any]:
    """The menu's link to the operations, for the roles that may open them."""
    return {"can_view_safety": can_view_safety}


@bp.get("/")
def index() -> ResponseReturnValue:
    """Every operation, the running ones first, with its area in words and its counts. A
    partner who comes here (a link, a bookmark) is sent to their own phone page."""
    if can_use_portal(current_user):
        return redirect(url_for("safety_phone.index"))
    if not can_view_safety(current_user):
        abort(403)
    operations = db.session.scalars(
        select(SafetyOperation)
        .options(
            selectinload(SafetyOperation.districts),
            selectinload(SafetyOperation.hazard_layer),
            selectinload(SafetyOperation.release),
        )
        .order_by(SafetyOperation.ended_at.is_not(None), SafetyOperation.started_at.desc())
    ).all()
    viewer = current_viewer()
    return render_template(
        "safety/index.html",
        operations=operations,
        counts={op.id: totals(counts_by(db.session, viewer, op)) for op in operations},
        area_words=area_words,
        may_run=can_run_safety(viewer.user),
    )


def _start_form() -> StartForm:
    layers = list(
        db.session.scalars(select(HazardLayer).order_by(HazardLayer.kind, HazardLayer.name))
    )
    form = StartForm(layers=layers)
    form.districts.choices = [(d.id, d.name) for d in districts(db.session)]
    form.hazard_layer.choices = [(NONE, _("None"))] + [
        (layer.id, layer_name(layer)) for layer in layers if layer.kind is not HazardKind.OTHER
    ]
    form.min_flood_rank.choices = [(NONE, "—")] + [
        (rank, _("Rank %(rank)d (%(depth)s) or deeper", rank=rank, depth=DEPTH_NAMES[rank]))
        for rank in sorted(DEPTH_NAMES)
    ]
    form.release.choices = [(NONE, _("None"))] + [
        (r.id, r.name) for r in running_releases(db.session)
    ]
    return form


def _plan(form: StartForm) -> OperationPlan:
    chosen = form.districts.data or []
    release_id = form.release.data or NONE
    return OperationPlan(
        name=form.name.data or "",
        disaster=form.disaster.data or "",
        districts=list(db.session.scalars(select(District).where(District.id.in_(chosen)))),
        hazard_layer=form.layer(),
        min_flood_rank=form.flood_rank(),
        every_landslide_zone=form.layer() is not None and form.flood_rank() is None,
        release=next((r for r in running_releases(db.session) if r.id == release_id), None),
    )


def _head_count(plan: OperationPlan) -> int:
    """How many active people the plan's area holds (staff see everyone in it). The
    operation is only drawn up to ask the query; it is never added to the session."""
    draft = SafetyOperation(
        districts=list(plan.districts),
        hazard_layer_id=plan.hazard_layer.id if plan.hazard_layer else None,
        min_flood_rank=plan.min_flood_rank,
        every_landslide_zone=plan.every_landslide_zone,
    )
    query = targets_query(current_viewer(), draft).with_only_columns(func.count())
    count = db.session.scalar(query) or 0
    return count


@bp.route("/new", methods=["GET", "POST"])
@require(can_run_safety)
def new() -> ResponseReturnValue:
    """Start an operation: first the count of people the area holds, then the start."""
    form = _start_form()
    if not form.validate_on_submit():
        return render_template("safety/new.html", form=form), 422 if form.errors else 200
    plan = _plan(form)
    if form.counted.data != form.area_key() or not request.form.get("start"):
        form.counted.data = form.area_key()
        return render_template("safety/new.html", form=form, count=_head_count(plan))
    try:
        operation = start_operation(db.session, current_viewer(), plan, now=utcnow())
    except SafetyRefused as exc:
        db.session.rollback()
        return render_template("safety/new.html", form=form, error=str(exc)), 422
    db.session.commit()
    flash(_("The operation was started."), "info")
    return redirect(url_for("safety.board", operation_id=operation.id))


@bp.post("/<id:operation_id>/end")
@require(can_run_safety)
def end(operation_id: int) -> ResponseReturnValue:
    """End the operation, from a form built on its current version and ticked to confirm;
    nothing is deleted, and reports are no longer taken."""
    operation = get_or_404(SafetyOperation, operation_id)
    form = EndForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm that the operation ends."), "error")
        return redirect(url_for("safety.board", operation_id=operation.id)), 303
    saved = save_versioned(db.session, form.version.data, lambda v: _end(operation, v))
    if saved.conflict or saved.value is not None:
        message = saved.value or _(
            "Someone else changed this operation after you opened the page. Nothing was saved."
        )
        return render_template("safety/ended.html", message=message, operation_id=operation_id), 409
    db.session.commit()
    flash(_("The operation was ended."), "info")
    return redirect(url_for("safety.board", operation_id=operation.id))


def _end(operation: SafetyOperation, version: int | None) -> Any:
    """None when ended; the refusal in words when it cannot be."""
    viewer, scenario = current_viewer(), scenario_of(db.session, operation)
    try:
        if scenario is not None:  # a drill ends as a drill (drill.end), wherever it is ended
            end_drill(db.session, viewer, scenario, expected_version=version, now=utcnow())
        else:
            end_operation(db.session, viewer, operation, expected_version=version, now=utcnow())
    except SafetyRefused as exc:
        return str(exc)
    except DrillRefused:
        return str(SafetyRefused("already_ended"))
    return None
