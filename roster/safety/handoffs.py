"""Handing a person not reached to a team, the fire service or the police (staff only).

A hand-off is a new SafetyHandoff row, never changed; the board shows the latest beside the
person. The person must be one of the operation's people the viewer may see: anyone else is
refused exactly as a missing ID is (roster.access.fetch.refuse, audited as safety.denied).
The audit event names the person by ID and where they were handed, never the note.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..access.fetch import refuse
from ..access.rule import Viewer
from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import Registrant, Role, SafetyOperation
from ..models.base import utcnow
from ..models.safety import HandoffKind, SafetyHandoff
from .operations import SafetyRefused, targets_query


@dataclass(frozen=True)
class Handoff:
    kind: HandoffKind
    to_name: str = ""
    note: str = ""


def record_handoff(
    session: DbSession,
    viewer: Viewer,
    operation: SafetyOperation,
    registrant_id: int,
    handoff: Handoff,
) -> SafetyHandoff:
    """Store and audit the hand-off of one person of the operation."""
    if viewer.role is not Role.STAFF:
        raise SafetyRefused("handoff_staff_only")
    query = targets_query(viewer, operation).where(Registrant.id == registrant_id)
    if session.scalar(query.with_only_columns(Registrant.id)) is None:
        refuse(session, viewer, registrant_id, "safety.denied")
    if operation.ended_at is not None:
        raise SafetyRefused("already_ended")
    row = SafetyHandoff(
        operation_id=operation.id,
        registrant_id=registrant_id,
        to_kind=handoff.kind,
        to_name=handoff.to_name.strip(),
        note=handoff.note.strip(),
        by_id=viewer.user.id,
        at=utcnow(),
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        "safety.handoff",
        actor=viewer.user,
        object_type="registrant",
        object_id=registrant_id,
        detail={"operation": operation.id, "handoff": row.id, "to": handoff.kind.value},
    )
    return row
