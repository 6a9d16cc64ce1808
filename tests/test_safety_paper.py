"""Paper in a safety operation: check sheets printed for a district or an organisation, the
results typed back at the keyboard, and arrivals recorded at shelters."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from roster.models import (
    AgreementStatus,
    AuditEvent,
    EvacuationPlace,
    Mobility,
    Provision,
    ProvisionFormat,
    ReportMethod,
    SafetyOperation,
    SafetyReport,
    SafetySheet,
    SafetyStatus,
)
from roster.safety.arrivals import shelter_tally
from roster.safety.operations import OperationPlan, start_operation, targets
from roster.safety.sheets import ROWS_PER_PAGE
from roster.viewer import viewer_of

from .conftest import AuthActions
from .formpage import form_fields
from .test_shelters import make_shelter


@pytest.fixture()
def operation(db, world):
    plan = OperationPlan(
        name="台風 安否確認", disaster="台風第10号", districts=list(world["districts"])
    )
    operation = start_operation(db, viewer_of(world["users"]["staff"], db), plan)
    db.commit()
    return operation


def paper_sheet_id(w: dict[str, Any]) -> int:
    """A district sheet of the matrix's operation (made once per test, kept in the world)."""
    from roster.extensions import db as database
    from roster.safety.sheets import make_district_sheet

    if "paper_sheet" not in w:
        staff = viewer_of(w["users"]["staff"], database.session)
        w["paper_sheet"] = make_district_sheet(
            database.session, staff, w["operation"], w["districts"][0].id
        )
    return int(w["paper_sheet"].id)


def sign_in(client, role: str) -> None:
    assert AuthActions(client).login(f"t_{role}").status_code == 302


def make_sheet(client, operation, target: str) -> int:
    """Make a sheet through the page; its ID."""
    response = client.post(f"/safety/{operation.id}/sheets", data={"target": target})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def reports(db, operation) -> list[SafetyReport]:
    query = select(SafetyReport).where(SafetyReport.operation_id == operation.id)
    return list(db.scalars(query.order_by(SafetyReport.id)))


def without_tokens(html: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', html)


# ---------------------------------------------------------------------------------------------
# Check sheets
# ---------------------------------------------------------------------------------------------


def test_an_organisations_sheet_lists_exactly_the_people_its_rule_gives_it(
    client, db, world, operation
):
    sign_in(client, "staff")
    sheet_id = make_sheet(client, operation, f"o{world['organisation'].id}")
    sheet = db.get(SafetySheet, sheet_id)
    partner = viewer_of(world["users"]["partner"], db)
    expected = [p.registrant_id for p in targets(db, partner, operation)]
    assert expected == [world["consenting"].id]
    assert [line.registrant_id for line in sheet.lines] == expected
    html = client.get(f"/safety/{operation.id}/sheets/{sheet_id}").get_data(as_text=True)
    assert world["consenting"].name in html
    for hidden in ("refusing", "unasked", "elsewhere"):
        assert world[hidden].name not in html, hidden
    # The agreement gives no medical details: the staff printing it does not get them either.
    assert world["consenting"].support_reason_detail not in html


def test_an_organisations_sheet_is_a_numbered_printed_copy_in_the_ledger(
    client, db, world, operation
):
    sign_in(client, "staff")
    sheet = db.get(SafetySheet, make_sheet(client, operation, f"o{world['organisation'].id}"))
    provision = db.get(Provision, sheet.provision_id)
    assert provision is not None
    assert provision.format is ProvisionFormat.PRINT
    assert provision.organisation_id == world["organisation"].id
    assert provision.copy_no >= 1
    assert [item.registrant_id for item in provision.items] == [world["consenting"].id]
    assert provision.user_id == world["users"]["staff"].id
    html = client.get(f"/safety/{operation.id}/sheets/{sheet.id}").get_data(as_text=True)
    assert f"{provision.copy_no}" in html and "第49条の13" in html


def test_a_district_sheet_holds_the_districts_people_in_target_order_and_is_audited(
    client, db, world, operation
):
    sign_in(client, "staff")
    district = world["districts"][0]
    sheet = db.get(SafetySheet, make_sheet(client, operation, f"d{district.id}"))
    staff = viewer_of(world["users"]["staff"], db)
    in_order = [
        p.registrant_id
        for p in targets(db, staff, operation)
        if p.registrant_id != world["elsewhere"].id
    ]
    assert [line.registrant_id for line in sheet.lines] == in_order
    assert sheet.provision_id is None
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "safety.sheet.print")).one()
    assert sorted(json.loads(event.detail)["ids"]) == sorted(in_order)
    html = client.get(f"/safety/{operation.id}/sheets/{sheet.id}").get_data(as_text=True)
    assert world["elsewhere"].name not in html
    assert "無事（自宅）" in html and "避難済み" in html and "1 / 1" in html


