"""Every route, asked by every role that must not see a person or a field, never shows it.

The route × role matrix (test_access.URLS) names a URL for every rule of the app, and a test
there fails when a rule is added without one. This sweep requests each of those URLs (and a
few filter variants) as each role, with marker text planted in the people and fields the role
may not see, and fails if any marker comes back: in HTML, JSON, CSV, XLSX, a print view or a
header. A new page, print, export, map layer or API call that forgets the access rule shows
the refusing person (the URLs use their ID) or a withheld field, and fails here.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from flask import Flask

from roster.models import EmergencyContact

from .conftest import AuthActions, IsolatedClient
from .portal_copies import download_copy
from .test_access import URLS, app_rules, sign_in

#: Text planted in each person and field; none of it occurs anywhere else in the app.
SECRET_NAME = "漏洩禁止太郎"  # the refusing person in the partner's district
SECRET_ADDRESS = "秘密町九丁目"
SECRET_PHONE = "090-9999-0001"
ELSEWHERE_NAME = "別地区花子"  # a consenting person outside the partner's districts
VISIBLE_NAME = "見える次郎"  # the consenting person the partner may see
CERTIFICATE = "手帳マーカー"  # a withheld medical field of the visible person
DEVICE_NOTE = "機器マーカー"
CONTACT = "連絡先マーカー"
LANGUAGE = "言語マーカー"
REASON_DETAIL = "事由詳細マーカー"  # the words behind the visible person's reason categories

MEDICAL = (CERTIFICATE, DEVICE_NOTE, CONTACT, LANGUAGE, REASON_DETAIL)
EVERY_PERSON = (SECRET_NAME, SECRET_ADDRESS, SECRET_PHONE, ELSEWHERE_NAME, VISIBLE_NAME)

#: role -> markers it must never receive.
FORBIDDEN = {
    "anon": EVERY_PERSON + MEDICAL,
    "admin": EVERY_PERSON + MEDICAL,
    # The partner's agreement (the factory default) gives the legal items and a needs
    # summary of consenting people in district A only: no medical details, no contacts.
    "partner": (SECRET_NAME, SECRET_ADDRESS, SECRET_PHONE, ELSEWHERE_NAME, *MEDICAL),
    # A planner sees needs and rough places, never who or how to reach them.
    "planner": EVERY_PERSON + MEDICAL,
}

#: Routes a sweep must not call: they end the session or only switch the language.
SKIP = {"/logout", "/locale"}


@pytest.fixture()
def marked(place: dict[str, Any], db: Any) -> dict[str, Any]:
    refusing, consenting, elsewhere = place["refusing"], place["consenting"], place["elsewhere"]
    refusing.name, refusing.address, refusing.phone = SECRET_NAME, SECRET_ADDRESS, SECRET_PHONE
    elsewhere.name = ELSEWHERE_NAME
    consenting.name = VISIBLE_NAME
    consenting.disability_certificate = CERTIFICATE
    consenting.device_other = DEVICE_NOTE
    consenting.language_note = LANGUAGE
    consenting.support_reason_detail = f"身体障害者手帳1級、人工透析。{REASON_DETAIL}"
    consenting.emergency_contacts = [
        EmergencyContact(position=1, name=CONTACT, relation="長男", phone="03-0000-0000")
    ]
    for person in (refusing, elsewhere):
        person.emergency_contacts = [
            EmergencyContact(position=1, name=CONTACT, relation="長女", phone="03-0000-0001")
        ]
    db.flush()
    return place


def body_text(response: Any) -> str:
    """Everything a client receives, whatever the format: headers, text, and the XML inside
    an XLSX (or any other zip)."""
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
        return headers + "\n".join(parts)
    text = data.decode("utf-8-sig", "replace")
    if "json" in (response.mimetype or ""):
        # JSON may escape every non-ASCII character; compare the decoded values.
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return headers + text


def variants(rule: str, url: str, w: dict[str, Any]) -> list[str]:
    """The URL, plus filters that try to reach outside the rule on list routes."""
    other = w["districts"][1].id
    if rule in ("/registrants/", "/api/v1/registrants", "/portal/"):
        sep = "&" if "?" in url else "?"
        return [
            url,
            f"{url}{sep}district={other}",
            f"{url}{sep}status=moved_out",
            f"{url}{sep}need=ventilator",
            f"{url}{sep}consent=refused",
        ]
    return [url]


@pytest.mark.parametrize("role", sorted(FORBIDDEN))
def test_no_route_shows_a_role_what_it_may_not_see(
    app: Flask, client: IsolatedClient, auth: AuthActions, marked: dict[str, Any], role: str
) -> None:
    sign_in(auth, role)
    rules = app_rules(app)
    leaks: list[str] = []
    swept = 0
    for rule, make_url in sorted(URLS.items()):
        if rule in SKIP:
            continue
        post_only = rules[rule] == {"POST"}
        for url in variants(rule, make_url(marked), marked):
            if post_only:
                response = client.post(url, data={}, follow_redirects=True)
            else:
                response = client.get(url)
            swept += 1
            text = body_text(response)
            leaks += [f"{rule} ({url}): {m}" for m in FORBIDDEN[role] if m in text]
    assert swept >= len(URLS) - len(SKIP)
    assert not leaks, "\n".join(leaks)


def test_the_sweep_would_catch_a_route_that_forgets_the_rule(
    app: Flask, client: IsolatedClient, auth: AuthActions, marked: dict[str, Any], db: Any
) -> None:
    """The markers are where the sweep looks: staff, who may see everything, do get them."""
    sign_in(auth, "staff")
    refusing = marked["refusing"]
    text = body_text(client.get(f"/registrants/{refusing.id}"))
    assert SECRET_NAME in text and SECRET_PHONE in text
    text = body_text(client.get(f"/registrants/{marked['consenting'].id}"))
    assert CERTIFICATE in text and CONTACT in text
    text = body_text(client.get(f"/api/v1/registrants/{marked['consenting'].id}"))
    assert DEVICE_NOTE in text and REASON_DETAIL in text


#: The person's category (the factory's people have 身体障害), in either language or as the
#: API's code.
CATEGORY = ("身体障害", "Physical disability", '"physical"')


def every_exit(client: IsolatedClient, person_id: int) -> dict[str, str]:
    """What a partner receives about one visible person on every exit that shows the reason:
    page, list, print, CSV, XLSX, API list and person, and the map's popup."""
    responses = {
        "page": client.get(f"/registrants/{person_id}"),
        "portal": client.get("/portal/"),
        "print": client.post("/portal/print", data={}, follow_redirects=True),
        "csv": download_copy(client, "csv"),
        "xlsx": download_copy(client, "xlsx"),
        "api list": client.get("/api/v1/registrants"),
        "api person": client.get(f"/api/v1/registrants/{person_id}"),
        "map popup": client.get(f"/maps/people/{person_id}"),
    }
    for name, response in responses.items():
        assert response.status_code == 200, name
    return {name: body_text(response) for name, response in responses.items()}


