"""Refused requests in the trail: a role refused a page (403), the API wanted a sign-in
(401), or a form came without a valid CSRF token.

The event names who, the endpoint and its URL rule, the method and the address, never the
query string, the form or a path's values. A scan must not flood the trail, so per minute a
user (or, signed out, an address) leaves one event per endpoint and at most
`audit.refusals_per_minute` in all. The count comes from the trail itself, so every worker
of every server applies the same limit.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import DbSession, db
from ..models import AuditEvent, AuditHead
from ..models.base import utcnow
from .operations import client_address, record_event

ACTION = "request.refused"
WINDOW = timedelta(minutes=1)
#: Statuses that are refusals; the CSRF refusal is a 400 and is marked in `g` instead.
REFUSED_STATUSES = frozenset({401, 403})
#: Endpoints that audit their own 403 (a paused sign-in is logged as login.paused).
SELF_AUDITED = frozenset({"auth.login"})

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    app.after_request(audit_refusal)


def mark_csrf_refusal() -> None:
    """Called by the CSRF error handler: this 400 is a refusal too."""
    g.csrf_refused = True


def audit_refusal(response: Response) -> Response:
    """Record the refusal, if this response is one, and commit it: the request failed, but
    the trail keeps it. Refusals come before a view changes anything, so the commit holds
    the event alone."""
    reason = _reason(response.status_code)
    if reason is None or (reason != "csrf" and request.endpoint in SELF_AUDITED):
        return response
    try:
        if record_refusal(db.session, reason, response.status_code):
            db.session.commit()
    except SQLAlchemyError:
        # The answer stays a refusal; a busy database must not turn it into a 500.
        db.session.rollback()
        log.exception("refused request not recorded in the audit trail")
    return response


def _reason(status: int) -> str | None:
    if g.get("csrf_refused"):
        return "csrf"
    if status in REFUSED_STATUSES:
        return "sign_in" if status == 401 else "role"
    return None


def record_refusal(session: DbSession, reason: str, status: int) -> bool:
    """Append the event unless the limits say the trail has enough of these; True if it did."""
    endpoint = (request.endpoint or "-")[:40]
    who = _who()
    if not _room_for(session, who, endpoint):
        return False
    # Writers queue on the head row, so parallel refusals count each other before writing.
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq))
    if not _room_for(session, who, endpoint):
        return False
    user = current_user if current_user.is_authenticated else None
    record_event(
        session,
        ACTION,
        actor=user,
        object_type="endpoint",
        object_id=endpoint,
        detail=_detail(reason, status, session, who),
    )
    return True


def _who() -> ColumnElement[bool]:
    """The events of this user, or of this address when no one is signed in."""
    if current_user.is_authenticated:
        return AuditEvent.actor_id == current_user.id
    return (AuditEvent.actor_id.is_(None)) & (AuditEvent.ip_address == client_address())


def _recent(who: ColumnElement[bool]) -> Select[int]:
    """Count this user's (or address's) refusals recorded in the last minute."""
    return select(func.count(AuditEvent.id)).where(
        AuditEvent.action == ACTION, AuditEvent.occurred_at >= utcnow() - WINDOW, who
    )


def _room_for(session: DbSession, who: ColumnElement[bool], endpoint: str) -> bool:
    recent = _recent(who)
    same_page = session.scalar(recent.where(AuditEvent.object_id == endpoint)) or 0
    if same_page:
        return False
    return (session.scalar(recent) or 0) < current_app.config["AUDIT_REFUSALS_PER_MINUTE"]


def _detail(
    reason: str, status: int, session: DbSession, who: ColumnElement[bool]
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "reason": reason,
        "status": status,
        "method": request.method,
        "rule": request.url_rule.rule if request.url_rule else None,
    }
    # The event that fills the minute's quota says so: refusals after it are not recorded.
    recorded = session.scalar(_recent(who)) or 0
    if recorded + 1 >= current_app.config["AUDIT_REFUSALS_PER_MINUTE"]:
        detail["limit_reached"] = True
    return detail
