"""The partners blueprint, defined once; the page modules beside it attach their routes to it.

Its pages are staff pages: views parse the request, call an operation, and render. Every
change is audited by the operation; pages that show people (a copy's list) log the disclosure.
"""

from __future__ import annotations

from flask import Blueprint

from ...access.rule import visible_districts
from ...extensions import db
from ...viewer import current_viewer

bp = Blueprint("partners", __name__, url_prefix="/partners")


def district_choices() -> list[tuple[int, str]]:
    """The districts staff may give an organisation or an agreement, as form choices."""
    return [(d.id, d.name) for d in visible_districts(db.session, current_viewer())]
