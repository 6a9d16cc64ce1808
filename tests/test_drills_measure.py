"""Measuring a drill: each person's time to the first report, the grouped figures against a
recount, objective verdicts that agree with the times (exactly at the minute too), the
after-action report, corrective actions and the drill-over-drill table."""

from __future__ import annotations

import csv
import io
import json
import statistics
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from roster.drills import measure
from roster.models import (
    AuditEvent,
    DrillObjective,
    DrillScenario,
    Household,
    Mobility,
    OperationKind,
    Plan,
    ReportMethod,
    SafetyStatus,
    Shelter,
)
from roster.models.base import utcnow
from roster.models.drills import DrillHazard, DrillShelterOpening, ObjectiveKind, Verdict
from roster.safety.operations import OperationPlan, ReportEntry, record_report, start_operation
from roster.viewer import viewer_of

S = SafetyStatus


@pytest.fixture()
def staff(db, world):
    return viewer_of(world["users"]["staff"], db)


def make_drill(db, world, staff, *, name="総合防災訓練", start=None, objectives=()):
    """A scenario started as a drill (as the plan pages start one)."""
    start = start or utcnow().replace(microsecond=0) - timedelta(hours=5)
    scenario = DrillScenario(
        name=name, planned_start=start, planned_end=start + timedelta(hours=3),
        hazard=DrillHazard.EARTHQUAKE, districts=list(world["districts"]),
        organisations=[world["organisation"]], created_by=world["users"]["staff"],
    )
    for i, (kind, band, percent, minutes) in enumerate(objectives):
        scenario.objectives.append(
            DrillObjective(position=i, kind=kind, band=band, percent=percent, minutes=minutes))
    db.add(scenario)
    plan = OperationPlan(name=f"訓練 {name}", disaster="訓練", districts=list(world["districts"]))
    operation = start_operation(db, staff, plan, now=start)
    operation.kind = OperationKind.DRILL
    scenario.operation = operation
    db.flush()
    return scenario


@pytest.fixture()
def drill(db, world, staff):
    return make_drill(db, world, staff)


def put(db, viewer, operation, person, status, seconds, **kw):
    entry = ReportEntry(status=status, method=kw.pop("method", ReportMethod.VISIT), **kw)
    at = operation.started_at + timedelta(seconds=seconds)
    return record_report(db, viewer, operation, person.id, entry, now=at)


def config():
    c = current_app.config
    return c["PLAN_PRIORITY_WEIGHTS"], c["PLAN_PRIORITY_BANDS"]


def times(db, viewer, operation):
    return measure.person_seconds(db, measure.timed(db, viewer, operation, *config()))


def test_time_to_first_report_skips_unconfirmed_and_unreachable(db, world, staff, drill):
    op = drill.operation
    put(db, staff, op, world["consenting"], S.UNCONFIRMED, 60)
    put(db, staff, op, world["consenting"], S.SAFE_HOME, 600)
    put(db, staff, op, world["consenting"], S.EVACUATED, 900)
    put(db, staff, op, world["refusing"], S.UNREACHABLE, 1800)
    put(db, staff, op, world["unasked"], S.UNCONFIRMED, 120)
    got = times(db, staff, op)
    assert got[world["consenting"].id] == 600
    assert got[world["refusing"].id] is None  # 不在・連絡つかず says nothing of how they are
    assert got[world["unasked"].id] is None
    assert got[world["elsewhere"].id] is None


def test_a_report_dated_before_the_start_counts_as_at_the_start(db, world, staff, drill):
    put(db, staff, drill.operation, world["consenting"], S.SAFE_HOME, -300)
    assert times(db, staff, drill.operation)[world["consenting"].id] == 0


def _spread(db, world, factory, staff, op, delays):
    """People in district A reported after `delays` seconds (None: never)."""
    people = []
    for delay in delays:
        person = factory.registrant(world["districts"][0])
        if delay is not None:
            put(db, staff, op, person, S.SAFE_HOME, delay)
        people.append(person)
    return people


