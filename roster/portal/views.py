"""The partner portal: the partner's list, its printed copies and exports, and what changed.

Every person shown comes through roster.access.fetch, projected to the agreement's fields;
every print and export is made by the ledger's record_provision.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ..access.fetch import Person, person_or_404
from ..access.roles import can_use_portal
from ..access.rule import Viewer, visible_districts
from ..decorators import require
from ..disclosures import record_disclosure
from ..exports import download
from ..extensions import db
from ..i18n import local_today
from ..models import Provision, ProvisionFormat
from ..partners.ledger import record_provision
from ..registrants.queries import NEEDS, Page, RegisterFilter, register_page
from ..registrants.searches import recall_search, remember_search
from ..viewer import current_viewer
from ..web import arg_int, city_prefix, municipality
from .changes import Changes, changes_since
from .columns import field_group_labels
from .copies import FILE_FORMATS, copy_file, file_names, own_copy, recent_same_copy
from .notices import CONFIDENTIALITY_NOTICE, CopyMark
from .person_map import has_location, map_context, person_map_document
from .queries import (
    LIST_FORMATS,
    default_copy,
    list_copies,
    portal_count,
    portal_people,
    visible_among,
)

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.app_template_filter("age")
def age(born: date | None) -> int | None:
    """Full years of age today (in the municipality's time zone)."""
    if born is None:
        return None
    today = local_today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))



def _office() -> dict[str, Any]:
    """The municipal office a partner without an agreement should contact."""
    city = municipality()
    office = dict(current_app.config["OFFICE"])
    office["name"] = city.name if city else ""
    return office


def _no_agreement(status: int = 200) -> ResponseReturnValue:
    return render_template("portal/no_agreement.html", office=_office()), status


@bp.get("/")
@require(can_use_portal)
def home() -> ResponseReturnValue:
    """The partner's home: the agreement in force and the people it lets them see."""
    viewer = current_viewer()
    access = viewer.access
    if access is None:
        return _no_agreement()
    flt, page = _shown_list(viewer)
    return render_template(
        "portal/home.html",
        access=access,
        agreement=access.agreement,
        field_groups=field_group_labels(access.agreement.fields),
        rows=page.rows,
        page=page,
        flt=flt,
        fields=viewer.fields,
        args=request.args,
        **_filter_choices(viewer),
    )


def _shown_list(viewer: Viewer) -> tuple[RegisterFilter, Page[Person]]:
    """The page of the list the query string asks for (sorted by district), logged as shown.
    A search travels as the key of a term kept on the server, never as the term itself."""
    key = request.args.get("f", "")
    q = recall_search(db.session, current_user, key) if key else None
    flt = RegisterFilter(
        q=q or "",
        search_expired=bool(key) and q is None,
        city=city_prefix(),
        district_id=arg_int("district"),
        need=request.args.get("need", ""),
        sort="district",
    )
    page = register_page(
        db.session, viewer, flt, arg_int("page", 1), current_app.config["PAGE_SIZE"]
    )
    _log_list(viewer, page, flt)
    return flt, page


@bp.post("/search")
@require(can_use_portal)
def search() -> ResponseReturnValue:
    """The list's filters as posted: a search term is kept on the server under a key, so it
    never enters a URL; nothing else is stored. Back to the list with the key and filters."""
    form = request.form
    q = form.get("q", "").strip()
    args: dict[str, Any] = {
        "district": form.get("district", ""),
        "need": form.get("need", ""),
        "f": remember_search(db.session, current_user, q) if q else "",
    }
    db.session.commit()
    # To the results, not the top of the page: on a phone they are two screens down.
    shown = {k: v for k, v in args.items() if v}
    return redirect(url_for("portal.home", **shown, _anchor="results"))


def _filter_choices(viewer: Viewer) -> dict[str, Any]:
    """What the list's filter offers: the agreement's districts, and the needs whose field
    the agreement provides."""
    return {
        "districts": visible_districts(db.session, viewer),
        "needs": [n for n, (f, _c) in NEEDS.items() if f in viewer.fields],
    }


def _log_list(viewer: Viewer, page: Page[Person], flt: RegisterFilter) -> None:
    """The list's page of people, in the disclosure log, with what it was filtered by."""
    record_disclosure(
        db.session,
        viewer,
        "portal.list",
        page.rows,
        detail={
            "total": page.total,
            "page": page.page,
            "district": flt.district_id,
            "need": flt.need or None,
            "searched": bool(flt.q),
        },
    )
    db.session.commit()


