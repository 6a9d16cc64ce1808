"""Which operations a viewer takes part in, how many of their people are still to confirm, and
the latest report on each person of a page.

Who a viewer's people are is roster.safety.operations.targets_query's answer (the access rule
and the operation's area); this module only counts and pages that query and reads reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, func, select

from ..access.fetch import Person, people
from ..access.rule import Viewer
from ..extensions import DbSession
from ..models import (
    OperationKind,
    Registrant,
    Role,
    SafetyOperation,
    SafetyReport,
    SafetyStatus,
)
from .operations import targets_query
from .ranking import by_priority


@dataclass(frozen=True)
class Taking:
    """An operation as one viewer takes part in it: how many of their people, how many of
    them still unconfirmed."""

    operation: SafetyOperation
    people: int
    unconfirmed: int

    @property
    def drill(self) -> bool:
        return self.operation.kind is OperationKind.DRILL


def _confirmed_ids(operation: SafetyOperation) -> Select[Any]:
    """The people whose latest report in the operation says anything but 未確認."""
    latest = (
        select(func.max(SafetyReport.id))
        .where(SafetyReport.operation_id == operation.id)
        .group_by(SafetyReport.registrant_id)
    )
    return select(SafetyReport.registrant_id).where(
        SafetyReport.id.in_(latest), SafetyReport.status != SafetyStatus.UNCONFIRMED
    )


def _count(session: DbSession, query: Select[Registrant]) -> int:
    counted = query.with_only_columns(func.count()).select_from(Registrant).order_by(None)
    return int(session.scalar(counted) or 0)


def taking_part(session: DbSession, viewer: Viewer, operation: SafetyOperation) -> Taking:
    """The viewer's share of one operation."""
    mine = targets_query(viewer, operation)
    total = _count(session, mine)
    if not total:
        return Taking(operation, 0, 0)
    open_ = _count(session, mine.where(Registrant.id.not_in(_confirmed_ids(operation))))
    return Taking(operation, total, open_)


def operations_taken_part(session: DbSession, viewer: Viewer) -> list[Taking]:
    """The operations the viewer takes part in, newest first: staff and planners every
    operation; a partner those in which the rule gives them at least one person."""
    if not viewer.is_(Role.STAFF, Role.PARTNER, Role.PLANNER):
        return []
    query = select(SafetyOperation).order_by(SafetyOperation.started_at.desc())
    shares = [taking_part(session, viewer, op) for op in session.scalars(query)]
    if viewer.is_(Role.PARTNER):
        return [share for share in shares if share.people]
    return shares


def any_running_taken_part(session: DbSession, viewer: Viewer) -> bool:
    """Whether a running operation gives the viewer anyone now: the first person found
    answers, however many there are (the portal's link to safety confirmation)."""
    if not viewer.is_(Role.STAFF, Role.PARTNER, Role.PLANNER):
        return False
    running = session.scalars(
        select(SafetyOperation)
        .where(SafetyOperation.ended_at.is_(None))
        .order_by(SafetyOperation.started_at.desc())
    )
    for operation in running:
        if not viewer.is_(Role.PARTNER):
            return True
        if session.scalar(select(targets_query(viewer, operation).exists())):
            return True
    return False


def operation_taken_part(
    session: DbSession, viewer: Viewer, operation_id: int
) -> SafetyOperation | None:
    """The operation, if it exists and the viewer takes part in it; None otherwise."""
    operation = session.get(SafetyOperation, operation_id)
    if operation is None or not viewer.is_(Role.STAFF, Role.PARTNER, Role.PLANNER):
        return None
    if viewer.is_(Role.PARTNER) and not _count(session, targets_query(viewer, operation)):
        return None
    return operation


@dataclass(frozen=True)
class PeoplePage:
    rows: list[Person]
    total: int
    page: int
    pages: int


def people_page(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, page: int, per_page: int
) -> PeoplePage:
    """One page of the viewer's people in the operation, by district, reading and number."""
    query = targets_query(viewer, operation)
    total = _count(session, query)
    ordered = query.order_by(Registrant.district_id, Registrant.name_kana, Registrant.id)
    rows = people(session, viewer, ordered.limit(per_page).offset((page - 1) * per_page))
    return PeoplePage(rows, total, page, max(1, -(-total // per_page)))


def latest_for(
    session: DbSession, operation: SafetyOperation, registrant_ids: Iterable[int]
) -> dict[int, SafetyReport]:
    """The latest report in the operation on each of these people (those with any)."""
    ids = sorted(set(registrant_ids))
    if not ids:
        return {}
    latest = (
        select(func.max(SafetyReport.id))
        .where(SafetyReport.operation_id == operation.id, SafetyReport.registrant_id.in_(ids))
        .group_by(SafetyReport.registrant_id)
    )
    reports = session.scalars(select(SafetyReport).where(SafetyReport.id.in_(latest)))
    return {report.registrant_id: report for report in reports}


def status_of(reports: dict[int, SafetyReport], registrant_id: int) -> SafetyStatus:
    report = reports.get(registrant_id)
    return report.status if report is not None else SafetyStatus.UNCONFIRMED


#: Cards on one page of the phone: enough for a round of visits, few enough for an old phone.
PER_PAGE = 30


@dataclass
class Listing:
    """One page of the partner's people: the still unconfirmed first, then by priority."""

    people: list[Person]
    total: int
    confirmed: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @classmethod
    def of(
        cls, session: DbSession, viewer: Viewer, operation: SafetyOperation, page: int
    ) -> Listing:
        query = targets_query(viewer, operation)
        reported = confirmed_condition(operation)
        total = _count(session, query)
        confirmed = _count(session, query.where(reported))
        page = min(max(1, page), max(1, -(-total // PER_PAGE)))
        ordered = by_priority(session, query, None, reported)
        shown = people(session, viewer, ordered.limit(PER_PAGE).offset((page - 1) * PER_PAGE))
        return cls(shown, total, confirmed, page)


def confirmed_condition(operation: SafetyOperation) -> Any:
    """The person has a report in the operation that says how they are (any status but
    未確認): false sorts first, so the people still to confirm come first."""
    return exists(
        select(SafetyReport.id).where(
            SafetyReport.operation_id == operation.id,
            SafetyReport.registrant_id == Registrant.id,
            SafetyReport.status != SafetyStatus.UNCONFIRMED,
        )
    )
