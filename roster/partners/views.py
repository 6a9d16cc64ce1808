"""Staff pages for partner organisations, their agreements, ledger and API tokens."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from .. import permissions
from ..decorators import require

bp = Blueprint("partners", __name__, url_prefix="/partners")


@bp.get("/")
@require(permissions.can_manage_partners)
def index() -> ResponseReturnValue:
    return render_template("partners/index.html")
