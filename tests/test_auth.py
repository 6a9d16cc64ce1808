"""Signing in and out, sessions that end when they should, CSRF, passwords and headers."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import func, select

from roster.auth.totp import start_enrolment
from roster.models import (
    AuditEvent,
    ConsentRecord,
    MailingRound,
    Organisation,
    Registrant,
    RegistrantStatus,
    Role,
    SafetyReport,
    User,
)
from roster.models.base import utcnow
from roster.passwords import hash_password, verify_password

from .conftest import TEST_PASSWORD, AuthActions, IsolatedClient
from .test_access import URLS, new_client, sign_in, totp_code
from .test_partners import csrf_agreement_form, csrf_dispose_form, csrf_not_a_pdf
from .test_plans import csrf_partner_print, csrf_plan_form
from .test_releases import csrf_declare, csrf_end, csrf_renew

NEW_PASSWORD = "a much better passphrase"
WRONG_LOGIN = "The user name or password is wrong."
TOO_SHORT = "Use at least 12 characters."
COMMON = "This password is on the list of commonly used passwords."
HAS_NAME = "The password must not contain the user name."
MONOTONOUS = "Do not use only repeated or sequential characters"
SAME = "Choose a password different from the current one."


@pytest.fixture()
def csrf_on(app: Flask) -> Any:
    """CSRF protection as in production, for one test."""
    original = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = original


def english(client: IsolatedClient) -> None:
    """Show messages in English, whatever translations are installed."""
    assert client.post("/locale", data={"locale": "en"}).status_code == 302


def session_cookie(client: IsolatedClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def with_cookie(app: Flask, value: str) -> IsolatedClient:
    """A different browser carrying a copy of someone's session cookie."""
    other = new_client(app)
    other.set_cookie("session", value)
    return other


def goes_to_login(response: Any) -> bool:
    return response.status_code == 302 and response.headers["Location"] == "/login"


def events(db: Any, action: str) -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


