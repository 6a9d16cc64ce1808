"""One rule for consent, whatever records it: a 同意 to sharing names the partners it covers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from roster.consent.operations import ConsentAnswer, ConsentRefused, record_consent
from roster.models import (
    CONSENT_SCOPE_CATEGORIES,
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    ConsentState,
    MailingRound,
    RoundMember,
)
from tests.test_rounds import new_round

ROOT = Path(__file__).resolve().parent.parent

#: Every module that records consent, and the test below that makes it refuse 同意 without a
#: scope. A new caller of record_consent fails test_every_recording_path_is_covered until it
#: is added here with its test.
RECORDING_PATHS = {
    "roster/consent/views.py": "test_the_consent_page_refuses_consent_without_a_scope",
    "roster/rounds/operations.py": "test_the_reply_screen_refuses_agreement_without_a_scope",
}


def records_of(db, person):
    return db.scalars(select(ConsentRecord).where(ConsentRecord.registrant_id == person.id)).all()


def test_every_recording_path_is_covered():
    callers = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "roster").rglob("*.py")
        if re.search(r"\brecord_consent\((?!\))", path.read_text(encoding="utf-8"))
    } - {"roster/consent/operations.py"}
    assert callers == set(RECORDING_PATHS)
    assert all(name in globals() for name in RECORDING_PATHS.values())


@pytest.mark.parametrize("purpose", [ConsentPurpose.REGISTER_SHARING,
                                     ConsentPurpose.PLAN_SHARING])
def test_the_operation_refuses_consent_to_sharing_without_a_scope(db, world, purpose):
    person = world["unasked"]
    answer = ConsentAnswer(purpose=purpose, state=ConsentState.CONSENTED,
                           method=ConsentMethod.MAIL, decided_on=date(2026, 4, 1))
    with pytest.raises(ConsentRefused):
        record_consent(db, person, answer, world["users"]["staff"])
    assert records_of(db, person) == []


def test_the_operation_takes_plan_making_and_refusals_without_a_scope(db, world):
    person, staff = world["unasked"], world["users"]["staff"]
    for purpose, state in [(ConsentPurpose.PLAN_MAKING, ConsentState.CONSENTED),
                           (ConsentPurpose.REGISTER_SHARING, ConsentState.REFUSED)]:
        record_consent(db, person, ConsentAnswer(
            purpose=purpose, state=state, method=ConsentMethod.VISIT,
            decided_on=date(2026, 4, 1)), staff)
    assert len(records_of(db, person)) == 2


@pytest.mark.parametrize("purpose", ["register_sharing", "plan_sharing"])
def test_the_consent_page_refuses_consent_without_a_scope(client, auth, db, world, purpose):
    auth.login("t_staff")
    person = world["unasked"]
    response = client.post(f"/registrants/{person.id}/consent/new", data={
        "purpose": purpose, "state": "consented", "method": "visit",
        "decided_on": "2026-10-01"})
    assert response.status_code == 422
    assert "本人が同意した提供先を1つ以上選択してください。" in response.get_data(as_text=True)
    assert records_of(db, person) == []


def test_the_consent_page_all_partners_box_covers_every_partner(client, auth, db, world):
    auth.login("t_staff")
    person = world["unasked"]
    page = client.get(f"/registrants/{person.id}/consent/new").get_data(as_text=True)
    assert "すべての提供先" in page
    response = client.post(f"/registrants/{person.id}/consent/new", data={
        "purpose": "register_sharing", "state": "consented", "method": "mail",
        "decided_on": "2026-10-01", "all_partners": "y"})
    assert response.status_code == 302
    assert records_of(db, person)[-1].scope == set(CONSENT_SCOPE_CATEGORIES)


def _member(client, db):
    mailing = db.get(MailingRound, new_round(client))
    return mailing.members[0]


@pytest.mark.parametrize("ticks", [
    {"answer": "agree"},
    {"answer": "agree", "plan_sharing": "y"},
    {"answer": "refuse", "plan_sharing": "y"},
])
def test_the_reply_screen_refuses_agreement_without_a_scope(client, auth, db, world, ticks):
    auth.login("t_staff")
    member = _member(client, db)
    response = client.post("/rounds/reply", data={"reference": member.reference, **ticks})
    assert response.status_code == 422
    assert "本人が同意した提供先を1つ以上選択してください。" in response.get_data(as_text=True)
    assert records_of(db, world["unasked"]) == []
    assert db.get(RoundMember, member.id).returned_on is None


def test_the_reply_screen_has_an_all_partners_box_like_the_paper_form(client, auth, db, world):
    auth.login("t_staff")
    member = _member(client, db)
    assert "すべての提供先" in client.get("/rounds/reply").get_data(as_text=True)
    response = client.post("/rounds/reply", data={
        "reference": member.reference, "answer": "agree", "all_partners": "y",
        "plan_sharing": "y"})
    assert response.status_code == 302
    records = records_of(db, world["unasked"])
    assert {r.purpose for r in records} == {ConsentPurpose.REGISTER_SHARING,
                                           ConsentPurpose.PLAN_SHARING}
    assert all(r.scope == set(CONSENT_SCOPE_CATEGORIES) for r in records)


def test_a_refusal_on_the_reply_screen_needs_no_scope(client, auth, db, world):
    auth.login("t_staff")
    member = _member(client, db)
    response = client.post("/rounds/reply", data={"reference": member.reference,
                                                  "answer": "refuse"})
    assert response.status_code == 302
    assert [r.state for r in records_of(db, world["unasked"])] == [ConsentState.REFUSED]