def test_a_long_sheet_is_cut_into_numbered_pages(client, db, world, factory, operation):
    district = world["districts"][1]
    for _ in range(ROWS_PER_PAGE):
        factory.registrant(district)
    db.commit()
    sign_in(client, "staff")
    sheet_id = make_sheet(client, operation, f"d{district.id}")
    html = client.get(f"/safety/{operation.id}/sheets/{sheet_id}").get_data(as_text=True)
    assert html.count('class="sheet-page"') == 2
    assert "1 / 2" in html and "2 / 2" in html


def test_nothing_is_printed_for_an_organisation_without_an_agreement(
    client, db, world, factory, operation
):
    other = factory.organisation(districts=[world["districts"][0]])
    db.commit()
    sign_in(client, "staff")
    response = client.post(f"/safety/{operation.id}/sheets", data={"target": f"o{other.id}"})
    assert response.status_code == 422
    assert db.scalar(select(func.count(SafetySheet.id))) == 0


def test_a_sheet_of_another_operation_is_not_found(client, db, world, operation):
    sign_in(client, "staff")
    sheet_id = make_sheet(client, operation, f"d{world['districts'][0].id}")
    assert client.get(f"/safety/{operation.id + 1}/sheets/{sheet_id}").status_code == 404


# ---------------------------------------------------------------------------------------------
# Fast staff entry
# ---------------------------------------------------------------------------------------------


def test_the_entry_screen_records_the_report_typed_from_the_paper(client, db, world, operation):
    sign_in(client, "staff")
    person = world["unasked"]
    response = client.post(
        f"/safety/{operation.id}/entry",
        data={
            "number": str(person.id),
            "status": "needs_help",
            "method": "phone",
            "note": "薬が切れている",
        },
    )
    assert response.status_code == 303
    [report] = reports(db, operation)
    assert (report.registrant_id, report.status, report.method) == (
        person.id,
        SafetyStatus.NEEDS_HELP,
        ReportMethod.PHONE,
    )
    assert report.note == "薬が切れている"
    assert report.client_id is None
    assert report.reported_by_id == world["users"]["staff"].id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert person.name in page  # the last entries, for checking


def test_a_full_width_number_and_a_sheet_row_both_name_the_person(client, db, world, operation):
    sign_in(client, "staff")
    sheet_id = make_sheet(client, operation, f"o{world['organisation'].id}")
    full_width = str(world["refusing"].id).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    client.post(
        f"/safety/{operation.id}/entry",
        data={"number": full_width, "status": "safe_home", "method": "visit"},
    )
    client.post(
        f"/safety/{operation.id}/entry",
        data={
            "sheet": str(sheet_id),
            "number": "1",
            "status": "evacuated",
            "method": "visit",
            "place": "relatives",
        },
    )
    first, second = reports(db, operation)
    assert first.registrant_id == world["refusing"].id
    assert second.registrant_id == world["consenting"].id
    assert second.evacuated_to is EvacuationPlace.RELATIVES


def test_nothing_is_preselected_and_a_missing_status_records_nothing(client, db, world, operation):
    sign_in(client, "staff")
    page = client.get(f"/safety/{operation.id}/entry").get_data(as_text=True)
    assert "checked" not in page
    assert "訪問" in page and "親族・知人宅" in page and "Visit" not in page
    response = client.post(
        f"/safety/{operation.id}/entry",
        data={"number": str(world["unasked"].id), "method": "visit"},
    )
    assert response.status_code == 422
    assert reports(db, operation) == []


