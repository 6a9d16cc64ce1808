"""The order in which an operation's people are confirmed: the plan queue's priority.

The people most at risk come first -- hazard at home, a ventilator, bedridden, living alone,
no supporter -- scored by the same weights and in the same SQL as the plan queue
(roster.priority.queries.score_expression), so a 民生委員's phone, a district's paper sheet and
the staff board list people in the same order. Ties go by district, reading and register
number. ranked() adds each person's band and reasons, from the queue's reference function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from ..access.fetch import Person
from ..access.rule import Viewer
from ..extensions import DbSession
from ..models import Plan, Registrant, RegistrantHazard
from ..priority.queries import dialect_of, people, score_expression
from ..priority.scoring import DEFAULT_WEIGHTS, Bands


@dataclass(frozen=True)
class Priority:
    """The weights and bands the plan queue is configured with."""

    weights: Mapping[str, int]
    bands: Bands


def configured() -> Priority:
    """The app's configured weights and bands; the defaults outside an app."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return Priority(DEFAULT_WEIGHTS, Bands())
    config = current_app.config
    return Priority(
        config.get("PLAN_PRIORITY_WEIGHTS", DEFAULT_WEIGHTS),
        config.get("PLAN_PRIORITY_BANDS", Bands()),
    )


def by_priority(
    session: DbSession,
    query: Select[Registrant],
    priority: Priority | None = None,
    *first: Any,
) -> Select[Registrant]:
    """`query` (people, built on visible_registrants) highest score first; the `first`
    orderings, if any, before the score (e.g. the unconfirmed before the confirmed)."""
    weights = (priority or configured()).weights
    score = score_expression(weights, dialect_of(session))
    return (
        query.outerjoin(RegistrantHazard, RegistrantHazard.registrant_id == Registrant.id)
        .outerjoin(Plan, Plan.registrant_id == Registrant.id)
        .order_by(
            *first, score.desc(), Registrant.district_id, Registrant.name_kana, Registrant.id
        )
    )


@dataclass
class Target:
    """One person of an operation as the viewer sees them, with why they come where they do."""

    person: Person
    score: int
    band: str
    #: (reason code, points), as the plan queue lists them.
    reasons: list[tuple[str, int]]


def ranked(
    session: DbSession, viewer: Viewer, persons: list[Person], priority: Priority | None = None
) -> list[Target]:
    """The persons (already in order) with their score, band and reasons."""
    priority = priority or configured()
    ids = [p.registrant_id for p in persons]
    rows = people(session, ids, priority.weights, priority.bands)
    return [
        Target(person, row.score, row.band, row.reasons)
        for person, row in zip(persons, rows, strict=True)
    ]