def test_a_partner_without_medical_fields_gets_the_reason_categories_but_never_the_detail(
    client: IsolatedClient, auth: AuthActions, marked: dict[str, Any]
) -> None:
    sign_in(auth, "partner")
    texts = every_exit(client, marked["consenting"].id)
    leaks = [name for name, text in texts.items() if REASON_DETAIL in text]
    assert not leaks, leaks
    untold = [name for name, text in texts.items() if not any(c in text for c in CATEGORY)]
    assert not untold, untold


def test_a_partner_whose_agreement_includes_the_detail_gets_it_on_every_exit(
    client: IsolatedClient, auth: AuthActions, marked: dict[str, Any], db: Any
) -> None:
    agreement = marked["agreement"]
    agreement.fields = [*agreement.fields, "support_reason_detail"]
    db.flush()
    sign_in(auth, "partner")
    texts = every_exit(client, marked["consenting"].id)
    missing = [name for name, text in texts.items() if REASON_DETAIL not in text]
    assert not missing, missing


def test_a_planner_gets_the_reason_categories_never_the_detail(
    client: IsolatedClient, auth: AuthActions, marked: dict[str, Any]
) -> None:
    sign_in(auth, "planner")
    view = "south=35.70&west=139.53&north=35.74&east=139.57&zoom=16"
    for url in ("/registrants/", "/api/v1/registrants", f"/maps/points.json?{view}"):
        text = body_text(client.get(url))
        assert REASON_DETAIL not in text, url
    items = client.get("/api/v1/registrants").get_json()["items"]
    assert all(item["support_categories"] == ["physical"] for item in items)
