"""A partner's copy after the confirm button: a page for the copy that says it was made, its
file downloaded from that page (the people recorded on it, logged each time), and a second
tap that lands on the same copy instead of making another."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from roster.models import AuditEvent, ConsentState, Provision, ProvisionFormat, Role

from .conftest import AuthActions, IsolatedClient
from .portal_copies import copy_page_url, made_earlier


@pytest.fixture(autouse=True)
def in_english(world: dict[str, Any], db: Any) -> None:
    for user in world["users"].values():
        user.locale = "en"
    db.flush()


def provisions(db: Any) -> list[Provision]:
    return list(db.scalars(select(Provision).order_by(Provision.id)))


def events(db: Any, action: str) -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


def people_in(response: Any) -> list[str]:
    """The reference numbers in a CSV copy (the rows under the watermark, notice and header)."""
    text = response.get_data().decode("utf-8")[1:]
    return [row[1] for row in list(csv.reader(io.StringIO(text)))[3:]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_confirm_lands_on_a_page_that_says_the_copy_was_made(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], fmt: str
) -> None:
    auth.login("t_partner")
    url = copy_page_url(client, fmt)
    [copy] = provisions(db)
    assert url == f"/portal/copies/{copy.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Copy no. 1 has been made (1 people)" in html
    assert f'href="/portal/copies/{copy.id}/file"' in html
    assert world["consenting"].name not in html  # the page holds no one's details
    assert "You hold no other copy of the list." in html


def test_a_second_confirm_within_two_minutes_lands_on_the_same_copy(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    first = copy_page_url(client, "csv")
    again = copy_page_url(client, "csv")
    assert again == first and len(provisions(db)) == 1
    html = client.get(again).get_data(as_text=True)
    assert "made this list less than 2 minutes ago: this is that copy" in html
    # Another format is another copy; so is the same one after two minutes.
    assert copy_page_url(client, "xlsx") != first
    made_earlier(db)
    later = copy_page_url(client, "csv")
    assert later != first and [c.copy_no for c in provisions(db)] == [1, 2, 3]
    html = client.get(later).get_data(as_text=True)
    assert "already made" not in html
    assert "You still hold 2 older copies (Copy no. 2、Copy no. 1)" in html


def test_a_second_confirm_makes_a_new_copy_when_the_people_differ(
    client: IsolatedClient, auth: AuthActions, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    first = copy_page_url(client, "csv")
    newcomer = factory.registrant(world["districts"][0], name="新規 花子")
    factory.consent(newcomer, ConsentState.CONSENTED, world["users"]["staff"])
    db.flush()
    assert copy_page_url(client, "csv") != first
    assert [c.count for c in provisions(db)] == [1, 2]


def test_a_second_print_within_two_minutes_lands_on_the_same_printed_copy(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    first = client.post("/portal/print").headers["Location"]
    second = client.post("/portal/print")
    assert second.headers["Location"] == first and len(provisions(db)) == 1
    html = client.get(first).get_data(as_text=True)
    assert "made this list less than 2 minutes ago: this is that copy" in html
    assert "Copy no. 1 has been made (1 people)" in html


def test_the_file_holds_the_people_recorded_on_the_copy_and_is_logged_each_time(
    client: IsolatedClient, auth: AuthActions, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    url = copy_page_url(client, "csv") + "/file"
    newcomer = factory.registrant(world["districts"][0], name="新規 花子")
    factory.consent(newcomer, ConsentState.CONSENTED, world["users"]["staff"])
    db.flush()
    assert people_in(client.get(url)) == [str(world["consenting"].id)]
    assert people_in(client.get(url)) == [str(world["consenting"].id)]
    logged = events(db, "portal.copy.file")
    assert len(logged) == 2
    assert json.loads(logged[0].detail)["ids"] == [world["consenting"].id]
    # Someone the rule no longer admits is left out of the file downloaded again.
    factory.consent(
        world["consenting"], ConsentState.WITHDRAWN, world["users"]["staff"], on=date(2025, 6, 1)
    )
    assert people_in(client.get(url)) == []


def test_the_file_is_named_in_japanese_with_an_ascii_fallback(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    world["users"]["partner"].locale = "ja"
    db.flush()
    auth.login("t_partner")
    for n, fmt in enumerate(("csv", "xlsx"), start=1):
        response = client.get(copy_page_url(client, fmt) + "/file")
        header = response.headers["Content-Disposition"]
        found = re.search(r"filename\*=UTF-8''([^;]+)", header)
        assert found, header
        name = unquote(found.group(1))
        assert re.fullmatch(rf"担当名簿_\d{{4}}-\d\d-\d\d_第{n}部\.{fmt}", name), name
        day = name.split("_")[1]
        assert f'filename="roster_{day}_copy{n}.{fmt}"' in header
        assert response.headers["Cache-Control"] == "no-store"


def test_a_copy_is_only_its_makers_and_only_while_it_is_held(
    client: IsolatedClient, auth: AuthActions, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    url = copy_page_url(client, "csv")
    auth.logout()
    factory.user(Role.PARTNER, "t_colleague", organisation=world["organisation"])
    auth.login("t_colleague")
    assert client.get(url).status_code == 404
    assert client.get(url + "/file").status_code == 404
    auth.logout()
    auth.login("t_partner")
    [copy] = provisions(db)
    copy.disposed_on = date.today()
    db.flush()
    for address in (url, url + "/file"):
        response = client.get(address)
        assert response.status_code == 410
        assert world["consenting"].name not in response.get_data(as_text=True)


def test_a_printed_copys_file_is_its_print_page(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    printed = client.post("/portal/print").headers["Location"]
    [copy] = provisions(db)
    assert copy.format is ProvisionFormat.PRINT
    response = client.get(f"/portal/copies/{copy.id}/file")
    assert response.status_code == 302 and response.headers["Location"] == printed
    assert "Open Copy no. 1 to print it" in client.get(f"/portal/copies/{copy.id}").get_data(
        as_text=True
    )
