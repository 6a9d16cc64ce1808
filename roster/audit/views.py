from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, func, select

from ..access.roles import can_view_audit
from ..decorators import require
from ..extensions import db
from ..models import AuditEvent
from ..registrants.queries import Page
from ..web import arg_int
from .words import detail_lines, object_label

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

PER_PAGE = 100


@bp.get("/")
@require(can_view_audit)
def index() -> ResponseReturnValue:
    """The audit trail, newest first, filterable by action and user name."""
    action = request.args.get("action", "")
    actor = request.args.get("actor", "")
    registrant = arg_int("registrant")
    where = _conditions(action, actor, registrant)
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*where)) or 0
    page = arg_int("page", 1)
    events = _events(where, page)
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    return render_template(
        "audit/index.html",
        events=events,
        total=total,
        page_obj=Page(list(events), total, page, PER_PAGE),
        actions=list(actions),
        action=action,
        actor=actor,
        registrant=registrant,
        object_label=object_label,
        detail_lines=detail_lines,
    )


def _conditions(action: str, actor: str, registrant: int | None) -> list[ColumnElement[bool]]:
    """The filters chosen: events about one person, of one action, by one user name."""
    where: list[ColumnElement[bool]] = []
    if registrant:
        where += [AuditEvent.object_type == "registrant", AuditEvent.object_id == str(registrant)]
    if action:
        where.append(AuditEvent.action == action)
    if actor:
        where.append(AuditEvent.actor_name == actor)
    return where


def _events(where: list[ColumnElement[bool]], page: int) -> list[AuditEvent]:
    """One page of the filtered events, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.seq.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
