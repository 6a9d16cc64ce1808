"""Every message the import's parsers can give has a Japanese rendering with no English words
and no internal field names, and names columns by the headers a municipality uses."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import openpyxl
import pytest
from flask_babel import force_locale

from roster.imports.dates import to_date
from roster.imports.mapping import TARGET_FIELDS, Mapping
from roster.imports.messages import MESSAGES, Message, MessageError
from roster.imports.operations import _no_district
from roster.imports.parsing import parse_rows
from roster.imports.tables import read_table

TODAY = date(2026, 4, 1)
HEADER = "宛名番号,氏名,ふりがな,生年月日,性別,住所"
GOOD = "000123,山田 太郎,やまだ たろう,1940-03-02,男,東京都府中市宮西町1-1"
#: Words a Japanese message may keep: file formats, encodings and the command to run.
ALLOWED = {
    "CSV", "csv", "UTF", "BOM", "Shift_JIS", "cp932", "xls", "xlsx", "tsv", "txt", "Excel", "S15"
}


def rows(*lines: str, header: str = HEADER, mapping: Mapping | None = None) -> list[Message]:
    table = read_table("\n".join((header, *lines)).encode(), filename="export.csv")
    return [e.message for e in parse_rows(table, mapping or Mapping(), today=TODAY).errors]


def raised(call, *args, **kwargs) -> list[Message]:
    try:
        call(*args, **kwargs)
    except MessageError as error:
        return [error.message]
    raise AssertionError("no error")


def xlsx_bytes() -> bytes:
    import io

    workbook = openpyxl.Workbook()
    workbook.active.append(["a"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def every_message() -> list[Message]:
    """Drive the parsers into each error they can give."""
    found: list[Message] = []
    found += raised(read_table, b"", filename="old.xls")
    found += raised(read_table, b"", filename="notes.pdf")
    found += raised(read_table, b"\xff\xfe\xfa", filename="x.csv", encoding="utf-8")
    found += raised(read_table, b"a", filename="x.csv", encoding="klingon")
    found += raised(read_table, "\xff".encode("latin-1") + b"\x81", filename="x.csv")
    found += raised(read_table, b'a\n"' + b"x" * 140_000 + b'"', filename="x.csv")
    found += raised(read_table, b"PK junk", filename="x.xlsx")
    found += raised(read_table, b"\n\n", filename="x.csv")
    found += raised(read_table, b"a,,b\n1,2,3", filename="x.csv")
    found += raised(read_table, b"a,A\n1,2", filename="x.csv")
    found += rows(GOOD, header="氏名,ふりがな,生年月日,性別,住所")
    found += rows(GOOD, mapping=Mapping(columns={"phone": "自宅TEL"}))
    found += rows(GOOD + ",extra")
    found += rows("000123,,やまだ,1940-03-02,男,東京都府中市")
    found += rows("000123," + "長" * 101 + ",やまだ,1940-03-02,男,東京都府中市")
    found += rows("12a,山田,やまだ,1940-03-02,男,東京都府中市")
    found += rows("1" * 21 + ",山田,やまだ,1940-03-02,男,東京都府中市")
    found += rows(GOOD, GOOD)
    found += rows("000123,山田,Yamada,1940-03-02,男,東京都府中市")
    found += rows("000123,山田,やまだ,2030-03-02,男,東京都府中市")
    found += rows("000123,山田,やまだ,1890-03-02,男,東京都府中市")
    for header, value in (
        ("郵便番号", "12-34"), ("電話番号", "12345"), ("電話番号", "0424-5-12345"),
        ("要介護度", "x"), ("世帯", "x"), ("移動", "x"),
    ):
        found += rows(f"{GOOD},{value}", header=f"{HEADER},{header}")
    found += rows(GOOD.replace(",男,", ",x,"))
    found += _number_phone()
    for text in ("", "abc", "平成0年1月1日", "平成元年1月7日", "昭和64年1月8日", "0000-01-01",
                 "2020-13-01", "昭和64年2月30日"):
        found += raised(to_date, text)
    found += raised(to_date, True)
    record = SimpleNamespace(row=2, district="どこか", address="東京都府中市")
    found.append(_no_district(record, {}).message)
    found.append(_no_district(SimpleNamespace(row=2, district=None, address="x"), {}).message)
    return found


def _number_phone() -> list[Message]:
    import io

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([*HEADER.split(","), "電話番号"])
    sheet.append([*GOOD.split(","), 424512345])
    out = io.BytesIO()
    workbook.save(out)
    table = read_table(out.getvalue(), filename="x.xlsx")
    return [e.message for e in parse_rows(table, Mapping(), today=TODAY).errors]


def test_the_parsers_can_give_every_message_of_the_catalog_and_no_other():
    codes = {m.code for m in every_message()}
    assert codes == set(MESSAGES), (set(MESSAGES) - codes, codes - set(MESSAGES))


def test_every_message_reads_in_japanese_without_english_words_or_field_names(app):
    internal = re.compile(r"\b(" + "|".join(TARGET_FIELDS) + r")\b")
    with app.test_request_context(), force_locale("ja"):
        for message in every_message():
            text = str(message)
            # The cell's own value may be latin ("Yamada", "abc"): only the template counts.
            template = text
            for _key, value in message.params:
                template = template.replace(str(value), "〇")
            words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]+", template)) - ALLOWED
            assert not words, (message.code, text)
            assert not internal.search(text), (message.code, text)
            assert re.search(r"[ぁ-んァ-ン一-龥]", text), (message.code, text)


def test_a_missing_column_is_named_by_its_header_with_the_others_recognised(app):
    [message] = [
        m for m in rows(GOOD, header="氏名,ふりがな,生年月日,性別,住所")
        if m.code == "column_missing"
    ]
    with app.test_request_context(), force_locale("ja"):
        assert "「宛名番号」" in str(message) and "住民番号" in str(message)
    with app.test_request_context(), force_locale("en"):
        assert "no column for 宛名番号" in str(message)


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_an_impossible_era_date_is_explained_in_the_users_language(app, locale):
    [message] = raised(to_date, "昭和64年2月30日")
    with app.test_request_context(), force_locale(locale):
        text = str(message)
    expected = "1989年02月は1日から28日まで" if locale == "ja" else "1989-02 has days 1 to 28"
    assert expected in text


def test_an_error_carries_the_cells_value():
    table = read_table(f"{HEADER}\n{GOOD.replace('1940-03-02', '平成32年1月1日')}".encode(),
                       filename="x.csv")
    [error] = parse_rows(table, Mapping(), today=TODAY).errors
    assert (error.row, error.column, error.value) == (2, "生年月日", "平成32年1月1日")


def test_the_upload_page_lists_the_required_and_recognised_columns(client, auth, world):
    auth.login("t_staff")
    html = client.get("/imports/").get_data(as_text=True)
    table = re.search(r'<table class="register" id="columns">.*?</table>', html, re.S)[0]
    assert "<td>宛名番号</td>" in table and "住民番号" in table and "必須" in table
    assert "/imports/sample.csv" in html


def test_the_sample_file_is_utf8_with_a_bom_and_three_people_that_parse(client, auth, world):
    auth.login("t_staff")
    data = client.get("/imports/sample.csv").data
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = parse_rows(read_table(data, filename="s.csv"), Mapping(), today=TODAY)
    assert parsed.ok and len(parsed.records) == 3
    assert "宛名番号" in data.decode("utf-8-sig").splitlines()[0]
