"""People counted per cell of a map's view, for a view too wide (or too full) to draw each
person: [latitude, longitude, count] of each cell with anyone in it, the point being the
cell's centre. A count names no one and places no one closer than its cell, whatever the
role; the cells are never smaller than viewport.MIN_CELL, coarser than a planner's points.

A planner's cells are made of whole coarse cells (coarse_cell). The counting is one GROUP BY
in the database, over the people the access rule admits (points.located, map_registrants),
read from the map index (status, latitude, longitude).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column

from ..access.projection import COARSE_DECIMALS, coarse
from ..access.rule import Viewer
from ..extensions import DbSession
from ..models import Registrant
from .points import located
from .viewport import Viewport

#: Decimals of a cell's centre in the answer (about 10 cm: the grid's own, not a person's).
CENTRE_DECIMALS = 6


@dataclass(frozen=True)
class Clusters:
    """Counts per cell: rows of [latitude, longitude, count]; `cell` is the cell's side in
    degrees."""

    cell: float
    rows: list[list[float | int]]

    @property
    def people(self) -> int:
        return sum(int(row[2]) for row in self.rows)


def coarse_cell(cell: float) -> float:
    """A cell for a viewer who sees places coarsely: an odd number of coarse cells (1e-3
    degree) wide, so that its edges are theirs and whether someone is counted in it depends
    on their coarse place only."""
    grid = 10.0**-COARSE_DECIMALS
    steps = math.ceil(cell / grid - 1e-9)
    return (steps if steps % 2 else steps + 1) * grid


def map_clusters(session: DbSession, viewer: Viewer, view: Viewport) -> Clusters:
    """The people in the view counted per cell of its zoom, the view grown to whole cells."""
    cell = coarse_cell(view.cell) if coarse(viewer.fields) else view.cell
    # A literal, not a parameter: the same text in the select list and in GROUP BY, as
    # PostgreSQL needs it; the cell comes from the zoom (an integer), never from the request.
    size: Any = literal_column(repr(cell))
    row = func.round(Registrant.latitude / size)
    column = func.round(Registrant.longitude / size)
    query = (
        located(viewer, view.snapped(cell))
        .with_only_columns(row, column, func.count(), maintain_column_froms=True)
        .group_by(row, column)
        .order_by(row, column)
    )
    rows = [
        [round(float(y) * cell, CENTRE_DECIMALS), round(float(x) * cell, CENTRE_DECIMALS), int(n)]
        for y, x, n in session.execute(query)
    ]
    return Clusters(cell=cell, rows=rows)
