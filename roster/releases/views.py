"""Declaring, renewing and ending a disaster-time release, its report, and the banner that
tells everyone signed in that one is running."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from ..access.roles import can_declare_release, can_view_releases, has_role
from ..access.rule import running_releases
from ..decorators import require
from ..disclosures import record_disclosure
from ..exports import CSV_TYPE, download
from ..extensions import db
from ..models import DisasterRelease, Role
from ..models.base import utcnow
from ..registrants.queries import Page, districts
from ..viewer import current_viewer
from ..web import arg_int, get_or_404
from . import report
from .forms import DeclareForm, RenewForm
from .operations import (
    ReleaseRefused,
    ReleaseState,
    declare_release,
    end_release,
    renew_release,
    state,
)

bp = Blueprint("releases", __name__, url_prefix="/releases")


def _max_days() -> int:
    return int(current_app.config["RELEASE_MAX_DAYS"])


@bp.get("/")
@require(can_view_releases)
def index() -> ResponseReturnValue:
    """Running releases first, then those scheduled, then past ones."""
    now = utcnow()
    releases = _all_releases()
    groups = _by_state(releases, now)
    return render_template(
        "releases/index.html",
        running=groups[ReleaseState.RUNNING],
        scheduled=sorted(groups[ReleaseState.SCHEDULED], key=lambda r: r.starts_at),
        past=groups[ReleaseState.ENDED],
        counts=report.counts(db.session, (r.id for r in releases)),
        now=now,
    )


def _all_releases() -> Sequence[DisasterRelease]:
    """Every release, the latest start first, with its districts and who declared and ended it."""
    return db.session.scalars(
        select(DisasterRelease)
        .options(
            selectinload(DisasterRelease.districts),
            selectinload(DisasterRelease.declared_by),
            selectinload(DisasterRelease.ended_by),
        )
        .order_by(DisasterRelease.starts_at.desc(), DisasterRelease.id.desc())
    ).all()


def _by_state(
    releases: Sequence[DisasterRelease], now: datetime
) -> dict[ReleaseState, list[DisasterRelease]]:
    groups: dict[ReleaseState, list[DisasterRelease]] = {s: [] for s in ReleaseState}
    for release in releases:
        groups[state(release, now)].append(release)
    return groups


@bp.route("/new", methods=["GET", "POST"])
@require(can_declare_release)
def new() -> ResponseReturnValue:
    """Declare a release: the disaster, the districts, the time it runs and its legal basis."""
    now = utcnow()
    form = _declare_form(now)
    if form.validate_on_submit():
        try:
            release = declare_release(
                db.session, current_user, form.declaration(), now=now, max_days=_max_days()
            )
        except ReleaseRefused:  # the form checks the same; a race with the clock lands here
            form.ends_at.errors = [_("Check the start and the end again.")]
        else:
            db.session.commit()
            flash(_("The release was declared."), "info")
            return redirect(url_for("releases.detail", release_id=release.id))
    return render_template(
        "releases/new.html", form=form, max_days=_max_days()
    ), 422 if form.errors else 200


def _declare_form(now: datetime) -> DeclareForm:
    """The declaration form over the register's districts, starting this minute."""
    return DeclareForm(
        district_choices=[(d.id, d.name) for d in districts(db.session)],
        now=now,
        max_days=_max_days(),
        data={"starts_at": _minute(now)},
    )


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _renew_form(release: DisasterRelease, now: datetime, **kwargs: Any) -> RenewForm:
    """The renewal form, offering the latest end allowed."""
    return RenewForm(
        current_end=release.ends_at,
        now=now,
        max_days=_max_days(),
        data={"ends_at": _minute(now + timedelta(days=_max_days()))},
        **kwargs,
    )


