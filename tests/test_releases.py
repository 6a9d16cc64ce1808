"""Disaster-time release (49-11(3)): who may declare, renew and end one; what partners see
while it runs and on the very next request after it ends; the report of what was shown to
whom; the banner; and the admin's authority to let staff declare.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from roster.config import ConfigError, flask_settings, release_max_days
from roster.models import (
    AgreementStatus,
    AuditEvent,
    DisasterRelease,
    ReleaseAccess,
    Role,
    User,
)
from roster.models.base import utcnow
from roster.releases.forms import DEFAULT_LEGAL_BASIS, local_zone

from .conftest import AuthActions, IsolatedClient
from .test_access import new_client, sign_in

# ---------------------------------------------------------------------------------------------
# Helpers, also used by tests/test_auth.py's CSRF cases.
# ---------------------------------------------------------------------------------------------


def local(moment: datetime) -> str:
    """A moment as a datetime-local input sends it, in the municipality's time zone."""
    return moment.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")


def declare_form(district_ids: list[int], **overrides: Any) -> dict[str, Any]:
    now = utcnow()
    data: dict[str, Any] = {
        "name": "令和8年台風第10号",
        "districts": [str(i) for i in district_ids],
        "starts_at": local(now),
        "ends_at": local(now + timedelta(days=3)),
        "legal_basis": DEFAULT_LEGAL_BASIS,
        "confirm": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def authorise(user: User) -> None:
    user.may_declare_release = True


def csrf_declare(w: dict[str, Any]) -> dict[str, Any]:
    """t_staff lacks release authority in the matrix: the CSRF case grants it first."""
    authorise(w["users"]["staff"])
    return declare_form([w["districts"][0].id], name="CSRF豪雨")


def csrf_renew(w: dict[str, Any]) -> dict[str, Any]:
    """Grant the authority, bring the place's lapsed release back to running, renew it."""
    authorise(w["users"]["staff"])
    w["release"].ends_at = utcnow() + timedelta(hours=1)
    return {"ends_at": local(utcnow() + timedelta(days=2))}


def csrf_end(w: dict[str, Any]) -> dict[str, Any]:
    authorise(w["users"]["staff"])
    w["release"].ends_at = utcnow() + timedelta(hours=1)
    return {}


def release(
    w: dict[str, Any],
    districts: list[Any] | None = None,
    *,
    starts: timedelta = timedelta(hours=-1),
    ends: timedelta = timedelta(days=1),
    name: str = "テスト地震",
    db: Any = None,
) -> DisasterRelease:
    """A release declared by t_staff, running now unless told otherwise."""
    now = utcnow()
    r = DisasterRelease(
        name=name,
        legal_basis=DEFAULT_LEGAL_BASIS,
        starts_at=now + starts,
        ends_at=now + ends,
        declared_by=w["users"]["staff"],
        districts=list(districts if districts is not None else [w["districts"][0]]),
    )
    assert db is not None
    db.add(r)
    db.flush()
    return r


def events(db: Any, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def detail_of(event: AuditEvent) -> dict[str, Any]:
    return json.loads(event.detail)  # type: ignore[no-any-return]


def release_count(db: Any) -> int:
    return db.scalar(select(func.count(DisasterRelease.id))) or 0


def accesses(db: Any) -> list[ReleaseAccess]:
    return list(db.scalars(select(ReleaseAccess).order_by(ReleaseAccess.id)))


def english(client: IsolatedClient) -> None:
    assert client.post("/locale", data={"locale": "en"}).status_code == 302


@pytest.fixture()
def declarer(world: dict[str, Any]) -> User:
    """t_staff, authorised by an admin to declare releases."""
    user: User = world["users"]["staff"]
    authorise(user)
    return user


@pytest.fixture()
def emergency(world: dict[str, Any], db: Any) -> dict[str, Any]:
    """The world's partner agreement, allowing emergency provision."""
    world["agreement"].emergency_provision = True
    db.flush()
    return world


def api_total(client: IsolatedClient) -> int:
    response = client.get("/api/v1/registrants")
    assert response.status_code == 200
    return int(response.get_json()["total"])


# ---------------------------------------------------------------------------------------------
# Declaring.
# ---------------------------------------------------------------------------------------------


def test_an_authorised_staff_member_declares_a_release(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], declarer: User
) -> None:
    sign_in(auth, "staff")
    page = client.get("/releases/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert DEFAULT_LEGAL_BASIS in html and 'type="datetime-local"' in html
    a, b = world["districts"]
    response = client.post("/releases/new", data=declare_form([a.id]))
    assert response.status_code == 302
    created = db.scalars(
        select(DisasterRelease).where(DisasterRelease.name == "令和8年台風第10号")
    ).one()
    assert response.headers["Location"] == f"/releases/{created.id}"
    assert created.declared_by_id == declarer.id
    assert [d.id for d in created.districts] == [a.id]
    assert created.legal_basis == DEFAULT_LEGAL_BASIS
    assert created.running(utcnow()) and created.renewals == 0
    assert timedelta(days=3) - timedelta(minutes=1) <= created.ends_at - created.starts_at
    (event,) = events(db, "release.declare")
    assert event.object_id == str(created.id)
    assert detail_of(event)["districts"] == [a.id]
    assert set(detail_of(event)) == {"districts", "starts_at", "ends_at"}


def test_times_are_read_in_the_municipalitys_time_zone(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], declarer: User
) -> None:
    sign_in(auth, "staff")
    start = (
        (utcnow() + timedelta(days=1))
        .astimezone(local_zone())
        .replace(hour=18, minute=30, second=0, microsecond=0)
    )
    form = declare_form(
        [world["districts"][0].id],
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(start + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
    )
    assert client.post("/releases/new", data=form).status_code == 302
    created = db.scalars(select(DisasterRelease)).one()
    assert created.starts_at == start
    assert created.starts_at.astimezone(local_zone()).hour == 18


def test_all_districts_releases_every_district(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], declarer: User
) -> None:
    sign_in(auth, "staff")
    form = declare_form([], all_districts="y")
    assert client.post("/releases/new", data=form).status_code == 302
    created = db.scalars(select(DisasterRelease)).one()
    assert {d.id for d in created.districts} == {d.id for d in world["districts"]}


def _span(start: timedelta, end: timedelta) -> Any:
    """Overrides for a start and an end this far from now."""
    return lambda now: {"starts_at": local(now + start), "ends_at": local(now + end)}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (lambda now: {"name": ""}, "This field is required."),
        (lambda now: {"districts": []}, "Choose at least one district, or all districts."),
        (lambda now: {"confirm": None}, "Confirm that you understand what the release does."),
        (lambda now: {"legal_basis": ""}, "This field is required."),
        (lambda now: {"ends_at": ""}, "This field is required."),
        (lambda now: {"starts_at": "tomorrow"}, "Give a date and time"),
        (_span(timedelta(hours=2), timedelta(hours=2)), "The end must be after the start."),
        (_span(timedelta(hours=2), timedelta(hours=1)), "The end must be after the start."),
        (
            _span(timedelta(hours=1), timedelta(days=7, hours=1, minutes=2)),
            "A release may run at most 7 days after its start",
        ),
        (
            _span(-timedelta(days=7, minutes=2), timedelta(hours=1)),
            "The start may be at most 7 days in the past.",
        ),
        (_span(-timedelta(days=3), -timedelta(days=1)), "The end must be in the future."),
    ],
)
def test_a_bad_declaration_is_refused_field_by_field_and_saves_nothing(
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    world: dict[str, Any],
    declarer: User,
    overrides: Any,
    message: str,
) -> None:
    english(client)
    sign_in(auth, "staff")
    before = len(list(db.scalars(select(AuditEvent.id))))
    form = declare_form([world["districts"][0].id], **overrides(utcnow()))
    response = client.post("/releases/new", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "Nothing has been saved yet" in html
    assert release_count(db) == 0
    assert len(list(db.scalars(select(AuditEvent.id)))) == before, "nothing was audited"


def test_the_limit_comes_from_release_max_days(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    world: dict[str, Any],
    declarer: User,
) -> None:
    sign_in(auth, "staff")
    now = utcnow()
    original = app.config["RELEASE_MAX_DAYS"]
    app.config["RELEASE_MAX_DAYS"] = 2
    try:
        too_long = declare_form(
            [world["districts"][0].id],
            starts_at=local(now),
            ends_at=local(now + timedelta(days=2, minutes=2)),
        )
        assert client.post("/releases/new", data=too_long).status_code == 422
        fits = declare_form(
            [world["districts"][0].id], starts_at=local(now), ends_at=local(now + timedelta(days=2))
        )
        assert client.post("/releases/new", data=fits).status_code == 302
    finally:
        app.config["RELEASE_MAX_DAYS"] = original
    assert release_count(db) == 1


def test_release_max_days_is_configured_in_the_release_section(tmp_path: Any) -> None:
    assert release_max_days({}) == 7
    assert release_max_days({"release": {"max_days": 3}}) == 3
    with pytest.raises(ConfigError, match="release.max_days"):
        release_max_days({"release": {"max_days": 0}})
    raw = {
        "database": {"url": "sqlite:///:memory:"},
        "release": {"max_days": 5},
        "security": {"secret_key": "k", "audit_key": "a"},
    }
    assert flask_settings(raw, tmp_path)["RELEASE_MAX_DAYS"] == 5
    from roster.config import DEFAULT_CONFIG, load_file

    assert load_file(DEFAULT_CONFIG)["release"]["max_days"] == 7


# ---------------------------------------------------------------------------------------------
# Who may declare, renew and end.
# ---------------------------------------------------------------------------------------------


def test_staff_without_the_authority_may_read_but_not_declare_renew_or_end(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    running = release(world, db=db)
    sign_in(auth, "staff")
    assert client.get("/releases/").status_code == 200
    assert "/releases/new" not in client.get("/releases/").get_data(as_text=True)
    assert client.get(f"/releases/{running.id}").status_code == 200
    assert client.get("/releases/new").status_code == 403
    form = declare_form([world["districts"][0].id])
    assert client.post("/releases/new", data=form).status_code == 403
    renew = {"ends_at": local(utcnow() + timedelta(days=2))}
    assert client.post(f"/releases/{running.id}/renew", data=renew).status_code == 403
    assert client.post(f"/releases/{running.id}/end").status_code == 403
    db.expire_all()
    assert release_count(db) == 1 and running.ended_at is None and running.renewals == 0
    page = client.get(f"/releases/{running.id}").get_data(as_text=True)
    assert f"/releases/{running.id}/renew" not in page and f"/releases/{running.id}/end" not in page


@pytest.mark.parametrize("role", ["admin", "partner", "planner"])
def test_no_other_role_may_declare_even_if_flagged(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], role: str
) -> None:
    running = release(world, db=db)
    authorise(world["users"][role])  # the flag means nothing outside the staff role
    db.flush()
    sign_in(auth, role)
    assert client.get("/releases/").status_code == 403
    assert client.get("/releases/new").status_code == 403
    assert (
        client.post("/releases/new", data=declare_form([world["districts"][0].id])).status_code
        == 403
    )
    assert client.post(f"/releases/{running.id}/end").status_code == 403
    assert client.get(f"/releases/{running.id}/report.csv").status_code == 403
    db.expire_all()
    assert release_count(db) == 1 and running.ended_at is None


def test_the_index_shows_running_then_scheduled_then_past(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], declarer: User
) -> None:
    release(world, db=db, name="過去の豪雨", starts=timedelta(days=-3), ends=timedelta(days=-2))
    release(world, db=db, name="予定の台風", starts=timedelta(days=1), ends=timedelta(days=2))
    release(world, db=db, name="進行中の地震")
    ended = release(world, db=db, name="終了した大雪")
    ended.ended_at, ended.ended_by = utcnow(), declarer
    db.flush()
    english(client)
    sign_in(auth, "staff")
    html = client.get("/releases/").get_data(as_text=True)
    order = [html.index(n) for n in ("進行中の地震", "予定の台風", "過去の豪雨", "終了した大雪")]
    assert order[0] < order[1] < min(order[2:])
    assert 'href="/releases/new"' in html, "the authorised see the link"
    assert "Running now" in html and "Scheduled" in html and "Past releases" in html


