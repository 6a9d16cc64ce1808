"""Drill scenarios: planning them (forms, validation, versions), the pseudonymised preview,
starting and ending a drill, and the law in a drill: no release ever shows a partner anyone
in a drill, and a simulated release only counts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from roster.drills.rule import simulated_release
from roster.drills.running import DrillRefused, end_drill, start_drill
from roster.models import (
    AuditEvent,
    DrillHazard,
    DrillScenario,
    Mobility,
    ObjectiveKind,
    OperationKind,
    ReportMethod,
    SafetyStatus,
    ShelterAssignment,
)
from roster.safety.operations import (
    ReportEntry,
    SafetyRefused,
    current_status,
    record_report,
    targets,
)
from roster.safety.sheets import district_people
from roster.viewer import viewer_of

from .conftest import AuthActions, IsolatedClient, running_operation
from .drill_scenarios import START, make_scenario
from .test_releases import release
from .test_shelters import make_shelter


def sign_in(auth: AuthActions, role: str) -> None:
    assert auth.login(f"t_{role}").status_code == 302


def drill_url(scenario: DrillScenario, tail: str = "") -> str:
    return f"/drills/{scenario.id}{tail}"


def form_data(world: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "水防訓練",
        "planned_start": "令和8年9月1日 9:00",
        "planned_end": "2026/9/1 12:30",
        "hazard": "flood",
        "districts": [str(world["districts"][0].id)],
        "hazard_layer": "0",
        "min_flood_rank": "0",
        "organisations": [str(world["organisation"].id)],
        "description": "",
        "objectives-0-kind": "share_confirmed",
        "objectives-0-band": "A",
        "objectives-0-percent": "80",
        "objectives-0-minutes": "60",
        "objectives-1-kind": "ventilator_reached",
        "objectives-1-minutes": "30",
    }
    data.update(changes)
    return data


# ---------------------------------------------------------------------------------------------
# Scenarios: forms, validation, versions
# ---------------------------------------------------------------------------------------------


def test_a_planner_plans_a_drill_with_japanese_dates_and_objectives(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "planner")
    response = client.post("/drills/new", data=form_data(world))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    scenario = db.scalar(select(DrillScenario))
    assert scenario.name == "水防訓練" and scenario.hazard is DrillHazard.FLOOD
    # 9:00 in Tokyo is 0:00 UTC.
    assert scenario.planned_start == START
    assert scenario.planned_end == START + timedelta(hours=3, minutes=30)
    assert [(o.kind, o.band, o.percent, o.minutes) for o in scenario.objectives] == [
        (ObjectiveKind.SHARE_CONFIRMED, "A", 80, 60),
        (ObjectiveKind.VENTILATOR_REACHED, None, 100, 30),
    ]
    assert [d.id for d in scenario.districts] == [world["districts"][0].id]
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "drill.create")) is not None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"planned_start": "2026-02-30 09:00"}, "日付と時刻"),
        ({"planned_start": "明日"}, "日付と時刻"),
        ({"planned_end": "2026-09-01 08:00"}, "開始日時より後"),
        ({"districts": []}, "地区またはハザード区域"),
        ({"objectives-0-minutes": ""}, "何分以内"),
        ({"objectives-0-percent": "120"}, "1〜100"),
        ({"objectives-1-band": "A"}, "優先度は"),
        ({"name": ""}, "必須項目"),
    ],
)
def test_a_wrong_scenario_is_refused_in_japanese_and_nothing_is_saved(
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    world: dict[str, Any],
    changes: dict[str, Any],
    message: str,
) -> None:
    sign_in(auth, "planner")
    response = client.post("/drills/new", data=form_data(world, **changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert db.scalar(select(DrillScenario)) is None


def test_an_edit_from_a_stale_form_is_refused_and_changes_nothing(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    scenario = make_scenario(db, world)
    db.commit()
    sign_in(auth, "planner")
    page = client.get(drill_url(scenario, "/edit")).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert version is not None and version[1] == str(scenario.version)
    data = form_data(world, name="改名", version=str(scenario.version))
    assert client.post(drill_url(scenario, "/edit"), data=data).status_code == 302
    db.refresh(scenario)
    assert scenario.name == "改名" and len(scenario.objectives) == 2
    stale = client.post(drill_url(scenario, "/edit"), data={**data, "name": "古い版"})
    assert stale.status_code == 409
    db.refresh(scenario)
    assert scenario.name == "改名"


def test_a_started_drill_can_no_longer_be_edited(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    scenario = make_scenario(db, world)
    start_drill(db, viewer_of(world["users"]["planner"], db), scenario)
    db.commit()
    sign_in(auth, "staff")
    assert client.get(drill_url(scenario, "/edit")).status_code == 303
    data = form_data(world, name="改名", version=str(scenario.version))
    assert client.post(drill_url(scenario, "/edit"), data=data).status_code == 303
    db.refresh(scenario)
    assert scenario.name == "総合防災訓練"


def test_the_list_shows_scheduled_running_and_finished_drills(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    scheduled = make_scenario(db, world, name="予定の訓練")
    running = make_scenario(db, world, name="実施中の訓練")
    finished = make_scenario(db, world, name="終了した訓練")
    planner = viewer_of(world["users"]["planner"], db)
    start_drill(db, planner, running)
    start_drill(db, planner, finished)
    end_drill(db, planner, finished)
    db.commit()
    sign_in(auth, "planner")
    page = client.get("/drills/").get_data(as_text=True)
    sections = re.split(r'<h2 id="h-', page)
    assert "実施中の訓練" in sections[1] and sections[1].startswith("running")
    assert "予定の訓練" in sections[2] and sections[2].startswith("scheduled")
    assert "終了した訓練" in sections[3] and sections[3].startswith("finished")
    assert f'/safety/{running.operation_id}"' in page
    assert scheduled.operation is None


# ---------------------------------------------------------------------------------------------
# Preview: counts only, never who
# ---------------------------------------------------------------------------------------------


def test_the_preview_counts_by_band_and_need_and_shelter_demand_without_names(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], factory: Any
) -> None:
    a = world["districts"][0]
    ventilated = factory.registrant(a, device_ventilator=True, mobility=Mobility.BEDRIDDEN)
    shelter = make_shelter(
        db, name="テスト福祉センター", is_welfare_shelter=True, capacity=2, backup_power=False
    )
    for person in (world["consenting"], world["refusing"], ventilated):
        db.add(ShelterAssignment(hazard="earthquake", registrant_id=person.id,
                                 shelter_id=shelter.id, distance_m=100.0))
    scenario = make_scenario(db, world)
    db.commit()
    sign_in(auth, "planner")
    page = client.get(drill_url(scenario)).get_data(as_text=True)
    # district A: consenting, refusing, unasked and the ventilator user (planners count all).
    assert "この訓練の対象は 4 人です。" in page
    assert "テスト福祉センター" in page and "3 人" in page and "2 人分" in page
    assert "<strong>なし</strong>" in page
    for person in (world["consenting"], world["refusing"], ventilated, world["unasked"]):
        assert person.name not in page and person.address not in page
    assert world["elsewhere"].name not in page


# ---------------------------------------------------------------------------------------------
# Running: start and end
# ---------------------------------------------------------------------------------------------


def test_starting_needs_the_confirmation_and_makes_a_drill_operation(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    scenario = make_scenario(db, world)
    db.commit()
    sign_in(auth, "planner")
    assert client.post(drill_url(scenario, "/start")).status_code == 303
    db.refresh(scenario)
    assert scenario.operation is None
    response = client.post(drill_url(scenario, "/start"), data={"confirm": "1"})
    assert response.status_code == 303
    db.refresh(scenario)
    operation = scenario.operation
    assert operation is not None and operation.kind is OperationKind.DRILL
    assert operation.name == "総合防災訓練" and operation.release_id is None
    assert response.headers["Location"].endswith(f"/safety/{operation.id}")
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"drill.start", "safety.start"} <= actions
    again = client.post(drill_url(scenario, "/start"), data={"confirm": "1"})
    assert again.status_code == 303
    assert client.post(drill_url(scenario, "/end"), data={"confirm": "1"}).status_code == 303
    db.refresh(operation)
    assert operation.ended_at is not None
    assert "drill.end" in set(db.scalars(select(AuditEvent.action)))


def test_a_scenario_runs_once_and_only_staff_or_planners_run_it(
    db: Any, world: dict[str, Any]
) -> None:
    scenario = make_scenario(db, world)
    with pytest.raises(SafetyRefused):
        start_drill(db, viewer_of(world["users"]["partner"], db), scenario)
    start_drill(db, viewer_of(world["users"]["staff"], db), scenario)
    with pytest.raises(DrillRefused):
        start_drill(db, viewer_of(world["users"]["staff"], db), scenario)


# ---------------------------------------------------------------------------------------------
# The law in a drill: no release, whatever runs meanwhile
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def under_release(db: Any, world: dict[str, Any]) -> dict[str, Any]:
    """A release running over district A, an agreement with emergency provision, a real
    operation and a drill over the same district."""
    world["agreement"].emergency_provision = True
    release(world, db=db)
    real = running_operation(db, world)
    scenario = make_scenario(db, world)
    drill = start_drill(db, viewer_of(world["users"]["staff"], db), scenario)
    db.commit()
    return {"real": real, "drill": drill, "scenario": scenario}


def test_a_drill_never_shows_a_partner_whom_only_a_release_would(
    db: Any, world: dict[str, Any], under_release: dict[str, Any]
) -> None:
    partner = viewer_of(world["users"]["partner"], db)
    assert partner.access is not None and partner.access.released  # the release is running
    real = {p.registrant_id for p in targets(db, partner, under_release["real"])}
    drill = {p.registrant_id for p in targets(db, partner, under_release["drill"])}
    assert world["refusing"].id in real and world["unasked"].id in real
    assert drill == {world["consenting"].id}
    district = world["districts"][0].id
    sheet = district_people(db, partner, under_release["drill"], district)
    assert {p.registrant_id for p in sheet} == {world["consenting"].id}


def test_a_drill_refuses_a_report_on_a_person_only_a_release_shows(
    db: Any, world: dict[str, Any], under_release: dict[str, Any]
) -> None:
    from werkzeug.exceptions import NotFound

    partner = viewer_of(world["users"]["partner"], db)
    entry = ReportEntry(status=SafetyStatus.SAFE_HOME, method=ReportMethod.VISIT)
    record_report(db, partner, under_release["real"], world["refusing"].id, entry)
    with pytest.raises(NotFound):
        record_report(db, partner, under_release["drill"], world["refusing"].id, entry)


def test_every_exit_of_a_drill_hides_whom_only_a_release_shows(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], under_release: dict[str, Any]
) -> None:
    real, drill = under_release["real"], under_release["drill"]
    refusing = world["refusing"]
    sign_in(auth, "partner")
    api = "/api/v1/safety/operations/{}/people"
    real_ids = {p["id"] for p in client.get(api.format(real.id)).get_json()["items"]}
    drill_ids = {p["id"] for p in client.get(api.format(drill.id)).get_json()["items"]}
    assert refusing.id in real_ids and refusing.id not in drill_ids
    assert drill_ids == {world["consenting"].id}
    body = {"registrant_id": refusing.id, "status": "safe_home", "method": "visit", "note": "",
            "client_id": "a1b2c3d4-0000-4000-8000-00000000d001"}
    refused = client.post(f"/api/v1/safety/operations/{drill.id}/reports", json=body)
    assert refused.status_code == 404, refused.get_json()
    missing = client.post(f"/api/v1/safety/operations/{drill.id}/reports",
                          json={**body, "registrant_id": 999999})
    assert missing.status_code == 404 and missing.get_json() == refused.get_json()
    real_page = client.get(f"/portal/safety/{real.id}").get_data(as_text=True)
    drill_page = client.get(f"/portal/safety/{drill.id}").get_data(as_text=True)
    assert refusing.name in real_page and refusing.name not in drill_page
    assert world["unasked"].name not in drill_page
    assert world["consenting"].name in drill_page
    sticky = '<p class="drill-sticky">'  # the drill says so while the list scrolls
    assert sticky in drill_page and sticky not in real_page
    organisation = world["organisation"].id
    sheets = {}
    for key, op in (("real", real), ("drill", drill)):
        made = client.post(f"/safety/{op.id}/sheets", data={"target": f"o{organisation}"})
        assert made.status_code == 303, made.get_data(as_text=True)[:500]
        sheets[key] = client.get(made.headers["Location"]).get_data(as_text=True)
    assert refusing.name in sheets["real"] and refusing.name not in sheets["drill"]
    assert world["consenting"].name in sheets["drill"]


def test_a_drill_report_changes_nothing_in_a_real_operation(
    db: Any, world: dict[str, Any], under_release: dict[str, Any]
) -> None:
    staff = viewer_of(world["users"]["staff"], db)
    real, drill = under_release["real"], under_release["drill"]
    before = dict(current_status(db, real))
    entry = ReportEntry(status=SafetyStatus.NEEDS_HELP, method=ReportMethod.VISIT)
    record_report(db, staff, drill, world["consenting"].id, entry)
    assert dict(current_status(db, real)) == before
    assert current_status(db, real)[world["consenting"].id] is SafetyStatus.UNCONFIRMED
    assert current_status(db, drill)[world["consenting"].id] is SafetyStatus.NEEDS_HELP


def test_a_simulated_release_counts_how_many_more_by_district_never_who(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    world["agreement"].emergency_provision = True
    scenario = make_scenario(db, world, simulate_release=True)
    db.commit()
    rows = simulated_release(db, scenario, "opt_in", date.today())
    # District A: the consenting person is shown; the refusing and unasked would be too.
    assert [(r.district, r.shown, r.more) for r in rows] == [("テスト町A", 1, 2)]
    sign_in(auth, "planner")
    page = client.get(drill_url(scenario)).get_data(as_text=True)
    assert "+2" in page
    assert world["refusing"].name not in page and world["unasked"].name not in page


def test_without_emergency_provision_a_simulated_release_adds_no_one(
    db: Any, world: dict[str, Any]
) -> None:
    scenario = make_scenario(db, world, simulate_release=True)
    rows = simulated_release(db, scenario, "opt_in", date.today())
    assert [(r.shown, r.more) for r in rows] == [(1, 0)]


# ---------------------------------------------------------------------------------------------
# 訓練 on every staff page, print, export and API answer of a drill
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def two_operations(db: Any, world: dict[str, Any]) -> dict[str, Any]:
    """A real operation and a running drill, and a shelter for the tally page."""
    real = running_operation(db, world)
    scenario = make_scenario(db, world)
    drill = start_drill(db, viewer_of(world["users"]["staff"], db), scenario)
    shelter = make_shelter(db, name="テスト避難所")
    db.commit()
    return {"real": real, "drill": drill, "shelter": shelter}


BANNER = "この活動は訓練です"


@pytest.mark.parametrize(
    "tail", ["", "/report", "/arrivals", "/shelters/{shelter}", "/export.csv", "/export.xlsx"]
)
def test_every_staff_page_of_a_drill_says_drill_and_a_real_one_does_not(
    client: IsolatedClient, auth: AuthActions, two_operations: dict[str, Any], tail: str
) -> None:
    sign_in(auth, "staff")
    path = tail.format(shelter=two_operations["shelter"].id)
    drill = client.get(f"/safety/{two_operations['drill'].id}{path}")
    real = client.get(f"/safety/{two_operations['real'].id}{path}")
    assert drill.status_code == 200 and real.status_code == 200
    assert BANNER in drill.get_data(as_text=True)
    assert BANNER not in real.get_data(as_text=True) and "drill-badge" not in real.get_data(
        as_text=True
    )


def test_the_operations_list_marks_the_drill_only(
    client: IsolatedClient, auth: AuthActions, two_operations: dict[str, Any]
) -> None:
    sign_in(auth, "planner")
    page = client.get("/safety/").get_data(as_text=True)
    rows = {row for row in page.split("<tr") if "/safety/" in row}
    drill_row = next(r for r in rows if f'/safety/{two_operations["drill"].id}"' in r)
    real_row = next(r for r in rows if f'/safety/{two_operations["real"].id}"' in r)
    assert "drill-badge" in drill_row and "drill-badge" not in real_row


def test_the_report_csv_and_the_export_start_with_drill(
    client: IsolatedClient, auth: AuthActions, two_operations: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    drill, real = two_operations["drill"].id, two_operations["real"].id
    first = client.get(f"/safety/{drill}/report.csv").get_data().decode("utf-8-sig")
    assert first.splitlines()[0].startswith("【訓練】")
    real_csv = client.get(f"/safety/{real}/report.csv").get_data().decode("utf-8-sig")
    assert "訓練" not in real_csv.splitlines()[0]
    exported = client.post(f"/safety/{drill}/export.csv", data={"destination": "internal"})
    assert exported.status_code == 200
    assert exported.get_data().decode("utf-8-sig").splitlines()[0].startswith("【訓練】")
    real_export = client.post(f"/safety/{real}/export.csv", data={"destination": "internal"})
    assert "訓練" not in real_export.get_data().decode("utf-8-sig").splitlines()[0]


def test_the_api_names_the_drill_and_its_scenario(
    client: IsolatedClient, auth: AuthActions, two_operations: dict[str, Any]
) -> None:
    sign_in(auth, "partner")
    items = {i["id"]: i for i in client.get("/api/v1/safety/operations").get_json()["items"]}
    drill, real = items[two_operations["drill"].id], items[two_operations["real"].id]
    assert drill["drill"] is True and drill["scenario"] == "総合防災訓練"
    assert real["drill"] is False and real["scenario"] is None
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "scenario" in spec["components"]["schemas"]["SafetyOperation"]["properties"]


def test_a_drill_report_changes_nothing_in_the_real_operations_counts(
    db: Any, world: dict[str, Any], two_operations: dict[str, Any]
) -> None:
    from roster.safety.progress import counts_by, totals

    staff = viewer_of(world["users"]["staff"], db)
    real = two_operations["real"]
    before = totals(counts_by(db, staff, real))
    entry = ReportEntry(status=SafetyStatus.NEEDS_HELP, method=ReportMethod.VISIT)
    record_report(db, staff, two_operations["drill"], world["consenting"].id, entry)
    db.commit()
    after = totals(counts_by(db, staff, real))
    assert (after.confirmed, after.needs_help) == (before.confirmed, before.needs_help) == (0, 0)
    drill = totals(counts_by(db, staff, two_operations["drill"]))
    assert drill.needs_help == 1


# ---------------------------------------------------------------------------------------------
# Shelters opened in a drill
# ---------------------------------------------------------------------------------------------


def test_staff_record_a_shelter_opening_once_and_the_drill_page_lists_it(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    from roster.models import DrillShelterOpening

    shelter = make_shelter(db, name="テスト福祉館", is_welfare_shelter=True)
    scenario = make_scenario(db, world)
    start_drill(db, viewer_of(world["users"]["staff"], db), scenario)
    db.commit()
    sign_in(auth, "planner")
    url = drill_url(scenario, "/openings")
    assert client.post(url, data={"shelter": str(shelter.id)}).status_code == 303
    assert client.post(url, data={"shelter": str(shelter.id)}).status_code == 303
    rows = list(db.scalars(select(DrillShelterOpening)))
    assert [(r.shelter_id, r.operation_id) for r in rows] == [(shelter.id, scenario.operation_id)]
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "drill.shelter_open"))
    page = client.get(drill_url(scenario)).get_data(as_text=True)
    assert "テスト福祉館" in page.split("訓練で開設した避難所")[1]


def test_a_partner_opens_only_a_shelter_its_organisation_runs(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    from roster.models import DrillShelterOpening

    runs = world["organisation"].id
    theirs = make_shelter(db, name="団体の避難所", operator_organisation_id=runs)
    other = make_shelter(db, name="他の避難所")
    scenario = make_scenario(db, world)
    start_drill(db, viewer_of(world["users"]["staff"], db), scenario)
    db.commit()
    sign_in(auth, "partner")
    arrivals = client.get(f"/safety/{scenario.operation_id}/arrivals?shelter={theirs.id}")
    assert f'/drills/{scenario.id}/openings"' in arrivals.get_data(as_text=True)
    url = drill_url(scenario, "/openings")
    assert client.post(url, data={"shelter": str(other.id)}).status_code == 404
    done = client.post(url, data={"shelter": str(theirs.id)})
    assert done.status_code == 303 and "/arrivals" in done.headers["Location"]
    assert [r.shelter_id for r in db.scalars(select(DrillShelterOpening))] == [theirs.id]


def test_no_opening_in_a_real_operation_or_an_ended_drill(db: Any, world: dict[str, Any]) -> None:
    from roster.drills.openings import OpeningRefused, record_opening

    shelter = make_shelter(db)
    staff = viewer_of(world["users"]["staff"], db)
    with pytest.raises(OpeningRefused):
        record_opening(db, staff, running_operation(db, world), shelter.id)
    scenario = make_scenario(db, world)
    start_drill(db, staff, scenario)
    end_drill(db, staff, scenario)
    assert scenario.operation is not None
    with pytest.raises(OpeningRefused):
        record_opening(db, staff, scenario.operation, shelter.id)


# ---------------------------------------------------------------------------------------------
# roster drill start | end
# ---------------------------------------------------------------------------------------------


def test_the_cli_starts_and_ends_a_drill_as_a_planner(
    db: Any, runner: Any, world: dict[str, Any]
) -> None:
    scenario = make_scenario(db, world)
    db.commit()
    started = runner.invoke(args=["drill", "start", str(scenario.id), "--as", "t_planner"])
    assert started.exit_code == 0, started.output
    db.refresh(scenario)
    operation = scenario.operation
    assert operation is not None and operation.kind is OperationKind.DRILL
    assert f"as safety operation {operation.id}" in started.output
    assert "(3 people)" in started.output
    for person in (world["consenting"], world["refusing"], world["unasked"]):
        assert person.name not in started.output
    again = runner.invoke(args=["drill", "start", str(scenario.id), "--as", "t_planner"])
    assert again.exit_code != 0 and "already started" in again.output
    ended = runner.invoke(args=["drill", "end", str(scenario.id), "--as", "t_staff"])
    assert ended.exit_code == 0, ended.output
    db.refresh(operation)
    assert operation.ended_at is not None and operation.ended_by.username == "t_staff"
    assert {"drill.start", "drill.end"} <= set(db.scalars(select(AuditEvent.action)))


def test_the_cli_refuses_a_partner_and_an_unknown_scenario(
    db: Any, runner: Any, world: dict[str, Any]
) -> None:
    scenario = make_scenario(db, world)
    db.commit()
    partner = runner.invoke(args=["drill", "start", str(scenario.id), "--as", "t_partner"])
    assert partner.exit_code != 0 and "not an active staff or drill planner" in partner.output
    missing = runner.invoke(args=["drill", "end", "999999", "--as", "t_staff"])
    assert missing.exit_code != 0 and "no drill scenario 999999" in missing.output
    db.refresh(scenario)
    assert scenario.operation is None


# ---------------------------------------------------------------------------------------------
# A planner never sees a person on a drill route
# ---------------------------------------------------------------------------------------------


def test_a_planner_sees_no_name_address_or_number_on_any_drill_route(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], factory: Any
) -> None:
    placed = factory.registrant(world["districts"][0], latitude=35.72, longitude=139.54)
    scheduled = make_scenario(db, world, simulate_release=True)
    running = make_scenario(db, world, name="実施中")
    start_drill(db, viewer_of(world["users"]["staff"], db), running)
    db.commit()
    people = [world[k] for k in ("consenting", "refusing", "unasked", "elsewhere")] + [placed]
    secrets = [t for p in people for t in (p.name, p.address, p.resident_no, p.phone) if t]
    sign_in(auth, "planner")
    urls = ["/drills/", "/drills/new"] + [
        drill_url(s, tail)
        for s in (scheduled, running)
        for tail in ("", "/edit", "/map", "/points.json")
    ]
    for url in urls:
        text = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert not [s for s in secrets if s in text], url
    points = client.get(drill_url(scheduled, "/points.json")).get_json()
    assert points["mode"] == "pseudonymous" and "id" not in points["fields"]
    assert len(points["points"]) == 4  # district A's people, drawn without who they are
    assert all(len(row) == 4 for row in points["points"])  # lat, lon, status, approximate
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "drill.map")) is not None


def test_staff_get_pseudonymous_points_in_the_preview_too(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], factory: Any
) -> None:
    factory.registrant(world["districts"][0], latitude=35.72, longitude=139.54)
    scenario = make_scenario(db, world)
    db.commit()
    sign_in(auth, "staff")
    points = client.get(drill_url(scenario, "/points.json")).get_json()
    assert points["mode"] == "pseudonymous" and "id" not in points["fields"]
    assert len(points["points"]) == 4 and all(len(row) == 4 for row in points["points"])


@pytest.mark.parametrize(
    "typed",
    ["2026-09-01 09:00", "2026-09-01T09:00", "2026/9/1 9:00", "20260901 09:00",
     "令和8年9月1日 9:00", "R8.9.1 9:00", "２０２６年９月１日　９：００"],
)
def test_the_window_takes_the_dates_the_app_takes_elsewhere(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], typed: str
) -> None:
    sign_in(auth, "staff")
    response = client.post("/drills/new", data=form_data(world, planned_start=typed))
    assert response.status_code == 302, typed
    assert db.scalar(select(DrillScenario)).planned_start == START


def test_a_flood_area_brings_its_people_into_the_preview_and_the_drill(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    from roster.drills.preview import preview
    from roster.models import HazardKind, HazardLayer, RegistrantHazard

    layer = HazardLayer(kind=HazardKind.FLOOD, name="洪水", crs="EPSG:6677")
    db.add_all([layer, RegistrantHazard(registrant_id=world["elsewhere"].id, flood_rank=3),
                RegistrantHazard(registrant_id=world["unasked"].id, flood_rank=1)])
    db.flush()
    scenario = make_scenario(db, world, districts=[], hazard=DrillHazard.FLOOD,
                             hazard_layer=layer, min_flood_rank=2)
    planner = viewer_of(world["users"]["planner"], db)
    assert preview(db, planner, scenario).total == 1
    operation = start_drill(db, planner, scenario)
    staff = viewer_of(world["users"]["staff"], db)
    assert operation.hazard_layer_id == layer.id and operation.min_flood_rank == 2
    assert [p.registrant_id for p in targets(db, staff, operation)] == [world["elsewhere"].id]


@pytest.mark.parametrize(("role", "shown"), [("staff", True), ("planner", True),
                                             ("partner", False), ("admin", False)])
def test_the_menu_leads_staff_and_planners_to_the_drills(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], role: str, shown: bool
) -> None:
    sign_in(auth, role)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert ('href="/drills/"' in home) is shown


def test_the_board_of_a_drill_leads_back_to_the_drill_page(
    db: Any, client: IsolatedClient, auth: AuthActions, two_operations: dict[str, Any]
) -> None:
    from roster.models import DrillScenario

    drill = two_operations["drill"]
    scenario = db.scalar(select(DrillScenario).where(DrillScenario.operation_id == drill.id))
    sign_in(auth, "planner")
    board = client.get(f"/safety/{drill.id}").get_data(as_text=True)
    assert f'href="/drills/{scenario.id}"' in board


def test_a_drill_ended_from_its_board_ends_as_a_drill_and_says_what_it_simulates(
    db: Any, client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    from roster.models import AuditEvent

    scenario = make_scenario(db, world)
    operation = start_drill(db, viewer_of(world["users"]["staff"], db), scenario)
    db.commit()
    sign_in(auth, "staff")
    board = client.get(f"/safety/{operation.id}").get_data(as_text=True)
    assert "訓練（" in board and "を想定）" in board  # the simulated hazard, not a bare 訓練
    url = f"/safety/{operation.id}/end"
    response = client.post(url, data={"version": operation.version, "confirm": "y"})
    assert response.status_code == 302
    db.refresh(operation)
    assert not operation.running
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"drill.end", "safety.end"} <= actions
    again = client.post(url, data={"version": operation.version, "confirm": "y"})
    assert again.status_code == 409
