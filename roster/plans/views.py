"""Plan pages: a person's plan, its form, its versions, and staff's list; the one-page print
(print_views) is registered here too.

Every page goes through plan_or_404 (roster.plans.shown: staff always; a partner only a plan
shared with them), answers a hidden plan with the same 404 as a missing one, and logs what
it showed through the disclosure log. A partner's print is a copy in the provision ledger.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..access.roles import can_edit_plans, can_view_plans
from ..access.rule import plan_visible
from ..decorators import require
from ..disclosures import record_disclosure
from ..extensions import db
from ..formtext import validate_edit
from ..i18n import local_today
from ..models import (
    ConsentPurpose,
    District,
    Plan,
    PlanStatus,
    PlanVersion,
    Registrant,
    Shelter,
)
from ..registrants.queries import Page
from ..shelters.labels import GROUP_LABELS, HAZARD_LABELS, KIND_LABELS
from ..versioning import Saved, save_versioned
from ..viewer import current_viewer
from ..web import arg_int
from .forms import PlanForm, form_data, plan_data
from .listing import PlanLine, list_conditions, plan_page, status_counts
from .names import (
    ASSISTANCE,
    AUTHOR_ROLE_LABELS,
    DESTINATION_LABELS,
    REVIEW_REASONS,
    START_TRIGGERS,
    STATUS_LABELS,
    TERM_LABELS,
    TRANSPORTS,
    WARNINGS,
    code_label,
)
from .operations import (
    TERMS,
    ConsentNeededError,
    making_consented,
    new_plan_defaults,
    plan_consents,
    plan_of,
    save_plan,
    shelters_by_kind,
    versions_of,
    warnings_by_shelter,
)
from .power import (
    CONFIRM_FIELD,
    POWER_GROUP,
    POWER_GROUP_LABEL,
    needs_power_confirmation,
    power_first,
    uses_ventilator,
)
from .print_views import print_plan
from .printing import DISCLAIMER
from .shown import Shown, disclose, plan_facts, plan_or_404
from .warnings import DestinationWarning

bp = Blueprint("plans", __name__, url_prefix="/plans")

# ---------------------------------------------------------------------------------------------
# Labels, and the registrant page's link to the plan.
# ---------------------------------------------------------------------------------------------


#: Code tables by the name templates pass to plan_label, keyed by stored value.
CODE_TABLES: dict[str, dict[Any, Any]] = {
    "status": {k.value: v for k, v in STATUS_LABELS.items()},
    "author_role": {k.value: v for k, v in AUTHOR_ROLE_LABELS.items()},
    "destination": {k.value: v for k, v in DESTINATION_LABELS.items()},
    "start": START_TRIGGERS,
    "transport": TRANSPORTS,
    "assistance": ASSISTANCE,
    "reason": REVIEW_REASONS,
    "term": TERM_LABELS,
    "hazard": HAZARD_LABELS,
    "group": GROUP_LABELS,
}


@bp.app_template_filter()
def plan_label(code: Any, table: str) -> str:
    """The label of a code a plan stores, e.g. {{ plan.status|plan_label("status") }}."""
    return code_label(CODE_TABLES[table], getattr(code, "value", code))


@bp.app_template_filter()
def plan_warning_text(warning: DestinationWarning) -> str:
    message = WARNINGS.get(warning.code)
    if message is None:
        return warning.code
    groups = "、".join(str(GROUP_LABELS.get(g, g)) for g in warning.groups) or "—"
    hazard = str(HAZARD_LABELS.get(warning.hazard or "", warning.hazard or ""))
    return str(message) % {"groups": groups, "hazard": hazard}


def plan_link(registrant_id: int) -> str | None:
    """The plan page's URL for the registrant page's link, or None when there is nothing the
    user may open: staff always (to see or make the plan), a partner only for a plan
    shared with them."""
    if not can_view_plans(current_user):
        return None
    if can_edit_plans(current_user):
        return url_for("plans.detail", registrant_id=registrant_id)
    if plan_of(db.session, registrant_id) is None:
        return None
    if not plan_visible(db.session, current_viewer(), registrant_id):
        return None
    return url_for("plans.detail", registrant_id=registrant_id)


@bp.app_context_processor
def plan_globals() -> dict[str, Any]:
    return {"plan_link": plan_link}


# ---------------------------------------------------------------------------------------------
# Staff's list.
# ---------------------------------------------------------------------------------------------


@bp.get("/")
@require(can_edit_plans)
def index() -> ResponseReturnValue:
    """Every plan, by review date, filtered by effective status and district."""
    today = local_today()
    status_arg = request.args.get("status", "")
    status = PlanStatus(status_arg) if status_arg in PlanStatus._value2member_map_ else None
    district_id = arg_int("district")
    viewer = current_viewer()
    where = list_conditions(viewer, status, district_id, today)
    per_page = current_app.config["PAGE_SIZE"]
    page = plan_page(db.session, viewer, where, today, arg_int("page", 1), per_page)
    counts = status_counts(db.session, district_id, today)
    record_disclosure(
        db.session,
        viewer,
        "plan.list",
        [line.r for line in page.rows],
        detail={"total": page.total, "page": page.page, "status": status_arg or None},
    )
    db.session.commit()
    return _list_page(page, counts, status, district_id)


def _list_page(
    page: Page[PlanLine],
    counts: dict[PlanStatus, int],
    status: PlanStatus | None,
    district_id: int | None,
) -> str:
    return render_template(
        "plans/index.html",
        page=page,
        lines=page.rows,
        counts=counts,
        statuses=list(PlanStatus),
        status=status,
        district_id=district_id,
        districts=list(db.session.scalars(select(District).order_by(District.name_kana))),
        args=request.args,
    )


# ---------------------------------------------------------------------------------------------
# One person's plan.
# ---------------------------------------------------------------------------------------------


@bp.get("/<id:registrant_id>")
@require(can_view_plans)
def detail(registrant_id: int) -> ResponseReturnValue:
    """The plan as it stands: its terms, status, consents, warnings and review flags; for
    staff without a plan yet, how to make one."""
    shown = plan_or_404(registrant_id)
    plan = shown.plan
    staff = can_edit_plans(current_user)
    consents = _consents(registrant_id, staff)
    facts = plan_facts(shown.record, plan)
    disclose("plan.view", shown, plan=plan.id if plan else None)
    db.session.commit()
    return render_template(
        "plans/detail.html",
        r=shown.person,
        fields=current_viewer().fields,
        plan=plan,
        staff=staff,
        purposes=(ConsentPurpose.PLAN_MAKING, ConsentPurpose.PLAN_SHARING),
        locales=current_app.config["LOCALES"],
        disclaimer=str(DISCLAIMER),
        **consents,
        **facts,
    )


def _consents(registrant_id: int, staff: bool) -> dict[str, Any]:
    """The person's plan consents in force and whether a plan may be made: staff's to see,
    none for anyone else."""
    consents = plan_consents(db.session, registrant_id) if staff else {}
    return {
        "consents": consents,
        "making": consents.get(ConsentPurpose.PLAN_MAKING),
        "sharing": consents.get(ConsentPurpose.PLAN_SHARING),
        "consented": making_consented(consents) if staff else False,
    }


#: The destination select's groups: shelters_by_kind's kinds, labelled as the shelter pages do.
KIND_GROUPS = {
    POWER_GROUP: POWER_GROUP_LABEL,
    "welfare": KIND_LABELS["is_welfare_shelter"],
    "evacuation": KIND_LABELS["is_evacuation_shelter"],
    "emergency": KIND_LABELS["is_emergency_site"],
}


def _shelter_choices(
    registrant: Registrant,
) -> tuple[dict[Any, list[tuple[str, str]]], set[int], dict[int, list[DestinationWarning]]]:
    """The destination select, grouped by kind (for a ventilator user, the places with
    backup power first); a place with warnings for this person is marked ⚠ in its option."""
    groups = shelters_by_kind(db.session)
    if uses_ventilator(registrant):
        groups = power_first(groups)
    shelters = [s for _kind, rows in groups for s in rows]
    warned = warnings_by_shelter(db.session, registrant, shelters, local_today())
    choices: dict[Any, list[tuple[str, str]]] = {None: [("", "—")]}
    for kind, rows in groups:
        choices[str(KIND_GROUPS[kind])] = [
            (str(s.id), f"{s.name}{' ⚠' if warned.get(s.id) else ''}") for s in rows
        ]
    return choices, {s.id for s in shelters}, warned


@bp.route("/<id:registrant_id>/edit", methods=["GET", "POST"])
@require(can_edit_plans)
def edit(registrant_id: int) -> ResponseReturnValue:
    """Make or change the plan. A save built on an outdated page is refused with 409, and
    nothing changes; a plan is made only with the person's plan-making consent."""
    shown = plan_or_404(registrant_id)
    plan = shown.plan
    consents = plan_consents(db.session, registrant_id)
    consented = making_consented(consents)
    if plan is None and not consented:
        return _consent_needed(shown, consents)
    form, warned = _plan_form(shown, consented)
    if validate_edit(form, form_data(plan) if plan is not None else None):
        if _power_unconfirmed(shown, form):
            form.ensure_blank_rows()
            return _form_page(shown, form, warned, confirm_power=True), 422
        answer = _save_and_answer(shown, form, consented, warned)
        if answer is not None:
            return answer
    if request.method == "GET":
        disclose("plan.view", shown, page="edit")
        db.session.commit()
    form.ensure_blank_rows()
    return _form_page(shown, form, warned), (422 if form.errors else 200)


