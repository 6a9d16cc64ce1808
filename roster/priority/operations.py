"""Assigning people in the queue to whoever makes their plan, and taking it back.

Each call checks everything first and changes nothing when anything is wrong (PriorityError
with the message to show). Every change is audited with IDs only.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import PlanTask, Role, User
from ..models.base import utcnow
from .queries import queue_ids

#: Most people one assignment may name (a page of the queue is far fewer).
MAX_SELECTED = 500


class PriorityError(ValueError):
    """The request cannot be carried out; the message says why. Nothing was changed."""


def active_staff(session: DbSession) -> list[User]:
    """Staff who can be given plans to make, by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.role == Role.STAFF, User.is_active_account.is_(True))
            .order_by(User.display_name, User.id)
        )
    )


def _checked_ids(ids: Sequence[int]) -> list[int]:
    chosen = sorted(set(ids))
    if not chosen:
        raise PriorityError(_("Select at least one person."))
    if len(chosen) > MAX_SELECTED:
        raise PriorityError(_("Select at most %(n)d people at a time.", n=MAX_SELECTED))
    return chosen


def assign(
    session: DbSession,
    actor: User,
    ids: Sequence[int],
    *,
    user_id: int | None = None,
    name: str = "",
) -> int:
    """Give these people's plans to a staff member (user_id) or to a care manager outside
    the system (name, e.g. 「ケアマネジャー 田中（〇〇居宅介護支援事業所）」); exactly one.
    Replaces an earlier assignment. Returns how many people were assigned."""
    chosen = _checked_ids(ids)
    name = name.strip()
    assignee = _assignee(session, user_id, name)
    _check_in_queue(session, chosen)
    _write_tasks(session, actor, chosen, assignee, name)
    _audit_assign(session, actor, chosen, assignee)
    session.flush()
    return len(chosen)


def _audit_assign(
    session: DbSession, actor: User, chosen: list[int], assignee: User | None
) -> None:
    """The assignment in the trail: the people's IDs and the staff member's, never a name."""
    detail: dict[str, object] = {"ids": chosen, "count": len(chosen)}
    if assignee is not None:
        detail["assignee_id"] = assignee.id
    else:
        # The care manager's name stays out of the trail, as every name does.
        detail["assignee"] = "named"
    record_event(session, "plan.assign", actor=actor, object_type="registrant", detail=detail)


def _assignee(session: DbSession, user_id: int | None, name: str) -> User | None:
    """The staff member to assign, or None for a named care manager; PriorityError unless
    exactly one of them is given, and given right."""
    if (user_id is None) == (not name):
        raise PriorityError(
            _("Choose either a staff member or a care manager's name and office, not both.")
            if user_id is not None
            else _("Choose a staff member, or type a care manager's name and office.")
        )
    assignee: User | None = None
    if user_id is not None:
        assignee = session.get(User, user_id)
        if assignee is None or assignee.role is not Role.STAFF or not assignee.is_active_account:
            raise PriorityError(_("That staff member does not exist or cannot be assigned."))
    if len(name) > 120:
        raise PriorityError(_("The name and office may be at most 120 characters."))
    return assignee


def _check_in_queue(session: DbSession, chosen: list[int]) -> None:
    missing = set(chosen) - queue_ids(session, chosen)
    if missing:
        raise PriorityError(
            _(
                "%(n)d of the selected people are not in the queue (they left the register or "
                "have a current plan). Reload the queue and select again.",
                n=len(missing),
            )
        )


def _write_tasks(
    session: DbSession, actor: User, chosen: list[int], assignee: User | None, name: str
) -> None:
    """Each person's task, new or replaced, given to the assignee or the named person."""
    existing = {
        t.registrant_id: t
        for t in session.scalars(select(PlanTask).where(PlanTask.registrant_id.in_(chosen)))
    }
    now = utcnow()
    for registrant_id in chosen:
        task = existing.get(registrant_id)
        if task is None:
            task = PlanTask(registrant_id=registrant_id)
            session.add(task)
        task.assignee_id = assignee.id if assignee else None
        task.assignee_name = "" if assignee else name
        task.assigned_at = now
        task.assigned_by_id = actor.id


def unassign(session: DbSession, actor: User, ids: Sequence[int]) -> int:
    """Take the assignment back from these people. Returns how many had one."""
    chosen = _checked_ids(ids)
    assigned = list(
        session.scalars(select(PlanTask.registrant_id).where(PlanTask.registrant_id.in_(chosen)))
    )
    if not assigned:
        raise PriorityError(_("None of the selected people is assigned to anyone."))
    session.execute(delete(PlanTask).where(PlanTask.registrant_id.in_(assigned)))
    record_event(
        session,
        "plan.unassign",
        actor=actor,
        object_type="registrant",
        detail={"ids": sorted(assigned), "count": len(assigned)},
    )
    session.flush()
    return len(assigned)
