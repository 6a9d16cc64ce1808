"""The operation's report: its figures agree with a recount, the page and CSV show names to
staff only, and the CSV cannot run as a formula."""

from __future__ import annotations

import csv
import io
import json
import statistics
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from roster.models import AuditEvent, Household, Mobility, ReportMethod, SafetyStatus
from roster.models.base import utcnow
from roster.priority.queries import people as queue_people
from roster.safety import report
from roster.safety.operations import (
    OperationPlan,
    ReportEntry,
    current_status,
    end_operation,
    record_report,
    start_operation,
    targets,
)
from roster.viewer import viewer_of

from .test_access import sign_in

S = SafetyStatus


@pytest.fixture()
def staff(db, world):
    return viewer_of(world["users"]["staff"], db)


@pytest.fixture()
def start(db):
    return utcnow().replace(microsecond=0) - timedelta(hours=30)


@pytest.fixture()
def operation(db, world, staff, start):
    plan = OperationPlan(name="台風第10号 安否確認", disaster="令和8年台風第10号",
                         districts=list(world["districts"]))
    return start_operation(db, staff, plan, now=start)


@pytest.fixture()
def calm(factory, world):
    """Someone with nothing that raises their priority: band C."""
    return factory.registrant(world["districts"][1], device_ventilator=False,
                              mobility=Mobility.INDEPENDENT, household=Household.WITH_OTHERS)


def put(db, viewer, operation, person, status, minutes, **kw):
    entry = ReportEntry(status=status, method=kw.pop("method", ReportMethod.VISIT), **kw)
    at = operation.started_at + timedelta(minutes=minutes)
    return record_report(db, viewer, operation, person.id, entry, now=at)


@pytest.fixture()
def reported(db, world, staff, operation, calm):
    """consenting: safe after 10 min, then a correction; refusing: 未確認 at 1 h, then needs
    help at 2 h 15; unasked: unreachable at 3 h 20; elsewhere and calm: nothing."""
    put(db, staff, operation, world["consenting"], S.SAFE_HOME, 10)
    put(db, staff, operation, world["consenting"], S.EVACUATED, 200)
    put(db, staff, operation, world["refusing"], S.UNCONFIRMED, 60)
    put(db, staff, operation, world["refusing"], S.NEEDS_HELP, 135, note="薬が切れる")
    put(db, staff, operation, world["unasked"], S.UNREACHABLE, 200)
    return operation


def figures(db, viewer, operation):
    config = current_app.config
    return report.operation_report(db, viewer, operation, config["PLAN_PRIORITY_WEIGHTS"],
                                   config["PLAN_PRIORITY_BANDS"])


def test_counts_by_status_and_district_equal_a_recount_of_the_latest_reports(
    db, staff, reported
):
    got = figures(db, staff, reported)
    statuses = current_status(db, reported)
    want: dict[tuple[int, S], int] = {}
    for person in targets(db, staff, reported):
        key = (person["district"]["id"], statuses[person.registrant_id])
        want[key] = want.get(key, 0) + 1
    counted = {(d.district_id, s): n for d in got.districts for s, n in d.counts.items() if n}
    assert counted == want
    assert got.people == 5
    assert got.totals[S.EVACUATED] == 1 and got.totals[S.NEEDS_HELP] == 1
    assert got.totals[S.UNREACHABLE] == 1 and got.totals[S.UNCONFIRMED] == 2
    assert got.unreached == 3


def test_first_confirmations_fall_in_the_hour_since_the_start_they_were_made_in(
    db, staff, reported
):
    got = figures(db, staff, reported)
    # The correction confirms no one again; 未確認 and unreachable say nothing of the person.
    assert [(b.hour, b.count, b.cumulative) for b in got.hours] == [(0, 1, 1), (1, 0, 1), (2, 1, 2)]
    assert got.hours[2].start == reported.started_at + timedelta(hours=2)
    assert got.confirmed == 2


def test_a_confirmation_after_two_days_falls_in_the_last_open_bucket(db, staff, world, operation):
    put(db, staff, operation, world["consenting"], S.SAFE_HOME, 60 * 70)
    got = figures(db, staff, operation)
    assert len(got.hours) == report.CHART_HOURS + 1
    assert got.hours[-1].open_ended and got.hours[-1].count == 1


