"""A bulk status change names the people: on its confirmation (up to 20, then how many
more), and on the list after it, with links; the bar counts the people ticked."""

from __future__ import annotations

from typing import Any

from roster.models import RegistrantStatus

from .test_register_bulk import _hidden, _start


def test_the_confirmation_and_the_result_name_the_people(client, auth, world, db):
    auth.login("t_staff")
    people = [world["consenting"], world["refusing"]]
    first = _start(client, "status", people).get_data(as_text=True)
    for p in people:
        assert f"<li>{p.name}</li>" in first
    form = {"ids": _hidden(first, "ids"), "versions": _hidden(first, "versions"),
            "status": "institutionalised"}
    check = client.post("/registrants/bulk/status", data=form).get_data(as_text=True)
    assert all(f"<li>{p.name}</li>" in check for p in people)
    done = client.post("/registrants/bulk/status", data={**form, "confirm": "1"})
    assert done.status_code == 303
    listed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "変更した人：" in listed
    for p in people:
        assert f'<a href="/registrants/{p.id}">{p.name}</a>' in listed
    # Once only; and the cookie holds register numbers, never names.
    again = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "変更した人：" not in again
    db.expire_all()
    assert all(p.status is RegistrantStatus.INSTITUTIONALISED for p in people)


def test_past_twenty_the_confirmation_says_how_many_more(client, auth, world, factory):
    many: list[Any] = [factory.registrant(world["districts"][0]) for _ in range(23)]
    auth.login("t_staff")
    first = _start(client, "status", many).get_data(as_text=True)
    assert first.count("<li>") == 21 and "ほか 3 人" in first
    assert many[19].name in first and many[20].name not in first


def test_the_bar_has_a_count_of_the_people_ticked_for_its_script(client, auth, world):
    auth.login("t_staff")
    html = client.get("/registrants/?status=all").get_data(as_text=True)
    assert 'data-text="__N__人選択中"' in html and "bulk.js" in html
    assert "data-ticked-count" in html and "hidden></span>" in html