# ---------------------------------------------------------------------------------------------
# Renewing and ending.
# ---------------------------------------------------------------------------------------------


def test_renewing_pushes_the_end_back_within_the_limit(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], declarer: User
) -> None:
    running = release(world, db=db)
    sign_in(auth, "staff")
    new_end = utcnow() + timedelta(days=6)
    response = client.post(f"/releases/{running.id}/renew", data={"ends_at": local(new_end)})
    assert response.status_code == 302
    db.expire_all()
    assert running.renewals == 1
    assert abs(running.ends_at - new_end) < timedelta(minutes=1)
    (event,) = events(db, "release.renew")
    assert event.object_id == str(running.id) and detail_of(event)["renewals"] == 1


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (timedelta(days=7, minutes=5), "A renewal may reach at most 7 days from now."),
        (timedelta(hours=12), "The new end must be later than the current end."),
        (None, "This field is required."),
    ],
)
def test_a_bad_renewal_is_refused_and_changes_nothing(
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    world: dict[str, Any],
    declarer: User,
    offset: timedelta | None,
    message: str,
) -> None:
    running = release(world, db=db)
    end = running.ends_at
    english(client)
    sign_in(auth, "staff")
    data = {"ends_at": local(utcnow() + offset)} if offset else {}
    response = client.post(f"/releases/{running.id}/renew", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.expire_all()
    assert running.renewals == 0 and running.ends_at == end
    assert not events(db, "release.renew")


def test_ending_a_release_then_ending_or_renewing_it_again_is_refused(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], declarer: User
) -> None:
    running = release(world, db=db)
    english(client)
    sign_in(auth, "staff")
    assert client.post(f"/releases/{running.id}/end").status_code == 302
    db.expire_all()
    assert running.ended_at is not None and running.ended_by_id == declarer.id
    assert not running.running(utcnow())
    assert len(events(db, "release.end")) == 1
    again = client.post(f"/releases/{running.id}/end")
    assert again.status_code == 409
    assert "This release has already ended." in again.get_data(as_text=True)
    renew = client.post(
        f"/releases/{running.id}/renew", data={"ends_at": local(utcnow() + timedelta(days=2))}
    )
    assert renew.status_code == 409
    assert "declare a new one" in renew.get_data(as_text=True)
    db.expire_all()
    assert running.renewals == 0
    assert len(events(db, "release.end")) == 1 and not events(db, "release.renew")


