"""The shelter import: the real GSI files (小金井市, 西東京市, shipped in geo/data), a
nationwide-style file filtered by city, the Digital Agency format with its quirks, any CSV
through a mapping, re-imports that keep what staff recorded, and the upload page.

Nothing is half-written: a file with any bad row writes nothing and every bad row is listed.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from geo import DATA_DIR
from geo.shelters.reading import read_shelter_files
from roster.models import AuditEvent, Shelter, ShelterAssignment
from roster.shelters.importing import apply_import, plan_import
from roster.shelters.labels import (
    CSV_SOURCE,
    GSI_SOURCE,
    JP_STANDARD_SOURCE,
    MANUAL_SOURCE,
)
from roster.shelters.mapping import MappingError, load_mapping

from .conftest import AuthActions, IsolatedClient
from .test_shelters import make_shelter

PROJECT = Path(__file__).parent.parent
NISHITOKYO = [
    DATA_DIR / "nishitokyo_132292_evacuation.geojson",
    DATA_DIR / "nishitokyo_132292_emergency.geojson",
]
KOGANEI = [
    DATA_DIR / "koganei_132101_evacuation.geojson",
    DATA_DIR / "koganei_132101_emergency.geojson",
]
QUIRKS = Path(__file__).parent / "data" / "jp_standard_quirks.csv"
SAMPLE_MAPPING = PROJECT / "roster" / "data" / "shelter-mapping.sample.toml"


def count(db: Any, *where: Any) -> int:
    return int(db.scalar(select(func.count(Shelter.id)).where(*where)) or 0)


def import_events(db: Any) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "shelter.import").order_by(AuditEvent.seq)
    )
    return [json.loads(e.detail) for e in rows]


def run(runner: Any, *args: Any) -> Any:
    return runner.invoke(args=["import-shelters", *(str(a) for a in args)])


def by_source_id(db: Any, source_id: str) -> Shelter:
    return db.scalars(select(Shelter).where(Shelter.source_id == source_id)).one()


# --- The real GSI files ------------------------------------------------------------------------


def test_the_real_nishitokyo_files_import_every_place_and_kind(runner: Any, db: Any) -> None:
    result = run(runner, *NISHITOKYO)
    assert result.exit_code == 0, result.output
    assert "Added: 78" in result.output
    assert "Imported: 78 added, 0 changed, 0 removed" in result.output
    assert count(db) == 78
    assert count(db, Shelter.is_welfare_shelter.is_(True)) == 28
    assert count(db, Shelter.is_emergency_site.is_(True)) == 49
    school = db.scalars(select(Shelter).where(Shelter.name == "中原小学校")).one()
    assert school.is_emergency_site and school.is_evacuation_shelter
    assert school.hazard_list == ["flood", "landslide", "earthquake"]
    assert school.city_code == "132292" and school.source == GSI_SOURCE
    nursery = db.scalars(select(Shelter).where(Shelter.name == "すみよし保育園")).one()
    assert nursery.accepts == "妊婦、車いす来園者"
    assert nursery.group_list == ["disabled", "pregnant_infant"]
    [event] = import_events(db)
    assert (event["added"], event["changed"], event["removed"]) == (78, 0, 0)
    assert event["format"] == "gsi" and event["source"] == GSI_SOURCE


def test_the_real_koganei_files_import(runner: Any, db: Any) -> None:
    result = run(runner, *KOGANEI)
    assert result.exit_code == 0, result.output
    assert count(db) == 30
    assert count(db, Shelter.is_welfare_shelter.is_(True)) == 0
    assert count(db, Shelter.city_code == "132101") == 30


def test_importing_the_same_files_again_changes_nothing(runner: Any, db: Any) -> None:
    assert run(runner, *NISHITOKYO).exit_code == 0
    result = run(runner, *NISHITOKYO)
    assert result.exit_code == 0, result.output
    assert "Added: 0   Changed: 0   Unchanged: 78   Removed: 0" in result.output


def test_a_dry_run_writes_nothing(runner: Any, db: Any) -> None:
    result = run(runner, *KOGANEI, "--dry-run")
    assert result.exit_code == 0
    assert "Added: 30" in result.output and "Dry run: nothing was written." in result.output
    assert count(db) == 0 and import_events(db) == []


def _merged(paths: list[Path], target: Path) -> Path:
    features: list[Any] = []
    for path in paths:
        features += json.loads(path.read_text(encoding="utf-8"))["features"]
    target.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return target


@pytest.mark.parametrize(("city", "expected"), [("132292", 78), ("13229", 78), ("132101", 30)])
def test_a_nationwide_style_file_is_filtered_by_city(
    runner: Any, db: Any, tmp_path: Path, city: str, expected: int
) -> None:
    evacuation = _merged([NISHITOKYO[0], KOGANEI[0]], tmp_path / "全国_指定避難所.geojson")
    emergency = _merged([NISHITOKYO[1], KOGANEI[1]], tmp_path / "全国_指定緊急避難場所.geojson")
    result = run(runner, evacuation, emergency, "--city", city)
    assert result.exit_code == 0, result.output
    assert count(db) == expected
    assert count(db, Shelter.city_code.startswith(city[:5])) == expected


def test_a_wrong_city_code_is_a_usage_error(runner: Any, db: Any) -> None:
    result = run(runner, *KOGANEI, "--city", "132291")
    assert result.exit_code != 0 and "check digit" in result.output
    assert count(db) == 0


def test_a_city_the_files_do_not_hold_imports_nothing_and_removes_nothing(
    runner: Any, db: Any
) -> None:
    assert run(runner, *NISHITOKYO).exit_code == 0
    result = run(runner, *KOGANEI, "--city", "132292")
    assert result.exit_code == 1
    assert "the files hold no places of city 132292" in result.output
    assert count(db) == 78


# --- The Digital Agency standard format ----------------------------------------------------------


def test_the_quirks_fixtures_bad_rows_are_each_reported_and_nothing_is_written(
    runner: Any, db: Any
) -> None:
    result = run(runner, QUIRKS, "--format", "jp-standard")
    assert result.exit_code == 1
    out = result.output
    assert "4 problems: nothing was written." in out
    assert re.search(r"row 4, column 緯度: 緯度 \"北緯35度44分\" is not a number", out)
    assert re.search(r"row 5, column ID: ID \"132292-0001\" appears again", out)
    assert re.search(r"row 7, column 緯度: .*latitude and longitude swapped", out)
    assert re.search(r"row 7, column 経度: ", out)
    assert count(db) == 0 and import_events(db) == []


def test_plan_import_lists_the_quirks_and_apply_refuses_them(db: Any) -> None:
    read = read_shelter_files(QUIRKS, format="jp-standard")
    plan = plan_import(db, read, JP_STANDARD_SOURCE)
    assert not plan.ok
    assert sorted({(e.row, e.column) for e in plan.errors}) == [
        (4, "緯度"),
        (5, "ID"),
        (7, "経度"),
        (7, "緯度"),
    ]
    assert all(e.file.endswith("jp_standard_quirks.csv") for e in plan.errors)
    with pytest.raises(ValueError, match="never applied"):
        apply_import(db, plan, None, format="jp-standard")
    assert count(db) == 0


def _clean_quirks(target: Path) -> Path:
    """The quirks fixture without its bad rows (header is row 1), still in cp932."""
    lines = QUIRKS.read_bytes().decode("cp932").splitlines()
    keep = [line for number, line in enumerate(lines, start=1) if number not in (4, 5, 7)]
    target.write_bytes("\r\n".join(keep).encode("cp932"))
    return target


def test_a_clean_standard_file_imports_with_its_quirks_normalised(
    runner: Any, db: Any, tmp_path: Path
) -> None:
    result = run(
        runner, _clean_quirks(tmp_path / "指定緊急避難場所一覧.csv"), "--format", "jp-standard"
    )
    assert result.exit_code == 0, result.output
    assert count(db) == 5
    school = by_source_id(db, "132292-0001")
    assert school.capacity == 480 and school.capacity_text == "屋内480人／屋外3,350人(面積の1/2)"
    assert school.is_emergency_site and school.is_evacuation_shelter
    assert school.hazard_list == ["flood", "landslide", "earthquake"]
    assert school.name_kana == "ナカハラショウガッコウ" and school.source == JP_STANDARD_SOURCE
    wide = by_source_id(db, "132292-0005")  # written in full-width digits
    assert (wide.latitude, wide.longitude, wide.capacity) == (35.7301, 139.5521, 480)
    assert wide.phone == "042-464-1311" and wide.city_code == "132292"
    circles = by_source_id(db, "132292-0007")  # flags written ○ and ◯
    assert circles.hazard_list == ["flood", "earthquake", "large_fire"]
    assert circles.capacity == 300
    assert by_source_id(db, "132292-0002").is_evacuation_shelter is False


def test_a_clean_standard_file_filtered_by_city(runner: Any, db: Any, tmp_path: Path) -> None:
    clean = _clean_quirks(tmp_path / "list.csv")
    result = run(runner, clean, "--format", "jp-standard", "--city", "132101")
    assert result.exit_code == 0, result.output
    assert [s.name for s in db.scalars(select(Shelter))] == ["小金井の公園"]


# --- Re-import: changed, removed, and what staff own --------------------------------------------


def _without(paths: list[Path], tmp_path: Path, drop_id: str, rename: dict[str, str]) -> list[Path]:
    """Copies of GSI files without one 共通ID and with some places renamed."""
    copies = []
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["features"] = [f for f in data["features"] if f["properties"]["共通ID"] != drop_id]
        for feature in data["features"]:
            props = feature["properties"]
            props["施設・場所名"] = rename.get(props["共通ID"], props["施設・場所名"])
        copy = tmp_path / path.name
        copy.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        copies.append(copy)
    return copies


def test_a_reimport_reports_changed_and_removed_and_keeps_what_staff_recorded(
    runner: Any, db: Any, tmp_path: Path, factory: Any
) -> None:
    assert run(runner, *NISHITOKYO).exit_code == 0
    nursery = by_source_id(db, "E1322900001121")  # ひばりが丘保育園, a welfare shelter
    nursery.care_places, nursery.backup_power, nursery.accessible_toilet = 6, True, False
    nursery.step_free = True
    nursery.facility_agreement = "福祉避難所の設置運営に関する協定（令和3年締結）"
    nursery.notes, nursery.contact = "夜間は園長携帯へ", "園長"
    nursery.hazards = "flood,earthquake"  # staff's suitability for a place GSI gives none
    nursery.accept_groups = "pregnant_infant,medical_care"  # staff's choice, same text
    nursery.capacity = 35
    gone = by_source_id(db, "E1322900053111")  # 東伏見コミュニティセンター
    person = factory.registrant(factory.district())
    db.add(
        ShelterAssignment(
            hazard="flood", registrant_id=person.id, shelter_id=gone.id, distance_m=120.0
        )
    )
    db.flush()
    gone_id = gone.id
    files = _without(
        NISHITOKYO,
        tmp_path,
        "E1322900053111",
        {"E1322900001121": "ひばりが丘保育園（分園）", "E1322900002111": "中原小"},
    )
    result = run(runner, *files)
    assert result.exit_code == 0, result.output
    assert "Added: 0   Changed: 2   Unchanged: 75   Removed: 1" in result.output
    assert "~ E1322900001121 ひばりが丘保育園: name" in result.output
    assert "- E1322900053111 東伏見コミュニティセンター" in result.output
    db.expire_all()
    assert nursery.name == "ひばりが丘保育園（分園）"
    assert (nursery.care_places, nursery.backup_power, nursery.accessible_toilet) == (
        6,
        True,
        False,
    )
    assert nursery.step_free is True
    assert nursery.facility_agreement == "福祉避難所の設置運営に関する協定（令和3年締結）"
    assert (nursery.notes, nursery.contact) == ("夜間は園長携帯へ", "園長")
    assert nursery.hazard_list == ["flood", "earthquake"]
    assert nursery.group_list == ["pregnant_infant", "medical_care"]
    assert nursery.capacity == 35
    assert db.get(Shelter, gone_id) is None
    # The import recomputes assignments: no one is sent to the removed place any more.
    assert not db.scalars(
        select(ShelterAssignment).where(ShelterAssignment.shelter_id == gone_id)
    ).all()
    assert db.scalars(
        select(ShelterAssignment).where(ShelterAssignment.registrant_id == person.id)
    ).all()
    event = import_events(db)[-1]
    assert (event["changed"], event["removed"], event["removed_ids"]) == (2, 1, [gone_id])


def test_places_of_other_sources_cities_or_added_by_hand_are_never_removed(
    runner: Any, db: Any
) -> None:
    assert run(runner, *NISHITOKYO).exit_code == 0
    make_shelter(db, source_id="H000001", source=MANUAL_SOURCE, city_code="132292")
    make_shelter(db, source_id="X-1", source=CSV_SOURCE, city_code="132292")
    result = run(runner, *KOGANEI)
    assert result.exit_code == 0, result.output
    assert "Removed: 0" in result.output
    assert count(db) == 78 + 2 + 30


def test_a_place_the_demo_loaded_is_matched_by_its_dated_gsi_source(runner: Any, db: Any) -> None:
    """The demo's rows say 国土地理院 … (2025-10-27): the same source for a re-import."""
    school = make_shelter(db, source_id="E1322900099111", source=f"{GSI_SOURCE} (2025-10-27)")
    result = run(runner, *NISHITOKYO)
    assert "Removed: 1" in result.output and "- E1322900099111" in result.output
    assert db.get(Shelter, school.id) is None


