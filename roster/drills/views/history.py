"""Drill over drill (/drills/history): the finished drills' key figures side by side."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from ...decorators import require
from ...extensions import db
from ...viewer import current_viewer
from ..history import history
from ..measure import WITHIN_MINUTES
from .blueprint import bp
from .report import can_read_drills


@bp.get("/history")
@require(can_read_drills)
def history_page() -> ResponseReturnValue:
    """Every finished drill: people, shares reached, objectives met, findings, open actions."""
    config = current_app.config
    rows = history(db.session, current_viewer(), config["PLAN_PRIORITY_WEIGHTS"],
                   config["PLAN_PRIORITY_BANDS"])  # fmt: skip
    return render_template("drills/history.html", rows=rows, within_minutes=WITHIN_MINUTES)