def test_a_release_past_its_end_time_cannot_be_renewed_or_ended(
    client: IsolatedClient, auth: AuthActions, db: Any, place: dict[str, Any]
) -> None:
    authorise(place["users"]["staff"])
    lapsed = place["release"]
    sign_in(auth, "staff")
    renew = {"ends_at": local(utcnow() + timedelta(days=2))}
    assert client.post(f"/releases/{lapsed.id}/renew", data=renew).status_code == 409
    assert client.post(f"/releases/{lapsed.id}/end").status_code == 409
    db.expire_all()
    assert lapsed.ended_at is None and lapsed.renewals == 0


def test_a_scheduled_release_can_be_cancelled(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], declarer: User
) -> None:
    later = release(world, db=db, starts=timedelta(days=1), ends=timedelta(days=2))
    sign_in(auth, "staff")
    assert client.post(f"/releases/{later.id}/end").status_code == 302
    db.expire_all()
    assert later.ended_at is not None


def test_unknown_releases_are_not_found(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], declarer: User
) -> None:
    sign_in(auth, "staff")
    assert client.get("/releases/999999").status_code == 404
    assert client.get("/releases/999999/report.csv").status_code == 404
    assert client.post("/releases/999999/end").status_code == 404


# ---------------------------------------------------------------------------------------------
# What partners see: the release lifts consent in its districts, for emergency provision only.
# ---------------------------------------------------------------------------------------------


