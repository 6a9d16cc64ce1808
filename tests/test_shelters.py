"""The shelter registry: list, detail, edit (with its checks and optimistic locking), adding a
place by hand, the /api/v1/shelters API, and the demo's welfare-shelter details.

shelter_id() is used by test_access.URLS: it gives the route matrix a place to open.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from geo import DATA_DIR, read_gsi_shelters
from roster.extensions import db as database
from roster.models import AuditEvent, Shelter
from roster.shelters.demo import enrich_demo_shelters
from roster.shelters.labels import GSI_ATTRIBUTION, GSI_SOURCE, MANUAL_SOURCE

from .conftest import AuthActions, IsolatedClient

_serial = iter(range(1, 10**6))


def make_shelter(session: Any, **values: Any) -> Shelter:
    """A place in 西東京市 (fictional), designated shelter and emergency site by default."""
    n = next(_serial)
    fields: dict[str, Any] = {
        "source_id": f"E13229{n:05d}111",
        "name": f"テスト小学校{n}",
        "address": f"東京都西東京市テスト町{n}-1",
        "latitude": 35.72 + n / 10000,
        "longitude": 139.54,
        "is_emergency_site": True,
        "is_evacuation_shelter": True,
        "hazards": "flood,earthquake",
        "source": GSI_SOURCE,
        "city_code": "132292",
    }
    fields.update(values)
    shelter = Shelter(**fields)
    session.add(shelter)
    session.flush()
    return shelter


def shelter_id(w: dict[str, Any]) -> int:
    """The ID of the route matrix's place (made once per test, kept in the world dict)."""
    if "shelter" not in w:
        w["shelter"] = make_shelter(database.session, name="マトリクス避難所")
    return int(w["shelter"].id)


def sign_in(client: IsolatedClient, role: str) -> None:
    response = AuthActions(client).login(f"t_{role}")
    assert response.status_code == 302


def english(client: IsolatedClient) -> None:
    assert client.post("/locale", data={"locale": "en"}).status_code == 302


def edit_form(shelter: Shelter, **changes: Any) -> dict[str, Any]:
    """The edit form as the page fills it for this place, with changes."""
    form: dict[str, Any] = {
        "source_id": shelter.source_id,
        "name": shelter.name,
        "name_kana": shelter.name_kana,
        "address": shelter.address,
        "latitude": str(shelter.latitude),
        "longitude": str(shelter.longitude),
        "hazards": shelter.hazard_list,
        "capacity": "" if shelter.capacity is None else str(shelter.capacity),
        "capacity_text": shelter.capacity_text,
        "accepts": shelter.accepts or "",
        "accept_groups": shelter.group_list,
        "care_places": "" if shelter.care_places is None else str(shelter.care_places),
        "accessible_toilet": "",
        "step_free": "",
        "backup_power": "",
        "facility_agreement": shelter.facility_agreement,
        "phone": shelter.phone,
        "contact": shelter.contact,
        "notes": shelter.notes,
        "city_code": shelter.city_code,
        "version": str(shelter.version),
    }
    for kind in ("is_emergency_site", "is_evacuation_shelter", "is_welfare_shelter"):
        if getattr(shelter, kind):
            form[kind] = "y"
    for name, value in changes.items():
        if value is None:
            form.pop(name, None)
        else:
            form[name] = value
    return form


def checked_values(html: str, name: str) -> set[str]:
    inputs = re.findall(r"<input[^>]*>", html)
    return {
        re.search(r'value="([^"]*)"', tag).group(1)  # type: ignore[union-attr]
        for tag in inputs
        if f'name="{name}"' in tag and "checked" in tag
    }


def events(session: Any, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
    )