def test_the_file_owns_designations_it_lists_and_never_unmarks_a_welfare_shelter(
    db: Any, runner: Any
) -> None:
    assert run(runner, *NISHITOKYO).exit_code == 0
    school = by_source_id(db, "E1322900002111")  # 中原小学校
    school.is_welfare_shelter = True  # staff designated it
    school.is_emergency_site = False  # a staff mistake the file corrects
    db.flush()
    read = read_shelter_files(NISHITOKYO, format="gsi")
    plan = plan_import(db, read, GSI_SOURCE)
    [change] = plan.changed
    assert change.changes == {"is_emergency_site": (False, True)}
    # Only the emergency-site list: it says nothing about which places are shelters.
    read = read_shelter_files(NISHITOKYO[1:], format="gsi")
    plan = plan_import(db, read, GSI_SOURCE)
    assert all("is_evacuation_shelter" not in c.changes for c in plan.changed)
    assert all("is_welfare_shelter" not in c.changes for c in plan.changed)


# --- Any CSV, with a mapping --------------------------------------------------------------------


CSV_ROWS = [
    "施設ID,施設名,施設名カナ,所在地,緯度,経度,市区町村コード,収容人数,受入対象者,"
    "指定緊急避難場所,指定避難所,福祉避難所,洪水,土砂災害,地震,大規模な火事,内水氾濫,電話番号",
    "W-001,ふれあい福祉センター,フレアイフクシセンター,東京都西東京市中町1-1,35.7301,139.5402,"
    "132292,屋内60人,高齢者・障害者,0,1,1,1,,1,,,042-000-0001",
    "W-002,みどり会館,,東京都西東京市緑町2-2,35.7400,139.5300,132292,約120名,,,1,0,,,1,,,",
]