def test_grouped_figures_equal_a_recount_of_the_times(db, world, factory, staff, drill):
    op = drill.operation
    _spread(db, world, factory, staff, op, [60, 1799, 1800, 1801, 3600, 7200, 7201, None])
    put(db, staff, op, world["elsewhere"], S.SAFE_HOME, 2400)
    figures = measure.measure(db, staff, op, *config(), staff_label="市")
    every = times(db, staff, op)
    reached = sorted(s for s in every.values() if s is not None)
    assert figures.overall.people == len(every)
    assert figures.overall.reached == len(reached)
    for minutes in measure.WITHIN_MINUTES:
        assert figures.overall.within[minutes] == sum(1 for s in reached if s <= minutes * 60)
    assert figures.overall.within[30] == 3  # 60, 1799 and exactly 1800
    assert figures.overall.median_seconds == pytest.approx(statistics.median(reached))
    by_district = {row.key: row for row in figures.districts}
    assert by_district[world["districts"][1].id].reached == 1
    assert sum(r.people for r in figures.districts) == len(every)
    assert sum(r.people for r in figures.bands) == len(every)
    # Every report was staff's: one organisation row, the staff label, with everyone reached.
    assert [(r.label, r.people) for r in figures.organisations] == [("市", len(reached))]
    assert figures.timeline[0].minute == 0 and figures.timeline[-1].cumulative == len(reached)


def test_organisation_is_that_of_the_first_report(db, world, staff, drill):
    op = drill.operation
    partner = viewer_of(world["users"]["partner"], db)
    put(db, partner, op, world["consenting"], S.SAFE_HOME, 300)
    put(db, staff, op, world["consenting"], S.EVACUATED, 200)  # earlier, entered later
    figures = measure.measure(db, staff, op, *config(), staff_label="市")
    assert [(r.label, r.people) for r in figures.organisations] == [("市", 1)]


def test_judge_is_exact_at_the_target_and_at_half_of_it():
    assert measure.judge(50, 40, 40, 80) is Verdict.MET  # exactly 80 %
    assert measure.judge(50, 39, 39, 80) is Verdict.PARTLY_MET
    assert measure.judge(50, 20, 20, 80) is Verdict.PARTLY_MET  # exactly half the target
    assert measure.judge(50, 19, 49, 80) is Verdict.NOT_MET
    assert measure.judge(50, 19, 50, 80) is Verdict.PARTLY_MET  # everyone, some too late
    assert measure.judge(0, 0, 0, 80) is Verdict.NOT_MET  # nothing measured
    assert measure.judge(3, 3, 3, 100) is Verdict.MET


def _verdicts(db, staff, scenario):
    return measure.verdicts(db, staff, scenario.operation, list(scenario.objectives), *config())


@pytest.mark.parametrize(
    ("last", "verdict"), [(3600, Verdict.MET), (3601, Verdict.PARTLY_MET)]
)
def test_share_verdict_at_exactly_the_minute(db, world, factory, staff, last, verdict):
    scenario = make_drill(db, world, staff, objectives=[
        (ObjectiveKind.SHARE_CONFIRMED, None, 100, 60)])
    op = scenario.operation
    for person in (world["consenting"], world["refusing"], world["unasked"]):
        put(db, staff, op, person, S.SAFE_HOME, 100)
    put(db, staff, op, world["elsewhere"], S.SAFE_HOME, last)
    [result] = _verdicts(db, staff, scenario)
    assert (result.total, result.hit, result.reached) == (4, 4 if last == 3600 else 3, 4)
    assert result.verdict is verdict
    every = times(db, staff, op)
    assert (result.verdict is Verdict.MET) == all(s is not None and s <= 3600
                                                  for s in every.values())


def test_share_verdict_of_one_band_counts_that_band_only(db, world, factory, staff):
    scenario = make_drill(db, world, staff, objectives=[
        (ObjectiveKind.SHARE_CONFIRMED, "C", 50, 30)])
    calm = factory.registrant(world["districts"][0], device_ventilator=False,
                              mobility=Mobility.INDEPENDENT, household=Household.WITH_OTHERS)
    put(db, staff, scenario.operation, calm, S.SAFE_HOME, 1800)
    [result] = _verdicts(db, staff, scenario)
    assert result.total >= 1 and result.hit == result.total == 1
    assert result.verdict is Verdict.MET and result.percent == "100"


def test_ventilator_verdict(db, world, factory, staff):
    scenario = make_drill(db, world, staff, objectives=[
        (ObjectiveKind.VENTILATOR_REACHED, None, 100, 30)])
    op = scenario.operation
    quiet = factory.registrant(world["districts"][0], device_ventilator=False)
    users = [world[k] for k in ("consenting", "refusing", "unasked", "elsewhere")]
    for person in users[:3]:
        put(db, staff, op, person, S.SAFE_HOME, 1800)
    [result] = _verdicts(db, staff, scenario)
    assert (result.total, result.hit) == (4, 3)
    assert result.verdict is Verdict.PARTLY_MET  # 75 % is at least half of 100 %
    put(db, staff, op, quiet, S.UNCONFIRMED, 10)
    put(db, staff, op, users[3], S.NEEDS_HELP, 1800)
    [result] = _verdicts(db, staff, scenario)
    assert (result.total, result.hit, result.verdict) == (4, 4, Verdict.MET)


