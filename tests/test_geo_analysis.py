"""geo.analysis: hazard flags, shelter assignment and shelter load on known geometry.

Coordinates are metres in EPSG:6677 (JGD2011 zone IX), small numbers near its origin.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from geo.analysis import (
    NO_LOCATION,
    NO_SHELTER,
    NO_WELFARE_SHELTER,
    assign_shelters,
    hazard_flags,
    shelter_load,
    suitable_shelters,
)

CRS = "EPSG:6677"


def points(rows: dict[Any, tuple[float, float]], **columns: list[Any]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        columns,
        geometry=[Point(xy) for xy in rows.values()],
        index=pd.Index(list(rows), name="person_id"),
        crs=CRS,
    )


def layer(rows: list[tuple[str, Any, Any, Any, Any]]) -> gpd.GeoDataFrame:
    """A read_hazard_layer-shaped frame from (kind, depth_rank, phenomenon, zone, polygon)."""
    return gpd.GeoDataFrame(
        {
            "kind": [r[0] for r in rows],
            "depth_rank": pd.array([r[1] for r in rows], dtype="Int64"),
            "phenomenon": pd.Series([r[2] for r in rows], dtype=object),
            "zone": pd.Series([r[3] for r in rows], dtype=object),
            "source_name": "test",
        },
        geometry=[r[4] for r in rows],
        crs=CRS,
    )


def shelters(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    defaults = {"hazards": [], "is_emergency_site": False, "is_evacuation_shelter": False,
                "is_welfare_shelter": False, "accept_groups": []}
    full = [{**defaults, **row} for row in rows]
    return gpd.GeoDataFrame(
        [{k: v for k, v in row.items() if k != "xy"} for row in full],
        geometry=[Point(row["xy"]) for row in full],
        crs=CRS,
    )


def people(rows: dict[Any, tuple[tuple[float, float], bool, list[str]]]) -> gpd.GeoDataFrame:
    return points(
        {pid: row[0] for pid, row in rows.items()},
        needs_care=[row[1] for row in rows.values()],
        groups=[row[2] for row in rows.values()],
    )


def by_person(result: pd.DataFrame) -> dict[Any, tuple[Any, Any]]:
    return {
        row.person_id: (None if pd.isna(row.shelter_id) else row.shelter_id, row.reason)
        for row in result.itertuples()
    }


# --- hazard flags -----------------------------------------------------------------------------


LAYERS = layer([
    ("flood", 1, None, None, box(0, 0, 1000, 1000)),
    ("flood", 3, None, None, box(200, 200, 400, 400)),  # deeper, overlapping the rank-1 area
    ("flood", None, None, None, box(2000, 0, 2100, 100)),  # rank unknown
    ("landslide", None, "steep_slope", "warning", box(600, 600, 800, 800)),
    ("landslide", None, "debris_flow", "special", box(650, 650, 700, 700)),
    ("landslide", None, "steep_slope", "special", box(700, 700, 750, 750)),
    ("landslide", None, None, None, box(3000, 0, 3100, 100)),  # no A33 codes
    ("other", None, None, None, box(0, 0, 50, 50)),
])


def test_hazard_flags() -> None:
    pts = points({
        "shallow": (100, 900), "deep": (300, 300), "edge_free": (1500, 1500),
        "unranked": (2050, 50), "warning": (610, 610), "special": (675, 675),
        "both_special": (725, 725), "uncoded": (3050, 50), "other": (10, 10),
    })
    flags = hazard_flags(pts, LAYERS)
    assert list(flags.index) == list(pts.index)
    assert list(flags.columns) == [
        "flood_rank", "landslide_zone", "landslide_phenomena", "in_other",
    ]
    assert str(flags["flood_rank"].dtype) == "Int64"
    ranks = {k: (None if pd.isna(v) else int(v)) for k, v in flags["flood_rank"].items()}
    assert ranks == {
        "shallow": 1, "deep": 3, "edge_free": None, "unranked": None, "warning": 1,
        "special": 1, "both_special": 1, "uncoded": None, "other": 1,
    }
    assert flags["landslide_zone"].to_dict() == {
        "shallow": None, "deep": None, "edge_free": None, "unranked": None,
        "warning": "warning", "special": "special", "both_special": "special",
        "uncoded": "warning", "other": None,
    }
    assert flags.loc["special", "landslide_phenomena"] == ["steep_slope", "debris_flow"]
    assert flags.loc["warning", "landslide_phenomena"] == ["steep_slope"]
    assert flags.loc["both_special", "landslide_phenomena"] == ["steep_slope"]
    assert flags.loc["uncoded", "landslide_phenomena"] == []
    assert flags["in_other"].tolist() == [False] * 8 + [True]


def test_hazard_flags_with_no_layers_and_another_crs() -> None:
    pts = points({1: (300, 300), 2: (5000, 5000)})
    empty = hazard_flags(pts, LAYERS.iloc[0:0])
    assert empty["flood_rank"].isna().all() and empty["landslide_zone"].isna().all()
    assert empty["landslide_phenomena"].tolist() == [[], []]
    assert not empty["in_other"].any()
    again = hazard_flags(pts, LAYERS.to_crs("EPSG:4326"))
    assert again["flood_rank"].tolist()[0] == 3 and pd.isna(again["flood_rank"].iloc[1])


# --- assignment -------------------------------------------------------------------------------

FLOOD_AREA = gpd.GeoSeries([box(900, -100, 1100, 100)], crs=CRS)

SHELTERS = shelters([
    {"id": 1, "xy": (1000, 0), "is_evacuation_shelter": True},  # inside the flood area
    {"id": 2, "xy": (2000, 0), "is_emergency_site": True, "hazards": ["flood", "earthquake"]},
    {"id": 3, "xy": (1200, 0), "is_emergency_site": True, "hazards": ["earthquake"]},
    {"id": 4, "xy": (1300, 0), "is_evacuation_shelter": True, "is_welfare_shelter": True,
     "accept_groups": ["pregnant_infant"]},
    {"id": 5, "xy": (3000, 0), "is_evacuation_shelter": True, "is_welfare_shelter": True,
     "accept_groups": ["elderly", "disabled"]},
    {"id": 6, "xy": (1050, 50), "is_evacuation_shelter": True, "is_welfare_shelter": True,
     "accept_groups": ["elderly", "disabled"]},  # inside the flood area
    {"id": 7, "xy": (1250, 0), "is_emergency_site": True},  # no hazard recorded, a site only
])


def test_suitable_shelters() -> None:
    assert suitable_shelters(SHELTERS, "flood", FLOOD_AREA).tolist() == [
        False, True, False, True, True, False, False,
    ]
    # Without the area, the undesignated shelters count; sites for other hazards do not.
    assert suitable_shelters(SHELTERS, "flood", None).tolist() == [
        True, True, False, True, True, True, False,
    ]
    assert suitable_shelters(SHELTERS, "earthquake", FLOOD_AREA.iloc[0:0]).tolist() == [
        True, True, True, True, True, True, False,
    ]
    with pytest.raises(ValueError, match="unknown hazard"):
        suitable_shelters(SHELTERS, "meteor", None)


def test_assignment_rules() -> None:
    pop = people({
        "general": ((1000, 10), False, []),
        "wheelchair": ((1300, 5), True, ["disabled"]),
        "mother": ((1000, 20), True, ["pregnant_infant"]),
        "care_no_group": ((1000, 30), True, []),
        "ventilator_child": ((1000, 40), True, ["medical_care"]),
        "frail": ((1060, 50), True, ["elderly", "pregnant_infant"]),
    })
    result = assign_shelters(pop, SHELTERS, "flood", FLOOD_AREA)
    assert list(result.columns) == ["person_id", "shelter_id", "distance_m", "reason"]
    assert result["person_id"].tolist() == list(pop.index)
    assert by_person(result) == {
        # 1 is inside the area, 3 is for earthquakes only, 7 has no flood designation,
        # 4 is a welfare shelter.
        "general": (2, None),
        # 4 is nearest but takes 妊婦・乳幼児 only; 6 is inside the area.
        "wheelchair": (5, None),
        "mother": (4, None),
        "care_no_group": (None, NO_WELFARE_SHELTER),
        "ventilator_child": (None, NO_WELFARE_SHELTER),
        # Either group will do: 4 (pregnant_infant) at 240 m beats 5 (elderly) far away.
        "frail": (4, None),
    }
    distances = result.set_index("person_id")["distance_m"]
    assert distances["general"] == pytest.approx(np.hypot(1000, 10))
    assert distances["wheelchair"] == pytest.approx(np.hypot(1700, 5))
    assert np.isnan(distances["care_no_group"])


def test_a_welfare_shelter_that_is_also_an_emergency_site_is_open_to_everyone() -> None:
    places = shelters([
        {"id": 1, "xy": (100, 0), "is_welfare_shelter": True, "is_evacuation_shelter": True,
         "is_emergency_site": True, "hazards": ["flood"], "accept_groups": ["elderly"]},
        {"id": 2, "xy": (50, 0), "is_welfare_shelter": True, "is_evacuation_shelter": True,
         "accept_groups": ["elderly"]},
    ])
    pop = people({"a": ((0, 0), False, []), "b": ((0, 0), True, ["elderly"])})
    assert by_person(assign_shelters(pop, places, "flood", None)) == {
        "a": (1, None), "b": (2, None),
    }


def test_nobody_suitable() -> None:
    sites = shelters([
        {"id": 1, "xy": (0, 0), "is_emergency_site": True, "hazards": ["earthquake"]},
        {"id": 2, "xy": (10, 0), "is_emergency_site": True, "hazards": ["large_fire"]},
    ])
    pop = people({"a": ((0, 0), False, []), "b": ((5, 5), True, ["elderly"])})
    result = assign_shelters(pop, sites, "tsunami", None)
    assert by_person(result) == {"a": (None, NO_SHELTER), "b": (None, NO_WELFARE_SHELTER)}
    assert result["distance_m"].isna().all()


@pytest.mark.parametrize("ids", [[7, 3, 5, 9], ["E7", "E3", "E5", "E9"]])
def test_ties_go_to_the_lowest_shelter_id(ids: list[Any]) -> None:
    xys = [(100, 0), (-100, 0), (0, 100), (0, -100.5)]
    places = shelters([
        {"id": i, "xy": xy, "is_evacuation_shelter": True} for i, xy in zip(ids, xys, strict=True)
    ])
    pop = people({"centre": ((0, 0), False, []), "east": ((90, 0), False, [])})
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
        result = assign_shelters(pop, places.iloc[order], "flood", None)
        assert by_person(result) == {"centre": (ids[1], None), "east": (ids[0], None)}
        assert result["distance_m"].tolist() == [100.0, 10.0]


def test_string_and_integer_ids_come_back_as_given() -> None:
    places = shelters([{"id": "E1322900002111", "xy": (0, 0), "is_evacuation_shelter": True}])
    pop = people({1: ((0, 0), False, []), 2: ((1, 1), True, ["elderly"])})
    result = assign_shelters(pop, places, "flood", None)
    assert result["shelter_id"].tolist() == ["E1322900002111", None]
    numbered = assign_shelters(pop, places.assign(id=[42]), "flood", None)
    assert str(numbered["shelter_id"].dtype) == "Int64"
    assert numbered["shelter_id"].iloc[0] == 42 and pd.isna(numbered["shelter_id"].iloc[1])


def test_one_tree_per_distinct_eligible_set(monkeypatch: pytest.MonkeyPatch) -> None:
    places = shelters([
        {"id": 1, "xy": (0, 0), "is_evacuation_shelter": True},
        {"id": 2, "xy": (500, 0), "is_evacuation_shelter": True, "is_welfare_shelter": True,
         "accept_groups": ["elderly", "disabled"]},
        {"id": 3, "xy": (900, 0), "is_evacuation_shelter": True, "is_welfare_shelter": True,
         "accept_groups": ["elderly", "disabled"]},
    ])
    rng = np.random.default_rng(1)
    rows = {}
    for i in range(600):
        care, groups = [(False, []), (True, ["elderly"]), (True, ["disabled", "elderly"]),
                        (True, ["disabled"])][i % 4]
        rows[i] = ((float(rng.uniform(0, 1000)), float(rng.uniform(-500, 500))), care, groups)
    built: list[int] = []
    original = shapely.STRtree

    def counting(geometries: Any, *args: Any, **kwargs: Any) -> Any:
        built.append(len(geometries))
        return original(geometries, *args, **kwargs)

    monkeypatch.setattr(shapely, "STRtree", counting)
    result = assign_shelters(people(rows), places, "flood", None)
    # Three groups of people, one set of welfare shelters for all of them: two trees.
    assert sorted(built) == [1, 2]
    assert result["reason"].isna().all()


def test_people_must_be_in_a_metric_crs() -> None:
    pop = people({1: ((0, 0), False, [])}).set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(ValueError, match="metric"):
        assign_shelters(pop, SHELTERS.set_crs("EPSG:4326", allow_override=True), "flood", None)


def test_a_person_without_a_point() -> None:
    pop = people({1: ((0, 0), False, []), 2: ((0, 0), False, [])})
    pop.loc[2, "geometry"] = None
    result = assign_shelters(pop, SHELTERS, "flood", None)
    assert by_person(result) == {1: (1, None), 2: (None, NO_LOCATION)}


# --- shelter load -----------------------------------------------------------------------------


def test_shelter_load() -> None:
    places = shelters([
        {"id": 1, "xy": (0, 0), "is_evacuation_shelter": True, "capacity": 2,
         "backup_power": False},
        {"id": 2, "xy": (1000, 0), "is_evacuation_shelter": True, "capacity": None,
         "backup_power": None},
        {"id": 3, "xy": (2000, 0), "is_evacuation_shelter": True, "capacity": 10,
         "backup_power": True},
        {"id": 4, "xy": (9000, 0), "is_evacuation_shelter": True, "capacity": 5,
         "backup_power": True},
    ])
    pop = points(
        {i: xy for i, xy in enumerate([(0, 1), (0, 2), (1, 3), (5, 5), (1000, 1), (1000, 2),
                                       (2000, 1), (2000, 2)])},
        needs_care=[False] * 8,
        groups=[[] for _ in range(8)],
        mobility=["wheelchair", "bedridden", "independent", "wheelchair", "bedridden",
                  "unknown", "cane_walker", None],
        ventilator=[True, False, False, False, True, True, True, False],
    )
    assignments = assign_shelters(pop, places, "flood", None)
    load = shelter_load(assignments, pop, places)
    assert list(load.columns) == [
        "assigned", "wheelchair", "bedridden", "ventilator", "backup_power",
        "ventilator_without_power", "capacity", "shortfall",
    ]
    assert load.index.tolist() == [1, 2, 3, 4]
    assert load["assigned"].tolist() == [4, 2, 2, 0]
    assert load["wheelchair"].tolist() == [2, 0, 0, 0]
    assert load["bedridden"].tolist() == [1, 1, 0, 0]
    assert load["ventilator"].tolist() == [1, 2, 1, 0]
    assert load["backup_power"].tolist() == [False, None, True, True]
    # Unknown backup power counts as none until someone checks.
    assert load["ventilator_without_power"].tolist() == [1, 2, 0, 0]
    assert load["capacity"].tolist()[0] == 2 and pd.isna(load["capacity"].iloc[1])
    shortfall = load["shortfall"].tolist()
    assert shortfall[0] == 2 and pd.isna(shortfall[1]) and shortfall[2:] == [0, 0]
