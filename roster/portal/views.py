"""The partner portal."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from .. import permissions
from ..decorators import require

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.get("/")
@require(permissions.can_use_portal)
def home() -> ResponseReturnValue:
    return render_template("portal/home.html")
