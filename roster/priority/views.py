"""The priority queue for making plans, assigning it, and coverage figures (staff only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError

from ..access.roles import can_edit_plans
from ..access.rule import Viewer
from ..dashboard import charts
from ..decorators import require
from ..disclosures import record_disclosure
from ..extensions import db
from ..numbers import bounded_int
from ..registrants.queries import districts
from ..viewer import current_viewer
from ..web import arg_int
from .coverage import Coverage, coverage_by_band, coverage_by_district
from .forms import AssignForm
from .operations import PriorityError, active_staff, assign, unassign
from .queries import SORTS, QueueFilter, QueuePage
from .queue import queue_page
from .scoring import BANDS, Bands

bp = Blueprint("priority", __name__, url_prefix="/priority")

#: What each reason code says in the queue, e.g. 「土砂災害警戒区域 +40」.
REASON_LABELS: dict[str, Any] = {
    "landslide_zone": _l("Landslide warning zone"),
    "flood_rank_3_plus": _l("Flooding 3 m or deeper"),
    "flood_rank_2": _l("Flooding 0.5–3 m"),
    "ventilator": _l("Home ventilator"),
    "medical_device": _l("Oxygen, suction or dialysis"),
    "bedridden": _l("Bedridden"),
    "wheelchair": _l("Wheelchair"),
    "living_alone": _l("Living alone"),
    "elderly_only": _l("Elderly-only household"),
    "no_supporter": _l("No supporter or emergency contact"),
    "drill_finding": _l("Serious finding in a drill"),
}
SORT_LABELS: dict[str, Any] = {
    "score": _l("Score, highest first"),
    "id": _l("Register number"),
    "district": _l("District, then score"),
}
#: Coverage bar colours: a current plan, a draft, none yet (the table gives the numbers).
COVERAGE_COLORS = {"current": "#1e7b34", "draft": "#e6a817", "none": "#c4c9cf"}
BAR_WIDTH, BAR_HEIGHT = 240, 18
#: The plan page's endpoint (the plans blueprint names it detail).
PLAN_ENDPOINTS = ("plans.detail", "plans.show")


def _weights() -> dict[str, int]:
    return current_app.config["PLAN_PRIORITY_WEIGHTS"]  # type: ignore[no-any-return]


def _bands() -> Bands:
    return current_app.config["PLAN_PRIORITY_BANDS"]  # type: ignore[no-any-return]


def reason_text(code: str, points: int) -> str:
    return f"{REASON_LABELS.get(code, code)} +{points}"


def plan_url(registrant_id: int) -> str:
    """The person's plan page: through the plans blueprint's endpoint when it is there,
    else its plain address."""
    for endpoint in PLAN_ENDPOINTS:
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, registrant_id=registrant_id)
            except BuildError:
                continue
    return f"/plans/{registrant_id}"


def _filter(args: Any) -> QueueFilter:
    return QueueFilter(
        district_id=bounded_int(args.get("district")),
        band=args.get("band", ""),
        unassigned=args.get("unassigned") == "1",
        sort=args.get("sort", "score"),
    )


def _filter_args(flt: QueueFilter, page: int | None = None) -> dict[str, Any]:
    """The query string that shows this filter again (no personal data: codes and IDs)."""
    args: dict[str, Any] = {}
    if flt.district_id:
        args["district"] = flt.district_id
    if flt.band:
        args["band"] = flt.band
    if flt.unassigned:
        args["unassigned"] = 1
    if flt.sort != "score":
        args["sort"] = flt.sort
    if page and page > 1:
        args["page"] = page
    return args


def _render_queue(
    flt: QueueFilter, page_no: int, form: AssignForm, error: str | None = None
) -> ResponseReturnValue:
    viewer = current_viewer()
    page = queue_page(
        db.session, _weights(), _bands(), flt, page_no, current_app.config["PAGE_SIZE"], viewer
    )
    _log_queue(viewer, page)
    return render_template(
        "priority/queue.html",
        page=page,
        flt=flt,
        form=form,
        error=error,
        reason_text=reason_text,
        plan_url=plan_url,
        **_filter_choices(),
        **_kept_from_request(flt, page.page),
    ), 422 if error else 200


def _log_queue(viewer: Viewer, page: QueuePage) -> None:
    """The page's people in the disclosure log, with the queue's size."""
    record_disclosure(
        db.session,
        viewer,
        "priority.list",
        [row.person for row in page.rows if row.person is not None],
        detail={"total": page.total, "page": page.page},
    )
    db.session.commit()


def _filter_choices() -> dict[str, Any]:
    """What the queue's filter offers: districts, bands (with their limits) and sorts."""
    return {
        "districts": districts(db.session),
        "bands": BANDS,
        "band_limits": _bands(),
        "sorts": SORTS,
        "sort_labels": SORT_LABELS,
    }


def _kept_from_request(flt: QueueFilter, page_no: int) -> dict[str, Any]:
    """The filter for the pager's links and the form's hidden fields, and the ticked boxes:
    kept also when a refused POST shows the page."""
    return {
        "args": MultiDict(_filter_args(flt)),
        "hidden": _filter_args(flt, page_no),
        "selected": set(_selected()) if request.method == "POST" else set(),
    }


