"""Consent history is append-only, and the current state is derived from it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from roster.access.consent import current_state, latest
from roster.models import (
    AppendOnlyError,
    ConsentPurpose,
    ConsentRecord,
    ConsentScope,
    ConsentState,
    PartnerCategory,
    Registrant,
)
from roster.models.partners import scope_mask


def records_of(db, registrant):
    query = select(ConsentRecord).where(ConsentRecord.registrant_id == registrant.id)
    return db.scalars(query).all()


def test_a_consent_record_cannot_be_updated_through_the_orm(db, world):
    record = records_of(db, world["consenting"])[0]
    record.state = ConsentState.REFUSED
    with pytest.raises(AppendOnlyError):
        db.flush()
    db.rollback()


def test_a_consent_record_cannot_be_deleted_through_the_orm(db, world):
    record = records_of(db, world["consenting"])[0]
    db.delete(record)
    with pytest.raises(AppendOnlyError):
        db.flush()
    db.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE consent_records SET state = 'refused'",
        "DELETE FROM consent_records",
        "UPDATE consent_record_scopes SET category = 'police'",
        "DELETE FROM consent_record_scopes",
    ],
)
def test_the_database_refuses_to_change_consent_history(db, world, statement):
    savepoint = db.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement))
    savepoint.rollback()
    assert len(records_of(db, world["consenting"])) == 1


def test_core_update_and_delete_are_refused_too(db, world):
    for statement in (update(ConsentRecord).values(note="x"), delete(ConsentScope)):
        savepoint = db.begin_nested()
        with pytest.raises((DBAPIError, AppendOnlyError)):
            db.execute(statement.execution_options(synchronize_session=False))
        savepoint.rollback()


def test_a_new_answer_is_a_new_record_and_the_old_one_stays(db, factory, world):
    person, staff = world["consenting"], world["users"]["staff"]
    factory.consent(person, ConsentState.WITHDRAWN, staff, scope=set(), on=date(2026, 1, 5))
    history = records_of(db, person)
    assert [r.state for r in sorted(history, key=lambda r: r.id)] == [
        ConsentState.CONSENTED, ConsentState.WITHDRAWN]
    db.refresh(person)
    assert person.consent_state is ConsentState.WITHDRAWN


def test_the_current_state_is_the_latest_decision_not_the_latest_entry(db, factory, world):
    """A paper form from last year, entered today, does not override this year's answer."""
    person, staff = world["consenting"], world["users"]["staff"]
    factory.consent(person, ConsentState.REFUSED, staff, scope=set(), on=date(2024, 6, 1))
    db.refresh(person)
    assert person.consent_state is ConsentState.CONSENTED
    assert current_state(records_of(db, person)) is ConsentState.CONSENTED


def test_the_cached_state_always_equals_the_derivation(db, factory, world):
    staff = world["users"]["staff"]
    for person in (world["consenting"], world["refusing"], world["unasked"]):
        factory.consent(person, ConsentState.CONSENTED, staff, on=date(2026, 2, 1))
        factory.consent(person, ConsentState.WITHDRAWN, staff, scope=set(), on=date(2026, 3, 1))
    for person in db.scalars(select(Registrant)):
        register = [r for r in records_of(db, person)
                    if r.purpose is ConsentPurpose.REGISTER_SHARING]
        record = latest(register)
        assert person.consent_state is (record.state if record else ConsentState.UNCONFIRMED)
        assert person.current_consent_id == (record.id if record else None)
        assert person.consent_scope == (scope_mask(record.scope) if record else 0)


def test_plan_consent_does_not_change_the_register_sharing_state(db, factory, world):
    person, staff = world["unasked"], world["users"]["staff"]
    factory.consent(person, ConsentState.CONSENTED, staff, purpose=ConsentPurpose.PLAN_MAKING)
    db.refresh(person)
    assert person.consent_state is ConsentState.UNCONFIRMED


