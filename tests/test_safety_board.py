"""The staff pages of a safety operation: the list, starting and ending one, the board, its
refresh, hand-offs, the map and the exports."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from roster.config import ConfigError, safety_settings
from roster.models import (
    AuditEvent,
    ConsentState,
    HazardKind,
    HazardLayer,
    PartnerCategory,
    Provision,
    ProvisionItem,
    RegistrantHazard,
    ReportMethod,
    SafetyOperation,
    SafetyStatus,
)
from roster.models.safety import SafetyHandoff
from roster.safety.operations import (
    OperationPlan,
    ReportEntry,
    end_operation,
    latest_reports,
    record_report,
    start_operation,
    targets,
)
from roster.safety.progress import NOT_REPORTED, STAFF_REPORTED, counts_by
from roster.viewer import viewer_of

from .test_access import sign_in

FORMULA = '=HYPERLINK("http://example.com","x")'


@pytest.fixture()
def staff(db, world):
    return viewer_of(world["users"]["staff"], db)


@pytest.fixture()
def operation(db, world, staff):
    plan = OperationPlan(name="台風安否確認", disaster="令和8年台風第10号",
                         districts=list(world["districts"]))
    return start_operation(db, staff, plan)


def report(db, viewer, operation, person, status, note="", method=ReportMethod.VISIT):
    entry = ReportEntry(status=status, method=method, note=note)
    return record_report(db, viewer, operation, person.id, entry)


def detail(event):
    return json.loads(event.detail) if isinstance(event.detail, str) else event.detail


def actions(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action)
                      .order_by(AuditEvent.id)).all()


# ---------------------------------------------------------------------------------------------
# Progress: counted in SQL, equal to a recount from the reports.
# ---------------------------------------------------------------------------------------------


def test_progress_by_district_and_organisation_equals_a_recount_from_the_reports(
    db, world, factory, staff, operation
):
    a, b = world["districts"]
    people = [factory.registrant(a) for _ in range(6)] + [factory.registrant(b) for _ in range(4)]
    partner = viewer_of(world["users"]["partner"], db)
    statuses = list(SafetyStatus)
    for i, person in enumerate(people):
        report(db, staff, operation, person, statuses[i % len(statuses)])
    # Corrections: the latest report counts, the earlier one does not.
    report(db, staff, operation, people[0], SafetyStatus.NEEDS_HELP, note="薬が切れた")
    report(db, partner, operation, world["consenting"], SafetyStatus.SAFE_HOME)
    report(db, partner, operation, world["consenting"], SafetyStatus.EVACUATED)
    # Another operation's reports are not this one's.
    other = start_operation(db, staff, OperationPlan(name="別", disaster="別", districts=[a]))
    report(db, staff, other, people[1], SafetyStatus.DECEASED)

    everyone = targets(db, staff, operation)
    latest = {r.registrant_id: r for r in latest_reports(db, operation)}
    expected_districts: dict[Any, Counter] = {}
    expected_orgs: dict[Any, Counter] = {}
    for person in everyone:
        found = latest.get(person.registrant_id)
        status = found.status if found else SafetyStatus.UNCONFIRMED
        expected_districts.setdefault(person["district"]["id"], Counter())[status] += 1
        org = NOT_REPORTED if found is None else (found.organisation_id or STAFF_REPORTED)
        expected_orgs.setdefault(org, Counter())[status] += 1

    by_district = counts_by(db, staff, operation, "district")
    assert {row.key: Counter(row.counts) for row in by_district} == expected_districts
    by_org = counts_by(db, staff, operation, "organisation")
    assert {row.key: Counter(row.counts) for row in by_org} == expected_orgs
    assert by_org[-1].key == NOT_REPORTED and by_org[0].key == world["organisation"].id
    row = next(r for r in by_district if r.key == a.id)
    assert row.confirmed == row.count(SafetyStatus.SAFE_HOME, SafetyStatus.EVACUATED)
    assert row.needs_help == row.count(SafetyStatus.NEEDS_HELP, SafetyStatus.INJURED)


def test_a_partner_counts_only_the_people_the_rule_gives_them(db, world, staff, operation):
    partner = viewer_of(world["users"]["partner"], db)
    rows = counts_by(db, partner, operation, "district")
    assert sum(r.total for r in rows) == len(targets(db, partner, operation)) == 1


# ---------------------------------------------------------------------------------------------
# The pages, by role.
# ---------------------------------------------------------------------------------------------


def board_urls(operation):
    base = f"/safety/{operation.id}"
    return [f"{base}", f"{base}/board.json", f"{base}/map", f"{base}/points.json",
            f"{base}/export.csv", f"{base}/export.xlsx"]


def test_a_partner_is_refused_every_staff_page_of_an_operation(client, auth, operation):
    sign_in(auth, "partner")
    for url in ["/safety/new", *board_urls(operation)]:
        assert client.get(url).status_code == 403, url
    sent = client.get("/safety/")  # the staff list: sent to the partner's own phone page
    assert sent.status_code == 302 and sent.headers["Location"] == "/portal/safety/"
    assert client.post(f"/safety/{operation.id}/end").status_code == 403


def test_a_planner_sees_counts_and_pseudonymous_points_and_never_a_name(
    db, client, auth, world, staff, operation
):
    report(db, staff, operation, world["refusing"], SafetyStatus.NEEDS_HELP, note="要注意メモ")
    db.commit()
    sign_in(auth, "planner")
    names = [world[k].name for k in ("refusing", "consenting", "unasked", "elsewhere")]
    for url in ["/safety/", *board_urls(operation)[:4]]:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert not [n for n in names if n in text], url
        assert "要注意メモ" not in text, url
    data = client.get(f"/safety/{operation.id}/board.json").get_json()
    assert set(data) == {"elapsed", "running", "total", "districts", "csrf"}
    assert data["total"]["needs_help"] == 1
    points = client.get(f"/safety/{operation.id}/points.json").get_json()
    assert points["mode"] == "pseudonymous" and "id" not in points["fields"]
    for url in board_urls(operation)[4:]:
        assert client.get(url).status_code == 403


def test_the_board_shows_staff_who_needs_help_with_the_note_and_logs_them(
    db, client, auth, world, staff, operation
):
    report(db, staff, operation, world["refusing"], SafetyStatus.INJURED, note="足を骨折")
    db.commit()
    sign_in(auth, "staff")
    page = client.get(f"/safety/{operation.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert world["refusing"].name in html and "足を骨折" in html
    assert "負傷・急病" in html and ">injured<" not in html
    logged = actions(db, "safety.board")
    assert logged and world["refusing"].id in detail(logged[-1])["ids"]


def test_the_refresh_matches_the_page_and_is_logged_when_the_people_change(
    db, client, auth, world, staff, operation
):
    sign_in(auth, "staff")
    client.get(f"/safety/{operation.id}")
    first = client.get(f"/safety/{operation.id}/board.json").get_json()
    assert first["needs_help"]["count"] == 0
    assert len(actions(db, "safety.board")) == 1  # the page; the same (empty) set is not again
    report(db, staff, operation, world["unasked"], SafetyStatus.NEEDS_HELP, note="停電")
    db.commit()
    data = client.get(f"/safety/{operation.id}/board.json").get_json()
    logged = actions(db, "safety.board")
    assert len(logged) == 2 and detail(logged[-1])["ids"] == [world["unasked"].id]
    assert [p["name"] for p in data["needs_help"]["people"]] == [world["unasked"].name]
    assert data["needs_help"]["people"][0]["note"] == "停電"
    html = client.get(f"/safety/{operation.id}").get_data(as_text=True)
    for row in data["districts"]:
        assert row["name"] in html
    assert f'data-key="needs_help">{data["total"]["needs_help"]}<' in html
    assert f'data-key="total">{data["total"]["total"]}<' in html


def test_an_open_board_logs_its_unchanged_people_again_after_ten_minutes(
    db, client, auth, world, staff, operation, monkeypatch
):
    import roster.safety.views.board as board_view

    report(db, staff, operation, world["unasked"], SafetyStatus.NEEDS_HELP)
    db.commit()
    sign_in(auth, "staff")
    now = [1_000_000.0]
    monkeypatch.setattr(board_view, "_clock", lambda: int(now[0]))
    client.get(f"/safety/{operation.id}")
    client.get(f"/safety/{operation.id}/board.json")
    now[0] += 9 * 60
    client.get(f"/safety/{operation.id}/board.json")
    assert len(actions(db, "safety.board")) == 1
    now[0] += 2 * 60
    client.get(f"/safety/{operation.id}/board.json")
    logged = actions(db, "safety.board")
    assert len(logged) == 2 and detail(logged[-1])["refresh"] is True


# ---------------------------------------------------------------------------------------------
# Starting and ending.
# ---------------------------------------------------------------------------------------------


def test_starting_counts_the_people_first_and_starts_only_the_counted_area(
    db, client, auth, world
):
    sign_in(auth, "staff")
    a, b = world["districts"]
    form = {"name": "地震安否確認", "disaster": "令和8年地震", "districts": [str(a.id)]}
    count_page = client.post("/safety/new", data=form)
    assert count_page.status_code == 200
    assert "3 人が対象になります" in count_page.get_data(as_text=True)
    assert db.scalar(select(func.count(SafetyOperation.id))) == 0
    # The area changed after the count: counted again, not started.
    key = f"d{a.id}|h0|r0|v0"
    changed = client.post("/safety/new", data={**form, "districts": [str(a.id), str(b.id)],
                                                "counted": key, "start": "1"})
    assert "4 人が対象になります" in changed.get_data(as_text=True)
    assert db.scalar(select(func.count(SafetyOperation.id))) == 0
    started = client.post("/safety/new", data={**form, "counted": key, "start": "1"})
    assert started.status_code == 302
    operation = db.scalars(select(SafetyOperation)).one()
    assert [d.id for d in operation.districts] == [a.id]


def test_a_flood_layer_adds_the_people_at_or_above_the_chosen_depth(db, client, auth, world):
    layer = HazardLayer(kind=HazardKind.FLOOD, name="洪水", crs="EPSG:6677")
    db.add_all([layer, RegistrantHazard(registrant_id=world["elsewhere"].id, flood_rank=3)])
    db.commit()
    sign_in(auth, "staff")
    a = world["districts"][0]
    form = {"name": "水害", "disaster": "豪雨", "districts": [str(a.id)], "hazard_layer": layer.id}
    no_rank = client.post("/safety/new", data=form)
    assert no_rank.status_code == 422
    assert "対象とする浸水深の下限を選んでください" in no_rank.get_data(as_text=True)
    counted = client.post("/safety/new", data={**form, "min_flood_rank": "3"})
    assert "4 人が対象になります" in counted.get_data(as_text=True)
    deeper = client.post("/safety/new", data={**form, "min_flood_rank": "4"})
    assert "3 人が対象になります" in deeper.get_data(as_text=True)
    key = f"d{a.id}|h{layer.id}|r3|v0"
    client.post("/safety/new", data={**form, "min_flood_rank": "3", "counted": key, "start": "1"})
    operation = db.scalars(select(SafetyOperation)).one()
    assert (operation.hazard_layer_id, operation.min_flood_rank) == (layer.id, 3)
    board = client.get(f"/safety/{operation.id}").get_data(as_text=True)
    assert "ランク3" in board


def test_a_start_without_an_area_is_refused_in_japanese(client, auth, world):
    sign_in(auth, "staff")
    response = client.post("/safety/new", data={"name": "x", "disaster": "y"})
    assert response.status_code == 422
    assert "地区またはハザード区域を選んでください" in response.get_data(as_text=True)


def test_ending_needs_the_tick_and_keeps_everything(db, client, auth, world, staff, operation):
    report(db, staff, operation, world["refusing"], SafetyStatus.SAFE_HOME)
    db.commit()
    sign_in(auth, "staff")
    url = f"/safety/{operation.id}/end"
    client.post(url, data={"version": operation.version})
    db.refresh(operation)
    assert operation.running
    response = client.post(url, data={"version": operation.version, "confirm": "y"})
    assert response.status_code == 302
    db.refresh(operation)
    assert not operation.running
    assert len(latest_reports(db, operation)) == 1
    again = client.post(url, data={"version": operation.version, "confirm": "y"})
    assert again.status_code == 409


# ---------------------------------------------------------------------------------------------
# Escalation and hand-offs.
# ---------------------------------------------------------------------------------------------


def band_a(db, world, operation):
    """The refusing person the only ventilator user (band A; the others score under A), and
    the operation three hours old."""
    for who in ("consenting", "unasked", "elsewhere"):
        world[who].device_ventilator = False
    world["refusing"].device_ventilator = True
    operation.started_at = operation.started_at - timedelta(hours=3)
    db.commit()
    return world["refusing"]


def test_high_priority_people_not_reached_are_listed_only_after_the_set_minutes(
    db, client, auth, world, operation
):
    sign_in(auth, "staff")
    data = client.get(f"/safety/{operation.id}/board.json").get_json()
    assert data["escalation"] == {"due": False, "after": 120, "count": 0, "people": []}
    band_a(db, world, operation)
    data = client.get(f"/safety/{operation.id}/board.json").get_json()
    assert data["escalation"]["due"] is True
    assert [p["id"] for p in data["escalation"]["people"]] == [world["refusing"].id]
    assert data["escalation"]["people"][0]["score"] >= 60


def test_a_hand_off_is_recorded_audited_and_shown(db, client, auth, world, operation):
    person = band_a(db, world, operation)
    sign_in(auth, "staff")
    url = f"/safety/{operation.id}/people/{person.id}/handoff"
    response = client.post(url, data={"to_kind": "fire", "to_name": "西東京消防署", "note": "独居"})
    assert response.status_code == 303
    handoff = db.scalars(select(SafetyHandoff)).one()
    assert (handoff.to_kind.value, handoff.to_name, handoff.registrant_id) == (
        "fire", "西東京消防署", person.id)
    event = actions(db, "safety.handoff")[-1]
    assert event.object_id == str(person.id) and "独居" not in json.dumps(detail(event))
    data = client.get(f"/safety/{operation.id}/board.json").get_json()
    assert "西東京消防署" in data["escalation"]["people"][0]["handoff"]


def test_a_hand_off_to_a_team_needs_its_name_and_one_outside_the_operation_is_404(
    db, client, auth, world, factory, operation
):
    person = band_a(db, world, operation)
    sign_in(auth, "staff")
    url = f"/safety/{operation.id}/people/{person.id}/handoff"
    response = client.post(url, data={"to_kind": "team"})
    assert response.status_code == 422
    assert "チーム名を入力してください" in response.get_data(as_text=True)
    plan = OperationPlan(name="B", disaster="B", districts=[world["districts"][1]])
    outside = start_operation(db, viewer_of(world["users"]["staff"], db), plan)
    db.commit()
    hidden = client.post(f"/safety/{outside.id}/people/{person.id}/handoff",
                         data={"to_kind": "police"})
    missing = client.post(f"/safety/{outside.id}/people/999999/handoff",
                          data={"to_kind": "police"})
    assert hidden.status_code == missing.status_code == 404
    assert db.scalar(select(func.count(SafetyHandoff.id))) == 0


def test_an_ended_operation_takes_no_hand_off_and_says_so_in_japanese(
    db, client, auth, world, staff, operation
):
    person = band_a(db, world, operation)
    end_operation(db, staff, operation)
    db.commit()
    sign_in(auth, "staff")
    response = client.post(f"/safety/{operation.id}/people/{person.id}/handoff",
                           data={"to_kind": "police"})
    assert response.status_code == 409
    assert "この安否確認活動はすでに終了しています" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(SafetyHandoff.id))) == 0


# ---------------------------------------------------------------------------------------------
# Map and exports.
# ---------------------------------------------------------------------------------------------


def test_staff_points_carry_the_status_and_the_frame_no_one(
    db, client, auth, world, staff, operation
):
    world["unasked"].latitude = world["unasked"].longitude = None
    report(db, staff, operation, world["refusing"], SafetyStatus.NEEDS_HELP)
    db.commit()
    sign_in(auth, "staff")
    points = client.get(f"/safety/{operation.id}/points.json").get_json()
    rows = {row[2]: row[3] for row in points["points"]}
    statuses = list(SafetyStatus)
    assert statuses[rows[world["refusing"].id]] is SafetyStatus.NEEDS_HELP
    assert statuses[rows[world["elsewhere"].id]] is SafetyStatus.UNCONFIRMED
    frame = client.get(f"/safety/{operation.id}/map").get_data(as_text=True)
    assert world["refusing"].name not in frame and "safety/board-map.js" in frame
    assert world["unasked"].id not in rows and len(rows) == 3
    assert detail(actions(db, "safety.map")[-1])["points"] == 3


def read_csv(response):
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_an_internal_export_is_formula_safe_logged_and_not_in_a_ledger(
    db, client, auth, world, staff, operation
):
    world["refusing"].name = FORMULA
    report(db, staff, operation, world["refusing"], SafetyStatus.NEEDS_HELP, note="+SUM(A1)")
    db.commit()
    sign_in(auth, "staff")
    form = client.get(f"/safety/{operation.id}/export.csv")
    assert form.status_code == 200 and "被災者台帳" in form.get_data(as_text=True)
    response = client.post(f"/safety/{operation.id}/export.csv", data={"destination": "internal"})
    assert response.status_code == 200
    rows = read_csv(response)
    assert "取扱注意" in rows[1][0] or "第49条の13" in rows[1][0]
    line = next(r for r in rows[3:] if r[0] == str(world["refusing"].id))
    assert line[1] == "'" + FORMULA and line[9] == "'+SUM(A1)" and line[4] == "要支援"
    assert len(rows) - 3 == len(targets(db, staff, operation))
    event = actions(db, "safety.export")[-1]
    assert detail(event)["destination"] == "internal"
    assert world["refusing"].id in detail(event)["ids"]
    assert db.scalar(select(func.count(Provision.id))) == 0


def test_an_export_for_the_fire_service_is_a_copy_in_its_ledger(
    db, client, auth, world, factory, staff, operation
):
    fire = factory.organisation(PartnerCategory.FIRE, list(world["districts"]))
    factory.agreement(fire, list(world["districts"]))
    shared = world["consenting"]
    factory.consent(shared, ConsentState.CONSENTED, world["users"]["staff"],
                    scope={PartnerCategory.MINSEI_IIN, PartnerCategory.FIRE})
    shared.name = FORMULA
    report(db, staff, operation, shared, SafetyStatus.NEEDS_HELP, note="在宅酸素・残量少")
    db.commit()
    sign_in(auth, "staff")
    response = client.post(f"/safety/{operation.id}/export.xlsx",
                           data={"destination": f"organisation-{fire.id}"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert fire.name in values[0][0]
    assert any(r[1] == "'" + FORMULA for r in values[3:])
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as xlsx:
        assert "<f>" not in xlsx.read("xl/worksheets/sheet1.xml").decode()
    provision = db.scalars(select(Provision)).one()
    assert provision.organisation_id == fire.id and provision.count == len(values) - 3
    # Exactly the people the fire service's agreement gives it -- not everyone staff see --
    # and no notes.
    items = db.scalars(select(ProvisionItem.registrant_id)).all()
    assert items == [shared.id]
    assert world["refusing"].id not in items and len(targets(db, staff, operation)) > 1
    assert not any("在宅酸素" in str(cell) for row in values for cell in row)
    assert detail(actions(db, "safety.export")[-1])["provision"] == provision.id


def test_an_export_without_a_recipient_is_refused(client, auth, operation):
    sign_in(auth, "staff")
    response = client.post(f"/safety/{operation.id}/export.csv", data={})
    assert response.status_code == 422


def test_the_escalation_setting_must_be_a_whole_number_of_minutes():
    assert safety_settings({}) == {"SAFETY_ESCALATE_AFTER_MINUTES": 120}
    assert safety_settings({"safety": {"escalate_after_minutes": 30}})[
        "SAFETY_ESCALATE_AFTER_MINUTES"] == 30
    for bad in (0, -5, "60", True, 1.5):
        with pytest.raises(ConfigError):
            safety_settings({"safety": {"escalate_after_minutes": bad}})


def test_the_board_leads_staff_to_every_page_of_the_operation_and_planners_to_the_report(
    client, auth, operation
):
    pages = ("report", "sheets", "entry", "arrivals")
    sign_in(auth, "staff")
    text = client.get(f"/safety/{operation.id}").get_data(as_text=True)
    assert all(f'href="/safety/{operation.id}/{p}"' in text for p in pages)
    auth.logout()
    sign_in(auth, "planner")
    text = client.get(f"/safety/{operation.id}").get_data(as_text=True)
    assert f'href="/safety/{operation.id}/report"' in text
    assert not any(f'href="/safety/{operation.id}/{p}"' in text for p in pages[1:])
