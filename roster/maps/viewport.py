"""The part of the map a frame shows, as the points endpoint is asked for it: south, west,
north, east (degrees) and the zoom, numbers only. A view that is not five numbers, is upside
down, lies outside the globe or is too large for its zoom is refused with a message.

The grid that counts people in cells: a cell is a quarter of a map tile's width at the zoom
(about 64 pixels), never smaller than MIN_CELL (about 150 m). A cell is numbered by its
centre, round(latitude / cell) and round(longitude / cell), so the cells of one zoom never
move as the map is panned. A view is counted in whole cells (snapped outward to their edges),
so its counts do not depend on where exactly its edges fall.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from flask_babel import gettext as _

#: Tiles of 256 pixels; a cell is a quarter of one (64 pixels).
CELLS_PER_TILE = 4
#: The smallest cell, in degrees: that of zoom 16 (about 150 m by 125 m here), coarser than a
#: planner's coarse location (1e-3 degree).
MIN_CELL = 360 / 2 ** (16 + 2)
#: The most cells a view may span along a side (a 16,000-pixel-wide screen).
MAX_CELLS = 256
MAX_ZOOM = 22
KEYS = ("south", "west", "north", "east", "zoom")


class ViewportError(ValueError):
    """A view the endpoint cannot answer; its message is for the user."""


@dataclass(frozen=True)
class Viewport:
    south: float
    west: float
    north: float
    east: float
    zoom: int

    @property
    def cell(self) -> float:
        """The side of a counting cell at this zoom, in degrees."""
        return max(360 / 2 ** (self.zoom + 2), MIN_CELL)

    def snapped(self, grid: float) -> Viewport:
        """The view grown to the edges of the cells of size `grid` it touches (cell k spans
        (k - 0.5) * grid to (k + 0.5) * grid, as rounding to the grid gives)."""

        def low(value: float) -> float:
            return (math.floor(value / grid + 0.5) - 0.5) * grid

        def high(value: float) -> float:
            return (math.floor(value / grid + 0.5) + 0.5) * grid

        return replace(
            self,
            south=low(self.south),
            west=low(self.west),
            north=high(self.north),
            east=high(self.east),
        )


def _number(args: Mapping[str, str], key: str) -> float:
    text = (args.get(key) or "").strip()
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ViewportError(
            _("The map's view must be given as numbers: south, west, north, east and zoom.")
        )
    return value


def parse_viewport(args: Mapping[str, str]) -> Viewport:
    """The view in a request's query string, or ViewportError with a message."""
    south, west, north, east, zoom = (_number(args, key) for key in KEYS)
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        raise ViewportError(
            _(
                "The map's view is not a place on the map: south must be below north "
                "(between -90 and 90) and west left of east (between -180 and 180)."
            )
        )
    if not 0 <= zoom <= MAX_ZOOM:
        raise ViewportError(_("The map's zoom must be between 0 and %(most)d.", most=MAX_ZOOM))
    view = Viewport(south, west, north, east, int(zoom))
    if max(north - south, east - west) > MAX_CELLS * view.cell:
        raise ViewportError(_("The map's view is too large for its zoom."))
    return view