def _power_unconfirmed(shown: Shown, form: PlanForm) -> bool:
    """A ventilator user's new destination without recorded backup power, not yet
    confirmed with the form's box (roster.plans.power)."""
    chosen = form.shelter_id() if form.destination_kind.data == "shelter" else None
    return needs_power_confirmation(
        shown.record,
        db.session.get(Shelter, chosen) if chosen else None,
        shown.plan.destination_shelter_id if shown.plan else None,
        request.form.get(CONFIRM_FIELD),
    )


def _plan_form(
    shown: Shown, consented: bool
) -> tuple[PlanForm, dict[int, list[DestinationWarning]]]:
    """The form (filled from the plan on a GET, from the request otherwise) and, by place,
    the destination warnings for this person."""
    choices, shelter_ids, warned = _shelter_choices(shown.record)
    form = PlanForm(
        data=_stored_plan(shown) if request.method == "GET" else None,
        shelter_choices=choices,
        shelter_ids=shelter_ids,
        consented=consented,
    )
    return form, warned


def _save_and_answer(
    shown: Shown,
    form: PlanForm,
    consented: bool,
    warned: dict[int, list[DestinationWarning]],
) -> ResponseReturnValue | None:
    """Save a valid form and answer: the plan's page once saved, the form again with 409 on
    a conflict, or None when the form is to be shown with what it says is missing."""
    saved = _save(shown, form, consented)
    if saved is None:
        return None
    if saved.conflict:
        form.ensure_blank_rows()
        return _form_page(shown, form, warned, conflict=True), 409
    db.session.commit()
    _flash_saved(saved.value)
    return redirect(url_for("plans.detail", registrant_id=shown.record.id))