def test_a_partner_with_emergency_provision_sees_refusing_people_only_while_it_runs(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    emergency: dict[str, Any],
    declarer: User,
) -> None:
    w = emergency
    refusing = w["refusing"].id
    sign_in(auth, "partner")
    assert api_total(client) == 1
    assert client.get(f"/api/v1/registrants/{refusing}").status_code == 404

    running = release(w, db=db)
    assert api_total(client) == 3, "consenting, refusing and unasked in district A"
    assert client.get(f"/api/v1/registrants/{refusing}").status_code == 200
    assert client.get(f"/registrants/{refusing}").status_code == 200

    staff = new_client(app)
    AuthActions(staff).login("t_staff")
    assert staff.post(f"/releases/{running.id}/end").status_code == 302
    # The very next request of the partner follows the normal rule again.
    assert client.get(f"/api/v1/registrants/{refusing}").status_code == 404
    assert client.get(f"/registrants/{refusing}").status_code == 404
    assert api_total(client) == 1


def test_a_release_past_its_end_time_gives_nothing(
    client: IsolatedClient, auth: AuthActions, db: Any, emergency: dict[str, Any]
) -> None:
    release(emergency, db=db, starts=timedelta(days=-2), ends=timedelta(seconds=-1))
    sign_in(auth, "partner")
    assert api_total(client) == 1
    assert client.get(f"/api/v1/registrants/{emergency['refusing'].id}").status_code == 404