def test_the_entry_screen_refuses_a_person_outside_the_operation_as_a_missing_number(
    client, db, world, factory, operation
):
    outside = factory.registrant(factory.district("テスト町C"))
    db.commit()
    sign_in(client, "staff")
    answers = []
    for number in (outside.id, 999999):
        response = client.post(
            f"/safety/{operation.id}/entry",
            data={"number": str(number), "status": "safe_home", "method": "visit"},
        )
        assert response.status_code == 404
        html = without_tokens(response.get_data(as_text=True))
        answers.append(html.replace(f'value="{number}"', 'value="N"'))
    assert answers[0] == answers[1], "\n".join(
        difflib.unified_diff(answers[0].splitlines(), answers[1].splitlines(), lineterm="")
    )
    assert "この安否確認" in answers[0]
    assert reports(db, operation) == []
    hidden = client.get(f"/safety/{operation.id}/entry/person?number={outside.id}")
    missing = client.get(f"/safety/{operation.id}/entry/person?number=999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


def test_the_lookup_shows_the_name_for_checking_and_logs_it(client, db, world, operation):
    sign_in(client, "staff")
    answer = client.get(f"/safety/{operation.id}/entry/person?number={world['unasked'].id}")
    assert answer.status_code == 200
    assert answer.get_json()["name"] == world["unasked"].name
    assert answer.get_json()["status"] == "未確認"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "safety.entry.lookup")).one()
    assert event.object_id == str(world["unasked"].id)


# ---------------------------------------------------------------------------------------------
# Arrivals at shelters
# ---------------------------------------------------------------------------------------------


def arrive(client, operation, shelter, person) -> Any:
    return client.post(
        f"/safety/{operation.id}/arrivals",
        data={"shelter": str(shelter.id), "number": str(person.id)},
    )


def test_staff_record_an_arrival_as_an_evacuation_confirmed_at_the_shelter(
    client, db, world, operation
):
    shelter = make_shelter(db, capacity=1, backup_power=False)
    db.commit()
    sign_in(client, "staff")
    assert arrive(client, operation, shelter, world["unasked"]).status_code == 303
    [report] = reports(db, operation)
    assert (report.status, report.evacuated_to, report.shelter_id, report.method) == (
        SafetyStatus.EVACUATED,
        EvacuationPlace.SHELTER,
        shelter.id,
        ReportMethod.AT_SHELTER,
    )


def test_arrivals_are_counted_against_capacity_and_needs(client, db, world, factory, operation):
    shelter = make_shelter(db, capacity=1, backup_power=False, care_places=0)
    wheelchair = factory.registrant(
        world["districts"][0], mobility=Mobility.WHEELCHAIR, device_ventilator=False
    )
    ventilated = factory.registrant(
        world["districts"][1], device_ventilator=True, mobility=Mobility.BEDRIDDEN
    )
    db.commit()
    sign_in(client, "staff")
    for person in (wheelchair, ventilated):
        assert arrive(client, operation, shelter, person).status_code == 303
    tally = shelter_tally(db, viewer_of(world["users"]["staff"], db), operation, shelter)
    assert (tally.arrived, tally.wheelchair, tally.bedridden, tally.ventilator) == (2, 1, 1, 1)
    assert tally.over_capacity and tally.ventilator_without_power
    assert tally.bedridden_over_care_places
    page = client.get(f"/safety/{operation.id}/shelters/{shelter.id}").get_data(as_text=True)
    assert "2 / 1" in page
    # A person who moves on is no longer counted here.
    client.post(
        f"/safety/{operation.id}/entry",
        data={"number": str(wheelchair.id), "status": "safe_home", "method": "phone"},
    )
    assert (
        shelter_tally(db, viewer_of(world["users"]["staff"], db), operation, shelter).arrived == 1
    )
    detail = client.get(f"/shelters/{shelter.id}").get_data(as_text=True)
    assert f"/safety/{operation.id}/shelters/{shelter.id}" in detail


