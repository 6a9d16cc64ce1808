"""Saving a form changes only what the user changed.

Each edit form is opened as a browser opens it and posted back: fields the user did not touch
keep their stored value byte for byte, whatever width its brackets, letters and digits are
written in, and the audit event names only the fields that really changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from roster.models import AuditEvent, EmergencyContact, Registrant
from roster.text import person_keys

from .conftest import AuthActions, IsolatedClient
from .factories import CITY
from .formpage import form_fields
from .test_plans import plan_person
from .test_shelters import shelter_id

World = dict[str, Any]

#: Characters that NFKC or a careless filter would rewrite: full-width brackets, letters,
#: digits and spaces, half-width katakana, ㈱, a compatibility ideograph (神 U+FA19), a
#: combining dakuten, and dashes of every form.
WIDE = "（）［］ＡＢＣａｂ０１２ｶﾀｶﾅﾞ㈱\ufa19﨑髙　か\u3099－ー‐―"
PLAIN = "山田花子太郎様方 ()-12ab"
words = st.text(alphabet=WIDE + PLAIN, min_size=1, max_size=40).filter(
    lambda s: s.strip() != "" and "  " not in s.strip()
)
paragraphs = st.text(alphabet=WIDE + PLAIN + "\n", min_size=1, max_size=80).filter(
    lambda s: s.strip() != ""
)
phones = st.sampled_from(["０４２－１２３－４５６７", "042ー123ー4567", "０９０１２３４５６７８"])

SLOW_FIXTURES = settings(
    max_examples=25,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def columns(db: Session, record: Any) -> dict[str, Any]:
    """The record's columns as the database holds them now."""
    db.expire_all()
    return {a.key: getattr(record, a.key) for a in inspect(record).mapper.column_attrs}


def events(db: Session, action: str) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    )
    return [json.loads(e.detail) for e in rows]


def post_back(client: IsolatedClient, page: str, **changes: str) -> Any:
    """Open the form and post it as the browser would, with `changes` typed in."""
    opened = client.get(page)
    assert opened.status_code == 200, page
    fields = form_fields(opened.get_data(as_text=True), page, page)
    return client.post(page, data={**fields, **changes})


@pytest.fixture()
def staff(client: IsolatedClient, auth: AuthActions, place: World, db: Session) -> World:
    db.commit()
    assert auth.login("t_staff").status_code == 302
    return place


# --- The register ----------------------------------------------------------------------------


@SLOW_FIXTURES
@given(name=words, address=words, detail=paragraphs, contact=words, phone=phones)
def test_an_untouched_registrant_is_saved_byte_for_byte(
    client: IsolatedClient,
    db: Session,
    staff: World,
    name: str,
    address: str,
    detail: str,
    contact: str,
    phone: str,
) -> None:
    person: Registrant = staff["refusing"]
    person.name, person.address, person.support_reason_detail = name, address, detail
    person.phone = phone
    person.disability_certificate = name[:40]
    keyed = {"name": name, "name_kana": person.name_kana, "address": address, "phone": phone,
             "mobile_phone": person.mobile_phone}
    for key, value in person_keys(keyed, CITY).items():
        setattr(person, key, value)
    person.emergency_contacts[:] = []
    db.flush()
    person.emergency_contacts.append(
        EmergencyContact(position=1, name=contact[:100], relation="長女（同居）", phone=phone)
    )
    db.commit()
    before = columns(db, person)
    contacts = [(c.name, c.relation, c.phone) for c in person.emergency_contacts]
    updates = len(events(db, "registrant.update"))
    saved = post_back(client, f"/registrants/{person.id}/edit")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    assert columns(db, person) == before
    assert [(c.name, c.relation, c.phone) for c in person.emergency_contacts] == contacts
    assert len(events(db, "registrant.update")) == updates


def test_a_changed_phone_is_the_only_field_the_audit_names(
    client: IsolatedClient, db: Session, staff: World
) -> None:
    person: Registrant = staff["refusing"]
    person.name, person.support_reason_detail = "山田（花子）", "在宅酸素（２４時間）"
    person.address = "西東京市テスト町１－２－３　ハイツＡ"
    db.commit()
    saved = post_back(client, f"/registrants/{person.id}/edit", phone="０４２－９９９－００００")
    assert saved.status_code == 302
    assert events(db, "registrant.update")[-1]["fields"] == ["phone"]
    db.expire_all()
    assert person.phone == "042-999-0000"
    assert person.name == "山田（花子）"
    assert person.support_reason_detail == "在宅酸素（２４時間）"
    assert person.address == "西東京市テスト町１－２－３　ハイツＡ"


