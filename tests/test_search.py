"""Searching the register the way calls come in: a phone number in any form, the given name
alone, any part of a name, reading or address; whole matches first."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from roster.models import AuditEvent
from roster.text import looks_like_phone, phone_key

from .test_registrants import count_on, search

WIDE = str.maketrans("0123456789-", "０１２３４５６７８９－")


def names_in(page: str, *names: str) -> list[str]:
    """The names, in the order the page lists them."""
    return sorted((n for n in names if n in page), key=page.index)


def test_staff_find_a_person_by_phone_number_in_any_form(client, auth, factory, world):
    auth.login("t_staff")
    factory.registrant(world["districts"][0], name="電話 花子", phone="042-461-3333",
                       mobile_phone="090-1111-2222")
    for q in ("0424613333", "042-461-3333", "０４２－４６１－３３３３", "042 461 3333",
              "(042)461-3333", "+81 42-461-3333", "09011112222", "090-1111"):
        page = search(client, q)
        assert count_on(page) == 1, q
        assert "電話 花子" in page, q


def test_a_phone_number_finds_no_one_by_digits_in_an_address(client, auth, factory, world):
    auth.login("t_staff")
    factory.registrant(world["districts"][0], name="番地 一", phone="042-999-0000",
                       address="東京都テスト市テスト町4613333")
    assert count_on(search(client, "0424613333")) == 0


def test_staff_find_a_person_by_the_given_name_alone(client, auth, factory, world):
    auth.login("t_staff")
    factory.registrant(world["districts"][0], name="名前 澄江", name_kana="ナマエ スミエ")
    for q in ("澄江", "すみえ", "スミエ", "ｽﾐｴ"):
        page = search(client, q)
        assert count_on(page) == 1, q
        assert "名前 澄江" in page, q


def test_staff_find_a_person_by_any_part_of_the_name_reading_or_address(
    client, auth, factory, world
):
    auth.login("t_staff")
    factory.registrant(world["districts"][0], name="長谷川 美智子", name_kana="ハセガワ ミチコ",
                       address="東京都テスト市ひばりが丘北二丁目7-9")
    for q in ("谷川", "美智", "川美", "せがわ", "ｾｶﾞﾜ", "がわみち", "りが丘北", "丘北二丁目７"):
        page = search(client, q)
        assert count_on(page) == 1, q
        assert "長谷川 美智子" in page, q


def test_whole_matches_come_first_then_starts_then_parts(client, auth, factory, world):
    auth.login("t_staff")
    district = world["districts"][0]
    # In reading order the part match would come first, the whole one last.
    factory.registrant(district, name="小山田 一", name_kana="アア イチ")
    factory.registrant(district, name="山田川 二", name_kana="イイ ニ")
    factory.registrant(district, name="山田 三", name_kana="ウウ サン")
    page = search(client, "山田")
    assert count_on(page) == 3
    assert names_in(page, "小山田 一", "山田川 二", "山田 三") == [
        "山田 三", "山田川 二", "小山田 一"
    ]


def test_a_given_name_typed_whole_ranks_before_one_it_only_starts(client, auth, factory, world):
    auth.login("t_staff")
    district = world["districts"][0]
    factory.registrant(district, name="甲 花子江", name_kana="アア ハナコエ")
    factory.registrant(district, name="乙 花子", name_kana="イイ ハナコ")
    page = search(client, "花子")
    assert names_in(page, "甲 花子江", "乙 花子") == ["乙 花子", "甲 花子江"]


def test_a_search_term_stays_out_of_the_url_and_the_audit_trail(client, auth, factory, world,
                                                                db):
    auth.login("t_staff")
    factory.registrant(world["districts"][0], name="秘密 太郎", phone="042-461-7777")
    for q in ("042-461-7777", "秘密"):
        response = client.post("/registrants/", data={"q": q})
        location = response.headers["Location"]
        assert "461" not in location and "7777" not in location
        assert not re.search(r"%E7%A7%98|秘密", location)
        client.get(location)
    details = " ".join(str(e.detail) for e in db.scalars(select(AuditEvent)))
    assert "7777" not in details and "秘密" not in details


def test_no_one_searches_by_a_field_they_may_not_see(world, db):
    """A search key is offered only on fields the viewer sees: a phone number typed by a
    user who does not see phones finds no one, so it cannot tell who is registered."""
    from dataclasses import replace

    from roster.registrants.queries import RegisterFilter, register_page
    from roster.viewer import viewer_of

    staff = viewer_of(world["users"]["staff"])
    no_phones = replace(staff, fields=staff.fields - {"phone", "mobile_phone"})
    flt = RegisterFilter(q=world["consenting"].phone.replace("-", ""))
    assert register_page(db, staff, flt, 1, 20).total >= 1
    assert register_page(db, no_phones, flt, 1, 20).total == 0


@given(st.from_regex(r"0[1-9]{1,4}-[0-9]{1,4}-[0-9]{4}", fullmatch=True))
def test_every_way_of_writing_a_number_gives_the_same_key(number):
    digits = number.replace("-", "")
    for typed in (number, digits, number.translate(WIDE), number.replace("-", " "),
                  number.replace("-", "ー")):
        assert looks_like_phone(typed)
        assert phone_key(typed) == digits


@given(st.text(alphabet=st.sampled_from("山田花子やまだハナコ東町")))
def test_words_are_never_taken_for_a_phone_number(text):
    assert not looks_like_phone(text) or not text
