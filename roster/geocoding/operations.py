"""Address points in, each person placed at their own address (住居, 街区, 町丁目, else 地区).

Coordinates staff set on the map (MANUAL) are never overwritten. Whoever moves is given
new hazard flags and shelter assignments (hazards.assignment.refresh_people).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update

from geo.address_points import Area, Point, PointRead, PointReader
from geo.addresses import Address, AddressIndex, normalise

from ..audit.operations import record_event
from ..extensions import DbSession
from ..hazards.assignment import Progress, refresh_people
from ..models import (
    AddressPoint,
    District,
    LocationPrecision,
    Municipality,
    Registrant,
    RegistrantStatus,
    User,
)
from ..models.base import utcnow
from ..models.registrant_versions import ChangePath, changes_by

#: The credit the 町丁目 points (Geolonia 住所データ, from 国土交通省 位置参照情報) ask for,
#: shown wherever people placed on them are displayed.
CHOME_ATTRIBUTION = "出典：Geolonia 住所データ（CC BY 4.0）、国土交通省 位置参照情報"
#: Rows per bulk write.
CHUNK = 5000
REGISTRANTS = cast(Table, Registrant.__table__)


class PointFileError(Exception):
    """A point file held unreadable coordinates: nothing of it was written."""

    def __init__(self, name: str, read: PointRead) -> None:
        super().__init__(name)
        self.name = name
        self.read = read


# --- points -----------------------------------------------------------------------------------


def municipality_area(session: DbSession) -> Area:
    """The municipality whose points a prefecture's file is filtered to."""
    city = session.scalar(select(Municipality).limit(1))
    if city is None:
        return Area("", "")
    return Area(city.prefecture, city.name, city.code)


def import_address_points(
    session: DbSession, paths: Sequence[str | Path], actor: User | None
) -> list[PointRead]:
    """Read each file (streamed, filtered to the municipality) and store its points, replacing
    points of the same key. All or nothing in the caller's transaction: a file of another
    format raises PointFormatError, unreadable coordinates PointFileError."""
    area = municipality_area(session)
    reads = []
    for path in paths:
        reader = PointReader(path, area)
        for chunk in _chunks(reader.points()):
            _store(session, chunk, reader.read.format)
        if reader.read.errors:
            raise PointFileError(Path(path).name, reader.read)
        reads.append(reader.read)
        record_event(session, "address_points.import", actor=actor, detail=_detail(reader.read))
    return reads


def _chunks(points: Iterator[Point]) -> Iterator[list[Point]]:
    chunk: list[Point] = []
    for point in points:
        chunk.append(point)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _store(session: DbSession, points: list[Point], source: str) -> None:
    session.execute(delete(AddressPoint).where(AddressPoint.key.in_([p.key for p in points])))
    session.execute(
        insert(AddressPoint),
        [
            {"key": p.key, "level": p.level, "latitude": p.latitude,
             "longitude": p.longitude, "source": source}
            for p in points
        ],
    )


def _detail(read: PointRead) -> dict[str, Any]:
    return {"format": read.format, "rows": read.rows, "kept": read.kept,
            "other_city": read.other_city, "skipped": sum(read.skipped.values())}


def point_counts(session: DbSession) -> dict[str, int]:
    """How many points are loaded, per level."""
    rows = session.execute(select(AddressPoint.level, func.count()).group_by(AddressPoint.level))
    return {level: int(count) for level, count in rows}


def address_attribution(session: DbSession) -> str:
    """The credit line of the loaded 町丁目 points, or "" when none are loaded."""
    found = session.scalar(select(AddressPoint.id).where(AddressPoint.level == "chome").limit(1))
    return CHOME_ATTRIBUTION if found is not None else ""


def address_index(session: DbSession, keys: Iterable[str] | None = None) -> AddressIndex:
    """Every stored point (or only those of `keys`) as an index."""
    query = select(AddressPoint.key, AddressPoint.latitude, AddressPoint.longitude,
                   AddressPoint.level)
    if keys is not None:
        query = query.where(AddressPoint.key.in_(sorted(set(keys))))
    return AddressIndex((row[0], row[1], row[2], row[3]) for row in session.execute(query))


def precision_counts(session: DbSession) -> dict[LocationPrecision, int]:
    """Active people per location precision, finest first, zeros included (the dashboard)."""
    rows = session.execute(
        select(Registrant.location_precision, func.count())
        .where(Registrant.status == RegistrantStatus.ACTIVE)
        .group_by(Registrant.location_precision)
    )
    found = {LocationPrecision(p): int(n) for p, n in rows}
    return {p: found.get(p, 0) for p in LocationPrecision}


# --- people -----------------------------------------------------------------------------------


Placed = tuple[float | None, float | None, LocationPrecision]


def place(index: AddressIndex, address: Address, district: District | None) -> Placed:
    """The finest point the address reaches, else the district's point (地区)."""
    found = index.locate(address)
    if found is not None:
        return found.latitude, found.longitude, LocationPrecision(found.level)
    if district is None:
        return None, None, LocationPrecision.DISTRICT
    return district.latitude, district.longitude, LocationPrecision.DISTRICT


