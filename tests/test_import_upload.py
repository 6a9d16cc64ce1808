"""The staff upload page of the eligibility import: dry run, apply, report, and who may."""

from __future__ import annotations

import csv
import io
import os
import re
import time

import pytest
from sqlalchemy import func, select

from roster.models import AuditEvent, Registrant, RegistrantStatus, Role

HEADER = "宛名番号,氏名,氏名カナ,生年月日,性別,住所,電話番号,要介護度\r\n"
NEW = "3234567890,新規 一郎,シンキ イチロウ,H1.1.8,男,東京都テスト市テスト町A1-1-1,,"
BAD_DATE = "5234567890,悪い 日付,ワルイ ヒヅケ,平成32年1月1日,女,東京都テスト市テスト町A1-1-1,,"
BAD_PLACE = "6234567890,悪い 住所,ワルイ ジュウショ,昭和20年1月1日,女,東京都テスト市どこか町1,,"
TOKEN = re.compile(r"/imports/([A-Za-z0-9_-]{43})/(?:confirm|apply)")
REPORT = re.compile(r"/imports/([A-Za-z0-9_-]{43})/report\.csv")
MISSING_KEY = re.compile(r'name="missing_key" value="([0-9a-f]+)"')
PLAN_KEY = re.compile(r'name="plan_key" value="([0-9a-f]+)"')


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    """Uploads wait in a temporary folder, not the project's instance folder."""
    folder = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(folder))
    return folder


def export(*rows, encoding="cp932"):
    return (HEADER + "".join(r + "\r\n" for r in rows)).encode(encoding)


def changed_row(person, address="東京都テスト市テスト町B5-5-5"):
    return (
        f"{person.resident_no},{person.name},{person.name_kana},1940-04-01,男,"
        f"{address},042-000-0000,要介護3"
    )


def upload(client, data, name="export.csv", **fields):
    form = {"file": (io.BytesIO(data), name), **fields}
    return client.post("/imports/", data=form, content_type="multipart/form-data")


def confirm(client, html, **choices):
    """Post the dry run's choices to the confirmation step."""
    data = {"missing_key": MISSING_KEY.search(html)[1], **choices}
    return client.post(f"/imports/{token_of(html)}/confirm", data=data)


def apply_confirmed(client, confirmation):
    """Press Apply on the confirmation page, sending exactly what it holds."""
    page = confirmation.get_data(as_text=True)
    data = {
        "missing_key": MISSING_KEY.search(page)[1],
        "plan_key": PLAN_KEY.search(page)[1],
        "status": re.findall(r'name="status" value="([^"]+)"', page),
    }
    return client.post(f"/imports/{token_of(page)}/apply", data=data)


def token_of(html):
    return (TOKEN.search(html) or REPORT.search(html))[1]


def count(db):
    return db.scalar(select(func.count(Registrant.id)))


def stored(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_staff_upload_a_shift_jis_csv_and_see_the_dry_run_with_new_changed_missing_and_errors(
    client, auth, db, world, upload_dir
):
    auth.login("t_staff")
    person = world["consenting"]
    before = count(db)
    data = export(NEW, changed_row(person), BAD_DATE)
    response = upload(client, data, encoding="shift_jis", keep="y")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "3234567890" in html and "新規 一郎" in html and "テスト町A" in html  # new
    assert person.resident_no in html and "東京都テスト市テスト町B5-5-5" in html  # changed
    assert " → " in html
    for missing in ("refusing", "unasked", "elsewhere"):
        assert world[missing].resident_no in html and world[missing].name in html
    assert "平成32年1月1日" in html  # the bad row's reason quotes its cell
    assert count(db) == before
    # The upload waits server-side, readable by its owner only; the page holds only the token.
    token = token_of(html)
    assert all(name.startswith(token) for name in stored(upload_dir))
    assert (upload_dir / f"{token}.bin").read_bytes() == data
    assert os.stat(upload_dir / f"{token}.bin").st_mode & 0o777 == 0o600
    assert "試験" not in token


def test_a_file_with_a_bad_row_shows_the_errors_offers_no_apply_and_writes_nothing(
    client, auth, db, world
):
    auth.login("t_staff")
    before = count(db)
    html = upload(client, export(NEW, BAD_DATE, BAD_PLACE), keep="y").get_data(as_text=True)
    assert "error-summary" in html
    assert "/apply" not in html and "/confirm" not in html and REPORT.search(html)
    table = re.search(r'<table class="register errors">.*?</table>', html, re.S)[0]
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td>", table)
    assert rows == [("3", "生年月日"), ("4", "住所")]
    token = token_of(html)
    response = client.post(f"/imports/{token}/apply", data={})
    assert response.status_code == 422  # applying anyway is refused, with the dry run again
    assert count(db) == before
    assert db.scalar(select(func.count()).where(AuditEvent.action == "import.apply")) == 0


def test_apply_writes_the_people_and_deletes_the_stored_file(client, auth, db, world, upload_dir):
    auth.login("t_staff")
    person = world["consenting"]
    before = count(db)
    html = upload(client, export(NEW, changed_row(person))).get_data(as_text=True)
    confirmation = confirm(client, html)
    assert confirmation.status_code == 200
    response = apply_confirmed(client, confirmation)
    assert response.status_code == 302
    assert "/imports/batches/" in response.headers["Location"]
    assert count(db) == before + 1
    new = db.scalars(select(Registrant).where(Registrant.resident_no == "3234567890")).one()
    assert new.district_id == world["districts"][0].id
    db.refresh(person)
    assert person.district_id == world["districts"][1].id
    assert stored(upload_dir) == []
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "import.apply")).one()
    assert event.actor_name == "t_staff" and '"created":1' in event.detail
    assert "3234567890" not in "".join(
        e.detail for e in db.scalars(select(AuditEvent).where(AuditEvent.action.like("import.%")))
    )
    # The token is spent.
    assert apply_confirmed(client, confirmation).status_code == 404