def test_recording_consent_does_not_make_an_open_edit_form_stale(db, factory, world):
    person = world["unasked"]
    version = person.version
    factory.consent(person, ConsentState.CONSENTED, world["users"]["staff"])
    db.refresh(person)
    assert person.version == version


def test_staff_record_a_proxy_consent_and_see_the_whole_history(client, auth, db, world):
    auth.login("t_staff")
    person = world["unasked"]
    response = client.post(f"/registrants/{person.id}/consent/new", data={
        "purpose": "register_sharing", "state": "consented", "method": "visit",
        "decided_on": "2026-10-01", "scope": ["minsei_iin", "fire"], "form_version": "ja-2026-04",
        "proxy_name": "試験 一郎", "proxy_relation": "長男", "note": "",
    })
    assert response.status_code == 302
    record = records_of(db, person)[-1]
    assert (record.proxy_name, record.proxy_relation) == ("試験 一郎", "長男")
    assert record.scope == {PartnerCategory.MINSEI_IIN, PartnerCategory.FIRE}
    assert record.recorded_by.username == "t_staff"
    page = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert "試験 一郎" in page and "日本語版（2026年4月）" in page and "ja-2026-04" not in page


def test_a_consent_without_scope_is_refused_with_a_message(client, auth, db, world):
    auth.login("t_staff")
    person = world["unasked"]
    response = client.post(f"/registrants/{person.id}/consent/new", data={
        "purpose": "register_sharing", "state": "consented", "method": "mail",
        "decided_on": "2026-10-01"})
    assert response.status_code == 422
    assert records_of(db, person) == []


def test_presumed_consent_is_refused_under_the_opt_in_rule(client, auth, db, world, app):
    auth.login("t_staff")
    person = world["unasked"]
    response = client.post(f"/registrants/{person.id}/consent/new", data={
        "purpose": "register_sharing", "state": "presumed", "method": "presumption",
        "decided_on": "2026-10-01", "note": "通知 2026-08-01"})
    assert response.status_code == 422
    assert records_of(db, person) == []


def test_presumed_consent_needs_its_notice_date_days_and_basis(client, auth, db, world, app):
    app.config["CONSENT_RULE"] = "presumed_after_no_reply"
    try:
        auth.login("t_staff")
        person = world["unasked"]
        url = f"/registrants/{person.id}/consent/new"
        data = {"purpose": "register_sharing", "state": "presumed", "method": "presumption",
                "decided_on": "2026-10-01"}
        assert client.post(url, data=data).status_code == 422  # no notice date, no basis
        data["note"] = "条例第5条：通知後30日以内に回答なし"
        data["notice_sent_on"] = "2026-09-10"  # only 21 days before
        page = client.post(url, data=data)
        assert page.status_code == 422 and "2026-10-10" in page.get_data(as_text=True)
        data["notice_sent_on"] = "2026-08-01"
        assert client.post(url, data=data).status_code == 302
        db.refresh(person)
        assert person.consent_state is ConsentState.PRESUMED
        record = records_of(db, person)[-1]
        assert record.notice_sent_on == date(2026, 8, 1) and record.scope == frozenset()
    finally:
        app.config["CONSENT_RULE"] = "opt_in"


def test_an_explicit_refusal_wins_over_a_later_presumption(db, factory, world):
    person, staff = world["refusing"], world["users"]["staff"]
    factory.consent(person, ConsentState.PRESUMED, staff, scope=set(), on=date(2026, 6, 1))
    factory.consent(person, ConsentState.UNCONFIRMED, staff, scope=set(), on=date(2026, 7, 1))
    db.refresh(person)
    assert person.consent_state is ConsentState.REFUSED


def test_a_later_explicit_answer_replaces_a_presumption(db, factory, world):
    person, staff = world["unasked"], world["users"]["staff"]
    factory.consent(person, ConsentState.PRESUMED, staff, scope=set(), on=date(2026, 6, 1))
    factory.consent(person, ConsentState.WITHDRAWN, staff, scope=set(), on=date(2026, 7, 1))
    db.refresh(person)
    assert person.consent_state is ConsentState.WITHDRAWN