def set_location(registrant: Registrant, placed: Placed) -> None:
    """The one writer of coordinates with their precision (and the derived approximate flag)."""
    registrant.latitude, registrant.longitude, precision = placed
    registrant.location_precision = precision
    registrant.location_approximate = precision.approximate


def locate_registrant(session: DbSession, registrant: Registrant) -> Placed:
    """Where a person's address places them, looking up only their candidate keys."""
    area = municipality_area(session)
    address = normalise(registrant.address, area.prefecture, area.city)
    index = address_index(session, AddressIndex.all_keys(address))
    return place(index, address, session.get(District, registrant.district_id))


@dataclass
class Geocoded:
    """What a geocoding run did: people per precision, who moved, manual pins kept."""

    precision: Counter[str] = field(default_factory=Counter)
    moved: list[int] = field(default_factory=list)
    manual_kept: int = 0

    def as_detail(self) -> dict[str, Any]:
        return {"precision": dict(self.precision), "moved": len(self.moved),
                "manual_kept": self.manual_kept}


@dataclass(frozen=True)
class _Places:
    """What placing people reads once per run: the municipality, every point, the districts."""

    area: Area
    index: AddressIndex
    districts: dict[int, District]

    @classmethod
    def read(cls, session: DbSession) -> _Places:
        area = municipality_area(session)
        index = address_index(session)
        return cls(area, index, {d.id: d for d in session.scalars(select(District))})

    def of(self, row: Any) -> Placed:
        """Where a row of _people() is placed by its address."""
        address = normalise(row.address, self.area.prefecture, self.area.city)
        return place(self.index, address, self.districts.get(row.district_id))


def geocode_people(
    session: DbSession,
    *,
    ids: Sequence[int] | None = None,
    only_approximate: bool = False,
    actor: User | None = None,
    progress: Progress | None = None,
) -> Geocoded:
    """Place every person (or `ids`, or only those at a 町丁目 or district point) at their
    address; manual pins stay. People who moved get new hazard flags and assignments."""
    places = _Places.read(session)
    summary = Geocoded(manual_kept=_count_manual(session, ids))
    with changes_by(session, actor, ChangePath.GEOCODING):
        for chunk in _people(session, ids, only_approximate):
            _write(session, _place_chunk(chunk, places, summary))
            if progress is not None:
                progress.update(len(chunk))
    refresh_people(session, summary.moved)
    record_event(session, "registrant.geocode", actor=actor, actor_name=None if actor else "cli",
                 detail=summary.as_detail())
    return summary


def _place_chunk(rows: Sequence[Any], places: _Places, summary: Geocoded) -> list[dict[str, Any]]:
    """Place each person, counting their precision and noting who moved in `summary`; the new
    coordinates of those who moved."""
    changes = []
    for row in rows:
        placed = places.of(row)
        summary.precision[placed[2].value] += 1
        if placed != (row.latitude, row.longitude, row.location_precision):
            changes.append(_change(row.id, placed))
    summary.moved += [c["b_id"] for c in changes]
    return changes


def _count_manual(session: DbSession, ids: Sequence[int] | None) -> int:
    query = select(func.count(Registrant.id)).where(
        Registrant.location_precision == LocationPrecision.MANUAL
    )
    if ids is not None:
        query = query.where(Registrant.id.in_(list(ids)))
    return int(session.scalar(query) or 0)


def _people(
    session: DbSession, ids: Sequence[int] | None, only_approximate: bool
) -> Iterator[Sequence[Any]]:
    query = (
        select(Registrant.id, Registrant.address, Registrant.district_id, Registrant.latitude,
               Registrant.longitude, Registrant.location_precision)
        .where(Registrant.location_precision != LocationPrecision.MANUAL)
        .order_by(Registrant.id)
    )
    if only_approximate:
        approximate = [p for p in LocationPrecision if p.approximate]
        query = query.where(Registrant.location_precision.in_(approximate))
    if ids is not None:
        query = query.where(Registrant.id.in_(list(ids)))
    rows = session.execute(query).all()
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _change(registrant_id: int, placed: Placed) -> dict[str, Any]:
    latitude, longitude, precision = placed
    return {"b_id": registrant_id, "b_lat": latitude, "b_lng": longitude,
            "b_precision": precision.value, "b_approximate": precision.approximate}


def _write(session: DbSession, changes: list[dict[str, Any]]) -> None:
    """New coordinates, bumping the version so an edit form opened before is refused."""
    if not changes:
        return
    table = REGISTRANTS
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            latitude=bindparam("b_lat"),
            longitude=bindparam("b_lng"),
            location_precision=bindparam("b_precision"),
            location_approximate=bindparam("b_approximate"),
            version=table.c.version + 1,
            updated_at=utcnow(),
        ),
        changes,
    )