def _write_csv(path: Path, rows: list[str], encoding: str = "utf-8-sig") -> Path:
    path.write_bytes("\r\n".join(rows).encode(encoding))
    return path


def test_any_csv_imports_through_the_sample_mapping(runner: Any, db: Any, tmp_path: Path) -> None:
    csv = _write_csv(tmp_path / "福祉避難所一覧.csv", CSV_ROWS, "cp932")
    result = run(runner, csv, "--mapping", SAMPLE_MAPPING)
    assert result.exit_code == 0, result.output
    centre = by_source_id(db, "W-001")
    assert centre.is_welfare_shelter and centre.is_evacuation_shelter
    assert not centre.is_emergency_site
    assert centre.group_list == ["elderly", "disabled"] and centre.capacity == 60
    assert centre.hazard_list == ["flood", "earthquake"] and centre.source == CSV_SOURCE
    hall = by_source_id(db, "W-002")
    assert hall.capacity == 120 and not hall.is_welfare_shelter and hall.name_kana == ""


def test_a_csv_with_its_own_source_label(runner: Any, db: Any, tmp_path: Path) -> None:
    csv = _write_csv(tmp_path / "list.csv", CSV_ROWS)
    result = run(runner, csv, "--mapping", SAMPLE_MAPPING, "--source", "福祉課 福祉避難所一覧")
    assert result.exit_code == 0, result.output
    assert by_source_id(db, "W-001").source == "福祉課 福祉避難所一覧"


