"""The safety-confirmation API: the caller's operations, their people, and reports sent with a
session (and its CSRF token) or a partner's token, through the one access rule."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from roster.i18n import local_today
from roster.models import AuditEvent, ReleaseAccess, SafetyReport
from roster.partners.tokens import issue_token
from roster.safety.operations import OperationPlan, end_operation, start_operation
from roster.viewer import viewer_of

from .conftest import AuthActions, IsolatedClient, running_operation
from .test_access import new_client, sign_in
from .test_releases import release
from .test_shelters import make_shelter

NOTE = "持病マーカー: 透析は火木土"


@pytest.fixture()
def operation(db: Any, world: dict[str, Any]) -> Any:
    return running_operation(db, world)


def reports_url(operation: Any) -> str:
    return f"/api/v1/safety/operations/{operation.id}/reports"


def people_url(operation: Any) -> str:
    return f"/api/v1/safety/operations/{operation.id}/people"


def body(person: Any, **changes: Any) -> dict[str, Any]:
    sent = {"registrant_id": person.id, "status": "safe_home", "method": "visit",
            "note": "", "client_id": "a1b2c3d4-0000-4000-8000-000000000001"}
    sent.update(changes)
    return sent


def count_reports(db: Any, operation: Any) -> int:
    query = select(func.count(SafetyReport.id)).where(SafetyReport.operation_id == operation.id)
    return int(db.scalar(query))


def events(db: Any, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# ---------------------------------------------------------------------------------------------
# GET /api/v1/safety/operations
# ---------------------------------------------------------------------------------------------


def test_staff_list_every_operation_with_their_counts(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "staff")
    [item] = client.get("/api/v1/safety/operations").get_json()["items"]
    assert item["id"] == operation.id and item["name"] == "テスト安否確認"
    assert item["disaster"] == "テスト地震" and item["drill"] is False
    assert item["running"] is True and item["ended_at"] is None and item["started_at"]
    # Everyone active in both districts: consenting, refusing, unasked and elsewhere.
    assert (item["people"], item["unconfirmed"]) == (4, 4)


def test_a_partner_lists_only_operations_where_the_rule_gives_them_people(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any
) -> None:
    staff = viewer_of(world["users"]["staff"], db)
    other = start_operation(db, staff, OperationPlan(
        name="B only", disaster="x", districts=[world["districts"][1]]))
    sign_in(auth, "partner")
    items = client.get("/api/v1/safety/operations").get_json()["items"]
    assert [(i["id"], i["people"], i["unconfirmed"]) for i in items] == [(operation.id, 1, 1)]
    assert client.get(f"/api/v1/safety/operations/{other.id}/people").status_code == 404
    assert client.post(reports_url(operation), json=body(world["consenting"])).status_code == 201
    [item] = client.get("/api/v1/safety/operations").get_json()["items"]
    assert (item["people"], item["unconfirmed"]) == (1, 0)


def test_a_planner_gets_counts_only_and_an_admin_nothing(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "planner")
    [item] = client.get("/api/v1/safety/operations").get_json()["items"]
    assert item["people"] == 4 and "items" not in item
    assert client.get(people_url(operation)).status_code == 403
    assert client.post(reports_url(operation), json=body(world["consenting"])).status_code == 403
    auth.logout()
    sign_in(auth, "admin")
    assert client.get("/api/v1/safety/operations").status_code == 403


# ---------------------------------------------------------------------------------------------
# GET /api/v1/safety/operations/<id>/people
# ---------------------------------------------------------------------------------------------


def test_a_partner_gets_only_their_people_with_the_status_and_the_view_is_logged(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "partner")
    answer = client.get(people_url(operation)).get_json()
    [person] = answer["items"]
    assert person["id"] == world["consenting"].id and person["name"] == world["consenting"].name
    assert "disability_certificate" not in person  # the agreement's fields only
    assert person["safety"] == {"status": "unconfirmed", "label": "未確認",
                                "reported_at": None}
    assert (answer["total"], answer["page"], answer["pages"]) == (1, 1, 1)
    [event] = events(db, "api.safety.list")
    detail = json.loads(event.detail)
    assert detail["ids"] == [world["consenting"].id] and detail["operation"] == operation.id
    client.post(reports_url(operation), json=body(world["consenting"], status="needs_help"))
    [person] = client.get(people_url(operation)).get_json()["items"]
    assert person["safety"]["status"] == "needs_help" and person["safety"]["label"] == "要支援"
    assert person["safety"]["reported_at"]


def test_staff_page_through_everyone_in_the_operation(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "staff")
    first = client.get(people_url(operation) + "?per_page=3").get_json()
    second = client.get(people_url(operation) + "?per_page=3&page=2").get_json()
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (
        4, 2, 3, 1)
    everyone = {p["id"] for p in first["items"] + second["items"]}
    assert everyone == {world[k].id for k in ("consenting", "refusing", "unasked", "elsewhere")}


@pytest.mark.parametrize("query", ["page=0", "per_page=0", "per_page=501", "page=x", "page=-1"])
def test_bad_paging_is_refused(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], operation: Any, query: str
) -> None:
    sign_in(auth, "staff")
    response = client.get(f"{people_url(operation)}?{query}")
    assert response.status_code == 400 and "per_page" in response.get_json()["error"]


def test_an_unknown_operation_or_page_is_not_found(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "partner")
    assert client.get("/api/v1/safety/operations/999999/people").status_code == 404
    assert client.get(people_url(operation) + "?page=2").status_code == 404


def test_people_shown_only_under_a_release_are_recorded_against_it(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any
) -> None:
    world["agreement"].emergency_provision = True
    running = release(world, db=db)
    sign_in(auth, "partner")
    ids = {p["id"] for p in client.get(people_url(operation)).get_json()["items"]}
    assert ids == {world["consenting"].id, world["refusing"].id, world["unasked"].id}
    rows = db.scalars(select(ReleaseAccess).where(ReleaseAccess.action == "api.safety.list"))
    assert {(r.release_id, r.registrant_id) for r in rows} == {
        (running.id, world["refusing"].id), (running.id, world["unasked"].id)}


# ---------------------------------------------------------------------------------------------
# POST /api/v1/safety/operations/<id>/reports
# ---------------------------------------------------------------------------------------------


def test_a_report_is_stored_once_however_often_it_is_sent(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "partner")
    first = client.post(reports_url(operation), json=body(world["consenting"], note=NOTE))
    assert first.status_code == 201
    report = first.get_json()
    assert report["status"] == "safe_home" and report["method"] == "visit"
    assert report["registrant_id"] == world["consenting"].id and report["note"] == NOTE
    again = client.post(reports_url(operation),
                        json=body(world["consenting"], status="injured", note="x"))
    assert again.status_code == 200 and again.get_json() == report
    assert count_reports(db, operation) == 1
    stored = db.scalar(select(SafetyReport))
    assert stored.organisation_id == world["organisation"].id and stored.note == NOTE
    [event] = events(db, "api.safety.report")
    trail = " ".join(e.detail for e in db.scalars(select(AuditEvent)))
    assert event.object_id == str(world["consenting"].id) and "持病マーカー" not in trail


def test_evacuation_to_a_shelter_of_the_registry(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any
) -> None:
    shelter = make_shelter(db, name="テスト小学校")
    sign_in(auth, "partner")
    response = client.post(reports_url(operation), json=body(
        world["consenting"], status="evacuated", evacuated_to="shelter", place_id=shelter.id))
    assert response.status_code == 201
    assert (response.get_json()["evacuated_to"], response.get_json()["place_id"]) == (
        "shelter", shelter.id)


def test_a_hidden_person_and_a_missing_id_answer_the_same_404(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "partner")
    answers = [
        client.post(reports_url(operation), json=body(world[who], client_id=f"client-{who}"))
        for who in ("refusing", "unasked", "elsewhere")
    ]
    missing = client.post(reports_url(operation),
                          json={**body(world["consenting"]), "registrant_id": 999999})
    for hidden in answers:
        assert hidden.status_code == missing.status_code == 404
        assert hidden.get_data() == missing.get_data()
    unknown = client.post("/api/v1/safety/operations/999999/reports",
                          json=body(world["consenting"]))
    assert unknown.status_code == 404 and unknown.get_data() == missing.get_data()
    assert count_reports(db, operation) == 0


@pytest.mark.parametrize(("change", "says"), [
    ({"status": "fine"}, "status must be one of"),
    ({"method": "pigeon"}, "method must be one of"),
    ({"status": "evacuated", "evacuated_to": "moon"}, "evacuated_to must be one of"),
    ({"evacuated_to": "car"}, "evacuated_to goes with status evacuated"),
    ({"status": "evacuated", "evacuated_to": "car", "place_id": 1}, "place_id"),
    ({"registrant_id": "1"}, "registrant_id must be a positive integer"),
    ({"client_id": "x"}, "client_id must be"),
    ({"note": "あ" * 1001}, "note must be at most 1000 characters"),
    ({"note": None}, "note must be a string"),
    ({"note": "a\x00b"}, "note must not contain NUL"),
    ({"status": ["safe_home"]}, "status must be one of"),
    ({"registrant_id": True}, "registrant_id must be a positive integer"),
    ({"place_id": "x", "status": "evacuated", "evacuated_to": "shelter"}, "place_id must be"),
    ({"place_id": 999999, "status": "evacuated", "evacuated_to": "shelter"},
     "place_id is not a shelter"),
])
def test_a_bad_report_says_what_is_wrong(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any,
    change: dict[str, Any], says: str,
) -> None:
    sign_in(auth, "partner")
    response = client.post(reports_url(operation), json=body(world["consenting"], **change))
    assert response.status_code == 400
    assert says in response.get_json()["error"]
    assert "あああ" not in response.get_data(as_text=True)
    assert count_reports(db, operation) == 0


@pytest.mark.parametrize("field", ["registrant_id", "status", "method", "note", "client_id"])
def test_a_missing_field_is_named(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], operation: Any, field: str
) -> None:
    sign_in(auth, "partner")
    sent = body(world["consenting"])
    del sent[field]
    response = client.post(reports_url(operation), json=sent)
    assert response.status_code == 400 and field in response.get_json()["error"]


def test_a_body_that_is_not_a_json_object_is_refused(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "partner")
    assert client.post(reports_url(operation), data="status=safe_home").status_code == 400
    assert client.post(reports_url(operation), json=[1, 2]).status_code == 400


def test_a_partner_may_not_report_a_death(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "partner")
    response = client.post(reports_url(operation), json=body(world["consenting"],
                                                             status="deceased"))
    assert response.status_code == 403 and count_reports(db, operation) == 0


def test_staff_may_report_a_death(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "staff")
    response = client.post(reports_url(operation), json=body(world["refusing"],
                                                             status="deceased", method="phone"))
    assert response.status_code == 201 and count_reports(db, operation) == 1


def test_an_ended_operation_takes_no_new_report_but_answers_a_resend(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "partner")
    sent = client.post(reports_url(operation), json=body(world["consenting"]))
    assert sent.status_code == 201
    end_operation(db, viewer_of(world["users"]["staff"], db), operation)
    db.flush()
    assert client.post(reports_url(operation), json=body(world["consenting"])).status_code == 200
    late = client.post(reports_url(operation),
                       json=body(world["consenting"], client_id="late-0001"))
    assert late.status_code == 409 and "ended" in late.get_json()["error"]
    assert count_reports(db, operation) == 1


def test_a_client_id_reused_for_another_person_is_a_conflict(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any
) -> None:
    sign_in(auth, "staff")
    assert client.post(reports_url(operation), json=body(world["consenting"])).status_code == 201
    reused = client.post(reports_url(operation), json=body(world["refusing"]))
    assert reused.status_code == 409 and count_reports(db, operation) == 1


# ---------------------------------------------------------------------------------------------
# Sessions need the CSRF token; partner tokens do not.
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def csrf_on(app: Flask) -> Any:
    original = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = original


def page_token(client: IsolatedClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/portal/").get_data(
        as_text=True))
    assert match
    return match.group(1)


def test_a_session_must_send_the_csrf_token(
    app: Flask, client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any],
    operation: Any,
) -> None:
    sign_in(auth, "partner")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(reports_url(operation), json=body(world["consenting"]))
        assert refused.status_code == 400 and refused.get_json()["reason"] == "csrf"
        assert count_reports(db, operation) == 0
        assert events(db, "request.refused")
        wrong = client.post(reports_url(operation), json=body(world["consenting"]),
                            headers={"X-CSRFToken": "not-a-token"})
        assert wrong.status_code == 400
        token = page_token(client)
        sent = client.post(reports_url(operation), json=body(world["consenting"]),
                           headers={"X-CSRFToken": token})
        assert sent.status_code == 201 and count_reports(db, operation) == 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture()
def partner_token(db: Any, world: dict[str, Any]) -> str:
    _token, raw = issue_token(db, world["organisation"], world["users"]["partner"], "連携",
                              world["users"]["staff"], local_today())
    db.flush()
    return raw


def test_a_partner_system_uses_its_token_without_csrf(
    app: Flask, db: Any, world: dict[str, Any], operation: Any, partner_token: str,
    csrf_on: Any,
) -> None:
    api = new_client(app)
    headers = {"Authorization": f"Bearer {partner_token}"}
    [item] = api.get("/api/v1/safety/operations", headers=headers).get_json()["items"]
    assert item["id"] == operation.id
    [person] = api.get(people_url(operation), headers=headers).get_json()["items"]
    assert person["id"] == world["consenting"].id
    sent = api.post(reports_url(operation), json=body(world["consenting"]), headers=headers)
    assert sent.status_code == 201 and api.get_cookie("session") is None
    hidden = api.post(reports_url(operation), json=body(world["refusing"], client_id="c-000002"),
                      headers=headers)
    assert hidden.status_code == 404
    detail = json.loads(events(db, "api.safety.list")[-1].detail)
    assert detail["token"] is not None
    assert api.post(reports_url(operation), json=body(world["consenting"])).status_code == 401


def test_a_stale_release_no_longer_shows_people(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], operation: Any
) -> None:
    world["agreement"].emergency_provision = True
    release(world, db=db, starts=timedelta(days=-2), ends=timedelta(seconds=-1))
    sign_in(auth, "partner")
    ids = {p["id"] for p in client.get(people_url(operation)).get_json()["items"]}
    assert ids == {world["consenting"].id}

