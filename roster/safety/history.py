"""A person's safety reports across every operation, for their page.

The caller has already loaded the person through roster.access (person_or_404), so the viewer
may see them. The history is the same for every such viewer except what a report's words may
hold: the note is free text that can hold medical facts, and the reporter's own name is
internal, so both are given to staff only (`with_notes`); others read the status, place,
method, the reporting organisation and the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import DbSession
from ..models import (
    EvacuationPlace,
    OperationKind,
    ReportMethod,
    SafetyReport,
    SafetyStatus,
)


@dataclass(frozen=True)
class HistoryRow:
    operation: str
    drill: bool
    running: bool
    status: SafetyStatus
    place: EvacuationPlace | None
    shelter: str
    method: ReportMethod
    organisation: str
    reported_at: datetime
    #: Staff only: empty for everyone else.
    reporter: str = ""
    note: str = ""


def person_history(
    session: DbSession, registrant_id: int, *, with_notes: bool
) -> list[HistoryRow]:
    """Every report on the person, newest first."""
    query = (
        select(SafetyReport)
        .where(SafetyReport.registrant_id == registrant_id)
        .options(
            selectinload(SafetyReport.operation),
            selectinload(SafetyReport.reported_by),
            selectinload(SafetyReport.shelter),
            selectinload(SafetyReport.organisation),
        )
        .order_by(SafetyReport.id.desc())
    )
    return [_row(report, with_notes) for report in session.scalars(query)]


def _row(report: SafetyReport, with_notes: bool) -> HistoryRow:
    operation = report.operation
    return HistoryRow(
        operation=operation.name,
        drill=operation.kind is OperationKind.DRILL,
        running=operation.running,
        status=report.status,
        place=report.evacuated_to,
        shelter=report.shelter.name if report.shelter is not None else "",
        method=report.method,
        organisation=report.organisation.name if report.organisation is not None else "",
        reported_at=report.reported_at,
        reporter=report.reported_by.display_name if with_notes else "",
        note=report.note if with_notes else "",
    )
