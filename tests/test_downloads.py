"""Downloads: every view that answers with a file builds it with roster.exports.download, so
each one is named (Japanese names as RFC 5987 filename*, with an ASCII fallback), typed, and
never kept by a cache (Cache-Control: no-store)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from roster.exports import ascii_filename, content_disposition, download

from .conftest import AuthActions, IsolatedClient
from .portal_copies import copy_page_url

ROSTER = Path(__file__).resolve().parents[1] / "roster"
#: What builds a download by hand: a Content-Disposition header, Flask's file sender, an
#: attachment's name. (send_from_directory serving the vendored map files is no download.)
BY_HAND = re.compile(r"Content-Disposition|send_file|as_attachment|download_name=")


def filename_star(header: str) -> str:
    found = re.search(r"filename\*=UTF-8''([^;]+)", header)
    assert found, header
    return unquote(found.group(1))


def test_a_japanese_name_goes_as_filename_star_with_an_ascii_fallback() -> None:
    name = "避難行動要支援者名簿_2026-12-06_控え12.xlsx"
    header = content_disposition(name, "register-2026-12-06-copy12.xlsx")
    assert header.startswith('attachment; filename="register-2026-12-06-copy12.xlsx"; ')
    assert "filename*=UTF-8''%E9%81%BF%E9%9B%A3" in header
    assert filename_star(header) == name
    assert header.isascii()
    # Without a fallback given, one is made of the name's ASCII part.
    assert ascii_filename(name) == "2026-12-06-12.xlsx"
    assert ascii_filename("名簿.csv") == "download.csv"
    assert ascii_filename('a"b\\c.csv') == "a-b-c.csv"
    # A plain ASCII name stays as it was.
    assert content_disposition("import-errors.csv") == 'attachment; filename="import-errors.csv"'


def test_the_helper_sets_the_type_and_no_store(app: Any, tmp_path: Path) -> None:
    kept = tmp_path / "doc.pdf"
    kept.write_bytes(b"%PDF-1.4")
    with app.test_request_context():
        for content in (b"a,b\r\n", "a,b\r\n", kept):
            response = download(content, "名簿.csv", "text/csv; charset=utf-8")
            assert response.headers["Cache-Control"] == "no-store"
            assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
            assert filename_star(response.headers["Content-Disposition"]) == "名簿.csv"


def test_no_view_builds_a_download_by_hand() -> None:
    """Every download goes through roster.exports.download: a view that sets its own
    Content-Disposition (or sends a file itself) could forget no-store or the file name."""
    found = [
        f"{path.relative_to(ROSTER)}:{n}"
        for path in ROSTER.rglob("*.py")
        if path != ROSTER / "exports.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BY_HAND.search(line)
    ]
    assert not found, found


def test_the_staff_export_has_a_japanese_name(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    for n, fmt in enumerate(("xlsx", "csv"), start=1):
        response = client.post("/registrants/export", data={"purpose": "plans", "format": fmt})
        assert response.status_code == 200
        header = response.headers["Content-Disposition"]
        name = filename_star(header)
        assert re.fullmatch(rf"避難行動要支援者名簿_\d{{4}}-\d\d-\d\d_第{n}部\.{fmt}", name), name
        day = name.split("_")[1]
        assert f'filename="register-{day}-copy{n}.{fmt}"' in header
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("role", "method", "url"),
    [
        ("t_staff", "post", "/registrants/export"),
        ("t_staff", "get", "/imports/sample.csv"),
        ("t_staff", "get", "/imports/mapping-sample.toml"),
        ("t_staff", "get", "/partners/ledger.csv"),
        ("t_partner", "copy", "csv"),
        ("t_partner", "copy", "xlsx"),
    ],
)
def test_download_routes_answer_with_an_attachment_no_cache_keeps(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], role: str, method: str,
    url: str,
) -> None:  # fmt: skip
    auth.login(role)
    data = {"purpose": "plans", "format": "csv"} if method == "post" else None
    if method == "copy":  # a partner's copy: made by a POST, downloaded from its page
        response = client.get(copy_page_url(client, url) + "/file")
    else:
        response = getattr(client, method)(url, data=data)
    assert response.status_code == 200, url
    assert response.headers["Content-Disposition"].startswith("attachment; filename="), url
    assert response.headers["Cache-Control"] == "no-store", url
