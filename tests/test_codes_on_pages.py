"""No stored code reaches a page: each role walks the demo from its menu, following every link,
and no visible text holds an internal code (care_3, a snake_case key, None, True, False)."""

from __future__ import annotations

import enum
import re
from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from roster import models
from roster.demo import load_demo

#: Paths a walk does not follow: they end the session, switch the language, or answer with a
#: file rather than a page.
SKIP = re.compile(r"^/(logout|locale)|\.(csv|xlsx|pdf|json|geojson|zip|png|ics)$|/vendor/|/static/")
#: How many addresses of one shape (digits replaced) a walk opens: the demo has thousands of
#: people, and one or two of each page say what every one of them says.
PER_SHAPE = 2
#: Enough for every page of a role; a walk that hits it fails, so pages are never skipped
#: silently.
MAX_PAGES = 400

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
LITERALS = re.compile(r"\b(None|True|False)\b")
ASCII_WORD = re.compile(r"\b[a-z][a-z0-9-]*\b")
#: A consent form version as the catalogue names it (ja-2026-04, ja-easy-2026-04): pages say
#: 日本語版（2026年4月）. Only the printed form carries the code, inside <code>, for matching.
FORM_VERSION = re.compile(r"\b(?:ja|ja-easy|en)-\d{4}-\d{2}\b")
#: Visible attributes: what a screen reader or a tooltip says.
SPOKEN = ("title", "alt", "aria-label", "placeholder")
#: Lowercase words a Japanese page may show as they are: file formats and product names.
ALLOWED_WORDS = {"csv", "xlsx", "pdf", "api", "geojson", "mbtiles", "pmtiles", "https", "http"}


def enum_values() -> set[str]:
    """Every value of every stored enum of roster.models."""
    return {
        str(member.value)
        for obj in vars(models).values()
        if isinstance(obj, type) and issubclass(obj, enum.Enum)
        for member in obj
        if isinstance(member.value, str)
    }


class VisibleText(HTMLParser):
    """The text a person sees or hears, and the links to follow."""

    HIDDEN = {"script", "style", "template", "noscript"}
    #: An identifier shown on purpose (a reference code, the version printed on a form).
    IDENTIFIER = "code"

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        self._identifier = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == self.IDENTIFIER:
            self._identifier += 1
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        self.text += [values[name] or "" for name in SPOKEN if values.get(name)]
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.text.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if tag == self.IDENTIFIER and self._identifier:
            self._identifier -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(FORM_VERSION.sub(" ", data) if self._identifier else data)


#: A file name staff uploaded (a layer's source file) is what they named it, not a code.
FILE_NAME = re.compile(r"[\w.-]+\.(?:geojson|gpkg|shp|zip|csv|xlsx|toml|pdf)\b")


def codes_in(text: str, values: set[str], names: frozenset[str] = frozenset()) -> set[str]:
    """The internal codes in a page's visible text (Japanese pages: no lowercase key belongs).
    `names` are user names: people's own words, shown as typed."""
    text = FILE_NAME.sub(" ", text)
    found = set(SNAKE.findall(text)) | set(LITERALS.findall(text))
    found |= set(FORM_VERSION.findall(text))
    found |= {w for w in ASCII_WORD.findall(text) if w in values and w not in ALLOWED_WORDS}
    return found - names


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def walk(
    client: Any, values: set[str], names: frozenset[str]
) -> tuple[dict[str, set[str]], int]:
    """Open every page reachable from the home page; the codes found on each."""
    queue, seen, shapes = deque(["/"]), {"/"}, {}  # type: ignore[var-annotated]
    found: dict[str, set[str]] = {}
    opened = 0
    while queue and opened < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url, follow_redirects=True)
        opened += 1
        if "text/html" not in response.headers.get("Content-Type", ""):
            continue
        page = VisibleText()
        page.feed(response.get_data(as_text=True))
        codes = codes_in(" ".join(page.text), values, names)
        if codes:
            found[url] = codes
        for link in page.links:
            target = urljoin(url, link)
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path):
                continue
            address = parts.path + (f"?{parts.query}" if parts.query else "")
            key = shape(address)
            if address in seen or shapes.get(key, 0) >= PER_SHAPE:
                continue
            seen.add(address)
            shapes[key] = shapes.get(key, 0) + 1
            queue.append(address)
    return found, opened


@pytest.fixture()
def demo(db: Any, factory: Any) -> Any:
    load_demo(db, registrants=300, seed=11, password_hash=factory.password_hash)
    db.flush()
    return db


