"""Uploads are measured by what they hold: a decompression bomb, too many rows or columns,
or a file that takes too long is refused quickly with a clear message, and nothing is kept.

Every uploaded file is deleted once applied or refused, unless staff ticked "keep".
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask

from roster.imports.tables import read_table
from roster.uploads import UploadLimits, UploadRefused, check_zip

from .conftest import AuthActions, IsolatedClient
from .test_import_upload import BAD_DATE, NEW, export, stored, token_of, upload

SHEET = "xl/worksheets/sheet1.xml"
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>宛名番号</t></is></c></row>'


def workbook(rows: int = 3) -> bytes:
    """A real small workbook with the usual columns."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["宛名番号", "氏名", "氏名カナ", "生年月日", "性別", "住所"])
    for i in range(rows):
        sheet.append([f"{3234567000 + i}", "試験 太郎", "シケン タロウ", "1940-04-01", "男",
                      "東京都テスト市テスト町A1-1-1"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bomb(rows: int = 1_500_000) -> bytes:
    """The workbook with its sheet swapped for `rows` identical rows: a few hundred KB
    that inflate to tens of MB, as the outside test's 287 KB → 98 MB file did."""
    # Row and cell references are optional in the format; without them every row is the
    # same bytes, which is what packs so tightly.
    body = '<row><c t="inlineStr"><is><t>1</t></is></c></row>' * rows
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet '
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f"{HEADER_ROW}{body}</sheetData></worksheet>"
    )
    source = zipfile.ZipFile(io.BytesIO(workbook(0)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = sheet.encode() if entry.filename == SHEET else source.read(entry)
            target.writestr(entry.filename, data, zipfile.ZIP_DEFLATED, 9)
    return out.getvalue()


@pytest.fixture(scope="module")
def xlsx_bomb() -> bytes:
    return bomb()


@pytest.fixture()
def limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the app's limits for one test."""

    def use(**values: Any) -> None:
        monkeypatch.setitem(app.config, "UPLOAD_LIMITS", UploadLimits(**values))

    return use


@pytest.fixture()
def upload_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "imports"
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(folder))
    return folder


def refused_quickly(response: Any, started: float, message: str) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:500]
    assert message in html
    assert time.monotonic() - started < 10
    return html


def english(client: IsolatedClient) -> None:
    assert client.post("/locale", data={"locale": "en"}).status_code == 302


# --- The checks themselves ------------------------------------------------------------------


def test_the_bomb_is_small_but_inflates_to_tens_of_megabytes(xlsx_bomb: bytes) -> None:
    inflated = sum(e.file_size for e in zipfile.ZipFile(io.BytesIO(xlsx_bomb)).infolist())
    assert len(xlsx_bomb) < 1_000_000 and inflated > 30 * 2**20


def test_a_zip_bomb_is_refused_by_its_ratio_before_anything_unpacks_it(xlsx_bomb: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(UploadRefused, match="unpacks to far more"):
        check_zip(xlsx_bomb, UploadLimits())
    assert time.monotonic() - started < 0.5


def test_a_zip_over_the_unpacked_size_is_refused(xlsx_bomb: bytes) -> None:
    with pytest.raises(UploadRefused, match="MB of data once unpacked"):
        check_zip(xlsx_bomb, UploadLimits(max_uncompressed_mb=10))


def test_reading_a_workbook_stops_at_the_row_limit() -> None:
    read_table(workbook(5), filename="x.xlsx", limits=UploadLimits(max_rows=5))
    with pytest.raises(UploadRefused, match="more than 5 rows"):
        read_table(workbook(6), filename="x.xlsx", limits=UploadLimits(max_rows=5))


def test_reading_a_csv_counts_its_rows_and_columns() -> None:
    data = export(NEW, NEW, NEW, encoding="utf-8")
    read_table(data, filename="x.csv", limits=UploadLimits(max_rows=3))
    with pytest.raises(UploadRefused, match="more than 2 rows"):
        read_table(data, filename="x.csv", limits=UploadLimits(max_rows=2))
    with pytest.raises(UploadRefused, match="more than 5 columns"):
        read_table(data, filename="x.csv", limits=UploadLimits(max_columns=5))


def test_reading_stops_when_it_takes_longer_than_max_seconds() -> None:
    data = ("a,b\n" + "1,2\n" * 5000).encode()
    with pytest.raises(UploadRefused, match="longer than 1e-09 seconds"):
        read_table(data, filename="x.csv", limits=UploadLimits(max_seconds=1e-9))


# --- The eligibility import -----------------------------------------------------------------


def test_an_xlsx_bomb_upload_is_refused_in_seconds_and_nothing_is_kept(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], upload_dir: Path,
    xlsx_bomb: bytes,
) -> None:
    auth.login("t_staff")
    english(client)
    started = time.monotonic()
    response = upload(client, xlsx_bomb, name="export.xlsx")
    refused_quickly(response, started, "unpacks to far more data than it weighs")
    assert stored(upload_dir) == []


def test_a_workbook_with_too_many_rows_is_refused_and_nothing_is_kept(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], upload_dir: Path,
    limits: Any,
) -> None:
    limits(max_rows=100)
    auth.login("t_staff")
    english(client)
    started = time.monotonic()
    response = upload(client, workbook(150), name="export.xlsx")
    refused_quickly(response, started, "The file has more than 100 rows.")
    assert stored(upload_dir) == []


