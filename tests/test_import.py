"""The eligibility import: dry-run diff, all-or-nothing apply, the CLI and its report."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from roster.models import (
    AuditEvent,
    ConsentState,
    Household,
    Mobility,
    Registrant,
    RegistrantStatus,
)

HEADER = "宛名番号,氏名,氏名カナ,生年月日,性別,住所,電話番号,要介護度\r\n"


def export(tmp_path, rows, name="export.csv", encoding="cp932"):
    path = tmp_path / name
    path.write_bytes((HEADER + "".join(r + "\r\n" for r in rows)).encode(encoding))
    return path


def count(db):
    return db.scalar(select(func.count(Registrant.id)))


def test_a_shift_jis_export_with_era_dates_is_applied(runner, db, world, tmp_path):
    path = export(tmp_path, [
        "１２３４５６７８９０,試験 花子,シケン ハナコ,昭和15年3月2日,女,"
        "東京都テスト市テスト町A1-2-3,０４２－４５１－２３４５,要介護３",
        "2234567890,試験 次郎,しけん じろう,S22.4.1,男,東京都テスト市テスト町B2-2-2,,",
    ])
    before = count(db)
    result = runner.invoke(args=["import-registrants", str(path)])
    assert result.exit_code == 0, result.output
    hanako = db.scalars(select(Registrant).where(Registrant.resident_no == "1234567890")).one()
    assert hanako.birth_date == date(1940, 3, 2)
    assert hanako.phone == "042-451-2345" and hanako.care_level.value == "care_3"
    assert hanako.district_id == world["districts"][0].id and hanako.location_approximate
    assert hanako.household is Household.UNKNOWN and hanako.mobility is Mobility.UNKNOWN
    assert hanako.consent_state is ConsentState.UNCONFIRMED
    assert count(db) == before + 2
    created = db.scalars(select(AuditEvent).where(AuditEvent.action == "registrant.create"))
    assert {e.object_id for e in created} >= {str(hanako.id)}


def test_a_dry_run_shows_the_diff_and_writes_nothing(runner, db, world, tmp_path):
    person = world["consenting"]
    path = export(tmp_path, [
        f"{person.resident_no},{person.name},{person.name_kana},1940-04-01,男,"
        f"東京都テスト市テスト町A9-9-9,042-000-0000,要介護3",
        "3234567890,新規 一郎,シンキ イチロウ,H1.1.8,男,東京都テスト市テスト町A1-1-1,,",
    ])
    before = count(db)
    result = runner.invoke(args=["import-registrants", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "New eligible people: 1" in result.output
    assert f"{person.resident_no}: address" in result.output
    assert "Missing from the export: 3" in result.output  # refusing, unasked, elsewhere
    assert count(db) == before
    db.refresh(person)
    assert person.address != "東京都テスト市テスト町A9-9-9"


def test_one_bad_row_means_nothing_is_written_and_every_bad_row_is_reported(
    runner, db, world, tmp_path
):
    path = export(tmp_path, [
        "4234567890,良い 人,ヨイ ヒト,昭和20年1月1日,女,東京都テスト市テスト町A1-1-1,,",
        "5234567890,悪い 日付,ワルイ ヒヅケ,平成32年1月1日,女,東京都テスト市テスト町A1-1-1,,",
        "6234567890,悪い 日,ワルイ ヒ,2020年2月30日,女,東京都テスト市どこか町1,,",
    ])
    before = count(db)
    report = tmp_path / "report.csv"
    # The command line speaks the shell's language: here Japanese.
    result = runner.invoke(
        args=["import-registrants", str(path), "--report", str(report)],
        env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"},
    )
    assert result.exit_code == 1
    assert count(db) == before
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("行")
    assert "平成32年1月1日" in report.read_text(encoding="utf-8-sig")
    assert "年号" in result.output or "平成" in result.output
    rows = {line.split(",")[0] for line in lines[1:]}
    assert rows == {"3", "4"}


def test_missing_people_keep_their_status_unless_staff_confirm_one(runner, db, world, tmp_path):
    path = export(tmp_path, [
        "7234567890,残る 人,ノコル ヒト,昭和20年1月1日,女,東京都テスト市テスト町A1-1-1,,",
    ])
    assert runner.invoke(args=["import-registrants", str(path)]).exit_code == 0
    db.refresh(world["unasked"])
    assert world["unasked"].status is RegistrantStatus.ACTIVE
    result = runner.invoke(args=["import-registrants", str(path), "--set-missing", "moved_out"])
    assert result.exit_code == 0, result.output
    db.refresh(world["unasked"])
    assert world["unasked"].status is RegistrantStatus.MOVED_OUT


def test_an_import_updates_source_fields_but_not_what_staff_learnt(runner, db, world, tmp_path):
    person = world["consenting"]
    version = person.version
    path = export(tmp_path, [
        f"{person.resident_no},{person.name},{person.name_kana},1940-04-01,男,"
        f"東京都テスト市テスト町B5-5-5,042-000-0000,要介護4",
    ])
    assert runner.invoke(args=["import-registrants", str(path)]).exit_code == 0
    db.refresh(person)
    assert person.address.endswith("テスト町B5-5-5")
    assert person.district_id == world["districts"][1].id
    assert person.care_level.value == "care_4"
    assert person.mobility is Mobility.WHEELCHAIR  # from staff, kept
    assert person.version == version + 1
    updates = db.scalars(select(AuditEvent).where(AuditEvent.action == "registrant.update"))
    assert any('"address"' in e.detail and "テスト町B" not in e.detail for e in updates)


def test_an_export_without_a_column_leaves_that_field_alone(runner, db, world, factory,
                                                           tmp_path):
    person = factory.registrant(world["districts"][0], address="東京都テスト市テスト町A3-3-3")
    path = tmp_path / "no-phone.csv"
    path.write_bytes((
        "宛名番号,氏名,氏名カナ,生年月日,性別,住所\r\n"
        f"{person.resident_no},{person.name},{person.name_kana},1940-04-01,男,{person.address}\r\n"
    ).encode("cp932"))
    result = runner.invoke(args=["import-registrants", str(path), "--dry-run"])
    assert "Changed: 0" in result.output, result.output
    assert runner.invoke(args=["import-registrants", str(path)]).exit_code == 0
    db.refresh(person)
    assert person.phone == "042-000-0000" and person.disability_certificate == "身体1級"