@pytest.mark.parametrize("role", ["staff", "partner", "planner", "admin"])
def test_no_page_a_role_reaches_shows_an_internal_code(demo, client, auth, role):
    assert auth.login(role).status_code == 302
    names = frozenset(demo.scalars(select(models.User.username)))
    found, opened = walk(client, enum_values(), names)
    assert opened < MAX_PAGES, "the walk stopped early: raise MAX_PAGES"
    assert opened > 5, "the walk found no pages"
    assert not found, "\n".join(f"{url}: {sorted(codes)}" for url, codes in found.items())


def test_the_scan_catches_a_raw_code():
    values = enum_values()
    assert codes_in("事由 care_3 ・ 区分", values) == {"care_3"}
    assert codes_in("性別 None", values) == {"None"}
    assert codes_in("状態 consented", values) == {"consented"}
    assert codes_in("要介護3 ・ CSV で出力", values) == set()
    assert codes_in("民生委員（デモ） (partner)", values, frozenset({"partner"})) == set()
    assert codes_in("取込元 synthetic_flood.geojson", values) == set()
    both = {"ja-2026-04", "ja-easy-2026-04"}
    assert codes_in("様式 ja-2026-04 ・ ja-easy-2026-04", values) == both
    assert codes_in("様式 日本語版（2026年4月）", values) == set()
    printed = VisibleText()
    printed.feed("<p>様式 <code>ja-2026-04</code></p>")
    assert codes_in(" ".join(printed.text), values) == set()


def test_an_import_dry_run_shows_labels_not_codes(app, client, auth, world, tmp_path, monkeypatch):
    from roster.imports.review import show_value
    from roster.models import CareLevel

    from .test_import_upload import HEADER, changed_row, upload

    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path / "imports"))
    auth.login("t_staff")
    person = world["consenting"]
    row = changed_row(person).replace("要介護3", "要介護5")
    data = (HEADER + row + "\r\n").encode("cp932")
    page = upload(client, data).get_data(as_text=True)
    text = VisibleText()
    text.feed(page)
    visible = " ".join(text.text)
    assert "要介護3 → 要介護5" in visible  # the change is there, in words
    assert not codes_in(visible, enum_values())
    with app.test_request_context():
        assert show_value(True) == "はい" and show_value(False) == "いいえ"
        assert show_value(CareLevel.CARE_3) != "care_3"


def test_an_imported_person_not_yet_asked_shows_one_tag_that_says_so(client, auth, db, world,
                                                                     factory):
    from roster.models import Household, Mobility

    factory.registrant(world["districts"][0], name="取込 未聴取", household=Household.UNKNOWN,
                       mobility=Mobility.UNKNOWN)
    auth.login("t_staff")
    page = client.get("/registrants/").get_data(as_text=True)
    row = next(r for r in page.split("<tr") if "取込 未聴取" in r)
    tags = re.findall(r'<span class="tag">([^<]*)</span>', row)
    assert tags == ["生活状況は未確認"]


def test_consent_form_versions_read_as_words_on_round_and_person_pages(client, auth, db, world):
    from roster.models import MailingRound

    from .test_rounds import new_round, reply

    auth.login("t_staff")
    mailing = db.get(MailingRound, new_round(client))
    member = mailing.members[0]
    assert reply(client, member.reference).status_code == 302
    pages = ["/rounds/", f"/rounds/{mailing.id}", f"/registrants/{member.registrant_id}"]
    for url in pages:
        text = VisibleText()
        text.feed(client.get(url).get_data(as_text=True))
        visible = " ".join(text.text)
        assert not codes_in(visible, enum_values()), url
        assert "日本語版（2026年4月）" in visible, url
    client.post("/locale", data={"locale": "en"})
    english = client.get(f"/rounds/{mailing.id}").get_data(as_text=True)
    assert "Japanese form (April 2026)" in english


def test_a_form_version_label_reads_each_language_and_leaves_typed_text(app):
    from roster.labels import form_version_label

    with app.test_request_context():
        assert form_version_label("ja-easy-2026-04") == "やさしい日本語版（2026年4月）"
        assert form_version_label("en-2027-10") == "英語版（2027年10月）"
        assert form_version_label("2026年版 手書き") == "2026年版 手書き"
        assert form_version_label("ja-2026-13") == "ja-2026-13"
        assert form_version_label(None) == ""