def test_what_is_typed_keeps_its_meaning_and_only_numbers_are_made_half_width(
    client: IsolatedClient, db: Session, staff: World
) -> None:
    person: Registrant = staff["refusing"]
    saved = post_back(
        client,
        f"/registrants/{person.id}/edit",
        name=" 山田（花子）　ＡＢＣ ",
        name_kana="ﾔﾏﾀﾞ はなこ",
        address="西東京市テスト町１－２ー３ ハイツＡ",
        postal_code="１８８－０００１",
        support_reason_detail="一行目（酸素）\r\n\r\n三行目",
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    db.expire_all()
    assert person.name == "山田（花子）　ＡＢＣ"
    assert person.name_kana == "ヤマダ ハナコ"
    assert person.address == "西東京市テスト町1-2-3 ハイツＡ"
    assert person.postal_code == "188-0001"
    assert person.support_reason_detail == "一行目（酸素）\n\n三行目"


def test_a_form_shown_again_after_an_error_keeps_the_stored_name(
    client: IsolatedClient, db: Session, staff: World
) -> None:
    person: Registrant = staff["refusing"]
    person.name = "山田（花子）"
    db.commit()
    page = f"/registrants/{person.id}/edit"
    refused = post_back(client, page, phone="not a phone")
    assert refused.status_code == 422
    fields = form_fields(refused.get_data(as_text=True), page, page)
    assert fields["name"] == ["山田（花子）"]
    saved = client.post(page, data={**fields, "phone": "042-111-2222"})
    assert saved.status_code == 302
    assert events(db, "registrant.update")[-1]["fields"] == ["phone"]


# --- Plans, shelters, organisations and agreements -------------------------------------------


@dataclass(frozen=True)
class Case:
    """An edit form: where it is, the record, stored wide text, one field to change."""

    page: Callable[[World], str]
    record: Callable[[World], Any]
    stored: dict[str, str]
    change: tuple[str, str]
    action: str
    changed: Callable[[dict[str, Any]], list[str]]


def _plan(w: World) -> Any:
    plan_person(w)
    return w["plan"]


def _shelter(w: World) -> Any:
    shelter_id(w)
    return w["shelter"]


CASES: dict[str, Case] = {
    "plan": Case(
        page=lambda w: f"/plans/{plan_person(w)}/edit",
        record=_plan,
        stored={
            "route_notes": "自宅→公民館（徒歩１０分）\n段差あり",
            "doctor": "田中（内科）",
            "pets": "猫  （１匹） ",
            "allergies": "そば\n\n卵（軽度）  ",
        },
        change=("hospital", "第二病院（分院）"),
        action="plan.update",
        changed=lambda d: d["fields"],
    ),
    "shelter": Case(
        page=lambda w: f"/shelters/{shelter_id(w)}/edit",
        record=_shelter,
        stored={
            "name": "第一小学校（体育館）",
            "address": "西東京市テスト町１－２－３",
            "contact": "防災課（代表）",
            "notes": "夜間は（裏口）から\n２階",
            "phone": "０４２－１２３－４５６７",
        },
        change=("facility_agreement", "協定（２０２４年）"),
        action="shelter.update",
        changed=lambda d: d["fields"],
    ),
    "organisation": Case(
        page=lambda w: f"/partners/{w['organisation'].id}/edit",
        record=lambda w: w["organisation"],
        stored={
            "contact_name": "鈴木（会長）",
            "contact_address": "西東京市テスト町１－２",
            "contact_phone": "０４２－１２３－４５６７",
            "notes": "連絡は（平日）\n午前のみ",
        },
        change=("contact_email", "kaicho@example.jp"),
        action="organisation.update",
        changed=lambda d: d["changed"],
    ),
    "agreement": Case(
        page=lambda w: f"/partners/agreements/{w['agreement'].id}/edit",
        record=lambda w: w["agreement"],
        stored={
            "title": "協定  （第１号）",
            "list_manager": "鈴木（会長）",
            "viewers": "佐藤（副会長）\n\n高橋 ",
            "notes": "（更新時に確認）",
        },
        change=("storage_place", "会長宅の金庫"),
        action="agreement.update",
        changed=lambda d: d["changed"],
    ),
}


def _store(db: Session, case: Case, w: World) -> Any:
    record = case.record(w)
    for name, value in case.stored.items():
        setattr(record, name, value)
    db.commit()
    return record


@pytest.mark.parametrize("form", sorted(CASES))
def test_an_edit_form_posted_unchanged_rewrites_nothing(
    client: IsolatedClient, db: Session, staff: World, form: str
) -> None:
    case = CASES[form]
    record = _store(db, case, staff)
    before = columns(db, record)
    saved = post_back(client, case.page(staff))
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    assert columns(db, record) == before
    assert events(db, case.action) == []


@pytest.mark.parametrize("form", sorted(CASES))
def test_an_edit_form_audits_only_the_field_that_changed(
    client: IsolatedClient, db: Session, staff: World, form: str
) -> None:
    case = CASES[form]
    record = _store(db, case, staff)
    name, value = case.change
    saved = post_back(client, case.page(staff), **{name: value})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    assert case.changed(events(db, case.action)[-1]) == [name]
    after = columns(db, record)
    assert {k: after[k] for k in case.stored} == case.stored
