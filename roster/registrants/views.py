"""Register pages. Views parse the request, call a query or an operation, and render."""

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
from sqlalchemy.orm.exc import StaleDataError

from ..access.consent import current_by_purpose
from ..access.projection import project
from ..access.roles import (
    can_edit_registrants,
    can_use_portal,
    can_view_consent_history,
    can_view_register,
)
from ..access.rule import visible_districts, visible_fields
from ..consent.operations import history
from ..decorators import require
from ..disclosures import record_disclosure
from ..extensions import db
from ..formtext import validate_edit
from ..geocoding.operations import CHOME_ATTRIBUTION
from ..maps.picker import picker_context
from ..models import (
    ConsentPurpose,
    ConsentState,
    LocationPrecision,
    Registrant,
    RegistrantStatus,
    Role,
)
from ..web import arg_int, city_prefix
from .forms import RegistrantForm, registrant_data
from .operations import (
    DuplicateResidentNoError,
    StaleEditError,
    create_registrant,
    fetch_visible,
    update_registrant,
)
from .queries import NEEDS, RegisterFilter, register_page, sort_options
from .searches import recall_search, remember_search

bp = Blueprint("registrants", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    """Send each role to where its work starts."""
    if current_user.role is Role.ADMIN:
        return redirect(url_for("admin.users"))
    if can_use_portal(current_user):
        return redirect(url_for("portal.home"))
    return redirect(url_for("registrants.index"))


def _filter_from_request() -> RegisterFilter:
    args = request.args
    key = args.get("f", "")
    q = recall_search(db.session, current_user, key) if key else None
    return RegisterFilter(
        q=q or "",
        search_expired=bool(key) and q is None,
        city=city_prefix(),
        district_id=arg_int("district"),
        consent=args.get("consent", ""),
        need=args.get("need", ""),
        precision=args.get("precision", ""),
        due=args.get("due") == "1",
        status=args.get("status", RegistrantStatus.ACTIVE.value),
        sort=args.get("sort", ""),
        descending=args.get("dir") == "desc",
    )


@bp.route("/registrants/", methods=["GET", "POST"])
@require(can_view_register)
def index() -> ResponseReturnValue:
    """The register list: filter, search, sort and page through the people one may see."""
    if request.method == "POST":
        # A POST only turns the search box into a key; it changes nothing stored.
        form = request.form
        args: dict[str, Any] = {
            k: form.get(k)
            for k in ("district", "consent", "need", "precision", "due", "status", "sort", "dir")
        }
        q = form.get("q", "").strip()
        args["f"] = remember_search(db.session, current_user, q) if q else ""
        db.session.commit()
        return redirect(url_for("registrants.index", **{k: v for k, v in args.items() if v}))
    flt = _filter_from_request()
    page = register_page(
        db.session,
        current_user,
        flt,
        arg_int("page", 1),
        current_app.config["PAGE_SIZE"],
    )
    fields = visible_fields(current_user)
    rows = [project(r, fields) for r in page.rows]
    record_disclosure(
        db.session,
        current_user,
        "registrant.list",
        page.rows,
        detail={"total": page.total, "page": page.page},
    )
    db.session.commit()
    return render_template(
        "registrants/list.html",
        rows=rows,
        page=page,
        flt=flt,
        fields=fields,
        districts=visible_districts(db.session, current_user),
        needs=[n for n, (f, _c) in NEEDS.items() if f in fields],
        sorts=sort_options(current_user),
        consent_states=list(ConsentState),
        precisions=list(LocationPrecision),
        statuses=list(RegistrantStatus),
        args=request.args,
    )


def visible_or_404(registrant_id: int, page: str | None = None) -> Registrant:
    """The registrant, if this user may see them; otherwise the same 404 as a missing ID.

    With `page`, a GET of that page is audited as a view of the person.
    """
    registrant = fetch_visible(db.session, current_user, registrant_id)
    if registrant is None:
        db.session.commit()
        abort(404)
    if page and request.method == "GET":
        record_disclosure(
            db.session,
            current_user,
            "registrant.view",
            [registrant],
            object_id=registrant.id,
            detail={"page": page},
        )
        db.session.commit()
    return registrant


@bp.get("/registrants/<id:registrant_id>")
@require(can_view_register)
def detail(registrant_id: int) -> ResponseReturnValue:
    """One person's page, with the fields this user may see and, for staff, the consent history."""
    registrant = visible_or_404(registrant_id, page="detail")
    fields = visible_fields(current_user)
    records = (
        history(db.session, registrant)
        if can_view_consent_history(current_user)
        else []
    )
    return render_template(
        "registrants/detail.html",
        r=project(registrant, fields),
        fields=fields,
        records=records,
        current=current_by_purpose(records),
        current_purposes=list(ConsentPurpose),
        unconfirmed=ConsentState.UNCONFIRMED,
        chome_attribution=CHOME_ATTRIBUTION,
    )


def _form(obj: Any = None) -> RegistrantForm:
    choices = [(d.id, d.name) for d in visible_districts(db.session, current_user)]
    return RegistrantForm(obj=obj, district_choices=choices)


@bp.route("/registrants/new", methods=["GET", "POST"])
@require(can_edit_registrants)
def create() -> ResponseReturnValue:
    """Add a person (手上げ, a recommendation, or by hand from the source systems)."""
    form = _form()
    if request.method == "GET":
        # A person added to the register is on it; every other answer is chosen by staff.
        form.status.data = RegistrantStatus.ACTIVE.value
    if form.validate_on_submit():
        try:
            registrant = create_registrant(
                db.session, registrant_data(form), current_user, city_prefix()
            )
        except DuplicateResidentNoError:
            form.resident_no.errors = [_("Another registrant already has this resident ID.")]
        else:
            db.session.commit()
            flash(_("The registrant was added."), "info")
            return redirect(url_for("registrants.detail", registrant_id=registrant.id))
    return render_template(
        "registrants/form.html", form=form, registrant=None, picker=picker_context(db.session)
    ), (422 if form.errors else 200)


@bp.route("/registrants/<id:registrant_id>/edit", methods=["GET", "POST"])
@require(can_edit_registrants)
def edit(registrant_id: int) -> ResponseReturnValue:
    """Edit a person. A save built on an outdated page is refused with 409, changing nothing."""
    registrant = visible_or_404(registrant_id, page="edit")
    form = _form(obj=registrant if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(registrant.version)
        if registrant.location_precision is not LocationPrecision.MANUAL:
            # The form holds only pins staff set; a geocoded point is found again on save.
            form.latitude.data = form.longitude.data = None
    if validate_edit(form, registrant):
        try:
            changed = update_registrant(
                db.session,
                registrant,
                registrant_data(form),
                int(form.version.data or 0),
                current_user,
                city_prefix(),
            )
            db.session.commit()
        except (StaleEditError, StaleDataError):
            db.session.rollback()
            return render_template(
                "registrants/form.html",
                form=form,
                registrant=registrant,
                conflict=True,
                picker=picker_context(db.session),
            ), 409
        except DuplicateResidentNoError:
            form.resident_no.errors = [_("Another registrant already has this resident ID.")]
        else:
            flash(_("Saved.") if changed else _("Nothing was changed."), "info")
            return redirect(url_for("registrants.detail", registrant_id=registrant.id))
    return render_template(
        "registrants/form.html",
        form=form,
        registrant=registrant,
        picker=picker_context(db.session),
    ), (422 if form.errors else 200)