def test_a_proxy_without_a_relation_is_refused(client, auth, db, world):
    auth.login("t_staff")
    person = world["unasked"]
    response = client.post(f"/registrants/{person.id}/consent/new", data={
        "purpose": "register_sharing", "state": "consented", "method": "visit",
        "decided_on": "2026-10-01", "scope": ["fire"], "proxy_name": "試験 花子"})
    assert response.status_code == 422
    assert 'id="proxy_relation-err"' in response.get_data(as_text=True)
    assert records_of(db, person) == []


def test_presumption_is_only_the_method_of_presumed_consent(client, auth, db, world):
    auth.login("t_staff")
    person = world["refusing"]
    response = client.post(f"/registrants/{person.id}/consent/new", data={
        "purpose": "register_sharing", "state": "consented", "method": "presumption",
        "decided_on": "2026-10-01", "scope": ["minsei_iin"]})
    assert response.status_code == 422
    db.refresh(person)
    assert person.consent_state is ConsentState.REFUSED


def test_a_plan_cannot_be_made_on_presumed_consent(client, auth, db, world, app):
    app.config["CONSENT_RULE"] = "presumed_after_no_reply"
    try:
        auth.login("t_staff")
        person = world["unasked"]
        response = client.post(f"/registrants/{person.id}/consent/new", data={
            "purpose": "plan_making", "state": "presumed", "method": "presumption",
            "decided_on": "2026-10-01", "notice_sent_on": "2026-08-01", "note": "条例"})
        assert response.status_code == 422
        assert records_of(db, person) == []
    finally:
        app.config["CONSENT_RULE"] = "opt_in"


# Whether a 民生委員 partner sees the person, for each current state under each ordinance rule.
SHARING = {
    #                 opt_in  presumed  opt_out
    ConsentState.UNCONFIRMED: (False, False, True),
    ConsentState.CONSENTED: (True, True, True),
    ConsentState.REFUSED: (False, False, False),
    ConsentState.WITHDRAWN: (False, False, False),
    ConsentState.PRESUMED: (False, True, True),
}
RULES = ("opt_in", "presumed_after_no_reply", "opt_out")


@pytest.mark.parametrize("state", list(SHARING))
@pytest.mark.parametrize("rule", RULES)
def test_each_state_shares_as_its_ordinance_rule_says(db, factory, world, app, state, rule):
    from roster.access.rule import visible_registrants
    from roster.viewer import viewer_of

    person, staff = world["unasked"], world["users"]["staff"]
    if state is not ConsentState.UNCONFIRMED:
        scope = {PartnerCategory.MINSEI_IIN} if state is ConsentState.CONSENTED else set()
        factory.consent(person, state, staff, scope=scope, on=date(2026, 5, 1))
    app.config["CONSENT_RULE"] = rule
    try:
        seen = db.scalar(
            select(visible_registrants(viewer_of(world["users"]["partner"], db))
                   .where(Registrant.id == person.id).exists())
        )
    finally:
        app.config["CONSENT_RULE"] = "opt_in"
    assert seen is SHARING[state][RULES.index(rule)]


@pytest.mark.parametrize("rule", RULES)
def test_a_withdrawal_takes_effect_at_once_under_every_rule(db, factory, world, app, rule):
    from roster.access.rule import visible_registrants
    from roster.viewer import viewer_of

    person, staff = world["consenting"], world["users"]["staff"]
    partner = world["users"]["partner"]
    app.config["CONSENT_RULE"] = rule
    try:
        viewer = viewer_of(partner, db)
        query = visible_registrants(viewer).where(Registrant.id == person.id).exists()
        assert db.scalar(select(query))
        factory.consent(person, ConsentState.WITHDRAWN, staff, scope=set(), on=date(2026, 6, 1))
        assert not db.scalar(select(query))
    finally:
        app.config["CONSENT_RULE"] = "opt_in"
