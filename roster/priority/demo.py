"""Demo assignments: some of the people at the head of the queue already have someone
making their plan, a staff member or a fictional care manager; the rest wait."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import current_app, has_app_context

from ..extensions import DbSession
from ..models import PlanTask, User
from ..models.base import utcnow
from .queue import top_of_queue
from .scoring import DEFAULT_WEIGHTS

#: Fictional care managers and 相談支援専門員, by name and office.
DEMO_CARE_MANAGERS = (
    "ケアマネジャー 田中（デモ居宅介護支援事業所）",
    "ケアマネジャー 佐藤（デモ訪問看護ステーション）",
    "相談支援専門員 鈴木（デモ相談支援センター）",
)
#: How many of the queue's head are looked at, and how many go to each kind of assignee.
HEAD, TO_STAFF, TO_CARE_MANAGERS = 40, 10, 14


def add_demo_tasks(
    session: DbSession,
    staff_user: User,
    rng: random.Random,
    weights: Mapping[str, int] | None = None,
) -> int:
    """Assign some of the highest-priority people without a current plan: TO_STAFF to
    `staff_user`, TO_CARE_MANAGERS to fictional care managers, chosen at random among the
    first HEAD; the others stay unassigned. Returns how many were assigned.

    Call it after the demo's people, hazard flags and plans exist."""
    if weights is None:
        weights = _configured_weights()
    head = top_of_queue(session, weights, HEAD)
    chosen = rng.sample(head, min(len(head), TO_STAFF + TO_CARE_MANAGERS))
    now = utcnow()
    for n, registrant_id in enumerate(chosen):
        session.add(_demo_task(registrant_id, n < TO_STAFF, staff_user, rng, now))
    session.flush()
    return len(chosen)


def _configured_weights() -> Mapping[str, int]:
    """The app's weights inside an app context, else the defaults."""
    if not has_app_context():
        return DEFAULT_WEIGHTS
    weights: Mapping[str, int] = current_app.config.get("PLAN_PRIORITY_WEIGHTS", DEFAULT_WEIGHTS)
    return weights


def _demo_task(
    registrant_id: int, to_staff: bool, staff_user: User, rng: random.Random, now: datetime
) -> PlanTask:
    """A task given to the staff member or to a fictional care manager, days to weeks ago."""
    return PlanTask(
        registrant_id=registrant_id,
        assignee_id=staff_user.id if to_staff else None,
        assignee_name="" if to_staff else rng.choice(DEMO_CARE_MANAGERS),
        assigned_at=now - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 8)),
        assigned_by_id=staff_user.id,
    )
