"""recompute_all() reads and assigns people a chunk of ids at a time: the flags, the
assignments and the counts are those of a single pass over everyone."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from geo.towns import offset_point
from roster.hazards.assignment import Recomputed, recompute_all
from roster.hazards.layers import import_layer
from roster.models import (
    Mobility,
    RegistrantHazard,
    RegistrantStatus,
    ShelterAssignment,
)

from .factories import Factory
from .test_assignment import LAT, LON, person, shelter
from .test_hazards import geojson, square, write


def stored(db: Any) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Every flag row and every assignment row, without the time they were computed."""
    flags = {
        (f.registrant_id, f.flood_rank, f.landslide_zone, f.landslide_phenomena, f.in_other)
        for f in db.scalars(select(RegistrantHazard))
    }
    assignments = {
        (a.hazard, a.registrant_id, a.shelter_id, a.distance_m, a.reason)
        for a in db.scalars(select(ShelterAssignment))
    }
    return flags, assignments


def test_a_chunked_recomputation_gives_what_one_pass_gives(
    db: Any, world: dict[str, Any], factory: Factory, tmp_path: Path
) -> None:
    shelter(db, "near", 150)
    shelter(db, "flooded", 40)
    shelter(db, "far", 2500)
    shelter(db, "welfare", 900, is_welfare_shelter=True, accept_groups="disabled,elderly")
    # People spread east of the point, in and out of the areas, some needing care, one gone.
    for step in range(11):
        lon, lat = offset_point(LON, LAT, 0.0, step * 120.0)
        person(factory, world, longitude=lon, latitude=lat,
               mobility=Mobility.WHEELCHAIR if step % 3 == 0 else Mobility.INDEPENDENT,
               birth_date=date(1940 if step % 4 == 0 else 1990, 1, 1))
    person(factory, world, status=RegistrantStatus.MOVED_OUT)
    person(factory, world, latitude=None, longitude=None)  # at the district's point
    person(factory, world, device_ventilator=True)  # no welfare shelter takes them
    lon, lat = offset_point(LON, LAT, 0.0, 40)
    flood = geojson([({"A31a_205": 3}, square(lon, lat, 0.002))])
    landslide = geojson([({"A33_001": 1, "A33_002": 2}, square(LON, LAT, 0.001))])
    for name, data, kind in (("f.geojson", flood, "flood"), ("l.geojson", landslide,
                                                             "landslide")):
        import_layer(db, write(tmp_path, name, data), kind, actor=None, crs="EPSG:6677",
                     recompute=False, audit=False)

    whole = recompute_all(db, crs="EPSG:6677")
    in_one = stored(db)
    chunked = recompute_all(db, crs="EPSG:6677", chunk=2)
    assert stored(db) == in_one
    assert chunked == whole
    # The world's four, the eleven, the one at the district's point and the ventilator user.
    assert whole.people == 17 and whole.flagged > 0
    assert set(whole.hazards) >= {"flood", "landslide", "earthquake"}
    assert sum(whole.hazards["flood"].values()) == 17
    assert whole.hazards["flood"]["no_welfare_shelter"] >= 1
    assert len({row[0] for row in in_one[0]}) == whole.flagged


def test_a_chunk_without_anyone_active_adds_nothing(
    db: Any, world: dict[str, Any], factory: Factory
) -> None:
    shelter(db, "near", 150)
    for _ in range(3):
        person(factory, world, status=RegistrantStatus.DECEASED)
    person(factory, world)
    whole = recompute_all(db, crs="EPSG:6677")
    assert recompute_all(db, crs="EPSG:6677", chunk=1) == whole
    assert whole == Recomputed(people=whole.people, flagged=0, hazards=whole.hazards)
