"""Japanese by default, English on request, and no UI string left untranslated."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from roster.eras import wareki

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = [("roster/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.do"}}


def source_messages():
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, OPTIONS, KEYWORDS
    ):
        if filename.startswith((".venv", "tests")):
            continue
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def test_every_ui_string_has_a_japanese_translation():
    with open(ROOT / "roster/translations/ja/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in source_messages().items()
        if not (m := catalog.get(msgid)) or not m.string or m.fuzzy
    ]
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_the_login_page_speaks_japanese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="ja"' in html and "ログイン" in html


def test_the_header_switch_changes_the_language_and_remembers_it(client, auth, db, world):
    client.post("/locale", data={"locale": "en", "next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    auth.login("t_staff")
    client.post("/locale", data={"locale": "ja", "next": "/registrants/"})
    db.refresh(world["users"]["staff"])
    assert world["users"]["staff"].locale == "ja"
    assert "名簿" in client.get("/registrants/").get_data(as_text=True)


def test_the_language_switch_never_redirects_off_site(client):
    response = client.post("/locale", data={"locale": "en", "next": "//evil.example/"})
    assert response.headers["Location"].startswith("/login")


def test_era_dates_name_the_first_year_gannen():
    assert wareki(date(1989, 1, 8)) == "平成元年1月8日"
    assert wareki(date(1989, 1, 7)) == "昭和64年1月7日"
    assert wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki(date(1940, 3, 2)) == "昭和15年3月2日"
