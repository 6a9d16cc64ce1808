"""People's points on a map, by role, as plain data. They carry no personal data besides
where someone lives:

- staff and partners (map_identifies): [lat, lon, register number] of the people
  map_registrants() admits; a click fetches the details through the access rule;
- planners: [lat, lon, need category, an ID made up for this map], the location rounded as
  the register's coarse location is (about 100 m), in a shuffled order.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Select, func

from ..access.fetch import Person, columns, people
from ..access.projection import COARSE_DECIMALS, SOURCES, coarse
from ..access.roles import map_identifies
from ..access.rule import Viewer, map_registrants
from ..extensions import DbSession
from ..models import DEVICE_FIELDS, CareLevel, Mobility, Registrant, Role
from .style import CATEGORIES, EXACT_DECIMALS
from .viewport import Viewport


@dataclass(frozen=True)
class Points:
    """People's points for one map. identified: rows of (lat, lon, registrant id, approximate);
    pseudonymous: rows of (lat, lon, category index, made-up id, approximate). Approximate
    (1) is a 町丁目 or district point standing for many homes, drawn apart."""

    identified: bool
    lat: np.ndarray
    lon: np.ndarray
    ids: np.ndarray
    categories: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    approximate: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: A partner's people behind the points, as read for them: the disclosure log's.
    people: list[Person] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self) -> list[list[Any]]:
        """The rows as JSON-ready lists (points.json)."""
        approximate = self.approximate if len(self.approximate) else np.zeros(len(self.ids))
        if self.identified:
            return [
                [float(a), float(o), int(i), int(x)]
                for a, o, i, x in zip(self.lat, self.lon, self.ids, approximate, strict=True)
            ]
        codes = [code for code, _colour in CATEGORIES]
        return [
            [float(a), float(o), codes[int(c)], int(i), int(x)]
            for a, o, c, i, x in zip(
                self.lat, self.lon, self.categories, self.ids, approximate, strict=True
            )
        ]


#: What an identified point is made of: the register number at the exact place.
IDENTIFIED_KEYS = ("id", "latitude", "longitude", "location_approximate")
#: What a pseudonymous point is made of: the place and what the need category reads.
PSEUDONYMOUS_KEYS = (
    "latitude",
    "longitude",
    "mobility",
    "care_level",
    "devices",
    "location_approximate",
)


def map_points(
    session: DbSession, viewer: Viewer, view: Viewport | None = None, limit: int | None = None
) -> Points:
    """The points of the people this viewer's map may show (in `view`, when given; at most
    `limit`), as the module docstring says.

    Their columns are the projection's keys (access.fetch.columns), read as plain rows for
    staff and planners; a partner's people are read as Persons (access.fetch.people), once,
    and kept on the points for the disclosure log."""
    query = located(viewer, view).order_by(Registrant.id).limit(limit)
    decimals = COARSE_DECIMALS if coarse(viewer.fields) else EXACT_DECIMALS
    if viewer.is_(Role.PARTNER):
        return _of_people(people(session, viewer, query), decimals)
    if map_identifies(viewer.user):
        return _identified(columns(session, viewer, query, IDENTIFIED_KEYS), decimals)
    return _pseudonymous(columns(session, viewer, query, PSEUDONYMOUS_KEYS), decimals)


def located(viewer: Viewer, view: Viewport | None = None) -> Select[Registrant]:
    """The people map_registrants() admits who have a point, in `view` when given.

    A viewer who sees places only coarsely gets the view grown to whole coarse cells, so
    whether someone is in it never depends on more than their coarse place (moving the
    view's edge a metre at a time must not find anyone's home)."""
    query = map_registrants(viewer).where(
        Registrant.latitude.is_not(None), Registrant.longitude.is_not(None)
    )
    if view is None:
        return query
    if coarse(viewer.fields):
        view = view.snapped(10.0**-COARSE_DECIMALS)
    return query.where(
        Registrant.latitude >= view.south,
        Registrant.latitude < view.north,
        Registrant.longitude >= view.west,
        Registrant.longitude < view.east,
    )


def count_located(session: DbSession, viewer: Viewer, view: Viewport) -> int:
    """How many people located() finds in the view (a number, read from the map index)."""
    query = located(viewer, view).with_only_columns(func.count(), maintain_column_froms=True)
    return int(session.scalar(query) or 0)


def people_extent(session: DbSession, viewer: Viewer) -> list[list[float]] | None:
    """Where the viewer's people are, for a map with no city to open on: [[south, west],
    [north, east]] grown outward to whole hundredths of a degree (about 1 km), or None."""
    query = located(viewer).with_only_columns(
        func.min(Registrant.latitude),
        func.min(Registrant.longitude),
        func.max(Registrant.latitude),
        func.max(Registrant.longitude),
        maintain_column_froms=True,
    )
    row: tuple[Any, ...] = tuple(session.execute(query).one())
    if row[0] is None:
        return None
    south, west = (math.floor(float(v) * 100) / 100 for v in row[:2])
    north, east = (math.ceil(float(v) * 100) / 100 for v in row[2:])
    return [[south, west], [north, east]]


def _identified(rows: Sequence[Sequence[Any]], decimals: int) -> Points:
    """Register numbers at their points, in register order."""
    table = np.array(rows, dtype=np.float64).reshape(-1, 4)
    return Points(
        identified=True,
        lat=np.round(table[:, 1], decimals),
        lon=np.round(table[:, 2], decimals),
        ids=table[:, 0].astype(np.int64),
        approximate=table[:, 3].astype(np.int64),
    )


def _of_people(shown: list[Person], decimals: int) -> Points:
    """A partner's points: the Persons' register numbers at their points, in register order."""
    rows = [[p["id"], p["latitude"], p["longitude"], p["location_approximate"]] for p in shown]
    return replace(_identified(rows, decimals), people=shown)


def _pseudonymous(rows: list[tuple[Any, ...]], decimals: int) -> Points:
    """Need categories at their points, under made-up IDs, in a random order."""
    # Read in register order, which lets SQLite read the rows in storage order; shuffled here.
    names = [name for key in PSEUDONYMOUS_KEYS for name in SOURCES[key]]
    frame = pd.DataFrame(rows, columns=names)
    count = len(frame)
    order = _shuffled(count)
    frame = frame.iloc[order] if count else frame
    return Points(
        identified=False,
        lat=np.round(frame["latitude"].to_numpy(dtype=float), decimals),
        lon=np.round(frame["longitude"].to_numpy(dtype=float), decimals),
        ids=_made_up_ids(count),
        categories=need_categories(frame),
        approximate=frame["location_approximate"].fillna(False).to_numpy(dtype=np.int64),
    )


def need_categories(frame: pd.DataFrame) -> np.ndarray:
    """Index into CATEGORIES per row of register columns (mobility, care_level, device_*)."""
    if not len(frame):
        return np.zeros(0, dtype=np.int64)
    # Stored codes, or the enums (StrEnum: str() is the code).
    mobility = frame["mobility"].astype(str).to_numpy()
    return np.select(
        [
            _with_device(frame),
            mobility == Mobility.BEDRIDDEN.value,
            mobility == Mobility.WHEELCHAIR.value,
            _heavy_care(frame),
        ],
        [0, 1, 2, 3],
        default=4,
    ).astype(np.int64)


def _with_device(frame: pd.DataFrame) -> np.ndarray:
    """Per row: uses any of the medical devices."""
    devices = np.zeros(len(frame), dtype=bool)
    for name in DEVICE_FIELDS:
        devices |= frame[name].fillna(False).to_numpy(dtype=bool)
    return devices


def _heavy_care(frame: pd.DataFrame) -> np.ndarray:
    """Per row: care level 3 or higher."""
    care = frame["care_level"].astype(str).to_numpy()
    return np.isin(care, [CareLevel.CARE_3.value, CareLevel.CARE_4.value, CareLevel.CARE_5.value])


def _shuffled(count: int) -> np.ndarray:
    """A random order, from the system's randomness (the order must not give away IDs)."""
    rng = np.random.default_rng(secrets.randbits(128))
    return rng.permutation(count)


def _made_up_ids(count: int) -> np.ndarray:
    """Distinct random IDs for one map, unrelated to register numbers."""
    rng = np.random.default_rng(secrets.randbits(128))
    return rng.choice(np.arange(1, max(10 * count, 1000)), size=count, replace=False) + 0
