"""Corrective actions: the list of every drill's actions, a new action of a drill, and the
edit page where an action is marked done. Planners and staff; every change audited."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ...decorators import require
from ...extensions import db
from ...formtext import validate_edit
from ...i18n import local_today
from ...models.drills import CorrectiveAction
from ...versioning import save_versioned
from ...web import get_or_404
from ..aar_forms import ActionForm
from ..actions import FIELDS, FILTERS, action_rows, create_action, is_overdue, update_action
from .blueprint import bp
from .report import can_read_drills, started_or_404


@bp.get("/actions")
@require(can_read_drills)
def actions() -> ResponseReturnValue:
    """Every drill's corrective actions, open first; overdue ones marked."""
    status = request.args.get("status", "open")
    status = status if status in FILTERS else "open"
    rows = action_rows(db.session, status, local_today())
    return render_template("drills/actions.html", rows=rows, status=status, filters=FILTERS)


@bp.route("/<id:scenario_id>/actions/new", methods=["GET", "POST"])
@require(can_read_drills)
def action_new(scenario_id: int) -> ResponseReturnValue:
    """A new corrective action of the drill's improvement plan."""
    scenario = started_or_404(scenario_id)
    form = ActionForm()
    if form.validate_on_submit():
        create_action(db.session, current_user, scenario, form.values())
        db.session.commit()
        flash(_("The corrective action was added."), "info")
        return redirect(url_for("drills.report_page", scenario_id=scenario.id))
    return render_template("drills/action_form.html", form=form, scenario=scenario,
                           action=None), (422 if form.errors else 200)  # fmt: skip


@bp.route("/actions/<id:action_id>", methods=["GET", "POST"])
@require(can_read_drills)
def action_edit(action_id: int) -> ResponseReturnValue:
    """Edit an action, or mark it done with the date. A stale form is refused with 409."""
    action = get_or_404(CorrectiveAction, action_id)
    form = ActionForm()
    if not form.is_submitted():
        for name in FIELDS:
            getattr(form, name).data = getattr(action, name)
        form.version.data = str(action.version)
    shown = {name: getattr(action, name) for name in ("title", "owner", "note")}
    if validate_edit(form, shown):
        saved = save_versioned(
            db.session(),
            form.version.data,
            lambda version: update_action(db.session, current_user, action, form.values(), version),
        )
        if saved.conflict:
            return render_template("drills/action_form.html", form=form, scenario=action.scenario,
                                   action=action, conflict=True), 409  # fmt: skip
        db.session.commit()
        flash(_("Saved.") if saved.value else _("Nothing was changed."), "info")
        return redirect(url_for("drills.actions"))
    overdue = is_overdue(action, local_today())
    page = render_template("drills/action_form.html", form=form, scenario=action.scenario,
                           action=action, overdue=overdue)  # fmt: skip
    return page, (422 if form.errors else 200)
