"""The eligibility import's parsing layer: files, dates, column mapping and normalisation."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from roster.imports.dates import DateError, parse_date, to_date
from roster.imports.mapping import (
    DEFAULT_HEADERS,
    Mapping,
    MappingError,
    load_mapping,
)
from roster.imports.parsing import ParseResult, RowError, parse_rows
from roster.imports.tables import TableError, read_table
from roster.models import CareLevel, Household, Mobility, Sex

TODAY = date(2026, 4, 1)
HEADER = "宛名番号,氏名,ふりがな,生年月日,性別,住所"
GOOD_ROW = "000123,山田 太郎,やまだ たろう,1940-03-02,男,東京都府中市宮西町1-1"
SAMPLE_MAPPING = (
    Path(__file__).resolve().parents[1] / "roster" / "data" / "import-mapping.sample.toml"
)


def parse_csv(text: str, mapping: Mapping | None = None) -> ParseResult:
    table = read_table(text.encode("utf-8"), filename="export.csv")
    return parse_rows(table, mapping or Mapping(), today=TODAY)


def one_value(header: str, value: str, field: str) -> object:
    """The normalised value of one optional column added to an otherwise good row."""
    result = parse_csv(f"{HEADER},{header}\n{GOOD_ROW},{value}\n")
    assert result.errors == []
    return getattr(result.records[0], field)


def one_error(header: str, value: str) -> RowError:
    result = parse_csv(f"{HEADER},{header}\n{GOOD_ROW},{value}\n")
    [error] = result.errors
    return error


# --- Files and encodings ---------------------------------------------------------------------


def test_a_shift_jis_file_with_era_dates_and_full_width_digits_imports(tmp_path: Path) -> None:
    text = (
        "宛名番号,氏名,氏名（カナ）,生年月日,性別,住所,郵便番号,電話番号,要介護度,町丁目\r\n"
        "０００１２３,髙橋　一郎,ﾀｶﾊｼ ｲﾁﾛｳ,昭和１５年３月２日,男性,府中市宮西町１－１,"
        "１８３－００２２,０４２－４５１－２３４５,要介護３,宮西町\r\n"
        "０００１２４,鈴木 花子,すずき はなこ,H1.1.8,女,府中市宮町２丁目,,,要支援２,宮町\r\n"
    )
    path = tmp_path / "対象者.csv"
    path.write_bytes(text.encode("cp932"))

    table = read_table(path, filename=path.name)
    result = parse_rows(table, Mapping(), today=TODAY)

    assert table.encoding == "cp932"
    assert result.errors == []
    first, second = result.records
    assert first.resident_no == "000123"
    assert first.name == "髙橋 一郎"
    assert first.name_kana == "タカハシ イチロウ"
    assert first.birth_date == date(1940, 3, 2)
    assert first.sex is Sex.MALE
    assert first.address == "府中市宮西町1-1"
    assert first.postal_code == "183-0022"
    assert first.phone == "042-451-2345"
    assert first.care_level is CareLevel.CARE_3
    assert first.district == "宮西町"
    assert first.row == 2
    assert (second.birth_date, second.name_kana, second.care_level) == (
        date(1989, 1, 8),
        "スズキ ハナコ",
        CareLevel.SUPPORT_2,
    )


def test_a_utf8_file_with_bom_is_detected() -> None:
    table = read_table(("\ufeff" + HEADER + "\n" + GOOD_ROW).encode(), filename="a.csv")

    assert table.encoding == "utf-8-sig"
    assert table.headers[0] == "宛名番号"


def test_a_utf8_file_without_bom_is_detected() -> None:
    table = read_table(f"{HEADER}\n{GOOD_ROW}\n".encode(), filename="a.csv")

    assert table.encoding == "utf-8"
    assert table.rows == [GOOD_ROW.split(",")]


def test_an_encoding_given_by_the_caller_is_used() -> None:
    data = f"{HEADER}\n{GOOD_ROW}\n".encode("cp932")

    table = read_table(data, filename="a.csv", encoding="Shift_JIS")

    assert table.rows[0][1] == "山田 太郎"


def test_a_file_in_neither_encoding_is_an_error_naming_the_encodings_tried() -> None:
    with pytest.raises(TableError, match=r"UTF-8.*cp932"):
        read_table(b"\x80\xff\xfe\x81", filename="a.csv")


def test_quoted_values_may_hold_newlines_and_rows_keep_their_spreadsheet_numbers() -> None:
    second = GOOD_ROW.replace("123", "124")
    text = f'{HEADER},事由\n\n{GOOD_ROW},"歩行困難\n夜間独居"\n,,,,,\n{second},\n'

    table = read_table(text.encode(), filename="a.csv")
    result = parse_rows(table, Mapping(), today=TODAY)

    # Row 2 is blank and row 5 is empty cells only: both skipped, the numbering kept.
    assert table.row_numbers == [3, 5]
    assert result.errors == []
    assert result.records[0].support_reason == "歩行困難 夜間独居"
    assert [r.row for r in result.records] == [3, 5]


def test_a_tab_separated_file_is_read() -> None:
    text = HEADER.replace(",", "\t") + "\n" + GOOD_ROW.replace(",", "\t") + "\n"

    table = read_table(text.encode("utf-16"), filename="export.txt")

    assert table.encoding == "utf-16"
    assert table.rows == [GOOD_ROW.split(",")]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("宛名番号,氏名,氏名", '"氏名" twice: columns B and C'),
        ("宛名番号,氏名,氏 名", '"氏 名" twice: columns B and C'),
        ("宛名番号,,氏名", "no name in column B"),
    ],
)
def test_a_header_with_a_duplicate_or_empty_name_is_an_error(header: str, message: str) -> None:
    with pytest.raises(TableError, match=message):
        read_table(f"{header}\n1,2,3\n".encode(), filename="a.csv")


def test_empty_columns_after_the_last_header_are_ignored() -> None:
    table = read_table(f"{HEADER},,\n{GOOD_ROW},,\n".encode(), filename="a.csv")

    assert table.headers == HEADER.split(",")


def test_an_empty_file_is_an_error() -> None:
    with pytest.raises(TableError, match="no header row"):
        read_table(b"\n,,\n", filename="a.csv")


@pytest.mark.parametrize("filename", ["old.xls", "notes.pdf"])
def test_files_that_are_not_csv_or_xlsx_are_refused(filename: str) -> None:
    with pytest.raises(TableError, match=r"\.xlsx"):
        read_table(b"", filename=filename)


def test_a_damaged_xlsx_file_is_an_error() -> None:
    with pytest.raises(TableError, match="not a readable .xlsx workbook"):
        read_table(b"PK\x03\x04 not really a workbook", filename="export.xlsx")


def test_xlsx_dates_and_numbers_survive(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["宛名番号", "氏名", "フリガナ", "生年月日", "性別", "住所", "郵便番号", "電話"])
    sheet.append(
        [123.0, "山田 太郎", "ヤマダ タロウ", datetime(1940, 3, 2), 1, "府中市", 10010, None]
    )
    sheet.append([])
    sheet.append(
        ["000124", "鈴木 花子", "スズキ ハナコ", 19400302, "女", "府中市", "", "0424512345"]
    )
    path = tmp_path / "export.xlsx"
    workbook.save(path)

    table = read_table(path.read_bytes(), filename="export.xlsx")
    result = parse_rows(table, Mapping(), today=TODAY)

    assert table.rows[0][3] == datetime(1940, 3, 2)
    assert table.row_numbers == [2, 4]
    assert result.errors == []
    first, second = result.records
    assert (first.resident_no, first.birth_date, first.sex) == ("123", date(1940, 3, 2), Sex.MALE)
    # A number cell cannot hold a postal code's leading zeros; seven digits restore them.
    assert first.postal_code == "001-0010"
    assert first.phone is None
    assert (second.resident_no, second.birth_date, second.row) == ("000124", date(1940, 3, 2), 4)


def test_an_xlsx_phone_number_that_lost_its_leading_zero_says_so(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append([*HEADER.split(","), "電話番号"])
    workbook.active.append([*GOOD_ROW.split(","), 424512345])
    path = tmp_path / "export.xlsx"
    workbook.save(path)

    result = parse_rows(read_table(path, filename=path.name), Mapping(), today=TODAY)

    [error] = result.errors
    assert error.column == "電話番号"
    assert "leading 0" in error.reason


# --- Dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1940-03-02",
        "1940/3/2",
        "1940.3.2",
        "19400302",
        "1940年3月2日",
        "昭和15年3月2日",
        "昭和15年03月02日",
        "昭和１５年　３月　２日",
        "昭15.3.2",
        "昭15/3/2",
        "S15.3.2",
        "S15/03/02",
        "s15.3.2",
        "Ｓ１５．３．２",
        "1940/03/02 0:00:00",
    ],
)
def test_every_common_era_form_parses(text: str) -> None:
    assert parse_date(text) == date(1940, 3, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("H1.1.8", date(1989, 1, 8)),
        ("平1.1.8", date(1989, 1, 8)),
        ("R2.4.1", date(2020, 4, 1)),
        ("令2/4/1", date(2020, 4, 1)),
        ("T1.7.30", date(1912, 7, 30)),
        ("大正15年12月24日", date(1926, 12, 24)),
        ("M45.7.29", date(1912, 7, 29)),
        ("明33.1.1", date(1900, 1, 1)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("平成31年4月30日", date(2019, 4, 30)),
    ],
)
def test_every_era_letter_and_abbreviation_parses(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和元年12月25日", date(1926, 12, 25)),
        ("R元.5.1", date(2019, 5, 1)),
    ],
)
def test_gannen_is_year_one(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("平成32年1月1日", "平成.* ended on 2019-04-30"),
        ("昭和64年1月8日", "昭和.* ended on 1989-01-07"),
        ("平成元年1月7日", "before 平成.* began on 1989-01-08"),
        ("令和元年4月30日", "before 令和.* began on 2019-05-01"),
        ("1940年2月30日", "1940-02 has days 1 to 29, not 30"),
        ("S15.2.30", "has days 1 to 29"),
        ("2023-02-29", "has days 1 to 28"),
        ("1940-13-01", "no month 13"),
        ("昭和0年1月1日", "no year 0"),
        ("昭和15年", "not a date we can read"),
        ("3/2/1940", "not a date we can read"),
        ("X15.3.2", "not a date we can read"),
    ],
)
def test_impossible_dates_are_errors_not_guesses(text: str, message: str) -> None:
    with pytest.raises(DateError, match=message):
        parse_date(text)


def test_excel_date_cells_and_date_numbers_are_dates() -> None:
    assert to_date(datetime(1940, 3, 2, 0, 0)) == date(1940, 3, 2)
    assert to_date(date(1940, 3, 2)) == date(1940, 3, 2)
    assert to_date(19400302) == date(1940, 3, 2)
    assert to_date(19400302.0) == date(1940, 3, 2)
    with pytest.raises(DateError):
        to_date(14672)  # an Excel serial number is not guessed at


@pytest.mark.parametrize(("text", "reason"), [("2030-01-01", "future"), ("M30.1.1", "1900")])
def test_birth_dates_in_the_future_or_before_1900_are_errors(text: str, reason: str) -> None:
    result = parse_csv(f"{HEADER}\n{GOOD_ROW.replace('1940-03-02', text)}\n")

    [error] = result.errors
    assert (error.row, error.column) == (2, "生年月日")
    assert reason in error.reason


# --- Column mapping --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "header"),
    [(field, header) for field, headers in DEFAULT_HEADERS.items() for header in headers],
)
def test_default_headers_are_recognised(field: str, header: str) -> None:
    headers = ["メモ", header]

    assert Mapping().resolve(headers).found.get(field) == (1, header)


def test_header_matching_ignores_width_spaces_and_case() -> None:
    found = Mapping().resolve(["宛名 番号", "住所１", "氏名（カナ）", "Name"]).found

    assert found["resident_no"] == (0, "宛名 番号")
    assert found["address"] == (1, "住所１")
    assert found["name_kana"] == (2, "氏名（カナ）")
    assert found["name"] == (3, "Name")


def test_a_mapping_file_renames_columns(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(
        '[columns]\nresident_no = "住民コード"\nname = "漢字名"\nsex = "性別区分"\n'
        '[values.sex]\n"1" = "male"\n"2" = "female"\n'
        '[values.care_level]\n"23" = "care_3"\n',
        encoding="utf-8",
    )
    text = (
        "住民コード,漢字名,ふりがな,生年月日,性別区分,住所,要介護度\n"
        "555,山田 太郎,ヤマダ タロウ,S15.3.2,２,府中市,23\n"
    )

    result = parse_csv(text, load_mapping(path))

    assert result.errors == []
    [record] = result.records
    assert (record.resident_no, record.name, record.sex) == ("555", "山田 太郎", Sex.FEMALE)
    assert record.care_level is CareLevel.CARE_3
    assert result.columns["resident_no"] == "住民コード"


def test_a_column_the_mapping_names_but_the_file_lacks_is_reported() -> None:
    result = parse_csv(f"{HEADER}\n{GOOD_ROW}\n", Mapping(columns={"phone": "自宅TEL"}))

    assert result.records == []
    [error] = result.errors
    assert (error.row, error.column) == (1, "電話番号")
    assert "自宅TEL" in error.reason


def test_a_mapping_file_with_unknown_fields_is_an_error_naming_them(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text('[columns]\nname = "氏名"\nbirthday = "生年月日"\nfax = "FAX"\n')

    with pytest.raises(MappingError, match="Unknown field.*birthday, fax"):
        load_mapping(path)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[values.sex]\n"1" = "man"\n', "not one of female, male, other: 1 = 'man'"),
        ('[values.name]\n"a" = "b"\n', r"Unknown field\(s\) in \[values\]: name"),
        ('[colums]\nname = "氏名"\n', "Unknown section.*colums"),
        ('[columns]\nname = "氏名"\nname_kana = "氏 名"\n', '"氏 名" is named for both'),
        ("[columns\n", "not valid TOML"),
    ],
)
def test_a_mapping_file_that_cannot_be_used_says_why(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(toml, encoding="utf-8")

    with pytest.raises(MappingError, match=message):
        load_mapping(path)


def test_the_sample_mapping_file_names_every_field() -> None:
    mapping = load_mapping(SAMPLE_MAPPING)

    assert set(mapping.columns) == set(DEFAULT_HEADERS)
    assert set(mapping.values) == {"sex", "care_level", "household", "mobility"}


def test_a_missing_required_column_is_reported_once_against_the_field() -> None:
    result = parse_csv(
        "宛名番号,氏名,生年月日,性別,住所\n1,山田,S15.3.2,男,府中市\n2,鈴木,S15.3.2,女,府中市\n"
    )

    assert result.records == []
    [error] = result.errors
    assert (error.row, error.column) == (1, "氏名カナ")
    assert "フリガナ" in error.reason


# --- Rows and values -------------------------------------------------------------------------


def test_every_problem_in_a_row_is_reported_with_row_and_column() -> None:
    text = f"{HEADER},電話番号,要介護度\n{GOOD_ROW},,\n12-3,,山田,平成32年1月1日,X,,1234,要介護9\n"

    result = parse_csv(text)

    assert [r.row for r in result.records] == [2]
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "宛名番号"),
        (3, "氏名"),
        (3, "ふりがな"),
        (3, "生年月日"),
        (3, "性別"),
        (3, "住所"),
        (3, "電話番号"),
        (3, "要介護度"),
    ]
    reasons = [e.reason for e in result.errors]
    assert "digits only" in reasons[0]
    assert "required but empty" in reasons[1]
    assert "kana only" in reasons[2]
    assert "ended on 2019-04-30" in reasons[3]


def test_a_duplicate_resident_id_is_reported() -> None:
    text = f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW.replace('000123', '000124')}\n{GOOD_ROW}\n"

    result = parse_csv(text)

    assert [r.row for r in result.records] == [2, 3]
    assert [(e.row, e.column, e.reason, e.value) for e in result.errors] == [
        (4, "宛名番号", "Resident ID 000123 also appears on row 2.", "000123"),
    ]


def test_a_value_beyond_the_last_header_is_reported() -> None:
    result = parse_csv(f"{HEADER}\n{GOOD_ROW.replace('府中市', '府中市,')}\n")

    [error] = result.errors
    assert (error.row, error.column) == (2, "G")
    assert "unquoted" in error.reason


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0424512345", "042-451-2345"),  # grouped by its area code, as on entry
        ("0422512345", "0422-51-2345"),
        ("０４２４６１３３３３", "042-461-3333"),
        ("０４２−４５１−２３４５", "042-451-2345"),
        ("０４２－４５１－２３４５", "042-451-2345"),
        ("042(451)2345", "042-451-2345"),
        ("(042)451-2345", "042-451-2345"),
        ("042-451-2345", "042-451-2345"),
        ("042 451 2345", "042-451-2345"),
        ("0422-51-2345", "0422-51-2345"),
        ("09012345678", "090-1234-5678"),
        ("０９０ー１２３４ー５６７８", "090-1234-5678"),
        ("0312345678", "03-1234-5678"),
        ("0120123456", "0120-123-456"),
    ],
)
def test_phone_numbers_are_normalised(given: str, expected: str) -> None:
    assert one_value("電話番号", given, "phone") == expected


@pytest.mark.parametrize(
    "given", ["12345", "4245123456", "042-451-23456", "042-451-2345 内線12", "04245123456789"]
)
def test_phone_numbers_that_are_not_japanese_are_rejected(given: str) -> None:
    error = one_error("携帯電話", given)

    assert error.column == "携帯電話"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("1830022", "183-0022"), ("〒183-0022", "183-0022"), ("１８３ー００２２", "183-0022")],
)
def test_postal_codes_are_written_123_4567(given: str, expected: str) -> None:
    assert one_value("郵便番号", given, "postal_code") == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("男", Sex.MALE),
        ("男性", Sex.MALE),
        ("M", Sex.MALE),
        ("１", Sex.MALE),
        ("女", Sex.FEMALE),
        ("女性", Sex.FEMALE),
        ("f", Sex.FEMALE),
        ("2", Sex.FEMALE),
        ("その他", Sex.OTHER),
    ],
)
def test_sex_words_and_codes_become_register_values(given: str, expected: Sex) -> None:
    result = parse_csv(f"{HEADER}\n{GOOD_ROW.replace(',男,', f',{given},')}\n")

    assert result.records[0].sex is expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("要支援1", CareLevel.SUPPORT_1),
        ("要支援２", CareLevel.SUPPORT_2),
        ("要介護３", CareLevel.CARE_3),
        ("介護3", CareLevel.CARE_3),
        ("要介護5", CareLevel.CARE_5),
        ("非該当", CareLevel.NONE),
        ("なし", CareLevel.NONE),
        ("", CareLevel.NONE),
    ],
)
def test_care_levels_become_register_values(given: str, expected: CareLevel) -> None:
    assert one_value("要介護度", given, "care_level") is expected


def test_a_file_without_a_care_level_column_leaves_it_unknown() -> None:
    assert parse_csv(f"{HEADER}\n{GOOD_ROW}\n").records[0].care_level is None


@pytest.mark.parametrize(
    ("header", "given", "field", "expected"),
    [
        ("世帯", "独居", "household", Household.ALONE),
        ("世帯状況", "高齢者のみ", "household", Household.ELDERLY_ONLY),
        ("世帯", "", "household", None),
        ("移動", "車いす", "mobility", Mobility.WHEELCHAIR),
        ("歩行", "杖・歩行器", "mobility", Mobility.CANE_WALKER),
        ("障害者手帳", "身体１級", "disability_certificate", "身体1級"),
        ("手帳", "なし", "disability_certificate", None),
    ],
)
def test_household_mobility_and_certificate_are_read(
    header: str, given: str, field: str, expected: object
) -> None:
    assert one_value(header, given, field) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("やまだ　たろう", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("ヤマダ・ジョン", "ヤマダ・ジョン"),
    ],
)
def test_a_reading_in_hiragana_or_half_width_kana_is_stored_as_katakana(
    given: str, expected: str
) -> None:
    result = parse_csv(f"{HEADER}\n{GOOD_ROW.replace('やまだ たろう', given)}\n")

    assert result.records[0].name_kana == expected


def test_names_and_addresses_have_full_width_digits_and_spaces_normalised() -> None:
    row = "０１２,山田　　太郎 ,ヤマダ タロウ,S15.3.2,男,府中市宮西町１丁目２－３　"

    [record] = parse_csv(f"{HEADER}\n{row}\n").records

    assert (record.resident_no, record.name, record.address) == (
        "012",
        "山田 太郎",
        "府中市宮西町1丁目2-3",
    )
