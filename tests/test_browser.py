"""End to end in headless Chromium: the demo served as `make run` serves it, used as people do.

Needs Debian's chromium and the playwright package. Without them the tests skip and say what
is missing; with ROSTER_REQUIRE_BROWSER=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _missing() -> str | None:
    if CHROMIUM is None:
        return "Debian's chromium (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package (pip install playwright)"
    return None


def _require_browser() -> None:
    missing = _missing()
    if missing is None:
        return
    if os.environ.get("ROSTER_REQUIRE_BROWSER"):
        pytest.fail(f"browser tests are required here but {missing} is missing")
    pytest.skip(f"browser tests need {missing}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo database and the app serving it, in a separate process, as `make run` does."""
    from .live import served_demo

    _require_browser()
    with served_demo(tmp_path_factory.mktemp("live")) as demo:
        yield demo.url


@pytest.fixture()
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(browser: object, server: str, username: str) -> object:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.click("button.primary")
    return page


def shot(page: object, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_staff_find_a_person_and_record_their_consent(browser, server):
    page = sign_in(browser, server, "staff")
    assert "名簿" in page.title()
    assert page.locator(".demo-banner").is_visible()
    shot(page, "01-staff-register")
    first_name = page.locator("table.register tbody tr td:nth-child(2) a").first.inner_text()
    page.fill("input[name=q]", first_name.split()[0])
    page.click("form.filters button.primary")
    assert first_name.split()[0] not in page.url
    page.click(f"text={first_name}")
    shot(page, "02-staff-detail")
    assert "昭和" in page.content() or "平成" in page.content() or "大正" in page.content()
    page.click("a[href$='/consent/new']")
    page.select_option("#purpose", "register_sharing")
    page.select_option("#state", "consented")
    page.select_option("#method", "visit")
    page.fill("#decided_on", "2026-11-01")
    page.check("input[name=scope][value=minsei_iin]")
    page.check("input[name=scope][value=fire]")
    page.fill("#proxy_name", "試験 一郎")
    page.fill("#proxy_relation", "長男")
    shot(page, "03-consent-form")
    page.click("button.primary")
    assert "同意の記録を追加しました" in page.content()
    history = page.locator("table.history tbody tr").first.inner_text()
    assert "試験 一郎" in history
    shot(page, "04-consent-history")


def test_a_stale_edit_is_refused_in_the_browser(browser, server):
    page = sign_in(browser, server, "staff")
    page.click("table.register tbody tr td:first-child a >> nth=0")
    edit_url = page.url + "/edit"
    other = page.context.new_page()
    page.goto(edit_url)
    other.goto(edit_url)
    other.fill("#phone", "042-400-0001")
    other.click("form.record button.primary")
    page.fill("#phone", "042-400-0002")
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.click("form.record button.primary")
    assert response.value.status == 409
    shot(page, "05-stale-edit-409")
    assert page.locator(".error-summary").is_visible()


def test_partner_and_planner_see_only_what_they_may(browser, server):
    partner = sign_in(browser, server, "partner")
    shot(partner, "06-partner-register")
    assert partner.locator("p.notice").is_visible()
    headers = partner.locator("table.register thead").inner_text()
    assert "同意" not in headers and "宛名番号" not in headers
    planner = sign_in(browser, server, "planner")
    shot(planner, "07-planner-register")
    assert planner.locator("input[name=q]").count() == 0
    assert "氏名" not in planner.locator("table.register thead").inner_text()


def test_the_header_switches_to_english(browser, server):
    page = sign_in(browser, server, "admin")
    page.click("button[name=locale][value=en]")
    assert "Users" in page.content() and "Sign out" in page.content()
    shot(page, "08-admin-users-en")
    page.goto(server + "/admin/audit/")
    shot(page, "09-audit-en")
    assert "registrant.view" in page.content() or "login" in page.content()


def test_a_printed_round_has_one_form_per_page(browser, server):
    import re

    page = sign_in(browser, server, "staff")
    page.goto(server + "/rounds/new")
    page.fill("#title", "ブラウザ試験の回")
    page.select_option("#target", "unanswered")
    page.select_option("#district_id", index=5)
    page.select_option("#language", "ja")
    page.click("form button.primary")
    shot(page, "10-round-preview")
    page.click("form button[name=create]")
    members = page.locator("table.register tbody tr").count()
    assert members > 0
    shot(page, "10-round-detail")
    page.click("a[href$='/print']")
    page.emulate_media(media="print")
    shot(page, "11-round-print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (ARTIFACTS / "round.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == members


def test_replies_are_recorded_from_the_keyboard(browser, server):
    page = sign_in(browser, server, "staff")
    page.goto(server + "/rounds/")
    assert page.locator("table.register tbody tr").count() >= 2
    shot(page, "12-rounds")
    page.click("text=2026年度 新規対象者 第2回")
    codes = page.locator("table.register tbody td code").all_inner_texts()[:2]
    page.goto(server + "/rounds/reply")
    for code in codes:
        # autofocus puts the cursor in the code box, ready for the next form
        page.wait_for_function("document.activeElement && document.activeElement.id === "
                               "'reference'", timeout=10_000)
        page.keyboard.type(code.lower())
        page.check("input[name=answer][value=agree]")
        page.check("input[name=scope][value=minsei_iin]")
        page.press("#reference", "Enter")
        assert "記録しました" in page.locator(".flash").inner_text()
    shot(page, "13-reply-screen")
    page.goto(server + "/dashboard/")
    shot(page, "14-dashboard")
    assert page.locator("svg[role=img]").count() > 0


def test_a_partner_prints_the_list_with_a_watermark_on_every_page(browser, server):
    import re

    page = sign_in(browser, server, "partner")
    assert page.url.endswith("/portal/")
    shot(page, "30-partner-portal")
    people = int(re.search(r"(\d+)人", page.locator("main").inner_text()).group(1))
    assert people > 0
    page.click("main a[href='/portal/copy?format=print']")
    page.click("form[action$='/portal/print'] button")
    page.wait_for_url(re.compile(r"/portal/prints/\d+$"))
    copy = re.search(r"第(\d+)部", page.content())
    assert copy, "the copy number is on the page"
    shot(page, "31-partner-print")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", landscape=True, prefer_css_page_size=True, print_background=True)
    (ARTIFACTS / "partner-list.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 2, "the demo partner's list runs over several pages"
    # The watermark and the notice are fixed elements, which Chromium repeats on every page.
    head = page.locator(".wm-head")
    assert copy.group(0) in head.inner_text() and "民生委員" in head.inner_text()
    assert head.evaluate("e => getComputedStyle(e).position") == "fixed"
    assert page.locator(".wm-diagonal").evaluate("e => getComputedStyle(e).position") == "fixed"
    assert "第49条の13" in page.content()
    # The copy is in the ledger: staff see it there.
    staff = sign_in(browser, server, "staff")
    staff.goto(server + "/partners/")
    staff.locator("table").get_by_role(
        "link", name="西東京市民生委員児童委員協議会 第1地区（デモ）", exact=True
    ).click()
    staff.locator("a[href$='/ledger']").first.click()
    shot(staff, "32-staff-ledger")
    assert f"第{copy.group(1)}部" in staff.content()


def test_the_person_page_shows_where_the_location_comes_from(browser, server):
    page = sign_in(browser, server, "staff")
    page.goto(server + "/registrants/?precision=chome")
    page.locator("table.register tbody tr td:nth-child(2) a").first.click()
    facts = page.locator("table.facts").nth(1).inner_text()
    assert "位置の精度" in facts and "町丁目（町丁目の代表点）" in facts
    assert "出典：Geolonia 住所データ（CC BY 4.0）、国土交通省 位置参照情報" in facts
    shot(page, "30-person-location-precision")
    page.goto(server + "/dashboard/")
    assert "地図上の位置の精度" in page.content()
    shot(page, "31-dashboard-precision")
    page.goto(server + "/maps/")
    legend = page.locator(".map-legend").inner_text()
    assert "概略の位置" in legend and "Geolonia" in legend
    shot(page, "32-map-approximate-points")