def test_a_partner_records_arrivals_only_at_a_shelter_its_organisation_runs(
    client, db, world, operation
):
    theirs = make_shelter(db, operator_organisation_id=world["organisation"].id)
    other = make_shelter(db)
    db.commit()
    sign_in(client, "partner")
    page = client.get(f"/safety/{operation.id}/arrivals").get_data(as_text=True)
    assert theirs.name in page and other.name not in page
    assert arrive(client, operation, other, world["consenting"]).status_code == 422
    assert reports(db, operation) == []
    assert arrive(client, operation, theirs, world["consenting"]).status_code == 303
    [report] = reports(db, operation)
    assert report.organisation_id == world["organisation"].id


def test_a_partner_cannot_record_the_arrival_of_a_person_its_rule_hides(
    client, db, world, operation
):
    theirs = make_shelter(db, operator_organisation_id=world["organisation"].id)
    db.commit()
    sign_in(client, "partner")
    hidden = arrive(client, operation, theirs, world["refusing"])
    missing = client.post(
        f"/safety/{operation.id}/arrivals", data={"shelter": str(theirs.id), "number": "999999"}
    )
    assert hidden.status_code == missing.status_code == 404
    assert world["refusing"].name not in hidden.get_data(as_text=True)
    assert reports(db, operation) == []


def test_a_partner_without_a_shelter_is_told_so(client, db, world, operation):
    sign_in(client, "partner")
    page = client.get(f"/safety/{operation.id}/arrivals")
    assert page.status_code == 200
    assert "運営する避難所" in page.get_data(as_text=True)


def test_an_organisations_sheet_is_not_shown_once_its_agreement_ends(client, db, world, operation):
    sign_in(client, "staff")
    sheet_id = make_sheet(client, operation, f"o{world['organisation'].id}")
    world["agreement"].status = AgreementStatus.TERMINATED
    db.commit()
    response = client.get(f"/safety/{operation.id}/sheets/{sheet_id}")
    assert response.status_code == 410
    assert world["consenting"].name not in response.get_data(as_text=True)


def test_opening_a_sheet_is_in_the_disclosure_log(client, db, world, operation):
    sign_in(client, "staff")
    sheet_id = make_sheet(client, operation, f"o{world['organisation'].id}")
    client.get(f"/safety/{operation.id}/sheets/{sheet_id}")
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "safety.sheet.view")).one()
    detail = json.loads(event.detail)
    assert detail["ids"] == [world["consenting"].id]
    assert detail["agreement"] == world["agreement"].id