def test_a_csv_bad_row_refuses_the_whole_file(runner: Any, db: Any, tmp_path: Path) -> None:
    rows = [*CSV_ROWS, "W-003,,,東京都西東京市,35.7,139.5,132292,,,,1,,,,,,,"]
    result = run(runner, _write_csv(tmp_path / "bad.csv", rows), "--mapping", SAMPLE_MAPPING)
    assert result.exit_code == 1
    assert "row 4, column 施設名: 施設名 is empty" in result.output
    assert count(db) == 0


def test_a_mapping_column_the_csv_lacks_is_reported(runner: Any, db: Any, tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[columns]\nsource_id = "施設ID"\nname = "施設名"\nlatitude = "緯度"\n'
        'longitude = "経度"\nphone = "代表電話"\n',
        encoding="utf-8",
    )
    result = run(runner, _write_csv(tmp_path / "x.csv", CSV_ROWS), "--mapping", mapping)
    assert result.exit_code == 1 and "column 代表電話 (mapped to phone) is missing" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"', "needs a [columns] table"),
        (
            '[columns]\nsource_id = "ID"\nname = "名称"\nlatitude = "緯度"\nlongitude = "経度"\n'
            'colour = "色"',
            "unknown key 'colour'",
        ),
        ('[columns]\nsource_id = "ID"\nname = "名称"', "latitude, longitude"),
        ("[columns\n", "not valid TOML"),
    ],
)
def test_a_bad_mapping_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(MappingError, match=re.escape(message)):
        load_mapping(text)


