"""Register pages. Views parse the request, call a query or an operation, and render."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..access.consent import current_by_purpose
from ..access.fetch import Person, person_or_404
from ..access.roles import (
    can_edit_registrants,
    can_use_portal,
    can_view_change_history,
    can_view_consent_history,
    can_view_register,
)
from ..access.rule import Viewer, visible_districts
from ..consent.operations import history
from ..decorators import require
from ..disclosures import record_disclosure, record_view
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
from ..safety.history import person_history
from ..versioning import save_versioned
from ..viewer import current_viewer, editable_or_404
from ..web import arg_int, city_prefix
from .bulk import selected_people
from .forms import RegistrantForm, registrant_data
from .history import count_versions, person_versions
from .operations import DuplicateResidentNoError, create_registrant, update_registrant
from .other_statuses import other_statuses
from .queries import NEEDS, Page, RegisterFilter, register_page, sort_options
from .searches import recall_search, remember_search

bp = Blueprint("registrants", __name__)

#: A bulk change's confirmation and result name at most this many people, then say how many
#: more.
NAMED = 20
#: Where the register numbers of the people a bulk change just changed wait for the list to
#: name them (numbers only: the names are read through the access rule when shown).
CHANGED_KEY = "bulk_changed"
CHANGED_MORE_KEY = "bulk_changed_more"


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
        status=_status_asked(args.get("status", "")),
        sort=args.get("sort", ""),
        descending=args.get("dir") == "desc",
    )


def _status_asked(status: str) -> str:
    """The status the list shows: a known one or "all"; anything else is the default (在籍),
    as the status menu then shows it."""
    known = status in set(RegistrantStatus) or status == "all"
    return status if known else RegistrantStatus.ACTIVE.value


@bp.route("/registrants/", methods=["GET", "POST"])
@require(can_view_register)
def index() -> ResponseReturnValue:
    """The register list: filter, search, sort and page through the people one may see."""
    if request.method == "POST":
        return _search_key_redirect()
    if can_use_portal(current_user):
        return _to_portal()
    flt = _filter_from_request()
    viewer = current_viewer()
    page = register_page(
        db.session, viewer, flt, arg_int("page", 1), current_app.config["PAGE_SIZE"]
    )
    record_disclosure(
        db.session,
        viewer,
        "registrant.list",
        page.rows,
        detail={"total": page.total, "page": page.page},
    )
    db.session.commit()
    return _list_page(page, flt, viewer)


#: The list filters the partner's own list understands, carried over when a partner comes
#: to the staff register list.
PORTAL_ARGS = ("f", "district", "need", "page")


def _to_portal() -> ResponseReturnValue:
    """A partner's list is their portal: the staff list is not theirs, whatever they type."""
    args: dict[str, Any] = {k: v for k in PORTAL_ARGS if (v := request.args.get(k))}
    return redirect(url_for("portal.home", **args))


def _search_key_redirect() -> ResponseReturnValue:
    """A POST only turns the search box into a key (so the term stays out of the URL); it
    changes nothing stored. Back to the list with the key and the other filters."""
    form = request.form
    args: dict[str, Any] = {
        k: form.get(k)
        for k in ("district", "consent", "need", "precision", "due", "status", "sort", "dir")
    }
    q = form.get("q", "").strip()
    args["f"] = remember_search(db.session, current_user, q) if q else ""
    db.session.commit()
    return redirect(url_for("registrants.index", **{k: v for k, v in args.items() if v}))


def _just_changed(viewer: Viewer) -> tuple[list[Person], int]:
    """The people a bulk change just changed (once, after its redirect), and how many more."""
    ids = [i for i in session.pop(CHANGED_KEY, []) if isinstance(i, int)][:NAMED]
    more = session.pop(CHANGED_MORE_KEY, 0)
    return selected_people(db.session, viewer, ids), more if isinstance(more, int) else 0


def _list_page(page: Page[Person], flt: RegisterFilter, viewer: Viewer) -> str:
    elsewhere, elsewhere_capped = other_statuses(
        db.session, viewer, flt, with_parts=not page.capped
    )
    changed, changed_more = _just_changed(viewer)
    return render_template(
        "registrants/list.html",
        rows=page.rows,
        page=page,
        flt=flt,
        fields=viewer.fields,
        districts=visible_districts(db.session, viewer),
        needs=[n for n, (f, _c) in NEEDS.items() if f in viewer.fields],
        sorts=sort_options(viewer),
        consent_states=list(ConsentState),
        precisions=list(LocationPrecision),
        statuses=list(RegistrantStatus),
        args=request.args,
        elsewhere=elsewhere,
        elsewhere_capped=elsewhere_capped,
        changed=changed,
        changed_more=changed_more,
    )