def token(response: Any) -> str:
    """The CSRF token a page carries in its forms."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match.group(1)


# ---------------------------------------------------------------------------------------------
# Sessions end when they should.
# ---------------------------------------------------------------------------------------------


def test_a_cookie_copied_before_logout_gets_the_login_page_not_data(
    app: Flask, client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    copied = session_cookie(client)
    assert with_cookie(app, copied).get("/registrants/").status_code == 200, "the copy works"
    auth.logout()
    thief = with_cookie(app, copied)
    assert goes_to_login(thief.get("/registrants/"))
    response = thief.get(f"/api/v1/registrants/{world['consenting'].id}")
    assert response.status_code == 401
    assert world["consenting"].name not in response.get_data(as_text=True)


def test_logging_out_ends_every_other_session_of_the_user(
    app: Flask, client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    elsewhere = new_client(app)
    sign_in(AuthActions(elsewhere), "staff")
    assert elsewhere.get("/registrants/").status_code == 200
    auth.logout()
    assert goes_to_login(elsewhere.get("/registrants/"))
    assert goes_to_login(client.get("/registrants/"))


def test_a_password_change_kills_the_old_cookie_but_keeps_the_changing_session(
    app: Flask, client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    copied = session_cookie(client)
    assert with_cookie(app, copied).get("/registrants/").status_code == 200
    response = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert goes_to_login(with_cookie(app, copied).get("/registrants/"))
    assert client.get("/registrants/").status_code == 200
    assert events(db, "password.change")[-1].actor_id == world["users"]["staff"].id
    # The new password works and the old one no longer does.
    assert goes_to_login(client.post("/logout"))
    assert auth.login("t_staff", TEST_PASSWORD).status_code == 200
    assert auth.login("t_staff", NEW_PASSWORD).status_code == 302


def test_deactivating_a_user_ends_their_sessions_and_stops_their_login(
    app: Flask, client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    sign_in(auth, "staff")
    assert client.get("/registrants/").status_code == 200
    admin = new_client(app)
    sign_in(AuthActions(admin), "admin")
    response = admin.post(f"/admin/users/{staff.id}/active/0")
    assert (response.status_code, response.headers["Location"]) == (302, "/admin/users")
    assert goes_to_login(client.get("/registrants/"))
    assert client.get("/api/v1/registrants").status_code == 401
    english(client)
    attempt = auth.login("t_staff")
    assert attempt.status_code == 403
    assert "deactivated" in attempt.get_data(as_text=True)
    assert goes_to_login(client.get("/registrants/"))
    deactivation = events(db, "user.deactivate")[-1]
    assert (deactivation.actor_id, deactivation.object_id) == (
        world["users"]["admin"].id,
        str(staff.id),
    )
    assert events(db, "login.inactive")[-1].actor_name == "t_staff"
    # With a wrong password the answer gives nothing away.
    assert WRONG_LOGIN in auth.login("t_staff", "not the password").get_data(as_text=True)


def test_a_session_ends_as_soon_as_the_account_is_inactive_even_with_the_same_token(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    """The user loader checks the flag itself, not only the token that deactivation replaces."""
    staff = world["users"]["staff"]
    sign_in(auth, "staff")
    token_before = staff.session_token
    staff.is_active_account = False
    db.flush()
    assert staff.session_token == token_before
    assert goes_to_login(client.get("/registrants/"))


def test_a_reactivated_user_can_sign_in_again(
    app: Flask, client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    sign_in(auth, "admin")
    client.post(f"/admin/users/{staff.id}/active/0")
    client.post(f"/admin/users/{staff.id}/active/1")
    other = new_client(app)
    sign_in(AuthActions(other), "staff")
    assert other.get("/registrants/").status_code == 200


def test_an_admin_cannot_deactivate_their_own_account(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "admin")
    client.post(f"/admin/users/{world['users']['admin'].id}/active/0")
    assert client.get("/admin/users").status_code == 200
    assert world["users"]["admin"].is_active_account


# ---------------------------------------------------------------------------------------------
# Logins are audited and failures say nothing specific.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("t_staff", "wrong password!"),
        ("nobody_here", TEST_PASSWORD),
        ("t_staff", ""),
        ("T_STAFF", TEST_PASSWORD),
    ],
    ids=["wrong-password", "unknown-user", "empty-password", "wrong-case"],
)
def test_a_failed_login_is_audited_and_gets_a_generic_message(
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    world: dict[str, Any],
    username: str,
    password: str,
) -> None:
    english(client)
    before = len(events(db, "login.failed"))
    response = auth.login(username, password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert goes_to_login(client.get("/registrants/"))
    if password:
        assert WRONG_LOGIN in html
        failed = events(db, "login.failed")[before:]
        assert len(failed) == 1
        assert failed[0].actor_id is None
        # A name that is no account may be a password typed in the wrong box: not kept.
        expected = "t_staff" if username == "t_staff" else "?"
        assert failed[0].actor_name.startswith(expected)
        assert username == "t_staff" or username not in failed[0].actor_name
        assert password not in failed[0].detail
    for telling in ("unknown user", "no such user", "does not exist", "deactivated"):
        assert telling not in html.lower()


def test_the_failure_page_is_the_same_for_an_unknown_user_and_a_wrong_password(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    english(client)
    unknown = auth.login("nobody_here", "some password").get_data(as_text=True)
    wrong = auth.login("t_staff", "some password").get_data(as_text=True)
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", unknown) == strip.sub("", wrong)


def test_login_and_logout_are_audited_naming_the_user(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    sign_in(auth, "staff")
    login = events(db, "login")[-1]
    assert (login.actor_id, login.actor_name) == (staff.id, "t_staff")
    assert staff.last_login_at is not None
    assert goes_to_login(auth.logout())
    logout = events(db, "logout")[-1]
    assert (logout.actor_id, logout.actor_name) == (staff.id, "t_staff")
    assert logout.seq > login.seq
    assert not events(db, "login.failed")


# ---------------------------------------------------------------------------------------------
# An account made by an admin must choose its own password first.
# ---------------------------------------------------------------------------------------------


TEMPORARY = "temporary password 1"


def admin_creates(client: IsolatedClient, auth: AuthActions, username: str = "newcomer") -> None:
    sign_in(auth, "admin")
    response = client.post(
        "/admin/users/new",
        data={
            "username": username,
            "display_name": "新人 職員",
            "role": "staff",
            "organisation_id": "0",
            "new_password": TEMPORARY,
            "confirm": TEMPORARY,
        },
    )
    assert (response.status_code, response.headers.get("Location")) == (302, "/admin/users")
    auth.logout()


def test_an_admin_created_user_is_sent_to_change_their_password_from_every_page(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    place: dict[str, Any],
) -> None:
    admin_creates(client, auth)
    newcomer = db.scalars(select(User).where(User.username == "newcomer")).one()
    assert newcomer.must_change_password
    assert auth.login("newcomer", TEMPORARY).status_code == 302
    change = (302, "/account/password")
    rules = {rule.rule: rule.methods or set() for rule in app.url_map.iter_rules()}
    allowed = {"/healthz", "/login", "/login/code", "/locale", "/logout", "/account/password"}
    for rule, url in URLS.items():
        if rule in allowed:
            continue
        url = url(place)
        expected = (403, None) if rule.startswith("/api/") else change
        if "GET" in rules[rule]:
            response = client.get(url)
            assert (response.status_code, response.headers.get("Location")) == expected, rule
        if "POST" in rules[rule]:
            response = client.post(url, data={})
            assert (response.status_code, response.headers.get("Location")) == expected, rule
    assert client.get("/account/password").status_code == 200
    response = client.get("/", follow_redirects=True)
    assert response.request.path == "/account/password"
    response = client.post(
        "/account/password",
        data={
            "current_password": TEMPORARY,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert not newcomer.must_change_password
    assert client.get("/registrants/").status_code == 200


def test_the_temporary_password_is_refused_as_the_new_one(
    client: IsolatedClient, auth: AuthActions, db: Any, place: dict[str, Any]
) -> None:
    admin_creates(client, auth)
    newcomer = db.scalars(select(User).where(User.username == "newcomer")).one()
    english(client)
    auth.login("newcomer", TEMPORARY)
    response = client.post(
        "/account/password",
        data={"current_password": TEMPORARY, "new_password": TEMPORARY, "confirm": TEMPORARY},
    )
    assert response.status_code == 422
    assert SAME in response.get_data(as_text=True)
    db.expire_all()
    assert newcomer.must_change_password
    assert client.get("/registrants/").headers["Location"] == "/account/password"


def test_a_password_reset_by_an_admin_ends_the_users_sessions_and_forces_a_change(
    app: Flask, client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    sign_in(auth, "staff")
    admin = new_client(app)
    sign_in(AuthActions(admin), "admin")
    response = admin.post(
        f"/admin/users/{staff.id}/password",
        data={
            "new_password": TEMPORARY,
            "confirm": TEMPORARY,
        },
    )
    assert response.status_code == 302
    assert goes_to_login(client.get("/registrants/"))
    assert auth.login("t_staff", TEMPORARY).status_code == 302
    response = client.get("/registrants/")
    assert (response.status_code, response.headers["Location"]) == (302, "/account/password")
    reset = events(db, "password.reset")[-1]
    assert (reset.actor_id, reset.object_id) == (world["users"]["admin"].id, str(staff.id))


# ---------------------------------------------------------------------------------------------
# Changing one's password.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("not my password", NEW_PASSWORD, NEW_PASSWORD, "The current password is wrong."),
        (TEST_PASSWORD, "short", "short", TOO_SHORT),
        (TEST_PASSWORD, "a1b2c3d4e5f", "a1b2c3d4e5f", TOO_SHORT),
        (TEST_PASSWORD, "password1234", "password1234", COMMON),
        (TEST_PASSWORD, "Password12!!", "Password12!!", COMMON),
        (TEST_PASSWORD, "QWERTYUIOP12", "QWERTYUIOP12", COMMON),
        (TEST_PASSWORD, "my T_Staff account", "my T_Staff account", HAS_NAME),
        (TEST_PASSWORD, "zzzzzzzzzzzz", "zzzzzzzzzzzz", MONOTONOUS),
        (TEST_PASSWORD, "123456789012", "123456789012", MONOTONOUS),
        (TEST_PASSWORD, TEST_PASSWORD, TEST_PASSWORD, SAME),
        (TEST_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "The passwords differ."),
        ("", NEW_PASSWORD, NEW_PASSWORD, "This field is required."),
    ],
    ids=["wrong-current", "too-short", "one-short", "common", "common-decorated",
         "common-upper-case", "contains-user-name", "repeated", "sequential", "unchanged",
         "mismatch", "no-current"],
)
def test_a_bad_password_change_is_refused_with_a_message_and_changes_nothing(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    world: dict[str, Any],
    current: str,
    new: str,
    confirm: str,
    message: str,
) -> None:
    assert app.config["MIN_PASSWORD_LENGTH"] == 12
    staff = world["users"]["staff"]
    english(client)
    sign_in(auth, "staff")
    copied = session_cookie(client)
    old_hash, old_token = staff.password_hash, staff.session_token
    response = client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm": confirm,
        },
    )
    assert response.status_code in (200, 422)
    assert message in response.get_data(as_text=True)
    db.expire_all()
    assert (staff.password_hash, staff.session_token) == (old_hash, old_token)
    assert not events(db, "password.change")
    assert with_cookie(app, copied).get("/registrants/").status_code == 200
    assert client.get("/registrants/").status_code == 200


# ---------------------------------------------------------------------------------------------
# CSRF: a POST without the token is refused and changes nothing.
# ---------------------------------------------------------------------------------------------


def person_form(person: Registrant | None, district_id: int) -> dict[str, str]:
    """A complete, valid registrant form: a new person, or an edit of `person`."""
    data = {
        "resident_no": "8800000001",
        "name": "山田 花子",
        "name_kana": "ヤマダ ハナコ",
        "birth_date": "1938-03-02",
        "sex": "female",
        "address": "東京都テスト市テスト町A2-3-4",
        "district_id": str(district_id),
        "phone": "042-111-2222",
        "reason_elderly_care": "y",
        "support_reason_detail": "独居",
        "household": "alone",
        "mobility": "cane_walker",
        "care_level": "care_2",
        "status": "active",
        "source": "self_applied",
    }
    if person is not None:
        data.update(resident_no=person.resident_no, name="変更 後子", version=str(person.version))
    return data


def enrolling_code(user: User) -> str:
    """Start the user's enrolment (if not started) and give the code their app shows now."""
    if user.totp_secret is None:
        start_enrolment(user)
    return totp_code(user)


