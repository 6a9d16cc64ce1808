"""The second factor: enrolment, the code step at sign-in, replays, recovery codes, the pause,
the gate for staff who must have one, and the admin's reset."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from roster.auth.operations import MAX_FAILURES, PENDING_SECONDS
from roster.models import AuditEvent, RecoveryCode, User

from .conftest import AuthActions, IsolatedClient
from .test_access import URLS, new_client, sign_in, totp_code


@pytest.fixture()
def required(app: Flask) -> Iterator[None]:
    """security.require_totp = true, as config.toml ships it, for one test."""
    app.config["REQUIRE_TOTP"] = True
    try:
        yield
    finally:
        app.config["REQUIRE_TOTP"] = False


def events(db: Any, action: str) -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


def enrol(client: IsolatedClient, user: User) -> list[str]:
    """Set up the factor through the pages, as a person would; the recovery codes shown."""
    assert client.post("/account/two-factor/start").status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    response = client.post("/account/two-factor", data={"code": totp_code(user)})
    assert response.status_code == 200
    return re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))


def enrolled(client: IsolatedClient, auth: AuthActions, user: User) -> list[str]:
    """Enrol the user, then sign out; their next sign-in asks for a code."""
    sign_in(auth, role_of(user))
    codes = enrol(client, user)
    auth.logout()
    return codes


def role_of(user: User) -> str:
    return user.role.value


def password_step(auth: AuthActions, username: str) -> Any:
    response = auth.login(username)
    assert (response.status_code, response.headers["Location"]) == (302, "/login/code")
    return response


def next_code(user: User) -> str:
    """The code of the next 30-second step, which the app shows soon and the server already
    accepts (one step of drift): enrolment or the sign-in used up the current one."""
    return totp_code(user, ahead=1)


# ---------------------------------------------------------------------------------------------
# Enrolment.
# ---------------------------------------------------------------------------------------------


def test_enrolment_shows_the_qr_and_the_key_and_switches_on_only_after_a_right_code(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    sign_in(auth, "staff")
    client.post("/account/two-factor/start")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert staff.totp_secret and staff.totp_secret[:4] in page
    assert client.post("/account/two-factor", data={"code": "000000"}).status_code == 422
    db.expire_all()
    assert not staff.has_totp and not events(db, "totp.enrol")
    codes = enrol(client, staff)
    assert staff.has_totp and len(codes) == 10 and len(set(codes)) == 10
    assert events(db, "totp.enrol")[-1].actor_id == staff.id
    stored = db.scalars(select(RecoveryCode.digest).where(RecoveryCode.user_id == staff.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored), "only digests are kept"


def test_the_qr_code_is_an_inline_image_the_pages_policy_allows(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    client.post("/account/two-factor/start")
    response = client.get("/account/two-factor")
    assert "img-src 'self' data:" in response.headers["Content-Security-Policy"]
    assert "<script" not in response.get_data(as_text=True).split("</header>")[1]


# ---------------------------------------------------------------------------------------------
# Signing in in two steps.
# ---------------------------------------------------------------------------------------------


def test_the_password_alone_does_not_sign_in_a_user_with_a_second_factor(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    enrolled(client, auth, staff)
    password_step(auth, "t_staff")
    assert client.get("/registrants/").headers["Location"] == "/login"
    assert events(db, "login.password")[-1].actor_id == staff.id
    before = len(events(db, "login"))
    response = client.post("/login/code", data={"code": next_code(staff)})
    assert response.headers["Location"] == "/"
    assert client.get("/registrants/").status_code == 200
    assert len(events(db, "login")) == before + 1


def test_a_totp_code_is_refused_the_second_time_within_its_window(
    app: Flask, client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    enrolled(client, auth, staff)
    code = next_code(staff)
    password_step(auth, "t_staff")
    assert client.post("/login/code", data={"code": code}).status_code == 302
    other = new_client(app)
    password_step(AuthActions(other), "t_staff")
    replay = other.post("/login/code", data={"code": code})
    assert replay.status_code == 422
    assert other.get("/registrants/").headers["Location"] == "/login"
    assert events(db, "login.failed")[-1].actor_name == "t_staff"


def test_wrong_codes_count_towards_the_sign_in_pause(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    enrolled(client, auth, staff)
    password_step(auth, "t_staff")
    for _ in range(MAX_FAILURES):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 422
    paused = client.post("/login/code", data={"code": next_code(staff)})
    assert paused.headers["Location"] == "/login"
    assert client.get("/registrants/").headers["Location"] == "/login"
    assert events(db, "login.paused")
    # The right password now meets the same pause.
    assert auth.login("t_staff").status_code == 429


def test_a_recovery_code_signs_in_once_and_is_spent(
    app: Flask, client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    codes = enrolled(client, auth, staff)
    password_step(auth, "t_staff")
    typed = codes[0].upper().replace("-", " ")  # as read aloud from paper
    assert client.post("/login/code", data={"code": typed}).headers["Location"] == "/"
    used = events(db, "totp.recovery_used")[-1]
    assert (used.actor_id, json.loads(used.detail)["left"]) == (staff.id, 9)
    other = new_client(app)
    password_step(AuthActions(other), "t_staff")
    assert other.post("/login/code", data={"code": codes[0]}).status_code == 422
    assert other.post("/login/code", data={"code": codes[1]}).headers["Location"] == "/"


def test_the_code_step_expires_and_then_asks_for_the_password_again(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], monkeypatch: Any
) -> None:
    staff = world["users"]["staff"]
    enrolled(client, auth, staff)
    password_step(auth, "t_staff")
    monkeypatch.setattr(  # the clock of signed markers moves on past their lifetime
        TimestampSigner, "get_timestamp", lambda self: int(time.time()) + PENDING_SECONDS + 60
    )
    response = client.post("/login/code", data={"code": next_code(staff)})
    assert response.headers["Location"] == "/login"
    assert client.get("/registrants/").headers["Location"] == "/login"


def test_the_code_step_without_the_password_step_signs_no_one_in(
    client: IsolatedClient, world: dict[str, Any]
) -> None:
    with client.session_transaction() as session:
        session["second_factor"] = "t_staff"  # forged: not signed by the app
    response = client.post("/login/code", data={"code": "123456"})
    assert response.headers["Location"] == "/login"
    assert client.get("/registrants/").headers["Location"] == "/login"


# ---------------------------------------------------------------------------------------------
# Required for admins and staff.
# ---------------------------------------------------------------------------------------------


def test_staff_who_must_have_a_factor_reach_no_page_before_enrolling(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    place: dict[str, Any],
    required: None,
) -> None:
    staff = place["users"]["staff"]
    sign_in(auth, "staff")
    rules = {rule.rule: rule.methods or set() for rule in app.url_map.iter_rules()}
    allowed = {"/healthz", "/login", "/login/code", "/locale", "/logout",
               "/account/two-factor", "/account/two-factor/start"}
    enrolment = (302, "/account/two-factor")
    for rule, url in URLS.items():
        if rule in allowed:
            continue
        expected = (403, None) if rule.startswith("/api/") else enrolment
        if "GET" in rules[rule]:
            response = client.get(url(place))
            assert (response.status_code, response.headers.get("Location")) == expected, rule
        if "POST" in rules[rule]:
            response = client.post(url(place), data={})
            assert (response.status_code, response.headers.get("Location")) == expected, rule
    enrol(client, staff)
    assert client.get("/registrants/").status_code == 200


def test_partners_planners_and_demo_logins_need_no_factor_even_when_required(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], required: None
) -> None:
    for role in ("partner", "planner"):
        sign_in(auth, role)
        assert client.get("/").headers["Location"] != "/account/two-factor", role
        auth.logout()
    world["users"]["staff"].is_demo = True
    sign_in(auth, "staff")
    assert client.get("/registrants/").status_code == 200


def test_a_required_factor_cannot_be_turned_off(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], required: None
) -> None:
    staff = world["users"]["staff"]
    sign_in(auth, "staff")
    enrol(client, staff)
    client.post("/account/two-factor/disable", data={"code": next_code(staff)})
    db.expire_all()
    assert staff.has_totp and not events(db, "totp.disable")


def test_an_optional_factor_is_turned_off_with_a_current_code(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], required: None
) -> None:
    planner = world["users"]["planner"]
    sign_in(auth, "planner")
    enrol(client, planner)
    assert client.post("/account/two-factor/disable", data={"code": "000000"}).status_code == 422
    assert planner.has_totp
    response = client.post("/account/two-factor/disable", data={"code": next_code(planner)})
    assert response.headers["Location"] == "/account/two-factor"
    db.expire_all()
    assert not planner.has_totp and events(db, "totp.disable")
    assert not db.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == planner.id))


def test_new_recovery_codes_need_a_current_code_and_void_the_old_ones(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    sign_in(auth, "staff")
    old = enrol(client, staff)
    refused = client.post("/account/two-factor/recovery-codes", data={"code": old[0]})
    assert refused.status_code == 422, "a recovery code cannot make new ones"
    response = client.post(
        "/account/two-factor/recovery-codes", data={"code": next_code(staff)}
    )
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert events(db, "totp.recovery_codes")[-1].actor_id == staff.id
    auth.logout()
    password_step(auth, "t_staff")
    assert client.post("/login/code", data={"code": old[1]}).status_code == 422


# ---------------------------------------------------------------------------------------------
# A lost phone: the admin resets the factor.
# ---------------------------------------------------------------------------------------------


def test_an_admins_reset_is_audited_ends_sessions_and_sends_the_user_to_enrol_again(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    world: dict[str, Any],
    required: None,
) -> None:
    staff, admin_user = world["users"]["staff"], world["users"]["admin"]
    codes = enrolled(client, auth, staff)
    password_step(auth, "t_staff")
    assert client.post("/login/code", data={"code": next_code(staff)}).status_code == 302
    admin = new_client(app)
    admin_user.is_demo = True  # the admin's own factor is not under test here
    sign_in(AuthActions(admin), "admin")
    assert "t_staff" in admin.get("/admin/users").get_data(as_text=True)
    response = admin.post(f"/admin/users/{staff.id}/two-factor/reset")
    assert response.headers["Location"] == "/admin/users"
    reset = events(db, "totp.reset")[-1]
    assert (reset.actor_id, reset.object_id) == (admin_user.id, str(staff.id))
    db.expire_all()
    assert not staff.has_totp and staff.totp_secret is None
    assert client.get("/registrants/").headers["Location"] == "/login"
    assert auth.login("t_staff").headers["Location"] == "/"  # no code step any more
    assert client.get("/registrants/").headers["Location"] == "/account/two-factor"
    assert not db.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == staff.id)), codes


def test_an_api_token_stands_for_a_system_and_needs_no_code(
    client: IsolatedClient, db: Any, place: dict[str, Any], required: None
) -> None:
    from roster.auth.totp import start_enrolment
    from roster.i18n import local_today
    from roster.partners.tokens import issue_token

    partner = place["users"]["partner"]
    start_enrolment(partner)
    partner.totp_enabled_at = partner.created_at  # the person signs in with a code
    _, raw = issue_token(db, place["organisation"], partner, "連携", place["users"]["staff"],
                         local_today())
    response = client.get("/api/v1/registrants", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
