"""Findings of a drill: stored on the report, refused in a real operation, flagging the
person's plan for review (a new plan version, audited), cleared by staff, and raising a
person without a plan in the plan queue."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.models import (
    AuditEvent,
    DrillScenario,
    Finding,
    Plan,
    PlanStatus,
    PlanVersion,
    ReportMethod,
    ReviewFlag,
    SafetyStatus,
)
from roster.priority.queries import person_of, seriously_flagged, sql_scores
from roster.priority.scoring import DEFAULT_WEIGHTS, score
from roster.safety.operations import ReportEntry, SafetyRefused, record_report
from roster.viewer import viewer_of

from .conftest import AuthActions, IsolatedClient, running_operation
from .drill_world import drill, raw_flag


@pytest.fixture()
def scenario(db: Session, world: dict[str, Any]) -> DrillScenario:
    return drill(db, world)


def agreed_plan(db: Session, registrant: Any) -> Plan:
    plan = Plan(
        registrant_id=registrant.id,
        status=PlanStatus.AGREED,
        supporters=[{"name": "支援 一郎", "relation": "隣人"}],
        made_on=date(2026, 4, 1),
        review_on=date(2027, 4, 1),
    )
    db.add(plan)
    db.flush()
    return plan


def report(db: Session, world: dict[str, Any], operation: Any, who: str = "consenting",
           *findings: Finding, note: str = "", user: str = "partner") -> Any:
    entry = ReportEntry(status=SafetyStatus.UNREACHABLE, method=ReportMethod.PHONE, note=note,
                        findings=tuple(findings))
    viewer = viewer_of(world["users"][user], db)
    return record_report(db, viewer, operation, world[who].id, entry)


def flags_of(db: Session, registrant: Any) -> list[ReviewFlag]:
    query = select(ReviewFlag).where(ReviewFlag.registrant_id == registrant.id)
    return list(db.scalars(query.order_by(ReviewFlag.id)))


def test_a_finding_is_stored_on_the_report_and_flags_the_agreed_plan(
    db: Session, world: dict[str, Any], scenario: DrillScenario
) -> None:
    person = world["consenting"]
    plan = agreed_plan(db, person)
    version = plan.version
    stored = report(db, world, scenario.operation, "consenting",
                    Finding.SUPPORTER_UNAVAILABLE, Finding.NO_ANSWER)
    assert stored.findings == ["supporter_unavailable", "no_answer"]
    flags = flags_of(db, person)
    assert [f.finding for f in flags] == [Finding.SUPPORTER_UNAVAILABLE, Finding.NO_ANSWER]
    assert [f.serious for f in flags] == [True, False]
    assert all(f.report_id == stored.id and f.scenario_id == scenario.id for f in flags)
    day = scenario.operation.started_at.astimezone(ZoneInfo("Asia/Tokyo")).date()
    assert flags[0].reason == f"訓練 {day.isoformat()}: 支援者に連絡つかず"
    assert flags[1].reason == f"訓練 {day.isoformat()}: 応答なし"
    db.refresh(plan)
    assert plan.status is PlanStatus.NEEDS_REVIEW
    # Through the plan's own save path: a new version and its audit event.
    assert plan.version == version + 1
    versions = db.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)).all()
    assert [v.changed for v in versions] == [["status"]]
    actions = {e.action for e in db.scalars(select(AuditEvent))}
    assert {"plan.update", "drill.flag"} <= actions


def test_a_report_without_findings_flags_nothing(
    db: Session, world: dict[str, Any], scenario: DrillScenario
) -> None:
    plan = agreed_plan(db, world["consenting"])
    report(db, world, scenario.operation, "consenting")
    assert flags_of(db, world["consenting"]) == []
    db.refresh(plan)
    assert plan.status is PlanStatus.AGREED


def test_a_draft_plan_keeps_its_status_but_the_person_is_flagged(
    db: Session, world: dict[str, Any], scenario: DrillScenario
) -> None:
    plan = agreed_plan(db, world["consenting"])
    plan.status = PlanStatus.DRAFT
    db.flush()
    report(db, world, scenario.operation, "consenting", Finding.ROUTE_BLOCKED)
    db.refresh(plan)
    assert plan.status is PlanStatus.DRAFT
    assert [f.finding for f in flags_of(db, world["consenting"])] == [Finding.ROUTE_BLOCKED]


def test_a_real_operation_refuses_findings_and_stores_nothing(
    db: Session, world: dict[str, Any]
) -> None:
    operation = running_operation(db, world)
    with pytest.raises(SafetyRefused) as refused:
        report(db, world, operation, "consenting", Finding.NO_ANSWER)
    assert refused.value.code == "findings_drill_only"
    assert flags_of(db, world["consenting"]) == []


def test_other_needs_a_note(db: Session, world: dict[str, Any], scenario: DrillScenario) -> None:
    with pytest.raises(SafetyRefused) as refused:
        report(db, world, scenario.operation, "consenting", Finding.OTHER)
    assert refused.value.code == "other_finding_needs_note"
    stored = report(db, world, scenario.operation, "consenting", Finding.OTHER,
                    note="玄関の段差で車椅子が出られない")
    assert stored.findings == ["other"]


# ---------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------


def body(person: Any, **changes: Any) -> dict[str, Any]:
    sent = {"registrant_id": person.id, "status": "unreachable", "method": "phone",
            "note": "", "client_id": "f1b2c3d4-0000-4000-8000-000000000001"}
    sent.update(changes)
    return sent


def test_the_api_takes_findings_in_a_drill(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any],
    scenario: DrillScenario,
) -> None:
    auth.login("t_partner")
    url = f"/api/v1/safety/operations/{scenario.operation_id}/reports"
    response = client.post(url, json=body(world["consenting"], findings=["wrong_phone"]))
    assert response.status_code == 201, response.get_json()
    assert [f.finding for f in flags_of(db, world["consenting"])] == [Finding.WRONG_PHONE]


@pytest.mark.parametrize("findings", [["wrong_phone", "lost"], "no_answer", [1]])
def test_the_api_refuses_unknown_findings(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any],
    scenario: DrillScenario, findings: Any,
) -> None:
    auth.login("t_partner")
    url = f"/api/v1/safety/operations/{scenario.operation_id}/reports"
    response = client.post(url, json=body(world["consenting"], findings=findings))
    assert response.status_code == 400
    assert "findings must be a list of" in response.get_json()["error"]


def test_the_api_refuses_findings_in_a_real_operation(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any]
) -> None:
    operation = running_operation(db, world)
    auth.login("t_partner")
    url = f"/api/v1/safety/operations/{operation.id}/reports"
    response = client.post(url, json=body(world["consenting"], findings=["no_answer"]))
    assert response.status_code == 400
    assert response.get_json()["error"] == "Findings are recorded in a drill only."


# ---------------------------------------------------------------------------------------------
# The plan queue
# ---------------------------------------------------------------------------------------------


def test_a_serious_finding_raises_a_person_without_a_plan_in_the_queue(
    db: Session, world: dict[str, Any], scenario: DrillScenario
) -> None:
    person = world["consenting"]
    before = sql_scores(db, DEFAULT_WEIGHTS, [person.id])[person.id]
    report(db, world, scenario.operation, "consenting", Finding.NO_ANSWER)
    assert sql_scores(db, DEFAULT_WEIGHTS, [person.id])[person.id] == before
    report(db, world, scenario.operation, "consenting", Finding.EQUIPMENT_PROBLEM)
    after = sql_scores(db, DEFAULT_WEIGHTS, [person.id])[person.id]
    assert after == before + DEFAULT_WEIGHTS["drill_finding"]
    # The reference says the same, with the reason.
    flagged = person.id in seriously_flagged(db, [person.id])
    points, reasons = score(person_of(person, None, None, flagged), DEFAULT_WEIGHTS)
    assert points == after and ("drill_finding", 30) in reasons
    # Cleared, it no longer counts.
    for flag in flags_of(db, person):
        flag.cleared_at = flag.created_at
    db.flush()
    assert sql_scores(db, DEFAULT_WEIGHTS, [person.id])[person.id] == before


# ---------------------------------------------------------------------------------------------
# Clearing a flag, and the pages that show flags
# ---------------------------------------------------------------------------------------------


def review_flag_id(w: dict[str, Any]) -> int:
    """A flag on the refusing person from a drill (made once per test, kept in the world)."""
    from roster.extensions import db as database

    if "review_flag" not in w:
        scenario = drill(database.session, w)
        w["review_flag"] = raw_flag(database.session, scenario, w["refusing"].id,
                                    Finding.ROUTE_BLOCKED)
    return int(w["review_flag"].id)


def test_staff_see_the_flag_on_the_plan_page_and_clear_it(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any],
    scenario: DrillScenario,
) -> None:
    person = world["consenting"]
    plan = agreed_plan(db, person)
    report(db, world, scenario.operation, "consenting", Finding.DESTINATION_UNSUITABLE)
    flag = flags_of(db, person)[0]
    auth.login("t_staff")
    page = client.get(f"/plans/{person.id}").get_data(as_text=True)
    assert f"要見直し: {flag.reason}" in page
    assert f"/drills/flags/{flag.id}/clear" in page
    listing = client.get("/plans/?status=needs_review").get_data(as_text=True)
    assert flag.reason in listing
    response = client.post(f"/drills/flags/{flag.id}/clear")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{person.id}")
    db.refresh(flag)
    assert flag.cleared_at is not None and flag.cleared_by_id == world["users"]["staff"].id
    cleared = db.scalars(select(AuditEvent).where(AuditEvent.action == "drill.flag_cleared"))
    assert [e.object_id for e in cleared] == [str(person.id)]
    after = client.get(f"/plans/{person.id}").get_data(as_text=True)
    assert f"要見直し: {flag.reason}" not in after
    db.refresh(plan)
    assert plan.status is PlanStatus.NEEDS_REVIEW  # the plan itself is reviewed by editing it


def test_a_flag_on_a_person_staff_may_not_see_answers_404(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any],
    scenario: DrillScenario,
) -> None:
    auth.login("t_staff")
    assert client.post("/drills/flags/999999/clear").status_code == 404


def test_the_queue_shows_the_drill_reason(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any],
    scenario: DrillScenario,
) -> None:
    report(db, world, scenario.operation, "consenting", Finding.SUPPORTER_UNAVAILABLE,
           Finding.NO_ANSWER)
    auth.login("t_staff")
    page = client.get("/priority/?sort=score").get_data(as_text=True)
    assert "訓練で重大な気づき +30" in page
    assert ": 支援者に連絡つかず" in page
    assert ": 応答なし" not in page  # not serious: the plan page and list show it


# ---------------------------------------------------------------------------------------------
# 訓練 on the phone page, the entry screen and the sheets; findings offered in a drill only
# ---------------------------------------------------------------------------------------------


def test_the_phone_page_of_a_drill_says_so_and_offers_the_findings(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any],
    scenario: DrillScenario,
) -> None:
    auth.login("t_partner")
    page = client.get(f"/portal/safety/{scenario.operation_id}").get_data(as_text=True)
    assert 'class="drill-banner"' in page and "これは訓練です" in page
    assert 'name="findings" value="supporter_unavailable"' in page
    assert "支援者に連絡つかず" in page


def test_the_phone_page_of_a_real_operation_offers_no_findings(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any]
) -> None:
    operation = running_operation(db, world)
    auth.login("t_partner")
    page = client.get(f"/portal/safety/{operation.id}").get_data(as_text=True)
    assert 'name="findings"' not in page and "drill-banner" not in page


def test_the_entry_screen_of_a_drill_records_findings(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any],
    scenario: DrillScenario,
) -> None:
    auth.login("t_staff")
    url = f"/safety/{scenario.operation_id}/entry"
    page = client.get(url).get_data(as_text=True)
    assert "drill-banner" in page and 'name="findings"' in page
    person = world["consenting"]
    sent = {"number": str(person.id), "status": "unreachable", "method": "phone", "note": "",
            "findings": ["no_answer", "wrong_phone"]}
    assert client.post(url, data=sent).status_code == 303
    assert {f.finding for f in flags_of(db, person)} == {Finding.NO_ANSWER, Finding.WRONG_PHONE}
    sent["findings"] = ["other"]
    assert client.post(url, data=sent).status_code == 422


def test_the_check_sheet_of_a_drill_says_so_in_its_header(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any],
    scenario: DrillScenario,
) -> None:
    from roster.safety.sheets import make_district_sheet

    staff = viewer_of(world["users"]["staff"], db)
    sheet = make_district_sheet(db, staff, scenario.operation, world["districts"][0].id)
    auth.login("t_staff")
    page = client.get(f"/safety/{scenario.operation_id}/sheets/{sheet.id}").get_data(as_text=True)
    assert '<span class="drill-mark">訓練</span>' in page
    assert "drill-banner" in client.get(f"/safety/{scenario.operation_id}/sheets").get_data(
        as_text=True)


def test_only_the_organisations_the_scenario_names_take_part_in_a_drill(
    db: Session, world: dict[str, Any], client: IsolatedClient, auth: AuthActions
) -> None:
    from roster.safety.operations import targets

    scenario = drill(db, world)
    operation = scenario.operation
    assert operation is not None
    partner = viewer_of(world["users"]["partner"], db)
    assert targets(db, partner, operation)  # named: the partner has people to confirm
    scenario.organisations = []
    db.commit()
    partner = viewer_of(world["users"]["partner"], db)
    assert targets(db, partner, operation) == []
    auth.login("t_partner")
    listed = client.get("/api/v1/safety/operations").get_json()
    assert operation.id not in [o["id"] for o in listed["items"]]
    assert client.get(f"/portal/safety/{operation.id}").status_code == 404


def test_the_report_counts_each_flagged_plan_once_and_no_person_without_a_plan(
    db: Session, world: dict[str, Any]
) -> None:
    from roster.drills.aar import flagged_plans

    scenario = drill(db, world)
    with_plan, without = world["consenting"], world["unasked"]
    agreed_plan(db, with_plan)
    assert db.scalar(select(Plan.id).where(Plan.registrant_id == without.id)) is None
    for person, finding in ((with_plan, Finding.NO_ANSWER), (with_plan, Finding.WRONG_PHONE),
                            (without, Finding.ROUTE_BLOCKED)):
        raw_flag(db, scenario, person.id, finding)
    db.flush()
    assert flagged_plans(db, scenario) == 1


def test_the_plan_says_which_drill_report_flagged_it_and_staff_read_its_note(
    db: Session, world: dict[str, Any], scenario: DrillScenario, client: Any, auth: Any
) -> None:
    from .test_access import sign_in

    person = world["consenting"]
    agreed_plan(db, person)
    report(db, world, scenario.operation, "consenting", Finding.DESTINATION_UNSUITABLE,
           note="入口に段差があり車椅子で入れない")
    db.commit()
    sign_in(auth, "staff")
    page = client.get(f"/plans/{person.id}").get_data(as_text=True)
    assert "入口に段差があり車椅子で入れない" in page and "が報告" in page
    assert "職員が要見直しに設定しました" not in page  # the drill did, and the page says so


def test_the_report_counts_people_with_a_serious_finding_and_no_plan(
    db: Session, world: dict[str, Any], scenario: DrillScenario
) -> None:
    from roster.drills.aar import flagged_plans, serious_without_plan

    agreed_plan(db, world["consenting"])
    report(db, world, scenario.operation, "consenting", Finding.SUPPORTER_UNAVAILABLE)
    report(db, world, scenario.operation, "refusing", Finding.SUPPORTER_UNAVAILABLE, user="staff")
    report(db, world, scenario.operation, "unasked", Finding.WRONG_PHONE, user="staff")
    assert flagged_plans(db, scenario) == 1
    assert serious_without_plan(db, scenario) == 1
