"""Plans (issue 15, point 13): the consent link from a plan, a ventilator user's destination
(backup power first, a confirmation before a place without it), and the local `next` check."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.models import ConsentPurpose, ConsentRecord, Plan, Registrant
from roster.web import local_path

from .conftest import AuthActions, IsolatedClient
from .test_plans import consent_to, make_plan, plan_form, sign_in
from .test_shelters import make_shelter


@pytest.fixture()
def staff(world: dict[str, Any]) -> Any:
    return world["users"]["staff"]


@pytest.fixture()
def person(world: dict[str, Any], factory: Any, staff: Any) -> Registrant:
    """The consenting person (a ventilator user), with consent to make a plan."""
    p = world["consenting"]
    assert p.device_ventilator
    consent_to(factory, p, staff, ConsentPurpose.PLAN_MAKING)
    return p


def plan_of(db: Session, person: Registrant) -> Plan | None:
    return db.scalar(select(Plan).where(Plan.registrant_id == person.id))


# --- the consent link -------------------------------------------------------------------------


def consent_links(html: str) -> list[str]:
    return [href.replace("&amp;", "&")
            for href in re.findall(r'href="([^"]*/consent/new[^"]*)"', html)]


def test_the_plan_page_links_to_consent_for_each_plan_purpose_and_back(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    make_plan(db, person, staff)
    sign_in(auth, "staff")
    links = consent_links(client.get(f"/plans/{person.id}").get_data(as_text=True))
    queries = [parse_qs(urlsplit(link).query) for link in links]
    assert [q["purpose"] for q in queries] == [["plan_making"], ["plan_sharing"]]
    assert all(q["next"] == [f"/plans/{person.id}"] for q in queries)
    assert all(set(q) == {"purpose", "next"} for q in queries), "nothing personal in the URL"


def test_the_consent_form_preselects_the_purpose_and_returns_to_the_plan(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    make_plan(db, person, staff)
    sign_in(auth, "staff")
    link = consent_links(client.get(f"/plans/{person.id}").get_data(as_text=True))[1]
    form = client.get(link).get_data(as_text=True)
    assert re.search(r'<option selected value="plan_sharing">|<option value="plan_sharing" '
                     r'selected>', form), "the plan's purpose is chosen"
    assert f'href="/plans/{person.id}"' in form, "Cancel goes back to the plan"
    before = db.scalar(select(ConsentRecord.id).order_by(ConsentRecord.id.desc()).limit(1))
    response = client.post(link, data={
        "purpose": "plan_sharing", "state": "refused", "method": "visit",
        "decided_on": "2026-10-01"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/plans/{person.id}"
    record = db.scalar(select(ConsentRecord).order_by(ConsentRecord.id.desc()).limit(1))
    assert record is not None and record.id != before
    assert record.purpose is ConsentPurpose.PLAN_SHARING


def test_without_a_plan_the_consent_button_chooses_plan_making(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    person = world["consenting"]
    sign_in(auth, "staff")
    page = consent_links(client.get(f"/plans/{person.id}").get_data(as_text=True))
    assert page[-1] == (
        f"/registrants/{person.id}/consent/new?purpose=plan_making&next=/plans/{person.id}")
    form = consent_links(client.get(f"/plans/{person.id}/edit").get_data(as_text=True))
    assert form == [f"/registrants/{person.id}/consent/new?purpose=plan_making"
                    f"&next=/plans/{person.id}/edit"]


@pytest.mark.parametrize("target", [
    "//evil.example/x", "/\\evil.example", "https://evil.example/", "javascript:alert(1)",
    "/plans/1?x=1", "plans/1", "/plans/1 ", "",
])
def test_a_next_that_is_not_a_local_path_is_ignored(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], target: str
) -> None:
    person = world["consenting"]
    sign_in(auth, "staff")
    response = client.post(
        f"/registrants/{person.id}/consent/new",
        query_string={"next": target, "purpose": "nonsense"},
        data={"purpose": "plan_making", "state": "refused", "method": "visit",
              "decided_on": "2026-10-01"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/registrants/{person.id}"


def test_an_unknown_purpose_chooses_nothing(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    html = client.get(f"/registrants/{world['consenting'].id}/consent/new?purpose=x"
                      ).get_data(as_text=True)
    assert "selected" not in html.split('name="purpose"')[1].split("</select>")[0]


@given(st.text(max_size=30))
@settings(max_examples=300, deadline=None)
def test_a_local_path_never_leaves_the_site(value: str) -> None:
    accepted = local_path(value)
    if accepted is None:
        return
    assert accepted == value
    joined = urlsplit(urljoin("http://127.0.0.1:5000/registrants/1/consent/new", value))
    assert (joined.scheme, joined.netloc) == ("http", "127.0.0.1:5000")


# --- a ventilator user's destination ----------------------------------------------------------


def option_groups(html: str) -> list[tuple[str, list[str]]]:
    select_html = html.split('name="destination_shelter_id"')[1].split("</select>")[0]
    return [
        (label, re.findall(r"<option[^>]*>([^<]*)</option>", body))
        for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select_html,
                                      re.S)
    ]


def test_places_with_backup_power_come_first_for_a_ventilator_user(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant,
    world: dict[str, Any], factory: Any, staff: Any
) -> None:
    make_shelter(db, name="あ電源なし小", backup_power=False)
    make_shelter(db, name="い電源あり小", backup_power=True)
    make_shelter(db, name="う福祉電源あり", backup_power=True, is_welfare_shelter=True,
                 is_evacuation_shelter=False, accept_groups="disabled")
    sign_in(auth, "staff")
    groups = option_groups(client.get(f"/plans/{person.id}/edit").get_data(as_text=True))
    first_label, first = groups[0]
    assert first_label == "非常用電源あり（人工呼吸器の方に）"
    # Welfare shelters first, as in the rest of the list.
    assert [name.rstrip(" ⚠") for name in first] == ["う福祉電源あり", "い電源あり小"]
    rest = [name.rstrip(" ⚠") for _label, names in groups[1:] for name in names]
    assert "あ電源なし小" in rest and "い電源あり小" not in rest, "each place once"
    # Someone without a ventilator gets the places by kind, with no power group.
    other = world["refusing"]
    other.device_ventilator = False
    db.flush()
    consent_to(factory, other, staff, ConsentPurpose.PLAN_MAKING)
    labels = [label for label, _names in
              option_groups(client.get(f"/plans/{other.id}/edit").get_data(as_text=True))]
    assert "非常用電源あり（人工呼吸器の方に）" not in labels


@pytest.mark.parametrize("power", [False, None])
def test_a_place_without_backup_power_is_saved_only_once_confirmed(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant,
    power: bool | None
) -> None:
    place = make_shelter(db, name="電源なし小", backup_power=power)
    other = make_shelter(db, name="別の電源なし小", backup_power=False)
    sign_in(auth, "staff")
    url = f"/plans/{person.id}/edit"
    form = plan_form(None, destination_kind="shelter", destination_shelter_id=str(place.id))
    held = client.post(url, data=form)
    assert held.status_code == 422 and plan_of(db, person) is None, "nothing saved yet"
    html = held.get_data(as_text=True)
    assert "まだ保存していません" in html and "電源なし小" in html
    assert f'name="power_confirmed" value="{place.id}"' in html
    assert 'value="北へ進む"' in html or "北へ進む</textarea>" in html, "what was typed is kept"
    wrong = client.post(url, data={**form, "power_confirmed": str(other.id)})
    assert wrong.status_code == 422 and plan_of(db, person) is None, "a tick for another place"
    saved = client.post(url, data={**form, "power_confirmed": str(place.id)})
    assert saved.status_code == 302 and saved.headers["Location"] == f"/plans/{person.id}"
    plan = plan_of(db, person)
    assert plan is not None and plan.destination_shelter_id == place.id
    # Saving the plan again with the same destination asks nothing more.
    again = plan_form(None, destination_kind="shelter", destination_shelter_id=str(place.id),
                      route_notes="南へ", version=str(plan.version))
    assert client.post(url, data=again).status_code == 302


def test_a_place_with_backup_power_or_another_destination_is_saved_at_once(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant
) -> None:
    place = make_shelter(db, name="電源あり小", backup_power=True)
    sign_in(auth, "staff")
    form = plan_form(None, destination_kind="shelter", destination_shelter_id=str(place.id))
    assert client.post(f"/plans/{person.id}/edit", data=form).status_code == 302
    assert client.post(f"/plans/{person.id}/edit", data=plan_form(
        None, version=str(plan_of(db, person).version))).status_code == 302  # type: ignore[union-attr]


def test_someone_without_a_ventilator_is_not_asked(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any],
    factory: Any, staff: Any
) -> None:
    other = world["refusing"]
    other.device_ventilator = False
    db.flush()
    consent_to(factory, other, staff, ConsentPurpose.PLAN_MAKING)
    place = make_shelter(db, name="電源なし小", backup_power=False)
    sign_in(auth, "staff")
    form = plan_form(None, destination_kind="shelter", destination_shelter_id=str(place.id))
    assert client.post(f"/plans/{other.id}/edit", data=form).status_code == 302


# --- in the browser ---------------------------------------------------------------------------

#: A demo ventilator user with plan-making consent and no plan, and a place without backup
#: power; prints "person-id shelter-id".
SEED = r"""
from sqlalchemy import select
from roster import create_app
from roster.consent.operations import ConsentAnswer, record_consent
from roster.extensions import db
from roster.i18n import local_today
from roster.models import (ConsentMethod, ConsentPurpose, ConsentState, Plan, Registrant,
    RegistrantStatus, Role, Shelter, User)

