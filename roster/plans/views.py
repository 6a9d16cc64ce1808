"""Plan pages: a person's plan, its form, its versions, its one-page print, and staff's list.

Every page goes through plan_visible (staff: always; a partner: only a plan
shared with them), answers a hidden plan with the same 404 as a missing one, and logs what
it showed with record_disclosure. A partner's print is a copy in the provision ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..access.fetch import Person, people, person_or_404, refuse
from ..access.roles import can_edit_plans, can_view_plans
from ..access.rule import (
    PartnerAccess,
    Viewer,
    plan_visible,
    registrant_condition,
    visible_registrants,
)
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
    Provision,
    ProvisionFormat,
    ProvisionItem,
    Registrant,
    Role,
    Shelter,
)
from ..partners.ledger import record_provision
from ..portal.notices import CopyMark
from ..registrants.queries import Page
from ..shelters.labels import GROUP_LABELS, HAZARD_LABELS
from ..versioning import Saved, save_versioned
from ..viewer import current_viewer
from ..web import arg_int
from .forms import PlanForm, form_data, plan_data
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
    plan_warnings,
    save_plan,
    shelters_by_kind,
    versions_of,
    warnings_by_shelter,
)
from .printing import content, fit
from .review import effective_status, review_reasons, status_condition
from .warnings import DestinationWarning

bp = Blueprint("plans", __name__, url_prefix="/plans")

#: The supporters' disclaimer every plan and print carries.
DISCLAIMER = _l(
    "Supporters help as far as they reasonably can. They carry no legal liability or duty "
    "for the person's evacuation or its outcome: a plan is a best-effort arrangement, not a "
    "promise."
)
#: The secrecy duty of plan information (49-16, 49-17), as the portal print states 49-13.
PLAN_NOTICE = _l(
    "Confidential (Disaster Countermeasures Basic Act, arts. 49-16 and 49-17; see also "
    "49-13): whoever receives this plan, and whoever received it in the past, must not "
    "disclose without good reason any secret learned from it. Use it only for evacuation "
    "support, make no copies, and return or destroy it when it is no longer needed."
)


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
# Access.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A person whose plan this viewer may see: `person` is what pages print (the
    projection); `record` is the row behind it, for the plan's checks (warnings, review
    reasons) and staff's saves, never for output."""

    person: Person
    record: Registrant
    plan: Plan | None


def plan_or_404(registrant_id: int) -> Shown:
    """The person and their plan, if this viewer may see it.

    Staff get every person (with or without a plan); a partner only a person whose plan
    exists and plan_visible allows. Anything else is the same 404 as a missing ID, and the
    refusal is audited (plan.denied).
    """
    viewer = current_viewer()
    plan = plan_of(db.session, registrant_id)
    if (plan is None and not viewer.is_(Role.STAFF)) or not plan_visible(
        db.session, viewer, registrant_id
    ):
        refuse(db.session, viewer, registrant_id, "plan.denied")
    person = person_or_404(db.session, viewer, registrant_id, denied="plan.denied")
    # person_or_404 has just loaded the row: the identity map answers.
    record = db.session.get(Registrant, registrant_id)
    assert record is not None
    return Shown(person, record, plan)


def _disclose(action: str, shown: Shown, **detail: Any) -> None:
    record_disclosure(
        db.session,
        current_viewer(),
        action,
        [shown.person],
        object_id=shown.person.registrant_id,
        detail=detail,
    )


def _facts(registrant: Registrant, plan: Plan | None) -> dict[str, Any]:
    """What every view of a plan shows besides its terms."""
    today = local_today()
    shelter = plan.destination_shelter if plan is not None else None
    reasons = review_reasons(plan, registrant, shelter, today) if plan is not None else []
    return {
        "today": today,
        "shelter": shelter,
        "reasons": reasons,
        "status": effective_status(plan.status, reasons) if plan is not None else None,
        "warnings": plan_warnings(db.session, registrant, shelter, today),
    }


# ---------------------------------------------------------------------------------------------
# Staff's list.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanLine:
    plan: Plan
    r: Person
    shelter: Shelter | None
    reasons: list[str]
    status: PlanStatus


def _people_by_id(viewer: Viewer, ids: list[int]) -> dict[int, Person]:
    """The list's people as the viewer may see them; the rows they came with are for the
    review checks only."""
    query = visible_registrants(viewer).where(Registrant.id.in_(ids))
    return {p.registrant_id: p for p in people(db.session, viewer, query)}