def _shelter(db, name, welfare=True):
    place = Shelter(source_id=f"E-{name}", name=name, address="東京都テスト市", latitude=35.7,
                    longitude=139.5, is_welfare_shelter=welfare, source="テスト")
    db.add(place)
    db.flush()
    return place


def test_shelters_verdict_counts_the_plans_shelters_and_the_opened_ones(db, world, staff):
    scenario = make_drill(db, world, staff, objectives=[
        (ObjectiveKind.SHELTERS_OPENED, None, 100, 90)])
    op = scenario.operation
    named, opened, plain = _shelter(db, "福祉会館"), _shelter(db, "福祉センター"), _shelter(
        db, "小学校", welfare=False)
    db.add(Plan(registrant_id=world["consenting"].id, destination_shelter_id=named.id,
                made_on=date.today(), review_on=date.today()))
    db.flush()

    def opening(shelter, minutes):
        db.add(DrillShelterOpening(operation_id=op.id, shelter_id=shelter.id,
                                   opened_at=op.started_at + timedelta(minutes=minutes),
                                   recorded_by_id=world["users"]["staff"].id))
        db.flush()
    opening(opened, 90)
    [result] = _verdicts(db, staff, scenario)
    assert (result.total, result.hit, result.reached) == (2, 1, 1)
    assert result.verdict is Verdict.PARTLY_MET
    opening(named, 91)
    [result] = _verdicts(db, staff, scenario)
    assert (result.total, result.hit, result.reached, result.verdict) == (
        2, 1, 2, Verdict.PARTLY_MET)
    opening(plain, 10)  # not a welfare shelter: not counted
    [result] = _verdicts(db, staff, scenario)
    assert result.total == 2


def test_no_one_to_measure_is_not_met(db, world, staff):
    scenario = make_drill(db, world, staff, objectives=[
        (ObjectiveKind.SHELTERS_OPENED, None, 100, 90)])
    [result] = _verdicts(db, staff, scenario)
    assert (result.total, result.verdict) == (0, Verdict.NOT_MET)



def test_shelters_the_drill_people_are_assigned_to_count_too(db, world, staff):
    """Shelters carry no district: a welfare shelter is the drill's when its people are
    assigned to it as their nearest suitable shelter for the simulated hazard (an earthquake
    here), even with no plan naming it."""
    from roster.models import ShelterAssignment

    scenario = make_drill(db, world, staff, objectives=[
        (ObjectiveKind.SHELTERS_OPENED, None, 100, 90)])
    nearest, far = _shelter(db, "福祉の家"), _shelter(db, "遠くの福祉施設")
    db.add(ShelterAssignment(hazard="earthquake", registrant_id=world["consenting"].id,
                             shelter_id=nearest.id, distance_m=300.0))
    db.add(ShelterAssignment(hazard="flood", registrant_id=world["consenting"].id,
                             shelter_id=far.id, distance_m=900.0))  # not the drill's hazard
    db.flush()
    [result] = _verdicts(db, staff, scenario)
    assert (result.total, result.hit) == (1, 0)
    db.add(DrillShelterOpening(operation_id=scenario.operation.id, shelter_id=nearest.id,
                               opened_at=scenario.operation.started_at + timedelta(minutes=30),
                               recorded_by_id=world["users"]["staff"].id))
    db.flush()
    [result] = _verdicts(db, staff, scenario)
    assert (result.total, result.hit, result.verdict) == (1, 1, Verdict.MET)

# ---------------------------------------------------------------------------------------------
# The after-action report, corrective actions and drill over drill, as pages.
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def finished(db, world, staff):
    """A drill that ended: two of four reached within 30 minutes, one later, one never; an
    objective of 50 % within 30 min and one of every ventilator user within 30 min."""
    scenario = make_drill(db, world, staff, name="=総合防災訓練", objectives=[
        (ObjectiveKind.SHARE_CONFIRMED, None, 50, 30),
        (ObjectiveKind.VENTILATOR_REACHED, None, 100, 30),
    ])
    op = scenario.operation
    put(db, staff, op, world["consenting"], S.SAFE_HOME, 600)
    put(db, staff, op, world["refusing"], S.EVACUATED, 1800)
    put(db, staff, op, world["elsewhere"], S.UNREACHABLE, 5400)
    op.ended_at = op.started_at + timedelta(hours=3)
    db.commit()
    return scenario