def test_a_missing_persons_chosen_status_is_applied_and_keep_keeps_it(client, auth, db, world):
    auth.login("t_staff")
    html = upload(client, export(NEW)).get_data(as_text=True)
    unasked, refusing, elsewhere = world["unasked"], world["refusing"], world["elsewhere"]
    confirmation = confirm(
        client,
        html,
        **{
            f"missing-{unasked.id}": "deceased",
            f"missing-{refusing.id}": "keep",
            f"missing-{elsewhere.id}": "institutionalised",
        },
    )
    assert "1 new, 0 changed, 2 status changes" in _english(client, confirmation)
    response = apply_confirmed(client, confirmation)
    assert response.status_code == 302
    for person in (unasked, refusing, elsewhere):
        db.refresh(person)
    assert unasked.status is RegistrantStatus.DECEASED
    assert refusing.status is RegistrantStatus.ACTIVE
    assert elsewhere.status is RegistrantStatus.INSTITUTIONALISED


def _english(client, response):
    """The confirmation's counts sentence, from the page as rendered (ja or en)."""
    page = response.get_data(as_text=True)
    counts = re.search(r'id="confirm-counts">([^<]*)<', page)[1]
    digits = re.findall(r"\d+", counts)
    return "{} new, {} changed, {} status changes".format(*digits)


def test_the_dry_run_pre_selects_no_status_for_anyone_missing(client, auth, db, world):
    auth.login("t_staff")
    html = upload(client, export(NEW)).get_data(as_text=True)
    selects = re.findall(r'<select name="(?:missing-\d+|ticked-status)".*?</select>', html, re.S)
    assert len(selects) == 5  # four missing people and the status for the ticked
    for select_html in selects:
        chosen = re.findall(r'<option value="([^"]+)" selected', select_html)
        assert chosen == ["keep"]
    assert "missing-rest" not in html


def test_an_apply_with_no_choices_changes_no_status(client, auth, db, world):
    auth.login("t_staff")
    html = upload(client, export(NEW)).get_data(as_text=True)
    confirmation = confirm(client, html)
    assert 'name="status"' not in confirmation.get_data(as_text=True)
    assert apply_confirmed(client, confirmation).status_code == 302
    people = [world[k] for k in ("consenting", "unasked", "refusing", "elsewhere")]
    for person in people:
        db.refresh(person)
    assert {p.status for p in people} == {RegistrantStatus.ACTIVE}


def test_ticked_people_get_the_status_chosen_for_the_ticked_and_others_keep_theirs(
    client, auth, db, world
):
    auth.login("t_staff")
    html = upload(client, export(NEW)).get_data(as_text=True)
    unasked, refusing, elsewhere = world["unasked"], world["refusing"], world["elsewhere"]
    confirmation = confirm(
        client, html, tick=[str(unasked.id), str(refusing.id)], **{"ticked-status": "moved_out"}
    )
    assert _english(client, confirmation) == "1 new, 0 changed, 2 status changes"
    assert apply_confirmed(client, confirmation).status_code == 302
    for person in (unasked, refusing, elsewhere):
        db.refresh(person)
    assert unasked.status is RegistrantStatus.MOVED_OUT
    assert refusing.status is RegistrantStatus.MOVED_OUT
    assert elsewhere.status is RegistrantStatus.ACTIVE


def test_a_ticked_person_with_a_different_status_of_their_own_is_refused(
    client, auth, db, world
):
    auth.login("t_staff")
    html = upload(client, export(NEW)).get_data(as_text=True)
    unasked = world["unasked"]
    response = confirm(
        client,
        html,
        tick=[str(unasked.id)],
        **{"ticked-status": "moved_out", f"missing-{unasked.id}": "deceased"},
    )
    assert response.status_code == 422
    assert 'id="confirm-counts"' not in response.get_data(as_text=True)


def test_apply_without_the_confirmation_step_writes_nothing(client, auth, db, world):
    auth.login("t_staff")
    before = count(db)
    html = upload(client, export(NEW)).get_data(as_text=True)
    unasked = world["unasked"]
    response = client.post(
        f"/imports/{token_of(html)}/apply",
        data={"missing_key": MISSING_KEY.search(html)[1], "status": f"{unasked.id}:moved_out"},
    )
    assert response.status_code == 409
    db.refresh(unasked)
    assert unasked.status is RegistrantStatus.ACTIVE and count(db) == before


