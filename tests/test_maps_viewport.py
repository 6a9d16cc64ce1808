"""The staff map does not grow with the register: the frame holds no one, and the points
endpoint answers for a view (south, west, north, east, zoom) with counts per cell far out or
above the cap, with the access rule's points close in, logged per answer; a view that cannot
be read is refused and changes nothing; the view is read from the map index."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from roster.maps import views
from roster.maps.clusters import coarse_cell, map_clusters
from roster.maps.viewport import MIN_CELL, Viewport
from roster.models import AuditEvent, ConsentState, Registrant
from roster.viewer import viewer_of

from .conftest import AuthActions, IsolatedClient
from .factories import Factory
from .test_maps import VIEW, mapped  # noqa: F401 - the fixture

#: Far out: the whole city and around it.
CITY = "south=35.60&west=139.40&north=35.85&east=139.70&zoom=12"


def answer(client: IsolatedClient, view: str) -> dict[str, Any]:
    response = client.get(f"/maps/points.json?{view}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return dict(response.get_json())


def events(db: Any, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- the frame --------------------------------------------------------------------------------


def test_the_frame_is_the_same_size_for_10_people_and_for_500(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], factory: Factory, db: Any
) -> None:
    district = world["districts"][0]

    def add(count: int) -> None:
        for n in range(count):
            factory.registrant(district, latitude=35.70 + n * 1e-4, longitude=139.52 + n * 7e-5)

    add(10 - db.scalar(select(func.count(Registrant.id))))
    auth.login("t_staff")
    small = client.get("/maps/frame").get_data()
    add(490)
    assert db.scalar(select(func.count(Registrant.id))) == 500
    large = client.get("/maps/frame").get_data()
    assert abs(len(large) - len(small)) < 300, (len(small), len(large))
    assert b"139.52" not in large.replace(b"139.520", b""), "no one's point in the document"


# --- points and clusters ----------------------------------------------------------------------


def test_staff_get_only_the_people_in_the_view(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any]  # noqa: F811
) -> None:
    auth.login("t_staff")
    everyone = {row[2] for row in answer(client, VIEW)["points"]}
    assert everyone == {mapped[k].id for k in ("consenting", "refusing", "unasked", "elsewhere")}
    # refusing lives at 35.721234..., the others at 35.72: a view just north of 35.7201.
    north_only = answer(client, "south=35.7201&west=139.53&north=35.74&east=139.57&zoom=17")
    assert [row[2] for row in north_only["points"]] == [mapped["refusing"].id]
    empty = answer(client, "south=35.60&west=139.40&north=35.62&east=139.42&zoom=16")
    assert empty["kind"] == "points" and empty["points"] == []


def test_far_out_the_answer_is_counts_per_cell_with_no_ids(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any], db: Any  # noqa: F811
) -> None:
    auth.login("t_staff")
    data = answer(client, CITY)
    assert data["kind"] == "clusters" and data["points"] == []
    assert data["fields"] == ["lat", "lon", "count"]
    assert sum(row[2] for row in data["clusters"]) == 4, "active people only"
    cell = data["cell"]
    for lat, lon, _count in data["clusters"]:
        assert round(lat / cell) * cell == pytest.approx(lat), "the cell's centre"
        assert round(lon / cell) * cell == pytest.approx(lon)
    assert all(len(row) == 3 for row in data["clusters"]), "a place and a count, no one"
    event = events(db, "map.clusters")[-1]
    detail = json.loads(event.detail)
    assert detail["points"] == 4 and detail["cells"] == len(data["clusters"])
    assert "ids" not in detail


def test_a_view_over_the_cap_is_counted_even_close_in(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    auth.login("t_staff")
    assert answer(client, VIEW)["kind"] == "points"
    monkeypatch.setattr(views, "POINT_CAP", 3)
    data = answer(client, VIEW)
    assert data["kind"] == "clusters"
    assert sum(row[2] for row in data["clusters"]) == 4
    assert data["cell"] == pytest.approx(MIN_CELL)


def test_a_partners_counts_are_only_the_people_the_rule_gives(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any], db: Any  # noqa: F811
) -> None:
    auth.login("t_partner")
    data = answer(client, CITY)
    assert data["kind"] == "clusters"
    assert [row[2] for row in data["clusters"]] == [1]
    event = events(db, "map.clusters")[-1]
    assert json.loads(event.detail)["points"] == 1


def test_a_partners_disclosure_lists_exactly_the_people_returned(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any], db: Any,  # noqa: F811
    factory: Factory,
) -> None:
    district = mapped["districts"][0]
    other = factory.registrant(district, latitude=35.73, longitude=139.56)
    factory.consent(other, ConsentState.CONSENTED, mapped["users"]["staff"])
    auth.login("t_partner")
    both = answer(client, VIEW)
    returned = [row[2] for row in both["points"]]
    assert sorted(returned) == sorted([mapped["consenting"].id, other.id])
    assert json.loads(events(db, "map.points")[-1].detail)["ids"] == returned
    one = answer(client, "south=35.725&west=139.555&north=35.735&east=139.565&zoom=16")
    assert [row[2] for row in one["points"]] == [other.id]
    assert json.loads(events(db, "map.points")[-1].detail)["ids"] == [other.id]


def test_planners_never_get_register_numbers_and_stay_coarse(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any]  # noqa: F811
) -> None:
    auth.login("t_planner")
    close = answer(client, VIEW)
    assert close["mode"] == "pseudonymous" and "id" not in close["fields"][:3]
    for lat, lon, _category, _made_up, _approximate in close["points"]:
        assert round(lat, 3) == lat and round(lon, 3) == lon
    far = answer(client, CITY)
    assert far["kind"] == "clusters" and far["mode"] == "pseudonymous"
    assert all(len(row) == 3 for row in far["clusters"])
    grid = 1e-3
    steps = far["cell"] / grid
    assert round(steps) % 2 == 1 and steps == pytest.approx(round(steps)), "whole coarse cells"


def test_a_planners_view_edge_never_finds_a_home_closer_than_its_coarse_cell(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any]  # noqa: F811
) -> None:
    """refusing lives at 35.721234...: a view starting at 35.7212 holds them and one at
    35.7213 does not, for staff; a planner's views are grown to coarse cells and hold them
    both times (the coarse cell 35.721 spans 35.7205 to 35.7215)."""
    views_ = [f"south={s}&west=139.5505&north=35.7300&east=139.5600&zoom=17"
              for s in ("35.7212", "35.7213")]
    auth.login("t_staff")
    assert [len(answer(client, v)["points"]) for v in views_] == [1, 0]
    auth.logout()
    auth.login("t_planner")
    assert [len(answer(client, v)["points"]) for v in views_] == [1, 1]


def test_counting_reads_the_map_index(app: Flask, mapped: dict[str, Any], db: Any) -> None:  # noqa: F811
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("the SQLite plan is read here; PostgreSQL's in test_query_plans")
    from roster.maps.points import located

    viewer = viewer_of(mapped["users"]["staff"], db)
    view = Viewport(35.70, 139.53, 35.74, 139.57, 13)
    query = located(viewer, view).with_only_columns(Registrant.id)
    sql = query.compile(db.get_bind(), compile_kwargs={"literal_binds": True})
    plan = " ".join(str(row[-1]) for row in db.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_registrants_map" in plan, plan
    assert map_clusters(db, viewer, view).people == 4


def test_a_coarse_cell_is_an_odd_number_of_coarse_cells() -> None:
    assert coarse_cell(0.0011) == pytest.approx(0.003)
    assert coarse_cell(0.003) == pytest.approx(0.003)
    assert coarse_cell(0.0219) == pytest.approx(0.023)


# --- a view that cannot be read ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "says"),
    [
        ("", "numbers"),
        ("south=a&west=139.53&north=35.74&east=139.57&zoom=16", "numbers"),
        ("south=nan&west=139.53&north=35.74&east=139.57&zoom=16", "numbers"),
        ("south=35.70&west=139.53&north=inf&east=139.57&zoom=16", "numbers"),
        ("south=35.70&west=139.53&north=35.74&zoom=16", "numbers"),
        ("south=35.74&west=139.53&north=35.70&east=139.57&zoom=16", "south must be below"),
        ("south=35.70&west=139.57&north=35.74&east=139.53&zoom=16", "south must be below"),
        ("south=-95&west=139.53&north=35.74&east=139.57&zoom=16", "south must be below"),
        ("south=35.70&west=139.53&north=35.74&east=200&zoom=16", "south must be below"),
        ("south=35.70&west=139.53&north=35.74&east=139.57&zoom=99", "zoom"),
        ("south=35.70&west=139.53&north=35.74&east=139.57&zoom=-1", "zoom"),
        ("south=-80&west=-170&north=80&east=170&zoom=18", "too large"),
    ],
)
def test_a_bad_view_is_refused_with_a_message_and_changes_nothing(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any], db: Any,  # noqa: F811
    view: str, says: str,
) -> None:
    mapped["users"]["staff"].locale = "en"
    db.flush()
    auth.login("t_staff")
    before = db.scalar(select(func.count(AuditEvent.id)))
    response = client.get(f"/maps/points.json?{view}")
    assert response.status_code == 400
    assert says in response.get_json()["error"]
    assert db.scalar(select(func.count(AuditEvent.id))) == before


def test_a_bad_view_is_explained_in_japanese_by_default(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any]  # noqa: F811
) -> None:
    auth.login("t_staff")
    response = client.get("/maps/points.json?south=x")
    assert response.status_code == 400
    assert "数" in response.get_json()["error"]