app = create_app()
with app.app_context():
    staff = db.session.scalar(select(User).where(User.role == Role.STAFF))
    person = db.session.scalar(select(Registrant).where(
        Registrant.status == RegistrantStatus.ACTIVE, Registrant.device_ventilator.is_(True),
        Registrant.id.not_in(select(Plan.registrant_id))).order_by(Registrant.id))
    record_consent(db.session, person, ConsentAnswer(
        purpose=ConsentPurpose.PLAN_MAKING, state=ConsentState.CONSENTED,
        method=ConsentMethod.VISIT, decided_on=local_today()), staff)
    place = db.session.scalar(select(Shelter).where(Shelter.backup_power.is_(False),
                                                    Shelter.is_welfare_shelter.is_(True))
                              .order_by(Shelter.id))
    db.session.commit()
    print(person.id, place.id)
"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1366])
def test_a_ventilator_users_plan_in_chromium(
    tmp_path_factory: pytest.TempPathFactory, width: int
) -> None:
    """The consent link chooses the purpose and comes back; the destination list starts
    with backup power; a place without it is saved only after the confirmation."""
    from playwright.sync_api import sync_playwright

    from .live import served_demo
    from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_browser

    _require_browser()
    folder = tmp_path_factory.mktemp(f"power{width}")
    with served_demo(folder, registrants=300, prepare=SEED) as demo, \
            sync_playwright() as pw:
        person_id, place_id = demo.prepared.split()
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = chromium.new_context(viewport={"width": width, "height": 900},
                                    locale="ja-JP").new_page()
        page.goto(demo.url + "/login")
        page.fill("#username", "staff")
        page.fill("#password", "demo")
        page.click("button.primary")
        page.goto(f"{demo.url}/plans/{person_id}")
        page.screenshot(path=str(ARTIFACTS / f"plan-consent-links-{width}.png"), full_page=True)
        page.locator("a.record-consent").nth(1).click()
        assert page.locator("select[name=purpose]").input_value() == "plan_sharing"
        page.screenshot(path=str(ARTIFACTS / f"plan-consent-form-{width}.png"), full_page=True)
        page.goto(f"{demo.url}/plans/{person_id}/edit")
        first = page.locator("select[name=destination_shelter_id] optgroup").first
        assert first.get_attribute("label") == "非常用電源あり（人工呼吸器の方に）"
        page.select_option("select[name=destination_shelter_id]", place_id)
        page.locator("form.plan-form .actions button.primary").click()
        box = page.locator(".power-confirm")
        box.wait_for()
        assert page.url.endswith(f"/plans/{person_id}/edit")
        box.screenshot(path=str(ARTIFACTS / f"plan-power-confirm-{width}.png"))
        page.screenshot(path=str(ARTIFACTS / f"plan-power-confirm-page-{width}.png"))
        box.locator("input[type=checkbox]").check()
        box.locator("button.primary").click()
        page.wait_for_url(f"{demo.url}/plans/{person_id}")
        page.goto(f"{demo.url}/plans/{person_id}/print")
        page.screenshot(path=str(ARTIFACTS / f"plan-print-power-{width}.png"), full_page=True)
        assert page.locator(".sketch svg .destination").count() == 1
        chromium.close()
