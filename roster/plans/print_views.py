"""The plan on one A4 page (fitted by roster.plans.printing), in the language asked for.

A partner's print is a numbered copy in the provision ledger, watermarked; staff open the
page directly. Every opening is audited. The route is registered on the plans blueprint in
roster.plans.views.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access.fetch import Person
from ..access.roles import can_edit_plans, can_view_plans
from ..access.rule import PartnerAccess
from ..decorators import require
from ..extensions import db
from ..maps.districts import district_cells
from ..models import Plan, Provision, ProvisionFormat, ProvisionItem, Shelter
from ..partners.ledger import record_provision
from ..portal.notices import CopyMark
from ..viewer import current_viewer
from .printing import DISCLAIMER, PLAN_NOTICE, Layout, content, fit
from .shown import Shown, disclose, plan_facts, plan_or_404
from .sketch import Sketch, plan_sketch


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
        return _make_copy(shown, access, lang)
    mark = _audit_print(shown, plan, access, lang)
    db.session.commit()
    return _print_page(shown, plan, mark, lang, staff)


def _make_copy(shown: Shown, access: PartnerAccess | None, lang: str) -> ResponseReturnValue:
    """A print's POST: a partner's makes a numbered copy in the ledger; then, for anyone,
    the page (303)."""
    if access is not None:
        record_provision(
            db.session, current_viewer(), ProvisionFormat.PLAN_PRINT, [shown.person]
        )
        db.session.commit()
    return redirect(url_for("plans.print_plan", registrant_id=shown.record.id, lang=lang), code=303)


def _audit_print(
    shown: Shown, plan: Plan, access: PartnerAccess | None, lang: str
) -> CopyMark | None:
    """Audit an opening of the print; a partner's shows their latest copy (404 without one),
    whose mark is returned for the watermark."""
    if access is None:
        disclose("plan.print", shown, plan=plan.id, lang=lang)
        return None
    copy = latest_plan_copy(shown.person.registrant_id, access)
    if copy is None:
        abort(404)
    disclose(
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
    facts = plan_facts(shown.record, plan)
    r = shown.person
    with force_locale(lang):
        disclaimer = str(DISCLAIMER)
        notice = str(PLAN_NOTICE)
        footer = [f"{_('To supporters')}: {disclaimer}", notice]
        return render_template(
            "plans/print.html",
            r=r,
            fields=fields,
            plan=plan,
            mark=mark,
            layout=_layout(plan, r, fields, facts["shelter"], footer, mark is not None),
            lang=lang,
            staff=staff,
            disclaimer=disclaimer,
            notice=notice,
            sketch=_sketch(r, facts["shelter"]),
            **facts,
        )


def _sketch(r: Person, shelter: Shelter | None) -> Sketch | None:
    """The small map of home and destination: the home only when the user's fields show
    it, the destination when it is a place in the registry."""
    return plan_sketch(
        (r.get("latitude"), r.get("longitude")),
        (shelter.latitude, shelter.longitude) if shelter is not None else (None, None),
        district_cells(db.session),
        home_approximate=bool(r.get("location_approximate")),
    )


def _layout(
    plan: Plan,
    r: Person,
    fields: frozenset[str],
    shelter: Shelter | None,
    footer: list[str],
    mark: bool,
) -> Layout:
    """What the page prints, set at the largest type that fits; in the print's language."""
    person, values = content(plan, r, fields, shelter)
    return fit(values, person, list(plan.supporters or []), footer, mark)
