"""In Chromium: staff tick people in the register to print a sheet each and change their
status, export the list, and read the city-wide ledger; screenshots at 375, 768 and 1366 px."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from .test_browser import ARTIFACTS, browser, sign_in  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from .live import served_demo
    from .test_browser import _require_browser

    _require_browser()
    with served_demo(tmp_path_factory.mktemp("tools"), registrants=200) as demo:
        yield demo.url


def _shots(page: object, name: str) -> None:
    """The page at a phone's, a tablet's and a desktop's width."""
    for width in (375, 768, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"tools-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def _overflow(page: object, width: int) -> int:
    """How many pixels the page is wider than the window at `width`."""
    page.set_viewport_size({"width": width, "height": 900})
    extra = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.set_viewport_size({"width": 1366, "height": 900})
    return int(extra)


def test_staff_print_a_sheet_for_each_person_ticked(browser, server):  # noqa: F811
    page = sign_in(browser, server, "staff")
    page.goto(server + "/registrants/")
    boxes = page.locator("input[name='ids']")
    for i in range(3):
        boxes.nth(i).check()
    _shots(page, "list")
    with page.context.expect_page() as opened:
        page.click("button[value='print']")
    sheets = opened.value
    sheets.wait_for_load_state()
    assert sheets.locator("section.sheet").count() == 3
    assert "/bulk" in sheets.url and "?" not in sheets.url, "the selection is not in the URL"
    _shots(sheets, "sheets")
    sheets.emulate_media(media="print")
    pdf = sheets.pdf(format="A4", prefer_css_page_size=True)
    (ARTIFACTS / "tools-sheets.pdf").write_bytes(pdf)
    heights = sheets.evaluate(
        "[...document.querySelectorAll('section.sheet')].map(s => s.scrollHeight)"
    )
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 3, heights


def test_all_on_this_page_ticks_every_row_and_a_status_change_is_confirmed(
    browser, server  # noqa: F811
):
    page = sign_in(browser, server, "staff")
    page.goto(server + "/registrants/")
    page.check("input[data-ticks-all]")
    rows = page.locator("input[name='ids']")
    assert rows.count() > 0 and all(rows.nth(i).is_checked() for i in range(rows.count()))
    rows.nth(0).uncheck()
    assert not page.locator("input[data-ticks-all]").is_checked()
    page.uncheck("input[name='ids'] >> nth=1")
    page.click("button[value='status']")
    _shots(page, "status-choose")
    assert _overflow(page, 375) <= 0
    page.select_option("#status", "institutionalised")
    page.click("form button.primary")
    text = page.locator(".confirm-count").inner_text()
    assert re.search(r"\d+人の状態を「施設入所」に変更しますか", text), text
    _shots(page, "status-confirm")
    assert _overflow(page, 375) <= 0
    page.click("form button.primary")
    assert "施設入所" in page.locator(".flash").first.inner_text()


def test_staff_export_the_list_with_a_purpose(browser, server):  # noqa: F811
    page = sign_in(browser, server, "staff")
    page.goto(server + "/registrants/")
    page.click("a[href^='/registrants/export']")
    page.click("form button.primary")  # no purpose yet
    assert page.locator("p.error").count() == 1
    _shots(page, "export-refused")
    assert _overflow(page, 375) <= 0
    page.select_option("#purpose", "drill")
    with page.expect_download() as download:
        page.click("form button.primary")
    assert download.value.suggested_filename.endswith(".xlsx")


def test_the_city_ledger_lists_every_organisations_copies(browser, server):  # noqa: F811
    page = sign_in(browser, server, "staff")
    page.click("nav a[href='/partners/ledger']")
    assert page.locator("table.ledger tbody tr").count() > 1
    _shots(page, "ledger")
    page.check("input[name='outstanding']")
    page.click("form.ledger-filter button.primary")
    assert "outstanding=1" in page.url
    _shots(page, "ledger-outstanding")
    assert _overflow(page, 768) <= 0


def test_staff_add_people_ticked_to_a_round_not_yet_sent(browser, server):  # noqa: F811
    page = sign_in(browser, server, "staff")
    page.goto(server + "/rounds/new")
    page.fill("#title", "一括追加の試験の回")
    page.select_option("#target", "unanswered")
    page.select_option("#district_id", "0")  # every district: a 200-person demo has few per town
    page.select_option("#language", "ja")
    page.click("form button.primary")  # count first
    page.click("form button[name=create]")  # then create the counted round
    page.goto(server + "/registrants/?consent=refused")
    for i in range(2):
        page.locator("input[name='ids']").nth(i).check()
    page.click("button[value='round']")
    assert page.locator("input[name='round']:checked").count() == 0, "nothing chosen for you"
    _shots(page, "round-choose")
    page.get_by_label("一括追加の試験の回").check()
    page.click("form button.primary")
    confirm = page.locator(".confirm-count").inner_text()
    assert "2人を「一括追加の試験の回」に追加しますか" in confirm
    _shots(page, "round-confirm")
    assert _overflow(page, 375) <= 0
    page.click("form button.primary")
    assert "2人を「一括追加の試験の回」に追加しました" in page.content()