def _copy_of_everyone(fmt: ProvisionFormat) -> Provision:
    """Record a copy of the whole list in the ledger, or find the same copy made by this user
    in the last two minutes (a second tap of the button makes no second copy). Without an
    agreement, or with no one to copy, the request ends here and nothing is recorded."""
    viewer = current_viewer()
    if viewer.access is None:
        abort(make_response(_no_agreement(403)))
    people = portal_people(db.session, viewer)
    if not people:
        flash(_("There is no one on your list, so no copy was made."), "info")
        abort(redirect(url_for("portal.home"), code=303))
    agreement_id = viewer.access.agreement.id
    same = recent_same_copy(db.session, current_user, agreement_id, fmt, people)
    if same is not None:
        flash(
            _("You made this list less than 2 minutes ago: this is that copy, not a second one."),
            "info",
        )
        return same
    return record_provision(db.session, viewer, fmt, people)


#: What a copy of each format is, on the page that asks before one is made.
COPY_ROUTES = {
    ProvisionFormat.PRINT: "portal.print_list",
    ProvisionFormat.CSV: "portal.export_csv",
    ProvisionFormat.XLSX: "portal.export_xlsx",
}


@bp.get("/copy")
@require(can_use_portal)
def confirm_copy() -> ResponseReturnValue:
    """Before a numbered copy is made: how many people it will hold, and that it is recorded.
    Only the button on this page makes the copy (a POST); this page records nothing."""
    try:
        fmt = ProvisionFormat(request.args.get("format", ""))
    except ValueError:
        abort(404)
    if fmt not in COPY_ROUTES:
        abort(404)
    viewer = current_viewer()
    if viewer.access is None:
        return _no_agreement()
    agreement_id = viewer.access.agreement.id
    return render_template(
        "portal/confirm_copy.html",
        fmt=fmt,
        action=url_for(COPY_ROUTES[fmt]),
        count=portal_count(db.session, viewer),
        held=sum(c.outstanding for c in list_copies(db.session, current_user, agreement_id)),
    )


def _made(fmt: ProvisionFormat) -> ResponseReturnValue:
    """Make the copy (or find the same one just made), then go to its page."""
    provision = _copy_of_everyone(fmt)
    db.session.commit()
    if fmt is ProvisionFormat.PRINT:
        return redirect(url_for("portal.printed", provision_id=provision.id), code=303)
    return redirect(url_for("portal.copy_page", provision_id=provision.id), code=303)


@bp.post("/print")
@require(can_use_portal)
def print_list() -> ResponseReturnValue:
    """Make a numbered printed copy of the whole list, then show it for printing."""
    return _made(ProvisionFormat.PRINT)


@bp.post("/export.csv")
@require(can_use_portal)
def export_csv() -> ResponseReturnValue:
    """Make a numbered CSV copy of the whole list, then show the page to download it."""
    return _made(ProvisionFormat.CSV)


@bp.post("/export.xlsx")
@require(can_use_portal)
def export_xlsx() -> ResponseReturnValue:
    """Make a numbered Excel copy of the whole list, then show the page to download it."""
    return _made(ProvisionFormat.XLSX)


def _usable_copy(provision_id: int, formats: tuple[ProvisionFormat, ...]) -> Provision:
    """The user's own copy of one of `formats`, still held, under the agreement in force; a
    copy that may no longer be shown ends the request with the page that says why."""
    copy = own_copy(db.session, current_user, provision_id)
    if copy is None or copy.format not in formats:
        abort(404)
    access = current_viewer().access
    if access is None or access.agreement.id != copy.agreement_id or not copy.outstanding:
        gone = "disposed" if access is not None and not copy.outstanding else "agreement"
        page = render_template("portal/gone.html", copy=copy, gone=gone, office=_office())
        abort(make_response(page, 410))
    return copy


@bp.get("/copies/<id:provision_id>")
@require(can_use_portal)
def copy_page(provision_id: int) -> ResponseReturnValue:
    """A copy just made: its number and size, the button that downloads (or prints) it, and
    what to do with older copies. No one's details are on this page."""
    copy = _usable_copy(provision_id, LIST_FORMATS)
    older = [
        CopyMark.of(c).copy_label
        for c in list_copies(db.session, current_user, copy.agreement_id)
        if c.outstanding and c.id != copy.id
    ]
    return render_template("portal/copy.html", copy=copy, mark=CopyMark.of(copy), older=older)


@bp.get("/copies/<id:provision_id>/file")
@require(can_use_portal)
def copy_file_download(provision_id: int) -> ResponseReturnValue:
    """The copy's file: the people recorded on it that the rule still admits, with the line
    numbers of the copy, logged as shown each time it is downloaded."""
    copy = _usable_copy(provision_id, LIST_FORMATS)
    if copy.format not in FILE_FORMATS:  # a printed copy is its page, printed
        return redirect(url_for("portal.printed", provision_id=copy.id))
    viewer = current_viewer()
    lines = _lines_still_shown(viewer, copy, "portal.copy.file")
    data, content_type = copy_file(copy, viewer.fields, lines)
    name, ascii_name = file_names(copy)
    return download(data, name, content_type, ascii_name=ascii_name)


