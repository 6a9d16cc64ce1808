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


def test_a_number_without_its_area_code_finds_the_person_after_the_whole_matches(
    client, auth, factory, world
):
    auth.login("t_staff")
    district = world["districts"][0]
    factory.registrant(district, name="市外 一", name_kana="アア イチ", phone="042-461-3333")
    factory.registrant(district, name="局番 二", name_kana="イイ ニ", phone="046-133-3300",
                       resident_no="4613333")
    page = search(client, "461-3333")
    assert count_on(page) == 2
    # The resident ID matches whole; the phone only at its end.
    assert names_in(page, "市外 一", "局番 二") == ["局番 二", "市外 一"]
    assert count_on(search(client, "3333")) == 0  # too short to mean the end of a number


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
    # Each group is headed, so a chosen sort that restarts in each group is explained.
    headings = ["入力した言葉と一致", "入力した言葉で始まる", "入力した言葉を含む"]
    assert [page.index(h) for h in headings] == sorted(page.index(h) for h in headings)
    whole, start = page.index(headings[0]), page.index(headings[1])
    assert whole < page.index("山田 三") < start
    assert "入力した言葉と一致" not in search(client, "山田 三")  # one group: no heading


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


def test_a_part_of_a_field_one_may_not_see_finds_no_one(world, db, factory):
    from dataclasses import replace

    from roster.registrants.queries import RegisterFilter, register_page
    from roster.viewer import viewer_of

    factory.registrant(world["districts"][0], address="東京都テスト市ひばりが丘北二丁目7-9")
    staff = viewer_of(world["users"]["staff"])
    no_address = replace(staff, fields=staff.fields - {"address"})
    for q in ("丘北", "丘北二丁目"):
        assert register_page(db, staff, RegisterFilter(q=q), 1, 20).total == 1, q
        assert register_page(db, no_address, RegisterFilter(q=q), 1, 20).total == 0, q


PHONES = st.builds(
    "0{}-{}-{:04d}".format, st.integers(1, 9999), st.integers(0, 9999), st.integers(0, 9999)
)


@given(PHONES)
def test_every_way_of_writing_a_number_gives_the_same_key(number):
    digits = number.replace("-", "")
    for typed in (number, digits, number.translate(WIDE), number.replace("-", " "),
                  number.replace("-", "ー")):
        assert looks_like_phone(typed)
        assert phone_key(typed) == digits


@given(st.text(alphabet=st.sampled_from("山田花子やまだハナコ東町")))
def test_words_are_never_taken_for_a_phone_number(text):
    assert not looks_like_phone(text) or not text


def grams_in_step(db) -> bool:
    """The stored pieces are exactly those of every person's keys as they are now."""
    from roster.models import Registrant, RegistrantGram
    from roster.text import bigrams

    db.expire_all()
    stored = set(db.execute(select(RegistrantGram.gram, RegistrantGram.registrant_id)))
    keys = db.execute(select(Registrant.id, Registrant.name_key, Registrant.kana_key,
                             Registrant.address_key))
    wanted = {(g, i) for i, *k in keys for g in bigrams(*k)}
    return stored == wanted


def test_the_pieces_follow_every_path_that_writes_a_name_or_address(
    client, auth, runner, db, world, tmp_path
):
    from .test_audit import edit_data
    from .test_import_batches import NEW, changed_row, export, imported, undo

    assert grams_in_step(db)
    auth.login("t_staff")
    person = world["consenting"]
    data = edit_data(person, name="改名 さくら", name_kana="カイメイ サクラ")
    assert client.post(f"/registrants/{person.id}/edit", data=data).status_code == 302
    assert grams_in_step(db)
    batch = imported(runner, db, export(tmp_path, NEW, changed_row(world["refusing"])))
    assert grams_in_step(db)
    assert undo(runner, batch.id).exit_code == 0
    assert grams_in_step(db)


def migrated_sqlite(path):
    """An engine on a new SQLite file brought up to date by the migrations."""
    from alembic import command
    from alembic.config import Config

    from roster.config import PROJECT_DIR
    from roster.extensions import make_engine

    url = f"sqlite:///{path}"
    config = Config()
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
    return make_engine(url)


def test_the_demo_loads_with_the_pieces_of_everyone(app, db, tmp_path):
    from sqlalchemy.orm import Session

    from roster.demo import load_demo

    engine = migrated_sqlite(tmp_path / "demo.db")
    with app.app_context(), Session(engine) as session:
        load_demo(session, registrants=40, seed=5, password_hash="x")
        session.commit()
        assert grams_in_step(session)
    engine.dispose()


def test_a_part_is_found_through_its_pieces(client, auth, factory, world, db):
    from sqlalchemy import delete

    from roster.models import RegistrantGram

    auth.login("t_staff")
    person = factory.registrant(world["districts"][0], name="長谷川 美智子",
                                name_kana="ハセガワ ミチコ")
    assert count_on(search(client, "谷川")) == 1
    db.execute(delete(RegistrantGram).where(RegistrantGram.registrant_id == person.id))
    assert count_on(search(client, "谷川")) == 0
    # One character has no piece: the keys are read.
    assert "長谷川 美智子" in search(client, "智")