def test_apply_refuses_when_the_people_missing_changed_since_the_dry_run(
    client, auth, db, world, factory
):
    auth.login("t_staff")
    html = upload(client, export(NEW)).get_data(as_text=True)
    before = count(db)
    latecomer = factory.registrant(world["districts"][0])
    response = confirm(client, html)
    assert response.status_code == 409
    assert latecomer.resident_no in response.get_data(as_text=True)
    assert count(db) == before + 1  # only the latecomer


def test_the_report_download_lists_every_bad_row(client, auth, db, world):
    auth.login("t_staff")
    html = upload(client, export(NEW, BAD_DATE, BAD_PLACE), keep="y").get_data(as_text=True)
    response = client.post(f"/imports/{token_of(html)}/report.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert lines[0][0].startswith("行")
    assert {line[0] for line in lines[1:]} == {"3", "4"}
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "import.report")).one()
    assert event.actor_name == "t_staff" and event.detail == '{"errors":2}'
    assert client.get(f"/imports/{token_of(html)}/report.csv").status_code == 405


def test_a_mapping_file_names_unusual_columns_and_a_bad_one_is_refused(client, auth, db, world):
    auth.login("t_staff")
    data = export(NEW).replace("宛名番号".encode("cp932"), "住民コード".encode("cp932"), 1)
    assert upload(client, data).status_code == 200  # parsed, but every row is refused
    mapping = '[columns]\nresident_no = "住民コード"\n'.encode()
    html = upload(client, data, mapping=(io.BytesIO(mapping), "map.toml")).get_data(as_text=True)
    assert "3234567890" in html and "/confirm" in html
    bad = upload(client, data, mapping=(io.BytesIO(b"[columns\n"), "map.toml"))
    assert bad.status_code == 422 and "TOML" in bad.get_data(as_text=True)


def test_an_unreadable_file_is_a_form_error_and_nothing_is_kept(client, auth, world, upload_dir):
    auth.login("t_staff")
    assert upload(client, b"", name="export.xls").status_code == 422  # not an allowed kind
    assert upload(client, b"not a workbook", name="export.xlsx").status_code == 422
    assert client.post("/imports/", data={}).status_code == 422
    assert stored(upload_dir) == []


@pytest.mark.parametrize("role", ["partner", "planner", "admin"])
def test_partners_planners_and_admins_get_403_on_every_import_url(client, auth, world, role):
    auth.login("t_staff")
    token = token_of(upload(client, export(NEW, BAD_DATE), keep="y").get_data(as_text=True))
    auth.logout()
    auth.login(f"t_{role}")
    assert client.get("/imports/").status_code == 403
    assert upload(client, export(NEW)).status_code == 403
    assert client.post(f"/imports/{token}/apply").status_code == 403
    assert client.post(f"/imports/{token}/report.csv").status_code == 403
    assert 'href="/imports/"' not in client.get("/registrants/").get_data(as_text=True)


def test_an_unknown_expired_or_another_users_token_gives_404(
    client, auth, world, factory, upload_dir
):
    auth.login("t_staff")
    assert 'href="/imports/"' in client.get("/registrants/").get_data(as_text=True)
    unknown = "A" * 43
    for token in (unknown, "..", "not-a-token"):
        assert client.post(f"/imports/{token}/apply").status_code == 404
        assert client.post(f"/imports/{token}/report.csv").status_code == 404
    token = token_of(upload(client, export(NEW, BAD_DATE), keep="y").get_data(as_text=True))
    factory.user(Role.STAFF, "t_staff2")
    auth.logout()
    auth.login("t_staff2")
    assert client.post(f"/imports/{token}/report.csv").status_code == 404
    assert client.post(f"/imports/{token}/apply").status_code == 404
    auth.logout()
    auth.login("t_staff")
    three_hours_ago = time.time() - 3 * 60 * 60
    for path in upload_dir.iterdir():
        os.utime(path, (three_hours_ago, three_hours_ago))
    assert client.post(f"/imports/{token}/report.csv").status_code == 404
    assert stored(upload_dir) == []  # expired uploads are deleted whenever the page is used


def test_csrf_is_required(app, client, auth, world, upload_dir):
    auth.login("t_staff")
    token = token_of(upload(client, export(NEW)).get_data(as_text=True))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert upload(client, export(NEW)).status_code == 400
        assert client.post(f"/imports/{token}/apply").status_code == 400
        assert client.post(f"/imports/{token}/report.csv").status_code == 400
        assert len(stored(upload_dir)) == 2  # the first upload's data and settings only
        page = client.get("/imports/").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        response = upload(client, export(NEW), csrf_token=csrf)
        assert response.status_code == 200
        assert 'name="csrf_token" value="' in response.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_upload_page_title_is_only_its_name_and_the_columns_show_once(client, auth, db, world):
    auth.login("t_staff")
    html = client.get("/imports/").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S)[1]
    assert "<" not in title and "&lt;" not in title, title
    assert html.count('id="columns"') == 1
