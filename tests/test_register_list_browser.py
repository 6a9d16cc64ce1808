"""The staff register list on a tablet (768 px) and a desktop (1280 px), in headless Chromium:
phone numbers stay on one line, and once people are ticked the bulk action bar stays in view
while the list scrolls. Screenshots go to tests/artifacts (register-list-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .live import LiveDemo, served_demo
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_browser

pytestmark = pytest.mark.browser

SIZES = {"tablet": {"width": 768, "height": 1024}, "desktop": {"width": 1280, "height": 800}}

#: The phone cells whose number takes more than one line.
WRAPPED_PHONES = """() => [...document.querySelectorAll('table.register td.phone')].filter(td => {
  const range = document.createRange();
  range.selectNodeContents(td);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
  return tops.size > 1;
}).map(td => td.textContent.trim())"""
BAR_TOP = "() => document.querySelector('.bulk-bar').getBoundingClientRect().top"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    _require_browser()
    with served_demo(tmp_path_factory.mktemp("live-register-list")) as live:
        yield live


@pytest.fixture(scope="module")
def chromium(demo: LiveDemo) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_phones_stay_on_one_line_and_the_bulk_bar_follows_the_ticked_list(
    chromium: Any, demo: LiveDemo, size: str
) -> None:
    page = chromium.new_context(viewport=SIZES[size], locale="ja-JP").new_page()
    page.goto(demo.url + "/login")
    page.fill("#username", "staff")
    page.fill("#password", "demo")
    page.click("button.primary")
    page.goto(demo.url + "/registrants/")
    assert page.locator("table.register td.phone").count() > 5
    assert page.evaluate(WRAPPED_PHONES) == []
    page.screenshot(path=str(ARTIFACTS / f"register-list-{size}.png"))
    # Nobody ticked: the bar scrolls away with the page.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert page.evaluate(BAR_TOP) < 0
    # Someone ticked: the bar stays at the top of the screen, wherever the list is.
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("table.register input.tick").nth(2).check()
    for where in ("document.body.scrollHeight / 2", "document.body.scrollHeight"):
        page.evaluate(f"window.scrollTo(0, {where})")
        top = page.evaluate(BAR_TOP)
        assert 0 <= top <= 2, (where, top)
    assert page.locator(".bulk-bar button[value=status]").is_visible()
    page.screenshot(path=str(ARTIFACTS / f"register-list-{size}-ticked.png"))


#: How many lines the tallest address cell takes.
ADDRESS_LINES = """() => Math.max(
  ...[...document.querySelectorAll('table.register td.address')].map(td => {
  const range = document.createRange();
  range.selectNodeContents(td);
  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
}))"""


@pytest.mark.parametrize("size", list(SIZES))
def test_addresses_keep_a_readable_width_the_scroll_is_shown_and_ticks_are_counted(
    chromium: Any, demo: LiveDemo, size: str
) -> None:
    page = chromium.new_context(viewport=SIZES[size], locale="ja-JP").new_page()
    page.goto(demo.url + "/login")
    page.fill("#username", "staff")
    page.fill("#password", "demo")
    page.click("button.primary")
    page.goto(demo.url + "/registrants/")
    assert page.evaluate(ADDRESS_LINES) <= 3
    table = page.locator("table.register")
    wider = page.evaluate("t => t.scrollWidth > t.clientWidth", table.element_handle())
    assert page.locator("p.scroll-hint").is_visible() == (size == "tablet")
    if size == "tablet":
        assert wider  # the table scrolls in its box, and the hint says so
    count = page.locator(".bulk-bar .ticked-count")
    assert not count.is_visible()
    ticks = page.locator("table.register input.tick")
    ticks.nth(0).check()
    ticks.nth(1).check()
    assert count.inner_text() == "2人選択中"
    page.screenshot(path=str(ARTIFACTS / f"register-list-{size}-counted.png"))
    ticks.nth(0).uncheck()
    ticks.nth(1).uncheck()
    assert not count.is_visible()
