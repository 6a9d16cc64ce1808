"""Declaring, renewing and ending a disaster-time release, and its report."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from .. import permissions
from ..decorators import require

bp = Blueprint("releases", __name__, url_prefix="/releases")


@bp.get("/")
@require(permissions.can_view_releases)
def index() -> ResponseReturnValue:
    return render_template("releases/index.html")