def test_the_sample_mapping_is_valid() -> None:
    mapping = load_mapping(SAMPLE_MAPPING)
    assert mapping["source_id"] == "施設ID" and mapping["flood"] == "洪水"


def test_mapping_and_format_must_agree(runner: Any, db: Any, tmp_path: Path) -> None:
    csv = _write_csv(tmp_path / "x.csv", CSV_ROWS)
    assert run(runner, csv, "--format", "csv").exit_code == 2
    assert run(runner, csv, "--format", "gsi", "--mapping", SAMPLE_MAPPING).exit_code == 2


# --- The upload page ------------------------------------------------------------------------------


def _upload(client: IsolatedClient, paths: list[Path], **form: Any) -> Any:
    data: dict[str, Any] = {"format": "gsi", **form}
    data["files"] = [(io.BytesIO(p.read_bytes()), p.name) for p in paths]
    return client.post("/shelters/import", data=data, content_type="multipart/form-data")


def _apply(client: IsolatedClient, preview: Any) -> Any:
    html = preview.get_data(as_text=True)
    action = re.search(r'action="(/shelters/import/[^"]+/apply)"', html)
    assert action, "the preview offers Apply"
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', html)
    assert digest
    return client.post(action.group(1), data={"digest": digest.group(1)})


def staff(client: IsolatedClient) -> None:
    assert AuthActions(client).login("t_staff").status_code == 302
    assert client.post("/locale", data={"locale": "en"}).status_code == 302


