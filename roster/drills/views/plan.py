"""The scenario pages: the list, making and editing a scenario, its page with the preview
(counts only, never who), and starting and ending its drill.

Planners and staff use them; the preview counts the people through the access rule and the
drill's rule (no release), so no page here shows a person.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from ...decorators import require
from ...extensions import db
from ...hazards.names import DEPTH_NAMES
from ...models import (
    District,
    DrillHazard,
    DrillScenario,
    HazardKind,
    HazardLayer,
    OperationKind,
    Organisation,
)
from ...registrants.queries import districts
from ...safety.operations import SafetyRefused
from ...safety.words import area_words, layer_name
from ...versioning import save_versioned
from ...viewer import current_viewer
from ...web import get_or_404
from ..aar_text import objective_text
from ..forms import HAZARD_NAMES, NONE, ScenarioForm, when_text
from ..openings import opened_ids, opening_shelters, openings
from ..preview import preview
from ..rule import simulated_release
from ..running import DRILL_DISASTER, DrillRefused, end_drill, start_drill
from ..running import scenario_of as running_scenario
from ..scenarios import (
    Objective,
    ScenarioDraft,
    ScenarioRefused,
    area_draft,
    can_plan_drills,
    create_scenario,
    scenarios_by_state,
    state_of,
    update_scenario,
)
from .blueprint import bp


@bp.app_context_processor
def drill_menu() -> dict[str, Any]:
    return {
        "can_plan_drills": can_plan_drills,
        "scenario_of": scenario_of,
        "operation_disaster": operation_disaster,
        "objective_text": objective_text,
    }


def operation_disaster(operation: Any) -> str:
    """The disaster an operation is for, as shown: a drill started from its scenario says
    the hazard it simulates (「訓練（地震を想定）」) rather than the bare word it stores."""
    stored = operation.disaster or ""
    if operation.kind is not OperationKind.DRILL or stored not in ("", DRILL_DISASTER):
        return str(stored)
    scenario = scenario_of(operation)
    if scenario is None:
        return _("Drill")
    return _("Drill (%(hazard)s, simulated)", hazard=HAZARD_NAMES[scenario.hazard])


def scenario_of(operation: Any) -> DrillScenario | None:
    """The drill scenario an operation runs, for a link back to the drill's page."""
    return running_scenario(db.session, operation)


@bp.get("/")
@require(can_plan_drills)
def index() -> ResponseReturnValue:
    """The scenarios: scheduled, running and finished."""
    return render_template("drills/index.html", groups=scenarios_by_state(db.session))


def _form(**kwargs: Any) -> ScenarioForm:
    layers = list(
        db.session.scalars(select(HazardLayer).order_by(HazardLayer.kind, HazardLayer.name))
    )
    form = ScenarioForm(layers=layers, **kwargs)
    form.districts.choices = [(d.id, d.name) for d in districts(db.session)]
    form.hazard_layer.choices = [(NONE, _("None"))] + [
        (layer.id, layer_name(layer)) for layer in layers if layer.kind is not HazardKind.OTHER
    ]
    form.min_flood_rank.choices = [(NONE, "—")] + [
        (rank, _("Rank %(rank)d (%(depth)s) or deeper", rank=rank, depth=DEPTH_NAMES[rank]))
        for rank in sorted(DEPTH_NAMES)
    ]
    form.organisations.choices = [
        (o.id, o.name) for o in db.session.scalars(select(Organisation).order_by(Organisation.name))
    ]
    return form


def _draft(form: ScenarioForm) -> ScenarioDraft:
    chosen = form.districts.data or []
    orgs = form.organisations.data or []
    start, end = form.start(), form.end()
    assert start is not None and end is not None
    return ScenarioDraft(
        name=form.name.data or "",
        planned_start=start,
        planned_end=end,
        hazard=DrillHazard(form.hazard.data),
        districts=list(db.session.scalars(select(District).where(District.id.in_(chosen)))),
        hazard_layer=form.layer(),
        min_flood_rank=form.flood_rank(),
        every_landslide_zone=form.layer() is not None and form.flood_rank() is None,
        organisations=list(
            db.session.scalars(select(Organisation).where(Organisation.id.in_(orgs)))
        ),
        simulate_release=bool(form.simulate_release.data),
        description=(form.description.data or "").strip(),
        objectives=[Objective(**row) for row in form.objective_rows()],
    )


@bp.route("/new", methods=["GET", "POST"])
@require(can_plan_drills)
def new() -> ResponseReturnValue:
    form = _form()
    if not form.validate_on_submit():
        return render_template("drills/form.html", form=form, scenario=None), (
            422 if form.errors else 200
        )
    scenario = create_scenario(db.session, current_viewer(), _draft(form))
    db.session.commit()
    flash(_("The drill was planned."), "info")
    return redirect(url_for("drills.detail", scenario_id=scenario.id))