@bp.get("/")
@require(can_edit_plans)
def queue() -> ResponseReturnValue:
    """People without a current plan, highest priority first, with the reasons."""
    form = AssignForm(staff=active_staff(db.session))
    return _render_queue(_filter(request.args), arg_int("page", 1), form)


def _selected() -> list[int]:
    return [i for i in (bounded_int(v) for v in request.form.getlist("ids")) if i is not None]


def _back(flt: QueueFilter) -> ResponseReturnValue:
    page = bounded_int(request.form.get("page"))
    return redirect(url_for("priority.queue", **_filter_args(flt, page)))


@bp.post("/assign")
@require(can_edit_plans)
def assign_selected() -> ResponseReturnValue:
    """Give the ticked people's plans to a staff member or a named care manager."""
    flt = _filter(request.form)
    page = bounded_int(request.form.get("page")) or 1
    form = AssignForm(staff=active_staff(db.session))
    if not form.validate_on_submit():
        error = _("Check the assignee: %(problem)s", problem=_first_error(form))
        return _render_queue(flt, page, form, error)
    try:
        count = _assign_ticked(form)
    except PriorityError as exc:
        db.session.rollback()
        return _render_queue(flt, page, form, str(exc))
    db.session.commit()
    flash(_("Assigned %(n)d people.", n=count), "info")
    return _back(flt)


def _assign_ticked(form: AssignForm) -> int:
    """Assign the ticked people to the staff member or the name the form gives."""
    return assign(
        db.session,
        current_user,
        _selected(),
        user_id=form.user_id.data or None,
        name=form.assignee_name.data or "",
    )


@bp.post("/unassign")
@require(can_edit_plans)
def unassign_selected() -> ResponseReturnValue:
    """Take the assignment back from the ticked people."""
    flt = _filter(request.form)
    page = bounded_int(request.form.get("page")) or 1
    # Only the ticked people matter here (the CSRF token is checked for every POST).
    form = AssignForm(staff=active_staff(db.session))
    try:
        count = unassign(db.session, current_user, _selected())
    except PriorityError as exc:
        db.session.rollback()
        return _render_queue(flt, page, form, str(exc))
    db.session.commit()
    flash(_("Took the assignment back from %(n)d people.", n=count), "info")
    return _back(flt)


def _first_error(form: AssignForm) -> str:
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return ""


# ---------------------------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------------------------


@dataclass
class CoverageLine:
    name: str
    row: Coverage
    percent: str
    bar: Markup
    href: str | None


def percent(share: float) -> str:
    return format_percent(share, "#,##0.0%")


def _line(name: str, row: Coverage, href: str | None, ident: str) -> CoverageLine:
    segments = [
        charts.Segment(
            _("With a current plan: %(n)s", n=f"{row.current:,}"),
            row.current,
            COVERAGE_COLORS["current"],
        ),
        charts.Segment(_("Draft: %(n)s", n=f"{row.draft:,}"), row.draft, COVERAGE_COLORS["draft"]),
        charts.Segment(_("No plan: %(n)s", n=f"{row.none:,}"), row.none, COVERAGE_COLORS["none"]),
    ]
    bar = charts.stacked_bar(
        segments,
        BAR_WIDTH,
        BAR_HEIGHT,
        title=_("Plans in %(name)s", name=name),
        ident=ident,
    )
    return CoverageLine(name, row, percent(row.share), bar, href)


def _total(rows: list[Coverage]) -> Coverage:
    total = Coverage("total", "")
    for row in rows:
        total.add(row)
    return total


@bp.get("/coverage")
@require(can_edit_plans)
def coverage() -> ResponseReturnValue:
    """Plans per district and per priority band: everyone active, and how far their plans are."""
    by_district = coverage_by_district(db.session, _weights())
    by_band = coverage_by_band(db.session, _weights(), _bands())
    return render_template(
        "priority/coverage.html",
        district_lines=[_district_line(r) for r in by_district],
        band_lines=[_band_line(r) for r in by_band],
        district_total=_line(_("All districts"), _total(by_district), None, "cov-dall"),
        band_total=_line(_("All bands"), _total(by_band), None, "cov-ball"),
        band_limits=_bands(),
        legend=_legend(),
    )


def _district_line(row: Coverage) -> CoverageLine:
    """A district's line, linked to the queue of that district."""
    href = url_for("priority.queue", district=row.district_id)
    return _line(row.name, row, href, f"cov-d{row.district_id}")


def _band_line(row: Coverage) -> CoverageLine:
    """A band's line, linked to the queue of that band."""
    href = url_for("priority.queue", band=row.key)
    return _line(_("Band %(band)s", band=row.key), row, href, f"cov-b{row.key}")


def _legend() -> list[tuple[Markup, str]]:
    return [
        (charts.swatch(COVERAGE_COLORS["current"]), _("With a current plan")),
        (charts.swatch(COVERAGE_COLORS["draft"]), _("Plan in progress")),
        (charts.swatch(COVERAGE_COLORS["none"]), _("No plan")),
    ]
