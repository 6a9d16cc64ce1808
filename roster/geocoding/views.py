"""The address-point page (staff): load points, see how people are placed, place them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from geo.address_points import PointFormatError, PointRead

from ..access.roles import can_manage_hazards
from ..decorators import require
from ..extensions import db
from .forms import GeocodeForm, PointsForm
from .operations import (
    CHOME_ATTRIBUTION,
    PointFileError,
    geocode_people,
    import_address_points,
    point_counts,
    precision_counts,
)

bp = Blueprint("geocoding", __name__, url_prefix="/address-points")

#: What a refused header looks like, in the user's language.
LOOKS_LIKE = {
    "registrants": _l("an export of registrants (氏名, 住所), not address points"),
    "shelters": _l("a shelter list, not address points"),
    "ids_only": _l(
        "an アドレス・ベース・レジストリ file of IDs only; load the 位置参照 file with 大字・町名, "
        "丁目名 and 代表点_緯度/経度"
    ),
    "unknown": _l(
        "none of 位置参照情報 街区, アドレス・ベース・レジストリ 住居/街区 or town,koaza,lat,lng"
    ),
}


@bp.route("/", methods=["GET", "POST"])
@require(can_manage_hazards)
def index() -> ResponseReturnValue:
    """Loaded points per level, people per precision, and an upload form for more points."""
    form = PointsForm()
    if form.validate_on_submit():
        read = _import(form)
        if read is not None:
            db.session.commit()
            flash(_("%(kept)s address points of the municipality were loaded from %(rows)s "
                    "rows (%(other)s of other municipalities left out). Place people at "
                    "their addresses to use them.",
                    kept=read.kept, rows=read.rows, other=read.other_city), "info")
            return redirect(url_for("geocoding.index"))
    return render_template(
        "geocoding/index.html",
        form=form,
        geocode=GeocodeForm(),
        points=point_counts(db.session),
        precisions=precision_counts(db.session),
        attribution=CHOME_ATTRIBUTION,
    ), (422 if form.errors else 200)


def _import(form: PointsForm) -> PointRead | None:
    """Read the upload from a private temporary folder; None, with the form's error, when it
    is refused (and then nothing is written)."""
    with tempfile.TemporaryDirectory(prefix="roster-points-") as folder:
        path = Path(folder) / "points.csv"
        form.file.data.save(path)
        try:
            return import_address_points(db.session, [path], actor=current_user)[0]
        except (PointFormatError, PointFileError, IntegrityError) as exc:
            reason = _refusal(exc)
    db.session.rollback()
    form.file.errors = [_("The file was refused, and nothing was saved: %(reason)s",
                          reason=reason)]
    return None


def _refusal(exc: PointFormatError | PointFileError | IntegrityError) -> str:
    """Why the file was refused, in the user's language."""
    if isinstance(exc, PointFormatError):
        return _("its header (%(columns)s) looks like %(what)s",
                 columns=exc.columns, what=LOOKS_LIKE[exc.looks_like])
    if isinstance(exc, PointFileError):
        lines = ", ".join(str(line) for line, _reason in exc.read.errors[:10])
        return _("%(n)s rows have no readable coordinates (lines %(lines)s)",
                 n=len(exc.read.errors), lines=lines)
    # Another member of staff loaded points of the same addresses at the same moment.
    return _("points of the same addresses were loaded by someone else at the same "
             "time; load the file again")


@bp.post("/geocode")
@require(can_manage_hazards)
def geocode() -> ResponseReturnValue:
    """Place people at their addresses (manual pins stay); flags and shelters follow."""
    form = GeocodeForm()
    if form.validate_on_submit():
        summary = geocode_people(
            db.session, only_approximate=bool(form.only_approximate.data), actor=current_user
        )
        db.session.commit()
        flash(_("%(n)s people were placed at their addresses; %(moved)s moved, and their "
                "hazard flags and shelters were recomputed. %(manual)s pins set on the map "
                "were kept.", n=sum(summary.precision.values()), moved=len(summary.moved),
                manual=summary.manual_kept), "info")
    return redirect(url_for("geocoding.index"))
