"""In Chromium: staff find a caller's family member by the phone number typed in full width,
edit them, and read the change in the person's 変更履歴, on a desktop and a phone-sized screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_browser

pytestmark = pytest.mark.browser

PREPARE = """
from sqlalchemy import select
from roster import create_app
from roster.extensions import db
from roster.models import Registrant
app = create_app()
with app.app_context():
    p = db.session.scalars(select(Registrant).where(Registrant.phone.is_not(None))
                           .order_by(Registrant.id).offset(50)).first()
    print(p.id, p.phone, p.name.split()[1], sep="\\t")
"""
WIDE = str.maketrans("0123456789-", "０１２３４５６７８９－")
SIZES = {"desktop": (1366, 900), "375": (375, 800)}
WIDTHS = """() => {
  const table = document.querySelector('table.person-changes');
  const shown = document.documentElement.scrollWidth;
  table.style.display = 'none';
  const hidden = document.documentElement.scrollWidth;
  table.style.display = '';
  return [shown, hidden];
}"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from .live import served_demo

    _require_browser()
    with served_demo(tmp_path_factory.mktemp("search"), prepare=PREPARE) as live:
        yield live


def staff_page(pw: object, url: str, size: str) -> object:
    chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    width, height = SIZES[size]
    page = chromium.new_context(viewport={"width": width, "height": height},
                                locale="ja-JP").new_page()
    page.goto(url + "/login")
    page.fill("#username", "staff")
    page.fill("#password", "demo")
    page.click("button.primary")
    return page


@pytest.mark.parametrize("size", SIZES)
def test_staff_find_by_a_full_width_phone_number_and_read_the_change_history(demo, size):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    person_id, phone, _given = demo.prepared.strip().split("\t")
    with sync_playwright() as pw:
        page = staff_page(pw, demo.url, size)
        page.goto(demo.url + "/registrants/")
        page.fill("input[name=q]", phone.translate(WIDE))
        page.click("form.filters button.primary")
        assert phone.replace("-", "") not in page.url and "%EF%BC" not in page.url
        rows = page.locator("table.register tbody tr")
        assert rows.count() >= 1
        page.screenshot(path=str(ARTIFACTS / f"search-phone-{size}.png"), full_page=True)
        page.goto(f"{demo.url}/registrants/{person_id}/edit")
        page.fill("#language_note", f"ベトナム語 {size}")
        page.click("form button.primary")
        section = page.locator("section.change-history")
        assert "ベトナム語" in section.inner_text() and "編集画面" in section.inner_text()
        section.screenshot(path=str(ARTIFACTS / f"history-section-{size}.png"))
        page.click("section.change-history a")
        page.wait_for_url(f"**/registrants/{person_id}/history")
        assert "変更履歴" in page.title()
        page.screenshot(path=str(ARTIFACTS / f"history-page-{size}.png"), full_page=True)
        # The page's own frame may be wider than a phone; the history adds no width to it.
        with_table, without = page.evaluate(WIDTHS)
        assert with_table == without, "the change history makes the page scroll sideways"