def enrolled_code(user: User) -> str:
    """Give the user a second factor (if none yet) and a code one step ahead, so that the
    code the sign-in itself used does not make this one a replay."""
    if not user.has_totp:
        start_enrolment(user)
        user.totp_enabled_at = utcnow()
    return totp_code(user, ahead=1)


def _changed_locale(db: Any, w: dict[str, Any]) -> bool:
    return w["users"]["staff"].locale == "en"


def confirmed_round(w: dict[str, Any], form: dict[str, str]) -> dict[str, str]:
    """A new round's form as its preview's create button sends it, with the count."""
    from roster.extensions import db
    from roster.i18n import local_today
    from roster.rounds.choosing import choice_key
    from roster.rounds.operations import target_query

    query = target_query(w["users"]["staff"], form["target"], None, local_today(), 12)
    count = len(db.session.scalars(query).all())
    key = choice_key(form["target"], form["district_id"], form["language"], count)
    return {**form, "create": "1", "confirm": key}


def unsent_round(w: dict[str, Any], form: dict[str, str]) -> dict[str, str]:
    """The place's round is sent already, and a sending date once recorded stays (409)."""
    w["round"].sent_on = None
    return form


#: A one-point file for the address-point upload.
CSRF_POINTS = "town,koaza,lat,lng\nテスト町A一丁目,,35.72,139.55\n"
#: rule -> (who posts, the form, whether the change happened). Every POST route is listed.
def _safety_reports(db: Any, w: dict[str, Any]) -> int:
    """Reports stored in the world's running operation."""
    return int(db.scalar(select(func.count(SafetyReport.id)).where(
        SafetyReport.operation_id == w["operation"].id)) or 0)


def _posted_empty(role: str) -> tuple[str, Any, Any]:
    """A form posted empty: refused for the missing token before it is read."""
    return (role, lambda w: {}, lambda db, w: _safety_reports(db, w) > 0)


#: How far back a copy is moved so the next confirm makes a new one (tests of the portal).
MINUTES_3 = timedelta(minutes=3)

