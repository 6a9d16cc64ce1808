"""Corrective actions of the improvement plan: made, edited and marked done, each audited.

An action belongs to a drill's scenario; the list of every drill's actions shows the open
ones first, by due date, and marks those past their due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, select

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models.drills import ActionStatus, CorrectiveAction, DrillScenario
from ..versioning import check_version

#: The list's filters, by the value of ?status=.
FILTERS = ("open", "done", "all")
FIELDS = ("title", "owner", "due_on", "status", "done_on", "note")


@dataclass(frozen=True)
class ActionRow:
    action: CorrectiveAction
    scenario: DrillScenario
    overdue: bool


def is_overdue(action: CorrectiveAction, today: date) -> bool:
    return action.status is ActionStatus.OPEN and action.due_on < today


def action_rows(session: DbSession, status: str, today: date) -> list[ActionRow]:
    """Every drill's actions: open first, then by due date; only open or done if asked."""
    query = (
        select(CorrectiveAction, DrillScenario)
        .join(DrillScenario, DrillScenario.id == CorrectiveAction.scenario_id)
        .order_by(
            case((CorrectiveAction.status == ActionStatus.OPEN, 0), else_=1),
            CorrectiveAction.due_on,
            CorrectiveAction.id,
        )
    )
    if status in ("open", "done"):
        query = query.where(CorrectiveAction.status == ActionStatus(status))
    return [ActionRow(a, s, is_overdue(a, today)) for a, s in session.execute(query)]


def create_action(
    session: DbSession, user: Any, scenario: DrillScenario, values: dict[str, Any]
) -> CorrectiveAction:
    """A new action of the scenario's improvement plan, audited."""
    action = CorrectiveAction(scenario=scenario, created_by_id=user.id, **values)
    session.add(action)
    session.flush()
    _audit(session, "drills.action.create", user, action, sorted(values))
    return action


def update_action(
    session: DbSession,
    user: Any,
    action: CorrectiveAction,
    values: dict[str, Any],
    version: int | None,
) -> bool:
    """Store an edit built on `version` (refused if stale), audited; whether it changed."""
    check_version(action, version)
    changed = [name for name in FIELDS if getattr(action, name) != values[name]]
    for name in changed:
        setattr(action, name, values[name])
    if changed:
        _audit(session, "drills.action.edit", user, action, changed)
    return bool(changed)


def _audit(
    session: DbSession, what: str, user: Any, action: CorrectiveAction, fields: list[str]
) -> None:
    record_event(
        session,
        what,
        actor=user,
        object_type="corrective_action",
        object_id=action.id,
        detail={"scenario": action.scenario_id, "fields": fields, "status": action.status.value},
    )
