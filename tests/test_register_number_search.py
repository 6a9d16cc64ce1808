"""The register number (整理番号) can be searched, ranked first; a staff search that a status
filter narrows says how many it finds under the other statuses."""

from __future__ import annotations

from roster.models import ConsentState, RegistrantStatus
from roster.registrants.queries import RegisterFilter, register_page
from roster.viewer import viewer_of

from .test_registrants import count_on, search
from .test_search import names_in


def _person_with_id(factory, district, number, **fields):
    """A person whose register number is `number`."""
    return factory.registrant(district, id=number, **fields)


def test_staff_find_a_person_by_register_number_first_then_resident_ids(
    client, auth, factory, world
):
    district = world["districts"][0]
    by_number = _person_with_id(factory, district, 669, name="番号 一郎",
                                resident_no="1000000001")
    factory.registrant(district, name="宛名 二郎", resident_no="6690000002")
    auth.login("t_staff")
    for q in ("669", "６６９", "#669", "No.669"):
        page = search(client, q)
        assert by_number.name in page, q
    page = search(client, "669")
    assert count_on(page) == 2
    assert names_in(page, "番号 一郎", "宛名 二郎") == ["番号 一郎", "宛名 二郎"]
    assert count_on(search(client, "66")) == 1  # the register number only whole


def test_a_partner_finds_by_register_number_but_never_by_resident_id(world, db, factory):
    district = world["districts"][0]
    person = _person_with_id(factory, district, 7071, resident_no="1234567890")
    factory.consent(person, ConsentState.CONSENTED, world["users"]["staff"])
    partner = viewer_of(world["users"]["partner"])
    assert "resident_no" not in partner.fields
    page = register_page(db, partner, RegisterFilter(q="7071"), 1, 20)
    assert [p.registrant_id for p in page.rows] == [7071]
    assert register_page(db, partner, RegisterFilter(q="1234567890"), 1, 20).total == 0
    # Someone the partner may not see is not found by number either.
    hidden = world["refusing"]
    assert register_page(db, partner, RegisterFilter(q=str(hidden.id)), 1, 20).total == 0


def test_the_staff_person_page_shows_the_register_number(client, auth, world):
    auth.login("t_staff")
    person = world["consenting"]
    html = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert f'<span class="register-no">整理番号 {person.id}</span>' in html


def test_a_search_says_how_many_it_finds_under_other_statuses(client, auth, factory, world):
    district = world["districts"][0]
    factory.registrant(district, name="石井 正一", name_kana="イシイ ショウイチ",
                       status=RegistrantStatus.INSTITUTIONALISED)
    auth.login("t_staff")
    page = search(client, "石井 正一")
    assert count_on(page) == 0
    assert "ほかの状態（施設入所：1人）に 1 人います。" in page
    assert "status=all" in page and "すべての状態で探す" in page
    page = search(client, "石井 正一", status="all")
    assert count_on(page) == 1 and "ほかの状態" not in page
    assert "ほかの状態" not in search(client, "別人")


def test_the_search_boxes_name_the_register_number_and_partners_not_the_resident_id(
    client, auth, world
):
    auth.login("t_staff")
    html = client.get("/registrants/").get_data(as_text=True)
    assert "宛名番号（一部でも可）・整理番号" in html
    auth.logout()
    auth.login("t_partner")
    html = client.get("/portal/").get_data(as_text=True)
    assert 'placeholder="氏名・ふりがな・住所（一部でも可）・整理番号"' in html
    assert "宛名番号" not in html


def test_other_statuses_are_counted_each_on_its_own(client, auth, factory, world, monkeypatch):
    """Viewing 転出, the count under 在籍 and the rest is each status's own, and only a status
    past the cap says "more than"; an empty list under the status shown says where they are."""
    from roster.registrants import other_statuses

    monkeypatch.setattr(other_statuses, "OTHER_STATUS_CAP", 3)
    district = world["districts"][0]
    for status, n in ((RegistrantStatus.ACTIVE, 5), (RegistrantStatus.DECEASED, 2)):
        for i in range(n):
            factory.registrant(
                district, name=f"石井 正{i}", name_kana="イシイ ショウ", status=status
            )
    auth.login("t_staff")
    page = search(client, "石井", status="moved_out")
    assert count_on(page) == 0
    assert "在籍：3人以上" in page and "死亡：2人" in page
    assert "ほかの状態（在籍：3人以上、死亡：2人）に 5 人以上います。" in page
    assert "表示中の状態で該当する方はいません" in page


def test_the_list_marks_people_not_active_and_ignores_an_unknown_status(
    client, auth, factory, world
):
    district = world["districts"][0]
    factory.registrant(district, name="石井 転出", name_kana="イシイ テンシュツ",
                       status=RegistrantStatus.MOVED_OUT)  # fmt: skip
    auth.login("t_staff")
    page = search(client, "石井 転出", status="all")
    assert '<span class="tag status">転出</span>' in page
    unknown = search(client, "石井 転出", status="nonsense")
    assert count_on(unknown) == 0  # shown as 在籍, the status the menu then shows