def test_a_release_not_started_yet_gives_nothing(
    client: IsolatedClient, auth: AuthActions, db: Any, emergency: dict[str, Any]
) -> None:
    release(emergency, db=db, starts=timedelta(minutes=5), ends=timedelta(days=1))
    sign_in(auth, "partner")
    assert api_total(client) == 1


def test_a_partner_without_emergency_provision_never_sees_refusing_people(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    assert world["agreement"].emergency_provision is False
    release(world, db=db, districts=list(world["districts"]))
    sign_in(auth, "partner")
    assert api_total(client) == 1
    assert client.get(f"/api/v1/registrants/{world['refusing'].id}").status_code == 404
    assert client.get(f"/registrants/{world['unasked'].id}").status_code == 404
    assert not accesses(db)


def test_people_outside_the_released_districts_are_not_affected(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], factory: Any
) -> None:
    """The agreement covers A and B; the release only A: a refusing person in B stays out."""
    from roster.models import ConsentState

    a, b = world["districts"]
    agreement = world["agreement"]
    agreement.districts = [a, b]
    agreement.emergency_provision = True
    refusing_b = factory.registrant(b)
    factory.consent(refusing_b, ConsentState.REFUSED, world["users"]["staff"])
    release(world, db=db, districts=[a])
    sign_in(auth, "partner")
    assert client.get(f"/api/v1/registrants/{world['refusing'].id}").status_code == 200
    assert client.get(f"/api/v1/registrants/{refusing_b.id}").status_code == 404
    # A, everyone: 3; B, consenting only: `elsewhere`.
    assert api_total(client) == 4


def test_a_release_in_a_district_the_agreement_does_not_cover_gives_nothing(
    client: IsolatedClient, auth: AuthActions, db: Any, emergency: dict[str, Any]
) -> None:
    release(emergency, db=db, districts=[emergency["districts"][1]])
    sign_in(auth, "partner")
    assert api_total(client) == 1
    assert client.get(f"/api/v1/registrants/{emergency['elsewhere'].id}").status_code == 404
    assert client.get(f"/api/v1/registrants/{emergency['refusing'].id}").status_code == 404