CSRF_CASES: dict[str, tuple[str, Any, Any]] = {
    # safety confirmation and drills (issues 13 and 14). The typed result is a real change; the
    # other forms are posted empty: the token is refused first, and nothing is written.
    "/safety/<id:operation_id>/entry": (
        "staff",
        lambda w: {"number": str(w["unasked"].id), "status": "safe_home", "method": "visit"},
        lambda db, w: _safety_reports(db, w) == 1,
    ),
    "/api/v1/safety/operations/<id:operation_id>/reports": _posted_empty("partner"),
    "/drills/<id:scenario_id>/actions/new": _posted_empty("staff"),
    "/drills/<id:scenario_id>/edit": _posted_empty("staff"),
    "/drills/<id:scenario_id>/end": _posted_empty("staff"),
    "/drills/<id:scenario_id>/openings": _posted_empty("staff"),
    "/drills/<id:scenario_id>/report/edit": _posted_empty("staff"),
    "/drills/<id:scenario_id>/start": _posted_empty("staff"),
    "/drills/actions/<id:action_id>": _posted_empty("staff"),
    "/drills/flags/<id:flag_id>/clear": _posted_empty("staff"),
    "/drills/new": _posted_empty("staff"),
    "/safety/<id:operation_id>/arrivals": _posted_empty("staff"),
    "/safety/<id:operation_id>/end": _posted_empty("staff"),
    "/safety/<id:operation_id>/export.csv": _posted_empty("staff"),
    "/safety/<id:operation_id>/export.xlsx": _posted_empty("staff"),
    "/safety/<id:operation_id>/people/<id:registrant_id>/handoff": _posted_empty("staff"),
    "/safety/<id:operation_id>/sheets": _posted_empty("staff"),
    "/safety/new": _posted_empty("staff"),
    "/login": (
        "anon",
        lambda w: {"username": "t_staff", "password": TEST_PASSWORD},
        lambda db, w: bool(events(db, "login")),
    ),
    "/logout": (
        "staff",
        lambda w: {},
        lambda db, w: bool(events(db, "logout")),
    ),
    "/account/password": (
        "staff",
        lambda w: {
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
        lambda db, w: verify_password(w["users"]["staff"].password_hash, NEW_PASSWORD),
    ),
    "/locale": ("staff", lambda w: {"locale": "en", "next": "/registrants/"}, _changed_locale),
    "/registrants/": (
        "staff",
        lambda w: {"q": w["refusing"].name},
        lambda db, w: False,  # a search changes nothing stored; only the 400 is checked
    ),
    "/registrants/bulk": (
        "staff",
        lambda w: {"action": "print", "ids": str(w["consenting"].id)},
        lambda db, w: any('"sheet"' in e.detail for e in events(db, "registrant.view")),
    ),
    "/registrants/bulk/status": (
        "staff",
        lambda w: {
            "ids": str(w["consenting"].id),
            "versions": f"{w['consenting'].id}:{w['consenting'].version}",
            "status": "moved_out",
            "confirm": "1",
        },
        lambda db, w: w["consenting"].status is RegistrantStatus.MOVED_OUT,
    ),
    "/registrants/bulk/round": (
        "staff",
        lambda w: unsent_round(
            w, {"ids": str(w["consenting"].id), "round": str(w["round"].id), "confirm": "1"}
        ),
        lambda db, w: bool(events(db, "round.add_members")),
    ),
    "/registrants/export": (
        "staff",
        lambda w: {"purpose": "plans", "format": "csv"},
        lambda db, w: bool(events(db, "registrant.export")),
    ),
    "/registrants/new": (
        "staff",
        lambda w: person_form(None, w["districts"][0].id),
        lambda db, w: (
            db.scalar(
                select(func.count(Registrant.id)).where(Registrant.resident_no == "8800000001")
            )
            == 1
        ),
    ),
    "/registrants/<id:registrant_id>/edit": (
        "staff",
        lambda w: person_form(w["refusing"], w["districts"][0].id),
        lambda db, w: w["refusing"].name == "変更 後子",
    ),
    "/registrants/<id:registrant_id>/consent/new": (
        "staff",
        lambda w: {
            "purpose": "register_sharing",
            "state": "consented",
            "method": "visit",
            "decided_on": "2025-06-01",
            "scope": ["minsei_iin"],
        },
        lambda db, w: (
            db.scalar(
                select(func.count(ConsentRecord.id)).where(
                    ConsentRecord.registrant_id == w["refusing"].id
                )
            )
            == 2
        ),
    ),
    "/admin/users/new": (
        "admin",
        lambda w: {
            "username": "csrf_victim",
            "display_name": "x",
            "role": "staff",
            "organisation_id": "0",
            "new_password": TEMPORARY,
            "confirm": TEMPORARY,
        },
        lambda db, w: db.scalar(select(User.id).where(User.username == "csrf_victim")) is not None,
    ),
    "/admin/users/<id:user_id>/password": (
        "admin",
        lambda w: {"new_password": TEMPORARY, "confirm": TEMPORARY},
        lambda db, w: verify_password(w["target"].password_hash, TEMPORARY),
    ),
    "/admin/users/<id:user_id>/active/<int(max=1):active>": (
        "admin",
        lambda w: {},
        lambda db, w: not w["target"].is_active_account,
    ),
    "/login/code": (
        "anon",
        lambda w: {"code": "123456"},
        lambda db, w: False,  # no password step went before: only the 400 is checked
    ),
    "/account/two-factor/start": (
        "staff",
        lambda w: {},
        lambda db, w: w["users"]["staff"].totp_secret is not None,
    ),
    "/account/two-factor": (
        "staff",
        lambda w: {"code": enrolling_code(w["users"]["staff"])},
        lambda db, w: w["users"]["staff"].has_totp,
    ),
    "/account/two-factor/recovery-codes": (
        "planner",
        lambda w: {"code": enrolled_code(w["users"]["planner"])},
        lambda db, w: bool(events(db, "totp.recovery_codes")),
    ),
    "/account/two-factor/disable": (
        "planner",
        lambda w: {"code": enrolled_code(w["users"]["planner"])},
        lambda db, w: not w["users"]["planner"].has_totp,
    ),
    "/admin/users/<id:user_id>/two-factor/reset": (
        "admin",
        lambda w: {},
        lambda db, w: bool(events(db, "totp.reset")),
    ),
    "/admin/users/<id:user_id>/release/<int(max=1):allowed>": (
        "admin",
        lambda w: {},
        lambda db, w: w["target"].may_declare_release,
    ),
    "/rounds/new": (
        "staff",
        lambda w: confirmed_round(w, {"title": "CSRF回", "target": "all_active",
                                      "district_id": "0", "language": "ja"}),
        lambda db, w: db.scalar(select(MailingRound.id).where(MailingRound.title == "CSRF回"))
        is not None,
    ),
    "/rounds/reply": (
        "staff",
        lambda w: {"reference": w["round"].members[0].reference, "answer": "agree",
                   "scope": ["fire"]},
        lambda db, w: w["round"].members[0].returned_on is not None,
    ),
    "/rounds/<id:round_id>/sent": (
        "staff",
        lambda w: unsent_round(w, {"sent_on": "2026-11-01"}),
        lambda db, w: str(w["round"].sent_on) == "2026-11-01",
    ),
    "/rounds/<id:round_id>/reminder": (
        "staff",
        lambda w: {},
        lambda db, w: db.scalar(select(func.count(MailingRound.id))) == 2,
    ),
    "/rounds/<id:round_id>/delete": (
        "staff",
        lambda w: unsent_round(w, {"count": str(len(w["round"].members))}),
        lambda db, w: db.scalar(select(func.count(MailingRound.id))) == 0,
    ),
    "/rounds/<id:round_id>/presume": (
        "staff",
        lambda w: {"basis": "条例"},
        lambda db, w: w["round"].members[0].presumed_on is not None,
    ),
    "/imports/": (
        "staff",
        lambda w: {"file": (io.BytesIO("宛名番号,氏名\r\n".encode()), "export.csv")},
        lambda db, w: bool(events(db, "import.dry_run")),
    ),
    "/imports/<token>/apply": ("staff", lambda w: {}, lambda db, w: False),
    "/imports/<token>/report.csv": ("staff", lambda w: {}, lambda db, w: False),
    "/imports/<token>/confirm": ("staff", lambda w: {}, lambda db, w: False),
    "/imports/batches/<id:batch_id>/undo": ("staff", lambda w: {}, lambda db, w: False),
    # partners (staff)
    "/partners/new": (
        "staff",
        lambda w: {"name": "CSRF自治会", "category": "jichikai",
                   "districts": [str(w["districts"][0].id)]},
        lambda db, w: (
            db.scalar(select(Organisation.id).where(Organisation.name == "CSRF自治会")) is not None
        ),
    ),
    "/partners/<id:organisation_id>/edit": (
        "staff",
        lambda w: {"name": "CSRF改名", "category": "minsei_iin",
                   "districts": [str(w["districts"][0].id)],
                   "version": str(w["organisation"].version)},
        lambda db, w: w["organisation"].name == "CSRF改名",
    ),
    "/partners/<id:organisation_id>/agreements/new": (
        "staff",
        lambda w: {**csrf_agreement_form(w), "title": "CSRF協定", "version": ""},
        lambda db, w: bool(events(db, "agreement.create")),
    ),
    "/partners/agreements/<id:agreement_id>/edit": (
        "staff",
        lambda w: {**csrf_agreement_form(w), "title": "CSRF改定"},
        lambda db, w: w["agreement"].title == "CSRF改定",
    ),
    "/partners/agreements/<id:agreement_id>/status": (
        "staff",
        lambda w: {"action": "suspend", "version": str(w["agreement"].version)},
        lambda db, w: w["agreement"].status.value == "suspended",
    ),
    # A file that is not a PDF: with the token, the upload is checked (422) and refused.
    "/partners/agreements/<id:agreement_id>/document": (
        "staff",
        csrf_not_a_pdf,
        lambda db, w: w["agreement"].document_sha256 is not None,
    ),
    "/partners/provisions/<id:provision_id>/dispose": (
        "staff",
        csrf_dispose_form,
        lambda db, w: w["provision"].disposed_on is not None,
    ),
    "/partners/<id:organisation_id>/tokens/new": (
        "staff",
        lambda w: {"user_id": str(w["users"]["partner"].id), "label": "CSRF連携"},
        lambda db, w: bool(events(db, "token.issue")),
    ),
    "/partners/tokens/<id:token_id>/revoke": (
        "staff",
        lambda w: {},
        lambda db, w: w["token"].revoked_at is not None,
    ),
    # portal (partner)
    # A copy is written by the ledger, which audits it as provision.<format>; the place
    # already holds one printed copy.
    "/portal/print": (
        # The place's copy made three minutes ago: the same people within two minutes would
        # land on it instead of making a copy.
        "partner",
        lambda w: setattr(w["provision"], "created_at", w["provision"].created_at - MINUTES_3)
        or {},
        lambda db, w: len(events(db, "provision.print")) == 2,
    ),
    "/portal/export.csv": (
        "partner", lambda w: {}, lambda db, w: bool(events(db, "provision.csv"))
    ),
    "/portal/export.xlsx": (
        "partner", lambda w: {}, lambda db, w: bool(events(db, "provision.xlsx"))
    ),
    "/portal/search": (
        "partner",
        lambda w: {"q": w["consenting"].name},
        lambda db, w: False,  # only a search key is kept; only the 400 is checked
    ),
    # releases (staff)
    # shelters (issue 5)
    "/shelters/new": (
        "staff",
        lambda w: {"name": "CSRF避難所", "address": "東京都西東京市1-1", "latitude": "35.72",
                   "longitude": "139.54", "is_evacuation_shelter": "y"},
        lambda db, w: bool(events(db, "shelter.create")),
    ),
    # The URL makes the matrix's place, w["shelter"], at its first version.
    "/shelters/<id:shelter_id>/edit": (
        "staff",
        lambda w: {"name": "CSRF改名", "address": "東京都西東京市1-1", "latitude": "35.72",
                   "longitude": "139.54", "is_evacuation_shelter": "y", "version": "1"},
        lambda db, w: w["shelter"].name == "CSRF改名",
    ),
    # A GSI list without coordinates: with the token, the preview lists its problem (200).
    "/shelters/import": (
        "staff",
        lambda w: {
            "format": "gsi",
            "files": (io.BytesIO("共通ID,施設・場所名,受入対象者\r\n".encode()), "x.csv"),
        },
        lambda db, w: False,
    ),
    "/shelters/import/<token>/apply": ("staff", lambda w: {}, lambda db, w: False),
    # maps and hazards (issue 5)
    # plans (issue 6)
    # The form builder makes the matrix's plan (the refusing person's) and edits it.
    "/plans/<id:registrant_id>/edit": (
        "staff",
        csrf_plan_form,
        lambda db, w: w["plan"].route_notes == "CSRF経路",
    ),
    # The builder lets the partner print that plan (plans in the agreement, a release
    # running over its district); the copy goes in the ledger as provision.plan_print.
    "/plans/<id:registrant_id>/print": (
        "partner",
        csrf_partner_print,
        lambda db, w: bool(events(db, "provision.plan_print")),
    ),
    # priority queue (issue 6)
    "/priority/assign": (
        "staff",
        lambda w: {"ids": [str(w["unasked"].id)], "user_id": str(w["users"]["staff"].id)},
        lambda db, w: bool(events(db, "plan.assign")),
    ),
    # The form builder assigns the person first, so there is something to take back.
    "/priority/unassign": (
        "staff",
        lambda w: __import__("tests.test_priority", fromlist=["x"]).csrf_unassign(w),
        lambda db, w: bool(events(db, "plan.unassign")),
    ),
    "/hazards/": (
        "staff",
        lambda w: {"kind": "flood", "name": "CSRF浸水", "file": (io.BytesIO(
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            b'{"A31a_205": 2}, "geometry": {"type": "Polygon", "coordinates": [[[139.5, 35.7], '
            b'[139.6, 35.7], [139.6, 35.8], [139.5, 35.7]]]}}]}'), "csrf.geojson")},
        lambda db, w: bool(events(db, "hazard.import")),
    ),
    "/hazards/<id:layer_id>/delete": (
        "staff", lambda w: {}, lambda db, w: bool(events(db, "hazard.delete"))
    ),
    "/hazards/assignment/recompute": (
        "staff", lambda w: {}, lambda db, w: bool(events(db, "hazard.recompute"))
    ),
    # address points and geocoding (issue 11)
    "/address-points/": (
        "staff",
        lambda w: {"file": (io.BytesIO(CSRF_POINTS.encode()), "points.csv")},
        lambda db, w: bool(events(db, "address_points.import")),
    ),
    "/address-points/geocode": (
        "staff", lambda w: {}, lambda db, w: bool(events(db, "registrant.geocode"))
    ),
    # The form builders authorise t_staff first (the matrix's t_staff may not declare), and
    # for renew/end bring the place's lapsed release back to running.
    "/releases/new": (
        "staff",
        csrf_declare,
        lambda db, w: bool(events(db, "release.declare")),
    ),
    "/releases/<id:release_id>/renew": (
        "staff",
        csrf_renew,
        lambda db, w: w["release"].renewals == 1,
    ),
    "/releases/<id:release_id>/end": (
        "staff",
        csrf_end,
        lambda db, w: w["release"].ended_at is not None,
    ),
}

#: What the control (with a token) answers where it is not a redirect: the upload shows its
#: dry run, and an unknown upload token is not found.
CONTROL_STATUS = {
    # safety confirmation and drills (issues 13 and 14): the empty forms are read once the
    # token passes. The API reads JSON only, so its control is a 400 for the body; its CSRF
    # check with the X-CSRFToken header is tested in test_safety_api.
    "/api/v1/safety/operations/<id:operation_id>/reports": 400,
    "/drills/<id:scenario_id>/actions/new": 422,
    "/drills/<id:scenario_id>/edit": 422,
    "/drills/<id:scenario_id>/end": 303,
    "/drills/<id:scenario_id>/openings": 404,
    "/drills/<id:scenario_id>/report/edit": 409,
    "/drills/<id:scenario_id>/start": 303,
    "/drills/actions/<id:action_id>": 422,
    "/drills/flags/<id:flag_id>/clear": 303,
    "/drills/new": 422,
    "/safety/<id:operation_id>/arrivals": 422,
    "/safety/<id:operation_id>/end": 303,
    "/safety/<id:operation_id>/entry": 303,
    "/safety/<id:operation_id>/export.csv": 422,
    "/safety/<id:operation_id>/export.xlsx": 422,
    "/safety/<id:operation_id>/people/<id:registrant_id>/handoff": 422,
    "/safety/<id:operation_id>/sheets": 422,
    "/safety/new": 422,
    "/account/two-factor": 200,  # the recovery codes, shown once
    "/account/two-factor/recovery-codes": 200,
    "/imports/": 200,
    "/registrants/export": 200,  # the file
    "/registrants/bulk": 200,  # the person sheets
    "/registrants/bulk/status": 303,
    "/registrants/bulk/round": 303,
    "/imports/<token>/apply": 404,
    "/imports/<token>/report.csv": 404,
    "/imports/<token>/confirm": 404,
    "/imports/batches/<id:batch_id>/undo": 404,
    # partners (staff)
    "/partners/agreements/<id:agreement_id>/document": 422,
    "/partners/<id:organisation_id>/tokens/new": 200,
    # portal (partner)
    "/portal/print": 303,
    "/portal/export.csv": 303,
    "/portal/export.xlsx": 303,
    # releases (staff)
    # shelters (issue 5)
    "/shelters/import": 200,
    "/shelters/import/<token>/apply": 404,
    # maps and hazards (issue 5)
    # plans (issue 6)
    "/plans/<id:registrant_id>/print": 303,
    # priority queue (issue 6)
}
#: Posts whose control changes nothing stored (a search; an unknown upload token; a
#: presumption under the default opt_in rule, which allows none).
NO_EFFECT = {
    "/api/v1/safety/operations/<id:operation_id>/reports",
    "/drills/<id:scenario_id>/actions/new",
    "/drills/<id:scenario_id>/edit",
    "/drills/<id:scenario_id>/end",
    "/drills/<id:scenario_id>/openings",
    "/drills/<id:scenario_id>/report/edit",
    "/drills/<id:scenario_id>/start",
    "/drills/actions/<id:action_id>",
    "/drills/flags/<id:flag_id>/clear",
    "/drills/new",
    "/safety/<id:operation_id>/arrivals",
    "/safety/<id:operation_id>/end",
    "/safety/<id:operation_id>/export.csv",
    "/safety/<id:operation_id>/export.xlsx",
    "/safety/<id:operation_id>/people/<id:registrant_id>/handoff",
    "/safety/<id:operation_id>/sheets",
    "/safety/new",
    "/login/code",
    "/registrants/",
    "/imports/<token>/apply",
    "/imports/<token>/report.csv",
    "/imports/<token>/confirm",
    "/imports/batches/<id:batch_id>/undo",
    "/rounds/<id:round_id>/presume",
    # partners (staff)
    "/partners/agreements/<id:agreement_id>/document",
    # portal (partner)
    "/portal/search",
    # releases (staff)
    # shelters (issue 5)
    "/shelters/import",
    "/shelters/import/<token>/apply",
    # maps and hazards (issue 5)
    # plans (issue 6)
    # priority queue (issue 6)
}




def csrf_url(rule: str, place: dict[str, Any]) -> str:
    if rule == "/admin/users/<id:user_id>/active/<int(max=1):active>":
        return f"/admin/users/{place['target'].id}/active/0"
    return URLS[rule](place)


def test_the_csrf_cases_cover_every_post_route(app: Flask) -> None:
    posts = {r.rule for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}
    assert posts == set(CSRF_CASES), "a POST route was added: add its CSRF case here"


@pytest.mark.parametrize("rule", sorted(CSRF_CASES))
def test_a_post_without_a_csrf_token_is_refused_with_400_and_changes_nothing(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    place: dict[str, Any],
    csrf_on: None,
    rule: str,
) -> None:
    role, form, changed = CSRF_CASES[rule]
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(auth, role)
    app.config["WTF_CSRF_ENABLED"] = True
    url = csrf_url(rule, place)  # before the mark: a drill's URL makes its scenario
    before = db.scalar(select(func.max(AuditEvent.seq)))
    response = client.post(url, data=form(place))
    assert response.status_code == 400
    db.expire_all()
    assert not changed(db, place)
    after = list(db.scalars(select(AuditEvent.action).where(AuditEvent.seq > before)))
    assert after == ["request.refused"], "only the refusal was audited"
    if role != "anon":
        assert client.get("/account/password").status_code == 200, "still signed in"
    else:
        assert goes_to_login(client.get("/registrants/"))


@pytest.mark.parametrize("rule", sorted(CSRF_CASES))
def test_the_same_post_with_the_pages_csrf_token_goes_through(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    place: dict[str, Any],
    csrf_on: None,
    rule: str,
) -> None:
    """The control for the test above: it is the missing token, not the form, that fails."""
    role, form, changed = CSRF_CASES[rule]
    data = form(place)
    if role == "anon":
        data["csrf_token"] = token(client.get("/login"))
    else:
        app.config["WTF_CSRF_ENABLED"] = False
        sign_in(auth, role)
        app.config["WTF_CSRF_ENABLED"] = True
        data["csrf_token"] = token(client.get("/account/password"))
    response = client.post(csrf_url(rule, place), data=data)
    assert response.status_code == CONTROL_STATUS.get(rule, 302), response.get_data(
        as_text=True)[:2000]
    db.expire_all()
    if rule not in NO_EFFECT:
        assert changed(db, place)


def test_a_token_from_another_session_is_refused(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    world: dict[str, Any],
    csrf_on: None,
) -> None:
    foreign = token(new_client(app).get("/login"))
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(auth, "staff")
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/logout", data={"csrf_token": foreign})
    assert response.status_code == 400
    assert client.get("/registrants/").status_code == 200


# ---------------------------------------------------------------------------------------------
# Password storage.
# ---------------------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes_by_every_path(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    runner: Any,
    db: Any,
    world: dict[str, Any],
) -> None:
    admin_creates(client, auth, "made_by_admin")
    result = runner.invoke(
        args=["create-user", "made_by_cli", "--role", "planner", "--password", TEMPORARY]
    )
    assert result.exit_code == 0, result.output
    sign_in(auth, "staff")
    client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    db.expire_all()
    for username, password in (
        ("made_by_admin", TEMPORARY),
        ("made_by_cli", TEMPORARY),
        ("t_staff", NEW_PASSWORD),
    ):
        stored = db.scalars(select(User.password_hash).where(User.username == username)).one()
        assert stored.startswith("$argon2id$"), username
        assert password not in stored
        assert verify_password(stored, password)
        assert PasswordHasher().verify(stored, password)


