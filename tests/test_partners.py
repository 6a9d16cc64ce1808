"""Staff's side of partners: organisations, agreements and their versions, status changes
that cut access on the next request, the signed document, the provision ledger and the
reminders."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from roster.access.fields import DEFAULT_AGREEMENT_FIELDS
from roster.i18n import local_today
from roster.models import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    AuditEvent,
    DisposalMethod,
    Organisation,
    PartnerCategory,
    Provision,
    ProvisionFormat,
    Role,
)
from roster.partners.documents import safe_document_name
from roster.partners.reminders import reminders

from .conftest import AuthActions, IsolatedClient
from .test_access import new_client

#: The smallest file a PDF reader opens: a catalogue with no pages.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


# ---------------------------------------------------------------------------------------------
# Form builders, shared with the CSRF cases in test_auth.
# ---------------------------------------------------------------------------------------------


def csrf_agreement_form(w: dict[str, Any]) -> dict[str, Any]:
    """A complete, valid agreement form: the place's agreement as it stands."""
    return agreement_form(w["agreement"])


def csrf_dispose_form(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "disposed_on": local_today().isoformat(),
        "disposal_method": "shredded",
        "confirmed_by": "名簿管理責任者",
    }


def csrf_not_a_pdf(w: dict[str, Any]) -> dict[str, Any]:
    """Not a PDF: the control is checked and refused (422) without writing a file."""
    return {"document": (io.BytesIO(b"GIF89a not a pdf"), "agreement.pdf")}


def agreement_form(a: Agreement, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": str(a.version),
        "title": a.title,
        "starts_on": a.starts_on.isoformat(),
        "ends_on": a.ends_on.isoformat(),
        "districts": [str(d.id) for d in a.districts],
        "fields": list(a.fields),
        "list_manager": a.list_manager,
        "list_manager_contact": a.list_manager_contact,
        "viewers": a.viewers,
        "storage_place": a.storage_place,
        "notes": a.notes,
    }
    for flag in (
        "includes_plans",
        "emergency_provision",
        "duty_confidentiality",
        "duty_no_copies",
        "duty_return",
    ):
        if getattr(a, flag):
            data[flag] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def events(db: Any, action: str) -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


def detail(event: AuditEvent) -> dict[str, Any]:
    return json.loads(event.detail)  # type: ignore[no-any-return]


def latest_version(db: Any, agreement: Agreement) -> AgreementVersion:
    return db.scalars(  # type: ignore[no-any-return]
        select(AgreementVersion)
        .where(AgreementVersion.agreement_id == agreement.id)
        .order_by(AgreementVersion.version.desc())
    ).first()


def html(response: Any) -> str:
    return response.get_data(as_text=True)  # type: ignore[no-any-return]


def english(client: IsolatedClient) -> None:
    assert client.post("/locale", data={"locale": "en"}).status_code == 302


@pytest.fixture()
def staff(client: IsolatedClient, auth: AuthActions, world: dict[str, Any]) -> IsolatedClient:
    assert auth.login("t_staff").status_code == 302
    english(client)
    return client


@pytest.fixture()
def partner_client(app: Flask, world: dict[str, Any]) -> IsolatedClient:
    other = new_client(app)
    assert AuthActions(other).login("t_partner").status_code == 302
    return other


