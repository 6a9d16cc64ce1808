"""The register: forms that validate per field, optimistic locking, search, filters, paging."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from roster.models import LocationPrecision, Registrant, RegistrantStatus

from .test_audit import edit_data


def new_person(district, **changes):
    data = {
        "resident_no": "１２３４５６７８９０", "name": "山田 花子", "name_kana": "やまだ はなこ",
        "birth_date": "1938-03-02", "sex": "female", "address": "東京都テスト市テスト町A2-3-4",
        "district_id": str(district.id), "phone": "０４２-１１１-２２２２",
        "reason_elderly_care": "y", "support_reason_detail": "独居、歩行困難",
        "household": "alone", "mobility": "cane_walker",
        "care_level": "care_2", "status": "active", "source": "self_applied",
        "emergency_contacts-0-name": "山田 一郎", "emergency_contacts-0-relation": "長男",
        "emergency_contacts-0-phone": "090-1234-5678",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_staff_add_a_person_with_normalised_fields(client, auth, db, world):
    auth.login("t_staff")
    response = client.post("/registrants/new", data=new_person(world["districts"][0]))
    assert response.status_code == 302, response.get_data(as_text=True)
    person = db.scalars(select(Registrant).where(Registrant.resident_no == "1234567890")).one()
    assert person.name_kana == "ヤマダ ハナコ"
    assert person.phone == "042-111-2222"
    assert [c.name for c in person.emergency_contacts] == ["山田 一郎"]
    # No coordinates given: the district's point, flagged approximate.
    assert person.location_approximate and person.latitude == world["districts"][0].latitude


def test_a_bad_form_names_each_field_and_saves_nothing(client, auth, db, world):
    auth.login("t_staff")
    before = db.scalar(select(func.count(Registrant.id)))
    response = client.post("/registrants/new", data=new_person(
        world["districts"][0], name="", name_kana="Yamada", birth_date="2999-01-01",
        phone="12345", latitude="35.7",
        **{"emergency_contacts-0-phone": ""}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("name", "name_kana", "birth_date", "phone", "longitude",
                  "emergency_contacts-0-phone"):
        assert f'id="{field}-err"' in html, field
    assert db.scalar(select(func.count(Registrant.id))) == before


def test_a_duplicate_resident_id_is_refused(client, auth, world):
    auth.login("t_staff")
    response = client.post("/registrants/new", data=new_person(
        world["districts"][0], resident_no=world["consenting"].resident_no))
    assert response.status_code == 422
    assert 'id="resident_no-err"' in response.get_data(as_text=True)


def test_saving_a_stale_form_gets_409_and_overwrites_nothing(client, auth, db, world):
    auth.login("t_staff")
    person = world["consenting"]
    stale = edit_data(person, phone="042-555-0001")
    first = edit_data(person, phone="042-555-0002")
    assert client.post(f"/registrants/{person.id}/edit", data=first).status_code == 302
    response = client.post(f"/registrants/{person.id}/edit", data=stale)
    assert response.status_code == 409
    db.refresh(person)
    assert person.phone == "042-555-0002"


def test_detail_page_shows_the_era_beside_the_western_date(client, auth, world):
    auth.login("t_staff")
    page = client.get(f"/registrants/{world['consenting'].id}").get_data(as_text=True)
    assert "昭和15年4月1日" in page and "1940" in page


def search(client, q, **filters):
    response = client.post("/registrants/", data={"q": q, **filters})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def count_on(page):
    match = re.search(r'class="count">([\d,]+)', page)
    assert match, page[:2000]
    return int(match.group(1).replace(",", ""))


def test_staff_search_by_start_of_name_kana_address_or_id(client, auth, factory, world):
    auth.login("t_staff")
    district = world["districts"][0]
    factory.registrant(district, name="渡邊 ミツ", name_kana="ワタナベ ミツ",
                       address="東京都テスト市北町3-1-1", resident_no="5550001111")
    for q in ("渡邊", "渡邊ミツ", "わたなべ", "ﾜﾀﾅﾍﾞ", "北町３", "555000"):
        page = search(client, q)
        assert count_on(page) == 1, q
        assert "渡邊 ミツ" in page


def test_filters_combine_and_sorting_and_paging_work(client, auth, factory, world, app):
    auth.login("t_staff")
    district = world["districts"][1]
    for i in range(7):
        kana = f"ア{'イウエオカキク'[i]} タロウ"
        factory.registrant(district, name_kana=kana, device_ventilator=False)
    base = f"/registrants/?district={district.id}&sort=kana"
    page = client.get(base).get_data(as_text=True)
    assert count_on(page) == 8
    assert page.index("アイ タロウ") < page.index("アウ タロウ")
    desc = client.get(base + "&dir=desc").get_data(as_text=True)
    assert desc.index("アウ タロウ") < desc.index("アイ タロウ")
    assert count_on(client.get(base + "&need=ventilator").get_data(as_text=True)) == 1
    assert count_on(client.get(base + "&consent=consented").get_data(as_text=True)) == 1
    app.config["PAGE_SIZE"] = 3
    try:
        paged = client.get(base + "&page=3").get_data(as_text=True)
        assert "Page 3 of 3" in paged or "3 / 3" in paged or "3ページ" in paged
    finally:
        app.config["PAGE_SIZE"] = 50


def test_the_list_shows_active_people_unless_asked(client, auth, factory, world):
    auth.login("t_staff")
    district = world["districts"][1]
    factory.registrant(district, status=RegistrantStatus.DECEASED)
    assert count_on(client.get(f"/registrants/?district={district.id}").get_data(as_text=True)) == 1
    assert count_on(client.get(
        f"/registrants/?district={district.id}&status=all").get_data(as_text=True)) == 2


def test_a_contact_only_edit_still_makes_an_older_form_stale(client, auth, db, world):
    auth.login("t_staff")
    person = world["consenting"]
    stale = edit_data(person, phone="042-555-0009")
    first = edit_data(person, **{"emergency_contacts-0-name": "試験 次郎",
                                 "emergency_contacts-0-relation": "次男",
                                 "emergency_contacts-0-phone": "090-0000-1111"})
    assert client.post(f"/registrants/{person.id}/edit", data=first).status_code == 302
    assert client.post(f"/registrants/{person.id}/edit", data=stale).status_code == 409
    db.refresh(person)
    assert [c.name for c in person.emergency_contacts] == ["試験 次郎"]


def test_editing_a_person_placed_at_the_district_point_keeps_it_approximate(
    client, auth, db, factory, world
):
    auth.login("t_staff")
    district = world["districts"][0]
    person = factory.registrant(district, latitude=district.latitude,
                                longitude=district.longitude, location_approximate=True,
                                location_precision=LocationPrecision.DISTRICT)
    form = client.get(f"/registrants/{person.id}/edit").get_data(as_text=True)
    latitude = re.search(r'<input[^>]*name="latitude"[^>]*>', form).group(0)
    assert 'value=""' in latitude or "value" not in latitude
    data = edit_data(person, phone="042-555-0101")
    data.pop("latitude"), data.pop("longitude")
    assert client.post(f"/registrants/{person.id}/edit", data=data).status_code == 302
    db.refresh(person)
    assert person.location_approximate
    assert person.location_precision is LocationPrecision.DISTRICT


def test_a_person_needs_at_least_one_contact_and_chosen_answers(client, auth, db, world):
    auth.login("t_staff")
    blank = client.get("/registrants/new").get_data(as_text=True)
    household = re.search(r'<select id="household".*?</select>', blank, re.S).group(0)
    assert re.search(r'<select[^>]*><option value="">', household)
    assert "selected" not in household
    response = client.post("/registrants/new", data=new_person(
        world["districts"][0], phone=None, household=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="phone-err"' in html and 'id="household-err"' in html


def test_an_address_search_may_start_with_the_city(client, auth, factory, world):
    auth.login("t_staff")
    factory.registrant(world["districts"][0], address="東京都テスト市緑町9-9-9",
                       name="緑 一子", name_kana="ミドリ イチコ")
    for q in ("緑町9", "テスト市緑町9", "東京都テスト市緑町９"):
        assert count_on(search(client, q)) == 1, q


def test_an_expired_search_says_so(client, auth, world):
    auth.login("t_staff")
    page = client.get("/registrants/?f=no-such-key").get_data(as_text=True)
    assert 'role="alert"' in page


def test_a_broad_search_stops_counting_and_asks_to_narrow_it(client, auth, factory, world,
                                                             monkeypatch):
    from roster.registrants import queries

    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 2)
    auth.login("t_staff")
    for _ in range(3):
        factory.registrant(world["districts"][0], name="広瀬 一", name_kana="ヒロセ ハジメ")
    client.post("/locale", data={"locale": "en", "next": "/"})
    page = search(client, "広瀬")
    assert "More than 2 people match" in page
    # The first page still lists the matches in reading order; only the counting stops.
    assert page.count("広瀬 一") == 3


def test_the_form_offers_a_map_to_click_the_home_on_with_app_served_leaflet(
    client: Any, auth: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    html = client.get(f"/registrants/{world['consenting'].id}/edit").get_data(as_text=True)
    assert 'id="location-picker"' in html and "location-picker.js" in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(src.startswith(("/vendor/", "/static/")) for src in scripts)
    for src in scripts:
        assert client.get(src).status_code == 200
    assert "<script>" not in html, "no inline script: the page's CSP forbids it"