def test_outside_tests_the_hash_uses_argon2ids_default_cost() -> None:
    """Without the test app's ARGON2_FAST there is no app context here: the real parameters."""
    stored = hash_password(TEMPORARY)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(stored, TEMPORARY)
    assert not verify_password(stored, TEMPORARY + "x")
    assert not verify_password("not a hash", TEMPORARY)


# ---------------------------------------------------------------------------------------------
# The create-user command.
# ---------------------------------------------------------------------------------------------


def test_flask_create_user_creates_a_user_who_can_sign_in(
    client: IsolatedClient, auth: AuthActions, runner: Any, db: Any, world: dict[str, Any]
) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "cli_staff",
            "--name",
            "窓口 職員",
            "--role",
            "staff",
            "--password",
            TEMPORARY,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "created staff user cli_staff" in result.output
    user = db.scalars(select(User).where(User.username == "cli_staff")).one()
    assert (user.role, user.display_name, user.organisation) == (Role.STAFF, "窓口 職員", None)
    assert not user.must_change_password
    assert events(db, "user.create")[-1].object_id == str(user.id)
    assert auth.login("cli_staff", TEMPORARY).status_code == 302
    assert client.get("/registrants/").status_code == 200


def test_flask_create_user_gives_a_partner_its_organisation(
    runner: Any, db: Any, world: dict[str, Any]
) -> None:
    org = world["organisation"]
    result = runner.invoke(
        args=[
            "create-user",
            "cli_partner",
            "--role",
            "partner",
            "--organisation",
            org.name,
            "--password",
            TEMPORARY,
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.scalars(select(User).where(User.username == "cli_partner")).one()
    assert user.organisation_id == org.id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "partner"], "partner users need --organisation"),
        (["--role", "staff", "--organisation", "__ORG__"], "other roles take none"),
        (["--role", "partner", "--organisation", "存在しない団体"], "no organisation named"),
        (["--role", "staff", "--password", "short"], TOO_SHORT),
        (["--role", "staff", "--password", "Password2024"], COMMON),
        (["--role", "staff", "--password", "cli_user is me!"], HAS_NAME),
        (["--role", "staff", "--password", "abcdefghijklmn"], MONOTONOUS),
        (["--role", "boss"], "Invalid value for '--role'"),
    ],
    ids=[
        "partner-without-organisation",
        "staff-with-organisation",
        "unknown-organisation",
        "short-password",
        "common-password",
        "password-with-the-user-name",
        "sequential-password",
        "unknown-role",
    ],
)
def test_flask_create_user_refuses_a_bad_request_with_a_usage_error(
    runner: Any, db: Any, world: dict[str, Any], args: list[str], message: str
) -> None:
    args = [world["organisation"].name if a == "__ORG__" else a for a in args]
    if "--password" not in args:
        args += ["--password", TEMPORARY]
    result = runner.invoke(args=["create-user", "cli_user", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert db.scalar(select(User.id).where(User.username == "cli_user")) is None


def test_flask_create_user_refuses_a_taken_name(
    runner: Any, db: Any, world: dict[str, Any]
) -> None:
    result = runner.invoke(
        args=["create-user", "t_staff", "--role", "planner", "--password", TEMPORARY]
    )
    assert result.exit_code == 2
    assert "exists" in result.output
    assert db.scalars(select(User).where(User.username == "t_staff")).one().role is Role.STAFF


# ---------------------------------------------------------------------------------------------
# Response headers.
# ---------------------------------------------------------------------------------------------

ALLOWED_SOURCES = {"'self'", "'none'", "data:"}


def assert_safe_headers(response: Any, where: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in csp.split(";"))):
        name, *sources = part.split()
        directives[name] = sources
        for source in sources:
            # A page with a map may load the configured base tiles, and nothing else.
            tiles = name == "img-src" and source == "https://cyberjapandata.gsi.go.jp"
            assert source in ALLOWED_SOURCES or tiles, (where, name, source)
    assert directives.get("default-src") == ["'self'"], where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("object-src") == ["'none'"], where
    assert "script-src" in directives and "form-action" in directives and "base-uri" in directives
    assert not re.search(r"https?:|//|\*|unsafe", csp), where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert "no-store" in response.headers.get("Cache-Control", ""), where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "no-referrer", where


@pytest.mark.parametrize("role", ["anon", "staff", "admin"])
def test_every_kind_of_response_carries_the_security_headers(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], role: str
) -> None:
    sign_in(auth, role)
    person = world["consenting"].id
    urls = [
        "/login",
        "/healthz",
        "/",
        "/registrants/",
        f"/registrants/{person}",
        "/registrants/999999",
        "/api/v1/registrants",
        f"/api/v1/registrants/{person}",
        "/api/v1/openapi.json",
        "/admin/users",
        "/no/such/page",
        "/account/password",
    ]
    statuses = set()
    for url in urls:
        response = client.get(url)
        statuses.add(response.status_code)
        assert_safe_headers(response, f"{role} {url} {response.status_code}")
    response = client.post("/registrants/", data={"q": "試験"})
    assert_safe_headers(response, "POST /registrants/")
    expected = {
        "anon": {200, 302, 401},
        "staff": {200, 302, 403, 404},
        "admin": {200, 302, 403, 404},
    }[role]
    assert expected <= statuses