@pytest.fixture()
def documents(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Signed documents go under a temporary instance folder, not the project's."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "agreements"


def draft(factory: Any, world: dict[str, Any], **kw: Any) -> Agreement:
    return factory.agreement(world["organisation"], status=AgreementStatus.DRAFT, **kw)  # type: ignore[no-any-return]


def post_status(client: IsolatedClient, agreement: Agreement, action: str, **extra: str) -> Any:
    return client.post(
        f"/partners/agreements/{agreement.id}/status", data={"action": action, **extra}
    )


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------


def test_staff_add_an_organisation_with_contacts_and_districts(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    a, b = world["districts"]
    response = staff.post(
        "/partners/new",
        data={
            "name": "テスト町会",
            "category": "jichikai",
            "contact_name": "町会 会長",
            "contact_phone": "042-111-2222",
            "contact_email": "kaicho@example.jp",
            "contact_address": "テスト市テスト町A1-1",
            "notes": "毎月第1日曜に役員会",
            "districts": [str(a.id), str(b.id)],
        },
    )
    assert response.status_code == 302
    org = db.scalar(select(Organisation).where(Organisation.name == "テスト町会"))
    assert response.headers["Location"] == f"/partners/{org.id}"
    assert org.category is PartnerCategory.JICHIKAI
    assert (org.contact_name, org.contact_phone, org.contact_email) == (
        "町会 会長",
        "042-111-2222",
        "kaicho@example.jp",
    )
    assert {d.id for d in org.districts} == {a.id, b.id}
    event = events(db, "organisation.create")[-1]
    assert event.object_id == str(org.id)
    assert "町会 会長" not in event.detail and "042-111-2222" not in event.detail
    page = html(staff.get(f"/partners/{org.id}"))
    assert "町会 会長" in page and "kaicho@example.jp" in page and a.name in page


def test_a_duplicate_name_is_refused_with_a_clear_message(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    before = db.scalar(select(func.count(Organisation.id)))
    response = staff.post(
        "/partners/new", data={"name": world["organisation"].name, "category": "jichikai"}
    )
    assert response.status_code == 422
    assert "An organisation with this name exists." in html(response)
    assert db.scalar(select(func.count(Organisation.id))) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"category": "martians"}, "Not a valid choice"),
        ({"contact_email": "not an address"}, "Write a valid email address."),
        ({"contact_phone": "call me"}, "Write a Japanese phone number"),
        ({"districts": ["999999"]}, "valid choice"),
    ],
)
def test_bad_organisation_input_answers_422_and_changes_nothing(
    staff: IsolatedClient, db: Any, world: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    org = world["organisation"]
    data = {"name": "新しい名前", "category": "jichikai", **changes}
    before = db.scalar(select(func.count(AuditEvent.id)))
    response = staff.post(f"/partners/{org.id}/edit", data=data)
    assert response.status_code == 422
    assert message in html(response)
    db.expire_all()
    assert org.name.startswith("テスト団体") and org.category is PartnerCategory.MINSEI_IIN
    assert db.scalar(select(func.count(AuditEvent.id))) == before


def test_an_organisation_edit_is_audited_with_the_changed_field_names(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    org = world["organisation"]
    a, b = world["districts"]
    response = staff.post(
        f"/partners/{org.id}/edit",
        data={
            "name": org.name,
            "category": "minsei_iin",
            "contact_phone": "042-999-0000",
            "districts": [str(a.id), str(b.id)],
            "version": str(org.version),
        },
    )
    assert response.status_code == 302
    assert org.contact_phone == "042-999-0000"
    event = events(db, "organisation.update")[-1]
    assert detail(event) == {"changed": ["contact_phone", "districts"]}
    assert "042-999-0000" not in event.detail
    # Saving again unchanged writes no event.
    staff.post(
        f"/partners/{org.id}/edit",
        data={
            "name": org.name,
            "category": "minsei_iin",
            "contact_phone": "042-999-0000",
            "districts": [str(a.id), str(b.id)],
            "version": str(org.version),
        },
    )
    assert len(events(db, "organisation.update")) == 1


def test_a_stale_organisation_save_answers_409_and_keeps_the_newer_districts(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    org = world["organisation"]
    a, b = world["districts"]
    opened = {"name": org.name, "category": "minsei_iin", "version": str(org.version)}
    first = staff.post(
        f"/partners/{org.id}/edit", data={**opened, "districts": [str(a.id), str(b.id)]}
    )
    assert first.status_code == 302
    db.expire_all()
    assert org.version == 2, "a change of districts alone makes a new version"
    stale = staff.post(f"/partners/{org.id}/edit", data={**opened, "districts": [str(a.id)]})
    assert stale.status_code == 409
    assert "changed by someone else" in html(stale)
    db.expire_all()
    assert {d.id for d in org.districts} == {a.id, b.id}
    assert len(events(db, "organisation.update")) == 1


def test_renaming_to_another_organisations_name_is_refused(
    staff: IsolatedClient, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    other = factory.organisation(PartnerCategory.FIRE)
    db.commit()
    response = staff.post(
        f"/partners/{world['organisation'].id}/edit",
        data={
            "name": other.name,
            "category": "minsei_iin",
            "version": str(world["organisation"].version),
        },
    )
    assert response.status_code == 422
    assert "An organisation with this name exists." in html(response)


def test_the_organisation_page_shows_users_agreements_ledger_and_tokens(
    staff: IsolatedClient, place: dict[str, Any]
) -> None:
    page = html(staff.get(f"/partners/{place['organisation'].id}"))
    assert "t_partner" in page
    assert place["agreement"].title in page
    assert "rt_test" in page and "テスト連携" in page
    assert f"/partners/{place['organisation'].id}/ledger" in page


# ---------------------------------------------------------------------------------------------
# Agreements: creating, editing, versions
# ---------------------------------------------------------------------------------------------


def test_a_new_agreement_starts_from_the_organisations_districts_and_the_default_fields(
    staff: IsolatedClient, world: dict[str, Any]
) -> None:
    page = html(staff.get(f"/partners/{world['organisation'].id}/agreements/new"))
    a, b = world["districts"]
    assert _checked(page, "districts", str(a.id))
    assert not _checked(page, "districts", str(b.id))
    for group in DEFAULT_AGREEMENT_FIELDS:
        assert _checked(page, "fields", group), group
    for group in ("care_level", "devices", "disability_certificate", "emergency_contacts"):
        assert not _checked(page, "fields", group), group
    assert page.count("要配慮個人情報") >= 4, "the medical groups are marked"
    assert _checked(page, "duty_confidentiality", "y")


def _checked(page: str, name: str, value: str) -> bool:
    """Whether the page's checkbox `name`=`value` is ticked."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return "checked" in tag
    raise AssertionError(f"no checkbox {name}={value}")


def test_a_new_agreement_is_saved_as_a_draft_with_its_first_version(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    org = world["organisation"]
    a = world["districts"][0]
    response = staff.post(
        f"/partners/{org.id}/agreements/new",
        data={
            "title": "令和9年度 名簿提供協定",
            "starts_on": "2027-04-01",
            "ends_on": "2028-03-31",
            "districts": [str(a.id)],
            "fields": ["name", "address", "care_level"],
            "list_manager": "民生 花子",
            "viewers": "民生 花子\n\n  民生 次郎  \n",
            "duty_confidentiality": "y",
        },
    )
    assert response.status_code == 302
    agreement = db.scalar(select(Agreement).where(Agreement.title == "令和9年度 名簿提供協定"))
    assert response.headers["Location"] == f"/partners/agreements/{agreement.id}"
    assert agreement.status is AgreementStatus.DRAFT
    assert agreement.fields == ["name", "address", "care_level"]
    assert agreement.viewers == "民生 花子\n民生 次郎"
    assert (agreement.duty_confidentiality, agreement.duty_no_copies) == (True, False)
    [version] = agreement.versions
    assert version.version == agreement.version == 1
    assert version.snapshot["districts"] == [a.code]
    assert version.snapshot["status"] == "draft"
    assert version.snapshot["starts_on"] == "2027-04-01"
    assert "title" in version.changed and "fields" in version.changed
    assert version.changed_by_id == world["users"]["staff"].id
    event = events(db, "agreement.create")[-1]
    assert detail(event)["version"] == 1 and detail(event)["organisation"] == org.id
    assert "民生 花子" not in event.detail


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"starts_on": ""}, "This field is required."),
        ({"starts_on": "2027-04-01", "ends_on": "2027-03-31"}, "The end date is before the start"),
        ({"ends_on": "2027-02-30"}, "Type the date as 2026-04-01"),
        ({"fields": ["name", "blood_type"]}, "valid choice"),
        ({"districts": ["999999"]}, "valid choice"),
        ({"list_manager": "x" * 101}, "Field cannot be longer than 100 characters."),
    ],
)
def test_bad_agreement_input_answers_422_and_creates_nothing(
    staff: IsolatedClient, db: Any, world: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    before = db.scalar(select(func.count(Agreement.id)))
    data = {
        "title": "協定",
        "starts_on": "2027-04-01",
        "ends_on": "2028-03-31",
        "districts": [str(world["districts"][0].id)],
        "fields": ["name"],
        **changes,
    }
    response = staff.post(f"/partners/{world['organisation'].id}/agreements/new", data=data)
    assert response.status_code == 422
    assert message in html(response)
    assert db.scalar(select(func.count(Agreement.id))) == before
    assert not events(db, "agreement.create")


def test_an_edit_writes_a_version_naming_the_changed_terms(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    agreement = world["agreement"]
    a, b = world["districts"]
    old_title = agreement.title
    response = staff.post(
        f"/partners/agreements/{agreement.id}/edit",
        data=agreement_form(
            agreement, districts=[str(a.id), str(b.id)], list_manager="民生 太郎"
        ),
    )
    assert response.status_code == 302, html(response)[:500]
    assert agreement.version == 2
    assert agreement.list_manager == "民生 太郎"
    version = latest_version(db, agreement)
    assert version.version == 2
    assert version.changed == ["districts", "list_manager"]
    assert version.snapshot["districts"] == sorted([a.code, b.code])
    assert version.snapshot["title"] == old_title
    event = events(db, "agreement.update")[-1]
    assert detail(event)["changed"] == ["districts", "list_manager"]
    assert detail(event)["version"] == 2
    assert "民生 太郎" not in event.detail


def test_a_save_without_changes_writes_no_version(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    agreement = world["agreement"]
    agreement.title = "名簿提供協定（第１地区）"
    agreement.list_manager = "会長　青木 和子"
    agreement.viewers = "青木　和子\n石田 幸子"
    db.commit()
    version = agreement.version
    form = html(staff.get(f"/partners/agreements/{agreement.id}/edit"))
    assert "名簿提供協定（第１地区）" in form, "full-width characters are shown as stored"
    response = staff.post(
        f"/partners/agreements/{agreement.id}/edit", data=agreement_form(agreement)
    )
    assert response.status_code == 302
    assert agreement.version == version
    assert agreement.title == "名簿提供協定（第１地区）"
    assert not events(db, "agreement.update")


def test_a_stale_edit_answers_409_and_changes_nothing(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    agreement = world["agreement"]
    opened = agreement_form(agreement)
    first = staff.post(
        f"/partners/agreements/{agreement.id}/edit",
        data={**opened, "list_manager": "先に保存した人"},
    )
    assert first.status_code == 302
    second = staff.post(
        f"/partners/agreements/{agreement.id}/edit",
        data={**opened, "title": "後から保存した題名"},
    )
    assert second.status_code == 409
    assert "changed by someone else" in html(second)
    db.expire_all()
    assert agreement.title != "後から保存した題名"
    assert agreement.list_manager == "先に保存した人"
    assert agreement.version == 2
    assert len(events(db, "agreement.update")) == 1


def test_a_terminated_agreement_cannot_be_edited(
    staff: IsolatedClient, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    agreement = factory.agreement(world["organisation"], status=AgreementStatus.TERMINATED)
    db.commit()
    page = staff.get(f"/partners/agreements/{agreement.id}/edit")
    assert page.status_code == 302
    assert page.headers["Location"] == f"/partners/agreements/{agreement.id}"
    response = staff.post(
        f"/partners/agreements/{agreement.id}/edit", data=agreement_form(agreement, title="復活")
    )
    assert response.status_code == 409
    assert "A terminated agreement cannot be changed." in html(response)
    db.expire_all()
    assert agreement.title != "復活" and agreement.version == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"districts": []}, "Choose at least one district"),
        ({"fields": []}, "Choose at least one field"),
    ],
)
def test_an_active_agreement_must_stay_valid_when_edited(
    staff: IsolatedClient, db: Any, world: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    agreement = world["agreement"]
    response = staff.post(
        f"/partners/agreements/{agreement.id}/edit", data=agreement_form(agreement, **changes)
    )
    assert response.status_code == 422
    assert message in html(response)
    db.expire_all()
    assert agreement.version == 1 and agreement.districts and agreement.fields


def test_the_versions_page_lists_each_change_and_shows_a_past_snapshot(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    staff.post(
        f"/partners/{world['organisation'].id}/agreements/new",
        data={
            "title": "初版の題名",
            "starts_on": "2027-04-01",
            "ends_on": "2028-03-31",
            "districts": [str(world["districts"][0].id)],
            "fields": ["name"],
        },
    )
    agreement = db.scalar(select(Agreement).where(Agreement.title == "初版の題名"))
    staff.post(
        f"/partners/agreements/{agreement.id}/edit",
        data=agreement_form(agreement, title="第2版の題名", storage_place="会長宅の書庫"),
    )
    page = html(staff.get(f"/partners/agreements/{agreement.id}/versions"))
    assert "Title、Storage place" in page
    assert f"/partners/agreements/{agreement.id}/versions/1" in page
    assert "テスト利用者" in page, "who made the change"
    first = staff.get(f"/partners/agreements/{agreement.id}/versions/1")
    assert first.status_code == 200
    assert "初版の題名" in html(first) and "A past version" in html(first)
    second = html(staff.get(f"/partners/agreements/{agreement.id}/versions/2"))
    assert "会長宅の書庫" in second and "as it stands now" in second
    assert staff.get(f"/partners/agreements/{agreement.id}/versions/3").status_code == 404


# ---------------------------------------------------------------------------------------------
# Status changes
# ---------------------------------------------------------------------------------------------


def test_activating_a_valid_draft_writes_a_version_and_an_event(
    staff: IsolatedClient, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    later = draft(
        factory,
        world,
        starts_on=world["agreement"].ends_on + timedelta(days=1),
        ends_on=world["agreement"].ends_on + timedelta(days=365),
    )
    db.commit()
    response = post_status(staff, later, "activate", version=str(later.version))
    assert response.status_code == 302
    assert later.status is AgreementStatus.ACTIVE
    assert later.version == 2
    version = latest_version(db, later)
    assert version.changed == ["status"] and version.snapshot["status"] == "active"
    assert detail(events(db, "agreement.activate")[-1])["version"] == 2


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"districts": []}, "Choose at least one district"),
        ({"fields": []}, "Choose at least one field"),
        (
            {"starts_on": date(2020, 4, 1), "ends_on": date(2021, 3, 31)},
            "The end date has passed",
        ),
        ({}, "Another active agreement of this organisation covers part of the same term"),
    ],
)
def test_activation_is_refused_with_a_clear_message(
    staff: IsolatedClient,
    db: Any,
    factory: Any,
    world: dict[str, Any],
    kw: dict[str, Any],
    message: str,
) -> None:
    if kw:  # every case but the overlap: the world's agreement is out of the way
        world["agreement"].status = AgreementStatus.TERMINATED
    candidate = draft(factory, world, **kw)
    db.commit()
    response = post_status(staff, candidate, "activate")
    assert response.status_code == 422
    assert message in html(response)
    db.expire_all()
    assert candidate.status is AgreementStatus.DRAFT and candidate.version == 1
    assert not events(db, "agreement.activate")


def test_an_expired_active_agreement_does_not_block_a_later_one(
    staff: IsolatedClient, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    today = local_today()
    world["agreement"].starts_on = today - timedelta(days=400)
    world["agreement"].ends_on = today - timedelta(days=1)
    successor = draft(factory, world, starts_on=today, ends_on=today + timedelta(days=365))
    db.commit()
    assert post_status(staff, successor, "activate").status_code == 302
    assert successor.status is AgreementStatus.ACTIVE


def test_suspend_resume_terminate_and_never_back(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    agreement = world["agreement"]
    assert post_status(staff, agreement, "resume").status_code == 409
    assert post_status(staff, agreement, "suspend").status_code == 302
    assert agreement.status is AgreementStatus.SUSPENDED
    assert post_status(staff, agreement, "resume").status_code == 302
    assert agreement.status is AgreementStatus.ACTIVE
    refused = post_status(staff, agreement, "terminate")
    assert refused.status_code == 422 and "cannot be undone" in html(refused)
    assert agreement.status is AgreementStatus.ACTIVE
    assert post_status(staff, agreement, "terminate", confirm="yes").status_code == 302
    assert agreement.status is AgreementStatus.TERMINATED
    assert agreement.terminated_at is not None
    for action in ("activate", "resume", "suspend", "terminate"):
        response = post_status(staff, agreement, action, confirm="yes")
        assert response.status_code == 409, action
    assert post_status(staff, agreement, "explode").status_code == 422
    db.expire_all()
    assert agreement.status is AgreementStatus.TERMINATED
    versions = list(agreement.versions)
    assert [v.snapshot["status"] for v in versions] == [
        "terminated",
        "active",
        "suspended",
    ]
    assert versions[0].snapshot["terminated_at"] is not None
    assert set(versions[0].changed) == {"status", "terminated_at"}


def test_a_status_change_from_a_stale_page_is_refused(
    staff: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    agreement = world["agreement"]
    old = str(agreement.version)
    assert post_status(staff, agreement, "suspend", version=old).status_code == 302
    response = post_status(staff, agreement, "resume", version=old)
    assert response.status_code == 409
    assert agreement.status is AgreementStatus.SUSPENDED


@pytest.mark.parametrize("action", ["suspend", "terminate"])
def test_ending_an_agreement_cuts_the_partner_off_on_the_very_next_request(
    staff: IsolatedClient,
    partner_client: IsolatedClient,
    db: Any,
    world: dict[str, Any],
    action: str,
) -> None:
    person = world["consenting"]
    assert partner_client.get("/api/v1/registrants").get_json()["total"] == 1
    assert partner_client.get(f"/registrants/{person.id}").status_code == 200
    assert partner_client.get(f"/api/v1/registrants/{person.id}").status_code == 200
    assert post_status(staff, world["agreement"], action, confirm="yes").status_code == 302
    assert partner_client.get("/api/v1/registrants").get_json()["total"] == 0
    assert partner_client.get(f"/registrants/{person.id}").status_code == 404
    assert partner_client.get(f"/api/v1/registrants/{person.id}").status_code == 404
    if action == "suspend":
        assert post_status(staff, world["agreement"], "resume").status_code == 302
        assert partner_client.get("/api/v1/registrants").get_json()["total"] == 1


def test_an_edit_that_removes_a_district_hides_its_people_at_once(
    staff: IsolatedClient,
    partner_client: IsolatedClient,
    db: Any,
    factory: Any,
    world: dict[str, Any],
) -> None:
    a, b = world["districts"]
    agreement = world["agreement"]
    staff.post(
        f"/partners/agreements/{agreement.id}/edit",
        data=agreement_form(agreement, districts=[str(a.id), str(b.id)]),
    )
    seen = {i["id"] for i in partner_client.get("/api/v1/registrants").get_json()["items"]}
    assert seen == {world["consenting"].id, world["elsewhere"].id}
    staff.post(
        f"/partners/agreements/{agreement.id}/edit",
        data=agreement_form(agreement, districts=[str(b.id)]),
    )
    seen = {i["id"] for i in partner_client.get("/api/v1/registrants").get_json()["items"]}
    assert seen == {world["elsewhere"].id}


def test_the_agreement_page_explains_what_blocks_activation(
    staff: IsolatedClient, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    candidate = draft(factory, world, districts=[])
    db.commit()
    page = html(staff.get(f"/partners/agreements/{candidate.id}"))
    assert "It cannot be activated yet" in page
    assert "Choose at least one district" in page
    assert "Another active agreement" in page
    assert world["agreement"].title in page


# ---------------------------------------------------------------------------------------------
# The signed document
# ---------------------------------------------------------------------------------------------


def upload(client: IsolatedClient, agreement: Agreement, content: bytes, name: str) -> Any:
    return client.post(
        f"/partners/agreements/{agreement.id}/document",
        data={"document": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_a_signed_pdf_is_kept_by_its_sha256_and_downloaded_as_an_attachment(
    staff: IsolatedClient, db: Any, world: dict[str, Any], documents: Path
) -> None:
    agreement = world["agreement"]
    response = upload(staff, agreement, MINIMAL_PDF, "協定書（署名済み）.pdf")
    assert response.status_code == 302
    sha = hashlib.sha256(MINIMAL_PDF).hexdigest()
    stored = documents / f"{sha}.pdf"
    assert stored.read_bytes() == MINIMAL_PDF
    assert [p.name for p in documents.iterdir()] == [stored.name], "no temporary file left"
    assert agreement.document_sha256 == sha
    assert agreement.document_size == len(MINIMAL_PDF)
    assert agreement.document_name == "協定書（署名済み）.pdf"
    assert agreement.document_uploaded_at is not None
    assert agreement.version == 2
    version = latest_version(db, agreement)
    assert version.changed == ["document"] and version.snapshot["document"]["sha256"] == sha
    assert detail(events(db, "agreement.document")[-1])["changed"] == ["document"]

    download = staff.get(f"/partners/agreements/{agreement.id}/document.pdf")
    assert download.status_code == 200
    assert download.data == MINIMAL_PDF
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"agreement-{agreement.id}.pdf" in disposition
    assert "協定書" not in disposition
    assert download.headers["Cache-Control"] == "no-store"
    assert events(db, "agreement.download")
    page = html(staff.get(f"/partners/agreements/{agreement.id}"))
    assert "協定書（署名済み）.pdf" in page and sha in page


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"GIF89a\x01\x00", "協定書.pdf", "This file is not a PDF"),
        (b"<html>%PDF-1.4", "agreement.pdf", "This file is not a PDF"),
        (b"", "agreement.pdf", "The file is empty."),
    ],
)
def test_a_file_that_is_not_a_pdf_is_refused(
    staff: IsolatedClient,
    db: Any,
    world: dict[str, Any],
    documents: Path,
    content: bytes,
    name: str,
    message: str,
) -> None:
    agreement = world["agreement"]
    response = upload(staff, agreement, content, name)
    assert response.status_code == 422
    assert message in html(response) or "Choose the PDF file" in html(response)
    db.expire_all()
    assert agreement.document_sha256 is None and agreement.version == 1
    assert not documents.exists() or not list(documents.iterdir())


def test_a_pdf_over_20_mb_is_refused_and_nothing_is_kept(
    staff: IsolatedClient, db: Any, world: dict[str, Any], documents: Path
) -> None:
    agreement = world["agreement"]
    big = b"%PDF-1.4\n" + b"0" * (20 * 2**20)
    response = upload(staff, agreement, big, "big.pdf")
    assert response.status_code == 422
    assert "larger than 20 MB" in html(response)
    db.expire_all()
    assert agreement.document_sha256 is None
    assert not list(documents.iterdir())


def test_without_a_file_the_upload_says_what_to_do(
    staff: IsolatedClient, world: dict[str, Any], documents: Path
) -> None:
    response = staff.post(f"/partners/agreements/{world['agreement'].id}/document", data={})
    assert response.status_code == 422
    assert "Choose the PDF file of the signed agreement." in html(response)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("協定書.pdf", "協定書.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\tanaka\\協定.pdf", "協定.pdf"),
        ('a<b>c:"d"|e?.pdf', "a_b_c__d__e_.pdf"),
        ("", "document.pdf"),
        ("\x00\x01", "__"),
        ("あ" * 300 + ".pdf", "あ" * 196 + ".pdf"),
    ],
)
def test_the_original_file_name_is_kept_safely(given: str, kept: str) -> None:
    assert safe_document_name(given) == kept


# ---------------------------------------------------------------------------------------------
# The provision ledger
# ---------------------------------------------------------------------------------------------


def test_the_ledger_lists_each_copy_and_flags_those_that_must_come_back(
    staff: IsolatedClient, db: Any, place: dict[str, Any]
) -> None:
    org, copy = place["organisation"], place["provision"]
    page = html(staff.get(f"/partners/{org.id}/ledger"))
    assert "Copy 1" in page and place["agreement"].title in page
    assert "Printed list" in page and "テスト利用者" in page
    assert "Must be returned or destroyed" not in page
    assert f"/partners/provisions/{copy.id}/dispose" in page
    place["agreement"].status = AgreementStatus.TERMINATED
    db.commit()
    page = html(staff.get(f"/partners/{org.id}/ledger"))
    assert "Must be returned or destroyed" in page
    assert '<tr class="urgent' in page


def test_the_outstanding_filter_hides_returned_copies(
    staff: IsolatedClient, db: Any, place: dict[str, Any]
) -> None:
    org, copy = place["organisation"], place["provision"]
    copy.disposed_on = local_today()
    copy.disposal_method = DisposalMethod.RETURNED
    copy.confirmed_by = "会長"
    db.commit()
    everything = html(staff.get(f"/partners/{org.id}/ledger"))
    assert "Copy 1" in everything and "confirmed by 会長" in everything
    outstanding = html(staff.get(f"/partners/{org.id}/ledger?outstanding=1"))
    assert "Copy 1" not in outstanding and "No copies out." in outstanding


def test_recording_a_return_is_audited_and_happens_once(
    staff: IsolatedClient, db: Any, place: dict[str, Any]
) -> None:
    copy = place["provision"]
    form = {
        "disposed_on": local_today().isoformat(),
        "disposal_method": "returned",
        "confirmed_by": "民生 花子",
        "note": "会長が持参",
    }
    response = staff.post(f"/partners/provisions/{copy.id}/dispose", data=form)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/partners/{copy.organisation_id}/ledger"
    assert copy.disposed_on == local_today()
    assert copy.disposal_method is DisposalMethod.RETURNED
    assert (copy.confirmed_by, copy.disposal_note) == ("民生 花子", "会長が持参")
    assert copy.disposal_recorded_by_id == place["users"]["staff"].id
    [event] = events(db, "provision.dispose")
    assert event.object_id == str(copy.id)
    assert detail(event)["method"] == "returned" and "民生 花子" not in event.detail
    again = staff.post(
        f"/partners/provisions/{copy.id}/dispose",
        data={**form, "disposal_method": "shredded", "confirmed_by": "別人"},
    )
    assert again.status_code == 409
    db.expire_all()
    assert copy.disposal_method is DisposalMethod.RETURNED and copy.confirmed_by == "民生 花子"
    assert len(events(db, "provision.dispose")) == 1
    assert staff.get(f"/partners/provisions/{copy.id}/dispose").status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"disposed_on": "future"}, "This date is in the future."),
        ({"disposed_on": "yesterday"}, "This date is before the copy was made."),
        ({"disposed_on": ""}, "This field is required."),
        ({"confirmed_by": ""}, "This field is required."),
        ({"disposal_method": "burnt"}, "Not a valid choice"),
    ],
)
def test_a_bad_disposal_answers_422_and_changes_nothing(
    staff: IsolatedClient, db: Any, place: dict[str, Any], changes: dict[str, str], message: str
) -> None:
    copy = place["provision"]
    today = local_today()
    form = {"disposed_on": today.isoformat(), "disposal_method": "shredded", "confirmed_by": "X"}
    form.update(changes)
    if form["disposed_on"] == "future":
        form["disposed_on"] = (today + timedelta(days=1)).isoformat()
    if form["disposed_on"] == "yesterday":
        form["disposed_on"] = (today - timedelta(days=1)).isoformat()
    response = staff.post(f"/partners/provisions/{copy.id}/dispose", data=form)
    assert response.status_code == 422
    assert message in html(response)
    db.expire_all()
    assert copy.disposed_on is None
    assert not events(db, "provision.dispose")


def test_the_copy_page_lists_its_people_and_the_view_is_audited(
    staff: IsolatedClient, db: Any, place: dict[str, Any]
) -> None:
    copy, person = place["provision"], place["consenting"]
    page = html(staff.get(f"/partners/provisions/{copy.id}"))
    assert person.name in page and f"/registrants/{person.id}" in page
    assert place["refusing"].name not in page
    [event] = events(db, "provision.view")
    assert detail(event)["ids"] == [person.id] and detail(event)["provision"] == copy.id
    assert person.name not in event.detail


# ---------------------------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------------------------


def test_the_reminders_name_the_right_organisations(
    staff: IsolatedClient, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    today = local_today()
    a = world["districts"][0]
    staff_user = world["users"]["staff"]
    # The world's organisation: in force, ends in 30 days, no list manager.
    ending = world["agreement"]
    ending.ends_on = today + timedelta(days=30)
    ending.list_manager = ""
    # Ends in 90 days, with a manager: nothing to say.
    calm = factory.organisation(PartnerCategory.FIRE, [a])
    factory.agreement(calm, ends_on=today + timedelta(days=90), list_manager="消防 一郎")
    # No agreement at all.
    bare = factory.organisation(PartnerCategory.POLICE, [a])
    # Terminated, with a copy still out: urgent.
    ended = factory.organisation(PartnerCategory.JICHIKAI, [a])
    gone = factory.agreement(ended, status=AgreementStatus.TERMINATED, list_manager="町会 長")
    factory.agreement(ended, starts_on=today, ends_on=today + timedelta(days=365),
                      list_manager="町会 長", districts=[a])
    db.add(Provision(organisation_id=ended.id, agreement_id=gone.id, user_id=staff_user.id,
                     format=ProvisionFormat.PRINT, copy_no=1, count=3))
    # Ended on the 60-day edge's far side: expired yesterday, so not "ending soon".
    lapsed = factory.organisation(PartnerCategory.SHAKYO, [a])
    factory.agreement(lapsed, starts_on=today - timedelta(days=400),
                      ends_on=today - timedelta(days=1), list_manager="社協 課長")
    db.commit()

    r = reminders(db, today)
    assert [x.id for x in r.ending_soon] == [ending.id]
    assert [x.id for x in r.no_manager] == [ending.id]
    assert {o.id for o in r.no_agreement} == {bare.id, lapsed.id}
    assert [(o.organisation.id, o.count, o.urgent) for o in r.outstanding] == [(ended.id, 1, 1)]

    page = html(staff.get("/partners/"))
    sections = _sections(page)
    assert world["organisation"].name in sections["Agreements ending within 60 days"]
    assert "days left: 30" in sections["Agreements ending within 60 days"]
    assert calm.name not in sections["Agreements ending within 60 days"]
    assert world["organisation"].name in sections["Agreements in force without a list manager"]
    assert f"/partners/agreements/{ending.id}/edit" in sections[
        "Agreements in force without a list manager"
    ]
    assert bare.name in sections["Organisations with no agreement in force"]
    assert lapsed.name in sections["Organisations with no agreement in force"]
    assert f"/partners/{bare.id}/agreements/new" in sections[
        "Organisations with no agreement in force"
    ]
    outstanding = sections["Copies not yet returned or destroyed"]
    assert ended.name in outstanding and 'class="urgent"' in outstanding
    assert f"/partners/{ended.id}/ledger?outstanding=1" in outstanding
    assert world["organisation"].name not in outstanding


def _sections(page: str) -> dict[str, str]:
    """The reminder panel's sections by heading (the heading's start is enough)."""
    panel = page.split('class="reminders"', 1)[1].split("</section>", 1)[0]
    out = {}
    for chunk in panel.split("<h3>")[1:]:
        heading, body = chunk.split("</h3>", 1)
        for key in (
            "Agreements ending within 60 days",
            "Agreements in force without a list manager",
            "Organisations with no agreement in force",
            "Copies not yet returned or destroyed",
        ):
            if heading.startswith(key):
                out[key] = body
    return out


def test_the_index_lists_each_organisation_with_its_agreement_and_copies_out(
    staff: IsolatedClient, place: dict[str, Any]
) -> None:
    page = html(staff.get("/partners/"))
    org, agreement = place["organisation"], place["agreement"]
    row = page.split(f'href="/partners/{org.id}"', 1)[1].split("</tr>", 1)[0]
    assert agreement.title in row
    assert "Welfare commissioners" in row
    assert place["districts"][0].name in row
    assert "Active" in row
    assert f"/partners/{org.id}/ledger?outstanding=1" in row


def test_no_partner_pages_for_other_roles(
    client: IsolatedClient, auth: AuthActions, place: dict[str, Any], factory: Any
) -> None:
    """A partner cannot open even their own organisation's staff page or ledger."""
    factory.user(Role.PLANNER, "t_planner2")
    auth.login("t_partner")
    org = place["organisation"]
    for url in (f"/partners/{org.id}", f"/partners/{org.id}/ledger",
                f"/partners/provisions/{place['provision'].id}"):
        assert client.get(url).status_code == 403, url
