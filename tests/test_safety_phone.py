"""The partner's phone page of safety confirmation: only the rule's people, the still
unconfirmed first, no 死亡 for partners, and nothing personal kept by the service worker."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from roster.models import (
    AuditEvent,
    ConsentState,
    ReleaseAccess,
    ReportMethod,
    SafetyStatus,
)
from roster.safety.operations import ReportEntry, end_operation, record_report, targets
from roster.viewer import viewer_of

from .conftest import AuthActions, IsolatedClient, running_operation
from .factories import Factory
from .test_access import sign_in
from .test_releases import release
from .test_shelters import make_shelter


@pytest.fixture()
def operation(db: Any, world: dict[str, Any]) -> Any:
    return running_operation(db, world)


@pytest.fixture()
def partner(auth: AuthActions, world: dict[str, Any]) -> None:
    sign_in(auth, "partner")


def page(client: IsolatedClient, operation: Any) -> str:
    response = client.get(f"/portal/safety/{operation.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def card_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="card[^"]*" data-person="(\d+)"', html)]


def test_the_page_shows_only_the_people_the_rule_gives(
    client: IsolatedClient, partner: None, world: dict[str, Any], operation: Any
) -> None:
    html = page(client, operation)
    assert card_ids(html) == [world["consenting"].id]
    assert world["consenting"].name in html and world["consenting"].address in html
    for hidden in ("refusing", "unasked", "elsewhere"):
        assert world[hidden].name not in html and world[hidden].resident_no not in html
    assert world["consenting"].disability_certificate not in html  # not in the agreement
    assert f'href="tel:{world["consenting"].phone}"' in html


def test_the_unconfirmed_come_first_each_group_in_the_order_of_targets(
    client: IsolatedClient, partner: None, db: Any, factory: Factory, world: dict[str, Any],
    operation: Any,
) -> None:
    for _ in range(3):
        person = factory.registrant(world["districts"][0])
        factory.consent(person, ConsentState.CONSENTED, world["users"]["staff"])
    viewer = viewer_of(world["users"]["partner"], db)
    order = [p.id for p in targets(db, viewer, operation)]
    assert len(order) == 4
    confirmed = [order[0], order[2]]
    for rid in confirmed:
        record_report(db, viewer, operation, rid,
                      ReportEntry(status=SafetyStatus.SAFE_HOME, method=ReportMethod.PHONE))
    db.flush()
    expected = [rid for rid in order if rid not in confirmed] + confirmed
    html = page(client, operation)
    assert card_ids(html) == expected
    assert "4 人中 未確認 2 人" in html


def test_a_partner_is_offered_every_status_but_death_and_no_method_is_chosen_for_them(
    client: IsolatedClient, partner: None, operation: Any
) -> None:
    html = page(client, operation)
    offered = re.findall(r'name="status" value="(\w+)"', html)
    assert offered == ["safe_home", "evacuated", "needs_help", "injured", "unreachable"]
    assert "deceased" not in html and "死亡" not in html
    assert re.findall(r'name="method" value="(\w+)"', html) == [m.value for m in ReportMethod]
    assert re.findall(r'name="evacuated_to" value="(\w+)"', html) == [
        "shelter", "relatives", "hospital", "car", "other"]
    assert "checked" not in html
    for words in ("無事（自宅）", "避難済み", "訪問", "本人・家族から", "親族・知人宅", "車中"):
        assert words in html
    assert "needs_help" not in re.sub(r'(value|class|data-status)="[^"]*"', "", html)


def test_the_shelters_near_the_home_are_offered_first(
    client: IsolatedClient, partner: None, db: Any, world: dict[str, Any], operation: Any
) -> None:
    far = make_shelter(db, name="遠い避難所", latitude=35.80, longitude=139.60)
    near = make_shelter(db, name="近い避難所", latitude=35.7205, longitude=139.5505)
    make_shelter(db, name="避難場所のみ", is_evacuation_shelter=False)
    html = page(client, operation)
    assert re.search(r'data-near="(\d+),(\d+)"', html).groups() == (str(near.id), str(far.id))
    options = re.findall(r'<option value="(\d+)">([^<]+)</option>', html)
    assert {name for _id, name in options} == {"遠い避難所", "近い避難所"}


def test_viewing_the_list_is_logged_with_the_people_shown(
    client: IsolatedClient, partner: None, db: Any, world: dict[str, Any], operation: Any
) -> None:
    page(client, operation)
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.action == "safety.phone.list"))
    detail = json.loads(event.detail)
    assert detail["ids"] == [world["consenting"].id] and detail["operation"] == operation.id


def test_people_shown_only_under_a_release_are_recorded_against_it(
    client: IsolatedClient, partner: None, db: Any, world: dict[str, Any], operation: Any
) -> None:
    world["agreement"].emergency_provision = True
    running = release(world, db=db)
    assert len(card_ids(page(client, operation))) == 3
    rows = db.scalars(select(ReleaseAccess).where(ReleaseAccess.action == "safety.phone.list"))
    assert {(r.release_id, r.registrant_id) for r in rows} == {
        (running.id, world["refusing"].id), (running.id, world["unasked"].id)}


def test_an_operation_without_the_partners_people_is_not_found(
    client: IsolatedClient, partner: None, db: Any, world: dict[str, Any], operation: Any
) -> None:
    from roster.safety.operations import OperationPlan, start_operation

    staff = viewer_of(world["users"]["staff"], db)
    other = start_operation(db, staff, OperationPlan(
        name="B only", disaster="x", districts=[world["districts"][1]]))
    db.flush()
    assert client.get(f"/portal/safety/{other.id}").status_code == 404
    assert client.get("/portal/safety/999999").status_code == 404
    listing = client.get("/portal/safety/").get_data(as_text=True)
    assert f"/portal/safety/{operation.id}" in listing
    assert f"/portal/safety/{other.id}" not in listing
    assert "1 人中 未確認 1 人" in listing


def test_an_ended_operation_shows_its_people_but_takes_no_report(
    client: IsolatedClient, partner: None, db: Any, world: dict[str, Any], operation: Any
) -> None:
    end_operation(db, viewer_of(world["users"]["staff"], db), operation)
    db.flush()
    html = page(client, operation)
    assert card_ids(html) == [world["consenting"].id]
    assert 'class="report"' not in html and "報告は送信できません" in html


def test_the_portal_links_to_the_phone_page_while_an_operation_runs(
    client: IsolatedClient, partner: None, db: Any, world: dict[str, Any]
) -> None:
    assert 'href="/portal/safety/"' not in client.get("/portal/").get_data(as_text=True)
    operation = running_operation(db, world)
    db.flush()
    assert 'href="/portal/safety/"' in client.get("/portal/").get_data(as_text=True)
    end_operation(db, viewer_of(world["users"]["staff"], db), operation)
    db.flush()
    assert 'href="/portal/safety/"' not in client.get("/portal/").get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Offline: the service worker keeps the shell only; sign-out clears what the phone keeps.
# ---------------------------------------------------------------------------------------------


def personal(world: dict[str, Any]) -> list[str]:
    people = [world[k] for k in ("consenting", "refusing", "unasked", "elsewhere")]
    return [text for p in people for text in (p.name, p.address, p.resident_no, p.phone) if text]


def test_the_service_worker_keeps_only_the_page_shell_and_no_personal_data(
    client: IsolatedClient, partner: None, world: dict[str, Any], operation: Any
) -> None:
    html = page(client, operation)
    response = client.get("/portal/safety/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/portal/safety/"
    script = response.get_data(as_text=True)
    match = re.search(r"const SHELL = (\[.*?\]);", script)
    assert match
    shell = json.loads(match.group(1))
    assert shell and all(url.startswith("/static/") for url in shell)
    assert {"/static/safety/phone.js", "/static/safety/phone.css"} <= set(shell)
    assert "/api/" not in script and "cache.put(event.request" in script
    for url in shell:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert url in html  # the page loads what the worker keeps
        text = asset.get_data(as_text=True)
        for secret in personal(world):
            assert secret not in text, (url, secret)
    for secret in personal(world):
        assert secret not in script


def test_the_page_script_keeps_reports_in_indexeddb_and_clears_them_at_sign_out(
    client: IsolatedClient, partner: None
) -> None:
    script = client.get("/static/safety/phone.js").get_data(as_text=True)
    assert "indexedDB.open" in script and "crypto.randomUUID" in script
    assert 'addEventListener("online", flush)' in script and "30000" in script
    assert "queue.clear()" in script and 'form[action$="/logout"]' in script
    assert "http://" not in script and "https://" not in script  # nothing from outside


def test_sign_out_tells_the_browser_to_clear_what_the_site_stored(
    client: IsolatedClient, partner: None
) -> None:
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"storage"'


def test_the_page_carries_its_csrf_token_and_the_api_address(
    app: Flask, client: IsolatedClient, partner: None, operation: Any
) -> None:
    html = page(client, operation)
    assert f'data-api="/api/v1/safety/operations/{operation.id}/reports"' in html
    assert re.search(r'data-csrf="[^"]+"', html)
    assert 'data-text-pending="送信待ち {n} 件"' in html


def test_the_phone_page_shows_a_page_of_people_at_a_time_the_unconfirmed_first(
    db, world, factory, client, auth, operation
):
    from roster.models import ConsentState
    from roster.safety.operations import ReportEntry, record_report
    from roster.safety.participation import PER_PAGE
    from roster.viewer import viewer_of

    district = world["districts"][0]
    for _ in range(PER_PAGE + 5):
        person = factory.registrant(district)
        factory.consent(person, ConsentState.CONSENTED, world["users"]["staff"])
    partner = viewer_of(world["users"]["partner"], db)
    first = world["consenting"]
    record_report(db, partner, operation, first.id,
                  ReportEntry(status=SafetyStatus.SAFE_HOME, method=ReportMethod.VISIT))
    db.commit()
    auth.login("t_partner")
    one = client.get(f"/portal/safety/{operation.id}").get_data(as_text=True)
    assert len(card_ids(one)) == PER_PAGE and f'data-person="{first.id}"' not in one
    assert 'rel="next"' in one
    two = client.get(f"/portal/safety/{operation.id}?page=2").get_data(as_text=True)
    assert f'data-person="{first.id}"' in two and 'rel="prev"' in two
