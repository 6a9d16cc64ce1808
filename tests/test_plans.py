"""Individual evacuation plans (issue 6): versioning and audit, the form's checks, destination
warnings, review flags, the staff list, sharing with partners under every combination of
consent, agreement, register rule and release, the partner's printed copy, and the demo.

plan_person(), plan_form() and csrf_partner_print() are also used by tests/test_access.py
and tests/test_auth.py: they give the route matrix a plan to open.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date, timedelta
from itertools import product
from typing import Any

import geopandas as gpd
import pytest
import shapely
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from roster.access.rule import plan_visible
from roster.extensions import db as database
from roster.i18n import local_today
from roster.models import (
    AuditEvent,
    AuthorRole,
    CareLevel,
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    ConsentState,
    DestinationKind,
    DisasterRelease,
    HazardArea,
    HazardKind,
    HazardLayer,
    Household,
    Mobility,
    PartnerCategory,
    Plan,
    PlanStatus,
    PlanVersion,
    Provision,
    ProvisionFormat,
    ProvisionItem,
    Registrant,
    RegistrantHazard,
    RegistrantStatus,
    Role,
    Shelter,
)
from roster.models.base import utcnow
from roster.plans.geometry import straight_line_m
from roster.plans.operations import (
    TERMS,
    ConsentNeededError,
    StaleEditError,
    one_year_after,
    save_plan,
    snapshot,
)
from roster.plans.printing import ITEMS, NOTES, fit
from roster.plans.review import (
    effective_status,
    flag_reviews,
    needs_signature,
    needs_signature_sql,
    review_reasons,
    status_condition,
)
from roster.plans.warnings import (
    DestinationWarning,
    PersonFacts,
    ShelterFacts,
    destination_warnings,
    home_hazards,
)
from roster.viewer import viewer_of

from .conftest import AuthActions, IsolatedClient
from .test_shelters import make_shelter

# test_access imports this module for its URLs, so nothing here imports test_access (or
# test_releases, which does): the two helpers below stand in for theirs.


def sign_in(auth: AuthActions, role: str) -> None:
    assert auth.login(f"t_{role}").status_code == 302, role


def release(w: dict[str, Any], db: Any) -> DisasterRelease:
    """A release over district A, running now."""
    now = utcnow()
    running = DisasterRelease(
        name="テスト地震", legal_basis="災害対策基本法第49条の11第3項",
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1),
        declared_by=w["users"]["staff"], districts=[w["districts"][0]],
    )
    db.add(running)
    db.flush()
    return running

# ---------------------------------------------------------------------------------------------
# Helpers, also used by the route matrix (test_access) and the CSRF cases (test_auth).
# ---------------------------------------------------------------------------------------------


def consent_to(
    factory: Any, person: Registrant, staff: Any, purpose: ConsentPurpose,
    state: ConsentState = ConsentState.CONSENTED, scope: set[PartnerCategory] | None = None,
    on: date = date(2025, 5, 1),
) -> None:
    factory.consent(person, state, staff, scope=scope if scope is not None else set(), on=on,
                    purpose=purpose)


def terms(**changes: Any) -> dict[str, Any]:
    """A complete set of plan terms, as plan_data() gives them."""
    today = local_today()
    data: dict[str, Any] = {
        "supporters": [
            {"name": "近所 一郎", "relation": "近所の方", "address": "東京都テスト市テスト町A1-2-3",
             "phone": "090-1111-2222", "day": True, "night": False, "weekdays": True},
        ],
        "destination_kind": DestinationKind.RELATIVE,
        "destination_shelter_id": None,
        "destination_name": "長女宅",
        "destination_address": "東京都小平市花小金井1-2-3",
        "route_notes": "北へ進む",
        "start_trigger": "level3",
        "transport": "family_car",
        "assistance": ["wheelchair"],
        "assistance_notes": "",
        "items_to_carry": "お薬手帳",
        "battery_hours": None,
        "illnesses": "高血圧症",
        "doctor": "テスト内科",
        "hospital": "テスト病院",
        "medicines": "",
        "allergies": "",
        "communication_notes": "",
        "pets": "",
        "contacts": [{"name": "試験 花子", "relation": "長女", "phone": "090-3333-4444"}],
        "author_name": "テスト 作成者",
        "author_role": AuthorRole.STAFF,
        "made_on": today,
        "review_on": one_year_after(today),
        "status": PlanStatus.DRAFT,
    }
    data.update(changes)
    return data


def make_plan(session: Any, person: Registrant, staff: Any, **changes: Any) -> Plan:
    """A plan for the person, made through save_plan (consent is the caller's business)."""
    saved = save_plan(session, person, terms(**changes), None, staff, consented=True)
    session.flush()
    return saved.plan


def plan_person(w: dict[str, Any]) -> int:
    """The route matrix's plan: the refusing person's (made once per world, with their
    consent to make it). They refused to share the register, so a partner never sees it.
    Written directly, without audit events, so that making the URL logs nothing."""
    if "plan" not in w:
        session = database.session
        staff = w["users"]["staff"]
        person = w["refusing"]
        session.add(ConsentRecord(
            registrant_id=person.id, purpose=ConsentPurpose.PLAN_MAKING,
            state=ConsentState.CONSENTED, method=ConsentMethod.VISIT,
            decided_on=date(2025, 5, 1), recorded_by_id=staff.id))
        values = terms()
        plan = Plan(registrant_id=person.id, basis_address=person.address,
                    basis_needs=needs_signature(person), **values)
        session.add(plan)
        session.flush()
        session.add(PlanVersion(plan_id=plan.id, version=plan.version, snapshot=snapshot(plan),
                                changed=list(TERMS), changed_by_id=staff.id))
        session.flush()
        w["plan"] = plan
    return int(w["refusing"].id)


def csrf_plan_form(w: dict[str, Any]) -> dict[str, Any]:
    """The CSRF case of the plan form: an edit of the matrix's plan."""
    plan_person(w)
    return plan_form(w, route_notes="CSRF経路")


def plan_form(w: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """A complete, valid plan form (an edit of w's plan when w holds one)."""
    today = local_today()
    data: dict[str, Any] = {
        "supporters-0-name": "近所 一郎",
        "supporters-0-relation": "近所の方",
        "supporters-0-address": "東京都テスト市テスト町A1-2-3",
        "supporters-0-phone": "090-1111-2222",
        "supporters-0-day": "y",
        "supporters-0-weekdays": "y",
        "destination_kind": "relative",
        "destination_shelter_id": "",
        "destination_name": "長女宅",
        "destination_address": "東京都小平市花小金井1-2-3",
        "route_notes": "北へ進む",
        "start_trigger": "level3",
        "transport": "family_car",
        "assistance": ["wheelchair"],
        "items_to_carry": "お薬手帳",
        "illnesses": "高血圧症",
        "doctor": "テスト内科",
        "hospital": "テスト病院",
        "contacts-0-name": "試験 花子",
        "contacts-0-relation": "長女",
        "contacts-0-phone": "090-3333-4444",
        "author_name": "テスト 作成者",
        "author_role": "care_manager",
        "made_on": today.isoformat(),
        "review_on": one_year_after(today).isoformat(),
        "status": "draft",
        "version": "",
    }
    if w is not None and "plan" in w:
        data["version"] = str(w["plan"].version)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def csrf_partner_print(w: dict[str, Any]) -> dict[str, Any]:
    """Let the partner print the matrix's plan: the agreement includes plans and allows
    emergency provision, and the place's lapsed release over district A runs again (the
    refusing person is shown under it, and so is their plan, 49-15)."""
    w["agreement"].includes_plans = True
    w["agreement"].emergency_provision = True
    w["release"].ends_at = utcnow() + timedelta(hours=1)
    database.session.flush()
    return {"lang": "ja"}


def events(db: Any, action: str) -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


@pytest.fixture()
def staff(world: dict[str, Any]) -> Any:
    return world["users"]["staff"]


@pytest.fixture()
def person(world: dict[str, Any], factory: Any, staff: Any) -> Registrant:
    """The consenting person, with consent to make a plan."""
    p = world["consenting"]
    consent_to(factory, p, staff, ConsentPurpose.PLAN_MAKING)
    return p


# ---------------------------------------------------------------------------------------------
# Versioning and audit.
# ---------------------------------------------------------------------------------------------


def test_making_a_plan_writes_version_1_and_audits_term_names_only(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant
) -> None:
    sign_in(auth, "staff")
    response = client.post(f"/plans/{person.id}/edit", data=plan_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert response.headers["Location"] == f"/plans/{person.id}"
    plan = db.scalar(select(Plan).where(Plan.registrant_id == person.id))
    assert plan is not None and plan.version == 1
    assert plan.supporters[0]["name"] == "近所 一郎"
    assert plan.author_role.value == "care_manager"
    [version] = db.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)).all()
    assert version.version == 1
    assert set(version.snapshot) >= set(TERMS)
    assert version.snapshot["destination_name"] == "長女宅"
    assert "supporters" in version.changed and "destination_name" in version.changed
    [event] = events(db, "plan.create")
    detail = json.loads(event.detail)
    assert event.object_id == str(person.id)
    assert detail["version"] == 1 and "supporters" in detail["fields"]
    for secret in ("近所 一郎", "長女宅", "090-1111-2222", "高血圧", person.name, person.address):
        assert secret not in event.detail


def test_a_change_writes_a_version_naming_what_changed(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    plan = make_plan(db, person, staff)
    sign_in(auth, "staff")
    form = plan_form({"plan": plan}, route_notes="南へ進む", **{"supporters-1-name": "民生 委員",
                     "supporters-1-phone": "042-000-1111", "supporters-1-night": "y"})
    assert client.post(f"/plans/{person.id}/edit", data=form).status_code == 302
    db.expire_all()
    assert plan.version == 2
    assert [s["name"] for s in plan.supporters] == ["近所 一郎", "民生 委員"]
    assert plan.supporters[1]["night"] is True and plan.supporters[1]["day"] is False
    latest = db.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == 2)
    )
    assert latest is not None
    assert set(latest.changed) >= {"route_notes", "supporters"}
    assert "made_on" not in latest.changed
    assert json.loads(events(db, "plan.update")[-1].detail)["fields"] == latest.changed


