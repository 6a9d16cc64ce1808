"""What a new partner user stumbled on: where the staff list sends them, a copy made only
after saying how many people it holds, what changed in the details of people still listed,
phone numbers to tap, and a guide that promises no field the agreement leaves out."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import AuthActions, IsolatedClient


@pytest.fixture(autouse=True)
def in_english(world: dict[str, Any], db: Any) -> None:
    """The pages in English, so the tests read the source strings whatever is translated."""
    for user in world["users"].values():
        user.locale = "en"
    db.flush()


# ---------------------------------------------------------------------------------------------
# The staff register list sends a partner to their own list.
# ---------------------------------------------------------------------------------------------


def test_a_partner_asking_for_the_register_list_is_sent_to_their_own_list(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    response = client.get("/registrants/")
    assert response.status_code == 302 and response.headers["Location"] == "/portal/"
    district = world["districts"][0].id
    response = client.get(f"/registrants/?district={district}&consent=refused&page=2")
    assert response.headers["Location"] == f"/portal/?district={district}&page=2"
    # A person's page stays where it is.
    assert client.get(f"/registrants/{world['consenting'].id}").status_code == 200


def test_a_partners_search_on_the_register_list_lands_on_their_list_searched(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    person = world["consenting"]
    response = client.post("/registrants/", data={"q": person.name})
    assert person.name not in response.headers["Location"]
    response = client.get(response.headers["Location"])
    location = response.headers["Location"]
    assert location.startswith("/portal/?f=") and person.name not in location
    html = client.get(location).get_data(as_text=True)
    assert person.name in html and 'class="count">1 people' in html


def test_staff_still_get_the_register_list(client: IsolatedClient, auth: AuthActions) -> None:
    auth.login("t_staff")
    assert client.get("/registrants/").status_code == 200

