"""The audit trail is a hash chain: any alteration or removal is detected and named."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from roster.audit.operations import record_event, verify_chain
from roster.models import REASON_FIELDS, AuditEvent, AuditHead


def tamper(db, statement):
    """Change the trail as someone with raw database access would: triggers off first.

    The test's transaction is rolled back afterwards, triggers included."""
    if db.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            db.execute(text(f"DROP TRIGGER audit_events_no_{verb}"))
    else:
        db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    db.execute(statement)
    db.expire_all()


def make_events(db, n=5):
    for i in range(n):
        record_event(db, "test.event", actor_name="tester", object_type="thing", object_id=i,
                     detail={"n": i})
    db.flush()


def test_an_untouched_chain_verifies(db):
    make_events(db)
    report = verify_chain(db)
    assert report.ok and report.checked >= 5


def test_altering_a_row_is_detected_and_named(db):
    make_events(db)
    target = db.scalars(select(AuditEvent).order_by(AuditEvent.seq).offset(2)).first()
    tamper(db, update(AuditEvent).where(AuditEvent.id == target.id).values(actor_name="mallory"))
    report = verify_chain(db)
    assert not report.ok and report.first_bad_seq == target.seq


def test_deleting_a_row_in_the_middle_is_detected(db):
    make_events(db)
    target = db.scalars(select(AuditEvent).order_by(AuditEvent.seq).offset(2)).first()
    tamper(db, delete(AuditEvent).where(AuditEvent.id == target.id))
    report = verify_chain(db)
    assert not report.ok and report.first_bad_seq == target.seq


def test_deleting_the_newest_rows_is_detected(db):
    make_events(db)
    last = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    tamper(db, delete(AuditEvent).where(AuditEvent.id == last.id))
    report = verify_chain(db)
    assert not report.ok and report.first_bad_seq == last.seq


def test_rewriting_a_row_with_a_recomputed_plain_hash_is_detected(db):
    """Without the audit key, recomputing a row's hash cannot make the row verify."""
    make_events(db)
    rows = db.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    forged = rows[1]
    fields = [str(forged.seq), forged.occurred_at.isoformat(), "", forged.actor_name,
              forged.action, forged.object_type or "", forged.object_id or "", "",
              '{"n":99}', forged.prev_hash]
    plain = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()
    tamper(db, update(AuditEvent).where(AuditEvent.id == forged.id)
           .values(detail='{"n":99}', hash=plain))
    report = verify_chain(db)
    assert not report.ok and report.first_bad_seq == forged.seq


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor_name = 'x'",
                                       "DELETE FROM audit_events"])
def test_the_database_refuses_to_change_the_audit_trail(db, statement):
    make_events(db)
    savepoint = db.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement))
    savepoint.rollback()


def test_verify_audit_exits_zero_on_an_intact_chain(runner, db):
    make_events(db)
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_verify_audit_exits_non_zero_naming_the_first_bad_row(runner, db):
    make_events(db)
    target = db.scalars(select(AuditEvent).order_by(AuditEvent.seq).offset(1)).first()
    tamper(db, update(AuditEvent).where(AuditEvent.id == target.id).values(ip_address="10.9.9.9"))
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert f"event {target.seq}" in result.output


def test_the_head_row_follows_the_chain(db):
    make_events(db, 3)
    head = db.get(AuditHead, 1)
    last = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (head.last_seq, head.last_hash) == (last.seq, last.hash)


def test_edits_are_logged_with_field_names_but_not_values(client, auth, db, world):
    auth.login("t_staff")
    person = world["consenting"]
    form = client.get(f"/registrants/{person.id}/edit").get_data(as_text=True)
    assert "version" in form
    data = edit_data(person, phone="042-999-1234")
    assert client.post(f"/registrants/{person.id}/edit", data=data).status_code == 302
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "registrant.update")).one()
    assert "phone" in event.detail and "042-999-1234" not in event.detail
    assert event.actor_name == "t_staff" and event.object_id == str(person.id)


def test_admins_see_the_audit_view_and_others_do_not(client, auth, world):
    auth.login("t_admin")
    page = client.get("/admin/audit/")
    assert page.status_code == 200 and "login" in page.get_data(as_text=True)
    auth.logout()
    auth.login("t_staff")
    assert client.get("/admin/audit/").status_code == 403


def edit_data(person, **changes):
    data = {
        "resident_no": person.resident_no, "name": person.name, "name_kana": person.name_kana,
        "birth_date": person.birth_date.isoformat(), "sex": person.sex.value,
        "address": person.address, "district_id": str(person.district_id),
        "phone": person.phone or "",
        "support_reason_detail": person.support_reason_detail or "",
        **{f: "y" for f in REASON_FIELDS if getattr(person, f)},
        "latitude": str(person.latitude), "longitude": str(person.longitude),
        "household": person.household.value, "mobility": person.mobility.value,
        "care_level": person.care_level.value, "status": person.status.value,
        "source": person.source.value, "version": str(person.version),
        "device_ventilator": "y" if person.device_ventilator else "",
        "disability_certificate": person.disability_certificate or "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_opening_the_edit_and_consent_forms_is_logged_as_a_view(client, auth, db, world):
    auth.login("t_staff")
    person = world["consenting"]
    client.get(f"/registrants/{person.id}/edit")
    client.get(f"/registrants/{person.id}/consent/new")
    pages = [
        e.detail for e in db.scalars(select(AuditEvent).where(
            AuditEvent.action == "registrant.view", AuditEvent.object_id == str(person.id)))
    ]
    assert any('"edit"' in d for d in pages) and any('"consent"' in d for d in pages)
