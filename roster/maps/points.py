"""People's points on a map, by role, as plain data. They carry no personal data besides
where someone lives:

- staff and partners (map_identifies): [lat, lon, register number] of the people
  map_registrants() admits; a click fetches the details through the access rule;
- planners: [lat, lon, need category, an ID made up for this map], the location rounded as
  the register's coarse location is (about 100 m), in a shuffled order.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..access.projection import COARSE_DECIMALS
from ..access.roles import map_identifies
from ..access.rule import map_registrants
from ..extensions import DbSession
from ..models import CareLevel, Mobility, Registrant
from ..viewer import viewer_of
from .style import CATEGORIES, EXACT_DECIMALS


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


def map_points(session: DbSession, user: Any) -> Points:
    """The points of the people this user's map may show, as the module docstring says."""
    query = map_registrants(viewer_of(user)).where(
        Registrant.latitude.is_not(None), Registrant.longitude.is_not(None)
    )
    if map_identifies(user):
        return _identified(session, query)
    return _pseudonymous(session, query)


def _identified(session: DbSession, query: Any) -> Points:
    """Register numbers at their exact points, in register order."""
    rows = _raw_rows(
        session,
        query.with_only_columns(
            Registrant.id,
            Registrant.latitude,
            Registrant.longitude,
            Registrant.location_approximate,
        ).order_by(Registrant.id),
    )
    table = np.array(rows, dtype=np.float64).reshape(-1, 4)
    return Points(
        identified=True,
        lat=np.round(table[:, 1], EXACT_DECIMALS),
        lon=np.round(table[:, 2], EXACT_DECIMALS),
        ids=table[:, 0].astype(np.int64),
        approximate=table[:, 3].astype(np.int64),
    )


def _pseudonymous(session: DbSession, query: Any) -> Points:
    """Need categories at coarse points, under made-up IDs, in a random order."""
    columns = (
        Registrant.latitude,
        Registrant.longitude,
        Registrant.mobility,
        Registrant.care_level,
        Registrant.device_ventilator,
        Registrant.device_oxygen,
        Registrant.device_suction,
        Registrant.device_dialysis,
        Registrant.location_approximate,
    )
    # In register order, which lets SQLite read the rows in storage order; shuffled below.
    frame = pd.DataFrame(
        _raw_rows(session, query.with_only_columns(*columns).order_by(Registrant.id)),
        columns=[column.key for column in columns],
    )
    count = len(frame)
    order = _shuffled(count)
    frame = frame.iloc[order] if count else frame
    return Points(
        identified=False,
        lat=np.round(frame["latitude"].to_numpy(dtype=float), COARSE_DECIMALS),
        lon=np.round(frame["longitude"].to_numpy(dtype=float), COARSE_DECIMALS),
        ids=_made_up_ids(count),
        categories=need_categories(frame),
        approximate=frame["location_approximate"].fillna(False).to_numpy(dtype=np.int64),
    )


def _raw_rows(session: DbSession, query: Any) -> list[tuple[Any, ...]]:
    """The query's rows as the database driver returns them: plain tuples, stored codes.

    SQLAlchemy binds the parameters; the rows skip its result processing, which would cost
    more than the query itself for 100,000 points."""
    result = session.connection().execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def need_categories(frame: pd.DataFrame) -> np.ndarray:
    """Index into CATEGORIES per row of register columns (mobility, care_level, device_*)."""
    count = len(frame)
    if not count:
        return np.zeros(0, dtype=np.int64)
    devices = np.zeros(count, dtype=bool)
    for name in ("device_ventilator", "device_oxygen", "device_suction", "device_dialysis"):
        devices |= frame[name].fillna(False).to_numpy(dtype=bool)
    # Stored codes, or the enums (StrEnum: str() is the code).
    mobility = frame["mobility"].astype(str).to_numpy()
    care = frame["care_level"].astype(str).to_numpy()
    heavy_care = np.isin(
        care, [CareLevel.CARE_3.value, CareLevel.CARE_4.value, CareLevel.CARE_5.value]
    )
    return np.select(
        [
            devices,
            mobility == Mobility.BEDRIDDEN.value,
            mobility == Mobility.WHEELCHAIR.value,
            heavy_care,
        ],
        [0, 1, 2, 3],
        default=4,
    ).astype(np.int64)


def _shuffled(count: int) -> np.ndarray:
    """A random order, from the system's randomness (the order must not give away IDs)."""
    rng = np.random.default_rng(secrets.randbits(128))
    return rng.permutation(count)


def _made_up_ids(count: int) -> np.ndarray:
    """Distinct random IDs for one map, unrelated to register numbers."""
    rng = np.random.default_rng(secrets.randbits(128))
    return rng.choice(np.arange(1, max(10 * count, 1000)), size=count, replace=False) + 0