def test_a_save_that_changes_nothing_writes_nothing(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    plan = make_plan(db, person, staff)
    sign_in(auth, "staff")
    form = plan_form({"plan": plan}, author_role="staff")
    response = client.post(f"/plans/{person.id}/edit", data=form, follow_redirects=True)
    assert response.status_code == 200
    db.expire_all()
    assert plan.version == 1
    assert not events(db, "plan.update")


def test_a_stale_save_is_refused_with_409_and_changes_nothing(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    plan = make_plan(db, person, staff)
    sign_in(auth, "staff")
    opened = plan_form({"plan": plan}, route_notes="最初の人")
    assert client.post(f"/plans/{person.id}/edit", data=opened).status_code == 302
    db.expire_all()
    assert plan.version == 2
    stale = plan_form(None, route_notes="遅れた人", version="1")
    response = client.post(f"/plans/{person.id}/edit", data=stale)
    assert response.status_code == 409
    db.expire_all()
    assert plan.route_notes == "最初の人" and plan.version == 2
    assert len(db.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan.id)).all()) == 2
    # A "new plan" form for a person who got one meanwhile is stale too.
    assert client.post(f"/plans/{person.id}/edit", data=plan_form()).status_code == 409


def test_save_plan_refuses_a_new_plan_without_consent_and_a_stale_version(
    db: Session, world: dict[str, Any], staff: Any
) -> None:
    with pytest.raises(ConsentNeededError):
        save_plan(db, world["unasked"], terms(), None, staff, consented=False)
    plan = make_plan(db, world["unasked"], staff)
    with pytest.raises(StaleEditError):
        save_plan(db, world["unasked"], terms(), plan.version + 1, staff, consented=True)
    with pytest.raises(ConsentNeededError):
        save_plan(db, world["unasked"], terms(status=PlanStatus.AGREED), plan.version, staff,
                  consented=False)
    # An existing plan can still be kept up to date while consent is being recorded again.
    saved = save_plan(db, world["unasked"], terms(route_notes="更新"), plan.version, staff,
                      consented=False)
    assert saved.saved and saved.plan.version == 2