def test_the_report_shows_verdicts_with_their_figures_and_no_names(
    client, auth, world, finished
):
    from .test_access import sign_in

    sign_in(auth, "staff")
    page = client.get(f"/drills/{finished.id}/report").get_data(as_text=True)
    assert "50 % (2/4) 30 分以内 / 目標 50 %" in page
    assert "0 % (0/4)" not in page and "(2/4) 30 分以内 / 目標 100 %" in page
    assert page.count("達成") >= 1 and "一部達成" in page  # ventilators: 2 of 4 = half
    for key in ("consenting", "refusing", "unasked", "elsewhere"):
        assert world[key].name not in page
    assert f"<span>{world['unasked'].id}</span>" in page  # staff see the register number
    assert "<svg" in page and "訓練" in page and 'id="timeline-title"' in page


def test_planners_read_the_report_without_register_numbers(client, auth, world, finished):
    from .test_access import sign_in

    sign_in(auth, "planner")
    page = client.get(f"/drills/{finished.id}/report").get_data(as_text=True)
    assert "50 % (2/4)" in page
    assert f"<span>{world['unasked'].id}</span>" not in page
    assert world["unasked"].name not in page


def test_the_csv_starts_with_the_drill_and_cannot_run_a_formula(client, auth, world, finished):
    from .test_access import sign_in

    sign_in(auth, "staff")
    response = client.get(f"/drills/{finished.id}/report.csv")
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["訓練", "'=総合防災訓練"]
    objectives = rows[rows.index(["訓練目標"]) + 2 : rows.index(["訓練目標"]) + 4]
    assert [row[1] for row in objectives] == ["達成", "一部達成"]
    assert objectives[0][2].startswith("50 % (2/4) 30 分以内 / 目標 50 %")
    assert any(row[:1] == [str(world["unasked"].id)] for row in rows)
    assert world["unasked"].name not in text
    assert response.headers["Cache-Control"] == "no-store"


def test_a_stale_edit_of_the_words_is_refused(client, auth, db, finished):
    from .test_access import sign_in

    sign_in(auth, "planner")
    url = f"/drills/{finished.id}/report/edit"
    token = csrf(client, url)
    version = finished.version
    ok = client.post(url, data={"csrf_token": token, "version": version, "strengths": "",
                                "overview": "初めての全市訓練", "improvements": ""})
    assert ok.status_code == 302
    db.refresh(finished)
    assert finished.overview == "初めての全市訓練"
    stale = client.post(url, data={"csrf_token": token, "version": version,
                                   "overview": "上書き", "strengths": "", "improvements": ""})
    assert stale.status_code == 409
    db.refresh(finished)
    assert finished.overview == "初めての全市訓練"


def csrf(client, url):
    """Open the form first (CSRF itself is off in the tests; test_stale_forms covers it)."""
    assert client.get(url).status_code == 200
    return ""


def test_actions_are_made_listed_open_first_and_marked_done(client, auth, db, finished):
    from .test_access import sign_in

    sign_in(auth, "staff")
    new = f"/drills/{finished.id}/actions/new"
    todo = (("支援者の電話番号を確認", "2020-01-31"), ("避難経路を再確認", "2999-12-31"))
    for title, due in todo:
        r = client.post(new, data={"csrf_token": csrf(client, new), "title": title,
                                   "owner": "福祉課", "due_on": due, "status": "open"})
        assert r.status_code == 302
    listing = client.get("/drills/actions").get_data(as_text=True)
    assert listing.index("支援者の電話番号") < listing.index("避難経路")
    assert listing.count("期限切れ") == 1
    [first, _second] = sorted(finished.actions, key=lambda a: a.id)
    url = f"/drills/actions/{first.id}"
    token = csrf(client, url)
    refused = client.post(url, data={"csrf_token": token, "version": first.version,
                                     "title": first.title, "owner": "福祉課",
                                     "due_on": "2020-01-31", "status": "done"})
    assert refused.status_code == 422  # done needs its date
    done = client.post(url, data={"csrf_token": token, "version": first.version,
                                  "title": first.title, "owner": "福祉課", "due_on": "2020-01-31",
                                  "status": "done", "done_on": "2020-01-30"})
    assert done.status_code == 302
    db.refresh(first)
    assert first.status.value == "done" and first.done_on == date(2020, 1, 30)
    listing = client.get("/drills/actions").get_data(as_text=True)
    assert "支援者の電話番号" not in listing and "避難経路" in listing
    assert "支援者の電話番号" in client.get("/drills/actions?status=done").get_data(as_text=True)
    stale = client.post(url, data={"csrf_token": token, "version": first.version - 1,
                                   "title": "x", "owner": "y", "due_on": "2020-01-31",
                                   "status": "open"})
    assert stale.status_code == 409
    events = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("drills.action%")))
    assert sorted(events) == ["drills.action.create", "drills.action.create", "drills.action.edit"]


