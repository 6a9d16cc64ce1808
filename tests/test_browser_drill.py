"""A small drill end to end in headless Chromium: a drill planner plans and starts it, a
民生委員 reports on the phone page at 375 px with a finding, staff end it, and the after-action
report prints on A4 -- with every page saying 訓練.

Needs Debian's chromium and the playwright package, as tests/test_browser.py does: without
them the tests skip, and with ROSTER_REQUIRE_BROWSER=1 they fail instead.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .live import served_demo
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_browser

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A small demo served on a free port: (its URL, its database file)."""
    _require_browser()
    with served_demo(tmp_path_factory.mktemp("live-drill")) as demo:
        yield demo.url, demo.database


def signed_in(browser: Any, url: str, user: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="ja-JP")
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("#username", user)
    page.fill("#password", "demo")
    page.click("button.primary")
    return page


def plan_and_start(page: Any, url: str) -> tuple[int, int]:
    """The planner plans a drill over every district with the partner taking part and starts
    it: (scenario id, operation id)."""
    page.goto(url + "/drills/new")
    page.fill("input[name=name]", "ブラウザ訓練")
    page.fill("input[name=planned_start]", "2026-12-05 09:00")
    page.fill("input[name=planned_end]", "2026-12-05 12:00")
    page.select_option("select[name=hazard]", "earthquake")
    for box in page.locator("input[name=districts]").all():
        box.check()
    for box in page.locator("input[name=organisations]").all():
        box.check()
    page.select_option("select[name='objectives-0-kind']", "share_confirmed")
    page.fill("input[name='objectives-0-percent']", "50")
    page.fill("input[name='objectives-0-minutes']", "60")
    page.click("form button.primary")
    scenario = int(re.search(r"/drills/(\d+)$", page.url).group(1))  # type: ignore[union-attr]
    page.screenshot(path=str(ARTIFACTS / "drill-01-preview-1280.png"), full_page=True)
    page.check("form.drill-start input[name=confirm]")
    page.click("form.drill-start button.primary")
    board = page.locator("a[href^='/safety/']").filter(has_text="状況").first
    href = board.get_attribute("href") if board.count() else None
    if href is None:
        href = page.locator("a[href^='/safety/']").last.get_attribute("href")
    operation = int(re.search(r"/safety/(\d+)", href).group(1))  # type: ignore[union-attr,arg-type]
    return scenario, operation


def test_a_small_drill_runs_end_to_end(live: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    url, database = live
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        planner = signed_in(browser, url, "planner", DESKTOP)
        scenario, operation = plan_and_start(planner, url)
        with sqlite3.connect(database) as conn:
            kind = conn.execute("SELECT kind FROM safety_operations WHERE id = ?",
                                (operation,)).fetchone()
        assert kind == ("drill",)

        phone = signed_in(browser, url, "partner", PHONE)
        phone.goto(f"{url}/portal/safety/{operation}")
        assert "訓練" in phone.locator("h1").inner_text() or "訓練" in phone.title()
        card = phone.locator(".card").first
        person = int(card.get_attribute("data-person"))
        for value in ("unreachable", "supporter_unavailable", "phone"):
            card.locator(f"label:has(input[value='{value}'])").first.click()
        card.locator("button.send").click()
        card.locator(".sent-state", has_text="送信済み").wait_for(timeout=20000)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        phone.screenshot(path=str(ARTIFACTS / "drill-02-phone-375.png"))
        with sqlite3.connect(database) as conn:
            stored = conn.execute(
                "SELECT registrant_id, status, findings FROM safety_reports "
                "WHERE operation_id = ?", (operation,)).fetchall()
        assert [(r, s) for r, s, _f in stored] == [(person, "unreachable")]
        assert "supporter_unavailable" in stored[0][2]

        staff = signed_in(browser, url, "staff", DESKTOP)
        staff.goto(f"{url}/drills/{scenario}")
        staff.check("form.drill-end input[name=confirm]")
        staff.click("form.drill-end button.primary")
        staff.goto(f"{url}/drills/{scenario}/report")
        assert "訓練" in staff.content()
        staff.emulate_media(media="print")
        pdf = staff.pdf(path=str(ARTIFACTS / "drill-03-report-A4.pdf"), format="A4")
        staff.screenshot(path=str(ARTIFACTS / "drill-03-report-print.png"), full_page=True)
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 1
        with sqlite3.connect(database) as conn:
            ended = conn.execute("SELECT ended_at FROM safety_operations WHERE id = ?",
                                 (operation,)).fetchone()
        assert ended[0] is not None
        browser.close()