@bp.get("/registrants/<id:registrant_id>")
@require(can_view_register)
def detail(registrant_id: int) -> ResponseReturnValue:
    """One person's page, with the fields this user may see and, for staff, the consent history."""
    viewer = current_viewer()
    person = person_or_404(db.session, viewer, registrant_id)
    record_view(db.session, viewer, person, "detail")
    db.session.commit()
    records = (
        history(db.session, registrant_id) if can_view_consent_history(current_user) else []
    )
    safety = person_history(db.session, registrant_id, with_notes=viewer.role is Role.STAFF)
    with_changes = can_view_change_history(current_user)
    return render_template(
        "registrants/detail.html",
        r=person,
        safety=safety,
        changes=person_versions(db.session, registrant_id, RECENT) if with_changes else [],
        change_count=count_versions(db.session, registrant_id) if with_changes else 0,
        fields=viewer.fields,
        records=records,
        current=current_by_purpose(records),
        current_purposes=list(ConsentPurpose),
        unconfirmed=ConsentState.UNCONFIRMED,
        chome_attribution=CHOME_ATTRIBUTION,
    )


#: How many of the latest changes the person's page shows; the history page shows all.
RECENT = 3


@bp.get("/registrants/<id:registrant_id>/history")
@require(can_view_change_history)
def changes(registrant_id: int) -> ResponseReturnValue:
    """A person's field history (変更履歴): every change, who made it, when and how."""
    viewer = current_viewer()
    person = person_or_404(db.session, viewer, registrant_id)
    record_view(db.session, viewer, person, "history")
    db.session.commit()
    return render_template(
        "registrants/history.html",
        r=person,
        fields=viewer.fields,
        changes=person_versions(db.session, registrant_id),
    )


def _form(obj: Any = None) -> RegistrantForm:
    choices = [(d.id, d.name) for d in visible_districts(db.session, current_viewer())]
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
    registrant = editable_or_404(registrant_id, "edit")
    form = _form(obj=registrant if request.method == "GET" else None)
    if request.method == "GET":
        _show_stored(form, registrant)
    if validate_edit(form, registrant):
        answer = _save_and_answer(form, registrant)
        if answer is not None:
            return answer
    return _edit_page(form, registrant), (422 if form.errors else 200)


def _save_and_answer(form: RegistrantForm, registrant: Registrant) -> ResponseReturnValue | None:
    """Save a valid form on the version it was built on and answer: the person's page once
    saved, the form again with 409 on a conflict, or None when the resident ID is taken
    (the form says so)."""
    try:
        saved = save_versioned(db.session, form.version.data, partial(_update, form, registrant))
    except DuplicateResidentNoError:
        form.resident_no.errors = [_("Another registrant already has this resident ID.")]
        return None
    if saved.conflict:
        return _edit_page(form, registrant, conflict=True), 409
    db.session.commit()
    flash(_("Saved.") if saved.value else _("Nothing was changed."), "info")
    return redirect(url_for("registrants.detail", registrant_id=registrant.id))


def _update(form: RegistrantForm, registrant: Registrant, version: int | None) -> list[str]:
    """Write the form on the person, as an edit made on `version`; the fields it changed."""
    return update_registrant(
        db.session, registrant, registrant_data(form), version, current_user, city_prefix()
    )


def _show_stored(form: RegistrantForm, registrant: Registrant) -> None:
    """Fill the version the form is built on; leave out coordinates staff did not pin."""
    form.version.data = str(registrant.version)
    if registrant.location_precision is not LocationPrecision.MANUAL:
        # The form holds only pins staff set; a geocoded point is found again on save.
        form.latitude.data = form.longitude.data = None


def _edit_page(form: RegistrantForm, registrant: Registrant, conflict: bool = False) -> str:
    return render_template(
        "registrants/form.html",
        form=form,
        registrant=registrant,
        conflict=conflict,
        picker=picker_context(db.session),
    )