def test_history_lists_finished_drills_side_by_side(client, auth, db, world, staff, finished):
    from .test_access import sign_in

    make_drill(db, world, staff, name="まだ続く訓練")  # running: not in the table
    db.commit()
    sign_in(auth, "planner")
    page = client.get("/drills/history").get_data(as_text=True)
    assert "=総合防災訓練" in page and "まだ続く訓練" not in page
    assert ">1/2<" in page  # the share objective met, the ventilator one partly
    assert ">50%<" in page  # 2 of 4 within 30 minutes


# ---------------------------------------------------------------------------------------------
# For the shared route tests (test_access, test_stale_forms, ...): a started drill of the
# `place` world and a corrective action of it, made on first use.
# ---------------------------------------------------------------------------------------------


def drill_id(w):
    """The ID of a started drill over the place's districts (made once per world)."""
    if "measure_drill" not in w:
        from roster.extensions import db as database

        session = database.session
        staff_viewer = viewer_of(w["users"]["staff"], session)
        w["measure_drill"] = make_drill(session, w, staff_viewer, name="測定用訓練")
    return w["measure_drill"].id


def action_id(w):
    """The ID of an open corrective action of that drill."""
    if "measure_action" not in w:
        from roster.extensions import db as database
        from roster.models import CorrectiveAction

        drill_id(w)
        action = CorrectiveAction(scenario=w["measure_drill"], title="連絡網の確認",
                                  owner="福祉課", due_on=date.today() + timedelta(days=30),
                                  created_by_id=w["users"]["staff"].id)
        database.session.add(action)
        database.session.flush()
        w["measure_action"] = action
    return w["measure_action"].id


def measure_action(w):
    action_id(w)
    return w["measure_action"]


def measure_drill(w):
    drill_id(w)
    return w["measure_drill"]


def test_reports_of_another_operation_do_not_count_in_the_drill(db, world, staff, drill):
    real = start_operation(db, staff, OperationPlan(name="実災害", disaster="地震",
                                                    districts=list(world["districts"])))
    put(db, staff, real, world["consenting"], S.SAFE_HOME, 60)
    assert times(db, staff, drill.operation)[world["consenting"].id] is None


def test_the_staff_report_logs_the_register_numbers_it_shows(client, auth, db, world, finished):
    from .test_access import sign_in

    sign_in(auth, "staff")
    assert client.get(f"/drills/{finished.id}/report").status_code == 200
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "drills.report.view")).one()
    assert json.loads(event.detail)["people"] == 2  # never reached: no report, and not at home
    auth.logout()
    sign_in(auth, "planner")
    client.get(f"/drills/{finished.id}/report")
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "drills.report.view")).all() \
        == [event]


def test_a_scenario_not_started_has_no_report(client, auth, db, world):
    from .test_access import sign_in

    scenario = DrillScenario(name="予定の訓練", planned_start=utcnow(), planned_end=utcnow(),
                             hazard=DrillHazard.FLOOD, created_by=world["users"]["staff"])
    db.add(scenario)
    db.commit()
    sign_in(auth, "staff")
    assert client.get(f"/drills/{scenario.id}/report").status_code == 404
    assert client.get(f"/drills/{scenario.id}/actions/new").status_code == 404


