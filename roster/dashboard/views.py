"""The consent dashboard: coverage by district, the 要確認 backlog, and (later) mailing rounds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from ..access.roles import can_view_dashboard
from ..audit.operations import record_event
from ..decorators import require
from ..extensions import db
from ..geocoding.operations import precision_counts
from ..i18n import local_today
from ..labels import label
from ..models import ConsentState, RegistrantStatus
from ..viewer import current_viewer
from . import charts
from .queries import (
    STATE_ORDER,
    CoverageRow,
    consent_coverage,
    oldest_due,
    reverify_cutoff,
    reverify_due_count,
    round_rates,
)

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

#: Bar colours by consent state: greens share, red and purple do not, grey is not asked yet.
#: Chosen to stay apart in lightness for colour-blind readers; the table gives the numbers.
STATE_COLORS: dict[ConsentState, str] = {
    ConsentState.CONSENTED: "#1e7b34",
    ConsentState.PRESUMED: "#74c476",
    ConsentState.REFUSED: "#d55e00",
    ConsentState.WITHDRAWN: "#cc79a7",
    ConsentState.UNCONFIRMED: "#c4c9cf",
}
BAR_WIDTH, BAR_HEIGHT = 240, 18


@dataclass
class Cell:
    """One consent state's figure in a row of the coverage table."""

    state: ConsentState
    count: int
    percent: str
    href: str


@dataclass
class Line:
    """One row of the coverage table: a district, or the total (district_id None)."""

    district_id: int | None
    name: str
    href: str
    cells: list[Cell]
    total: int
    bar: Markup


def percent(share: float) -> str:
    return format_percent(share, "#,##0.0%")


def _line(row: CoverageRow) -> Line:
    district_id = row.district.id if row.district else None
    args: dict[str, Any] = {"status": RegistrantStatus.ACTIVE.value}
    if district_id is not None:
        args["district"] = district_id
    if row.district is not None:
        name, title = row.district.name, _("Consent in %(district)s", district=row.district.name)
    else:
        name, title = _("Total"), _("Consent in all districts")
    cells = [
        Cell(
            state,
            row.counts[state],
            percent(row.share(state)),
            url_for("registrants.index", consent=state.value, **args),
        )
        for state in STATE_ORDER
    ]
    segments = [
        charts.Segment(
            _(
                "%(state)s: %(count)s (%(percent)s)",
                state=label(c.state),
                count=f"{c.count:,}",
                percent=c.percent,
            ),
            c.count,
            STATE_COLORS[c.state],
        )
        for c in cells
    ]
    bar = charts.stacked_bar(
        segments,
        BAR_WIDTH,
        BAR_HEIGHT,
        title=title,
        desc=None if row.total else _("No one on the register here."),
        ident=f"coverage-{district_id if district_id is not None else 'total'}",
    )
    return Line(district_id, name, url_for("registrants.index", **args), cells, row.total, bar)


@bp.get("/")
@require(can_view_dashboard)
def index() -> ResponseReturnValue:
    """Consent coverage by district, who is due for review (要確認), and how precisely
    people are placed."""
    today = local_today()
    months = int(current_app.config.get("REVERIFY_MONTHS", 12))
    coverage = consent_coverage(db.session)
    due_total = reverify_due_count(db.session, today, months)
    due = oldest_due(db.session, current_viewer(), today, months)
    # The backlog names people: record the view like any list of the register.
    record_event(
        db.session,
        "registrant.list",
        actor=current_user,
        object_type="registrant",
        detail={"ids": [r.registrant_id for r in due], "total": due_total, "view": "dashboard"},
    )
    db.session.commit()
    return render_template(
        "dashboard/index.html",
        today=today,
        legend=[(s, charts.swatch(STATE_COLORS[s])) for s in STATE_ORDER],
        lines=[_line(row) for row in coverage.rows],
        total=_line(coverage.total),
        months=months,
        cutoff=reverify_cutoff(today, months),
        due_total=due_total,
        due=due,
        rates=round_rates(db.session),
        precisions=precision_counts(db.session),
        percent=percent,
    )