def _fill(form: ScenarioForm, scenario: DrillScenario) -> None:
    form.name.data = scenario.name
    form.planned_start.data = when_text(scenario.planned_start)
    form.planned_end.data = when_text(scenario.planned_end)
    form.hazard.data = scenario.hazard.value
    form.districts.data = [d.id for d in scenario.districts]
    form.hazard_layer.data = scenario.hazard_layer_id or NONE
    form.min_flood_rank.data = scenario.min_flood_rank or NONE
    form.organisations.data = [o.id for o in scenario.organisations]
    form.simulate_release.data = scenario.simulate_release
    form.description.data = scenario.description
    for row, objective in zip(form.objectives, scenario.objectives, strict=False):
        row.form.kind.data = objective.kind.value
        row.form.band.data = objective.band or ""
        row.form.percent.data = objective.percent
        row.form.minutes.data = objective.minutes
    form.version.data = str(scenario.version)


@bp.route("/<id:scenario_id>/edit", methods=["GET", "POST"])
@require(can_plan_drills)
def edit(scenario_id: int) -> ResponseReturnValue:
    """Edit a scenario not yet started; a form built on an older version is refused (409)."""
    scenario = get_or_404(DrillScenario, scenario_id)
    if scenario.operation_id is not None:
        flash(_("A drill that has started can no longer be changed."), "error")
        return redirect(url_for("drills.detail", scenario_id=scenario.id)), 303
    form = _form()
    if request.method == "GET":
        _fill(form, scenario)
    elif form.validate_on_submit():
        return _save_edit(form, scenario)
    return render_template("drills/form.html", form=form, scenario=scenario), (
        422 if form.errors else 200
    )


def _save_edit(form: ScenarioForm, scenario: DrillScenario) -> ResponseReturnValue:
    scenario_id = scenario.id
    draft = _draft(form)
    viewer = current_viewer()
    try:
        saved = save_versioned(
            db.session,
            form.version.data,
            lambda v: update_scenario(db.session, viewer, scenario, draft, v),
        )
    except ScenarioRefused:
        db.session.rollback()
        flash(_("A drill that has started can no longer be changed."), "error")
        return redirect(url_for("drills.detail", scenario_id=scenario_id)), 303
    if saved.conflict:
        return render_template("drills/form.html", form=form, scenario=scenario, conflict=True), 409
    db.session.commit()
    flash(_("Saved."), "info")
    return redirect(url_for("drills.detail", scenario_id=scenario.id))


@bp.get("/<id:scenario_id>")
@require(can_plan_drills)
def detail(scenario_id: int) -> ResponseReturnValue:
    """The scenario; before it starts, what it involves (counts only)."""
    scenario = get_or_404(DrillScenario, scenario_id)
    viewer = current_viewer()
    state = state_of(scenario)
    shown = preview(db.session, viewer, scenario) if state == "scheduled" else None
    simulated = (
        simulated_release(db.session, scenario, viewer.consent_rule, viewer.today)
        if scenario.simulate_release
        else None
    )
    operation = scenario.operation
    return render_template(
        "drills/detail.html",
        scenario=scenario,
        state=state,
        preview=shown,
        simulated=simulated,
        opened=openings(db.session, operation) if operation is not None else [],
        may_open=_still_closed(operation) if state == "running" else [],
        area=area_words(area_draft(scenario)),
        hazard_names=HAZARD_NAMES,
    )


def _still_closed(operation: Any) -> list[Any]:
    """The shelters the viewer may still record as opened in the running drill."""
    done = opened_ids(db.session, operation)
    return [s for s in opening_shelters(db.session, current_viewer()) if s.id not in done]


@bp.post("/<id:scenario_id>/start")
@require(can_plan_drills)
def start(scenario_id: int) -> ResponseReturnValue:
    """Start the drill, once the page's confirmation (naming the count) is ticked."""
    scenario = get_or_404(DrillScenario, scenario_id)
    if not request.form.get("confirm"):
        flash(_("Tick the box to confirm that the drill starts."), "error")
        return redirect(url_for("drills.detail", scenario_id=scenario.id)), 303
    try:
        operation = start_drill(db.session, current_viewer(), scenario)
    except (DrillRefused, SafetyRefused):
        db.session.rollback()
        flash(_("This drill cannot be started."), "error")
        return redirect(url_for("drills.detail", scenario_id=scenario.id)), 303
    db.session.commit()
    flash(_("The drill was started."), "info")
    return redirect(url_for("safety.board", operation_id=operation.id)), 303


@bp.post("/<id:scenario_id>/end")
@require(can_plan_drills)
def end(scenario_id: int) -> ResponseReturnValue:
    """End the running drill, once the page's confirmation is ticked."""
    scenario = get_or_404(DrillScenario, scenario_id)
    if not request.form.get("confirm"):
        flash(_("Tick the box to confirm that the drill ends."), "error")
        return redirect(url_for("drills.detail", scenario_id=scenario.id)), 303
    try:
        end_drill(db.session, current_viewer(), scenario)
    except (DrillRefused, SafetyRefused):
        db.session.rollback()
        flash(_("This drill is not running."), "error")
        return redirect(url_for("drills.detail", scenario_id=scenario.id)), 303
    db.session.commit()
    flash(_("The drill was ended."), "info")
    return redirect(url_for("drills.detail", scenario_id=scenario.id)), 303
