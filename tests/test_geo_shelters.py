"""geo.shelters: shelter lists in GSI, Digital Agency standard and mapped CSV formats."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo.gsi import DATA_DIR, HAZARD_COLUMNS, read_gsi_shelters
from geo.shelters.cells import RowError, check_digit, city_prefix, normalise_city_code, parse_flag
from geo.shelters.columns import SHELTER_FIELDS, SOURCE_IDS
from geo.shelters.reading import read_shelter_files

KINDS = ("evacuation", "emergency")
NISHITOKYO = [DATA_DIR / f"nishitokyo_132292_{kind}.geojson" for kind in KINDS]
KOGANEI = [DATA_DIR / f"koganei_132101_{kind}.geojson" for kind in KINDS]
QUIRKS = Path(__file__).parent / "data" / "jp_standard_quirks.csv"

# GSI's CSV columns (mergeFromCity_1.csv and _2.csv): the GeoJSON properties plus 緯度, 経度.
GSI_EVACUATION_CSV = [
    "NO", "共通ID", "都道府県名及び市町村名", "施設・場所名", "住所",
    "指定緊急避難場所との住所同一", "その他市町村長が必要と認める事項", "受入対象者",
    "緯度", "経度", "備考",
]
GSI_EMERGENCY_CSV = [
    "NO", "共通ID", "都道府県名及び市町村名", "施設・場所名", "住所", *HAZARD_COLUMNS.values(),
    "指定避難所との住所同一", "緯度", "経度", "備考",
]


def gsi_csv(sources: list[Path], path: Path, encoding: str = "utf-8-sig") -> Path:
    """A GSI-style CSV of the features of GeoJSON files (one kind), a newline in one 備考."""
    frames = [gpd.read_file(source, engine="pyogrio") for source in sources]
    gdf = pd.concat(frames, ignore_index=True)
    columns = GSI_EMERGENCY_CSV if "洪水" in gdf.columns else GSI_EVACUATION_CSV
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for i, row in gdf.iterrows():
        values = {**row.to_dict(), "緯度": row.geometry.y, "経度": row.geometry.x}
        if i == 0:
            values["備考"] = "校舎改修中のため\n体育館のみ使用"
        writer.writerow(["" if values.get(c) is None or values.get(c) != values.get(c)
                         else values[c] for c in columns])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def comparable(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """The frame without geometry, every column as Python objects, coordinates rounded."""
    plain = pd.DataFrame(frame.drop(columns="geometry")).round({"latitude": 6, "longitude": 6})
    return plain.astype(object).where(plain.notna(), None)


# --- GSI --------------------------------------------------------------------------------------


def test_the_frame_has_the_normalised_columns() -> None:
    read = read_shelter_files(NISHITOKYO)
    assert read.ok and read.errors == []
    assert list(read.frame.columns) == [*SHELTER_FIELDS, SOURCE_IDS, "geometry"]
    assert read.frame.crs.to_epsg() == 4326


@pytest.mark.parametrize(
    ("files", "places", "shelters", "welfare", "sites", "both"),
    [(NISHITOKYO, 78, 61, 28, 49, 32), (KOGANEI, 30, 16, 0, 28, 14)],
)
def test_real_gsi_files_of_both_cities(
    files: list[Path], places: int, shelters: int, welfare: int, sites: int, both: int
) -> None:
    frame = read_shelter_files(files, format="gsi").frame
    assert len(frame) == places
    assert frame["source_id"].is_unique
    assert frame["is_evacuation_shelter"].sum() == shelters
    assert frame["is_welfare_shelter"].sum() == welfare
    assert frame["is_emergency_site"].sum() == sites
    assert (frame["is_evacuation_shelter"] & frame["is_emergency_site"]).sum() == both


def test_gsi_rows_match_the_existing_reader() -> None:
    frame = read_shelter_files(NISHITOKYO).frame
    old = read_gsi_shelters(*NISHITOKYO)
    columns = list(old.columns.drop("geometry"))
    pd.testing.assert_frame_equal(comparable(frame)[columns], comparable(old)[columns])


def test_gsi_details_of_a_welfare_shelter_and_a_merged_school() -> None:
    frame = read_shelter_files(NISHITOKYO).frame.set_index("name")
    nursery = frame.loc["ひばりが丘保育園"]
    assert nursery["source_id"] == "E1322900001121"
    assert nursery["is_welfare_shelter"] and not nursery["is_emergency_site"]
    assert nursery["accepts"] == "妊婦、乳幼児・保護者"
    assert nursery["accept_groups"] == ["pregnant_infant"]
    assert nursery["city_code"] == "132292"
    school = frame.loc["中原小学校"]
    assert school["hazards"] == ["flood", "landslide", "earthquake"]
    assert school["accepts"] is None and school["accept_groups"] == []
    assert school["capacity"] is None and school["name_kana"] is None


def test_welfare_recognised_from_accepts_without_type_12x(tmp_path: Path) -> None:
    path = tmp_path / "shelters.csv"
    path.write_text(
        ",".join(GSI_EVACUATION_CSV) + "\n"
        "1,E1322900099111,東京都西東京市,ある施設,東京都西東京市中町1-1,,,障害者,35.73,139.55,\n"
        "2,E1322900098111,東京都西東京市,ある学校,東京都西東京市中町2-1,,,,35.74,139.55,\n",
        encoding="utf-8",
    )
    frame = read_shelter_files(path).frame.set_index("name")
    assert frame.loc["ある施設", "is_welfare_shelter"]
    assert frame.loc["ある施設", "accept_groups"] == ["disabled"]
    assert not frame.loc["ある学校", "is_welfare_shelter"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_gsi_csv_reads_like_the_geojson(tmp_path: Path, encoding: str) -> None:
    files = [gsi_csv([source], tmp_path / f"{source.stem}.csv", encoding) for source in NISHITOKYO]
    assert "\n体育館" in files[0].read_bytes().decode(encoding)  # a quoted newline
    read = read_shelter_files(files)
    assert read.errors == []
    pd.testing.assert_frame_equal(
        comparable(read.frame), comparable(read_shelter_files(NISHITOKYO).frame)
    )


def test_nationwide_files_filtered_by_city(tmp_path: Path) -> None:
    evacuation = gsi_csv([KOGANEI[0], NISHITOKYO[0]], tmp_path / "mergeFromCity_1.csv")
    emergency = gsi_csv([KOGANEI[1], NISHITOKYO[1]], tmp_path / "mergeFromCity_2.csv")
    everything = read_shelter_files([evacuation, emergency]).frame
    assert len(everything) == 78 + 30
    for city, count, code in (("132292", 78, "132292"), ("13229", 78, "132292"),
                              ("132101", 30, "132101"), ("13210", 30, "132101")):
        frame = read_shelter_files([evacuation, emergency], city=city).frame
        assert len(frame) == count
        assert set(frame["city_code"]) == {code}


def test_a_bad_city_argument_is_refused() -> None:
    with pytest.raises(ValueError, match="check digit"):
        read_shelter_files(NISHITOKYO, city="132290")
    with pytest.raises(ValueError):
        read_shelter_files(NISHITOKYO, city="西東京市")
    with pytest.raises(ValueError, match="format"):
        read_shelter_files(NISHITOKYO, format="shapefile")


def test_bad_gsi_rows_are_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    header = ",".join(GSI_EMERGENCY_CSV)
    flags = ",".join(["1", "", "", "1", "", "", "", ""])
    path.write_text(
        f"{header}\n"
        f"1,E1322900001201,東京都西東京市,良い公園,東京都西東京市中町1-1,{flags},,35.73,139.55,\n"
        f"2,,東京都西東京市,IDのない公園,東京都西東京市中町1-2,{flags},,35.73,139.55,\n"
        f"3,E1322900003201,東京都西東京市,座標のない公園,東京都西東京市中町1-3,{flags},,,139.55,\n"
        f'4,E1322900001201,東京都西東京市,"重複",東京都西東京市中町1-4,{flags},,35.73,139.56,\n'
        f"5,E1322900005201,東京都西東京市,,東京都西東京市中町1-5,{flags},,35.73,139.57,\n",
        encoding="utf-8",
    )
    read = read_shelter_files(path, city="132292")
    assert read.frame["name"].tolist() == ["良い公園"]
    assert read.frame["hazards"].iloc[0] == ["flood", "earthquake"]
    assert [(e.row, e.column) for e in read.errors] == [
        (3, "共通ID"), (4, "緯度"), (5, "共通ID"), (6, "施設・場所名"),
    ]
    assert "appears again" in read.errors[2].message and "row 2" in read.errors[2].message


def test_a_csv_of_its_own_among_gsi_files_refuses_the_import_in_one_sentence(
    tmp_path: Path,
) -> None:
    path = tmp_path / "other.csv"
    path.write_text("名前,緯度,経度\n公園,35.7,139.5\n", encoding="utf-8")
    read = read_shelter_files([*KOGANEI, path])
    assert len(read.frame) == 0
    assert [(e.file, e.row, e.column) for e in read.errors] == [(str(path), None, None)]
    assert read.errors[0].message == (
        "other.csv is not a GSI shelter file: it looks like a CSV with its own columns "
        "(名前, 緯度, 経度); use --format csv with a mapping; "
        "see roster/data/shelter-mapping.sample.toml."
    )
    assert read.mismatch is not None and read.mismatch.looks_like == "own-columns"


def test_a_gsi_csv_without_coordinates_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "nocoords.csv"
    path.write_text("NO,共通ID,施設・場所名,住所,洪水\n1,E1322900001201,公園,中町,1\n",
                    encoding="utf-8")
    read = read_shelter_files(path)
    assert [(e.row, e.column) for e in read.errors] == [(None, "緯度")]
    assert "緯度, 経度" in read.errors[0].message


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text("{ not json", encoding="utf-8")
    read = read_shelter_files(path)
    assert len(read.frame) == 0
    assert list(read.frame.columns) == [*SHELTER_FIELDS, SOURCE_IDS, "geometry"]
    assert read.errors[0].file == str(path) and read.errors[0].row is None


# --- Digital Agency standard ------------------------------------------------------------------


def test_jp_standard_fixture_with_quirks() -> None:
    read = read_shelter_files(QUIRKS, format="jp-standard")
    frame = read.frame.set_index("source_id")
    assert list(frame.index) == [
        "132101-0001", "132292-0001", "132292-0002", "132292-0005", "132292-0007",
    ]
    school = frame.loc["132292-0001"]
    assert school["name"] == "中原小学校" and school["name_kana"] == "ナカハラショウガッコウ"
    assert school["hazards"] == ["flood", "landslide", "earthquake"]  # written 1.0
    assert school["is_emergency_site"] and school["is_evacuation_shelter"]
    assert not school["is_welfare_shelter"]
    assert school["capacity_text"] == "屋内480人／屋外3,350人(面積の1/2)"
    assert school["capacity"] == 480
    assert school["phone"] == "042-438-4000" and school["city_code"] == "132292"
    assert (school["latitude"], school["longitude"]) == (35.74703, 139.537563)

    ground = frame.loc["132292-0002"]
    assert ground["hazards"] == ["earthquake", "large_fire"]  # 0, "", 1 and 1.0
    assert not ground["is_evacuation_shelter"]  # 0.0
    assert ground["capacity"] == 5000 and ground["phone"] is None

    full_width = frame.loc["132292-0005"]  # every number in full-width digits
    assert (full_width["latitude"], full_width["longitude"]) == (35.7301, 139.5521)
    assert full_width["hazards"] == ["flood", "earthquake"]
    assert full_width["is_evacuation_shelter"]  # 1.00
    assert full_width["capacity"] == 480 and full_width["capacity_text"] == "４８０人"
    assert full_width["phone"] == "042-464-1311" and full_width["city_code"] == "132292"
    assert full_width["address"] == "東京都西東京市田無町４－１－１"  # kept as written

    circles = frame.loc["132292-0007"]
    assert circles["hazards"] == ["flood", "earthquake", "large_fire"]  # ○ and ◯
    assert circles["capacity"] == 300

    assert read.errors == [
        RowError(str(QUIRKS), 4, "緯度", '緯度 "北緯35度44分" is not a number'),
        RowError(str(QUIRKS), 5, "ID",
                 'ID "132292-0001" appears again (first in jp_standard_quirks.csv, row 2)'),
        RowError(str(QUIRKS), 7, "緯度",
                 "緯度 139.55 is outside Japan (20 to 46) (latitude and longitude swapped?)"),
        RowError(str(QUIRKS), 7, "経度",
                 "経度 35.73 is outside Japan (122 to 154) (latitude and longitude swapped?)"),
    ]


def test_jp_standard_in_utf8_reads_the_same(tmp_path: Path) -> None:
    for encoding in ("utf-8", "utf-8-sig"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(QUIRKS.read_bytes().decode("cp932").encode(encoding))
        read = read_shelter_files(path, format="jp-standard")
        expected = read_shelter_files(QUIRKS, format="jp-standard")
        pd.testing.assert_frame_equal(comparable(read.frame), comparable(expected.frame))
        assert [(e.row, e.column) for e in read.errors] == [
            (e.row, e.column) for e in expected.errors
        ]


def test_jp_standard_filtered_by_city() -> None:
    frame = read_shelter_files(QUIRKS, format="jp-standard", city="132292").frame
    assert len(frame) == 4 and set(frame["city_code"]) == {"132292"}


def test_jp_standard_all_columns_in_published_order(tmp_path: Path) -> None:
    from geo.shelters.headers import JP_STANDARD_COLUMNS

    values = dict.fromkeys(JP_STANDARD_COLUMNS, "")
    values.update({
        "全国地方公共団体コード": "132292", "ID": "A-1", "名称": "中原小学校", "緯度": "35.74703",
        "経度": "139.537563", "所在地_都道府県": "東京都", "所在地_市区町村": "西東京市",
        "所在地_町字": "ひばりが丘二丁目", "所在地_番地以下": "6-25", "災害種別_地震": "1",
        "災害種別_津波": "0", "指定避難所との重複": "1", "想定収容人数": "約1,200名",
    })
    path = tmp_path / "full.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([list(values), list(values.values())])
    read = read_shelter_files(path, format="jp-standard")
    assert read.errors == []
    row = read.frame.iloc[0]
    assert row["address"] == "東京都西東京市ひばりが丘二丁目6-25"  # from the parts
    assert row["hazards"] == ["earthquake"] and row["capacity"] == 1200


def test_jp_standard_without_a_required_column(tmp_path: Path) -> None:
    path = tmp_path / "no_lat.csv"
    path.write_text("ID,名称,経度,災害種別_地震\n1,公園,139.5,1\n", encoding="utf-8")
    read = read_shelter_files(path, format="jp-standard")
    assert len(read.frame) == 0
    assert [(e.row, e.column) for e in read.errors] == [(None, "緯度")]
    assert "緯度" in read.errors[0].message and "missing" in read.errors[0].message


def test_jp_standard_bad_flag_and_empty_fields(tmp_path: Path) -> None:
    path = tmp_path / "flags.csv"
    path.write_text(
        "ID,名称,緯度,経度,災害種別_洪水\n"
        "1,公園,35.7,139.5,はい?\n"
        ",名無し,35.7,139.5,1\n"
        "3,,35.7,139.5,1\n"
        "4,広場,,139.5,\n",
        encoding="utf-8",
    )
    read = read_shelter_files(path, format="jp-standard")
    assert len(read.frame) == 0
    assert [(e.row, e.column, e.message) for e in read.errors] == [
        (2, "災害種別_洪水", '災害種別_洪水 "はい?" is not a yes/no flag (1, 1.0, ○ or empty, 0)'),
        (3, "ID", "ID is empty"),
        (4, "名称", "名称 is empty"),
        (5, "緯度", "緯度 is empty"),
    ]


# --- any CSV with a mapping -------------------------------------------------------------------


def test_mapped_csv(tmp_path: Path) -> None:
    path = tmp_path / "city.csv"
    path.write_text(
        "番号,施設名,よみ,所在地,北緯,東経,洪水,地震,受入,定員,電話\n"
        "W1,ケアハウス中町,けあはうす,東京都西東京市中町1-1,35.73,139.55,,,障害者、高齢者等,30人,\n"
        "S1,中町小学校,,東京都西東京市中町2-1,35.735,139.552,1.0,1,,屋内400人,042-000-0000\n"
        "S2,中町集会所,,東京都西東京市中町3-1,35.731,139.553,,,,,\n",
        encoding="utf-8",
    )
    mapping = {
        "source_id": "番号", "name": "施設名", "name_kana": "よみ", "address": "所在地",
        "latitude": "北緯", "longitude": "東経", "flood": "洪水", "earthquake": "地震",
        "accepts": "受入", "capacity": "定員", "phone": "電話",
    }
    read = read_shelter_files(path, format="csv", mapping=mapping)
    assert read.errors == []
    frame = read.frame.set_index("source_id")
    care = frame.loc["W1"]
    assert care["is_welfare_shelter"] and care["is_evacuation_shelter"]
    assert not care["is_emergency_site"]
    assert care["accept_groups"] == ["elderly", "disabled"] and care["capacity"] == 30
    school = frame.loc["S1"]
    assert school["is_emergency_site"] and not school["is_evacuation_shelter"]
    assert school["hazards"] == ["flood", "earthquake"] and school["capacity"] == 400
    hall = frame.loc["S2"]  # no flags and no 受入対象者: a shelter
    assert hall["is_evacuation_shelter"] and not hall["is_emergency_site"]
    assert hall["city_code"] is None


def test_mapped_csv_kind_columns_win(tmp_path: Path) -> None:
    path = tmp_path / "kinds.csv"
    path.write_text("id,name,lat,lon,site,shelter,welfare,code\n"
                    "1,A,35.7,139.5,1,1,0,13229\n", encoding="cp932")
    mapping = {"source_id": "id", "name": "name", "latitude": "lat", "longitude": "lon",
               "is_emergency_site": "site", "is_evacuation_shelter": "shelter",
               "is_welfare_shelter": "welfare", "city_code": "code"}
    row = read_shelter_files(path, format="csv", mapping=mapping).frame.iloc[0]
    assert (row["is_emergency_site"], row["is_evacuation_shelter"], row["is_welfare_shelter"]) == (
        True, True, False,
    )
    assert row["hazards"] == [] and row["city_code"] == "132292"


@pytest.mark.parametrize(
    ("mapping", "column", "words"),
    [
        (None, None, "mapping is needed"),
        ({"source_id": "id", "name": "name", "latitude": "lat"}, "longitude", "must name"),
        ({"source_id": "id", "name": "name", "latitude": "lat", "longitude": "lon",
          "colour": "id"}, "colour", "unknown target"),
        ({"source_id": "id", "name": "名称", "latitude": "lat", "longitude": "lon"}, "名称",
         "is missing"),
    ],
)
def test_bad_mappings_are_errors(
    tmp_path: Path, mapping: dict[str, str] | None, column: str | None, words: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,name,lat,lon\n1,A,35.7,139.5\n", encoding="utf-8")
    read = read_shelter_files(path, format="csv", mapping=mapping)
    assert len(read.frame) == 0
    assert [(e.row, e.column) for e in read.errors] == [(None, column)]
    assert words in read.errors[0].message


# --- small parts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "flag"),
    [("1", True), ("1.0", True), ("1.00", True), ("１", True), ("○", True), ("◯", True),
     (1, True), (1.0, True), ("TRUE", True), ("", False), ("0", False), ("0.0", False),
     (None, False), (float("nan"), False), ("×", False), ("-", False), (" ", False),
     ("2", None), ("はい?", None)],
)
def test_parse_flag(value: object, flag: bool | None) -> None:
    assert parse_flag(value) is flag


def test_city_codes() -> None:
    assert check_digit("13229") == "2"
    assert check_digit("13210") == "1"
    assert check_digit("01100") == "2"  # 札幌市 011002
    assert normalise_city_code("13229") == "132292"
    assert normalise_city_code("132292.0") == "132292"
    assert normalise_city_code("１３２２９２") == "132292"
    assert normalise_city_code("132293") is None
    assert normalise_city_code("西東京市") is None
    assert city_prefix("132292") == "13229" and city_prefix("13229") == "13229"
