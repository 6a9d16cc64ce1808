"""The board's lists of people: those who need help now, and those of high priority still
not confirmed or not reached once the operation has run long enough to escalate them.

Both start from targets_query(viewer, operation) with the latest report joined
(roster.safety.progress.with_latest) and load people through roster.access.fetch.people, so
a list holds the people the rule gives the viewer and the fields it shows them; the caller
logs them with record_disclosure. The priority is the plan queue's score
(roster.priority.queries.score_expression), computed in SQL; the escalation list holds band
A only, highest score first. Each list is capped (LIMIT) and comes with its full count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, selectinload

from ..access.fetch import Person, people
from ..access.rule import Viewer
from ..extensions import DbSession
from ..models import (
    Organisation,
    Plan,
    Registrant,
    RegistrantHazard,
    SafetyOperation,
    SafetyReport,
    SafetyStatus,
)
from ..models.safety import SafetyHandoff
from ..priority.queries import dialect_of, score_expression
from ..priority.scoring import Bands
from .operations import targets_query
from .progress import NEEDS_HELP, status_column, with_latest

#: The most people a list shows; the count says how many there are in all.
LIMIT = 200
#: Statuses that escalate once the operation is old enough.
NOT_REACHED = (SafetyStatus.UNCONFIRMED, SafetyStatus.UNREACHABLE)


@dataclass(frozen=True)
class Listed:
    """One person on a list: as the viewer may see them, their latest report (if any), the
    priority score, and the latest hand-off (escalation list)."""

    person: Person
    report: SafetyReport | None
    score: int | None = None
    handoff: SafetyHandoff | None = None


@dataclass(frozen=True)
class PeopleList:
    rows: list[Listed]
    count: int

    @property
    def people(self) -> list[Person]:
        return [row.person for row in self.rows]


def count_of(session: DbSession, query: Select[Any]) -> int:
    """How many rows the query selects."""
    return int(session.scalar(query.order_by(None).with_only_columns(func.count())) or 0)


def needs_help(session: DbSession, viewer: Viewer, operation: SafetyOperation) -> PeopleList:
    """People whose latest report says they need help now or are injured, the longest
    waiting first."""
    query, latest = with_latest(targets_query(viewer, operation), operation)
    query = query.where(status_column(latest).in_([s.value for s in NEEDS_HELP]))
    shown = people(session, viewer, query.order_by(latest.reported_at, Registrant.id).limit(LIMIT))
    reports = latest_of(session, operation, [p.registrant_id for p in shown])
    rows = [Listed(p, reports.get(p.registrant_id)) for p in shown]
    return PeopleList(rows, count_of(session, query))


def escalation(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    weights: Mapping[str, int],
    bands: Bands,
) -> PeopleList:
    """People of priority band A still not confirmed or not reached, highest score first.
    The caller decides whether the operation has run long enough to show them."""
    query, latest = with_latest(targets_query(viewer, operation), operation)
    score = score_expression(weights, dialect_of(session))
    query = (
        query.outerjoin(RegistrantHazard, RegistrantHazard.registrant_id == Registrant.id)
        .outerjoin(Plan, Plan.registrant_id == Registrant.id)
        .where(status_column(latest).in_([s.value for s in NOT_REACHED]), score >= bands.a)
    )
    shown = people(session, viewer, query.order_by(score.desc(), Registrant.id).limit(LIMIT))
    ids = [p.registrant_id for p in shown]
    scores = dict(
        session.execute(
            query.with_only_columns(Registrant.id, score).where(Registrant.id.in_(ids))
        ).all()
    )
    reports = latest_of(session, operation, ids)
    handoffs = latest_handoffs(session, operation, ids)
    rows = [
        Listed(p, reports.get(p.registrant_id), scores.get(p.registrant_id), handoffs.get(p.id))
        for p in shown
    ]
    return PeopleList(rows, count_of(session, query))


#: People per query when reading reports by person: PostgreSQL takes at most 65,535 bound
#: parameters, and an export names every person of the operation.
CHUNK = 5000


def latest_of(
    session: DbSession, operation: SafetyOperation, ids: list[int]
) -> dict[int, SafetyReport]:
    """The latest report on each of these people, with its reporter."""
    found: dict[int, SafetyReport] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        query = (
            select(SafetyReport)
            .where(SafetyReport.operation_id == operation.id)
            .where(SafetyReport.registrant_id.in_(chunk))
            .where(SafetyReport.id == _latest_id_of_the_row(operation))
            .options(selectinload(SafetyReport.reported_by))
        )
        found.update({r.registrant_id: r for r in session.scalars(query)})
    return found


def _latest_id_of_the_row(operation: SafetyOperation) -> Any:
    """The latest report ID on the person of the enclosing SafetyReport row (index seek)."""
    other = aliased(SafetyReport)
    return (
        select(func.max(other.id))
        .where(other.operation_id == operation.id)
        .where(other.registrant_id == SafetyReport.registrant_id)
        .correlate(SafetyReport)
        .scalar_subquery()
    )


def latest_handoffs(
    session: DbSession, operation: SafetyOperation, ids: list[int]
) -> dict[int, SafetyHandoff]:
    """The latest hand-off of each of these people in the operation."""
    if not ids:
        return {}
    newest = (
        select(func.max(SafetyHandoff.id))
        .where(SafetyHandoff.operation_id == operation.id, SafetyHandoff.registrant_id.in_(ids))
        .group_by(SafetyHandoff.registrant_id)
    )
    query = select(SafetyHandoff).where(SafetyHandoff.id.in_(newest))
    return {h.registrant_id: h for h in session.scalars(query)}


def organisation_names(session: DbSession, reports: list[SafetyReport | None]) -> dict[int, str]:
    """Organisation ID -> name, for the organisations that made these reports."""
    ids = {r.organisation_id for r in reports if r is not None and r.organisation_id}
    if not ids:
        return {}
    query = select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    return dict(session.execute(query).all())


def escalation_due(operation: SafetyOperation, now: datetime, minutes: int) -> bool:
    """Whether the operation has run long enough for the escalation list."""
    return (now - operation.started_at).total_seconds() >= minutes * 60
