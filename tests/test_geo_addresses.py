"""geo.addresses and geo.address_points: addresses taken apart, and the public point files
read, filtered to one municipality, matched finest first."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.address_points import Area, PointFormatError, PointReader
from geo.addresses import AddressIndex, kanji_to_int, normalise, split_chome

DATA = Path(__file__).parent / "data" / "addresses"
NISHITOKYO = Area("東京都", "西東京市", "132292")


@pytest.mark.parametrize(
    ("address", "town", "numbers", "rest"),
    [
        ("東京都西東京市泉町1-2-3", "泉町", (1, 2, 3), ""),
        ("東京都西東京市泉町一丁目２番地３号 コーポさくら101号室", "泉町", (1, 2, 3),
         "コーポさくら101号室"),
        ("西東京市泉町１－２－３", "泉町", (1, 2, 3), ""),
        ("泉町1ー2ー3", "泉町", (1, 2, 3), ""),
        ("泉町1‐2‑3", "泉町", (1, 2, 3), ""),
        ("泉町1―2−3", "泉町", (1, 2, 3), ""),
        ("泉町1–2—3", "泉町", (1, 2, 3), ""),
        ("東京都 西東京市 ひばりヶ丘 二丁目二十三番五号", "ひばりケ丘", (2, 23, 5), ""),
        ("ひばりが丘2-23-5", "ひばりケ丘", (2, 23, 5), ""),
        ("泉町１－２－３－４０５", "泉町", (1, 2, 3), "405"),
        ("泉町1丁目2番3号メゾンけやき203", "泉町", (1, 2, 3), "メゾンけやき203"),
        ("泉町1-2-3 パレス西東京 2階", "泉町", (1, 2, 3), "パレス西東京 2階"),
        ("大字下保谷123番地の4", "下保谷", (123, 4), ""),
        ("八幡町3丁目4", "八幡町", (3, 4), ""),
        ("東京都西東京市泉町一丁目", "泉町", (1,), ""),
        ("北多摩郡西東京市泉町1丁目2番3号", "泉町", (1, 2, 3), ""),
        ("泉町二丁目三十番地", "泉町", (2, 30), ""),
        ("泉町", "泉町", (), ""),
    ],
)
def test_addresses_are_taken_apart(
    address: str, town: str, numbers: tuple[int, ...], rest: str
) -> None:
    parsed = normalise(address, "東京都", "西東京市")
    assert (parsed.town, parsed.numbers, parsed.rest) == (town, numbers, rest)


@pytest.mark.parametrize(
    ("text", "value"),
    [("一", 1), ("十", 10), ("十二", 12), ("二十三", 23), ("百五", 105), ("二〇三", 203)],
)
def test_kanji_numerals_are_read(text: str, value: int) -> None:
    assert kanji_to_int(text) == value


def test_a_chome_name_is_split_into_town_and_number() -> None:
    assert split_chome("泉町一丁目") == ("泉町", 1)
    assert split_chome("ひばりが丘二丁目") == ("ひばりケ丘", 2)
    assert split_chome("大字下保谷") == ("下保谷", None)


def _index(*files: str) -> AddressIndex:
    index = AddressIndex()
    for name in files:
        for point in PointReader(DATA / name, NISHITOKYO).points():
            index.add(point.key, point.latitude, point.longitude, point.level)
    return index


def test_the_finest_point_wins_house_then_block_then_chome() -> None:
    index = _index("mt_rsdtdsp_rsdt_pos_sample.csv", "13000-21.0a_sample.csv")
    index.add("泉町|2||", 35.7399, 139.5505, "chome")
    locate = lambda a: index.locate(normalise(a, "東京都", "西東京市"))  # noqa: E731
    assert locate("泉町一丁目2番3号").level == "house"
    assert locate("泉町１－２－３ コーポ101").latitude == 35.73815
    assert locate("泉町1-2-9").level == "block"
    assert locate("泉町1-3").level == "block"
    assert locate("泉町2-40-1").level == "chome"
    assert locate("ひばりヶ丘二丁目二十三番五号").level == "house"
    assert locate("下保谷123番地の4").level == "block"
    assert locate("緑町1-1-1") is None


def test_the_mlit_block_file_is_read_as_shift_jis_and_filtered_to_the_city() -> None:
    reader = PointReader(DATA / "13000-21.0a_sample.csv", NISHITOKYO)
    keys = [p.key for p in reader.points()]
    assert reader.encoding == "cp932" and reader.read.format == "mlit_block"
    assert keys == ["泉町|1|2|", "泉町|1|3|", "ひばりケ丘|2|23|", "下保谷||123|"]
    # 小金井市, and a 西東京市 of another prefecture, are left out and counted.
    assert (reader.read.rows, reader.read.kept, reader.read.other_city) == (6, 4, 2)


def test_the_address_base_registry_files_are_read_with_either_header() -> None:
    house = PointReader(DATA / "mt_rsdtdsp_rsdt_pos_sample.csv", NISHITOKYO)
    assert [p.key for p in house.points()][:2] == ["泉町|1|2|3", "泉町|1|2|5"]
    assert (house.read.format, house.read.level, house.read.other_city) == (
        "abr_house", "house", 1)
    block = PointReader(DATA / "mt_rsdtdsp_blk_pos_sample.csv", NISHITOKYO)
    assert [p.key for p in block.points()] == ["泉町|1|2|"]
    assert block.read.format == "abr_block"


def test_the_real_chome_points_of_nishitokyo_are_all_read() -> None:
    path = Path(__file__).parent.parent / "geo" / "data" / "nishitokyo_132292_chome.csv"
    reader = PointReader(path, NISHITOKYO)
    points = list(reader.points())
    assert len(points) == 114 and points[0].key == "泉町|1||"
    assert {p.level for p in points} == {"chome"}


@pytest.mark.parametrize(
    ("header", "looks_like"),
    [
        ("宛名番号,氏名,住所,生年月日", "registrants"),
        ("NO,共通ID,施設・場所名,住所", "shelters"),
        ("lg_code,machiaza_id,blk_id,rsdt_id,rep_lon,rep_lat", "ids_only"),
        ("a,b,c", "unknown"),
    ],
)
def test_a_header_that_fits_no_format_is_refused_naming_what_it_looks_like(
    tmp_path: Path, header: str, looks_like: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_text(header + "\n1,2,3,4\n", encoding="utf-8")
    with pytest.raises(PointFormatError) as refused:
        list(PointReader(path, NISHITOKYO).points())
    assert refused.value.looks_like == looks_like


def test_unreadable_coordinates_are_counted_as_errors_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("town,koaza,lat,lng\n泉町一丁目,,35.7,139.5\n泉町二丁目,,-36000,abc\n",
                    encoding="utf-8")
    reader = PointReader(path, NISHITOKYO)
    assert len(list(reader.points())) == 1
    assert reader.read.errors == [(3, "coordinates")]
