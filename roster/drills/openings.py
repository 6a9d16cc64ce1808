"""Shelters opened (開設) in a drill: recorded by staff or a drill planner from the drill's page,
or by a partner at a shelter its organisation runs (the shelters where it records arrivals),
once per shelter and drill, audited; the SHELTERS_OPENED objective is measured from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..access.rule import Viewer
from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import DrillShelterOpening, OperationKind, Role, SafetyOperation, Shelter
from ..models.base import utcnow
from ..safety.arrivals import recording_shelters


class OpeningRefused(Exception):
    """The opening cannot be recorded: `code` names why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def opening_shelters(session: DbSession, viewer: Viewer) -> list[Shelter]:
    """The shelters whose opening the viewer may record: the welfare and designated shelters
    for staff and drill planners; those its organisation runs for a partner."""
    if viewer.role in (Role.STAFF, Role.PLANNER):
        query = (
            select(Shelter)
            .where(Shelter.is_welfare_shelter.is_(True) | Shelter.is_evacuation_shelter.is_(True))
            .order_by(Shelter.is_welfare_shelter.desc(), Shelter.name_kana, Shelter.id)
        )
        return list(session.scalars(query))
    if viewer.role is Role.PARTNER:
        return recording_shelters(session, viewer)
    return []


def record_opening(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    shelter_id: int,
    *,
    now: datetime | None = None,
) -> DrillShelterOpening:
    """Record that the shelter opened in the running drill; the first record stands."""
    if operation.kind is not OperationKind.DRILL:
        raise OpeningRefused("not_a_drill")
    if not operation.running:
        raise OpeningRefused("ended")
    if shelter_id not in {s.id for s in opening_shelters(session, viewer)}:
        raise OpeningRefused("not_yours")
    earlier = session.scalar(
        select(DrillShelterOpening).where(
            DrillShelterOpening.operation_id == operation.id,
            DrillShelterOpening.shelter_id == shelter_id,
        )
    )
    if earlier is not None:
        return earlier
    opening = DrillShelterOpening(
        operation_id=operation.id,
        shelter_id=shelter_id,
        opened_at=now or utcnow(),
        recorded_by_id=viewer.user.id,
    )
    session.add(opening)
    session.flush()
    record_event(
        session,
        "drill.shelter_open",
        actor=viewer.user,
        object_type="shelter",
        object_id=shelter_id,
        detail={"operation": operation.id},
    )
    return opening


@dataclass(frozen=True)
class Opened:
    shelter: str
    welfare: bool
    opened_at: datetime


def openings(session: DbSession, operation: SafetyOperation) -> list[Opened]:
    """The shelters opened in the drill, first opened first."""
    query = (
        select(Shelter.name, Shelter.is_welfare_shelter, DrillShelterOpening.opened_at)
        .join(Shelter, Shelter.id == DrillShelterOpening.shelter_id)
        .where(DrillShelterOpening.operation_id == operation.id)
        .order_by(DrillShelterOpening.opened_at, DrillShelterOpening.id)
    )
    return [Opened(name, bool(welfare), at) for name, welfare, at in session.execute(query)]


def opened_ids(session: DbSession, operation: SafetyOperation) -> set[int]:
    query = select(DrillShelterOpening.shelter_id).where(
        DrillShelterOpening.operation_id == operation.id
    )
    return set(session.scalars(query))
