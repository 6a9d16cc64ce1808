"""Each drill person's priority band, frozen when the drill starts.

Objectives by band ("80 % of band A confirmed within 60 minutes") are judged against the band
a person had at the start: the drill's own serious findings raise a person's score (the plan
queue's drill_finding weight), and a plan made after the drill lowers it, but neither may move
a person into another band of the drill they were measured in. The bands are written in one
INSERT … SELECT at the start, in the same transaction, with the plan queue's SQL score; a
person reported on in the drill who was not among its people at the start (a report through a
broader rule) is measured in their current band.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, literal, select

from ..extensions import DbSession
from ..models import (
    DrillBand,
    Plan,
    Registrant,
    RegistrantHazard,
    RegistrantStatus,
    SafetyOperation,
)
from ..priority.queries import band_expression, dialect_of, score_expression
from ..safety.operations import area_condition
from ..safety.ranking import Priority, configured


def band_now(session: DbSession, priority: Priority) -> Any:
    """The band of the Registrant row being selected, as the plan queue computes it now
    (needs RegistrantHazard and Plan outer-joined)."""
    score = score_expression(priority.weights, dialect_of(session))
    return band_expression(score, priority.bands)


def freeze_bands(
    session: DbSession, operation: SafetyOperation, priority: Priority | None = None
) -> None:
    """Store the band of every active person in the drill's area as it stands now."""
    priority = priority or configured()
    people = (
        select(literal(operation.id), Registrant.id, band_now(session, priority))
        .select_from(Registrant)
        .outerjoin(RegistrantHazard, RegistrantHazard.registrant_id == Registrant.id)
        .outerjoin(Plan, Plan.registrant_id == Registrant.id)
        .where(Registrant.status == RegistrantStatus.ACTIVE, area_condition(operation))
    )
    columns = ["operation_id", "registrant_id", "band"]
    session.execute(insert(DrillBand).from_select(columns, people))


def frozen_table(operation: SafetyOperation) -> Any:
    """The drill's frozen bands, to outer-join on registrant_id."""
    return (
        select(DrillBand.registrant_id, DrillBand.band)
        .where(DrillBand.operation_id == operation.id)
        .subquery("frozen")
    )
