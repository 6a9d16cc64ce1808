"""Import batches: what an apply recorded, its page, and the undo of the latest one."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from sqlalchemy import func, select, text

from roster.extensions import db as database
from roster.extensions import make_engine
from roster.imports.batches import RESTORABLE
from roster.models import (
    AuditEvent,
    ConsentState,
    ImportBatch,
    Registrant,
    RegistrantStatus,
)

HEADER = "宛名番号,氏名,氏名カナ,生年月日,性別,住所,電話番号,要介護度\r\n"
NEW = "3234567890,新規 一郎,シンキ イチロウ,H1.1.8,男,東京都テスト市テスト町A1-1-1,,"
COLUMNS = ("resident_no", "version", *RESTORABLE, "name_key", "kana_key", "address_key",
           "last_verified_on")


def export(tmp_path, *rows, name="export.csv"):
    path = tmp_path / name
    path.write_bytes((HEADER + "".join(r + "\r\n" for r in rows)).encode("cp932"))
    return path


def changed_row(person, address="東京都テスト市テスト町B5-5-5"):
    return (
        f"{person.resident_no},{person.name},{person.name_kana},1940-04-01,男,"
        f"{address},042-999-0000,要介護3"
    )


def state(db) -> dict[str, tuple[Any, ...]]:
    """Every person's restorable columns and search keys, by 宛名番号 (versions aside)."""
    columns = [getattr(Registrant, c) for c in COLUMNS if c != "version"]
    db.expire_all()
    return {row[0]: tuple(row[1:]) for row in db.execute(select(*columns))}


def imported(runner, db, path, *options):
    result = runner.invoke(args=["import-registrants", str(path), *options])
    assert result.exit_code == 0, result.output
    return db.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()


def undo(runner, batch_id):
    return runner.invoke(args=["import-undo", str(batch_id), "--yes"])


def test_an_apply_is_a_batch_with_the_files_name_and_sha256_and_each_persons_change(
    runner, db, world, tmp_path
):
    person = world["consenting"]
    old_address = person.address
    path = export(tmp_path, NEW, changed_row(person), name="対象者2026.csv")
    batch = imported(runner, db, path, "--set-missing", "moved_out")
    assert batch.file_name == "対象者2026.csv" and batch.actor_name == "cli"
    assert batch.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (batch.added, batch.changed, batch.status_changed) == (1, 1, 3)
    items = {i.resident_no: i for i in batch.items}
    assert items["3234567890"].kind == "added"
    assert items[person.resident_no].changes["address"] == [
        old_address, "東京都テスト市テスト町B5-5-5"
    ]
    assert items[person.resident_no].changes["district_id"] == [
        world["districts"][0].id, world["districts"][1].id
    ]
    assert items[world["unasked"].resident_no].changes == {"status": ["active", "moved_out"]}


def test_an_import_sets_no_last_verified_date(runner, db, world, tmp_path):
    person = world["consenting"]
    before = person.last_verified_on
    imported(runner, db, export(tmp_path, NEW, changed_row(person)))
    new = db.scalars(select(Registrant).where(Registrant.resident_no == "3234567890")).one()
    db.refresh(person)
    assert new.last_verified_on is None
    assert person.last_verified_on == before


def test_the_cli_keeps_every_missing_persons_status_unless_set_missing_names_one(
    runner, db, world, tmp_path
):
    imported(runner, db, export(tmp_path, NEW))
    for key in ("consenting", "unasked", "refusing", "elsewhere"):
        db.refresh(world[key])
        assert world[key].status is RegistrantStatus.ACTIVE


def test_undo_restores_every_field_and_status_and_removes_the_people_added(
    runner, db, world, tmp_path
):
    before = state(db)
    person = world["consenting"]
    batch = imported(
        runner, db, export(tmp_path, NEW, changed_row(person)), "--set-missing", "deceased"
    )
    assert state(db) != before
    result = undo(runner, batch.id)
    assert result.exit_code == 0, result.output
    assert state(db) == before
    db.refresh(batch)
    assert batch.undone_at is not None and batch.undone_by_name == "cli"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "import.undo")).one()
    assert event.object_id == str(batch.id) and '"removed":1' in event.detail
    # A stale form opened before the undo is refused: the undo is a new version.
    db.refresh(person)
    assert person.version == 3


def test_undo_is_refused_naming_a_person_edited_after_the_import(runner, db, world, tmp_path):
    person = world["consenting"]
    batch = imported(runner, db, export(tmp_path, NEW, changed_row(person)))
    person.phone = "042-111-1111"  # a clerk's later edit: a new version
    db.commit()
    after = state(db)
    result = undo(runner, batch.id)
    assert result.exit_code == 1
    assert person.resident_no in result.output and "edited after the import" in result.output
    assert state(db) == after
    db.refresh(batch)
    assert batch.undone_at is None


def test_undo_is_refused_when_an_added_person_has_a_consent_recorded(
    runner, db, world, factory, tmp_path
):
    batch = imported(runner, db, export(tmp_path, NEW))
    new = db.scalars(select(Registrant).where(Registrant.resident_no == "3234567890")).one()
    factory.consent(new, ConsentState.CONSENTED, world["users"]["staff"])
    db.commit()
    result = undo(runner, batch.id)
    assert result.exit_code == 1 and "3234567890" in result.output
    assert db.scalar(select(func.count()).where(Registrant.resident_no == "3234567890")) == 1