@pytest.fixture()
def places(db: Any, world: dict[str, Any]) -> dict[str, Shelter]:
    return {
        "school": make_shelter(
            db, name="中原小学校", capacity=480, capacity_text="屋内480人／屋外3,350人(面積の1/2)"
        ),
        "park": make_shelter(
            db,
            name="ひばりが丘公園",
            is_evacuation_shelter=False,
            hazards="earthquake,large_fire",
            capacity=None,
        ),
        "nursery": make_shelter(
            db,
            name="ひばりが丘保育園",
            is_emergency_site=False,
            is_evacuation_shelter=False,
            is_welfare_shelter=True,
            hazards="",
            accepts="妊婦、乳幼児・保護者",
            accept_groups="pregnant_infant",
            capacity=40,
            care_places=8,
            backup_power=True,
        ),
        "manual": make_shelter(
            db,
            source_id="H000001",
            name="臨時の集会所",
            source=MANUAL_SOURCE,
            capacity=1000,
            is_emergency_site=False,
        ),
    }


# --- The list and the detail page ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "planner"])
def test_staff_and_planners_see_the_registry_with_kinds_and_attribution(
    client: IsolatedClient, places: dict[str, Shelter], role: str
) -> None:
    sign_in(client, role)
    english(client)
    html = client.get("/shelters/").get_data(as_text=True)
    for shelter in places.values():
        assert shelter.name in html
    assert "Welfare shelter" in html and "Emergency evacuation site" in html
    assert "Pregnant women and infants" in html
    assert GSI_ATTRIBUTION in html
    assert "Entered by staff" in html, "the source column says where each place came from"
    assert ("Add a place" in html) is (role == "staff")


def test_the_list_filters_by_kind_and_hazard_and_sorts_by_capacity(
    client: IsolatedClient, places: dict[str, Shelter]
) -> None:
    sign_in(client, "planner")

    def names(query: str) -> list[str]:
        html = client.get(f"/shelters/?{query}").get_data(as_text=True)
        return [
            s.name
            for s in sorted(places.values(), key=lambda s: html.find(s.name))
            if s.name in html
        ]

    assert names("kind=welfare") == ["ひばりが丘保育園"]
    assert set(names("kind=emergency")) == {"中原小学校", "ひばりが丘公園"}
    assert set(names("hazard=large_fire")) == {"ひばりが丘公園"}
    assert names("sort=capacity&dir=desc") == [
        "臨時の集会所",
        "中原小学校",
        "ひばりが丘保育園",
        "ひばりが丘公園",
    ]
    assert names("sort=capacity")[:3] == ["ひばりが丘保育園", "中原小学校", "臨時の集会所"]
    assert client.get("/shelters/?kind=nonsense&sort=evil").status_code == 200


def test_no_attribution_when_no_listed_place_comes_from_gsi(
    client: IsolatedClient, places: dict[str, Shelter]
) -> None:
    sign_in(client, "staff")
    html = client.get("/shelters/?kind=evacuation&hazard=flood").get_data(as_text=True)
    assert "臨時の集会所" in html and GSI_ATTRIBUTION in html
    only_manual = client.get(f"/shelters/{places['manual'].id}").get_data(as_text=True)
    assert GSI_ATTRIBUTION not in only_manual
    gsi = client.get(f"/shelters/{places['nursery'].id}").get_data(as_text=True)
    assert GSI_ATTRIBUTION in gsi


def test_the_detail_page_shows_every_field(
    client: IsolatedClient, places: dict[str, Shelter]
) -> None:
    sign_in(client, "planner")
    english(client)
    nursery = places["nursery"]
    html = client.get(f"/shelters/{nursery.id}").get_data(as_text=True)
    for text in (
        "ひばりが丘保育園",
        "妊婦、乳幼児・保護者",
        "Pregnant women and infants",
        nursery.source_id,
        "Backup power or outlets",
        "Suitable for",
    ):
        assert text in html
    assert "Edit" not in html.split("<main>")[1].split("</h1>")[1].split("</div>")[0]
    assert client.get("/shelters/999999").status_code == 404


# --- Editing -----------------------------------------------------------------------------------