def test_staff_upload_several_files_see_the_preview_and_apply_it(
    client: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    staff(client)
    assert client.get("/shelters/import").status_code == 200
    preview = _upload(client, NISHITOKYO)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Added: 78" in html and "Nothing has been written yet." in html
    assert "nishitokyo_132292_evacuation.geojson" in html
    assert count(db) == 0, "the preview writes nothing"
    applied = _apply(client, preview)
    assert applied.status_code == 302 and applied.headers["Location"] == "/shelters/"
    assert count(db) == 78
    [event] = import_events(db)
    assert event["added"] == 78 and event["files"] == 2
    listing = client.get("/shelters/").get_data(as_text=True)
    assert "Imported: 78 added, 0 changed, 0 removed." in listing
    assert "出典：国土地理院 指定緊急避難場所・指定避難所データ" in listing
    again = _apply(client, preview)
    assert again.status_code == 404, "an upload is applied once"


def test_an_upload_with_bad_rows_lists_each_and_offers_no_apply(
    client: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    staff(client)
    preview = _upload(client, [QUIRKS], format="jp-standard")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Problems: 4" in html
    assert "jp_standard_quirks.csv" in html and "北緯35度44分" in html
    assert "latitude and longitude swapped" in html
    assert "/apply" not in html
    token = re.search(r"/shelters/import/([A-Za-z0-9_-]{43})/apply", html)
    assert token is None
    assert count(db) == 0


def test_applying_a_bad_upload_is_refused_with_422_and_writes_nothing(
    client: IsolatedClient, db: Any, world: dict[str, Any], app: Any
) -> None:
    from roster.shelters import uploads

    staff(client)
    user_id = world["users"]["staff"].id
    with app.test_request_context():
        token = uploads.store(
            user_id, [("bad.csv", QUIRKS.read_bytes())], "jp-standard", None, None, None
        )
    response = client.post(f"/shelters/import/{token}/apply", data={"digest": "x"})
    assert response.status_code == 422
    assert "Nothing was written" in response.get_data(as_text=True)
    assert count(db) == 0 and import_events(db) == []


def test_a_registry_changed_since_the_preview_is_refused_with_409(
    client: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    staff(client)
    preview = _upload(client, KOGANEI)
    make_shelter(db, source_id="E1321000001201", name="先に手で入れた場所")
    response = _apply(client, preview)
    assert response.status_code == 409
    assert "changed since the preview" in response.get_data(as_text=True)
    assert count(db) == 1


def test_another_users_upload_token_finds_nothing(
    app: Any, client: IsolatedClient, db: Any, world: dict[str, Any], factory: Any
) -> None:
    from roster.models import Role

    staff(client)
    preview = _upload(client, KOGANEI)
    factory.user(Role.STAFF, "t_colleague")
    other = app.test_client()
    AuthActions(other).login("t_colleague")
    assert _apply(other, preview).status_code == 404
    assert count(db) == 0


@pytest.mark.parametrize(
    ("form", "files", "message"),
    [
        ({}, [], "Choose one or more files."),
        ({"format": "jp-standard"}, [NISHITOKYO[0]], "this format takes .csv, .txt files"),
        ({"format": "csv"}, [QUIRKS], "needs a column mapping"),
        ({"city": "13229x"}, KOGANEI, "5-digit city code"),
    ],
)
def test_a_bad_upload_form_says_what_to_fix(
    client: IsolatedClient,
    db: Any,
    world: dict[str, Any],
    form: dict[str, Any],
    files: list[Path],
    message: str,
) -> None:
    staff(client)
    response = _upload(client, files, **form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_an_upload_through_a_mapping(
    client: IsolatedClient, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    staff(client)
    csv = _write_csv(tmp_path / "福祉避難所.csv", CSV_ROWS)
    data = {
        "format": "csv",
        "files": [(io.BytesIO(csv.read_bytes()), csv.name)],
        "mapping": (io.BytesIO(SAMPLE_MAPPING.read_bytes()), "mapping.toml"),
    }
    preview = client.post("/shelters/import", data=data, content_type="multipart/form-data")
    assert preview.status_code == 200 and "Added: 2" in preview.get_data(as_text=True)
    assert _apply(client, preview).status_code == 302
    assert count(db) == 2


def test_a_bad_mapping_upload_is_refused(
    client: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    staff(client)
    data = {
        "format": "csv",
        "files": [(io.BytesIO(QUIRKS.read_bytes()), "x.csv")],
        "mapping": (io.BytesIO(b"[columns]\nname = 1\n"), "mapping.toml"),
    }
    response = client.post("/shelters/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "The mapping cannot be used" in response.get_data(as_text=True)


# --- A file of one list keeps the other list ----------------------------------------------------


def test_the_evacuation_file_alone_after_both_keeps_the_emergency_only_sites(
    runner: Any, db: Any
) -> None:
    assert run(runner, *NISHITOKYO).exit_code == 0
    result = run(runner, NISHITOKYO[0])
    assert result.exit_code == 0, result.output
    assert "Added: 0   Changed: 0   Unchanged: 61   Removed: 0" in result.output
    assert (
        "Removes 0 指定避難所 of city 132292 not in the files; "
        "指定緊急避難場所 are kept, as the files hold none." in result.output
    )
    assert count(db) == 78
    assert count(db, Shelter.is_emergency_site.is_(True)) == 49
    assert by_source_id(db, "E1322900004201").name == "ひばりが丘総合運動場"


def test_the_emergency_file_alone_after_both_finds_each_place_under_its_other_id(
    runner: Any, db: Any
) -> None:
    assert run(runner, *NISHITOKYO).exit_code == 0
    result = run(runner, NISHITOKYO[1])
    assert result.exit_code == 0, result.output
    assert "Added: 0   Changed: 0   Unchanged: 49   Removed: 0" in result.output
    assert "指定避難所 are kept, as the files hold none." in result.output
    assert count(db) == 78
    # Its name comes from the 指定避難所 listing, the place's first 共通ID, as before.
    assert by_source_id(db, "E1322900012111").name == "東京都立田無工科高等学校"


def test_a_one_list_file_removes_only_places_of_that_list(
    runner: Any, db: Any, tmp_path: Path
) -> None:
    assert run(runner, *NISHITOKYO).exit_code == 0
    [evacuation] = _without(NISHITOKYO[:1], tmp_path, "E1322900053111", {})
    data = json.loads(evacuation.read_text(encoding="utf-8"))
    data["features"] = [
        f for f in data["features"] if f["properties"]["共通ID"] != "E1322900002111"
    ]
    evacuation.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run(runner, evacuation)
    assert result.exit_code == 0, result.output
    assert "Added: 0   Changed: 1   Unchanged: 59   Removed: 1" in result.output
    assert "- E1322900053111 東伏見コミュニティセンター" in result.output
    assert "~ E1322900002111 中原小学校: is_evacuation_shelter" in result.output
    assert "Removes 1 指定避難所 of city 132292 not in the files" in result.output
    school = by_source_id(db, "E1322900002111")  # still a 指定緊急避難場所
    assert school.is_emergency_site and not school.is_evacuation_shelter
    assert count(db) == 77 and count(db, Shelter.is_emergency_site.is_(True)) == 49


def test_a_stray_listing_of_one_list_is_merged_into_its_place_by_a_file_of_both(
    runner: Any, db: Any
) -> None:
    """An emergency-only import first, then both lists: one place per school, not two."""
    assert run(runner, NISHITOKYO[1]).exit_code == 0
    result = run(runner, *NISHITOKYO)
    assert result.exit_code == 0, result.output
    assert count(db) == 78
    school = by_source_id(db, "E1322900002111")
    assert school.is_emergency_site and school.is_evacuation_shelter
    assert school.hazard_list == ["flood", "landslide", "earthquake"]


# --- A file of another format is refused in one sentence --------------------------------------

MUNICIPAL_ROWS = [
    "ID,名称,住所,緯度,経度,避難場所,避難所,洪水,土砂災害,地震,大規模火災",
    "1,中原小学校,西東京市ひばりが丘2-6-25,35.74703,139.537563,True,True,True,False,True,False",
    "2,向台公園,西東京市向台町1-1,35.7300,139.5400,True,False,False,False,True,True",
]


def _municipal(tmp_path: Path) -> Path:
    return _write_csv(tmp_path / "hinanjo.csv", MUNICIPAL_ROWS)


def _xlsx(tmp_path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    for row in MUNICIPAL_ROWS:
        book.active.append(row.split(","))
    path = tmp_path / "hinanjo.xlsx"
    book.save(path)
    return path


def _binary(tmp_path: Path) -> Path:
    path = tmp_path / "hinanjo.pdf"
    path.write_bytes(b"%PDF-1.7\n\x00\x01\x02\xff\xfe\x80\x81" * 20)
    return path


def _gsi_csv(tmp_path: Path) -> Path:
    rows = [
        "NO,共通ID,都道府県名及び市町村名,施設・場所名,住所,受入対象者,緯度,経度",
        "1,E1322900001121,東京都西東京市,ひばりが丘保育園,ひばりが丘2-3-5,妊婦,35.74711,139.540356",
    ]
    return _write_csv(tmp_path / "shelters.csv", rows)


LANDSLIDE = DATA_DIR / "synthetic_landslide_nishitokyo.geojson"


@pytest.mark.parametrize(
    ("make", "args", "sentence"),
    [
        (
            _municipal,
            ["--format", "jp-standard"],
            "hinanjo.csv is not a standard 指定緊急避難場所一覧: it looks like a CSV with its "
            "own columns (ID, 名称, 住所, 緯度, 経度, …); use --format csv with a mapping; "
            "see roster/data/shelter-mapping.sample.toml.",
        ),
        (
            _municipal,
            ["--format", "gsi"],
            "hinanjo.csv is not a GSI shelter file: it looks like a CSV with its own columns",
        ),
        (
            lambda tmp: QUIRKS,
            ["--format", "gsi"],
            "is not a GSI shelter file: it looks like the Digital Agency's standard "
            "指定緊急避難場所一覧; use --format jp-standard.",
        ),
        (
            _gsi_csv,
            ["--format", "jp-standard"],
            "it looks like GSI's list of 指定避難所; use --format gsi.",
        ),
        (
            lambda tmp: NISHITOKYO[1],
            ["--format", "gsi", "--format", "csv", "--mapping", SAMPLE_MAPPING],
            "it looks like GSI's list of 指定緊急避難場所; use --format gsi.",
        ),
        (
            lambda tmp: QUIRKS,
            ["--mapping", SAMPLE_MAPPING],
            "it looks like the Digital Agency's standard 指定緊急避難場所一覧; use --format "
            "jp-standard.",
        ),
        (
            lambda tmp: LANDSLIDE,
            [],
            "it looks like a hazard layer (areas, not places); import it with roster "
            "import-hazard.",
        ),
        (
            _xlsx,
            ["--format", "jp-standard"],
            "hinanjo.xlsx is not a standard 指定緊急避難場所一覧: it looks like an Excel "
            "workbook; save the sheet as CSV (UTF-8) and import that.",
        ),
        (_binary, [], "it looks like neither CSV nor GeoJSON text"),
    ],
)
def test_a_file_of_another_format_is_refused_in_one_sentence_and_nothing_is_written(
    runner: Any, db: Any, tmp_path: Path, make: Any, args: list[Any], sentence: str
) -> None:
    assert run(runner, *NISHITOKYO).exit_code == 0
    result = run(runner, make(tmp_path), *args)
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and sentence in lines[0], result.output
    assert count(db) == 78 and len(import_events(db)) == 1


def test_a_standard_list_without_any_hazard_column_is_refused(
    runner: Any, db: Any, tmp_path: Path
) -> None:
    rows = ["ID,名称,緯度,経度", "1,公園,35.73,139.54"]
    result = run(runner, _write_csv(tmp_path / "x.csv", rows), "--format", "jp-standard")
    assert result.exit_code != 0
    assert "it looks like a CSV with its own columns (ID, 名称, 緯度, 経度)" in result.output
    assert count(db) == 0


def _japanese_staff(client: IsolatedClient) -> None:
    assert AuthActions(client).login("t_staff").status_code == 302
    assert client.post("/locale", data={"locale": "ja"}).status_code == 302


def test_the_upload_page_refuses_another_format_in_one_japanese_sentence(
    client: IsolatedClient, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    _japanese_staff(client)
    response = _upload(client, [_municipal(tmp_path)], format="jp-standard")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (
        "ファイルの一つが、選んだ形式（指定緊急避難場所一覧（自治体標準オープンデータセット、CSV））"
        "ではありません。独自の列（ID, 名称, 住所, 緯度, 経度, …）を持つCSVのようです。"
        "「形式」で「その他のCSV（列の対応づけが必要）」を選び" in html
    )
    assert "hinanjo.csv" not in html and "looks like" not in html
    assert "取り込む" not in html or "/apply" not in html
    assert count(db) == 0 and import_events(db) == []


def test_the_upload_page_sends_a_hazard_layer_to_the_hazard_page(
    client: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    _japanese_staff(client)
    response = _upload(client, [LANDSLIDE])
    assert response.status_code == 422
    assert "「ハザード・避難先」のページから取り込んでください" in response.get_data(as_text=True)


def test_the_preview_says_which_list_the_import_keeps(
    client: IsolatedClient, db: Any, world: dict[str, Any]
) -> None:
    staff(client)
    assert _apply(client, _upload(client, NISHITOKYO)).status_code == 302
    html = _upload(client, NISHITOKYO[:1]).get_data(as_text=True)
    assert "Removed: 0 places the files no longer list (Designated shelter, city 132292)." in html
    assert "Kept as they are, as the files hold none: Emergency evacuation site (17 places)" in html


# --- Welfare shelters that take no group --------------------------------------------------------


def _welfare_file(tmp_path: Path, accepts: dict[str, str]) -> Path:
    data = json.loads(NISHITOKYO[0].read_text(encoding="utf-8"))
    for feature in data["features"]:
        props = feature["properties"]
        props["受入対象者"] = accepts.get(props["共通ID"], props["受入対象者"])
    path = tmp_path / NISHITOKYO[0].name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_welfare_shelter_for_yohairyosha_takes_every_group(
    runner: Any, db: Any, tmp_path: Path
) -> None:
    path = _welfare_file(tmp_path, {"E1322900001121": "要配慮者及びその支援者"})
    assert run(runner, path).exit_code == 0
    nursery = by_source_id(db, "E1322900001121")
    assert nursery.group_list == ["elderly", "disabled", "pregnant_infant", "medical_care"]


def test_after_an_import_every_welfare_shelter_that_takes_no_group_is_listed(
    runner: Any, client: IsolatedClient, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    path = _welfare_file(tmp_path, {"E1322900001121": "地域の方"})
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert "1 welfare shelters take no group" in result.output
    assert "  ? E1322900001121 ひばりが丘保育園 (地域の方)" in result.output
    nursery = by_source_id(db, "E1322900001121")
    staff(client)
    html = client.get("/shelters/").get_data(as_text=True)
    assert "These welfare shelters take no group" in html
    assert f'href="/shelters/{nursery.id}/edit">ひばりが丘保育園</a>' in html