def test_only_the_latest_batch_not_undone_can_be_undone(runner, db, world, tmp_path):
    first = imported(runner, db, export(tmp_path, NEW))
    person = world["consenting"]
    second = imported(runner, db, export(tmp_path, NEW, changed_row(person), name="b.csv"))
    result = undo(runner, first.id)
    assert result.exit_code == 1 and "latest" in result.output
    assert undo(runner, second.id).exit_code == 0
    again = undo(runner, second.id)
    assert again.exit_code == 1 and "already" in again.output
    # Now the first is the latest not undone, and nobody worked on its person since.
    assert undo(runner, first.id).exit_code == 0
    assert db.scalar(select(func.count()).where(Registrant.resident_no == "3234567890")) == 0


def test_the_batch_page_shows_old_and_new_values_and_logs_the_view(
    client, auth, runner, db, world, tmp_path
):
    person = world["consenting"]
    old_address = person.address
    batch = imported(runner, db, export(tmp_path, NEW, changed_row(person)))
    auth.login("t_staff")
    listing = client.get("/imports/batches").get_data(as_text=True)
    assert f"/imports/batches/{batch.id}" in listing and "export.csv" in listing
    page = client.get(f"/imports/batches/{batch.id}").get_data(as_text=True)
    assert batch.file_sha256 in page
    assert f"{old_address} → 東京都テスト市テスト町B5-5-5" in page
    assert "3234567890" in page
    viewed = db.scalars(select(AuditEvent).where(AuditEvent.action == "import.batch_view")).one()
    assert str(person.id) in viewed.detail and old_address not in viewed.detail


def test_the_undo_page_states_the_counts_and_a_post_undoes(
    client, auth, runner, db, world, tmp_path
):
    before = state(db)
    person = world["consenting"]
    batch = imported(
        runner, db, export(tmp_path, NEW, changed_row(person)), "--set-missing", "moved_out"
    )
    auth.login("t_staff")
    page = client.get(f"/imports/batches/{batch.id}/undo")
    counts = re.search(r'id="undo-counts">([^<]*)<', page.get_data(as_text=True))[1]
    assert re.findall(r"\d+", counts) == ["1", "3", "1"]
    assert state(db) != before  # the confirmation page changed nothing
    response = client.post(f"/imports/batches/{batch.id}/undo")
    assert response.status_code == 302
    assert state(db) == before


def test_the_undo_page_refuses_naming_the_people_later_work_depends_on(
    client, auth, runner, db, world, tmp_path
):
    person = world["consenting"]
    batch = imported(runner, db, export(tmp_path, NEW, changed_row(person)))
    person.phone = "042-111-1111"
    db.commit()
    auth.login("t_staff")
    response = client.post(f"/imports/batches/{batch.id}/undo")
    assert response.status_code == 409
    blockers = re.search(r'<table class="register" id="blockers">.*?</table>',
                         response.get_data(as_text=True), re.S)[0]
    assert person.resident_no in blockers
    assert person.resident_no not in response.request.path
    db.refresh(batch)
    assert batch.undone_at is None


def test_the_undo_needs_a_csrf_token(app, client, auth, runner, db, world, tmp_path):
    batch = imported(runner, db, export(tmp_path, NEW))
    auth.login("t_staff")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/imports/batches/{batch.id}/undo").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.refresh(batch)
    assert batch.undone_at is None


@pytest.mark.parametrize("role", ["t_partner", "t_planner", "t_admin"])
def test_only_staff_see_batches_or_undo(client, auth, runner, db, world, tmp_path, role):
    batch = imported(runner, db, export(tmp_path, NEW))
    auth.login(role)
    assert client.get("/imports/batches").status_code == 403
    assert client.get(f"/imports/batches/{batch.id}").status_code == 403
    assert client.post(f"/imports/batches/{batch.id}/undo").status_code == 403


# --- An empty or old database --------------------------------------------------------------


@pytest.fixture()
def empty_database(tmp_path, monkeypatch, app):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setattr(database, "engine", engine)
    monkeypatch.setitem(app.extensions, "schema_current", False)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "args", [["demo"], ["import-registrants", "x.csv"], ["import-undo", "1"],
             ["import-shelters", "x.csv"], ["import-hazard", "x.geojson", "--kind", "flood"]]
)
def test_commands_on_an_empty_database_say_run_roster_db_upgrade_in_one_line(
    runner, empty_database, tmp_path, args
):
    (tmp_path / args[1]).write_text("x") if len(args) > 1 and "." in args[1] else None
    args = [str(tmp_path / a) if "." in a else a for a in args]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "roster db upgrade" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_a_database_of_an_older_revision_is_named_as_older(runner, empty_database):
    with empty_database.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0009')"))
    result = runner.invoke(args=["demo"], env={"LANG": "C"})
    assert result.exit_code == 1 and "older" in result.output
    assert "roster db upgrade" in result.output


def test_pages_on_an_empty_database_say_run_roster_db_upgrade(client, empty_database):
    response = client.get("/login")
    assert response.status_code == 503
    assert "roster db upgrade" in response.get_data(as_text=True)
