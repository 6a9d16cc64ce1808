"""In headless Chromium: results typed back from a check sheet with the keyboard only, and a
shelter's reception recording an arrival on a phone. The demo is served with a running
operation over every district (made here, as the demo's own operation may not exist).

Skips like tests/test_browser.py when chromium or playwright is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .live import served_demo
from .test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    _require_browser,
    shot,
)

pytestmark = pytest.mark.browser

#: Starts an operation over every district and prints its ID and one of its people's.
SEED = """
from sqlalchemy import select
from roster import create_app
from roster.extensions import db
from roster.models import District, User
from roster.safety.operations import OperationPlan, start_operation, targets
from roster.viewer import viewer_of
app = create_app()
with app.app_context():
    staff = viewer_of(db.session.scalars(select(User).where(User.username == "staff")).one())
    districts = list(db.session.scalars(select(District)))
    plan = OperationPlan(name="試験 安否確認", disaster="試験地震", districts=districts)
    operation = start_operation(db.session, staff, plan)
    first = targets(db.session, staff, operation)[0]
    db.session.commit()
    print(operation.id, first.registrant_id, first["name"])
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The demo with a running operation, served in its own process: (URL, seed output)."""
    _require_browser()
    folder = tmp_path_factory.mktemp("paper")
    with served_demo(folder, registrants=300, prepare=SEED) as demo:
        yield demo.url, demo.prepared.strip().split(maxsplit=2)


@pytest.fixture()
def chromium(served: tuple[str, list[str]]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(chromium: object, url: str, username: str, width: int = 1280) -> object:
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.click("button.primary")
    return page


def test_a_result_is_typed_from_the_paper_with_the_keyboard_only(chromium, served):
    url, (operation_id, person_id, name) = served
    page = sign_in(chromium, url, "staff")
    page.goto(f"{url}/safety/{operation_id}/entry")
    from playwright.sync_api import expect

    expect(page.locator("#number")).to_be_focused()
    page.keyboard.type("99999999")
    expect(page.locator("#who")).to_contain_text("この安否確認の対象にいません")
    expect(page.locator("#who")).to_have_class("who bad")
    page.fill("#number", "")
    page.keyboard.type(person_id)
    expect(page.locator("#who")).to_contain_text(name)
    page.keyboard.press("Enter")  # to the status keys
    page.keyboard.press("3")  # 要支援
    page.keyboard.press("t")  # 電話
    page.keyboard.type("薬が切れている")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "記録しました" in page.locator(".flash").inner_text()
    expect(page.locator("#number")).to_be_focused()
    latest = page.locator("table.recent tbody tr").first.inner_text()
    assert name in latest and "要支援" in latest and "電話" in latest
    assert page.locator("input[name=status]:checked").count() == 0
    shot(page, "safety-entry")


def test_an_arrival_is_recorded_at_the_reception_on_a_phone(chromium, served):
    url, (operation_id, person_id, name) = served
    page = sign_in(chromium, url, "staff", width=375)
    page.goto(f"{url}/safety/{operation_id}/arrivals")
    assert page.locator("#shelter").input_value() == ""  # among many, none is chosen
    page.select_option("#shelter", index=1)
    page.fill("#number", person_id)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "到着を記録しました" in page.locator(".flash").inner_text()
    assert name in page.locator("ul.list").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "safety-arrivals-375")


def test_a_printed_sheet_has_as_many_a4_pages_as_its_page_numbers_say(chromium, served):
    import re

    url, (operation_id, _person, _name) = served
    page = sign_in(chromium, url, "staff")
    page.goto(f"{url}/safety/{operation_id}/sheets")
    page.select_option("#target", index=1)  # the first district
    with page.expect_navigation():
        page.click("form.sheets button.primary")
    numbered = page.locator(".sheet-page").count()
    assert numbered >= 2
    assert f"{numbered} / {numbered}" in page.locator(".sheet-page").last.inner_text()
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == numbered
    (ARTIFACTS / "safety-sheet.pdf").write_bytes(pdf)