def test_pages_load_nothing_from_outside_the_site(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    pages = [client.get("/login").get_data(as_text=True)]
    sign_in(auth, "staff")
    pages += [
        client.get(u).get_data(as_text=True)
        for u in ("/registrants/", f"/registrants/{world['consenting'].id}")
    ]
    for html in pages:
        for attribute in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert not re.match(r"(?i)^(https?:)?//", attribute), attribute


def test_the_session_cookie_is_httponly_and_samesite(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    response = auth.login("t_staff")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# ---------------------------------------------------------------------------------------------
# The language switch sends the browser only to pages of this site.
# ---------------------------------------------------------------------------------------------


def stays_on_site(location: str) -> bool:
    """How a browser reads the address: backslashes are slashes, tabs and newlines vanish."""
    browser = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return browser.startswith("/") and not browser.startswith("//")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_the_language_switch_never_redirects_off_site(client: IsolatedClient, target: str) -> None:
    response = client.post("/locale", data={"locale": "en", "next": target})
    assert response.status_code == 302
    assert stays_on_site(response.headers["Location"]), response.headers["Location"]


def test_the_language_switch_returns_to_the_page_it_came_from(client: IsolatedClient) -> None:
    response = client.post("/locale", data={"locale": "en", "next": "/registrants/?page=2"})
    assert response.headers["Location"] == "/registrants/?page=2"


def test_a_tab_in_the_language_switch_target_does_not_open_a_redirect(
    client: IsolatedClient,
) -> None:
    response = client.post("/locale", data={"locale": "en", "next": "/\t/evil.example"})
    assert response.status_code == 302
    assert stays_on_site(response.headers["Location"]), response.headers["Location"]


def test_a_newline_in_the_language_switch_target_falls_back_to_the_login_page(
    client: IsolatedClient,
) -> None:
    response = client.post("/locale", data={"locale": "en", "next": "/\n/evil.example"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_repeated_failed_sign_ins_pause_the_user_name(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    for _ in range(5):
        assert auth.login("t_staff", "wrong password!").status_code == 200
    paused = auth.login("t_staff")  # the right password, but too late
    assert paused.status_code == 429
    assert client.get("/registrants/").status_code == 302
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.actor_name == "t_staff"))
    assert "login.paused" in list(actions)
    # Another user is not affected.
    assert auth.login("t_planner").status_code == 302


def test_many_failures_from_one_address_pause_sign_in_from_it(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    for i in range(30):
        auth.login(f"guess{i}", "wrong password!")
    assert auth.login("t_planner").status_code == 429


def test_an_unknown_name_pauses_like_a_real_one_so_names_cannot_be_probed(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    for name in ("t_staff", "nobody_at_all"):
        for _ in range(5):
            auth.login(name, "wrong password!")
    assert auth.login("t_staff", "wrong password!").status_code == 429
    assert auth.login("nobody_at_all", "wrong password!").status_code == 429
    names = list(db.scalars(select(AuditEvent.actor_name).where(
        AuditEvent.action == "login.failed")))
    assert "nobody_at_all" not in names
