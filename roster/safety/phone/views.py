"""The partner's phone: the operations they take part in, and their people in one.

People come from roster.safety.operations.targets (the access rule and the operation's
area), as Persons projected to the agreement's fields; the list is logged as shown. The page
sends reports to the API (POST /api/v1/safety/operations/<id>/reports) from its own script,
which keeps them in the phone's IndexedDB until the API acknowledges them. The service
worker caches the page's script and styles only, never a page or an answer with people.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, Response, abort, g, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import or_, select

from ...access.fetch import Person
from ...access.roles import can_use_portal
from ...decorators import require
from ...disclosures import record_disclosure
from ...extensions import db
from ...models import EvacuationPlace, ReportMethod, SafetyStatus, Shelter
from ...viewer import current_viewer
from ...web import arg_int
from ..participation import (
    Listing,
    any_running_taken_part,
    latest_for,
    operation_taken_part,
    operations_taken_part,
    status_of,
)

bp = Blueprint("safety_phone", __name__, url_prefix="/portal/safety")

#: What a partner may report, in the order of the buttons (死亡 is for staff only).
PARTNER_STATUSES = (
    SafetyStatus.SAFE_HOME,
    SafetyStatus.EVACUATED,
    SafetyStatus.NEEDS_HELP,
    SafetyStatus.INJURED,
    SafetyStatus.UNREACHABLE,
)
#: The files the service worker keeps for the page to load without a connection.
SHELL = ("roster.css", "safety/phone.css", "safety/phone.js", "drills/drill.css")
#: How many shelters near a person's home the form offers first.
NEAR_SHELTERS = 5


@bp.get("/")
@require(can_use_portal)
def index() -> ResponseReturnValue:
    """The operations in which the rule gives the partner people, running ones first."""
    shares = operations_taken_part(db.session, current_viewer())
    shares.sort(key=lambda share: not share.operation.running)
    return render_template("safety/phone/index.html", shares=shares)


@bp.get("/<id:operation_id>")
@require(can_use_portal)
def operation(operation_id: int) -> ResponseReturnValue:
    """The partner's people in the operation as cards, a page at a time: the still
    unconfirmed first, each group in priority order (roster.safety.ranking)."""
    viewer = current_viewer()
    found = operation_taken_part(db.session, viewer, operation_id)
    if found is None:
        abort(404)
    listed = Listing.of(db.session, viewer, found, arg_int("page") or 1)
    reports = latest_for(db.session, found, [p.registrant_id for p in listed.people])
    cards = [(person, status_of(reports, person.registrant_id)) for person in listed.people]
    shelters = _shelters()
    record_disclosure(
        db.session,
        viewer,
        "safety.phone.list",
        listed.people,
        detail={"operation": found.id, "total": listed.total, "page": listed.page},
    )
    db.session.commit()
    return render_template(
        "safety/phone/operation.html",
        operation=found,
        cards=cards,
        listed=listed,
        unconfirmed=listed.total - listed.confirmed,
        statuses=PARTNER_STATUSES,
        places=list(EvacuationPlace),
        methods=list(ReportMethod),
        shelters=shelters,
        near={person.registrant_id: _near(person, shelters) for person, _status in cards},
    )


def _shelters() -> list[Any]:
    """The registry's shelters a person may go to (指定避難所 and 福祉避難所), by reading."""
    query = (
        select(Shelter.id, Shelter.name, Shelter.latitude, Shelter.longitude)
        .where(or_(Shelter.is_evacuation_shelter, Shelter.is_welfare_shelter))
        .order_by(Shelter.name_kana, Shelter.name, Shelter.id)
    )
    return list(db.session.execute(query))


def _near(person: Person, shelters: list[Any]) -> list[int]:
    """The shelters nearest the person's home, when the viewer may see where it is."""
    lat, lon = person.get("latitude"), person.get("longitude")
    if lat is None or lon is None:
        return []
    squeeze = math.cos(math.radians(lat))

    def distance(shelter: Any) -> float:
        return math.hypot(shelter.latitude - lat, (shelter.longitude - lon) * squeeze)

    return [shelter.id for shelter in sorted(shelters, key=distance)[:NEAR_SHELTERS]]


@bp.get("/sw.js")
@require(can_use_portal)
def service_worker() -> ResponseReturnValue:
    """The service worker, served from here so that its scope is /portal/safety/."""
    shell = [url_for("static", filename=name) for name in SHELL]
    body = render_template("safety/phone/sw.js", shell=shell)
    response = Response(body, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = url_for("safety_phone.index")
    return response


@bp.app_context_processor
def phone_link() -> dict[str, Any]:
    """For the partner portal's page: whether an operation gives the partner people now."""

    def safety_running() -> bool:
        if not can_use_portal(current_user):
            return False
        if "safety_running" not in g:  # asked by the menu and by the page: read once
            g.safety_running = any_running_taken_part(db.session, current_viewer())
        return bool(g.safety_running)

    return {"safety_running": safety_running}