def test_band_figures_agree_with_the_plan_queues_bands_and_a_recount(
    db, app, staff, world, reported, calm
):
    config = app.config
    ids = [world[k].id for k in ("consenting", "refusing", "unasked", "elsewhere")] + [calm.id]
    rows = queue_people(db, ids, config["PLAN_PRIORITY_WEIGHTS"], config["PLAN_PRIORITY_BANDS"])
    band_of = {row.registrant.id: row.band for row in rows}
    delays = {world["consenting"].id: 600, world["refusing"].id: 135 * 60}
    got = {b.band: b for b in figures(db, staff, reported).bands}
    assert [b for b in got] == ["A", "B", "C"]
    assert band_of[calm.id] == "C" and got["C"].people >= 1
    for band, row in got.items():
        members = [i for i in ids if band_of[i] == band]
        times = sorted(delays[i] for i in members if i in delays)
        assert (row.people, row.confirmed) == (len(members), len(times))
        if times:
            assert row.median_seconds == pytest.approx(statistics.median(times), abs=1)
        else:
            assert row.median_seconds is None
        for hours in report.WITHIN_HOURS:
            within = sum(1 for t in times if t <= hours * 3600)
            assert row.within[hours] == within
    # Two of the four band-A people were confirmed, after 10 min and 2 h 15.
    assert got["A"].share(3) == pytest.approx(2 / 4)


def test_the_never_reached_are_the_unconfirmed_and_the_unreachable_at_the_end(
    db, staff, world, reported, calm
):
    end_operation(db, staff, reported)
    listed = {u.person.registrant_id: u.status for u in report.never_reached(db, staff, reported)}
    assert listed == {world["unasked"].id: S.UNREACHABLE, world["elsewhere"].id: S.UNCONFIRMED,
                      calm.id: S.UNCONFIRMED}


def test_staff_see_the_never_reached_by_name_and_the_view_is_logged(
    db, client, auth, world, reported, calm
):
    sign_in(auth, "staff")
    response = client.get(f"/safety/{reported.id}/report")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert world["unasked"].name in body and world["elsewhere"].name in body
    assert world["consenting"].name not in body
    assert "<svg" in body and "needs_help" not in body
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "safety.report.view")).one()
    shown = set(json.loads(event.detail)["ids"])
    assert shown == {world["unasked"].id, world["elsewhere"].id, calm.id}


def test_a_planner_reads_the_counts_but_no_name_and_no_one_is_logged(
    db, client, auth, world, reported
):
    sign_in(auth, "planner")
    page = client.get(f"/safety/{reported.id}/report")
    download = client.get(f"/safety/{reported.id}/report.csv")
    assert page.status_code == download.status_code == 200
    for body in (page.get_data(as_text=True), download.data.decode("utf-8-sig")):
        for who in ("consenting", "refusing", "unasked", "elsewhere"):
            assert world[who].name not in body and world[who].resident_no not in body
    assert "<svg" in page.get_data(as_text=True)
    actions = db.scalars(select(AuditEvent.action)).all()
    assert not [a for a in actions if a.startswith("safety.report")]


def test_a_partner_and_an_admin_may_not_read_the_report(client, auth, reported):
    for role in ("partner", "admin"):
        sign_in(auth, role)
        assert client.get(f"/safety/{reported.id}/report").status_code == 403
        assert client.get(f"/safety/{reported.id}/report.csv").status_code == 403
        auth.logout()


def test_an_unknown_operation_is_not_found(client, auth, reported):
    sign_in(auth, "staff")
    assert client.get(f"/safety/{reported.id + 1000}/report").status_code == 404


def test_the_csv_has_every_block_the_notice_and_no_formula(
    db, client, auth, factory, world, staff, operation
):
    evil = factory.registrant(world["districts"][0], name='=HYPERLINK("http://x","y")')
    operation.name = "+安否確認"
    db.flush()
    sign_in(auth, "staff")
    response = client.get(f"/safety/{operation.id}/report.csv")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    cells = [c for row in rows for c in row]
    assert "'+安否確認" in cells
    assert "'" + evil.name in cells and evil.name not in cells
    assert any(c.startswith("取扱注意") for c in cells)
    assert str(evil.id) in cells
    actions = db.scalars(select(AuditEvent.action)).all()
    assert "safety.report.csv" in actions


def test_the_page_lists_the_first_of_many_never_reached_and_the_csv_all(
    monkeypatch, db, client, auth, world, reported, calm
):
    from roster.safety.views import report as views

    monkeypatch.setattr(views, "PAGE_LIST_LIMIT", 1)
    sign_in(auth, "staff")
    body = client.get(f"/safety/{reported.id}/report").get_data(as_text=True)
    shown = [p for p in (world["unasked"], world["elsewhere"], calm) if p.name in body]
    assert len(shown) == 1
    assert "ここには最初の1人を表示しています" in body
    text = client.get(f"/safety/{reported.id}/report.csv").data.decode("utf-8")
    assert all(p.name in text for p in (world["unasked"], world["elsewhere"], calm))