def _save(shown: Shown, form: PlanForm, consented: bool) -> Saved[Any] | None:
    """Save the form on the version it was built on: a conflict (another version, a lost
    race, or a plan made meanwhile) changes nothing; None when consent is missing, which
    the form says."""
    try:
        return save_versioned(
            db.session,
            form.version.data,
            lambda version: save_plan(
                db.session, shown.record, plan_data(form), version, current_user,
                consented=consented,
            ),
        )  # fmt: skip
    except IntegrityError:
        db.session.rollback()
        return Saved(conflict=True)
    except ConsentNeededError:
        db.session.rollback()
        form.status.errors = [_("A plan can be made only with the person's consent.")]
        return None


def _consent_needed(shown: Shown, consents: dict[Any, Any]) -> ResponseReturnValue:
    """No plan yet and no plan-making consent: say so (a GET is audited as a view)."""
    if request.method == "GET":
        disclose("plan.view", shown, page="edit")
        db.session.commit()
    return render_template(
        "plans/consent_needed.html",
        r=shown.person,
        making=consents.get(ConsentPurpose.PLAN_MAKING),
    ), (200 if request.method == "GET" else 422)


def _stored_plan(shown: Shown) -> dict[str, Any]:
    """What the form shows first: the plan as saved, or a new plan's defaults."""
    if shown.plan is not None:
        return form_data(shown.plan)
    return new_plan_defaults(db.session, shown.record, current_user, local_today())


def _flash_saved(saved: Any) -> None:
    if not saved.saved:
        flash(_("Nothing was changed."), "info")
    elif saved.created:
        flash(_("The plan was made."), "info")
    else:
        flash(_("The plan was saved."), "info")


def _form_page(
    shown: Shown,
    form: PlanForm,
    warned: dict[int, list[DestinationWarning]],
    conflict: bool = False,
    confirm_power: bool = False,
) -> str:
    chosen = form.shelter_id() if form.destination_kind.data == "shelter" else None
    return render_template(
        "plans/form.html",
        r=shown.person,
        plan=shown.plan,
        form=form,
        warnings=warned.get(chosen, []) if chosen else [],
        chosen=db.session.get(Shelter, chosen) if chosen else None,
        conflict=conflict,
        ventilator=uses_ventilator(shown.record),
        confirm_power=confirm_power,
        confirm_field=CONFIRM_FIELD,
    )


@bp.get("/<id:registrant_id>/versions")
@require(can_edit_plans)
def versions(registrant_id: int) -> ResponseReturnValue:
    """Every saved version of the plan: when, by whom, and which terms changed."""
    shown = plan_or_404(registrant_id)
    plan = shown.plan
    if plan is None:
        abort(404)
    rows = versions_of(db.session, plan)
    disclose("plan.versions", shown, plan=plan.id)
    db.session.commit()
    return render_template("plans/versions.html", r=shown.person, plan=plan, rows=rows)


@bp.get("/<id:registrant_id>/versions/<int:version>")
@require(can_edit_plans)
def version(registrant_id: int, version: int) -> ResponseReturnValue:
    """The plan as it stood at one version."""
    shown = plan_or_404(registrant_id)
    plan = shown.plan
    if plan is None:
        abort(404)
    row = _version_or_404(plan, version)
    shelter_id = row.snapshot.get("destination_shelter_id")
    shelter = db.session.get(Shelter, shelter_id) if shelter_id else None
    disclose("plan.version", shown, plan=plan.id, version=version)
    db.session.commit()
    return render_template(
        "plans/version.html",
        r=shown.person,
        plan=plan,
        row=row,
        snap=row.snapshot,
        terms=TERMS,
        shelter=shelter,
        current=row.version == plan.version,
    )


def _version_or_404(plan: Plan, version: int) -> PlanVersion:
    row = db.session.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == version)
    )
    if row is None:
        abort(404)
    return row


# ---------------------------------------------------------------------------------------------
# The one-page print (print_views).
# ---------------------------------------------------------------------------------------------


bp.add_url_rule("/<id:registrant_id>/print", view_func=print_plan, methods=["GET", "POST"])
