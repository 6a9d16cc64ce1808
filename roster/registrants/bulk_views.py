"""Acting on many people ticked in the register list: a new status, a mailing round, one
printed sheet (個票) each. A change is confirmed on a page naming the count first; the
selection travels in POST bodies only.

This module also imports the others that add routes to the register's blueprint
(export_views), so roster.blueprints imports the blueprint from here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from ..access.fetch import Person
from ..access.roles import can_act_on_many, can_run_rounds
from ..consent.catalog import reference_key
from ..decorators import require
from ..disclosures import record_view
from ..extensions import db
from ..labels import label
from ..models import MailingRound, RegistrantStatus
from ..models.base import utcnow
from ..versioning import StaleEditError
from ..viewer import current_viewer
from . import bulk
from . import export_views as export_views
from .bulk_forms import RoundForm, StatusForm
from .views import CHANGED_KEY, CHANGED_MORE_KEY, NAMED
from .views import bp as bp

#: The list's query arguments a bulk action may return to.
LIST_ARGS = (
    "f", "district", "consent", "need", "precision", "due", "status", "sort", "dir", "page",
)  # fmt: skip


def _back_url(query: str | None) -> str:
    """The list the user came from: only its known arguments, so the link stays on the list."""
    args = parse_qs((query or "")[:1000])
    kept: dict[str, Any] = {k: args[k][0] for k in LIST_ARGS if args.get(k)}
    return url_for("registrants.index", **kept)


def _ticked(form: MultiDict[str, str]) -> list[int]:
    """The people ticked on the list; with "all on this page", every one of the page."""
    chosen = form.getlist("page_ids") if form.get("all_on_page") else form.getlist("ids")
    return bulk.selected_ids(chosen)[: bulk.MAX_SELECTION]


def _none_ticked(back: str) -> ResponseReturnValue:
    return render_template("registrants/bulk_none.html", back=back), 422


@bp.post("/registrants/bulk")
@require(can_act_on_many)
def bulk_start() -> ResponseReturnValue:
    """The list's bulk form: the people ticked and what to do with them."""
    back = request.form.get("back", "")
    viewer = current_viewer()
    found = bulk.selected_people(db.session, viewer, _ticked(request.form))
    if not found:
        return _none_ticked(back)
    action = request.form.get("action", "")
    if action == "print":
        return _sheets(found, back)
    ids = " ".join(str(p.registrant_id) for p in found)
    if action == "status":
        form = StatusForm(formdata=None, ids=ids, back=back, versions=bulk.versions_of(found))
        return render_template(
            "registrants/bulk_status.html",
            form=form,
            count=len(found),
            named=found[:NAMED],
            unnamed=len(found) - len(found[:NAMED]),
        )
    if action == "round" and can_run_rounds(viewer.user):
        form = RoundForm(formdata=None, ids=ids, back=back)
        return _round_page(form, len(found))
    return _none_ticked(back)


def _sheets(found: list[Person], back: str) -> ResponseReturnValue:
    """One A4 sheet per person, each audited as a view of that person."""
    viewer = current_viewer()
    for person in found:
        record_view(db.session, viewer, person, "sheet")
    db.session.commit()
    return render_template(
        "registrants/sheets.html",
        people=found,
        fields=viewer.fields,
        back=_back_url(back),
        printed_at=utcnow(),
    )


# ---------------------------------------------------------------------------------------------
# A new status: choose it, confirm the count, change (version-safe).
# ---------------------------------------------------------------------------------------------


@bp.post("/registrants/bulk/status")
@require(can_act_on_many)
def bulk_status() -> ResponseReturnValue:
    """Choose the new status, then confirm it for the count named; only then change."""
    form = StatusForm()
    seen = bulk.parse_versions(form.versions.data or "")
    if not seen:
        return _none_ticked(form.back.data or "")
    named = bulk.selected_people(db.session, current_viewer(), list(seen)[:NAMED])
    unnamed = len(seen) - len(named)
    if not form.validate_on_submit():
        return render_template(
            "registrants/bulk_status.html",
            form=form,
            count=len(seen),
            named=named,
            unnamed=unnamed,
        ), 422
    status = RegistrantStatus(form.status.data)
    if form.confirm.data != "1":
        same = bulk.already_with(db.session, current_viewer(), list(seen), status)
        return render_template(
            "registrants/bulk_status.html",
            form=form,
            count=len(seen) - same,
            same=same,
            status=status,
            named=named,
            unnamed=unnamed,
        )
    return _change_statuses(form, seen, status)


def _change_statuses(
    form: StatusForm, seen: dict[int, int], status: RegistrantStatus
) -> ResponseReturnValue:
    """Change all or none: anyone saved since the confirmation was shown refuses it (409)."""
    try:
        changed = bulk.change_statuses(db.session, current_viewer(), seen, status)
        db.session.flush()
    except (StaleEditError, StaleDataError):
        db.session.rollback()
        return render_template(
            "registrants/bulk_conflict.html", back=_back_url(form.back.data), count=len(seen)
        ), 409
    db.session.commit()
    flash(
        _("The status of %(n)d people is now %(status)s.", n=changed, status=label(status)),
        "info",
    )
    # The list names them (through the access rule); the session keeps their numbers only.
    session[CHANGED_KEY] = list(seen)[:NAMED]
    session[CHANGED_MORE_KEY] = max(0, len(seen) - NAMED)
    return redirect(_back_url(form.back.data), code=303)


# ---------------------------------------------------------------------------------------------
# A mailing round: choose one not yet sent, confirm the count, add.
# ---------------------------------------------------------------------------------------------


def _round_page(form: RoundForm, count: int, **context: Any) -> str:
    rounds = bulk.open_rounds(db.session)
    form.round.choices = [(r.id, r.title) for r in rounds]
    return render_template(
        "registrants/bulk_round.html", form=form, count=count, rounds=rounds, **context
    )


@bp.post("/registrants/bulk/round")
@require(can_run_rounds)
def bulk_round() -> ResponseReturnValue:
    """Choose a round not yet sent, then confirm how many will be added; only then add."""
    form = RoundForm()
    viewer = current_viewer()
    ids = [p.registrant_id for p in bulk.selected_people(
        db.session, viewer, bulk.selected_ids((form.ids.data or "").split())
    )]
    if not ids:
        return _none_ticked(form.back.data or "")
    form.round.choices = [(r.id, r.title) for r in bulk.open_rounds(db.session)]
    if not form.validate_on_submit():
        return _round_page(form, len(ids)), 422
    mailing = db.session.get(MailingRound, form.round.data)
    assert mailing is not None  # one of the open rounds: validated above
    plan = bulk.plan_round(db.session, viewer, mailing, ids)
    if form.confirm.data != "1" or not plan.add:
        return _round_page(form, len(ids), plan=plan)
    return _add_to_round(form, plan)


def _add_to_round(form: RoundForm, plan: bulk.RoundPlan) -> ResponseReturnValue:
    """Add the people; a round sent or changed meanwhile refuses it (409), adding no one."""
    key = reference_key(current_app.config["SECRET_KEY"])
    try:
        bulk.add_to_round(db.session, current_viewer().user, plan.mailing, plan.add, key)
    except IntegrityError:
        db.session.rollback()
        return render_template(
            "registrants/bulk_conflict.html", back=_back_url(form.back.data), count=len(plan.add)
        ), 409
    db.session.commit()
    flash(
        _("%(n)d people were added to the round %(title)s.", n=len(plan.add),
          title=plan.mailing.title),
        "info",
    )
    return redirect(url_for("rounds.detail", round_id=plan.mailing.id), code=303)