def test_staff_name_the_organisation_running_a_shelter_on_its_edit_form(client, db, world):
    shelter = make_shelter(db)
    db.commit()
    sign_in(client, "staff")
    url = f"/shelters/{shelter.id}/edit"
    fields = form_fields(client.get(url).get_data(as_text=True), url, url)
    assert fields["operator_organisation_id"] == [""]
    fields["operator_organisation_id"] = [str(world["organisation"].id)]
    response = client.post(url, data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    db.refresh(shelter)
    assert shelter.operator_organisation_id == world["organisation"].id
    detail = client.get(f"/shelters/{shelter.id}").get_data(as_text=True)
    assert world["organisation"].name in detail


def test_a_partner_prints_a_sheet_of_its_own_people_as_a_copy_in_its_ledger(
    client, db, world, operation
):
    sign_in(client, "partner")
    page = client.get(f"/safety/{operation.id}/sheets").get_data(as_text=True)
    assert world["organisation"].name in page
    assert world["districts"][0].name not in page  # district sheets are staff's
    sheet = db.get(SafetySheet, make_sheet(client, operation, f"o{world['organisation'].id}"))
    assert [line.registrant_id for line in sheet.lines] == [world["consenting"].id]
    provision = db.get(Provision, sheet.provision_id)
    assert provision.user_id == world["users"]["partner"].id
    html = client.get(f"/safety/{operation.id}/sheets/{sheet.id}").get_data(as_text=True)
    assert world["consenting"].name in html and world["refusing"].name not in html


def test_a_partner_can_neither_print_for_another_organisation_nor_open_a_staff_sheet(
    client, db, world, factory, operation
):
    other = factory.organisation(districts=[world["districts"][1]])
    factory.agreement(other, [world["districts"][1]])
    db.commit()
    sign_in(client, "staff")
    staff_sheet = make_sheet(client, operation, f"d{world['districts'][0].id}")
    AuthActions(client).logout()
    sign_in(client, "partner")
    response = client.post(f"/safety/{operation.id}/sheets", data={"target": f"o{other.id}"})
    assert response.status_code == 422
    response = client.post(
        f"/safety/{operation.id}/sheets", data={"target": f"d{world['districts'][0].id}"}
    )
    assert response.status_code == 422
    assert db.scalar(select(func.count(SafetySheet.id))) == 1
    hidden = client.get(f"/safety/{operation.id}/sheets/{staff_sheet}")
    missing = client.get(f"/safety/{operation.id}/sheets/999999")
    assert hidden.status_code == missing.status_code == 404


def test_an_ended_operation_takes_no_typed_result_no_arrival_and_no_new_sheet(
    client, db, world, operation
):
    from roster.safety.operations import end_operation

    shelter = make_shelter(db)
    end_operation(db, viewer_of(world["users"]["staff"], db), operation)
    db.commit()
    sign_in(client, "staff")
    typed = client.post(
        f"/safety/{operation.id}/entry",
        data={"number": str(world["unasked"].id), "status": "safe_home", "method": "visit"},
    )
    assert typed.status_code == 409
    assert "終了" in typed.get_data(as_text=True)
    assert arrive(client, operation, shelter, world["unasked"]).status_code == 409
    sheet = client.post(
        f"/safety/{operation.id}/sheets", data={"target": f"d{world['districts'][0].id}"}
    )
    assert sheet.status_code == 422
    assert reports(db, operation) == []
    assert db.scalar(select(func.count(SafetySheet.id))) == 0
    for page in ("entry", "arrivals"):  # the pages say so instead of offering a form
        text = client.get(f"/safety/{operation.id}/{page}").get_data(as_text=True)
        assert "結果はこれ以上記録できません" in text and "record entry" not in text
        assert "<form method=\"post\" novalidate class=\"record" not in text


def test_a_district_sheet_of_a_hazard_operation_holds_only_the_districts_people_in_the_area(
    db, world, factory
):
    from roster.models import HazardKind, HazardLayer, RegistrantHazard
    from roster.safety.sheets import district_people

    a, b = world["districts"]
    also_b = factory.registrant(b)
    layer = HazardLayer(kind=HazardKind.FLOOD, name="洪水", crs="EPSG:6677")
    db.add_all(
        [
            layer,
            RegistrantHazard(registrant_id=world["elsewhere"].id, flood_rank=3),
            RegistrantHazard(registrant_id=world["unasked"].id, flood_rank=2),
            RegistrantHazard(registrant_id=also_b.id, flood_rank=1),
        ]
    )
    db.flush()
    staff = viewer_of(world["users"]["staff"], db)
    plan = OperationPlan(
        name="浸水", disaster="x", hazard_layer=layer, min_flood_rank=2, districts=[a]
    )
    operation = start_operation(db, staff, plan)
    in_a = [p.registrant_id for p in targets(db, staff, operation) if p["district"]["id"] == a.id]
    assert [p.registrant_id for p in district_people(db, staff, operation, a.id)] == in_a
    assert [p.registrant_id for p in district_people(db, staff, operation, b.id)] == [
        world["elsewhere"].id
    ]
    db.flush()  # the narrowed stand-ins are never stored
    assert db.scalar(select(func.count(SafetyOperation.id))) == 1
    assert len(operation.districts) == 1


def test_a_death_is_never_recorded_by_a_key_alone(client, db, world, operation):
    sign_in(client, "staff")
    person = world["unasked"]
    data = {"number": str(person.id), "status": "deceased", "method": "phone"}
    response = client.post(f"/safety/{operation.id}/entry", data=data)
    assert response.status_code != 303 and reports(db, operation) == []
    assert "備考に書いてください" in response.get_data(as_text=True)
    data["note"] = "12月5日 警察より"
    assert client.post(f"/safety/{operation.id}/entry", data=data).status_code == 303
    assert [r.status for r in reports(db, operation)] == [SafetyStatus.DECEASED]
