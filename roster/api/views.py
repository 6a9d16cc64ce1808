from __future__ import annotations

from flask import Response, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import NotFound

from ..access.fetch import Person, person_or_404
from ..access.projection import to_json
from ..access.roles import can_view_register
from ..access.rule import Viewer
from ..disclosures import record_disclosure
from ..extensions import db
from ..registrants.queries import Page, register_page, strict_filter
from ..viewer import current_viewer
from .blueprint import bp, error, paging, paging_error
from .openapi import spec


@bp.get("/registrants")
def registrants() -> ResponseReturnValue:
    """A page of the registrants the caller may see, with only the fields they may see.

    Name search is not offered here: a search term would have to travel in the URL.
    """
    if not can_view_register(current_user):
        return error(403, "forbidden")
    viewer = current_viewer()
    asked = paging()
    if asked is None:
        return paging_error()
    page, per_page = asked
    try:
        flt = strict_filter(viewer, request.args)
    except ValueError as exc:
        return error(400, str(exc))
    result = register_page(db.session, viewer, flt, page, per_page)
    if page > result.pages and result.total:
        return error(404, "no such page")
    return _list_answer(viewer, result, page, per_page)


def _list_answer(viewer: Viewer, result: Page[Person], page: int, per_page: int) -> Response:
    """The page as JSON, logged as shown to the caller (and their token)."""
    items = [to_json(person) for person in result.rows]
    record_disclosure(
        db.session,
        viewer,
        "api.list",
        result.rows,
        detail={"total": result.total, "page": page, "token": g.get("api_token_id")},
    )
    db.session.commit()
    return jsonify(
        items=items,
        total=result.total,
        page=result.page,
        per_page=per_page,
        pages=result.pages,
    )


@bp.get("/registrants/<id:registrant_id>")
def registrant(registrant_id: int) -> ResponseReturnValue:
    """One registrant, if the caller may see them; 404 otherwise, as for an unknown ID."""
    if not can_view_register(current_user):
        return error(403, "forbidden")
    viewer = current_viewer()
    try:
        person = person_or_404(db.session, viewer, registrant_id)
    except NotFound:
        return error(404, "not found")
    body = to_json(person)
    record_disclosure(
        db.session,
        viewer,
        "api.view",
        [person],
        object_id=registrant_id,
        detail={"token": g.get("api_token_id")},
    )
    db.session.commit()
    return jsonify(body)


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(spec())


# The safety-confirmation routes attach themselves to bp.
from . import safety  # noqa: E402, F401
