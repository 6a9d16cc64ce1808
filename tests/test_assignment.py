"""Shelter assignment from the register: who needs care and which groups they are in, the
nearest suitable shelter on known geometry (welfare groups, shelters inside a hazard area,
ties), and the per-shelter table planners read (counts only, sortable, printable)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select

from geo.towns import offset_point
from roster.hazards.assignment import (
    assignment_table,
    recompute_all,
    recompute_assignments,
)
from roster.hazards.frames import derive_needs
from roster.models import (
    AuditEvent,
    CareLevel,
    Mobility,
    RegistrantStatus,
    Shelter,
    ShelterAssignment,
)

from .conftest import AuthActions, IsolatedClient
from .factories import Factory
from .test_hazards import geojson, square, write

LAT, LON = 35.72, 139.55
TODAY = date(2026, 11, 22)


def register_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "birth_date": date(1990, 1, 1), "mobility": "independent", "care_level": "none",
        "disability_certificate": None, "device_ventilator": False, "device_oxygen": False,
        "device_suction": False, "device_dialysis": False, "comm_hearing": False,
        "comm_visual": False, "comm_language": False, "comm_cognitive": False,
    }
    row.update(overrides)
    return row


@pytest.mark.parametrize(
    ("overrides", "care", "groups"),
    [
        ({}, False, []),
        ({"birth_date": date(1961, 11, 22)}, False, ["elderly"]),  # 65 today
        ({"birth_date": date(1961, 11, 23)}, False, []),  # 65 tomorrow
        ({"care_level": "support_1"}, False, ["elderly"]),
        ({"care_level": "care_2"}, False, ["elderly"]),
        ({"care_level": "care_3"}, True, ["elderly"]),
        ({"mobility": "wheelchair"}, True, ["disabled"]),
        ({"mobility": "bedridden"}, True, ["disabled"]),
        ({"mobility": "cane_walker"}, False, []),
        ({"disability_certificate": "療育B"}, False, ["disabled"]),
        ({"comm_hearing": True}, False, ["disabled"]),
        ({"device_ventilator": True}, True, ["medical_care"]),
        ({"device_dialysis": True, "birth_date": date(1940, 1, 1)}, True,
         ["elderly", "medical_care"]),
    ],
)
def test_needs_and_groups_come_from_the_register(
    overrides: dict[str, Any], care: bool, groups: list[str]
) -> None:
    needs_care, found = derive_needs(pd.DataFrame([register_row(**overrides)]), TODAY)
    assert bool(needs_care[0]) is care
    assert found[0] == groups


# --- known geometry ---------------------------------------------------------------------------


def shelter(db: Any, name: str, east_m: float, **kw: Any) -> Shelter:
    lon, lat = offset_point(LON, LAT, 0.0, east_m)
    kw.setdefault("is_evacuation_shelter", not kw.get("is_welfare_shelter", False))
    place = Shelter(source_id=f"E-{name}", name=name, address="東京都テスト市", latitude=lat,
                    longitude=lon, source="test", **kw)
    db.add(place)
    db.flush()
    return place


def person(factory: Factory, world: dict[str, Any], **kw: Any) -> Any:
    values: dict[str, Any] = dict(mobility=Mobility.INDEPENDENT, care_level=CareLevel.NONE,
                                  device_ventilator=False, disability_certificate=None,
                                  birth_date=date(1990, 1, 1), latitude=LAT, longitude=LON)
    values.update(kw)
    return factory.registrant(world["districts"][0], **values)


def assigned(db: Any, hazard: str) -> dict[int, ShelterAssignment]:
    return {a.registrant_id: a for a in db.scalars(
        select(ShelterAssignment).where(ShelterAssignment.hazard == hazard))}


def test_the_nearest_suitable_shelter_by_straight_line(
    db: Any, world: dict[str, Any], factory: Factory
) -> None:
    near = shelter(db, "near", 300)
    shelter(db, "far", 900)
    walker = person(factory, world)
    recompute_assignments(db, "earthquake", crs="EPSG:6677")
    row = assigned(db, "earthquake")[walker.id]
    assert row.shelter_id == near.id and row.reason == ""
    assert row.distance_m == pytest.approx(300, abs=1)


def test_a_shelter_inside_the_hazard_area_is_not_used_for_that_hazard(
    db: Any, world: dict[str, Any], factory: Factory, tmp_path: Any
) -> None:
    from roster.hazards.layers import import_layer

    flooded = shelter(db, "flooded", 200)
    dry = shelter(db, "dry", 700)
    walker = person(factory, world)
    lon, lat = offset_point(LON, LAT, 0.0, 200)
    path = write(tmp_path, "f.geojson", geojson([({"A31a_205": 2}, square(lon, lat, 0.0005))]))
    import_layer(db, path, "flood", actor=None, crs="EPSG:6677")
    assert assigned(db, "flood")[walker.id].shelter_id == dry.id
    assert assigned(db, "inland_flood")[walker.id].shelter_id == dry.id
    assert assigned(db, "earthquake")[walker.id].shelter_id == flooded.id


def test_people_who_need_care_go_only_to_a_welfare_shelter_that_takes_their_group(
    db: Any, world: dict[str, Any], factory: Factory
) -> None:
    general = shelter(db, "general", 100)
    shelter(db, "nursery", 200, is_welfare_shelter=True, accept_groups="pregnant_infant")
    disabled = shelter(db, "disabled", 600, is_welfare_shelter=True, accept_groups="disabled")
    elderly = shelter(db, "elderly", 400, is_welfare_shelter=True, accept_groups="elderly")
    wheelchair = person(factory, world, mobility=Mobility.WHEELCHAIR)
    ventilator = person(factory, world, device_ventilator=True)
    old_and_bedridden = person(factory, world, mobility=Mobility.BEDRIDDEN,
                               birth_date=date(1935, 5, 5))
    walker = person(factory, world)
    recompute_assignments(db, "earthquake", crs="EPSG:6677")
    rows = assigned(db, "earthquake")
    # Never the 妊婦・乳幼児 shelter, though it is nearer.
    assert rows[wheelchair.id].shelter_id == disabled.id
    assert rows[ventilator.id].shelter_id is None
    assert rows[ventilator.id].reason == "no_welfare_shelter"
    assert rows[old_and_bedridden.id].shelter_id == elderly.id, "either group; the nearest"
    assert rows[walker.id].shelter_id == general.id


def test_a_tie_goes_to_the_lowest_shelter_id(
    db: Any, world: dict[str, Any], factory: Factory
) -> None:
    first = shelter(db, "east", 400)
    second = shelter(db, "east-annex", 400)  # the same point: exactly as far
    assert second.id > first.id
    walker = person(factory, world)
    recompute_assignments(db, "earthquake", crs="EPSG:6677")
    assert assigned(db, "earthquake")[walker.id].shelter_id == first.id


def test_no_shelter_at_all_is_a_reason_too(db: Any, world: dict[str, Any]) -> None:
    counts = recompute_assignments(db, "flood", crs="EPSG:6677")
    assert counts == {"no_shelter": 4}
    assert {a.reason for a in assigned(db, "flood").values()} == {"no_shelter"}


# --- the table --------------------------------------------------------------------------------


@pytest.fixture()
def loaded(db: Any, world: dict[str, Any], factory: Factory) -> dict[str, Any]:
    """Two general shelters (one small), a welfare shelter with backup power, and people."""
    small = shelter(db, "小さな集会所", 100, capacity=2)
    big = shelter(db, "大きな体育館", 3000, capacity=500)
    welfare = shelter(db, "福祉センター", 800, is_welfare_shelter=True,
                      accept_groups="disabled,medical_care", capacity=10, backup_power=False)
    for _ in range(3):
        person(factory, world)
    person(factory, world, mobility=Mobility.WHEELCHAIR)
    person(factory, world, mobility=Mobility.BEDRIDDEN, device_ventilator=True)
    person(factory, world, mobility=Mobility.INDEPENDENT, device_oxygen=True,
           birth_date=date(1990, 1, 1))
    person(factory, world, status=RegistrantStatus.MOVED_OUT)
    recompute_all(db, crs="EPSG:6677")
    return {**world, "small": small, "big": big, "welfare": welfare}


def test_the_table_counts_load_needs_and_shortfall(
    db: Any, loaded: dict[str, Any]
) -> None:
    table = assignment_table(db, loaded["users"]["planner"], "earthquake")
    rows = {row.name: row for row in table.rows}
    # The world's four (wheelchair, care level 3, ventilator) need care and go to welfare.
    welfare = rows["福祉センター"]
    assert (welfare.assigned, welfare.wheelchair, welfare.bedridden, welfare.ventilator) == (
        7, 5, 1, 5)
    assert welfare.ventilator_without_power == 5 and welfare.backup_power is False
    small = rows["小さな集会所"]
    assert (small.assigned, small.capacity, small.shortfall) == (3, 2, 1)
    assert rows["大きな体育館"].assigned == 0
    assert table.assigned == 10 and table.unassigned == {}
    assert table.shortfall == 1
    assert table.rows[0].kinds == ("evacuation_shelter",)


def test_planners_read_the_table_with_no_names_and_sort_it(
    client: IsolatedClient, auth: AuthActions, loaded: dict[str, Any], db: Any
) -> None:
    loaded["consenting"].name = "表示禁止一郎"
    db.flush()
    auth.login("t_planner")
    response = client.get("/hazards/assignment?hazard=earthquake&sort=assigned&dir=desc")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "表示禁止一郎" not in html and "試験 太郎" not in html
    assert html.index("福祉センター") < html.index("小さな集会所") < html.index("大きな体育館")
    html = client.get("/hazards/assignment?hazard=earthquake&sort=assigned").get_data(
        as_text=True)
    assert html.index("大きな体育館") < html.index("小さな集会所") < html.index("福祉センター")
    assert "/hazards/assignment/recompute" not in html, "planners read; they do not recompute"
    printed = client.get("/hazards/assignment/print?hazard=earthquake&sort=shortfall&dir=desc")
    assert printed.status_code == 200
    text = printed.get_data(as_text=True)
    assert "assignment-print" in text and "表示禁止一郎" not in text
    assert text.index("小さな集会所") < text.index("福祉センター")
    assert client.post("/hazards/assignment/recompute").status_code == 403
    # An unknown hazard or sort key falls back to flood and the shelter's name.
    assert client.get("/hazards/assignment?hazard=meteor&sort=x").status_code == 200


def test_the_people_left_without_a_shelter_are_counted_by_reason(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], factory: Factory
) -> None:
    shelter(db, "一般", 300)
    person(factory, world)
    recompute_all(db, crs="EPSG:6677")
    table = assignment_table(db, world["users"]["staff"], "flood")
    assert table.unassigned == {"no_welfare_shelter": 4}
    assert table.assigned == 1
    world["users"]["staff"].locale = "en"
    db.flush()
    auth.login("t_staff")
    html = client.get("/hazards/assignment").get_data(as_text=True)
    assert "no suitable welfare shelter" in html


def test_staff_recompute_from_the_page(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    shelter(db, "一般", 300)
    auth.login("t_staff")
    response = client.post("/hazards/assignment/recompute", data={"hazard": "earthquake"})
    assert response.headers["Location"] == "/hazards/assignment?hazard=earthquake"
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "hazard.recompute")).one()
    assert len(assigned(db, "earthquake")) == 4
    response = client.post("/hazards/assignment/recompute", data={"hazard": "<x>"})
    assert response.headers["Location"] == "/hazards/assignment?hazard=flood"