def test_staff_edit_every_field_and_the_change_is_audited_by_field_name(
    client: IsolatedClient, db: Any, places: dict[str, Shelter]
) -> None:
    sign_in(client, "staff")
    nursery = places["nursery"]
    response = client.post(
        f"/shelters/{nursery.id}/edit",
        data=edit_form(
            nursery,
            name_kana="ひばりがおかほいくえん",
            hazards=["flood", "earthquake"],
            care_places="12",
            accessible_toilet="yes",
            step_free="no",
            backup_power="",
            facility_agreement="福祉避難所の設置運営に関する協定（令和5年締結）",
            accept_groups=["pregnant_infant", "disabled"],
            notes="非常用発電機なし",
            is_evacuation_shelter="y",
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.expire_all()
    assert nursery.name_kana == "ヒバリガオカホイクエン"
    assert nursery.hazard_list == ["flood", "earthquake"]
    assert nursery.care_places == 12
    assert (nursery.accessible_toilet, nursery.step_free, nursery.backup_power) == (
        True,
        False,
        None,
    )
    assert nursery.group_list == ["disabled", "pregnant_infant"]
    assert nursery.is_evacuation_shelter and nursery.is_welfare_shelter
    assert nursery.version == 2
    event = events(db, "shelter.update")[-1]
    assert event.object_id == str(nursery.id)
    assert json.loads(event.detail)["fields"] == [
        "name_kana",
        "is_evacuation_shelter",
        "hazards",
        "accept_groups",
        "care_places",
        "accessible_toilet",
        "step_free",
        "backup_power",
        "facility_agreement",
        "notes",
    ]


def test_an_unchanged_save_changes_nothing_and_audits_nothing(
    client: IsolatedClient, db: Any, places: dict[str, Shelter]
) -> None:
    sign_in(client, "staff")
    school = places["school"]
    before = len(events(db, "shelter.update"))
    response = client.post(f"/shelters/{school.id}/edit", data=edit_form(school))
    assert response.status_code == 302
    db.expire_all()
    assert school.version == 1 and len(events(db, "shelter.update")) == before


def test_a_changed_capacity_text_with_no_number_is_parsed_and_staff_are_told(
    client: IsolatedClient, db: Any, places: dict[str, Shelter]
) -> None:
    sign_in(client, "staff")
    english(client)
    school = places["school"]
    response = client.post(
        f"/shelters/{school.id}/edit",
        data=edit_form(school, capacity="", capacity_text="屋内５２０人／屋外3,350人"),
        follow_redirects=True,
    )
    db.expire_all()
    assert school.capacity == 520 and school.capacity_text == "屋内５２０人／屋外3,350人"
    assert "The capacity 520 was read from the capacity text" in response.get_data(as_text=True)
    response = client.post(
        f"/shelters/{school.id}/edit",
        data=edit_form(school, capacity="", capacity_text="校庭の半分"),
        follow_redirects=True,
    )
    db.expire_all()
    assert school.capacity is None
    assert "No number of people could be read" in response.get_data(as_text=True)


def test_a_changed_accepts_text_with_no_group_ticked_sets_the_groups(
    client: IsolatedClient, db: Any, places: dict[str, Shelter]
) -> None:
    sign_in(client, "staff")
    nursery = places["nursery"]
    client.post(
        f"/shelters/{nursery.id}/edit",
        data=edit_form(nursery, accepts="障害者、高齢者等", accept_groups=None),
    )
    db.expire_all()
    assert nursery.group_list == ["elderly", "disabled"]


def test_the_edit_form_prefills_groups_from_the_published_text(
    client: IsolatedClient, db: Any, places: dict[str, Shelter]
) -> None:
    sign_in(client, "staff")
    nursery = places["nursery"]
    nursery.accept_groups = ""
    nursery.accepts = "妊婦、車いす来園者"
    db.flush()
    html = client.get(f"/shelters/{nursery.id}/edit").get_data(as_text=True)
    assert checked_values(html, "accept_groups") == {"disabled", "pregnant_infant"}
    db.expire_all()
    assert nursery.accept_groups == "", "a GET changes nothing"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"latitude": "139.54", "longitude": "35.72"}, "latitude", "look swapped"),
        ({"latitude": "35.7", "longitude": "200"}, "longitude", "Longitude in Japan"),
        ({"latitude": "北緯35度"}, "latitude", "Write decimal degrees"),
        ({"name": ""}, "name", "This field is required"),
        (
            {"is_emergency_site": None, "is_evacuation_shelter": None},
            "is_emergency_site",
            "Choose at least one kind",
        ),
        ({"capacity": "-5"}, "capacity", "Give a number of people"),
        ({"phone": "abc"}, "phone", "Japanese phone number"),
        ({"city_code": "132291"}, "city_code", "check digit"),
        ({"name_kana": "Nakahara"}, "name_kana", "kana only"),
    ],
)
def test_a_bad_edit_says_what_to_fix_with_422_and_changes_nothing(
    client: IsolatedClient,
    db: Any,
    places: dict[str, Shelter],
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    sign_in(client, "staff")
    english(client)
    school = places["school"]
    response = client.post(f"/shelters/{school.id}/edit", data=edit_form(school, **changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and f'id="{field}-err"' in html
    db.expire_all()
    assert school.version == 1 and school.name == "中原小学校"


def test_a_save_on_an_outdated_page_is_refused_with_409_and_nothing_changes(
    client: IsolatedClient, db: Any, places: dict[str, Shelter]
) -> None:
    sign_in(client, "staff")
    english(client)
    school = places["school"]
    outdated = edit_form(school, name="古い画面の名前")
    assert (
        client.post(
            f"/shelters/{school.id}/edit", data=edit_form(school, notes="先に保存")
        ).status_code
        == 302
    )
    response = client.post(f"/shelters/{school.id}/edit", data=outdated)
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    db.expire_all()
    assert school.name == "中原小学校" and school.notes == "先に保存" and school.version == 2


def test_an_id_already_in_use_is_refused(
    client: IsolatedClient, db: Any, places: dict[str, Shelter]
) -> None:
    sign_in(client, "staff")
    school, park = places["school"], places["park"]
    response = client.post(
        f"/shelters/{school.id}/edit", data=edit_form(school, source_id=park.source_id)
    )
    assert response.status_code == 422
    db.expire_all()
    assert school.source_id != park.source_id


@pytest.mark.parametrize("role", ["planner", "partner", "admin"])
def test_only_staff_may_edit_or_add(
    client: IsolatedClient, db: Any, places: dict[str, Shelter], role: str
) -> None:
    sign_in(client, role)
    school = places["school"]
    assert (
        client.post(
            f"/shelters/{school.id}/edit", data=edit_form(school, name="改ざん")
        ).status_code
        == 403
    )
    assert client.get("/shelters/new").status_code == 403
    db.expire_all()
    assert school.name == "中原小学校"


# --- Adding a place by hand ------------------------------------------------------------------


def new_form(**changes: Any) -> dict[str, Any]:
    form = {
        "name": "西東京市民会館（臨時）",
        "address": "東京都西東京市田無町4-1-1",
        "latitude": "35.7256",
        "longitude": "139.5386",
        "is_evacuation_shelter": "y",
        "capacity_text": "屋内300人",
        "hazards": ["earthquake"],
    }
    form.update(changes)
    return form


def test_staff_add_a_place_by_hand_with_a_new_id(
    client: IsolatedClient, db: Any, places: dict[str, Shelter]
) -> None:
    sign_in(client, "staff")
    response = client.post("/shelters/new", data=new_form())
    assert response.status_code == 302
    added = db.scalars(select(Shelter).where(Shelter.name == "西東京市民会館（臨時）")).one()
    assert added.source == MANUAL_SOURCE
    assert added.source_id.startswith("H") and added.source_id != "H000001"
    assert added.capacity == 300, "parsed from the text"
    assert response.headers["Location"] == f"/shelters/{added.id}"
    assert events(db, "shelter.create")[-1].object_id == str(added.id)


def test_adding_a_place_with_an_id_in_use_is_refused(
    client: IsolatedClient, db: Any, places: dict[str, Shelter]
) -> None:
    sign_in(client, "staff")
    response = client.post("/shelters/new", data=new_form(source_id=places["park"].source_id))
    assert response.status_code == 422
    assert db.scalar(select(func.count(Shelter.id))) == 4


# --- The API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "planner", "partner", "admin"])
def test_every_signed_in_user_gets_the_registry_as_json(
    client: IsolatedClient, places: dict[str, Shelter], role: str
) -> None:
    sign_in(client, role)
    body = client.get("/api/v1/shelters").get_json()
    assert body["attribution"] == GSI_ATTRIBUTION
    by_name = {item["name"]: item for item in body["items"]}
    nursery = by_name["ひばりが丘保育園"]
    assert nursery["accept_groups"] == ["pregnant_infant"]
    assert nursery["backup_power"] is True and nursery["accessible_toilet"] is None
    assert nursery["is_welfare_shelter"] is True and nursery["hazards"] == []
    assert by_name["中原小学校"]["capacity"] == 480
    assert by_name["中原小学校"]["hazards"] == ["flood", "earthquake"]
    assert set(nursery) >= {
        "id",
        "source_id",
        "name",
        "name_kana",
        "address",
        "latitude",
        "longitude",
        "is_emergency_site",
        "is_evacuation_shelter",
        "is_welfare_shelter",
        "hazards",
        "capacity",
        "capacity_text",
        "accepts",
        "accept_groups",
        "care_places",
        "accessible_toilet",
        "step_free",
        "backup_power",
        "facility_agreement",
        "phone",
        "contact",
        "notes",
        "city_code",
        "source",
    }


def test_the_api_gives_geojson_points_in_wgs84(
    client: IsolatedClient, places: dict[str, Shelter]
) -> None:
    sign_in(client, "partner")
    response = client.get("/api/v1/shelters?format=geojson&kind=welfare")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = json.loads(response.get_data(as_text=True))
    assert body["type"] == "FeatureCollection"
    assert body["attribution"] == GSI_ATTRIBUTION
    [feature] = body["features"]
    nursery = places["nursery"]
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [nursery.longitude, nursery.latitude],
    }
    assert feature["properties"]["name"] == "ひばりが丘保育園"
    assert feature["properties"]["care_places"] == 8


@pytest.mark.parametrize(
    "query", ["format=kml", "format=", "kind=school", "hazard=meteor", "sort=secret"]
)
def test_the_api_refuses_unknown_values_with_a_json_400(
    client: IsolatedClient, places: dict[str, Shelter], query: str
) -> None:
    sign_in(client, "staff")
    response = client.get(f"/api/v1/shelters?{query}")
    assert response.status_code == 400 and "error" in response.get_json()


def test_the_api_asks_an_anonymous_caller_to_sign_in_in_json(
    client: IsolatedClient, places: dict[str, Shelter]
) -> None:
    response = client.get("/api/v1/shelters?format=geojson")
    assert response.status_code == 401 and response.get_json() == {
        "error": "authentication required"
    }


def test_the_api_has_no_attribution_without_gsi_data(
    client: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    make_shelter(db, source=MANUAL_SOURCE, source_id="H000009")
    sign_in(client, "staff")
    assert client.get("/api/v1/shelters").get_json()["attribution"] is None


# --- The demo's welfare-shelter details ---------------------------------------------------------


def _load_demo_shelters(session: Any) -> list[Shelter]:
    """The demo's shelters as the demo loader adds them (GSI fields only)."""
    frame = read_gsi_shelters(
        DATA_DIR / "nishitokyo_132292_evacuation.geojson",
        DATA_DIR / "nishitokyo_132292_emergency.geojson",
    )
    shelters = [
        Shelter(
            source_id=row.source_id,
            name=row.name,
            address=row.address,
            latitude=row.latitude,
            longitude=row.longitude,
            is_emergency_site=bool(row.is_emergency_site),
            is_evacuation_shelter=bool(row.is_evacuation_shelter),
            is_welfare_shelter=bool(row.is_welfare_shelter),
            hazards=",".join(row.hazards),
            accepts=row.accepts,
            source=f"{GSI_SOURCE} (2025-10-27)",
        )
        for row in frame.itertuples(index=False)
    ]
    session.add_all(shelters)
    session.flush()
    return shelters


def _snapshot(shelters: list[Shelter]) -> list[tuple[Any, ...]]:
    return [
        (
            s.source_id,
            s.care_places,
            s.accessible_toilet,
            s.step_free,
            s.backup_power,
            s.facility_agreement,
            s.capacity,
            s.capacity_text,
            s.hazards,
            s.accept_groups,
            s.city_code,
            s.notes,
        )
        for s in sorted(shelters, key=lambda s: s.source_id)
    ]


def test_the_demo_gives_welfare_shelters_realistic_details_deterministically(db: Any) -> None:
    savepoint = db.begin_nested()
    shelters = _load_demo_shelters(db)
    counts = enrich_demo_shelters(db, random.Random(5))  # noqa: S311
    first = _snapshot(shelters)
    savepoint.rollback()
    savepoint = db.begin_nested()
    shelters = _load_demo_shelters(db)
    enrich_demo_shelters(db, random.Random(5))  # noqa: S311
    assert _snapshot(shelters) == first, "the same random state gives the same details"
    welfare = [s for s in shelters if s.is_welfare_shelter]
    assert counts["welfare_details"] == len(welfare) == 28
    for s in welfare:
        assert s.care_places and s.care_places > 0
        assert s.accessible_toilet is not None and s.step_free is not None
        assert s.backup_power is not None
        assert s.facility_agreement.startswith("福祉避難所の設置運営に関する協定（令和")
        assert s.facility_agreement.endswith("年締結）")
        assert s.group_list, "groups normalised from 受入対象者"
        assert s.hazard_list, "a suitability so assignment can restrict by hazard"
        assert "デモ" in s.notes
    assert 0 < sum(1 for s in welfare if s.backup_power) < len(welfare)
    assert any(s.backup_power for s in welfare if "medical_care" in s.group_list)
    stays = [s for s in shelters if s.is_evacuation_shelter or s.is_welfare_shelter]
    assert all(s.capacity and "デモ" in s.capacity_text for s in stays)
    assert all(s.hazard_list for s in stays)
    sites_only = [s for s in shelters if not (s.is_evacuation_shelter or s.is_welfare_shelter)]
    assert all(s.capacity is None for s in sites_only), "emergency sites are left as GSI has them"
    assert all(s.city_code == "132292" for s in shelters)
    # The GSI designations of emergency sites are never replaced.
    school = next(s for s in shelters if s.name == "中原小学校")
    assert school.hazard_list == ["flood", "landslide", "earthquake"]
    savepoint.rollback()


def test_the_demo_details_fill_only_what_is_empty(db: Any) -> None:
    savepoint = db.begin_nested()
    shelters = _load_demo_shelters(db)
    nursery = next(s for s in shelters if s.name == "ひばりが丘保育園")
    nursery.care_places, nursery.backup_power, nursery.capacity = 3, False, 25
    nursery.facility_agreement = "既存の協定"
    enrich_demo_shelters(db, random.Random(1))  # noqa: S311
    assert (nursery.care_places, nursery.backup_power, nursery.capacity) == (3, False, 25)
    assert nursery.facility_agreement == "既存の協定"
    savepoint.rollback()
