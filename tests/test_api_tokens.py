"""Per-partner API tokens: issued by staff and shown once, kept as a digest, accepted on /api/
only, never a session, and valid only while the user is active and the token's agreement
is the one in force."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from roster.i18n import local_today
from roster.models import AgreementStatus, ApiToken, AuditEvent, PartnerCategory, Role

from .conftest import AuthActions, IsolatedClient
from .test_access import new_client


def events(db: Any, action: str) -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


@pytest.fixture()
def staff(client: IsolatedClient, auth: AuthActions, world: dict[str, Any]) -> IsolatedClient:
    assert auth.login("t_staff").status_code == 302
    assert client.post("/locale", data={"locale": "en"}).status_code == 302
    return client


def issue(staff: IsolatedClient, world: dict[str, Any], label: str = "消防 指令システム") -> str:
    """Issue a token for the world's partner through the page; return it as shown."""
    response = staff.post(
        f"/partners/{world['organisation'].id}/tokens/new",
        data={"user_id": str(world["users"]["partner"].id), "label": label},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    match = re.search(r'value="(rt_[A-Za-z0-9_-]+)"', response.get_data(as_text=True))
    assert match, "the token is shown on the answer"
    return match.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def api(app: Flask) -> IsolatedClient:
    """A partner system: no cookies, only the token."""
    return new_client(app)


def test_a_token_is_shown_once_and_only_its_digest_is_kept(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    raw = issue(staff, world)
    assert len(raw) > 40
    token = db.scalar(select(ApiToken).where(ApiToken.label == "消防 指令システム"))
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:8]
    assert token.agreement_id == world["agreement"].id
    assert token.user_id == world["users"]["partner"].id
    assert token.created_by_id == world["users"]["staff"].id
    for column in ("label", "prefix", "digest"):
        assert raw not in getattr(token, column)
    for event in db.scalars(select(AuditEvent)):
        assert raw not in event.detail and raw[3:] not in event.detail
    [event] = events(db, "token.issue")
    assert event.object_id == str(token.id)
    page = staff.get(f"/partners/{world['organisation'].id}").get_data(as_text=True)
    assert token.prefix in page and raw not in page
    assert "消防 指令システム" in page


def test_the_issue_page_is_not_cached(staff: IsolatedClient, world: dict[str, Any]) -> None:
    response = staff.post(
        f"/partners/{world['organisation'].id}/tokens/new",
        data={"user_id": str(world["users"]["partner"].id), "label": "x"},
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert "rt_" not in response.headers.get("Location", "")


def test_a_token_gets_exactly_what_its_partner_user_gets(
    app: Flask, staff: IsolatedClient, api: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    raw = issue(staff, world)
    signed_in = new_client(app)
    AuthActions(signed_in).login("t_partner")
    for url in (
        "/api/v1/registrants",
        f"/api/v1/registrants/{world['consenting'].id}",
    ):
        by_token = api.get(url, headers=bearer(raw))
        by_session = signed_in.get(url)
        assert by_token.status_code == by_session.status_code == 200, url
        assert by_token.get_json() == by_session.get_json(), url
    for who in ("refusing", "unasked", "elsewhere"):
        response = api.get(f"/api/v1/registrants/{world[who].id}", headers=bearer(raw))
        assert response.status_code == 404, who
    assert api.get("/api/v1/registrants", headers=bearer(raw)).get_json()["total"] == 1


def test_an_api_answer_to_a_token_names_the_token_in_the_audit_trail(
    staff: IsolatedClient, api: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    raw = issue(staff, world)
    digest = hashlib.sha256(raw.encode()).hexdigest()
    token = db.scalar(select(ApiToken).where(ApiToken.digest == digest))
    api.get("/api/v1/registrants", headers=bearer(raw))
    api.get(f"/api/v1/registrants/{world['consenting'].id}", headers=bearer(raw))
    for action in ("api.list", "api.view"):
        event = events(db, action)[-1]
        assert event.actor_id == world["users"]["partner"].id
        assert json.loads(event.detail)["token"] == token.id
    assert token.last_used_at is not None


def test_a_token_request_sets_no_cookie(
    staff: IsolatedClient, api: IsolatedClient, world: dict[str, Any]
) -> None:
    raw = issue(staff, world)
    response = api.get("/api/v1/registrants", headers=bearer(raw))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert api.get_cookie("session") is None
    # Without the header, the same client is nobody.
    assert api.get("/api/v1/registrants").status_code == 401


@pytest.mark.parametrize("url", ["/registrants/", "/portal/", "/account/password", "/"])
def test_a_token_opens_no_html_page(
    staff: IsolatedClient, api: IsolatedClient, world: dict[str, Any], url: str
) -> None:
    raw = issue(staff, world)
    response = api.get(url, headers=bearer(raw))
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer rt_not-a-real-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "rt_nothing",
        "Bearer " + "0" * 64,
    ],
)
def test_an_unknown_or_malformed_token_gets_401(
    api: IsolatedClient, place: dict[str, Any], header: str
) -> None:
    response = api.get("/api/v1/registrants", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json() == {"error": "authentication required"}


def test_a_revoked_token_gets_401(
    staff: IsolatedClient, api: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    raw = issue(staff, world)
    assert api.get("/api/v1/registrants", headers=bearer(raw)).status_code == 200
    token = db.scalar(select(ApiToken).where(ApiToken.label == "消防 指令システム"))
    response = staff.post(f"/partners/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert token.revoked_at is not None and token.revoked_by_id == world["users"]["staff"].id
    assert events(db, "token.revoke")
    assert api.get("/api/v1/registrants", headers=bearer(raw)).status_code == 401
    again = staff.post(f"/partners/tokens/{token.id}/revoke")
    assert again.status_code == 302
    assert len(events(db, "token.revoke")) == 1


@pytest.mark.parametrize("action", ["terminate", "suspend"])
def test_ending_the_agreement_stops_the_token_on_the_next_request(
    staff: IsolatedClient, api: IsolatedClient, world: dict[str, Any], action: str
) -> None:
    raw = issue(staff, world)
    assert api.get("/api/v1/registrants", headers=bearer(raw)).status_code == 200
    response = staff.post(
        f"/partners/agreements/{world['agreement'].id}/status",
        data={"action": action, "confirm": "yes"},
    )
    assert response.status_code == 302
    assert api.get("/api/v1/registrants", headers=bearer(raw)).status_code == 401


def test_a_token_for_one_agreement_stops_when_another_comes_into_force(
    staff: IsolatedClient, api: IsolatedClient, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    raw = issue(staff, world)
    today = local_today()
    old = world["agreement"]
    old.ends_on = today - timedelta(days=1)
    new = factory.agreement(world["organisation"], starts_on=today,
                            ends_on=today + timedelta(days=365))
    db.commit()
    assert api.get("/api/v1/registrants", headers=bearer(raw)).status_code == 401
    fresh = issue(staff, world, label="新協定用")
    token = db.scalar(select(ApiToken).where(ApiToken.label == "新協定用"))
    assert token.agreement_id == new.id
    assert api.get("/api/v1/registrants", headers=bearer(fresh)).status_code == 200


def test_a_deactivated_user_s_token_gets_401(
    staff: IsolatedClient, api: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    raw = issue(staff, world)
    world["users"]["partner"].is_active_account = False
    db.commit()
    assert api.get("/api/v1/registrants", headers=bearer(raw)).status_code == 401


def test_a_token_is_refused_when_the_organisation_has_no_agreement_in_force(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    world["agreement"].status = AgreementStatus.SUSPENDED
    db.commit()
    page = staff.get(f"/partners/{world['organisation'].id}/tokens/new")
    assert page.status_code == 200
    assert "no agreement in force" in page.get_data(as_text=True)
    response = staff.post(
        f"/partners/{world['organisation'].id}/tokens/new",
        data={"user_id": str(world["users"]["partner"].id), "label": "x"},
    )
    assert response.status_code == 422
    assert "no agreement in force" in response.get_data(as_text=True)
    assert "rt_" not in response.get_data(as_text=True)
    assert db.scalar(select(func.count(ApiToken.id))) == 0


def test_a_token_is_only_for_a_partner_user_of_the_organisation(
    staff: IsolatedClient, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    other = factory.organisation(PartnerCategory.FIRE, [world["districts"][0]])
    stranger = factory.user(Role.PARTNER, "t_fire", organisation=other)
    db.commit()
    for user_id in (stranger.id, world["users"]["staff"].id, 0):
        response = staff.post(
            f"/partners/{world['organisation'].id}/tokens/new",
            data={"user_id": str(user_id), "label": "x"},
        )
        assert response.status_code == 422, user_id
    assert db.scalar(select(func.count(ApiToken.id))) == 0


def test_a_session_still_wins_over_a_header_and_a_staff_user_has_no_token_role(
    app: Flask, staff: IsolatedClient, world: dict[str, Any]
) -> None:
    """A staff session sending someone's token is still the staff user: no mixing."""
    raw = issue(staff, world)
    response = staff.get("/api/v1/registrants", headers=bearer(raw))
    assert response.get_json()["total"] == 4
