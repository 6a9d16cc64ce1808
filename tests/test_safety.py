"""Safety operations: reports are append-only, a resent client ID writes once, and who may
report whom is the access rule's answer."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import NotFound

from roster.models import (
    AppendOnlyError,
    AuditEvent,
    EvacuationPlace,
    HazardKind,
    HazardLayer,
    RegistrantHazard,
    ReportMethod,
    SafetyReport,
    SafetyStatus,
)
from roster.safety.operations import (
    OperationPlan,
    ReportEntry,
    SafetyRefused,
    current_status,
    end_operation,
    latest_reports,
    record_report,
    start_operation,
    targets,
)
from roster.versioning import StaleEditError
from roster.viewer import viewer_of


@pytest.fixture()
def staff(db, world):
    return viewer_of(world["users"]["staff"], db)


@pytest.fixture()
def partner(db, world):
    return viewer_of(world["users"]["partner"], db)


@pytest.fixture()
def operation(db, world, staff):
    plan = OperationPlan(name="台風第10号 安否確認", disaster="令和8年台風第10号",
                         districts=list(world["districts"]))
    return start_operation(db, staff, plan)


def report(db, viewer, operation, person, status=SafetyStatus.SAFE_HOME, **kw):
    entry = ReportEntry(status=status, method=kw.pop("method", ReportMethod.VISIT), **kw)
    return record_report(db, viewer, operation, person.id, entry)


def count_reports(db, operation):
    query = select(func.count(SafetyReport.id)).where(SafetyReport.operation_id == operation.id)
    return db.scalar(query)


def test_starting_and_ending_an_operation_is_audited(db, staff, operation):
    end_operation(db, staff, operation, expected_version=operation.version)
    actions = db.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "safety_operation",
        AuditEvent.object_id == str(operation.id))).all()
    assert actions == ["safety.start", "safety.end"]
    assert operation.ended_at is not None and operation.ended_by_id == staff.user.id


def test_only_staff_start_or_end_an_operation(db, world, partner, operation):
    plan = OperationPlan(name="x", disaster="x", districts=[world["districts"][0]])
    with pytest.raises(SafetyRefused):
        start_operation(db, partner, plan)
    with pytest.raises(SafetyRefused):
        end_operation(db, partner, operation)


def test_an_operation_needs_an_area(db, staff):
    with pytest.raises(SafetyRefused):
        start_operation(db, staff, OperationPlan(name="x", disaster="x"))


def test_ending_from_a_stale_version_is_refused(db, staff, operation):
    with pytest.raises(StaleEditError):
        end_operation(db, staff, operation, expected_version=operation.version + 1)
    assert operation.ended_at is None


def test_a_report_cannot_be_updated_through_the_orm(db, world, staff, operation):
    stored = report(db, staff, operation, world["consenting"])
    stored.status = SafetyStatus.INJURED
    with pytest.raises(AppendOnlyError):
        db.flush()
    db.rollback()


def test_a_report_cannot_be_deleted_through_the_orm(db, world, staff, operation):
    db.delete(report(db, staff, operation, world["consenting"]))
    with pytest.raises(AppendOnlyError):
        db.flush()
    db.rollback()


@pytest.mark.parametrize("statement", [
    "UPDATE safety_reports SET status = 'deceased'",
    "DELETE FROM safety_reports",
])
def test_the_database_refuses_to_change_a_report(db, world, staff, operation, statement):
    report(db, staff, operation, world["consenting"])
    savepoint = db.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement))
    savepoint.rollback()
    assert count_reports(db, operation) == 1


def test_core_update_and_delete_of_reports_are_refused(db, world, staff, operation):
    report(db, staff, operation, world["consenting"])
    for statement in (update(SafetyReport).values(note="x"), delete(SafetyReport)):
        savepoint = db.begin_nested()
        with pytest.raises((DBAPIError, AppendOnlyError)):
            db.execute(statement.execution_options(synchronize_session=False))
        savepoint.rollback()
    assert count_reports(db, operation) == 1


def test_a_resent_client_id_writes_once(db, world, partner, operation):
    first = report(db, partner, operation, world["consenting"], client_id="phone-1-0001")
    again = report(db, partner, operation, world["consenting"], client_id="phone-1-0001",
                   status=SafetyStatus.INJURED)
    assert again.id == first.id and again.status is SafetyStatus.SAFE_HOME
    assert count_reports(db, operation) == 1
    assert first.organisation_id == world["organisation"].id


def test_a_client_id_reused_for_another_person_is_refused(db, world, staff, operation):
    report(db, staff, operation, world["consenting"], client_id="c-1")
    with pytest.raises(SafetyRefused):
        report(db, staff, operation, world["elsewhere"], client_id="c-1")
    assert count_reports(db, operation) == 1


def test_a_partner_sees_and_reports_only_whom_the_rule_gives(db, world, partner, operation):
    assert [p.id for p in targets(db, partner, operation)] == [world["consenting"].id]
    for hidden in ("refusing", "unasked", "elsewhere"):
        with pytest.raises(NotFound):
            report(db, partner, operation, world[hidden])
    with pytest.raises(NotFound):
        record_report(db, partner, operation, 987654321,
                      ReportEntry(SafetyStatus.SAFE_HOME, ReportMethod.PHONE))
    assert count_reports(db, operation) == 0


def test_staff_target_every_active_person_in_the_area(db, world, staff, operation):
    expected = {world[k].id for k in ("consenting", "refusing", "unasked", "elsewhere")}
    assert {p.id for p in targets(db, staff, operation)} == expected


def test_a_person_outside_the_area_is_not_a_target(db, world, staff):
    plan = OperationPlan(name="A", disaster="x", districts=[world["districts"][0]])
    operation = start_operation(db, staff, plan)
    with pytest.raises(NotFound):
        report(db, staff, operation, world["elsewhere"])


def test_hazard_areas_bring_their_people_in(db, world, staff):
    layer = HazardLayer(kind=HazardKind.FLOOD, name="洪水", crs="EPSG:6677")
    db.add_all([layer, RegistrantHazard(registrant_id=world["elsewhere"].id, flood_rank=3),
                RegistrantHazard(registrant_id=world["unasked"].id, flood_rank=1)])
    db.flush()
    plan = OperationPlan(name="浸水", disaster="x", hazard_layer=layer, min_flood_rank=2)
    operation = start_operation(db, staff, plan)
    assert [p.id for p in targets(db, staff, operation)] == [world["elsewhere"].id]


def test_the_derived_status_is_the_latest_report(db, world, staff, partner, operation):
    person = world["consenting"]
    assert current_status(db, operation)[person.id] is SafetyStatus.UNCONFIRMED
    report(db, partner, operation, person, SafetyStatus.UNREACHABLE, method=ReportMethod.PHONE)
    report(db, partner, operation, person, SafetyStatus.NEEDS_HELP, note="薬が切れた")
    report(db, staff, operation, person, SafetyStatus.EVACUATED,
           evacuated_to=EvacuationPlace.RELATIVES)
    report(db, staff, operation, world["elsewhere"], SafetyStatus.SAFE_HOME)
    statuses = current_status(db, operation)
    history = db.scalars(select(SafetyReport).where(
        SafetyReport.operation_id == operation.id).order_by(SafetyReport.id)).all()
    for registrant_id in {r.registrant_id for r in history}:
        last = [r for r in history if r.registrant_id == registrant_id][-1]
        assert statuses[registrant_id] is last.status
    assert statuses[person.id] is SafetyStatus.EVACUATED
    assert statuses[world["unasked"].id] is SafetyStatus.UNCONFIRMED
    assert {r.id for r in latest_reports(db, operation)} == {
        max(r.id for r in history if r.registrant_id == rid)
        for rid in {r.registrant_id for r in history}}


def test_an_ended_operation_takes_no_reports(db, world, staff, operation):
    end_operation(db, staff, operation)
    with pytest.raises(SafetyRefused):
        report(db, staff, operation, world["consenting"])
    assert count_reports(db, operation) == 0


def test_only_staff_record_a_death(db, world, staff, partner, operation):
    with pytest.raises(SafetyRefused):
        report(db, partner, operation, world["consenting"], SafetyStatus.DECEASED)
    assert count_reports(db, operation) == 0
    stored = report(db, staff, operation, world["consenting"], SafetyStatus.DECEASED,
                    note="消防から")
    assert stored.status is SafetyStatus.DECEASED


def test_a_place_goes_with_evacuation_only(db, world, staff, operation):
    with pytest.raises(SafetyRefused):
        report(db, staff, operation, world["consenting"], SafetyStatus.SAFE_HOME,
               evacuated_to=EvacuationPlace.CAR)


def test_every_safety_code_has_a_label():
    from roster.labels import LABELS
    from roster.models import OperationKind

    for enum_cls in (OperationKind, SafetyStatus, EvacuationPlace, ReportMethod):
        assert all(member in LABELS for member in enum_cls)


def test_the_people_most_at_risk_come_first(db, world, factory, staff, operation):
    from roster.models import Household, Mobility
    from roster.safety.ranking import ranked

    district = world["districts"][1]
    plain = dict(device_ventilator=False, mobility=Mobility.INDEPENDENT,
                 household=Household.WITH_OTHERS)
    ventilator = factory.registrant(district, **{**plain, "device_ventilator": True},
                                    name_kana="ン")
    bedridden = factory.registrant(district, **{**plain, "mobility": Mobility.BEDRIDDEN},
                                   name_kana="ン")
    alone = factory.registrant(district, **{**plain, "household": Household.ALONE},
                               name_kana="ア")
    db.flush()
    order = [p.registrant_id for p in targets(db, staff, operation)]
    assert order.index(ventilator.id) < order.index(bedridden.id) < order.index(alone.id)
    every = ranked(db, staff, targets(db, staff, operation))
    assert [t.score for t in every] == sorted((t.score for t in every), reverse=True)
    mine = next(t for t in every if t.person.registrant_id == ventilator.id)
    assert mine.reasons == [("ventilator", 60), ("no_supporter", 15)] and mine.band == "A"


def test_a_rank_goes_with_a_flood_layer_and_zones_with_a_landslide_layer(db, world, staff):
    flood = HazardLayer(name="洪水", kind=HazardKind.FLOOD, crs="EPSG:6677")
    db.add(flood)
    db.flush()
    with pytest.raises(SafetyRefused) as refused:
        start_operation(db, staff, OperationPlan(name="x", disaster="x", hazard_layer=flood,
                                                 every_landslide_zone=True))
    assert refused.value.code == "landslide_needs_landslide_layer"
    with pytest.raises(SafetyRefused) as refused:
        start_operation(db, staff, OperationPlan(name="x", disaster="x", min_flood_rank=2))
    assert refused.value.code == "rank_needs_flood_layer"
    assert start_operation(db, staff, OperationPlan(name="x", disaster="x", hazard_layer=flood,
                                                    min_flood_rank=2)).id


def test_a_refusal_speaks_the_users_language(app, db, world, partner, operation):
    from flask_babel import force_locale

    with pytest.raises(SafetyRefused) as refused:
        report(db, partner, operation, world["consenting"], status=SafetyStatus.DECEASED)
    with app.test_request_context(), force_locale("ja"):
        assert "職員" in str(refused.value)
    with app.test_request_context(), force_locale("en"):
        assert str(refused.value).startswith("Only staff record a death")


def test_the_persons_page_shows_the_history_and_the_note_to_staff_only(
    app, db, world, staff, partner, operation, auth, client
):
    person = world["consenting"]
    report(db, staff, operation, person, status=SafetyStatus.NEEDS_HELP, note="酸素ボンベ残り少")
    report(db, partner, operation, person, status=SafetyStatus.EVACUATED,
           evacuated_to=EvacuationPlace.RELATIVES, note="長女宅へ")
    db.commit()
    auth.login("t_staff")
    page = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert page.index("長女宅へ") < page.index("酸素ボンベ残り少")  # newest first
    assert "台風第10号 安否確認" in page and ">要支援<" in page
    auth.logout()
    auth.login("t_partner")
    page = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert "台風第10号 安否確認" in page
    assert "酸素ボンベ残り少" not in page and "長女宅へ" not in page


def test_a_status_keeps_its_own_label_beside_a_consent_state_of_the_same_value(app):
    from flask_babel import force_locale

    from roster.labels import label
    from roster.models import ConsentState

    with app.test_request_context(), force_locale("en"):
        assert label(SafetyStatus.UNCONFIRMED) == "Not yet confirmed"
        assert label(ConsentState.UNCONFIRMED) == "Not confirmed"
