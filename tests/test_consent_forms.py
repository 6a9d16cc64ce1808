"""Consent forms: the versioned catalog, reference codes and the printable A4 rendering.

The PDF tests need Debian's chromium and the playwright package. Without them they skip and
say what is missing; with ROSTER_REQUIRE_BROWSER=1 they fail instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template
from sqlalchemy.orm import Session

from roster.consent.catalog import (
    ALPHABET,
    FORMS_DIR,
    ConsentFormVersion,
    FormCatalogError,
    current_form,
    load_forms,
    parse_reference_code,
    reference_code,
    reference_key,
)

ROOT = Path(__file__).resolve().parent.parent
PRINT_CSS = ROOT / "roster" / "static" / "print.css"
VERSIONS = ("ja-2026-04", "en-2026-04", "ja-easy-2026-04")
KEY = reference_key("test-secret")

OFFICE = {
    "name": "西東京市",
    "department": "福祉部 地域共生課",
    "phone": "042-464-1311",
    "address": "〒188-8666 東京都西東京市南町五丁目6番13号",
    "reply_by": "2026年5月29日",
}
HANAKO = {
    "name": "山田 花子",
    "name_kana": "やまだ はなこ",
    "birth_date": date(1940, 3, 2),
    "postal_code": "1880011",
    "address": "東京都西東京市田無町四丁目15番3号 グリーンハイツ田無201号室",
}
ICHIRO = {
    "name": "佐藤 一郎",
    "name_kana": "さとう いちろう",
    "birth_date": date(1936, 11, 20),
    "postal_code": "202-0013",
    "address": "東京都西東京市中町一丁目2番3号",
}
#: A long name and address: the form must still fit on its page.
LONG = {
    "name": "長谷川 左右衛門太郎",
    "name_kana": "はせがわ さうえもんたろう",
    "birth_date": date(1931, 1, 8),
    "postal_code": "202-0011",
    "address": "東京都西東京市泉町六丁目12番34号 "
    "サンライズ西東京泉町ガーデンレジデンス東棟1205号室",
}


# --- the catalog -------------------------------------------------------------------------------


def test_the_catalog_holds_the_three_versions() -> None:
    forms = load_forms()
    assert set(forms) == set(VERSIONS)
    languages = {f.version: f.language for f in forms.values()}
    assert languages == {"ja-2026-04": "ja", "en-2026-04": "en", "ja-easy-2026-04": "ja-easy"}
    for form in forms.values():
        assert isinstance(form, ConsentFormVersion)
        assert form.effective_from == date(2026, 4, 1)
        assert form.title and form.replaces is None
        assert form.body_template == FORMS_DIR / form.version / "body.html"
        assert len(form.version) <= 40  # fits ConsentRecord.form_version
    with pytest.raises(AttributeError):
        forms["ja-2026-04"].title = "changed"  # type: ignore[misc]


def test_current_form_picks_by_language_and_date() -> None:
    assert current_form("ja", date(2026, 4, 1)).version == "ja-2026-04"
    assert current_form("en", date(2030, 1, 1)).version == "en-2026-04"
    assert current_form("ja-easy", date(2026, 12, 24)).version == "ja-easy-2026-04"
    with pytest.raises(LookupError, match="ja.*2026-03-31"):
        current_form("ja", date(2026, 3, 31))
    with pytest.raises(LookupError, match="'vi'"):
        current_form("vi", date(2026, 5, 1))


def _write_form(
    root: Path,
    version: str,
    language: str,
    effective: str,
    body: str = "<p>{{ reference }}</p>",
    **extra: str,
) -> Path:
    folder = root / version
    folder.mkdir(parents=True)
    lines = [
        f'version = "{version}"',
        f'language = "{language}"',
        f"effective_from = {effective}",
        'title = "同意書"',
        *(f'{k} = "{v}"' for k, v in extra.items()),
    ]
    (folder / "form.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "body.html").write_text(body, encoding="utf-8")
    return folder


def test_current_form_takes_the_latest_version_in_effect(tmp_path: Path) -> None:
    _write_form(tmp_path, "ja-2026-04", "ja", "2026-04-01")
    _write_form(tmp_path, "ja-2027-04", "ja", "2027-04-01", replaces="ja-2026-04")
    _write_form(tmp_path, "ja-easy-2027-10", "ja-easy", "2027-10-01")
    forms = load_forms(tmp_path)
    assert forms["ja-2027-04"].replaces == "ja-2026-04"
    assert current_form("ja", date(2027, 3, 31), forms).version == "ja-2026-04"
    assert current_form("ja", date(2027, 4, 1), forms).version == "ja-2027-04"
    assert current_form("ja", date(2099, 1, 1), forms).version == "ja-2027-04"
    assert current_form("ja-easy", date(2027, 10, 1), forms).version == "ja-easy-2027-10"
    with pytest.raises(LookupError):
        current_form("ja-easy", date(2027, 9, 30), forms)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('version = "ja-2030-04"\nlanguage = "ja"\ntitle = "x"\n', "missing effective_from"),
        (
            'version = "ja-2030-04"\nlanguage = "ja"\neffective_from = "2030-13-01"\ntitle = "x"\n',
            "effective_from '2030-13-01' must be a date",
        ),
        (
            'version = "ja-2030-04"\nlanguage = "ja"\neffective_from = 2030-04-01T09:00:00\n'
            'title = "x"\n',
            "must be a date",
        ),
        (
            'version = "ja-2030-04"\nlanguage = "ja"\neffective_from = 2030-04-01\ntitle = "x"\n'
            "efective_to = 2031-03-31\n",
            "unknown key efective_to",
        ),
        (
            'version = "ja-2030-04"\nlanguage = "fr"\neffective_from = 2030-04-01\ntitle = "x"\n',
            "language 'fr' must be one of",
        ),
        (
            'version = "ja-2030-04"\nlanguage = "en"\neffective_from = 2030-04-01\ntitle = "x"\n',
            "must start with its language",
        ),
        (
            'version = "ja-2031-04"\nlanguage = "ja"\neffective_from = 2030-04-01\ntitle = "x"\n',
            "must match its folder name 'ja-2030-04'",
        ),
        (
            'version = "ja-2030-04"\nlanguage = "ja"\neffective_from = 2030-04-01\ntitle = \n',
            "not valid TOML",
        ),
        (
            'version = "ja-2030-04"\nlanguage = "ja"\neffective_from = 2030-04-01\ntitle = ""\n',
            "title must be a non-empty string",
        ),
    ],
)
def test_a_malformed_form_toml_names_the_file(tmp_path: Path, toml: str, expected: str) -> None:
    folder = tmp_path / "ja-2030-04"
    folder.mkdir()
    (folder / "form.toml").write_text(toml, encoding="utf-8")
    (folder / "body.html").write_text("<p>本文</p>", encoding="utf-8")
    with pytest.raises(FormCatalogError) as caught:
        load_forms(tmp_path)
    message = str(caught.value)
    assert str(folder / "form.toml") in message
    assert expected in message


def test_a_version_declared_twice_names_both_files(tmp_path: Path) -> None:
    _write_form(tmp_path, "ja-2026-04", "ja", "2026-04-01")
    copy = tmp_path / "ja-2027-04"
    shutil.copytree(tmp_path / "ja-2026-04", copy)  # copied, version not yet changed
    with pytest.raises(FormCatalogError) as caught:
        load_forms(tmp_path)
    message = str(caught.value)
    assert str(copy / "form.toml") in message
    assert str(tmp_path / "ja-2026-04" / "form.toml") in message
    assert "already declared" in message


def test_other_catalog_mistakes_are_refused(tmp_path: Path) -> None:
    _write_form(tmp_path, "ja-2026-04", "ja", "2026-04-01", body="<p>{% if x %}</p>")
    with pytest.raises(FormCatalogError, match=r"body\.html, line 1: not valid Jinja"):
        load_forms(tmp_path)
    (tmp_path / "ja-2026-04" / "body.html").unlink()
    with pytest.raises(FormCatalogError, match=r"body\.html: missing or empty"):
        load_forms(tmp_path)
    shutil.rmtree(tmp_path / "ja-2026-04")

    _write_form(tmp_path, "ja-2026-04", "ja", "2026-04-01")
    _write_form(tmp_path, "ja-2026-04b", "ja", "2026-04-01")
    with pytest.raises(FormCatalogError, match="both ja forms taking effect on 2026-04-01"):
        load_forms(tmp_path)
    shutil.rmtree(tmp_path / "ja-2026-04b")

    _write_form(tmp_path, "ja-2025-04", "ja", "2025-04-01", replaces="ja-2026-04")
    with pytest.raises(FormCatalogError, match="replaces ja-2026-04, which is not an earlier"):
        load_forms(tmp_path)
    shutil.rmtree(tmp_path / "ja-2025-04")

    (tmp_path / "stray").mkdir()
    with pytest.raises(FormCatalogError, match=r"stray/form\.toml: missing"):
        load_forms(tmp_path)
    with pytest.raises(FormCatalogError, match="no such folder"):
        load_forms(tmp_path / "nowhere")


# --- reference codes ---------------------------------------------------------------------------

CODE_RE = re.compile(
    r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{3}(-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{3}){2}$"
)


@pytest.mark.parametrize(
    ("registrant_id", "round_id"),
    [(1, None), (2, 1), (1234, 7), (200_000, None), (33_554_431, 16_383), (99_999, 16_383)],
)
def test_reference_codes_round_trip(registrant_id: int, round_id: int | None) -> None:
    code = reference_code(registrant_id, round_id, key=KEY)
    assert CODE_RE.match(code), code
    assert not set(code) & set("01OIL")
    assert parse_reference_code(code, key=KEY) == (registrant_id, round_id)


def test_a_changed_or_swapped_character_is_refused() -> None:
    code = reference_code(4711, 3, key=KEY)
    chars = code.replace("-", "")
    for i, original in enumerate(chars):
        for other in ALPHABET:
            if other != original:
                typo = chars[:i] + other + chars[i + 1 :]
                with pytest.raises(ValueError, match="does not check"):
                    parse_reference_code(typo, key=KEY)
    for i in range(len(chars) - 1):
        if chars[i] != chars[i + 1]:
            swapped = chars[:i] + chars[i + 1] + chars[i] + chars[i + 2 :]
            with pytest.raises(ValueError, match="does not check"):
                parse_reference_code(swapped, key=KEY)
    for text in (chars[:-1], chars + "2", "", "R7K-2QF-9X0", "R7K-2QF-9XO", "R7K-2QF-9XI"):
        with pytest.raises(ValueError):
            parse_reference_code(text, key=KEY)
    with pytest.raises(ValueError, match="there is no 0, O, 1, I or L"):
        parse_reference_code(chars[:-1] + "0", key=KEY)


def test_a_code_is_read_however_it_is_typed() -> None:
    code = reference_code(58_213, 12, key=KEY)
    plain = code.replace("-", "")
    full_width = "".join(chr(ord(c) + 0xFEE0) if c != "-" else "－" for c in code)
    assert unicodedata.normalize("NFKC", full_width) == code
    for text in (
        code.lower(),
        plain,
        plain.lower(),
        f"  {plain[:3]} {plain[3:6]} {plain[6:]} ",
        full_width,
        full_width.replace("－", "ー"),
        code.replace("-", "‐"),
        "\t" + code.lower().replace("-", " - ") + "\n",
    ):
        assert parse_reference_code(text, key=KEY) == (58_213, 12), text


def test_codes_do_not_follow_the_ids() -> None:
    codes = [reference_code(i, None, key=KEY) for i in range(1000, 1200)]
    assert len(set(codes)) == len(codes)
    for a, b in zip(codes, codes[1:], strict=False):
        same = sum(x == y for x, y in zip(a.replace("-", ""), b.replace("-", ""), strict=True))
        assert same <= 3, (a, b)
    # Sorted codes are not in ID order: about half the neighbours go up, half down.
    rising = sum(a < b for a, b in zip(codes, codes[1:], strict=False))
    assert 60 < rising < 140
    # The same person in another round, or under another key, gets an unrelated code.
    assert reference_code(1000, 1, key=KEY) != reference_code(1000, 2, key=KEY)
    other_key = reference_key("another-secret")
    assert reference_code(1000, None, key=other_key) != codes[0]
    with contextlib.suppress(ValueError):  # refused outright is also fine
        assert parse_reference_code(codes[0], key=other_key) != (1000, None)


def test_reference_codes_need_a_key_and_ids_in_range() -> None:
    with pytest.raises(ValueError, match="key"):
        reference_code(1, key=b"")
    with pytest.raises(ValueError, match="non-empty secret"):
        reference_key("")
    for bad in (0, -1, 33_554_432):
        with pytest.raises(ValueError, match="registrant ID"):
            reference_code(bad, key=KEY)
    for bad_round in (0, 16_384):
        with pytest.raises(ValueError, match="round ID"):
            reference_code(1, bad_round, key=KEY)
    assert reference_key(b"test-secret") == KEY
    assert len(KEY) == 32 and KEY != b"test-secret"


# --- the printed page --------------------------------------------------------------------------


# Rendering runs the app's context processors, which read the municipality row: the db
# fixture gives them a session on a rolled-back transaction.


def _items(versions: tuple[str, ...], people: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    forms = load_forms()
    return [
        {"form": forms[v], "person": p, "reference": reference_code(500 + i, 3, key=KEY)}
        for i, (v, p) in enumerate(zip(versions, people, strict=True))
    ]


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _windows(html: str) -> list[str]:
    return re.findall(r'<address class="window"[^>]*>(.*?)</address>', html, re.S)


def test_two_people_print_as_two_forms(app: Flask, db: Session) -> None:
    items = _items(("ja-2026-04", "ja-2026-04"), (HANAKO, ICHIRO))
    with app.test_request_context():
        html = render_template("consent/printed_form.html", items=items, office=OFFICE)
    assert html.count('<section class="sheet"') == 2
    assert "print.css" in html
    # Served by the app, the page must obey the CSP: no inline style at all.
    assert "<style" not in html and " style=" not in html and "<script" not in html
    sheets = html.split('<section class="sheet"')[1:]
    windows = _windows(html)
    assert len(windows) == 2
    for item, sheet, window in zip(items, sheets, windows, strict=True):
        person = item["person"]
        assert item["reference"] in sheet
        assert f'<span class="refcode">{item["reference"]}</span>' in sheet
        street, _, building = person["address"].partition(" ")
        assert street in window and building in window
        assert f'<span class="name">{person["name"]}</span>&nbsp;様' in window
        assert person["name_kana"] in sheet
        assert "様式：日本語版 2026年4月（様式番号 ja-2026-04）" in _text(sheet)
        assert '<small class="version-code">（様式番号 ja-2026-04）</small>' in sheet
        assert OFFICE["phone"] in sheet
    assert "〒188-0011" in windows[0] and "〒202-0013" in windows[1]
    assert ICHIRO["address"] not in windows[0] and HANAKO["name"] not in windows[1]
    assert "昭和15年3月2日（1940年）" in sheets[0]
    assert "昭和11年11月20日（1936年）" in sheets[1]
    # Six partner categories, "all", two plan consents and 同意する / 同意しない per form.
    assert sheets[0].count('class="box"') == 11


def test_each_version_renders_in_its_language(app: Flask, db: Session) -> None:
    items = _items(VERSIONS, (HANAKO, ICHIRO, LONG))
    office = {**OFFICE, "name_en": "Nishitokyo City", "reply_by_en": "29 May 2026"}
    with app.test_request_context():
        html = render_template("consent/printed_form.html", items=items, office=office)
    ja, en, easy = html.split('<section class="sheet"')[1:]
    assert 'lang="ja"' in ja and "同意する" in ja and "第49条の11第3項" in ja
    assert 'lang="en"' in en and "I do not agree" in en and "To the Mayor of Nishitokyo City" in en
    assert "2 March 1940" not in en and "20 November 1936" in en and "by 29 May 2026" in en
    assert "Form: English, April 2026 (form no. en-2026-04)" in _text(en)
    assert "<ruby>避難<rt>ひなん</rt></ruby>" in easy
    assert "様式：やさしい日本語版 2026年4月（様式番号 ja-easy-2026-04）" in _text(easy)
    for sheet in (ja, en, easy):
        for needed in ("民生", "自治会", "自主", "社会", "消防", "警察"):
            assert needed in sheet
        assert sheet.count('class="box"') == 11
        assert 'class="proxy"' in sheet


def test_personal_details_are_escaped(app: Flask, db: Session) -> None:
    person = {**HANAKO, "name": "<b>山田</b>", "address": "東京都<script>x</script>"}
    items = _items(("ja-2026-04",), (person,))
    with app.test_request_context():
        html = render_template("consent/printed_form.html", items=items, office=OFFICE)
    assert "<b>山田" not in html and "<script>" not in html
    assert "&lt;b&gt;山田&lt;/b&gt;" in html


# --- printing through headless Chromium --------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MM = 96 / 25.4  # CSS pixels per millimetre


def _missing_browser() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package (pip install playwright)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _missing_browser()
    if missing is not None:
        if os.environ.get("ROSTER_REQUIRE_BROWSER"):
            pytest.fail(f"printing tests are required here but {missing} is missing")
        pytest.skip(f"printing consent forms to PDF needs {missing}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page_count(pdf: bytes) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    import io

    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.browser
@pytest.mark.parametrize("version", VERSIONS)
def test_two_forms_print_on_exactly_two_a4_pages(
    app: Flask, db: Session, browser: Any, version: str, tmp_path: Path
) -> None:
    items = _items((version, version), (HANAKO, LONG))
    with app.test_request_context():
        html = render_template(
            "consent/printed_form.html",
            items=items,
            office=OFFICE,
            inline_css=PRINT_CSS.read_text(encoding="utf-8"),
        )
    page = browser.new_page()
    try:
        page.set_content(html)
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        (tmp_path / f"{version}.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF")
        assert _page_count(pdf) == 2

        # The address block sits where a 長形3号 window is, and nothing spills out of it.
        page.emulate_media(media="print")
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('.sheet')].map(sheet => {
                const s = sheet.getBoundingClientRect();
                const w = sheet.querySelector('.window');
                const b = w.getBoundingClientRect();
                const ends = [...w.children].map(c => c.getBoundingClientRect().bottom);
                return {left: b.left - s.left, top: b.top - s.top, width: b.width,
                        height: b.height, contentBottom: Math.max(...ends) - b.top,
                        overflow: w.scrollHeight > w.clientHeight + 1
                                  || w.scrollWidth > w.clientWidth + 1};
            })"""
        )
    finally:
        page.close()
    assert len(boxes) == 2
    for box in boxes:
        left = 15 + box["left"] / MM  # the page margin is 15 mm
        top = 15 + box["top"] / MM
        right = left + box["width"] / MM
        bottom = top + box["height"] / MM
        assert 20 <= left <= 25 and 12 <= top <= 18, box
        assert right <= 110 and bottom <= 57, box
        assert not box["overflow"] and box["contentBottom"] <= box["height"] + 0.5, box