def test_an_agreement_not_in_force_gives_nothing_even_under_a_release(
    client: IsolatedClient, auth: AuthActions, db: Any, emergency: dict[str, Any]
) -> None:
    emergency["agreement"].status = AgreementStatus.SUSPENDED
    release(emergency, db=db)
    sign_in(auth, "partner")
    assert api_total(client) == 0


# ---------------------------------------------------------------------------------------------
# Every access under the release is recorded, and only those.
# ---------------------------------------------------------------------------------------------


def test_list_and_detail_views_record_only_people_shown_because_of_the_release(
    client: IsolatedClient, auth: AuthActions, db: Any, emergency: dict[str, Any]
) -> None:
    w = emergency
    running = release(w, db=db)
    sign_in(auth, "partner")
    without_consent = {w["refusing"].id, w["unasked"].id}

    assert client.get("/api/v1/registrants").status_code == 200
    rows = accesses(db)
    assert {r.registrant_id for r in rows} == without_consent
    assert {r.action for r in rows} == {"api.list"}
    assert {r.release_id for r in rows} == {running.id}
    assert {r.user_id for r in rows} == {w["users"]["partner"].id}

    assert client.get("/portal/").status_code == 200  # the partner's list
    assert {r.registrant_id for r in accesses(db) if r.action == "portal.list"} == (
        without_consent
    )

    assert client.get(f"/registrants/{w['refusing'].id}").status_code == 200
    assert client.get(f"/api/v1/registrants/{w['unasked'].id}").status_code == 200
    count = len(accesses(db))
    assert client.get(f"/registrants/{w['consenting'].id}").status_code == 200
    assert client.get(f"/api/v1/registrants/{w['consenting'].id}").status_code == 200
    assert len(accesses(db)) == count, "consenting people are not shown because of the release"
    detail = [(r.action, r.registrant_id) for r in accesses(db) if r.action.endswith(".view")]
    assert detail == [("registrant.view", w["refusing"].id), ("api.view", w["unasked"].id)]
    assert w["consenting"].id not in {r.registrant_id for r in accesses(db)}
    listed = events(db, "api.list")[-1]
    assert detail_of(listed)["releases"] == [running.id] and detail_of(listed)["under_release"] == 2


def test_staff_views_under_a_release_record_no_release_access(
    client: IsolatedClient, auth: AuthActions, db: Any, emergency: dict[str, Any]
) -> None:
    release(emergency, db=db)
    sign_in(auth, "staff")
    assert client.get("/api/v1/registrants").status_code == 200
    assert client.get(f"/registrants/{emergency['refusing'].id}").status_code == 200
    assert not accesses(db)


# ---------------------------------------------------------------------------------------------
# The report.
# ---------------------------------------------------------------------------------------------


def test_the_report_lists_exactly_the_accesses_under_the_release(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    emergency: dict[str, Any],
    declarer: User,
) -> None:
    w = emergency
    running = release(w, db=db)
    other = release(w, db=db, name="別の災害", starts=timedelta(days=-5), ends=timedelta(days=-4))
    partner = new_client(app)
    AuthActions(partner).login("t_partner")
    assert partner.get("/api/v1/registrants").status_code == 200
    assert partner.get(f"/registrants/{w['refusing'].id}").status_code == 200
    assert partner.get(f"/registrants/{w['consenting'].id}").status_code == 200
    recorded = accesses(db)
    assert len(recorded) == 3  # api.list: refusing + unasked; registrant.view: refusing

    english(client)
    sign_in(auth, "staff")
    page = client.get(f"/releases/{running.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert w["refusing"].name in html and w["unasked"].name in html
    assert w["consenting"].name not in html
    assert w["organisation"].name in html and "t_partner" in html
    assert "3 accesses" in html
    # The summary row: 2 people, 3 accesses.
    assert "<td>2</td><td>3</td>" in html.replace("\n", "").replace("    ", "")
    viewed = events(db, "release.view")[-1]
    assert detail_of(viewed)["release"] == running.id
    assert sorted(detail_of(viewed)["ids"]) == sorted([w["refusing"].id, w["unasked"].id])

    response = client.get(f"/releases/{running.id}/report.csv")
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 3
    body = rows[1:]
    assert sorted((r[4], r[5]) for r in body) == sorted(
        [
            (str(w["refusing"].id), w["refusing"].name),
            (str(w["unasked"].id), w["unasked"].name),
            (str(w["refusing"].id), w["refusing"].name),
        ]
    )
    assert {r[1] for r in body} == {w["organisation"].name}
    assert {r[3].rsplit("(", 1)[1].rstrip(")") for r in body} == {"api.list", "registrant.view"}
    (reported,) = events(db, "release.report")
    assert detail_of(reported)["release"] == running.id and detail_of(reported)["rows"] == 3
    assert w["refusing"].name not in str(detail_of(reported))

    empty = client.get(f"/releases/{other.id}/report.csv").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(empty.lstrip("\ufeff"))))) == 1