@bp.get("/prints/<id:provision_id>")
@require(can_use_portal)
def printed(provision_id: int) -> ResponseReturnValue:
    """A printed copy, watermarked on every page: its people still admitted by the rule, with
    the agreement's fields, while the agreement it was made under is in force."""
    copy = _usable_copy(provision_id, (ProvisionFormat.PRINT,))
    viewer = current_viewer()
    access = viewer.access
    assert access is not None
    lines = _lines_still_shown(viewer, copy, "portal.print.view")
    return render_template(
        "portal/print.html",
        copy=copy,
        mark=CopyMark.of(copy),
        agreement=access.agreement,
        lines=lines,
        left=len(copy.items) - len(lines),
        fields=viewer.fields,
        notice=CONFIDENTIALITY_NOTICE,
    )


def _lines_still_shown(viewer: Viewer, copy: Provision, action: str) -> list[tuple[int, Person]]:
    """The copy's (line, person) pairs the rule still admits, logged as shown."""
    found = visible_among(db.session, viewer, [i.registrant_id for i in copy.items])
    lines = [(i.line, found[i.registrant_id]) for i in copy.items if i.registrant_id in found]
    record_disclosure(
        db.session,
        viewer,
        action,
        [person for _line, person in lines],
        detail={"provision": copy.id, "copy_no": copy.copy_no},
    )
    db.session.commit()
    return lines


@bp.get("/changes")
@require(can_use_portal)
def changes() -> ResponseReturnValue:
    """Who to add to one of the user's copies, and which of its lines to strike out, and
    why. The copy is the one the user chooses (?copy=<copy number>), by default the newest
    they still hold."""
    viewer = current_viewer()
    access = viewer.access
    if access is None:
        return _no_agreement()
    copies = list_copies(db.session, current_user, access.agreement.id)
    copy = _chosen_copy(copies)
    if copy is None:
        return render_template("portal/changes.html", result=None, added=[], fields=frozenset())
    result = changes_since(db.session, current_user, access, copy)
    _log_changes(viewer, result)
    return render_template(
        "portal/changes.html",
        result=result,
        added=result.added,
        fields=viewer.fields,
        mark=CopyMark.of(copy),
        copies=[(c, CopyMark.of(c)) for c in copies],
        newest=CopyMark.of(copies[0]) if _defaulted_past(copies, copy) else None,
    )


def _defaulted_past(copies: list[Provision], copy: Provision) -> bool:
    """The user chose no copy and the page compares with one older than the newest."""
    return arg_int("copy") is None and copy is not copies[0]


def _chosen_copy(copies: list[Provision]) -> Provision | None:
    """The copy the query string names by its number, if it is one of the user's; a number
    that is not is the same 404 as a missing page."""
    wanted = arg_int("copy")
    if wanted is None:
        zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        return default_copy(copies, local_today(), zone)
    for copy in copies:
        if copy.copy_no == wanted:
            return copy
    abort(404)


def _log_changes(viewer: Viewer, result: Changes) -> None:
    """The people to add and those whose changed details are shown, in the disclosure log;
    those to strike out as a count."""
    copy = result.copy
    record_disclosure(
        db.session,
        viewer,
        "portal.changes",
        [*result.added, *(c.person for c in result.changed)],
        detail={
            "provision": copy.id,
            "copy_no": copy.copy_no,
            "removed": len(result.removed),
            "changed": len(result.changed),
        },
    )
    db.session.commit()


@bp.get("/people/<id:registrant_id>/map")
@require(can_use_portal)
def person_map(registrant_id: int) -> ResponseReturnValue:
    """One person of the partner's list on a map (the page; the map is its frame)."""
    viewer = current_viewer()
    person = person_or_404(db.session, viewer, registrant_id)
    record_disclosure(db.session, viewer, "portal.map", [person])
    db.session.commit()
    return render_template("portal/person_map.html", r=person, **map_context(person))


@bp.get("/people/<id:registrant_id>/map/frame")
@require(can_use_portal)
def person_map_frame(registrant_id: int) -> ResponseReturnValue:
    """The map document: the person's point among the shelters and hazard areas."""
    viewer = current_viewer()
    person = person_or_404(db.session, viewer, registrant_id)
    if not has_location(person):
        abort(404)
    record_disclosure(db.session, viewer, "portal.map.frame", [person])
    db.session.commit()
    return Response(person_map_document(person), mimetype="text/html")
