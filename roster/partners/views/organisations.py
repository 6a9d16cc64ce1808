"""The partners index with its reminders, and the pages of one organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from ...access.roles import can_manage_partners
from ...decorators import require
from ...extensions import db
from ...formtext import validate_edit
from ...i18n import local_today
from ...models import Agreement, Organisation, User
from ...versioning import save_versioned
from ...web import get_or_404
from .. import ledger as ledger_ops
from ..agreements import in_force_among
from ..forms import ORGANISATION_LABELS, OrganisationForm
from ..organisations import DuplicateNameError, create_organisation, update_organisation
from ..reminders import reminders
from ..tokens import organisation_tokens
from .blueprint import bp, district_choices

# ---------------------------------------------------------------------------------------------
# The index and its reminders
# ---------------------------------------------------------------------------------------------


@dataclass
class OrganisationRow:
    organisation: Organisation
    in_force: Agreement | None
    latest: Agreement | None
    outstanding: int


@bp.get("/")
@require(can_manage_partners)
def index() -> ResponseReturnValue:
    """Every partner organisation, its agreement in force and copies out; reminders on top."""
    today = local_today()
    return render_template(
        "partners/index.html",
        rows=_organisation_rows(today),
        reminders=reminders(db.session, today),
        today=today,
    )


def _organisation_rows(today: date) -> list[OrganisationRow]:
    """Each organisation by name, with its agreement in force, its latest, and copies out."""
    organisations = db.session.scalars(
        select(Organisation).order_by(Organisation.name).options(selectinload(Organisation.districts))
    ).all()
    agreements = _agreements(select(Agreement))
    latest: dict[int, Agreement] = {}
    for agreement in agreements:
        latest.setdefault(agreement.organisation_id, agreement)
    outstanding = ledger_ops.outstanding_counts(db.session)
    return [
        OrganisationRow(
            organisation=o,
            in_force=in_force_among(agreements, o.id, today),
            latest=latest.get(o.id),
            outstanding=outstanding.get(o.id, 0),
        )
        for o in organisations
    ]


def _agreements(query: Select[Any]) -> list[Agreement]:
    """The agreements `query` selects, the latest start first."""
    return list(
        db.session.scalars(query.order_by(Agreement.starts_on.desc(), Agreement.id.desc()))
    )


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@require(can_manage_partners)
def new_organisation() -> ResponseReturnValue:
    """Add a partner organisation: name, category, contacts and the districts it serves."""
    form = OrganisationForm(district_choices=district_choices())
    if form.validate_on_submit():
        try:
            organisation = create_organisation(db.session, form.data_object(), current_user)
        except DuplicateNameError:
            form.name.errors = [_("An organisation with this name exists.")]
        else:
            db.session.commit()
            flash(_("The organisation was added. Next, make its agreement."), "info")
            return redirect(url_for("partners.organisation", organisation_id=organisation.id))
    return _form_page(form, None), 422 if form.errors else 200


@bp.route("/<id:organisation_id>/edit", methods=["GET", "POST"])
@require(can_manage_partners)
def edit_organisation(organisation_id: int) -> ResponseReturnValue:
    """Change an organisation's name, category, contacts or districts. A save built on an
    outdated page is refused with 409, changing nothing."""
    organisation = get_or_404(Organisation, organisation_id)
    form = _organisation_form(organisation)
    if validate_edit(form, organisation):
        try:
            return _save_organisation(form, organisation)
        except DuplicateNameError:
            form.name.errors = [_("An organisation with this name exists.")]
    return _form_page(form, organisation), 422 if form.errors else 200


def _save_organisation(form: OrganisationForm, organisation: Organisation) -> ResponseReturnValue:
    """Save the posted organisation: on to its page, or the form again if it changed meanwhile.
    A name another organisation has raises DuplicateNameError, for the form to say so."""
    saved = save_versioned(
        db.session,
        request.form.get("version"),
        lambda version: update_organisation(
            db.session, organisation, form.data_object(), version, current_user
        ),
    )
    if saved.conflict:
        return _form_page(form, organisation, conflict=True), 409
    db.session.commit()
    _flash_saved(saved.value or [])
    return redirect(url_for("partners.organisation", organisation_id=organisation.id))


def _form_page(form: OrganisationForm, organisation: Organisation | None, **extra: Any) -> str:
    return render_template(
        "partners/organisation_form.html", form=form, organisation=organisation, **extra
    )


def _organisation_form(organisation: Organisation) -> OrganisationForm:
    """The edit form: the organisation as stored on GET, what was posted otherwise."""
    form = OrganisationForm(
        obj=organisation if request.method == "GET" else None,
        district_choices=district_choices(),
    )
    if request.method == "GET":
        form.category.data = organisation.category.value
        form.districts.data = [d.id for d in organisation.districts]
        form.version.data = str(organisation.version)
    return form


def _flash_saved(changed: list[str]) -> None:
    if changed:
        names = "、".join(str(ORGANISATION_LABELS.get(n, n)) for n in changed)
        flash(_("Saved: %(fields)s.", fields=names), "info")
    else:
        flash(_("Nothing was changed."), "info")


@bp.get("/<id:organisation_id>")
@require(can_manage_partners)
def organisation(organisation_id: int) -> ResponseReturnValue:
    """An organisation: contacts, districts, users, agreements, ledger summary and tokens."""
    org = get_or_404(Organisation, organisation_id)
    today = local_today()
    users = list(
        db.session.scalars(
            select(User).where(User.organisation_id == org.id).order_by(User.username)
        )
    )
    agreements = _agreements(select(Agreement).where(Agreement.organisation_id == org.id))
    return render_template(
        "partners/organisation.html",
        org=org,
        users=users,
        agreements=agreements,
        in_force=in_force_among(agreements, org.id, today),
        summary=ledger_ops.summary(db.session, org.id, today),
        tokens=organisation_tokens(db.session, org.id),
        today=today,
    )
