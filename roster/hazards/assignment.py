"""Each person's hazard flags and the shelter each person is assigned to, and the load
per shelter that the assignment page shows.

- recompute_flags() gives every active person their RegistrantHazard row (only people inside
  some hazard area get one: no row means no hazard at home);
- recompute_assignments() stores, for one hazard, every active person's nearest suitable
  shelter (ShelterAssignment), or why there is none;
- recompute_all() does both for every hazard after any change of layers or shelters, and
  refresh_person() for one person after their record changed, refresh_people() for many;
- assignment_table() (load.py, named here too) counts, per shelter, the people assigned for
  a hazard and their needs.

The frames come from frames.py, the geometry from geo.analysis; the answers are stored in
bulk.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Delete, delete, func, insert, select

from geo.analysis import assign_shelters, hazard_flags

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import (
    HAZARDS,
    HazardLayer,
    Registrant,
    RegistrantHazard,
    Shelter,
    ShelterAssignment,
    User,
)
from ..models.base import utcnow
from .frames import areas_frame, metric_crs, people_frame, shelters_frame
from .load import (  # noqa: F401 - the page's table, long read from here
    REASONS,
    SHELTER_KINDS,
    SORT_KEYS,
    AssignmentTable,
    ShelterRow,
    assignment_table,
    shelter_kinds,
    sort_rows,
)

#: Hazards every recomputation assigns shelters for, whatever the data holds; any other
#: hazard is assigned as soon as a shelter is designated for it.
ALWAYS_ASSIGNED = ("flood", "landslide", "earthquake")
#: The hazard-area kind whose polygons apply to each hazard: a shelter inside one is not
#: suitable for that hazard. Hazards not listed have no areas here.
AREA_KIND = {"flood": "flood", "inland_flood": "flood", "landslide": "landslide"}
#: Rows per bulk insert.
CHUNK = 20_000
#: People recompute_all() reads and assigns at a time.
PEOPLE_CHUNK = 50_000


class Progress(Protocol):
    def update(self, n: int = 1) -> Any: ...


class _Null:
    def update(self, n: int = 1) -> None:
        return None


def assignment_hazards(session: DbSession) -> list[str]:
    """The hazards assignments are kept for, in HAZARDS order: always flood, landslide and
    earthquake; any other once a shelter is designated for it or an area kind applies."""
    designated: set[str] = set()
    for hazards in session.scalars(select(Shelter.hazards).distinct()):
        designated.update(h for h in (hazards or "").split(",") if h)
    kinds = {k.value for k in session.scalars(select(HazardLayer.kind).distinct())}
    wanted = set(ALWAYS_ASSIGNED) | designated
    wanted |= {hazard for hazard, kind in AREA_KIND.items() if kind in kinds}
    return [h for h in HAZARDS if h in wanted]


# --- recomputation ----------------------------------------------------------------------------


@dataclass
class Recomputed:
    people: int = 0
    flagged: int = 0
    hazards: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_detail(self) -> dict[str, Any]:
        return {"people": self.people, "flagged": self.flagged, "hazards": self.hazards}


def recompute_flags(
    session: DbSession,
    crs: str | None = None,
    people: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    ids: Sequence[int] | None = None,
) -> int:
    """Replace the hazard flags of every active person (or of `ids`); return how many people
    are inside some hazard area. People no longer active lose their flags."""
    crs = metric_crs(crs)
    people = people_frame(session, crs, ids=ids) if people is None else people
    areas = areas_frame(session, crs) if areas is None else areas
    _wipe(session, delete(RegistrantHazard), RegistrantHazard.registrant_id, ids)
    return _store_flags(session, people, areas)


def _store_flags(session: DbSession, people: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> int:
    """Insert the flags of these people (theirs wiped before); how many are in some area."""
    located = people[~(people.geometry.is_empty | people.geometry.isna())]
    if not len(areas) or not len(located):
        return 0
    rows = _flag_rows(hazard_flags(located[["geometry"]], areas))
    _insert(session, RegistrantHazard, rows)
    return len(rows)


def _wipe(session: DbSession, wipe: Delete, column: Any, ids: Sequence[int] | None) -> None:
    """Run the delete, for the people of `ids` only when given."""
    if ids is not None:
        wipe = wipe.where(column.in_(list(ids)))
    session.execute(wipe)


def _insert(
    session: DbSession, model: Any, rows: list[dict[str, Any]], progress: Progress | None = None
) -> None:
    """Insert the rows in bulk, CHUNK at a time, counting each chunk on `progress`.

    Flags go through the session, whose hooks note the people whose priority score they
    change; assignments, which no hook watches, straight to the connection (a plain
    executemany, without the ORM's bulk-insert bookkeeping per row)."""
    progress = progress or _Null()
    watched = model is RegistrantHazard
    execute = session.execute if watched else session.connection().execute
    statement = insert(model) if watched else insert(model.__table__)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        execute(statement, chunk)
        progress.update(len(chunk))


def _flag_rows(flags: pd.DataFrame) -> list[dict[str, Any]]:
    """The RegistrantHazard rows of the people inside some hazard area."""
    now = utcnow()
    names = ("flood_rank", "landslide_zone", "landslide_phenomena", "in_other")
    return [
        {
            "registrant_id": int(person_id),
            "flood_rank": None if pd.isna(rank) else int(rank),
            "landslide_zone": zone,
            "landslide_phenomena": ",".join(phenomena),
            "in_other": bool(other),
            "computed_at": now,
        }
        for person_id, rank, zone, phenomena, other in zip(
            flags.index, *(flags[name] for name in names), strict=True
        )
        if not (pd.isna(rank) and zone is None and not other)
    ]


def recompute_assignments(
    session: DbSession,
    hazard: str,
    crs: str | None = None,
    people: gpd.GeoDataFrame | None = None,
    shelters: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    ids: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Replace the assignments for one hazard of every active person (or of `ids`): the
    nearest suitable shelter, or the reason there is none. Returns counts by outcome."""
    if hazard not in HAZARDS:
        raise ValueError(f"unknown hazard {hazard!r}")
    crs = metric_crs(crs)
    people = people_frame(session, crs, ids=ids) if people is None else people
    shelters = shelters_frame(session, crs) if shelters is None else shelters
    areas = _hazard_areas(session, hazard, crs, areas)
    wipe = delete(ShelterAssignment).where(ShelterAssignment.hazard == hazard)
    _wipe(session, wipe, ShelterAssignment.registrant_id, ids)
    return dict(_store_assignments(session, hazard, people, shelters, areas, progress))


def _store_assignments(
    session: DbSession,
    hazard: str,
    people: gpd.GeoDataFrame,
    shelters: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | None,
    progress: Progress | None = None,
) -> Counter[str]:
    """Insert these people's assignments for `hazard` (theirs wiped before), given the
    hazard's own areas; their counts by outcome."""
    if not len(people):
        return Counter()
    rows, counts = _assignment_rows(hazard, _assign(people, shelters, hazard, areas))
    _insert(session, ShelterAssignment, rows, progress)
    return counts


def _assign(
    people: gpd.GeoDataFrame,
    shelters: gpd.GeoDataFrame,
    hazard: str,
    areas: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Each person's nearest suitable shelter for `hazard`, or the reason there is none."""
    if len(shelters):
        return assign_shelters(people, shelters, hazard, areas)
    return _no_shelter(people)


def _hazard_areas(
    session: DbSession, hazard: str, crs: str, areas: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame | None:
    """The areas that make a shelter unsuitable for `hazard` (of `areas`, or read), if any."""
    if areas is None:
        kind = AREA_KIND.get(hazard)
        return areas_frame(session, crs, kinds=[kind]) if kind else None
    if hazard in AREA_KIND:
        return areas[areas["kind"] == AREA_KIND[hazard]]
    return None


def _no_shelter(people: gpd.GeoDataFrame) -> pd.DataFrame:
    """What assign_shelters() answers when there is no shelter at all."""
    return pd.DataFrame(
        {
            "person_id": people.index.to_numpy(),
            "shelter_id": pd.array([None] * len(people), dtype="Int64"),
            "distance_m": np.nan,
            "reason": "no_shelter",
        }
    )


def _assignment_rows(
    hazard: str, result: pd.DataFrame
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """The ShelterAssignment rows of an assignment, and their counts by outcome."""
    now = utcnow()
    counts: Counter[str] = Counter()
    rows = []
    columns = (result[name] for name in ("person_id", "shelter_id", "distance_m", "reason"))
    for person_id, shelter_id, metres, reason in zip(*columns, strict=True):
        assigned = not pd.isna(shelter_id)
        counts["assigned" if assigned else str(reason)] += 1
        shelter = int(shelter_id) if assigned else None
        rows.append(_assignment_row(hazard, now, int(person_id), shelter, metres, reason))
    return rows, counts


def _assignment_row(
    hazard: str, now: datetime, person_id: int, shelter_id: int | None, metres: Any, reason: Any
) -> dict[str, Any]:
    """One person's ShelterAssignment row: their shelter and its distance, or the reason."""
    return {
        "hazard": hazard,
        "registrant_id": person_id,
        "shelter_id": shelter_id,
        "distance_m": None if pd.isna(metres) else round(float(metres), 1),
        "reason": "" if shelter_id is not None else str(reason or "no_shelter"),
        "computed_at": now,
    }


def recompute_all(
    session: DbSession,
    *,
    crs: str | None = None,
    actor: User | None = None,
    progress: Progress | None = None,
    chunk: int | None = None,
) -> Recomputed:
    """Flags and assignments of every active person for every assigned hazard, after a
    change of layers or shelters. Audited (counts only) when an actor asked for it.

    People are read and assigned `chunk` ids at a time (PEOPLE_CHUNK by default), so that
    memory stays the same whatever the size of the register; each person's answer depends
    only on their own point and needs, so the results are those of one pass."""
    crs = metric_crs(crs)
    shelters = shelters_frame(session, crs)
    areas = areas_frame(session, crs)
    hazards = {hazard: _hazard_areas(session, hazard, crs, areas) for hazard in
               assignment_hazards(session)}  # fmt: skip
    # Flags and assignments of people no longer active, and of hazards no longer kept, go too.
    session.execute(delete(RegistrantHazard))
    session.execute(delete(ShelterAssignment))
    summary = Recomputed()
    counts: dict[str, Counter[str]] = {hazard: Counter() for hazard in hazards}
    for id_range in _id_ranges(session, chunk or PEOPLE_CHUNK):
        people = people_frame(session, crs, id_range=id_range)
        summary.people += len(people)
        summary.flagged += _store_flags(session, people, areas)
        for hazard, hazard_areas in hazards.items():
            counts[hazard].update(
                _store_assignments(session, hazard, people, shelters, hazard_areas, progress)
            )
    summary.hazards = {hazard: dict(outcomes) for hazard, outcomes in counts.items()}
    if actor is not None:
        _audit_recompute(session, actor, summary)
    return summary


def _id_ranges(session: DbSession, size: int) -> Iterator[tuple[int, int]]:
    """Ranges of registrant ids, `size` ids each, that together hold every person."""
    low, high = session.execute(select(func.min(Registrant.id), func.max(Registrant.id))).one()
    if low is None:
        return
    for start in range(low, high + 1, size):
        yield start, start + size


def _audit_recompute(session: DbSession, actor: User, summary: Recomputed) -> None:
    """The counts of a recomputation someone asked for; never who."""
    record_event(
        session,
        "hazard.recompute",
        actor=actor,
        object_type="hazard",
        detail=summary.as_detail(),
    )


def refresh_person(session: DbSession, registrant: Registrant, crs: str | None = None) -> None:
    """Recompute one person's flags and assignments after their record changed (a new
    location, a new need, a new status). Cheap: the layers and shelters are small."""
    if registrant.id is None:
        session.flush()
    refresh_people(session, [registrant.id], crs)


#: Beyond this many people, recomputing everyone is cheaper than a long IN list.
REFRESH_ALL_ABOVE = 20_000


def refresh_people(session: DbSession, ids: Sequence[int], crs: str | None = None) -> None:
    """Recompute the flags and assignments of `ids` after their records changed (geocoding
    moved them, an import changed them); everyone's when they are many."""
    if not ids:
        return
    crs = metric_crs(crs)
    if len(ids) > REFRESH_ALL_ABOVE:
        recompute_all(session, crs=crs)
        return
    people = people_frame(session, crs, ids=ids)
    areas = areas_frame(session, crs)
    recompute_flags(session, crs, people=people, areas=areas, ids=ids)
    shelters = shelters_frame(session, crs)
    hazards = set(session.scalars(select(ShelterAssignment.hazard).distinct()))
    if not hazards and len(shelters):
        hazards = set(assignment_hazards(session))
    for hazard in (h for h in HAZARDS if h in hazards):
        recompute_assignments(
            session, hazard, crs, people=people, shelters=shelters, areas=areas, ids=ids
        )