def test_each_save_adds_exactly_one_version_even_when_the_save_reads_the_database(
    db: Session, world: dict[str, Any], staff: Any
) -> None:
    """Reading the shelter mid-save must not flush half a change (that would count two
    versions for one save)."""
    person = world["unasked"]
    shelter_id = make_shelter(db).id
    plan = make_plan(db, person, staff, destination_kind=DestinationKind.SHELTER,
                     destination_shelter_id=shelter_id)
    for n in (2, 3, 4):
        db.expunge(db.get(Shelter, shelter_id))  # so that the save has to query it
        changes = terms(route_notes=f"第{n}版", destination_kind=DestinationKind.SHELTER,
                        destination_shelter_id=shelter_id)
        save_plan(db, person, changes, n - 1, staff, consented=True)
        assert plan.version == n
    versions = db.scalars(select(PlanVersion.version).where(PlanVersion.plan_id == plan.id))
    assert sorted(versions) == [1, 2, 3, 4]


def test_the_version_pages_show_each_snapshot(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    plan = make_plan(db, person, staff, route_notes="初版の経路")
    save_plan(db, person, terms(route_notes="第二版の経路"), plan.version, staff, consented=True)
    sign_in(auth, "staff")
    listing = client.get(f"/plans/{person.id}/versions")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert f"/plans/{person.id}/versions/1" in html and f"/plans/{person.id}/versions/2" in html
    first = client.get(f"/plans/{person.id}/versions/1").get_data(as_text=True)
    assert "初版の経路" in first and "第二版の経路" not in first
    assert client.get(f"/plans/{person.id}/versions/3").status_code == 404
    assert events(db, "plan.versions") and events(db, "plan.version")


# ---------------------------------------------------------------------------------------------
# The form: consent, checks, defaults, distance.
# ---------------------------------------------------------------------------------------------


def test_without_consent_staff_are_told_to_record_it_first(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    person = world["unasked"]
    page = client.get(f"/plans/{person.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/registrants/{person.id}/consent/new" in html
    assert f'href="/plans/{person.id}/edit"' not in html
    form = client.get(f"/plans/{person.id}/edit")
    assert form.status_code == 200
    assert f"/registrants/{person.id}/consent/new" in form.get_data(as_text=True)
    assert client.post(f"/plans/{person.id}/edit", data=plan_form()).status_code == 422
    assert db.scalar(select(func.count(Plan.id))) == 0


def test_a_refused_or_withdrawn_plan_consent_does_not_allow_a_plan(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], factory: Any,
    staff: Any,
) -> None:
    person = world["unasked"]
    consent_to(factory, person, staff, ConsentPurpose.PLAN_MAKING, on=date(2025, 1, 1))
    consent_to(factory, person, staff, ConsentPurpose.PLAN_MAKING, ConsentState.WITHDRAWN,
               on=date(2025, 6, 1))
    sign_in(auth, "staff")
    assert client.post(f"/plans/{person.id}/edit", data=plan_form()).status_code == 422
    assert db.scalar(select(func.count(Plan.id))) == 0


def test_with_consent_staff_get_the_form_with_sensible_defaults(
    client: IsolatedClient, auth: AuthActions, person: Registrant
) -> None:
    sign_in(auth, "staff")
    html = client.get(f"/plans/{person.id}").get_data(as_text=True)
    assert f'href="/plans/{person.id}/edit"' in html
    form = client.get(f"/plans/{person.id}/edit").get_data(as_text=True)
    today = local_today()
    assert f'value="{today.isoformat()}"' in form
    assert f'value="{one_year_after(today).isoformat()}"' in form
    assert 'name="supporters-2-name"' in form, "at least three empty supporter rows"
    assert 'value="wheelchair" checked' in form or 'checked value="wheelchair"' in form or (
        'id="assistance-0" name="assistance" type="checkbox" value="wheelchair"' in form
    )
    assert 'value="level3" selected' in form or 'selected value="level3"' in form


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "agreed", "supporters-0-name": "", "supporters-0-relation": "",
          "supporters-0-address": "", "supporters-0-phone": "", "supporters-0-day": None},
         "An agreed plan names at least one supporter."),
        ({"status": "agreed", "destination_name": "", "destination_address": ""},
         "An agreed plan names a destination."),
        ({"review_on": "2000-01-01"}, "The review date must come after the date made."),
        ({"made_on": (date.today() + timedelta(days=30)).isoformat()},
         "This date is in the future."),
        ({"supporters-1-phone": "090-1234-5678"}, "Give the supporter's name."),
        ({"supporters-1-name": "電話 なし"}, "Give the supporter's phone number."),
        ({"destination_kind": "shelter", "destination_shelter_id": "999999"},
         "Choose a place from the registry."),
        ({"destination_address": ""}, "Give the address of the place."),
        ({"battery_hours": "-3"}, "Give a number of hours from 0 to 240."),
        ({"author_name": ""}, "This field is required."),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, app: Flask,
    changes: dict[str, Any], message: str,
) -> None:
    sign_in(auth, "staff")
    client.post("/locale", data={"locale": "en"})
    response = client.post(f"/plans/{person.id}/edit", data=plan_form(None, **changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert db.scalar(select(func.count(Plan.id))) == 0


def test_an_agreed_plan_needs_plan_making_consent_even_when_the_plan_exists(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], staff: Any,
    factory: Any,
) -> None:
    person = world["unasked"]
    plan = make_plan(db, person, staff)  # made before the consent was withdrawn
    consent_to(factory, person, staff, ConsentPurpose.PLAN_MAKING, ConsentState.WITHDRAWN)
    sign_in(auth, "staff")
    client.post("/locale", data={"locale": "en"})
    response = client.post(f"/plans/{person.id}/edit",
                           data=plan_form({"plan": plan}, status="agreed"))
    assert response.status_code == 422
    assert "only when the person consented to making it" in response.get_data(as_text=True)


def test_an_empty_review_date_is_a_year_after_the_date_made(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant
) -> None:
    sign_in(auth, "staff")
    made = date(2024, 2, 29)
    form = plan_form(None, made_on=made.isoformat(), review_on="")
    assert client.post(f"/plans/{person.id}/edit", data=form).status_code == 302
    plan = db.scalar(select(Plan).where(Plan.registrant_id == person.id))
    assert plan is not None and plan.review_on == date(2025, 2, 28)


def test_a_shelter_destination_gets_its_straight_line_distance_and_basis(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant
) -> None:
    shelter = make_shelter(db, latitude=person.latitude + 0.009, longitude=person.longitude)
    sign_in(auth, "staff")
    # The person uses a ventilator and the place's backup power is unknown: confirmed.
    form = plan_form(None, destination_kind="shelter", destination_shelter_id=str(shelter.id),
                     status="agreed", power_confirmed=str(shelter.id))
    assert client.post(f"/plans/{person.id}/edit", data=form).status_code == 302
    plan = db.scalar(select(Plan).where(Plan.registrant_id == person.id))
    assert plan is not None and plan.destination_shelter_id == shelter.id
    assert plan.destination_name == "" and plan.destination_address == ""
    assert plan.distance_m is not None and 990 < plan.distance_m < 1010  # 0.009° of latitude
    assert plan.basis_shelter_version == shelter.version
    assert plan.basis_address == person.address
    assert plan.basis_needs == needs_signature(person)
    assert plan.status is PlanStatus.AGREED


def test_straight_line_distance_is_measured_in_the_metric_crs(app: Flask) -> None:
    with app.app_context():
        metres = straight_line_m((139.54, 35.72), (139.55, 35.72))
    assert 900 < metres < 910  # 0.01° of longitude at 35.7°N


# ---------------------------------------------------------------------------------------------
# Destination warnings: the pure function, and the pages.
# ---------------------------------------------------------------------------------------------

WHEELCHAIR = PersonFacts(needs_care=True, groups=("elderly", "disabled"))
WALKER = PersonFacts(needs_care=False, groups=("elderly",))
GENERAL = ShelterFacts(is_emergency_site=True, is_evacuation_shelter=True,
                       hazards=("flood", "earthquake"), capacity=300)
WELFARE = ShelterFacts(is_welfare_shelter=True, groups=("elderly", "disabled"), care_places=10,
                       backup_power=True)


def codes(person: PersonFacts, shelter: ShelterFacts) -> list[str]:
    return [w.code for w in destination_warnings(person, shelter)]


def test_a_suitable_destination_has_no_warnings() -> None:
    assert codes(WALKER, GENERAL) == []
    assert codes(WHEELCHAIR, WELFARE) == []


def test_a_person_needing_care_sent_to_a_general_shelter_is_warned() -> None:
    assert codes(WHEELCHAIR, GENERAL) == ["not_welfare"]


def test_a_wheelchair_user_sent_to_a_shelter_for_pregnant_women_and_infants_is_warned() -> None:
    nursery = ShelterFacts(is_welfare_shelter=True, groups=("pregnant_infant",), care_places=5,
                           backup_power=True)
    [warning] = destination_warnings(WHEELCHAIR, nursery)
    assert warning == DestinationWarning("group_not_taken", groups=("pregnant_infant",))


def test_a_welfare_shelter_without_recorded_groups_is_flagged() -> None:
    unknown = ShelterFacts(is_welfare_shelter=True, care_places=5, backup_power=True)
    assert codes(WHEELCHAIR, unknown) == ["groups_unknown"]


def test_a_welfare_shelter_takes_only_its_groups_unless_it_is_an_emergency_site() -> None:
    nursery = ShelterFacts(is_welfare_shelter=True, groups=("pregnant_infant",), care_places=5)
    assert codes(WALKER, nursery) == ["group_not_taken"]
    also_shelter = ShelterFacts(is_welfare_shelter=True, is_evacuation_shelter=True,
                                groups=("pregnant_infant",), capacity=50)
    assert codes(WALKER, also_shelter) == ["group_not_taken"]
    open_too = ShelterFacts(is_welfare_shelter=True, is_emergency_site=True,
                            groups=("pregnant_infant",), capacity=50)
    assert codes(WALKER, open_too) == []


def test_a_place_not_designated_for_the_hazard_at_home_is_warned() -> None:
    flooded = PersonFacts(needs_care=False, groups=("elderly",), hazards=("flood", "landslide"))
    quake_only = ShelterFacts(is_emergency_site=True, hazards=("earthquake",), capacity=100)
    warnings = destination_warnings(flooded, quake_only)
    assert warnings == [DestinationWarning("hazard_unsuitable", hazard="flood"),
                        DestinationWarning("hazard_unsuitable", hazard="landslide")]
    flood_only = ShelterFacts(is_emergency_site=True, hazards=("flood",), capacity=100)
    assert destination_warnings(flooded, flood_only) == [
        DestinationWarning("hazard_unsuitable", hazard="landslide")]
    # A shelter with no designations at all is a place to stay, as the assignment counts it.
    undesignated = ShelterFacts(is_evacuation_shelter=True, capacity=100)
    assert codes(flooded, undesignated) == []
    # An emergency site with no designations is not.
    bare_site = ShelterFacts(is_emergency_site=True, capacity=100)
    assert codes(flooded, bare_site) == ["hazard_unsuitable", "hazard_unsuitable"]


def test_a_place_inside_the_hazard_area_is_warned() -> None:
    flooded = PersonFacts(needs_care=False, groups=(), hazards=("flood",))
    inside = ShelterFacts(is_evacuation_shelter=True, hazards=("flood",), capacity=100,
                          in_areas=("flood",))
    assert destination_warnings(flooded, inside) == [
        DestinationWarning("in_hazard_area", hazard="flood")]
    assert codes(WALKER, inside) == [], "only the hazards of the person's home count"


def test_a_ventilator_user_needs_backup_power() -> None:
    ventilated = PersonFacts(needs_care=True, groups=("medical_care", "elderly"), ventilator=True)
    without = ShelterFacts(is_welfare_shelter=True, groups=("medical_care",), care_places=3,
                           backup_power=False)
    unknown = ShelterFacts(is_welfare_shelter=True, groups=("medical_care",), care_places=3)
    assert codes(ventilated, without) == ["no_backup_power"]
    assert codes(ventilated, unknown) == ["backup_power_unknown"]


def test_a_place_without_capacity_information_is_warned() -> None:
    assert codes(WALKER, ShelterFacts(is_evacuation_shelter=True)) == ["no_capacity"]


def test_home_hazards_come_from_the_flags() -> None:
    assert home_hazards(None, None) == ()
    assert home_hazards(2, None) == ("flood",)
    assert home_hazards(None, "warning") == ("landslide",)
    assert home_hazards(3, "special") == ("flood", "landslide")


def _flood_around(db: Session, lon: float, lat: float) -> None:
    square = shapely.box(lon - 0.002, lat - 0.002, lon + 0.002, lat + 0.002)
    metric = gpd.GeoSeries([square], crs="EPSG:4326").to_crs("EPSG:6677").iloc[0]
    layer = HazardLayer(kind=HazardKind.FLOOD, name="テスト浸水", crs="EPSG:6677",
                        feature_count=1, synthetic=True)
    layer.areas = [HazardArea(depth_rank=3, geometry=shapely.to_wkb(metric))]
    db.add(layer)
    db.flush()


def test_the_plan_page_and_the_form_show_the_destination_warnings(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    """The consenting person uses a wheelchair and a ventilator and lives in a flood area;
    the shelter is general, designated for earthquakes only, without capacity, in the flood."""
    db.add(RegistrantHazard(registrant_id=person.id, flood_rank=3))
    shelter = make_shelter(db, name="警告小学校", hazards="earthquake",
                           latitude=person.latitude + 0.001, longitude=person.longitude)
    _flood_around(db, shelter.longitude, shelter.latitude)
    make_plan(db, person, staff, destination_kind=DestinationKind.SHELTER,
              destination_shelter_id=shelter.id)
    sign_in(auth, "staff")
    client.post("/locale", data={"locale": "en"})
    for url in (f"/plans/{person.id}", f"/plans/{person.id}/edit"):
        html = client.get(url).get_data(as_text=True).replace("&#39;", "'")
        assert "not a welfare shelter" in html, url
        assert "is not designated for that hazard" in html, url
        assert "itself lies in a Flood hazard area" in html, url
        assert "it is not recorded whether this place has backup power" in html, url
        assert "no capacity information" in html, url
    form = client.get(f"/plans/{person.id}/edit").get_data(as_text=True)
    assert "警告小学校 ⚠" in form


# ---------------------------------------------------------------------------------------------
# Review flags.
# ---------------------------------------------------------------------------------------------


def test_review_reasons_on_constructed_cases(
    db: Session, person: Registrant, staff: Any
) -> None:
    shelter = make_shelter(db)
    plan = make_plan(db, person, staff, destination_kind=DestinationKind.SHELTER,
                     destination_shelter_id=shelter.id, status=PlanStatus.AGREED)
    today = local_today()
    assert review_reasons(plan, person, shelter, today) == []
    assert review_reasons(plan, person, shelter, plan.review_on) == ["review_due"]
    person.address = person.address + "（転居）"
    person.mobility = Mobility.BEDRIDDEN
    shelter.capacity = 999
    db.flush()
    assert shelter.version == 2
    assert review_reasons(plan, person, shelter, today) == [
        "address_changed", "needs_changed", "shelter_changed"]
    assert review_reasons(plan, person, None, today)[-1] == "shelter_removed"
    assert effective_status(PlanStatus.AGREED, ["address_changed"]) is PlanStatus.NEEDS_REVIEW
    assert effective_status(PlanStatus.DRAFT, ["address_changed"]) is PlanStatus.DRAFT


def test_each_need_changes_the_signature(db: Session, person: Registrant) -> None:
    before = needs_signature(person)
    for name, value in (("mobility", Mobility.INDEPENDENT), ("household", Household.WITH_OTHERS),
                        ("device_oxygen", True)):
        original = getattr(person, name)
        setattr(person, name, value)
        assert needs_signature(person) != before, name
        setattr(person, name, original)
    assert needs_signature(person) == before


def test_the_sql_signature_and_status_filter_agree_with_python(
    db: Session, world: dict[str, Any], staff: Any, factory: Any
) -> None:
    today = local_today()
    shelter = make_shelter(db)
    district = world["districts"][0]
    cases = {}
    for kind in ("fine", "due", "moved", "needs", "shelter", "draft", "flagged", "removed"):
        p = factory.registrant(district, device_oxygen=kind == "fine")
        status = {"draft": PlanStatus.DRAFT, "flagged": PlanStatus.NEEDS_REVIEW}.get(
            kind, PlanStatus.AGREED)
        target = shelter if kind != "removed" else make_shelter(db)
        plan = make_plan(db, p, staff, status=status, destination_kind=DestinationKind.SHELTER,
                         destination_shelter_id=target.id)
        cases[kind] = (p, plan, target)
    cases["due"][1].review_on = today
    cases["moved"][0].address += "B"
    cases["needs"][0].care_level = CareLevel.CARE_5
    cases["shelter"][1].basis_shelter_version = 99
    db.delete(cases["removed"][2])
    db.flush()
    db.expire_all()
    rows = db.execute(select(Registrant.id, needs_signature_sql())).all()
    for registrant_id, signature in rows:
        assert signature == needs_signature(db.get(Registrant, registrant_id))
    for status in PlanStatus:
        ids = set(db.scalars(
            select(Plan.registrant_id)
            .join(Registrant, Registrant.id == Plan.registrant_id)
            .outerjoin(Shelter, Shelter.id == Plan.destination_shelter_id)
            .where(status_condition(status, today))
        ))
        expected = set()
        for _kind, (p, plan, _s) in cases.items():
            reasons = review_reasons(plan, p, plan.destination_shelter, today)
            if effective_status(plan.status, reasons) is status:
                expected.add(p.id)
        assert ids == expected, status
    assert {k for k, (p, _pl, _s) in cases.items()
            if p.id in ids} == {"due", "moved", "needs", "shelter", "flagged", "removed"}


def test_flag_reviews_marks_agreed_plans_without_a_new_version(
    db: Session, world: dict[str, Any], staff: Any, factory: Any, runner: Any
) -> None:
    district = world["districts"][0]
    stale = factory.registrant(district)
    fresh = factory.registrant(district)
    draft = factory.registrant(district)
    stale_plan = make_plan(db, stale, staff, status=PlanStatus.AGREED)
    fresh_plan = make_plan(db, fresh, staff, status=PlanStatus.AGREED)
    draft_plan = make_plan(db, draft, staff)
    stale.address += "（転居）"
    draft.address += "（転居）"
    db.flush()
    assert flag_reviews(db, local_today()) == 1
    db.expire_all()
    assert stale_plan.status is PlanStatus.NEEDS_REVIEW and stale_plan.version == 1
    assert fresh_plan.status is PlanStatus.AGREED
    assert draft_plan.status is PlanStatus.DRAFT
    [event] = events(db, "plan.review_flagged")
    assert event.object_id == str(stale.id)
    assert json.loads(event.detail)["reasons"] == ["address_changed"]
    assert flag_reviews(db, local_today()) == 0, "flagged once"
    fresh.mobility = Mobility.BEDRIDDEN
    db.flush()
    result = runner.invoke(args=["plans", "flag-reviews"])
    assert result.exit_code == 0, result.output
    assert "plans flagged for review: 1" in result.output


def test_the_plan_page_shows_why_it_needs_review(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    make_plan(db, person, staff, status=PlanStatus.AGREED)
    person.address += "（転居）"
    db.flush()
    sign_in(auth, "staff")
    client.post("/locale", data={"locale": "en"})
    html = client.get(f"/plans/{person.id}").get_data(as_text=True).replace("&#39;", "'")
    assert "This plan needs review." in html
    assert "The person's address changed since the plan was made." in html
    assert 'class="plan-status needs_review"' in html


def test_saving_the_plan_again_takes_the_new_facts_as_its_basis(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    plan = make_plan(db, person, staff, status=PlanStatus.AGREED)
    person.address += "（転居）"
    db.flush()
    sign_in(auth, "staff")
    response = client.post(f"/plans/{person.id}/edit",
                           data=plan_form({"plan": plan}, status="agreed", author_role="staff"))
    assert response.status_code == 302
    db.expire_all()
    assert plan.basis_address == person.address and plan.version == 2
    assert review_reasons(plan, person, None, local_today()) == []
    kept = plan_form({"plan": plan}, status="needs_review", author_role="staff")
    person.address += "2"
    db.flush()
    assert client.post(f"/plans/{person.id}/edit", data=kept).status_code == 302
    db.expire_all()
    assert plan.basis_address != person.address, "kept for review: the old basis stays"


# ---------------------------------------------------------------------------------------------
# The staff list.
# ---------------------------------------------------------------------------------------------


def test_the_list_filters_by_effective_status_and_district(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], staff: Any,
    factory: Any,
) -> None:
    a, b = world["districts"]
    agreed = factory.registrant(a, name="合意 太郎")
    moved = factory.registrant(a, name="転居 次郎")
    drafted = factory.registrant(b, name="下書 三郎")
    make_plan(db, agreed, staff, status=PlanStatus.AGREED)
    make_plan(db, moved, staff, status=PlanStatus.AGREED)
    make_plan(db, drafted, staff)
    moved.address += "（転居）"
    db.flush()
    sign_in(auth, "staff")

    def names(query: str) -> set[str]:
        response = client.get(f"/plans/{query}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        return {n for n in ("合意 太郎", "転居 次郎", "下書 三郎") if n in html}

    assert names("") == {"合意 太郎", "転居 次郎", "下書 三郎"}
    assert names("?status=agreed") == {"合意 太郎"}
    assert names("?status=needs_review") == {"転居 次郎"}
    assert names("?status=draft") == {"下書 三郎"}
    assert names(f"?district={b.id}") == {"下書 三郎"}
    assert names(f"?district={a.id}&status=needs_review") == {"転居 次郎"}
    assert names("?status=nonsense&district=abc") == {"合意 太郎", "転居 次郎", "下書 三郎"}
    event = events(db, "plan.list")[-1]
    assert "合意" not in event.detail


def test_the_list_marks_the_status_asked_for(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], staff: Any,
    factory: Any,
) -> None:
    """The tabs and the select show the filter the user chose, not a status of some row."""
    a, _b = world["districts"]
    make_plan(db, factory.registrant(a, name="合意 太郎"), staff, status=PlanStatus.AGREED)
    make_plan(db, factory.registrant(a, name="下書 三郎"), staff)
    sign_in(auth, "staff")

    def marked(query: str) -> tuple[list[str], list[str]]:
        html = client.get(f"/plans/{query}").get_data(as_text=True)
        tabs = re.findall(r'href="/plans/[^"]*" class="active">([^<]+)<', html)
        options = re.findall(r'<option value="(\w+)" selected>', html)
        return tabs, options

    all_tab, no_option = marked("")
    assert len(all_tab) == 1 and no_option == []
    draft_tab, draft_option = marked("?status=draft")
    assert draft_option == ["draft"] and draft_tab != all_tab
    assert marked("?status=agreed")[1] == ["agreed"]


def test_the_list_pages(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], staff: Any,
    factory: Any, app: Flask,
) -> None:
    for _ in range(5):
        make_plan(db, factory.registrant(world["districts"][0]), staff)
    original = app.config["PAGE_SIZE"]
    app.config["PAGE_SIZE"] = 2
    try:
        sign_in(auth, "staff")
        html = client.get("/plans/?page=2").get_data(as_text=True)
        assert "page=3" in html and "page=1" in html
        assert len(json.loads(events(db, "plan.list")[-1].detail)["ids"]) == 2
        assert client.get("/plans/?page=999").status_code == 200
    finally:
        app.config["PAGE_SIZE"] = original


# ---------------------------------------------------------------------------------------------
# Sharing (49-15): the full cross through plan_visible, and a subset over HTTP.
# ---------------------------------------------------------------------------------------------

PLAN_CONSENTS = ("none", "consented", "other_category", "refused", "withdrawn")


def _plan_sharing(factory: Any, person: Registrant, staff: Any, kind: str) -> None:
    share = ConsentPurpose.PLAN_SHARING
    if kind == "consented":
        consent_to(factory, person, staff, share, scope={PartnerCategory.MINSEI_IIN,
                                                         PartnerCategory.FIRE})
    elif kind == "other_category":
        consent_to(factory, person, staff, share, scope={PartnerCategory.FIRE})
    elif kind == "refused":
        consent_to(factory, person, staff, share, ConsentState.REFUSED)
    elif kind == "withdrawn":
        consent_to(factory, person, staff, share, scope={PartnerCategory.MINSEI_IIN},
                   on=date(2025, 1, 1))
        consent_to(factory, person, staff, share, ConsentState.WITHDRAWN, on=date(2025, 6, 1))


def _sharing_case(db: Session, world: dict[str, Any], factory: Any, consent: str, plans: bool,
                  admitted: bool, running: bool) -> Registrant:
    staff = world["users"]["staff"]
    person = world["consenting"] if admitted else world["refusing"]
    _plan_sharing(factory, person, staff, consent)
    make_plan(db, person, staff)
    world["agreement"].includes_plans = plans
    world["agreement"].emergency_provision = True
    if running:
        release(world, db=db)
    db.flush()
    return person


def _expected(consent: str, plans: bool, admitted: bool, running: bool) -> bool:
    if not plans:
        return False
    if running:  # the release admits everyone in district A, and shares their plans
        return True
    return admitted and consent == "consented"


@pytest.mark.parametrize(
    ("consent", "plans", "admitted", "running"),
    list(product(PLAN_CONSENTS, (True, False), (True, False), (True, False))),
)
def test_plan_visible_under_every_combination(
    db: Session, world: dict[str, Any], factory: Any, consent: str, plans: bool, admitted: bool,
    running: bool,
) -> None:
    person = _sharing_case(db, world, factory, consent, plans, admitted, running)
    partner = world["users"]["partner"]
    expected = _expected(consent, plans, admitted, running)
    assert plan_visible(db, viewer_of(partner, db), person.id) is expected
    assert plan_visible(db, viewer_of(world["users"]["staff"], db), person.id) is True
    for role in ("planner", "admin"):
        assert plan_visible(db, viewer_of(world["users"][role], db), person.id) is False


@pytest.mark.parametrize(
    ("consent", "plans", "admitted", "running"),
    [
        ("consented", True, True, False),
        ("consented", False, True, False),
        ("other_category", True, True, False),
        ("refused", True, True, False),
        ("withdrawn", True, True, False),
        ("none", True, True, False),
        ("consented", True, False, False),
        ("none", True, False, True),
        ("none", False, False, True),
    ],
)
def test_a_partner_opens_a_plan_only_when_it_is_shared(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], factory: Any,
    consent: str, plans: bool, admitted: bool, running: bool,
) -> None:
    person = _sharing_case(db, world, factory, consent, plans, admitted, running)
    sign_in(auth, "partner")
    response = client.get(f"/plans/{person.id}")
    missing = client.get("/plans/999999")
    assert missing.status_code == 404
    if _expected(consent, plans, admitted, running):
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "近所 一郎" in html and "高血圧症" in html
        assert f"/plans/{person.id}/edit" not in html, "no edit for partners"
        assert f"/plans/{person.id}/versions" not in html, "no version history for partners"
        assert "/consent/new" not in html
        assert person.resident_no not in html
        detail = client.get(f"/registrants/{person.id}").get_data(as_text=True)
        assert f'href="/plans/{person.id}"' in detail, "the person's page links the plan"
    else:
        assert response.status_code == 404
        assert "近所 一郎" not in response.get_data(as_text=True)
        assert client.post(f"/plans/{person.id}/print", data={"lang": "ja"}).status_code == 404
        assert db.scalar(select(func.count(Provision.id)).where(
            Provision.format == ProvisionFormat.PLAN_PRINT)) == 0
        if admitted:
            detail = client.get(f"/registrants/{person.id}").get_data(as_text=True)
            assert f'href="/plans/{person.id}"' not in detail
    assert events(db, "plan.denied") or response.status_code == 200


def test_a_partner_never_reaches_staff_pages(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], factory: Any,
) -> None:
    person = _sharing_case(db, world, factory, "consented", True, True, False)
    sign_in(auth, "partner")
    assert client.get(f"/plans/{person.id}").status_code == 200
    for url in ("/plans/", f"/plans/{person.id}/edit", f"/plans/{person.id}/versions",
                f"/plans/{person.id}/versions/1"):
        assert client.get(url).status_code == 403, url


