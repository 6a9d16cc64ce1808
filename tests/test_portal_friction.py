"""What a new partner user stumbled on: where the staff list sends them, a copy made only
after saying how many people it holds, what changed in the details of people still listed,
phone numbers to tap, and a guide that promises no field the agreement leaves out."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from roster.access.fields import DEFAULT_AGREEMENT_FIELDS
from roster.models import AuditEvent, EmergencyContact, Household, Provision, RegistrantStatus

from .conftest import AuthActions, IsolatedClient
from .portal_copies import made_earlier


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
    assert person.name in html and 'id="results" tabindex="-1">1 people' in html


def test_staff_still_get_the_register_list(client: IsolatedClient, auth: AuthActions) -> None:
    auth.login("t_staff")
    assert client.get("/registrants/").status_code == 200


# ---------------------------------------------------------------------------------------------
# A numbered copy is made only after a page that says how many people it holds.
# ---------------------------------------------------------------------------------------------


def provisions(db: Any) -> list[Provision]:
    return list(db.scalars(select(Provision).order_by(Provision.id)))


def events(db: Any, action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    return list(db.scalars(query))


def test_the_home_offers_no_button_that_makes_a_copy_at_once(
    client: IsolatedClient, auth: AuthActions
) -> None:
    auth.login("t_partner")
    html = client.get("/portal/").get_data(as_text=True)
    for action in ("/portal/print", "/portal/export.csv", "/portal/export.xlsx"):
        assert f'action="{action}"' not in html
    for fmt in ("print", "csv", "xlsx"):
        assert f'href="/portal/copy?format={fmt}"' in html


@pytest.mark.parametrize(
    ("fmt", "words", "action"),
    [
        ("print", "You are about to print the list of 1 people.", "/portal/print"),
        ("csv", "the list of 1 people as a CSV file.", "/portal/export.csv"),
        ("xlsx", "the list of 1 people as an Excel file.", "/portal/export.xlsx"),
    ],
)
def test_the_confirmation_names_the_count_and_records_nothing_until_confirmed(
    client: IsolatedClient, auth: AuthActions, db: Any, fmt: str, words: str, action: str
) -> None:
    auth.login("t_partner")
    response = client.get(f"/portal/copy?format={fmt}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert words in html and "It gets a number (Copy no. N) and is recorded." in html
    assert f'<form method="post" action="{action}"' in html
    assert "checked" not in html
    assert provisions(db) == [], "the confirmation page records no copy"
    assert client.post(action).status_code in (200, 303)
    assert len(provisions(db)) == 1


def test_the_confirmation_says_when_older_copies_are_still_held(
    client: IsolatedClient, auth: AuthActions, db: Any
) -> None:
    auth.login("t_partner")
    assert "You already hold" not in client.get("/portal/copy?format=print").get_data(as_text=True)
    client.post("/portal/print")
    html = client.get("/portal/copy?format=csv").get_data(as_text=True)
    assert "You already hold 1 lists (Copy no. N) not yet recorded as returned or destroyed." in (
        html
    )


def test_the_confirmation_in_japanese_reads_as_the_partner_expects(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    world["users"]["partner"].locale = "ja"
    db.flush()
    auth.login("t_partner")
    html = client.get("/portal/copy?format=print").get_data(as_text=True)
    assert "1 人の名簿を印刷します。「第○部」と番号が付き、記録されます。" in html
    assert "控え番号" not in html


def test_an_unknown_format_or_no_one_to_copy(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    assert client.get("/portal/copy?format=plan_print").status_code == 404
    assert client.get("/portal/copy").status_code == 404
    world["consenting"].status = RegistrantStatus.DECEASED
    db.flush()
    html = client.get("/portal/copy?format=print").get_data(as_text=True)
    assert "There is no one on your list" in html and "<form" not in html.split("<main")[1]


# ---------------------------------------------------------------------------------------------
# A partner's person page: phone numbers to tap.
# ---------------------------------------------------------------------------------------------


def test_a_partners_person_page_makes_every_phone_number_a_link_to_call(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    person = world["consenting"]
    person.mobile_phone = "090-1234-5678"
    person.emergency_contacts.append(
        EmergencyContact(position=1, name="試験 花子", relation="長女", phone="03-1234-5678")
    )
    db.flush()
    auth.login("t_partner")
    html = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert '<a class="tel-link" href="tel:042-000-0000">042-000-0000</a>' in html
    assert '<a class="tel-link" href="tel:090-1234-5678">090-1234-5678</a>' in html
    assert "03-1234-5678" not in html, "the default agreement names no emergency contacts"
    world["agreement"].fields = [*DEFAULT_AGREEMENT_FIELDS, "emergency_contacts"]
    db.flush()
    html = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert '<a class="tel-link" href="tel:03-1234-5678">03-1234-5678</a>' in html


# ---------------------------------------------------------------------------------------------
# The printable guide promises no field the agreement may leave out.
# ---------------------------------------------------------------------------------------------


def guide_text(client: IsolatedClient) -> str:
    page = client.get("/guide/partner").get_data(as_text=True)
    body = page.split("<body", 1)[1]
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S))


@pytest.mark.parametrize("role", ["t_partner", "t_staff"])
def test_the_guide_promises_family_contacts_only_under_an_agreement_that_names_them(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], role: str
) -> None:
    for user in world["users"].values():
        user.locale = "ja"
    db.flush()
    auth.login(role)
    text = guide_text(client)
    assert "家族の連絡先、" not in text and "how to reach them and their family" not in text
    assert "協定で提供されるもの" in text
    assert "緊急連絡先（ご家族など）や心身の状況の詳細は、協定に含まれている場合にだけ" in text
    if role == "t_staff":
        assert "協定で提供される項目：" not in text
        return
    provided = text.split("協定で提供される項目：", 1)[1].split("。", 1)[0]
    assert "氏名" in provided and "住所" in provided
    assert "緊急連絡先" not in provided and "障害者手帳" not in provided
    world["agreement"].fields = [*DEFAULT_AGREEMENT_FIELDS, "emergency_contacts"]
    db.flush()
    provided = guide_text(client).split("協定で提供される項目：", 1)[1].split("。", 1)[0]
    assert "緊急連絡先" in provided


# ---------------------------------------------------------------------------------------------
# Changes since a copy: what changed in the details of people still on it.
# ---------------------------------------------------------------------------------------------


def changed_section(client: IsolatedClient, query: str = "") -> str:
    html = client.get(f"/portal/changes{query}").get_data(as_text=True)
    section = html.split('<section class="changes-changed">', 1)[1].split("</section>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def test_changes_show_the_visible_fields_that_changed_since_the_copy(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    person = world["consenting"]
    person.mobile_phone = "090-0000-0001"  # before the copy: not a change since it
    db.flush()
    auth.login("t_partner")
    client.post("/portal/print")
    [copy] = provisions(db)
    line = copy.items[0].line
    person.phone = "042-999-9999"
    person.address = person.address + "-203"
    person.reason_elderly_care = True
    person.latitude = 35.73
    person.disability_certificate = "身体2級"  # a field the default agreement leaves out
    person.emergency_contacts.append(
        EmergencyContact(position=1, name="試験 花子", relation="長女", phone="03-1234-5678")
    )
    person.household = Household.WITH_OTHERS
    db.flush()
    person.household = Household.ALONE  # changed and changed back: no change
    db.flush()

    text = changed_section(client)
    assert f"Line {line} {person.name} Reference no. {person.id}" in text
    assert "Phone : 042-000-0000 → 042-999-9999" in text
    assert f"Address : {person.address.removesuffix('-203')} → {person.address}" in text
    assert (
        "Why support is needed : Physical disability → Elderly or needing care、Physical disability"
        in text
    )
    assert "Location : Moved on the map" in text
    assert "Mobile phone" not in text and "Household" not in text
    for hidden in ("身体", "Disability", "試験 花子", "03-1234-5678", "Emergency"):
        assert hidden not in text, hidden
    event = events(db, "portal.changes")[-1]
    detail = json.loads(event.detail)
    assert detail["changed"] == 1 and person.id in detail["ids"]


def test_changes_say_plainly_when_no_visible_detail_changed(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    client.post("/portal/print")
    world["consenting"].disability_certificate = "身体2級"  # not a field the partner sees
    db.flush()
    text = changed_section(client)
    assert "No details of the people still on that copy have changed" in text
    assert "身体" not in text


def test_changes_in_details_count_from_the_copy_chosen(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    client.post("/portal/print")  # copy 1
    made_earlier(db)
    world["consenting"].phone = "042-999-9999"
    db.flush()
    client.post("/portal/print")  # copy 2, made after the change
    assert "No details" in changed_section(client, "?copy=2")
    assert "Phone : 042-000-0000 → 042-999-9999" in changed_section(client, "?copy=1")