def test_the_csv_neutralises_formulas(
    app: Flask, client: IsolatedClient, auth: AuthActions, db: Any, emergency: dict[str, Any]
) -> None:
    running = release(emergency, db=db)
    emergency["refusing"].name = '=HYPERLINK("x")'
    db.flush()
    partner = new_client(app)
    AuthActions(partner).login("t_partner")
    partner.get(f"/registrants/{emergency['refusing'].id}")
    sign_in(auth, "staff")
    text = client.get(f"/releases/{running.id}/report.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][5] == '\'=HYPERLINK("x")'


# ---------------------------------------------------------------------------------------------
# The banner.
# ---------------------------------------------------------------------------------------------


def test_a_partner_under_a_release_sees_the_banner_until_it_ends(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    emergency: dict[str, Any],
    declarer: User,
) -> None:
    sign_in(auth, "partner")
    assert "release-banner" not in client.get("/account/password").get_data(as_text=True)
    running = release(emergency, db=db, name="テスト台風")
    html = client.get("/account/password").get_data(as_text=True)
    assert 'class="release-banner partner"' in html
    assert "テスト台風" in html and "災害時の名簿提供中" in html and "第49条の11第3項" in html
    assert "同意のない方も表示しています" in html
    staff = new_client(app)
    AuthActions(staff).login("t_staff")
    staff.post(f"/releases/{running.id}/end")
    assert "release-banner" not in client.get("/account/password").get_data(as_text=True)


def test_a_partner_without_emergency_provision_gets_no_banner(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    release(world, db=db)
    sign_in(auth, "partner")
    assert "release-banner" not in client.get("/account/password").get_data(as_text=True)


def test_staff_see_that_a_release_runs_with_a_link_to_it(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    assert "release-banner" not in client.get("/registrants/").get_data(as_text=True)
    running = release(world, db=db, name="テスト台風")
    html = client.get("/registrants/").get_data(as_text=True)
    assert 'class="release-banner staff"' in html
    assert f'href="/releases/{running.id}"' in html and "テスト台風" in html


@pytest.mark.parametrize("role", ["anon", "admin", "planner"])
def test_no_banner_for_anyone_else(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], role: str
) -> None:
    release(world, db=db)
    sign_in(auth, role)
    html = client.get("/login" if role == "anon" else "/account/password").get_data(as_text=True)
    assert "release-banner" not in html


def test_the_banner_costs_anonymous_pages_no_query(
    app: Flask, client: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    from sqlalchemy import event

    from roster.extensions import db as database

    release(world, db=db)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = database.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/login").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert not [s for s in statements if "disaster_releases" in s]


# ---------------------------------------------------------------------------------------------
# Administration: who may declare, and the organisations page gone to /partners/.
# ---------------------------------------------------------------------------------------------


def new_user_form(username: str, role: str, **extra: Any) -> dict[str, Any]:
    from .test_auth import TEMPORARY

    data = {
        "username": username,
        "display_name": "テスト",
        "role": role,
        "organisation_id": "0",
        "new_password": TEMPORARY,
        "confirm": TEMPORARY,
    }
    data.update(extra)
    return data


def test_an_admin_creates_staff_who_may_declare(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "admin")
    assert "災害時提供の開始権限" in client.get("/admin/users/new").get_data(
        as_text=True
    )
    response = client.post(
        "/admin/users/new", data=new_user_form("kyokucho", "staff", may_declare_release="y")
    )
    assert response.status_code == 302
    user = db.scalars(select(User).where(User.username == "kyokucho")).one()
    assert user.may_declare_release is True
    created = [e for e in events(db, "user.create") if e.object_id == str(user.id)]
    assert detail_of(created[0])["may_declare_release"] is True


def test_the_authority_is_refused_for_other_roles_on_the_new_user_form(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    english(client)
    sign_in(auth, "admin")
    response = client.post(
        "/admin/users/new", data=new_user_form("keikaku2", "planner", may_declare_release="y")
    )
    assert response.status_code == 422
    assert "Only welfare staff may be authorised" in response.get_data(as_text=True)
    assert db.scalar(select(User.id).where(User.username == "keikaku2")) is None


def test_the_admin_still_picks_a_partner_users_organisation(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "admin")
    org = world["organisation"]
    assert f'<option value="{org.id}">' in client.get("/admin/users/new").get_data(as_text=True)
    data = new_user_form("minsei2", "partner", organisation_id=str(org.id))
    assert client.post("/admin/users/new", data=data).status_code == 302
    user = db.scalars(select(User).where(User.username == "minsei2")).one()
    assert user.organisation_id == org.id and not user.may_declare_release


def test_an_admin_grants_and_withdraws_the_authority_from_the_users_list(
    app: Flask, client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    english(client)
    sign_in(auth, "admin")
    html = client.get("/admin/users").get_data(as_text=True)
    assert f"/admin/users/{staff.id}/release/1" in html
    assert client.post(f"/admin/users/{staff.id}/release/1").status_code == 302
    db.expire_all()
    assert staff.may_declare_release is True
    html = client.get("/admin/users").get_data(as_text=True)
    assert "May declare" in html and f"/admin/users/{staff.id}/release/0" in html
    (granted,) = events(db, "user.release_authority")
    assert granted.object_id == str(staff.id) and detail_of(granted) == {"allowed": True}

    other = new_client(app)
    AuthActions(other).login("t_staff")
    assert other.get("/releases/new").status_code == 200
    assert client.post(f"/admin/users/{staff.id}/release/0").status_code == 302
    db.expire_all()
    assert staff.may_declare_release is False
    assert other.get("/releases/new").status_code == 403, "withdrawn on the next request"
    assert len(events(db, "user.release_authority")) == 2


@pytest.mark.parametrize("role", ["partner", "planner", "admin"])
def test_the_authority_cannot_be_granted_to_other_roles(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], role: str
) -> None:
    target = world["users"][role]
    english(client)
    sign_in(auth, "admin")
    response = client.post(f"/admin/users/{target.id}/release/1", follow_redirects=True)
    assert "Only welfare staff may be authorised" in response.get_data(as_text=True)
    db.expire_all()
    assert target.may_declare_release is False
    assert not events(db, "user.release_authority")


def test_the_admin_organisations_page_is_gone(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "admin")
    assert client.get("/admin/organisations").status_code == 404
    html = client.get("/admin/users").get_data(as_text=True)
    assert "/admin/organisations" not in html


def test_only_an_admin_may_change_the_authority(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    for role in ("staff", "partner", "planner"):
        sign_in(auth, role)
        assert client.post(f"/admin/users/{staff.id}/release/1").status_code == 403
        auth.logout()
    db.expire_all()
    assert staff.may_declare_release is False


def test_the_matrix_users_hold_no_release_authority(world: dict[str, Any]) -> None:
    """The matrix's users: only t_staff is staff, and none holds the authority by default."""
    assert [u.username for u in world["users"].values() if u.role is Role.STAFF] == ["t_staff"]
    assert not any(u.may_declare_release for u in world["users"].values())