def test_staff_see_the_plan_link_on_every_persons_page(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    person = world["unasked"]
    html = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert f'href="/plans/{person.id}"' in html
    auth.logout()
    sign_in(auth, "planner")
    html = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert "/plans/" not in html


# ---------------------------------------------------------------------------------------------
# Printing: staff's audited print, a partner's copy in the ledger, the one-page fit.
# ---------------------------------------------------------------------------------------------


def test_staff_print_is_audited_and_speaks_japanese_by_default(
    client: IsolatedClient, auth: AuthActions, db: Session, person: Registrant, staff: Any
) -> None:
    make_plan(db, person, staff)
    sign_in(auth, "staff")
    client.post("/locale", data={"locale": "en"})
    page = client.get(f"/plans/{person.id}/print")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "plan-print.css" in html and "近所 一郎" in html
    english = client.get(f"/plans/{person.id}/print?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Individual evacuation plan" in english
    assert "carry no legal liability" in english
    assert "49-16" in english and "49-17" in english
    assert "wm-line" not in english, "no partner watermark on staff's print"
    [first, second] = events(db, "plan.print")
    assert first.object_id == str(person.id) and json.loads(second.detail)["lang"] == "en"
    assert client.post(f"/plans/{person.id}/print", data={"lang": "en"}).status_code == 303
    assert db.scalar(select(func.count(Provision.id))) == 0, "staff prints are not copies"


def test_a_partners_print_is_a_numbered_copy_in_the_ledger(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], factory: Any,
) -> None:
    person = _sharing_case(db, world, factory, "consented", True, True, False)
    sign_in(auth, "partner")
    assert client.get(f"/plans/{person.id}/print").status_code == 404, "no copy made yet"
    response = client.post(f"/plans/{person.id}/print", data={"lang": "en"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/plans/{person.id}/print?lang=en"
    copy = db.scalar(select(Provision).where(Provision.format == ProvisionFormat.PLAN_PRINT))
    assert copy is not None and copy.agreement_id == world["agreement"].id
    assert copy.user_id == world["users"]["partner"].id and copy.count == 1
    assert [i.registrant_id for i in db.scalars(
        select(ProvisionItem).where(ProvisionItem.provision_id == copy.id))] == [person.id]
    assert events(db, "provision.plan_print")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Copy no. {copy.copy_no}" in html and world["organisation"].name in html
    assert "wm-line" in html
    assert json.loads(events(db, "plan.print.view")[-1].detail)["provision"] == copy.id
    # A returned copy can no longer be opened.
    copy.disposed_on = date.today()
    db.flush()
    assert client.get(f"/plans/{person.id}/print").status_code == 404


def test_a_partners_print_under_a_release_is_recorded_against_it(
    client: IsolatedClient, auth: AuthActions, db: Session, world: dict[str, Any], factory: Any,
) -> None:
    person = _sharing_case(db, world, factory, "none", True, False, True)
    sign_in(auth, "partner")
    assert client.post(f"/plans/{person.id}/print", data={}).status_code == 303
    copy = db.scalar(select(Provision).where(Provision.format == ProvisionFormat.PLAN_PRINT))
    assert copy is not None and copy.release_id is not None


def _print_values(note: str) -> dict[str, dict[str, str]]:
    values = {s: {k: "—" for k in items} for s, items in ITEMS.items()}
    for section in values.values():
        for key in section:
            if key in NOTES:
                section[key] = note
    return values


PERSON_ITEMS = [("氏名", "試験 太郎 (シケン タロウ)", False), ("住所", "東京都テスト市1-2-3", True)]
FOOTER = ["To supporters: supporters carry no legal liability.", "Confidential (49-16, 49-17)."]


def test_a_long_plan_is_set_in_smaller_type_and_shortened_only_when_it_must_be(
    app: Flask,
) -> None:
    few = [{"name": "近所 一郎", "address": "東京都西東京市テスト町1-2-3"}] * 2
    address = "東京都西東京市テスト町1-2-3 テストマンション101号室"
    many = [{"name": "近所 一郎", "address": address}] * 12
    with app.test_request_context():
        short = fit(_print_values("短い"), PERSON_ITEMS, few, FOOTER, False)
        assert short.density == "normal" and not short.shortened
        # (The map and signature block at the foot takes its share of the page.)
        longer = fit(_print_values("長い説明の文です。" * 14), PERSON_ITEMS, few, FOOTER, False)
        assert longer.density in ("compact", "tight") and not longer.shortened
        huge = fit(_print_values("とても長い説明文です。" * 80), PERSON_ITEMS, many, FOOTER, True)
    assert huge.density == "tight" and huge.shortened
    printed = {label: value for _title, items in huge.sections for label, value in items}
    assert any(value.endswith("…") for value in printed.values())
    assert all(len(value) < len("とても長い説明文です。" * 80) for value in printed.values())


# ---------------------------------------------------------------------------------------------
# The demo.
# ---------------------------------------------------------------------------------------------


def test_demo_plans_come_in_every_status_with_their_consents(tmp_path: Any) -> None:
    from roster.demo import load_demo
    from roster.extensions import make_engine
    from roster.models import Base, User
    from roster.plans.demo import add_demo_plans

    today = date(2026, 1, 15)
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        load_demo(session, registrants=600, seed=3, password_hash="x", today=today)
        session.flush()
        staff_user = session.scalar(select(User).where(User.role == Role.STAFF))
        assert staff_user is not None
        counts = add_demo_plans(session, today, staff_user, random.Random(5))  # noqa: S311
        session.flush()
        plans = list(session.scalars(select(Plan)))
        active = session.scalar(select(func.count(Registrant.id)).where(
            Registrant.status == RegistrantStatus.ACTIVE))
        assert active is not None
        assert abs(len(plans) - round(active * 0.05)) <= 1
        assert sum(counts.values()) == len(plans)
        statuses = set()
        reasons: set[str] = set()
        from roster.plans.operations import plan_consents

        for plan in plans:
            person = session.get(Registrant, plan.registrant_id)
            assert person is not None
            found = review_reasons(plan, person, plan.destination_shelter, today)
            reasons |= set(found)
            statuses.add(effective_status(plan.status, found))
            making = plan_consents(session, person.id)[ConsentPurpose.PLAN_MAKING]
            assert making is not None and making.state is ConsentState.CONSENTED
            assert len(plan.versions) == 1 and plan.versions[0].version == plan.version
            if plan.status is not PlanStatus.DRAFT:
                assert plan.supporters and plan.author_name
            if plan.destination_kind is DestinationKind.SHELTER and plan.destination_shelter:
                assert plan.distance_m is not None and plan.distance_m > 0
                if person.device_ventilator or person.mobility in (Mobility.WHEELCHAIR,
                                                                    Mobility.BEDRIDDEN):
                    assert plan.destination_shelter.is_welfare_shelter
        assert statuses == set(PlanStatus)
        assert {p.status for p in plans} == set(PlanStatus)
        assert {"review_due", "address_changed", "needs_changed", "shelter_changed"} <= reasons
        assert session.scalar(select(func.count(Shelter.id)).where(Shelter.version > 1)) >= 1
    engine.dispose()

