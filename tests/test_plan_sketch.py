"""The plan print's small map (drawn by the app as SVG) and its signature lines."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.models import ConsentPurpose, DestinationKind, Plan, Registrant
from roster.plans.printing import DENSITIES, SIGN_LINE_H, SKETCH_H, _signatures
from roster.plans.sketch import (
    HEIGHT,
    M_PER_DEG_LAT,
    WIDTH,
    path_points,
    plan_sketch,
    scale_bar,
)

from .conftest import AuthActions, IsolatedClient
from .test_plans import consent_to, make_plan, sign_in
from .test_shelters import make_shelter


@pytest.fixture()
def staff(world: dict[str, Any]) -> Any:
    return world["users"]["staff"]


@pytest.fixture()
def person(world: dict[str, Any], factory: Any, staff: Any) -> Registrant:
    """The consenting person, with consent to make a plan."""
    p = world["consenting"]
    consent_to(factory, p, staff, ConsentPurpose.PLAN_MAKING)
    return p


NO_DISTRICTS: dict[str, Any] = {"type": "FeatureCollection", "features": []}
HOME = (35.7250, 139.5380)


def square(lat: float, lon: float, d: float) -> dict[str, Any]:
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d],
            [lon - d, lat - d]]
    return {"type": "Feature", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_home_and_destination_are_drawn_to_scale_with_north_up() -> None:
    north = (HOME[0] + 0.009, HOME[1])  # about 995 m north
    sketch = plan_sketch(HOME, north, NO_DISTRICTS)
    assert sketch is not None and sketch.home and sketch.destination
    assert sketch.destination[1] < sketch.home[1], "north is up"
    assert math.isclose(sketch.destination[0], sketch.home[0], abs_tol=0.01)
    units_per_m = sketch.scale_units / float(sketch.scale_label.split()[0]) / (
        1000 if sketch.scale_label.endswith("km") else 1)
    drawn_m = (sketch.home[1] - sketch.destination[1]) / units_per_m
    assert math.isclose(drawn_m, 0.009 * M_PER_DEG_LAT, rel_tol=1e-6)


def test_one_point_alone_is_in_the_middle_of_a_view_of_the_surroundings() -> None:
    sketch = plan_sketch(HOME, (None, None), NO_DISTRICTS)
    assert sketch is not None and sketch.destination is None
    assert sketch.home == (WIDTH / 2, HEIGHT / 2)
    assert sketch.scale_label in ("100 m", "200 m")
    assert plan_sketch((None, None), (None, None), NO_DISTRICTS) is None


def test_district_outlines_in_view_are_drawn_and_far_ones_left_out() -> None:
    districts = {"type": "FeatureCollection",
                 "features": [square(*HOME, 0.002), square(HOME[0] + 1, HOME[1], 0.002)]}
    sketch = plan_sketch(HOME, (None, None), districts)
    assert sketch is not None and len(sketch.outlines) == 1
    xs = [x for x, _y in path_points(sketch.outlines[0])]
    assert min(xs) < WIDTH / 2 < max(xs)


def test_the_scale_bar_is_round_and_at_most_a_quarter_of_the_width() -> None:
    assert scale_bar(WIDTH / 800) == (WIDTH / 4, "200 m")
    assert scale_bar(WIDTH / 700)[1] == "100 m"
    assert scale_bar(WIDTH / 10_000)[1] == "2.5 km"
    assert scale_bar(WIDTH / 40_000)[1] == "10 km"


@given(
    st.floats(24.0, 46.0), st.floats(122.0, 146.0),
    st.floats(-0.3, 0.3), st.floats(-0.3, 0.3),
)
@settings(max_examples=300, deadline=None)
def test_both_points_are_always_inside_the_drawing(
    lat: float, lon: float, dlat: float, dlon: float
) -> None:
    sketch = plan_sketch((lat, lon), (lat + dlat, lon + dlon), NO_DISTRICTS)
    assert sketch is not None and sketch.home and sketch.destination
    for x, y in (sketch.home, sketch.destination):
        assert 0.1 * WIDTH <= x <= 0.9 * WIDTH and 0.1 * HEIGHT <= y <= 0.9 * HEIGHT
    assert 0 < sketch.scale_units <= WIDTH / 4


def test_the_page_keeps_room_for_the_map_and_one_line_per_signer() -> None:
    """printing.fit measures the block: the map's height for a few signers, more rows
    (two to a row beyond three supporters) for many."""
    d = DENSITIES[0]
    few = _signatures([{"name": "a"}], d, 5.0)
    assert few == SKETCH_H
    three = _signatures([{"name": str(i)} for i in range(3)], d, 10.0)
    twelve = _signatures([{"name": str(i)} for i in range(12)], d, 10.0)
    assert three == 10.0 + SIGN_LINE_H * (1 + 4), "the date line, then four signers"
    assert twelve == 10.0 + SIGN_LINE_H * (1 + 7), "13 signers in two columns: 7 rows"


# --- on the printed page ----------------------------------------------------------------------


def svg_of(html: str) -> str:
    found = re.search(r"<svg.*?</svg>", html, re.S)
    assert found, "a map on the page"
    return found.group(0)


def test_the_print_has_the_map_and_a_signature_line_for_each_signer(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    shelter = make_shelter(db, name="地図小学校", latitude=person.latitude + 0.006,
                           longitude=person.longitude + 0.004)
    supporters = [{"name": f"支援 {n}", "relation": "近所", "address": "", "phone": "090-0000-0000",
                   "day": True, "night": False, "weekdays": False} for n in ("一郎", "二郎")]
    make_plan(db, person, staff, supporters=supporters, destination_kind=DestinationKind.SHELTER,
              destination_shelter_id=shelter.id, destination_name="", destination_address="")
    sign_in(auth, "staff")
    html = client.get(f"/plans/{person.id}/print").get_data(as_text=True)
    svg = svg_of(html)
    assert 'class="home"' in svg and 'class="destination"' in svg
    assert "自宅" in svg and "避難先" in svg and re.search(r">\d+(\.\d+)? k?m<", svg)
    assert "http" not in svg and "href" not in svg and "style=" not in svg, "nothing outside"
    assert html.count('class="sign-line"') == 3, "the person and two supporters"
    assert "本人（または代理人）" in html and "支援 一郎" in html and "支援 二郎" in html
    english = client.get(f"/plans/{person.id}/print?lang=en").get_data(as_text=True)
    assert "Signatures" in english and ">Home<" in english and "The person (or proxy)" in english


def test_a_relatives_home_shows_the_home_alone(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    make_plan(db, person, staff)  # the destination is a relative's home, by address only
    sign_in(auth, "staff")
    svg = svg_of(client.get(f"/plans/{person.id}/print").get_data(as_text=True))
    assert 'class="home"' in svg and 'class="destination"' not in svg
    html = client.get(f"/plans/{person.id}/print").get_data(as_text=True)
    assert html.count('class="sign-line"') == 2, "the person and the one supporter"


def test_a_partner_whose_agreement_leaves_out_the_location_gets_no_home_on_the_map(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], factory: Any
) -> None:
    from .test_plans import _sharing_case

    person = _sharing_case(db, world, factory, "consented", True, True, False)
    shelter = make_shelter(db, name="地図小学校", latitude=35.73, longitude=139.54)
    plan = db.scalar(select(Plan).where(Plan.registrant_id == person.id))
    assert plan is not None
    plan.destination_kind = DestinationKind.SHELTER
    plan.destination_shelter_id = shelter.id
    agreement = world["agreement"]
    for groups, home in ((["name", "address", "location"], True), (["name", "address"], False)):
        agreement.fields = groups
        db.flush()
        sign_in(auth, "partner")
        assert client.post(f"/plans/{person.id}/print", data={}).status_code == 303
        svg = svg_of(client.get(f"/plans/{person.id}/print").get_data(as_text=True))
        assert ('class="home"' in svg) is home, groups
        assert 'class="destination"' in svg
        auth.logout()
