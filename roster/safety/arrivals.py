"""Arrivals at shelters during a safety operation, and what the arrived people need.

An arrival is a report like any other (避難済み, to a shelter of the registry, confirmed at
the shelter), so it goes through record_report and the access rule. Staff record at any
shelter; a partner records only at a shelter its organisation runs (Shelter.
operator_organisation_id) under an agreement in force, and only for the people its rule
gives it. A shelter's arrivals are the people whose latest report puts them there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, select

from ..access.fetch import Person, people
from ..access.rule import Viewer
from ..extensions import DbSession
from ..models import (
    EvacuationPlace,
    Mobility,
    Registrant,
    ReportMethod,
    Role,
    SafetyOperation,
    SafetyReport,
    SafetyStatus,
    Shelter,
)
from .operations import ReportEntry, record_report, targets_query


class ArrivalRefused(Exception):
    """The viewer does not record arrivals at this shelter."""


def recording_shelters(session: DbSession, viewer: Viewer) -> list[Shelter]:
    """The shelters where the viewer may record arrivals: every one for staff, those its
    organisation runs for a partner with an agreement in force, none for anyone else."""
    query = select(Shelter).order_by(Shelter.name_kana, Shelter.name, Shelter.id)
    if viewer.role is Role.STAFF:
        return list(session.scalars(query))
    if viewer.role is Role.PARTNER and viewer.access is not None:
        organisation_id = viewer.access.agreement.organisation_id
        return list(
            session.scalars(query.where(Shelter.operator_organisation_id == organisation_id))
        )
    return []


def record_arrival(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    shelter: Shelter,
    registrant_id: int,
    note: str = "",
) -> SafetyReport:
    """Record that the person arrived at the shelter (a person the viewer may not see is
    refused as a missing ID is, by record_report)."""
    if shelter.id not in {s.id for s in recording_shelters(session, viewer)}:
        raise ArrivalRefused("the viewer does not record arrivals at this shelter")
    entry = ReportEntry(
        status=SafetyStatus.EVACUATED,
        method=ReportMethod.AT_SHELTER,
        note=note,
        evacuated_to=EvacuationPlace.SHELTER,
        shelter_id=shelter.id,
    )
    return record_report(session, viewer, operation, registrant_id, entry)


def _latest(operation: SafetyOperation) -> Select[Any]:
    return (
        select(func.max(SafetyReport.id))
        .where(SafetyReport.operation_id == operation.id)
        .group_by(SafetyReport.registrant_id)
    )


def arrived_ids(operation: SafetyOperation, shelter_id: int) -> Select[Any]:
    """The people whose latest report in the operation puts them at the shelter."""
    return select(SafetyReport.registrant_id).where(
        SafetyReport.id.in_(_latest(operation)),
        SafetyReport.status == SafetyStatus.EVACUATED,
        SafetyReport.shelter_id == shelter_id,
    )


@dataclass(frozen=True)
class ShelterTally:
    """A shelter's arrivals in an operation, against what it can take."""

    operation: SafetyOperation
    shelter: Shelter
    arrived: int
    wheelchair: int
    bedridden: int
    ventilator: int

    @property
    def over_capacity(self) -> bool:
        capacity = self.shelter.capacity
        return capacity is not None and self.arrived > capacity

    @property
    def ventilator_without_power(self) -> bool:
        return self.ventilator > 0 and self.shelter.backup_power is not True

    @property
    def bedridden_over_care_places(self) -> bool:
        places = self.shelter.care_places
        return places is not None and self.bedridden > places


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def shelter_tally(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, shelter: Shelter
) -> ShelterTally:
    """Counts only, over the arrived people the viewer's rule admits."""
    query = (
        targets_query(viewer, operation)
        .where(Registrant.id.in_(arrived_ids(operation, shelter.id)))
        .with_only_columns(
            func.count(Registrant.id),
            _count(Registrant.mobility == Mobility.WHEELCHAIR),
            _count(Registrant.mobility == Mobility.BEDRIDDEN),
            _count(and_(Registrant.device_ventilator.is_(True))),
        )
    )
    arrived, wheelchair, bedridden, ventilator = session.execute(query).one()
    return ShelterTally(operation, shelter, arrived, wheelchair, bedridden, ventilator)


def running_tallies(session: DbSession, viewer: Viewer, shelter: Shelter) -> list[ShelterTally]:
    """The shelter's tally in each running operation, oldest operation first."""
    running = session.scalars(
        select(SafetyOperation)
        .where(SafetyOperation.ended_at.is_(None))
        .order_by(SafetyOperation.started_at, SafetyOperation.id)
    )
    return [shelter_tally(session, viewer, op, shelter) for op in running]


def recent_reports(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, query: Select[Any], limit: int
) -> list[tuple[SafetyReport, Person]]:
    """The latest `limit` reports `query` selects, each with its person as the viewer may
    see them now (reports on anyone the rule no longer admits are left out)."""
    reports = list(session.scalars(query.order_by(SafetyReport.id.desc()).limit(limit)))
    ids = sorted({r.registrant_id for r in reports})
    found = people(session, viewer, targets_query(viewer, operation).where(Registrant.id.in_(ids)))
    by_id = {p.registrant_id: p for p in found}
    return [(r, by_id[r.registrant_id]) for r in reports if r.registrant_id in by_id]


def shelter_arrivals(
    session: DbSession, viewer: Viewer, operation: SafetyOperation, shelter: Shelter, limit: int
) -> list[tuple[SafetyReport, Person]]:
    """The latest arrival reports at the shelter, with their people."""
    query = select(SafetyReport).where(
        SafetyReport.operation_id == operation.id,
        SafetyReport.shelter_id == shelter.id,
        SafetyReport.method == ReportMethod.AT_SHELTER,
    )
    return recent_reports(session, viewer, operation, query, limit)