def test_every_verdict_agrees_with_a_recount_of_the_times(db, world, factory, staff):
    """Times around the minute marks, objectives of several targets: each verdict is what the
    per-person times say, recounted here in Python."""
    import random

    rng = random.Random(14)  # noqa: S311  (test data, not a secret)
    objectives = [(ObjectiveKind.SHARE_CONFIRMED, None, p, m)
                  for p, m in ((50, 30), (80, 60), (60, 60), (100, 120), (90, 45))]
    scenario = make_drill(db, world, staff, objectives=objectives)
    op = scenario.operation
    marks = [1799, 1800, 1801, 2700, 2701, 3599, 3600, 3601, 7199, 7200, 7201, 9000, None]
    _spread(db, world, factory, staff, op, [rng.choice(marks) for _ in range(17)])
    every = times(db, staff, op)
    for result in _verdicts(db, staff, scenario):
        minutes, target = result.objective.minutes, result.objective.percent
        total = len(every)
        hit = sum(1 for s in every.values() if s is not None and s <= minutes * 60)
        reached = sum(1 for s in every.values() if s is not None)
        assert (result.total, result.hit, result.reached) == (total, hit, reached)
        if hit / total >= target / 100:
            want = Verdict.MET
        elif hit / total >= target / 200 or reached == total:
            want = Verdict.PARTLY_MET
        else:
            want = Verdict.NOT_MET
        assert result.verdict is want, (minutes, target, hit, total)
        assert result.percent == measure.floor_percent(hit, total)


def test_a_report_that_found_no_one_never_meets_a_confirmation_objective(db, world, staff):
    """不在・連絡つかず is a report, timed as reaching the person, but it says nothing of how
    they are: an objective of people confirmed is not met by such reports alone."""
    scenario = make_drill(db, world, staff, objectives=[
        (ObjectiveKind.SHARE_CONFIRMED, None, 50, 60),
        (ObjectiveKind.VENTILATOR_REACHED, None, 100, 60)])
    op = scenario.operation
    for key in ("consenting", "refusing", "unasked", "elsewhere"):
        put(db, staff, op, world[key], S.UNREACHABLE, 600)
    share, ventilator = _verdicts(db, staff, scenario)
    for result in (share, ventilator):
        assert (result.hit, result.reached) == (0, 0) and result.verdict is Verdict.NOT_MET
    assert all(s is None for s in times(db, staff, op).values())  # never reached, either
    put(db, staff, op, world["consenting"], S.SAFE_HOME, 900)
    put(db, staff, op, world["refusing"], S.EVACUATED, 1200)
    share, _ventilator = _verdicts(db, staff, scenario)
    assert (share.total, share.hit) == (4, 2) and share.verdict is Verdict.MET


def test_bands_are_those_at_the_drill_start(db, world, factory, staff):
    """A person of band C at the start stays in band C for the drill's objectives, though the
    drill's own serious finding raises their score into another band afterwards."""
    from roster.drills.bands import freeze_bands
    from roster.models import SERIOUS_FINDINGS, DrillBand

    calm = factory.registrant(world["districts"][0], device_ventilator=False,
                              mobility=Mobility.INDEPENDENT, household=Household.WITH_OTHERS)
    scenario = make_drill(db, world, staff, objectives=[
        (ObjectiveKind.SHARE_CONFIRMED, "C", 100, 60)])
    op = scenario.operation
    freeze_bands(db, op)
    frozen = db.scalar(select(DrillBand.band).where(DrillBand.operation_id == op.id,
                                                    DrillBand.registrant_id == calm.id))
    assert frozen == "C"
    weights, bands = config()
    heavy = {**weights, "drill_finding": 1000}
    finding = sorted(SERIOUS_FINDINGS)[0]
    put(db, staff, op, calm, S.SAFE_HOME, 600, findings=(finding,))

    def band_in(people):
        return dict(db.execute(select(people.c.registrant_id, people.c.band)).all())

    assert band_in(measure.timed(db, staff, op, heavy, bands))[calm.id] == "C"
    db.execute(DrillBand.__table__.delete().where(DrillBand.operation_id == op.id))
    assert band_in(measure.timed(db, staff, op, heavy, bands))[calm.id] == "A"  # unfrozen: moved


def test_a_small_share_never_shows_as_nothing():
    assert measure.floor_percent(2, 221) == "< 1"
    assert measure.floor_percent(0, 221) == "0"
    assert measure.floor_percent(79, 100) == "79" and measure.floor_percent(799, 1000) == "79"
    assert measure.floor_percent(1, 0) == ""


def test_the_report_never_shows_a_small_share_as_nothing(client, auth, db, world, factory, staff):
    from .test_access import sign_in

    scenario = make_drill(db, world, staff)
    _spread(db, world, factory, staff, scenario.operation, [60] + [None] * 150)
    scenario.operation.ended_at = scenario.operation.started_at + timedelta(hours=3)
    db.commit()
    sign_in(auth, "staff")
    page = client.get(f"/drills/{scenario.id}/report").get_data(as_text=True)
    assert "<td class=\"num\">&lt; 1%</td>" in page  # the timeline: 1 of 151 by 10 minutes