def test_a_csv_with_too_many_rows_or_columns_is_refused_and_nothing_is_kept(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], upload_dir: Path,
    limits: Any,
) -> None:
    auth.login("t_staff")
    english(client)
    limits(max_rows=100)
    started = time.monotonic()
    rows = upload(client, export(*[NEW] * 150))
    refused_quickly(rows, started, "The file has more than 100 rows.")
    limits()
    wide = ("宛名番号," + ",".join(f"c{i}" for i in range(300)) + "\n1\n").encode()
    refused_quickly(upload(client, wide), started, "The file has more than 200 columns.")
    assert stored(upload_dir) == []


def test_the_refusal_is_in_japanese_for_a_japanese_user(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], xlsx_bomb: bytes,
) -> None:
    auth.login("t_staff")
    response = upload(client, xlsx_bomb, name="export.xlsx")
    assert response.status_code == 422
    assert "展開すると" in response.get_data(as_text=True)


def test_a_file_with_bad_rows_is_deleted_at_once_unless_staff_keep_it(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], upload_dir: Path,
) -> None:
    auth.login("t_staff")
    english(client)
    html = upload(client, export(NEW, BAD_DATE)).get_data(as_text=True)
    assert "/report.csv" not in html and "The uploaded file was deleted" in html
    assert stored(upload_dir) == []
    kept = upload(client, export(NEW, BAD_DATE), keep="y").get_data(as_text=True)
    token = token_of(kept)
    assert stored(upload_dir) == [f"{token}.bin", f"{token}.json"]
    assert json.loads((upload_dir / f"{token}.json").read_text())["keep"] is True


def test_an_applied_file_is_deleted(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], upload_dir: Path,
) -> None:
    import re

    auth.login("t_staff")
    html = upload(client, export(NEW)).get_data(as_text=True)
    assert stored(upload_dir)
    key = re.search(r'name="missing_key" value="([0-9a-f]+)"', html)
    assert key
    confirmation = client.post(f"/imports/{token_of(html)}/confirm", data={"missing_key": key[1]})
    plan = re.search(r'name="plan_key" value="([0-9a-f]+)"', confirmation.get_data(as_text=True))
    assert plan
    response = client.post(
        f"/imports/{token_of(html)}/apply", data={"missing_key": key[1], "plan_key": plan[1]}
    )
    assert response.status_code == 302
    assert stored(upload_dir) == []


# --- Shelters and hazard layers -------------------------------------------------------------


def test_a_shelter_file_over_the_limits_is_refused_and_nothing_is_kept(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], upload_dir: Path,
    limits: Any,
) -> None:
    auth.login("t_staff")
    english(client)
    limits(max_rows=10)
    data = ("ID,名称\n" + "".join(f"{i},避難所{i}\n" for i in range(50))).encode()
    form = {"format": "jp-standard", "files": [(io.BytesIO(data), "places.csv")]}
    started = time.monotonic()
    response = client.post("/shelters/import", data=form, content_type="multipart/form-data")
    refused_quickly(response, started, "places.csv: The file has more than 10 rows.")
    assert stored(upload_dir / "shelters") == []


def test_a_hazard_layer_with_too_many_features_is_refused(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], limits: Any,
) -> None:
    from sqlalchemy import func, select

    from roster.models import HazardLayer

    from .test_hazards import LAT, LON, geojson, square

    auth.login("t_staff")
    english(client)
    limits(max_rows=2)
    layer = geojson([({"A31a_205": 3}, square(LON + i * 0.01, LAT)) for i in range(3)])
    data = {"kind": "flood", "file": (io.BytesIO(layer), "a31.geojson")}
    started = time.monotonic()
    response = client.post("/hazards/", data=data, content_type="multipart/form-data")
    refused_quickly(response, started, "The file has more than 2 rows.")
    assert db.scalar(select(func.count(HazardLayer.id))) == 0