@bp.get("/")
@require(can_edit_plans)
def index() -> ResponseReturnValue:
    """Every plan, by review date, filtered by effective status and district."""
    today = local_today()
    status_arg = request.args.get("status", "")
    status = PlanStatus(status_arg) if status_arg in PlanStatus._value2member_map_ else None
    district_id = arg_int("district")
    viewer = current_viewer()
    where: list[Any] = [registrant_condition(viewer)]
    if status is not None:
        where.append(status_condition(status, today))
    if district_id is not None:
        where.append(Registrant.district_id == district_id)
    base = (
        select(Plan.id)
        .join(Registrant, Registrant.id == Plan.registrant_id)
        .outerjoin(Shelter, Shelter.id == Plan.destination_shelter_id)
        .where(*where)
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    per_page = current_app.config["PAGE_SIZE"]
    page_no = max(1, min(arg_int("page", 1), max(1, -(-total // per_page))))
    rows = db.session.execute(
        select(Plan, Registrant, Shelter)
        .join(Registrant, Registrant.id == Plan.registrant_id)
        .outerjoin(Shelter, Shelter.id == Plan.destination_shelter_id)
        .where(*where)
        .order_by(Plan.review_on, Plan.id)
        .offset((page_no - 1) * per_page)
        .limit(per_page)
    ).all()
    shown = _people_by_id(viewer, [registrant.id for _plan, registrant, _shelter in rows])
    lines = []
    for plan, registrant, shelter in rows:
        reasons = review_reasons(plan, registrant, shelter, today)
        status = effective_status(plan.status, reasons)
        lines.append(PlanLine(plan, shown[registrant.id], shelter, reasons, status))
    in_district = [Registrant.district_id == district_id] if district_id is not None else []
    counts = {
        s: db.session.scalar(
            select(func.count(Plan.id))
            .join(Registrant, Registrant.id == Plan.registrant_id)
            .outerjoin(Shelter, Shelter.id == Plan.destination_shelter_id)
            .where(status_condition(s, today), *in_district)
        )
        or 0
        for s in PlanStatus
    }
    page = Page(rows=lines, total=total, page=page_no, per_page=per_page)
    record_disclosure(
        db.session,
        viewer,
        "plan.list",
        [line.r for line in lines],
        detail={"total": total, "page": page_no, "status": status_arg or None},
    )
    db.session.commit()
    return render_template(
        "plans/index.html",
        page=page,
        lines=lines,
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
    consents = plan_consents(db.session, registrant_id) if staff else {}
    facts = _facts(shown.record, plan)
    _disclose("plan.view", shown, plan=plan.id if plan else None)
    db.session.commit()
    return render_template(
        "plans/detail.html",
        r=shown.person,
        fields=current_viewer().fields,
        plan=plan,
        staff=staff,
        consents=consents,
        making=consents.get(ConsentPurpose.PLAN_MAKING),
        sharing=consents.get(ConsentPurpose.PLAN_SHARING),
        consented=making_consented(consents) if staff else False,
        purposes=(ConsentPurpose.PLAN_MAKING, ConsentPurpose.PLAN_SHARING),
        locales=current_app.config["LOCALES"],
        disclaimer=str(DISCLAIMER),
        **facts,
    )


def _shelter_choices(
    registrant: Registrant,
) -> tuple[dict[Any, list[tuple[str, str]]], set[int], dict[int, list[DestinationWarning]]]:
    """The destination select, grouped by kind; a place with warnings for this person is
    marked ⚠ in its option."""
    from ..shelters.labels import KIND_LABELS

    groups = shelters_by_kind(db.session)
    shelters = [s for _kind, rows in groups for s in rows]
    warned = warnings_by_shelter(db.session, registrant, shelters, local_today())
    kind_label = {
        "welfare": KIND_LABELS["is_welfare_shelter"],
        "evacuation": KIND_LABELS["is_evacuation_shelter"],
        "emergency": KIND_LABELS["is_emergency_site"],
    }
    choices: dict[Any, list[tuple[str, str]]] = {None: [("", "—")]}
    for kind, rows in groups:
        choices[str(kind_label[kind])] = [
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
    choices, shelter_ids, warned = _shelter_choices(shown.record)
    form = PlanForm(
        data=_stored_plan(shown) if request.method == "GET" else None,
        shelter_choices=choices,
        shelter_ids=shelter_ids,
        consented=consented,
    )
    if validate_edit(form, form_data(plan) if plan is not None else None):
        saved = _save(shown, form, consented)
        if saved is not None and saved.conflict:
            form.ensure_blank_rows()
            return _form_page(shown, form, warned, conflict=True), 409
        if saved is not None:
            db.session.commit()
            _flash_saved(saved.value)
            return redirect(url_for("plans.detail", registrant_id=registrant_id))
    if request.method == "GET":
        _disclose("plan.view", shown, page="edit")
        db.session.commit()
    form.ensure_blank_rows()
    return _form_page(shown, form, warned), (422 if form.errors else 200)


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
        _disclose("plan.view", shown, page="edit")
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
    _disclose("plan.versions", shown, plan=plan.id)
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
    row = db.session.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == version)
    )
    if row is None:
        abort(404)
    shelter_id = row.snapshot.get("destination_shelter_id")
    shelter = db.session.get(Shelter, shelter_id) if shelter_id else None
    _disclose("plan.version", shown, plan=plan.id, version=version)
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


# ---------------------------------------------------------------------------------------------
# The one-page print.
# ---------------------------------------------------------------------------------------------


def _print_lang() -> str:
    locales = current_app.config["LOCALES"]
    lang = request.values.get("lang", "")
    return lang if lang in locales else str(locales[0])


def latest_plan_copy(registrant_id: int, access: PartnerAccess) -> Provision | None:
    """The user's latest printed copy of this person's plan under the agreement in force,
    not yet returned or destroyed."""
    return db.session.scalar(
        select(Provision)
        .join(ProvisionItem, ProvisionItem.provision_id == Provision.id)
        .where(
            Provision.user_id == current_user.id,
            Provision.agreement_id == access.agreement.id,
            Provision.format == ProvisionFormat.PLAN_PRINT,
            Provision.disposed_on.is_(None),
            ProvisionItem.registrant_id == registrant_id,
        )
        .order_by(Provision.created_at.desc(), Provision.id.desc())
        .limit(1)
    )


@bp.route("/<id:registrant_id>/print", methods=["GET", "POST"])
@require(can_view_plans)
def print_plan(registrant_id: int) -> ResponseReturnValue:
    """The plan on one A4 page, in Japanese (?lang=en for English).

    A partner prints with a POST, which records a numbered copy in the provision ledger and
    then shows it (303); the page shows the partner's latest copy, watermarked, and is not
    found without one. Staff open it directly; every opening is audited.
    """
    shown = plan_or_404(registrant_id)
    plan = shown.plan
    if plan is None:
        abort(404)
    lang = _print_lang()
    staff = can_edit_plans(current_user)
    access = None if staff else current_viewer().access
    if not staff and access is None:
        abort(404)
    if request.method == "POST":
        if access is not None:
            record_provision(
                db.session, current_viewer(), ProvisionFormat.PLAN_PRINT, [shown.person]
            )
            db.session.commit()
        return redirect(
            url_for("plans.print_plan", registrant_id=registrant_id, lang=lang), code=303
        )
    mark = _audit_print(shown, plan, access, lang)
    db.session.commit()
    return _print_page(shown, plan, mark, lang, staff)


def _audit_print(
    shown: Shown, plan: Plan, access: PartnerAccess | None, lang: str
) -> CopyMark | None:
    """Audit an opening of the print; a partner's shows their latest copy (404 without one),
    whose mark is returned for the watermark."""
    if access is None:
        _disclose("plan.print", shown, plan=plan.id, lang=lang)
        return None
    copy = latest_plan_copy(shown.person.registrant_id, access)
    if copy is None:
        abort(404)
    _disclose(
        "plan.print.view",
        shown,
        plan=plan.id,
        provision=copy.id,
        copy_no=copy.copy_no,
        lang=lang,
    )
    return CopyMark.of(copy)


def _print_page(shown: Shown, plan: Plan, mark: CopyMark | None, lang: str, staff: bool) -> str:
    """The one A4 page, in `lang`, printed from the projection."""
    fields = current_viewer().fields
    facts = _facts(shown.record, plan)
    r = shown.person
    with force_locale(lang):
        disclaimer = str(DISCLAIMER)
        notice = str(PLAN_NOTICE)
        person, values = content(plan, r, fields, facts["shelter"])
        footer = [f"{_('To supporters')}: {disclaimer}", notice]
        return render_template(
            "plans/print.html",
            r=r,
            fields=fields,
            plan=plan,
            mark=mark,
            layout=fit(values, person, list(plan.supporters or []), footer, mark is not None),
            lang=lang,
            staff=staff,
            disclaimer=disclaimer,
            notice=notice,
            **facts,
        )
