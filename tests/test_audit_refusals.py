"""Refused requests leave an event in the audit trail, a limited number of them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from roster.models import AuditEvent
from roster.models.base import utcnow

from .conftest import AuthActions, IsolatedClient


def refusals(db: Session, since: int = 0) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "request.refused", AuditEvent.seq > since)
        .order_by(AuditEvent.seq)
    ))


def last_seq(db: Session) -> int:
    return db.scalar(select(func.max(AuditEvent.seq))) or 0


@pytest.fixture()
def quota(app: Flask) -> Any:
    original = app.config["AUDIT_REFUSALS_PER_MINUTE"]
    app.config["AUDIT_REFUSALS_PER_MINUTE"] = 5
    yield 5
    app.config["AUDIT_REFUSALS_PER_MINUTE"] = original


def test_a_planner_opening_the_partners_page_leaves_an_event(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any]
) -> None:
    auth.login("t_planner")
    start = last_seq(db)
    assert client.get("/partners/").status_code == 403
    (event,) = refusals(db, start)
    detail = json.loads(event.detail)
    assert event.actor_name == "t_planner" and event.actor_id == world["users"]["planner"].id
    assert (event.object_type, event.object_id) == ("endpoint", "partners.index")
    assert detail == {"reason": "role", "status": 403, "method": "GET", "rule": "/partners/"}
    assert event.ip_address == "127.0.0.1"


def test_a_refused_request_is_kept_although_the_request_failed(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any]
) -> None:
    """The event is committed: rolling the session back afterwards does not lose it."""
    auth.login("t_partner")
    start = last_seq(db)
    client.get("/admin/users")
    db.rollback()
    assert [e.object_id for e in refusals(db, start)] == ["admin.users"]


def test_an_api_call_without_credentials_leaves_an_event_by_address(
    client: IsolatedClient, db: Session, world: dict[str, Any]
) -> None:
    start = last_seq(db)
    response = client.get("/api/v1/registrants", headers={"Authorization": "Bearer rt_guess"})
    assert response.status_code == 401
    (event,) = refusals(db, start)
    assert event.actor_id is None and event.ip_address == "127.0.0.1"
    assert json.loads(event.detail)["reason"] == "sign_in"
    assert "rt_guess" not in event.detail


def test_a_refused_request_leaves_no_personal_data_in_the_event(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any]
) -> None:
    """Neither the path's values, the query string nor the form reach the trail."""
    person = world["consenting"]
    auth.login("t_partner")
    start = last_seq(db)
    response = client.post(
        f"/registrants/{person.id}/edit?name={person.name}",
        data={"name": person.name, "phone": "042-999-1234", "address": person.address},
    )
    assert response.status_code == 403
    (event,) = refusals(db, start)
    text = " ".join(str(v) for v in (event.object_id, event.detail, event.actor_name))
    for secret in (person.name, person.address, "042-999-1234", f"/{person.id}/"):
        assert secret not in text
    assert event.object_id == "registrants.edit"
    assert json.loads(event.detail)["rule"] == "/registrants/<id:registrant_id>/edit"


def test_the_same_refused_page_is_recorded_once_a_minute(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any]
) -> None:
    auth.login("t_planner")
    start = last_seq(db)
    for _ in range(3):
        assert client.get("/partners/").status_code == 403
    assert len(refusals(db, start)) == 1


def test_fifty_refused_requests_in_a_burst_leave_at_most_the_quota(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], quota: int
) -> None:
    auth.login("t_planner")
    start = last_seq(db)
    pages = ["/partners/", "/admin/users", "/admin/audit/", "/imports/", "/releases/",
             "/rounds/", "/dashboard/", "/priority/", "/plans/", "/portal/", "/rounds/new",
             "/registrants/new"]
    for i in range(50):
        assert client.get(pages[i % len(pages)]).status_code == 403
    events = refusals(db, start)
    assert len(events) == quota
    assert json.loads(events[-1].detail).get("limit_reached") is True
    assert all("limit_reached" not in e.detail for e in events[:-1])


def test_refusals_older_than_a_minute_do_not_count(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from roster.audit import refusals as module

    auth.login("t_planner")
    start = last_seq(db)
    client.get("/partners/")
    later = utcnow() + timedelta(seconds=61)
    monkeypatch.setattr(module, "utcnow", lambda: later)
    client.get("/partners/")
    assert len(refusals(db, start)) == 2


def test_a_forged_form_leaves_an_event_naming_csrf(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], app: Flask
) -> None:
    auth.login("t_staff")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        start = last_seq(db)
        assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    (event,) = refusals(db, start)
    assert json.loads(event.detail) == {
        "reason": "csrf", "status": 400, "method": "POST", "rule": "/logout"
    }


def test_allowed_requests_and_not_found_pages_leave_no_refusal(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    start = last_seq(db)
    assert client.get("/partners/").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    assert refusals(db, start) == []


def test_the_audit_view_labels_refusals_in_japanese(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any]
) -> None:
    auth.login("t_planner")
    client.get("/partners/")
    auth.logout()
    auth.login("t_admin")
    client.post("/locale", data={"locale": "ja"})
    page = client.get("/admin/audit/?action=request.refused").get_data(as_text=True)
    assert "拒否：許可されていないアクセス" in page and "partners.index" in page
