"""The API blueprint, defined once; views.py and safety.py attach their routes to it, and
views.py imports safety.py so that the app registers `bp` with every route attached."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from ..numbers import bounded_int

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error(status: int, message: str) -> ResponseReturnValue:
    return jsonify(error=message), status


def int_arg(name: str, default: int) -> int | None:
    # The API refuses a bad number (400) instead of ignoring it, so it reads the text itself.
    text = request.args.get(name, str(default))
    return bounded_int(text, low=0)


def paging() -> tuple[int, int] | None:
    """The page and page size the query string asks for, or None when they are bad."""
    page, per_page = int_arg("page", 1), int_arg("per_page", 100)
    limit = current_app.config["API_MAX_PER_PAGE"]
    if page is None or page < 1 or per_page is None or not 1 <= per_page <= limit:
        return None
    return page, per_page


def paging_error() -> ResponseReturnValue:
    limit = current_app.config["API_MAX_PER_PAGE"]
    return error(400, f"page must be >= 1 and per_page between 1 and {limit}")
