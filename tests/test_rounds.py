"""Mailing rounds: creating, printing, recording replies, reminders."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from roster.models import (
    AuditEvent,
    ConsentPurpose,
    ConsentRecord,
    ConsentState,
    MailingRound,
    PartnerCategory,
)


def confirmation(page: str) -> str:
    """The confirmation the preview's create button carries."""
    found = re.search(r'name="confirm"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="confirm"',
                      page)
    assert found, "no preview"
    return found.group(1) or found.group(2)


def new_round(client, **data):
    """Count the people (the preview), then create the round the preview showed."""
    form = {"title": "2026年度 第1回", "target": "unanswered", "district_id": "0",
            "language": "ja", **data}
    preview = client.post("/rounds/new", data=form)
    assert preview.status_code == 200, preview.get_data(as_text=True)[:500]
    form.update(create="1", confirm=confirmation(preview.get_data(as_text=True)))
    response = client.post("/rounds/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_a_round_goes_to_people_not_asked_yet(client, auth, db, world):
    auth.login("t_staff")
    round_id = new_round(client)
    mailing = db.get(MailingRound, round_id)
    assert {m.registrant_id for m in mailing.members} == {world["unasked"].id}
    assert mailing.form_version == "ja-2026-04"
    # A second round does not send a second form to someone who has one out.
    response = client.post("/rounds/new", data={"title": "again", "target": "unanswered",
                                                "district_id": "0", "language": "ja"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "郵送調査は作成されませんでした" in text
    # ... and says why: the one person who fits already has a form out with no reply.
    assert "該当する人は 1 人いますが、全員が、まだ終わっていない郵送調査" in text


def test_printing_a_round_gives_one_form_per_person_and_is_audited(client, auth, db, world,
                                                                   factory):
    auth.login("t_staff")
    factory.registrant(world["districts"][0])
    round_id = new_round(client)
    page = client.get(f"/rounds/{round_id}/print").get_data(as_text=True)
    mailing = db.get(MailingRound, round_id)
    assert page.count('class="sheet"') == len(mailing.members) == 2
    for member in mailing.members:
        assert member.reference in page and member.registrant.address in page
    printed = db.scalars(select(AuditEvent).where(AuditEvent.action == "round.print")).one()
    assert '"pages":2' in printed.detail


def reply(client, code, **data):
    form = {"reference": code, "answer": "agree", "scope": ["minsei_iin", "fire"], **data}
    return client.post("/rounds/reply", data=form)


def test_a_reply_records_consent_with_the_form_version_and_marks_it_returned(
    client, auth, db, world
):
    auth.login("t_staff")
    mailing = db.get(MailingRound, new_round(client))
    member = mailing.members[0]
    code = member.reference.lower().replace("-", " ")  # as someone might type it
    response = reply(client, code, plan_making="y")
    assert response.status_code == 302
    person = world["unasked"]
    db.refresh(person)
    assert person.consent_state is ConsentState.CONSENTED
    records = db.scalars(select(ConsentRecord).where(
        ConsentRecord.registrant_id == person.id)).all()
    assert {r.purpose for r in records} == {ConsentPurpose.REGISTER_SHARING,
                                           ConsentPurpose.PLAN_MAKING}
    assert all(r.form_version == "ja-2026-04" for r in records)
    sharing = next(r for r in records if r.purpose is ConsentPurpose.REGISTER_SHARING)
    assert sharing.scope == {PartnerCategory.MINSEI_IIN, PartnerCategory.FIRE}
    db.refresh(member)
    assert member.returned_on is not None
    again = reply(client, member.reference)
    assert again.status_code == 422 and "記録済み" in again.get_data(as_text=True)


def test_a_mistyped_code_is_caught_and_records_nothing(client, auth, db, world):
    auth.login("t_staff")
    mailing = db.get(MailingRound, new_round(client))
    code = mailing.members[0].reference
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    assert reply(client, wrong).status_code == 422
    assert db.scalars(select(ConsentRecord).where(
        ConsentRecord.registrant_id == world["unasked"].id)).all() == []


def test_a_refusal_on_the_form_is_recorded_as_refused(client, auth, db, world):
    auth.login("t_staff")
    mailing = db.get(MailingRound, new_round(client))
    assert reply(client, mailing.members[0].reference, answer="refuse").status_code == 302
    db.refresh(world["unasked"])
    assert world["unasked"].consent_state is ConsentState.REFUSED


def test_a_reminder_is_offered_only_after_the_configured_days(client, auth, db, world, app):
    auth.login("t_staff")
    round_id = new_round(client)
    assert client.post(f"/rounds/{round_id}/reminder").status_code == 302
    assert db.scalars(select(MailingRound)).all() == [db.get(MailingRound, round_id)]
    days = app.config["REMINDER_AFTER_DAYS"]
    sent = (date.today() - timedelta(days=days + 1)).isoformat()
    assert client.post(f"/rounds/{round_id}/sent", data={"sent_on": sent}).status_code == 302
    response = client.post(f"/rounds/{round_id}/reminder")
    follow_up = db.get(MailingRound, int(re.search(r"/rounds/(\d+)",
                                                   response.headers["Location"]).group(1)))
    assert follow_up.reminder_of_id == round_id
    assert [m.registrant_id for m in follow_up.members] == [world["unasked"].id]


def test_only_staff_run_rounds(client, auth, world):
    for user in ("t_partner", "t_planner", "t_admin"):
        auth.login(user)
        assert client.get("/rounds/").status_code == 403
        assert client.get("/rounds/reply").status_code == 403
        auth.logout()


def test_silence_becomes_presumed_consent_only_under_that_rule_and_after_the_days(
    client, auth, db, world, app
):
    auth.login("t_staff")
    round_id = new_round(client)
    days = app.config["PRESUMED_AFTER_DAYS"]
    sent = (date.today() - timedelta(days=days)).isoformat()
    client.post(f"/rounds/{round_id}/sent", data={"sent_on": sent})
    basis = "テスト市条例第5条第2項"
    client.post(f"/rounds/{round_id}/presume", data={"basis": basis})
    db.refresh(world["unasked"])
    assert world["unasked"].consent_state is ConsentState.UNCONFIRMED  # opt_in: refused
    app.config["CONSENT_RULE"] = "presumed_after_no_reply"
    try:
        assert client.post(f"/rounds/{round_id}/presume", data={"basis": basis}).status_code == 302
        person = world["unasked"]
        db.refresh(person)
        assert person.consent_state is ConsentState.PRESUMED
        record = db.scalars(select(ConsentRecord).where(
            ConsentRecord.registrant_id == person.id)).one()
        assert record.notice_sent_on.isoformat() == sent and basis in record.note
        # Never twice for the same silence.
        client.post(f"/rounds/{round_id}/presume", data={"basis": basis})
        assert len(db.scalars(select(ConsentRecord).where(
            ConsentRecord.registrant_id == person.id)).all()) == 1
    finally:
        app.config["CONSENT_RULE"] = "opt_in"


def test_a_round_can_go_to_people_due_for_review(client, auth, db, world, factory):
    auth.login("t_staff")
    due = factory.registrant(world["districts"][1], last_verified_on=date(2001, 1, 1))
    factory.registrant(world["districts"][1], last_verified_on=date.today())
    mailing = db.get(MailingRound, new_round(
        client, target="due", district_id=str(world["districts"][1].id)))
    assert {m.registrant_id for m in mailing.members} == {due.id, world["elsewhere"].id}


def test_a_visit_list_holds_the_district_people_to_ask_and_is_audited(client, auth, db, world,
                                                                        factory):
    auth.login("t_staff")
    district = world["districts"][0]
    page = client.get(f"/rounds/visits?district={district.id}").get_data(as_text=True)
    assert world["unasked"].name in page  # never asked
    assert world["consenting"].name in page  # never verified: due for review
    assert world["elsewhere"].name not in page  # another district
    printed = db.scalars(select(AuditEvent).where(AuditEvent.action == "visits.print")).one()
    assert str(world["unasked"].id) in printed.detail
    assert world["unasked"].name not in printed.detail


# ---------------------------------------------------------------------------------------------
# Making a round: a preview with the count first, nothing chosen for the clerk, and deletion
# of a round not yet sent.
# ---------------------------------------------------------------------------------------------

ROUND_FORM = {"title": "確認の回", "target": "unanswered", "district_id": "0", "language": "ja"}


def rounds_count(db):
    return len(db.scalars(select(MailingRound)).all())


def test_the_first_press_counts_the_people_and_creates_nothing(client, auth, db, world, factory):
    auth.login("t_staff")
    factory.registrant(world["districts"][0])
    page = client.post("/rounds/new", data=ROUND_FORM)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and rounds_count(db) == 0
    assert "2 通" in text or "2 forms" in text
    assert "テスト町A" in text  # the count by district
    assert re.search(r'<button[^>]*name="create"[^>]*>[^<]*2', text)


def test_nothing_is_chosen_for_the_clerk(client, auth, db, world):
    auth.login("t_staff")
    page = client.get("/rounds/new").get_data(as_text=True)
    for name in ("target", "district_id"):
        select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
        options = re.findall(r"<option[^>]*>", select_html)
        assert options[0] == '<option value="">' or "selected" in options[0]
        assert not any("selected" in option for option in options[1:])
    response = client.post("/rounds/new", data={**ROUND_FORM, "district_id": "", "create": "1"})
    assert response.status_code == 422 and rounds_count(db) == 0


def test_a_choice_changed_after_the_preview_is_previewed_again(client, auth, db, world):
    auth.login("t_staff")
    key = confirmation(client.post("/rounds/new", data=ROUND_FORM).get_data(as_text=True))
    changed = {**ROUND_FORM, "target": "all_active", "create": "1", "confirm": key}
    response = client.post("/rounds/new", data=changed)
    assert response.status_code == 200 and rounds_count(db) == 0
    assert confirmation(response.get_data(as_text=True)) != key


def test_a_register_that_changed_since_the_preview_is_previewed_again(
    client, auth, db, world, factory
):
    auth.login("t_staff")
    key = confirmation(client.post("/rounds/new", data=ROUND_FORM).get_data(as_text=True))
    factory.registrant(world["districts"][0])  # one more person matches now
    response = client.post("/rounds/new", data={**ROUND_FORM, "create": "1", "confirm": key})
    assert response.status_code == 200 and rounds_count(db) == 0


def test_a_round_not_sent_is_deleted_after_a_confirmation_naming_the_count(
    client, auth, db, world
):
    auth.login("t_staff")
    round_id = new_round(client)
    code = db.get(MailingRound, round_id).members[0].reference
    assert "/delete" in client.get(f"/rounds/{round_id}").get_data(as_text=True)
    page = client.get(f"/rounds/{round_id}/delete").get_data(as_text=True)
    assert "1 人" in page or "1 people" in page
    assert rounds_count(db) == 1  # looking changes nothing
    response = client.post(f"/rounds/{round_id}/delete", data={"count": "1"})
    assert response.status_code == 302 and rounds_count(db) == 0
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "round.delete")).one()
    assert '"members":1' in event.detail
    assert reply(client, code).status_code == 422  # its code no longer works


def test_a_deletion_confirmed_for_another_count_is_asked_again(client, auth, db, world):
    auth.login("t_staff")
    round_id = new_round(client)
    response = client.post(f"/rounds/{round_id}/delete", data={"count": "5"})
    assert response.status_code == 200 and rounds_count(db) == 1


def test_a_sent_round_cannot_be_deleted(client, auth, db, world):
    auth.login("t_staff")
    round_id = new_round(client)
    db.get(MailingRound, round_id).sent_on = date(2026, 4, 1)
    db.flush()
    assert "/delete" not in client.get(f"/rounds/{round_id}").get_data(as_text=True)
    response = client.post(f"/rounds/{round_id}/delete", data={"count": "1"})
    assert response.status_code == 302 and rounds_count(db) == 1


# ---------------------------------------------------------------------------------------------
# Each person's preferred language picks the form they are sent.
# ---------------------------------------------------------------------------------------------


def test_each_person_gets_the_form_in_their_preferred_language(client, auth, db, world, factory):
    from roster.models import FormLanguage

    auth.login("t_staff")
    english = factory.registrant(world["districts"][0], preferred_language=FormLanguage.EN)
    easy = factory.registrant(world["districts"][0], preferred_language=FormLanguage.JA_EASY)
    preview = client.post("/rounds/new", data={**ROUND_FORM, "language": "preferred"})
    text = preview.get_data(as_text=True)
    assert "英語 1" in text and "やさしい日本語 1" in text and "日本語 1" in text
    mailing = db.get(MailingRound, new_round(client, language="preferred"))
    versions = {m.registrant_id: m.form_version for m in mailing.members}
    assert versions == {world["unasked"].id: "ja-2026-04", english.id: "en-2026-04",
                        easy.id: "ja-easy-2026-04"}
    printed = client.get(f"/rounds/{mailing.id}/print").get_data(as_text=True)
    assert "Consent to share" in printed or "I agree" in printed or "Partners" in printed
    code = next(m.reference for m in mailing.members if m.registrant_id == english.id)
    assert reply(client, code).status_code == 302
    record = db.scalars(select(ConsentRecord).where(
        ConsentRecord.registrant_id == english.id)).one()
    assert record.form_version == "en-2026-04"


def test_a_language_chosen_for_the_round_goes_to_everyone(client, auth, db, world, factory):
    from roster.models import FormLanguage

    auth.login("t_staff")
    factory.registrant(world["districts"][0], preferred_language=FormLanguage.EN)
    mailing = db.get(MailingRound, new_round(client, language="ja-easy"))
    assert {m.form_version for m in mailing.members} == {"ja-easy-2026-04"}


def test_staff_set_a_persons_preferred_language_on_the_person_form(client, auth, db, world):
    from roster.models import FormLanguage, Registrant

    from .test_registrants import new_person

    auth.login("t_staff")
    form = new_person(world["districts"][0], preferred_language="en")
    assert client.post("/registrants/new", data=form).status_code == 302
    person = db.scalars(select(Registrant).where(Registrant.resident_no == "1234567890")).one()
    assert person.preferred_language is FormLanguage.EN


def test_a_reply_to_a_round_deleted_meanwhile_records_nothing(client, auth, db, world):
    from roster.rounds.operations import Reply, RoundGone, delete_round, record_reply

    auth.login("t_staff")
    mailing = db.get(MailingRound, new_round(client))
    member = mailing.members[0]
    staff = world["users"]["staff"]
    delete_round(db, staff, mailing)
    reply_ = Reply(agrees=False, scope=frozenset(), plan_making=False, plan_sharing=False,
                   decided_on=date(2026, 4, 1))
    with pytest.raises(RoundGone):
        record_reply(db, staff, member, reply_, date(2026, 4, 1))
    assert db.scalars(select(ConsentRecord).where(
        ConsentRecord.registrant_id == world["unasked"].id)).all() == []


def test_the_choices_of_forms_built_at_import_speak_the_request_language(client, auth, world):
    """Select options made once when the module loads stay lazy: a Japanese page shows
    Japanese options (the form language of a round, the new status of a bulk change)."""
    from flask import Flask

    from roster.registrants.bulk_forms import StatusForm

    auth.login("t_staff")
    page = client.get("/rounds/new").get_data(as_text=True)
    assert "やさしい日本語" in page and "Easy Japanese" not in page
    app: Flask = client.application
    with app.test_request_context("/"):
        shown = [str(text) for _value, text in StatusForm().status.choices]
    assert "転出" in shown and "Moved out" not in shown


def test_the_preview_says_how_many_fit_and_how_many_are_left_out_for_a_form_out(
    client, auth, db, world, factory
):
    auth.login("t_staff")
    new_round(client)  # world["unasked"] now has a form out
    factory.registrant(world["districts"][0])
    text = client.post("/rounds/new", data=ROUND_FORM).get_data(as_text=True)
    assert "1 通の同意書を送ります" in text
    assert "この条件に該当する人は 2 人です。そのうち 1 人は" in text


def test_a_choice_no_one_fits_says_so(client, auth, db, world):
    auth.login("t_staff")
    district = str(world["districts"][1].id)  # everyone there has answered
    response = client.post("/rounds/new", data={**ROUND_FORM, "district_id": district})
    text = response.get_data(as_text=True)
    assert "該当者がいない" in text and "選んだ対象と地区に該当する人はいません" in text
    assert "全員が" not in text and rounds_count(db) == 0


def test_round_pages_take_districts_in_the_registers_order(client, auth, db, world, factory):
    from roster.models import District

    auth.login("t_staff")
    # Made in neither the order of their names' characters nor of their readings.
    for name, kana in (("緑町", "ミドリチョウ"), ("柳沢", "ヤギサワ"), ("青葉町", "アオバチョウ")):
        district = District(code=f"Z-{kana}", name=name, name_kana=kana)
        db.add(district)
        db.flush()
        factory.registrant(district)
    text = client.post("/rounds/new", data=ROUND_FORM).get_data(as_text=True)
    preview = text[text.index('class="preview"'):]
    counted = re.findall(r"<tr><td>([^<]+)</td><td>\d+</td></tr>", preview)
    menu = re.search(r'<select[^>]*name="district_id".*?</select>', text, re.S).group(0)
    listed = [n for n in re.findall(r"<option[^>]*>([^<]+)</option>", menu) if n in counted]
    assert counted == listed == ["青葉町", "テスト町A", "緑町", "柳沢"]
    mailing = db.get(MailingRound, new_round(client))
    page = client.get(f"/rounds/{mailing.id}").get_data(as_text=True)
    shown = [n for n in re.findall(r"<td>([^<]+)</td>", page) if n in counted]
    assert shown == counted
