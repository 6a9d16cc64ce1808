"""Bulk actions on the register list (issue 15, point 5): tick people to change their
status (count first, version-safe, audited), add them to a mailing round not yet sent
(count first), or print one A4 person sheet each (audited as a view of each person).
The selection travels in POST bodies; partners and planners have none of this."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from roster.consent.catalog import reference_key
from roster.models import AuditEvent, RegistrantStatus, RoundMember
from roster.numbers import MAX_INT
from roster.registrants.bulk import parse_versions, selected_ids
from roster.rounds.operations import create_round

from .conftest import AuthActions, IsolatedClient


def _events(db: Any, action: str) -> list[dict[str, Any]]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    rows = db.scalars(query)
    return [json.loads(e.detail) for e in rows]


def _people(world: dict[str, Any], *names: str) -> list[Any]:
    return [world[n] for n in names]


def _start(client: IsolatedClient, action: str, people: list[Any], **extra: Any) -> Any:
    return client.post(
        "/registrants/bulk", data={"action": action, "ids": [p.id for p in people], **extra}
    )


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html) or re.search(
        rf'type="hidden" name="{name}" value="([^"]*)"', html
    ) or re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html)
    assert found, name
    return found.group(1)


@pytest.fixture()
def staff(client: IsolatedClient, auth: AuthActions, world: dict[str, Any]) -> dict[str, Any]:
    auth.login("t_staff")
    return world


def test_the_list_offers_staff_a_tick_box_per_person_and_all_on_this_page(
    client: IsolatedClient, staff: dict[str, Any]
) -> None:
    html = client.get("/registrants/").get_data(as_text=True)
    assert html.count('name="ids"') == 4 and html.count('name="page_ids"') == 4
    assert 'name="all_on_page"' in html
    assert not re.search(r'name="ids"[^>]*checked', html), "nothing is ticked beforehand"


@pytest.mark.parametrize("user", ["t_partner", "t_planner"])
def test_partners_and_planners_get_no_bulk_actions(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], db: Any, user: str
) -> None:
    auth.login(user)
    assert 'name="ids"' not in client.get("/registrants/").get_data(as_text=True)
    people = _people(world, "consenting")
    assert _start(client, "print", people).status_code == 403
    assert client.post("/registrants/bulk/status", data={}).status_code == 403
    assert client.post("/registrants/bulk/round", data={}).status_code == 403
    assert _events(db, "registrant.view") == []


def test_an_action_with_no_one_ticked_is_refused_with_one_message(
    client: IsolatedClient, staff: dict[str, Any]
) -> None:
    response = _start(client, "status", [])
    assert response.status_code == 422
    assert response.get_data(as_text=True).count('role="alert"') == 1


def test_a_status_change_names_the_count_and_the_status_before_anything_changes(
    client: IsolatedClient, staff: dict[str, Any], db: Any
) -> None:
    people = _people(staff, "consenting", "refusing")
    first = _start(client, "status", people).get_data(as_text=True)
    assert "選択した人数：2人" in first
    select_html = first[first.index('<select id="status"'):first.index("</select>")]
    chosen = [o for o in select_html.split("<option")[1:] if "selected" in o]
    assert all('value=""' in o for o in chosen), "no status is chosen beforehand"
    form = {"ids": _hidden(first, "ids"), "versions": _hidden(first, "versions"),
            "status": "moved_out"}
    check = client.post("/registrants/bulk/status", data=form)
    assert check.status_code == 200
    html = check.get_data(as_text=True)
    assert "2人の状態を「転出」に変更しますか" in html
    db.expire_all()
    assert all(p.status is RegistrantStatus.ACTIVE for p in people), "nothing changed yet"
    done = client.post("/registrants/bulk/status", data={**form, "confirm": "1"})
    assert done.status_code == 303
    db.expire_all()
    assert all(p.status is RegistrantStatus.MOVED_OUT for p in people)
    assert staff["unasked"].status is RegistrantStatus.ACTIVE
    assert [e["fields"] for e in _events(db, "registrant.update")] == [["status"], ["status"]]
    summary = _events(db, "registrant.bulk_status")
    assert summary == [{"count": 2, "ids": sorted(p.id for p in people), "status": "moved_out"}]


def test_the_confirmation_counts_only_the_people_whose_status_would_change(
    client: IsolatedClient, staff: dict[str, Any], db: Any
) -> None:
    staff["refusing"].status = RegistrantStatus.MOVED_OUT
    db.flush()
    people = _people(staff, "consenting", "refusing")
    first = _start(client, "status", people).get_data(as_text=True)
    html = client.post("/registrants/bulk/status", data={
        "ids": _hidden(first, "ids"), "versions": _hidden(first, "versions"),
        "status": "moved_out"}).get_data(as_text=True)
    assert "1人の状態を「転出」に変更しますか" in html
    assert "1人はすでにこの状態のため、変更しません" in html


def test_a_status_change_without_a_status_is_refused_with_one_message(
    client: IsolatedClient, staff: dict[str, Any], db: Any
) -> None:
    first = _start(client, "status", _people(staff, "consenting")).get_data(as_text=True)
    response = client.post("/registrants/bulk/status", data={
        "ids": _hidden(first, "ids"), "versions": _hidden(first, "versions"), "status": "",
        "confirm": "1"})
    assert response.status_code == 422
    assert response.get_data(as_text=True).count('class="error"') == 1
    assert _events(db, "registrant.bulk_status") == []


def test_a_status_change_is_refused_whole_when_someone_saved_a_person_meanwhile(
    client: IsolatedClient, staff: dict[str, Any], db: Any
) -> None:
    people = _people(staff, "consenting", "refusing")
    first = _start(client, "status", people).get_data(as_text=True)
    staff["refusing"].phone = "042-999-9999"  # another clerk's save
    db.flush()
    response = client.post("/registrants/bulk/status", data={
        "ids": _hidden(first, "ids"), "versions": _hidden(first, "versions"),
        "status": "deceased", "confirm": "1"})
    assert response.status_code == 409
    db.expire_all()
    assert all(p.status is RegistrantStatus.ACTIVE for p in people), "no one changed"
    assert _events(db, "registrant.bulk_status") == []


def test_all_on_this_page_selects_every_person_of_the_page(
    client: IsolatedClient, staff: dict[str, Any], db: Any
) -> None:
    everyone = _people(staff, "consenting", "refusing", "unasked", "elsewhere")
    response = client.post("/registrants/bulk", data={
        "action": "print", "all_on_page": "1", "page_ids": [p.id for p in everyone]})
    html = response.get_data(as_text=True)
    assert html.count('class="sheet"') == 4


def test_person_sheets_print_one_page_each_and_log_a_view_of_each_person(
    client: IsolatedClient, staff: dict[str, Any], db: Any
) -> None:
    people = _people(staff, "consenting", "elsewhere")
    response = _start(client, "print", people)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="sheet"') == 2 and "取扱注意" in html
    for person in people:
        assert person.name in html
    views = _events(db, "registrant.view")
    assert sorted((v["ids"][0], v["page"]) for v in views) == sorted(
        (p.id, "sheet") for p in people
    )


def test_an_id_the_user_may_not_see_selects_no_one(
    client: IsolatedClient, staff: dict[str, Any], db: Any
) -> None:
    response = client.post("/registrants/bulk", data={"action": "print", "ids": ["999999"]})
    assert response.status_code == 422
    assert _events(db, "registrant.view") == []


@pytest.fixture()
def rounds(staff: dict[str, Any], db: Any, app: Any) -> dict[str, Any]:
    """An open round holding the unasked person, and a round already sent."""
    key = reference_key(app.config["SECRET_KEY"])
    user = staff["users"]["staff"]
    unasked = [staff["unasked"].id]
    open_round = create_round(db, user, "未送付の回", "ja", unasked, date.today(), key)
    sent = create_round(db, user, "送付済の回", "ja", [], date.today(), key)
    sent.sent_on = date.today()
    db.flush()
    return {**staff, "open": open_round, "sent": sent}


def test_the_round_choice_offers_only_rounds_not_yet_sent_and_none_chosen(
    client: IsolatedClient, rounds: dict[str, Any]
) -> None:
    html = _start(client, "round", _people(rounds, "consenting")).get_data(as_text=True)
    assert "未送付の回" in html and "送付済の回" not in html
    assert "checked" not in html


def test_adding_to_a_round_names_the_count_first_and_skips_who_is_already_in(
    client: IsolatedClient, rounds: dict[str, Any], db: Any
) -> None:
    rounds["elsewhere"].status = RegistrantStatus.DECEASED
    db.flush()
    people = _people(rounds, "consenting", "refusing", "unasked", "elsewhere")
    first = _start(client, "round", people).get_data(as_text=True)
    form = {"ids": _hidden(first, "ids"), "round": str(rounds["open"].id)}
    check = client.post("/registrants/bulk/round", data=form).get_data(as_text=True)
    assert "2人を「未送付の回」に追加しますか" in check
    members = select(RoundMember.registrant_id).where(RoundMember.round_id == rounds["open"].id)
    assert set(db.scalars(members)) == {rounds["unasked"].id}, "nothing added yet"
    done = client.post("/registrants/bulk/round", data={**form, "confirm": "1"})
    assert done.status_code == 303
    assert set(db.scalars(members)) == {rounds[n].id for n in ("unasked", "consenting", "refusing")}
    assert _events(db, "round.add_members")[0]["count"] == 2


def test_a_sent_round_cannot_be_chosen(
    client: IsolatedClient, rounds: dict[str, Any], db: Any
) -> None:
    first = _start(client, "round", _people(rounds, "consenting")).get_data(as_text=True)
    response = client.post("/registrants/bulk/round", data={
        "ids": _hidden(first, "ids"), "round": str(rounds["sent"].id), "confirm": "1"})
    assert response.status_code == 422
    assert "この回は、その間に発送または削除されました" in response.get_data(as_text=True)
    assert _events(db, "round.add_members") == []


# ---------------------------------------------------------------------------------------------
# The posted selection is parsed, never trusted.
# ---------------------------------------------------------------------------------------------


IDS = st.integers(min_value=1, max_value=MAX_INT)


@given(st.lists(st.text(max_size=20), max_size=30))
@example(values=["01", "1", "１"])
def test_the_selection_parser_keeps_only_register_ids_once_each(values: list[str]) -> None:
    ids = selected_ids(values)
    assert len(ids) == len(set(ids))
    assert all(1 <= i <= MAX_INT for i in ids)
    assert all(str(i) in values for i in ids)


@given(st.lists(IDS, max_size=30))
def test_the_selection_parser_keeps_the_order_ticked(numbers: list[int]) -> None:
    assert selected_ids([str(n) for n in numbers]) == list(dict.fromkeys(numbers))


@given(st.text(max_size=200))
def test_garbled_versions_never_raise_and_give_only_numbers(text: str) -> None:
    for rid, version in parse_versions(text).items():
        assert rid >= 1 and version >= 1


@given(st.dictionaries(IDS, IDS, max_size=30))
def test_the_versions_the_confirmation_carries_read_back_exactly(seen: dict[int, int]) -> None:
    text = " ".join(f"{rid}:{version}" for rid, version in seen.items())
    assert parse_versions(text) == seen