def _detail(
    release: DisasterRelease,
    renew_form: RenewForm | None = None,
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The release and its report: who saw how many people, and every access, a page at a
    time. The page shows names, so it is logged like every other list of people."""
    now = utcnow()
    page_no = arg_int("page", 1)
    accesses = report.access_page(
        db.session,
        release.id,
        page_no,
        current_app.config["PAGE_SIZE"],
        current_viewer(),
    )
    _log_viewing(release, accesses)
    db.session.commit()
    return _detail_page(release, now, accesses, renew_form, error), status


def _log_viewing(release: DisasterRelease, accesses: Page[report.AccessRow]) -> None:
    """Log the people the page of the report names, as every list of people is."""
    record_disclosure(
        db.session,
        current_viewer(),
        "release.view",
        report.people(accesses.rows),
        detail={"release": release.id, "page": accesses.page},
    )


def _detail_page(
    release: DisasterRelease,
    now: datetime,
    accesses: Page[report.AccessRow],
    renew_form: RenewForm | None,
    error: str | None,
) -> str:
    """The release's page around a page of its report; staff who may change it get the
    renewal form."""
    current = state(release, now)
    may_change = can_declare_release(current_user) and current is not ReleaseState.ENDED
    if may_change and renew_form is None:
        renew_form = _renew_form(release, now, formdata=None)
    return render_template(
        "releases/detail.html",
        release=release,
        state=current,
        summary=report.summary(db.session, release.id),
        accesses=accesses,
        renew_form=renew_form if may_change else None,
        may_change=may_change,
        error=error,
        max_days=_max_days(),
        pager_args=MultiDict({"release_id": release.id}),
    )


@bp.get("/<id:release_id>")
@require(can_view_releases)
def detail(release_id: int) -> ResponseReturnValue:
    return _detail(get_or_404(DisasterRelease, release_id))


@bp.post("/<id:release_id>/renew")
@require(can_declare_release)
def renew(release_id: int) -> ResponseReturnValue:
    """Push the end time back, at most release.max_days from now."""
    release = get_or_404(DisasterRelease, release_id)
    now = utcnow()
    if state(release, now) is ReleaseState.ENDED:
        return _detail(release, error=_("This release has ended: declare a new one."), status=409)
    form = _renew_form(release, now)
    if not form.validate_on_submit():
        return _detail(release, renew_form=form, status=422)
    assert form.ends_at.data is not None
    try:
        renew_release(
            db.session, current_user, release, form.ends_at.data, now=now, max_days=_max_days()
        )
    except ReleaseRefused:
        db.session.rollback()
        return _detail(release, error=_("The release could not be renewed."), status=409)
    db.session.commit()
    flash(_("The release was renewed."), "info")
    return redirect(url_for("releases.detail", release_id=release.id))


@bp.post("/<id:release_id>/end")
@require(can_declare_release)
def end(release_id: int) -> ResponseReturnValue:
    """End the release now: partners see only people whose consent admits them again."""
    release = get_or_404(DisasterRelease, release_id)
    try:
        end_release(db.session, current_user, release, now=utcnow())
    except ReleaseRefused:
        return _detail(release, error=_("This release has already ended."), status=409)
    db.session.commit()
    flash(_("The release was ended. Normal rules apply again."), "info")
    return redirect(url_for("releases.detail", release_id=release.id))


@bp.get("/<id:release_id>/report.csv")
@require(can_view_releases)
def report_csv(release_id: int) -> ResponseReturnValue:
    """Every access under the release as CSV, with names: staff only, and audited."""
    release = get_or_404(DisasterRelease, release_id)
    rows = report.all_accesses(db.session, release.id, current_viewer())
    body = report.report_csv(rows)
    record_disclosure(
        db.session,
        current_viewer(),
        "release.report",
        report.people(rows),
        detail={"release": release.id, "rows": len(rows)},
    )
    db.session.commit()
    return _csv_response(body, f"release-{release.id}-report.csv")


def _csv_response(body: str, filename: str) -> Response:
    """A CSV download that no cache keeps."""
    return download(body, filename, CSV_TYPE)


# ---------------------------------------------------------------------------------------------
# The banner on every page.
# ---------------------------------------------------------------------------------------------


def _banner() -> dict[str, Any] | None:
    """What the banner says for this request's user, worked out once and only when a page
    shows it: a partner's running releases, or for staff every running release."""
    if "release_banner" in g:
        return g.release_banner  # type: ignore[no-any-return]
    banner: dict[str, Any] | None = None
    if has_role(current_user, Role.PARTNER):
        access = current_viewer().access
        if access is not None and access.under_release:
            # The viewer has just loaded these releases: the identity map answers.
            ids = sorted(set(access.released.values()))
            found = [db.session.get(DisasterRelease, i) for i in ids]
            banner = {"partner": True, "releases": [r for r in found if r is not None]}
    elif can_view_releases(current_user):
        running = running_releases(db.session)
        if running:
            banner = {"partner": False, "releases": running}
    g.release_banner = banner
    return banner


@bp.app_context_processor
def release_banner_context() -> dict[str, Callable[[], dict[str, Any] | None]]:
    """Offer the banner to signed-in partners and staff; nobody else gets a query."""
    if not getattr(current_user, "is_authenticated", False):
        return {}
    if not has_role(current_user, Role.PARTNER, Role.STAFF):
        return {}
    return {"release_banner": _banner}
