"""The partner's phone page in headless Chromium at 375 px: a report made offline waits on the
phone, goes when the connection returns, and is stored once; sign-out clears the queue.

Needs Debian's chromium and the playwright package, as tests/test_browser.py does: without
them the tests skip, and with ROSTER_REQUIRE_BROWSER=1 they fail instead.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .live import served_demo
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_browser

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}

START_OPERATION = """
from sqlalchemy import select
from roster import create_app
from roster.extensions import db
from roster.models import District, User
from roster.safety.operations import OperationPlan, start_operation
from roster.viewer import viewer_of

app = create_app()
with app.app_context():
    staff = db.session.scalar(select(User).where(User.username == "staff"))
    plan = OperationPlan(name="令和8年台風第10号 安否確認", disaster="令和8年台風第10号",
                         districts=list(db.session.scalars(select(District))))
    operation = start_operation(db.session, viewer_of(staff), plan)
    db.session.commit()
    print(operation.id)
"""


class Live:
    def __init__(self, url: str, database: Path, operation_id: int) -> None:
        self.url, self.database, self.operation_id = url, database, operation_id

    def reports(self) -> list[tuple[int, str, str]]:
        """(registrant, status, client ID) of every stored report."""
        with sqlite3.connect(self.database) as conn:
            rows = conn.execute("SELECT registrant_id, status, client_id FROM safety_reports")
            return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The demo with a running operation over every district, served as test_browser does."""
    _require_browser()
    folder = tmp_path_factory.mktemp("live-safety")
    with served_demo(folder, prepare=START_OPERATION) as demo:
        yield Live(demo.url, demo.database, int(demo.prepared.strip().splitlines()[-1]))


@pytest.fixture()
def phone(live: Live, request: pytest.FixtureRequest) -> Iterator[object]:
    """A partner signed in on a 375 px phone. A test marked `routed` cuts or loses the API's
    answers with Playwright's routing, which does not see a request once a service worker
    controls the page (even one that lets the API through): its phone runs without one."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    workers = "block" if request.node.get_closest_marker("routed") else "allow"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport=PHONE, locale="ja-JP", is_mobile=True,
                                       has_touch=True, service_workers=workers)
        page = context.new_page()
        page.goto(live.url + "/login")
        page.fill("#username", "partner")
        page.fill("#password", "demo")
        page.click("button.primary")
        yield page
        chromium.close()


def shot(page: object, name: str, card: object = None) -> None:
    """The viewport as the phone shows it, with `card` at the top under the waiting count."""
    if card is not None:
        card.evaluate("el => el.scrollIntoView({block: 'start'})")  # type: ignore[attr-defined]
        page.evaluate("window.scrollBy(0, -90)")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))  # type: ignore[attr-defined]


def wait_queued(page: object, n: int, seconds: float = 10) -> int:
    """The queue's length once it is n, or what it is after `seconds`: the count on the page
    shows as the report is handed to IndexedDB, whose write ends a moment later."""
    deadline = time.monotonic() + seconds
    found = queued(page)
    while found != n and time.monotonic() < deadline:
        time.sleep(0.1)
        found = queued(page)
    return found


def scroll_width(page: object) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))  # type: ignore[attr-defined]


def queued(page: object) -> int:
    """How many reports wait in the page's IndexedDB queue."""
    return int(page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("roster-safety", 1);
        open.onupgradeneeded = () =>
            open.result.createObjectStore("reports", {keyPath: "client_id"});
        open.onsuccess = () => {
            const count = open.result.transaction("reports").objectStore("reports").count();
            count.onsuccess = () => { open.result.close(); resolve(count.result); };
            count.onerror = () => reject(count.error);
        };
        open.onerror = () => reject(open.error);
    })"""))  # type: ignore[attr-defined]


def test_a_report_made_offline_is_sent_when_online_and_stored_once(live: Live, phone) -> None:
    page = phone
    page.goto(live.url + "/portal/")
    page.click("main a[href='/portal/safety/']")
    shot(page, "safety-01-operations-375")
    assert scroll_width(page) <= 375
    page.click(f"a[href='/portal/safety/{live.operation_id}']")
    # The service worker takes the page over (clients.claim) once it has kept the shell.
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10000)
    assert scroll_width(page) <= 375
    shot(page, "safety-02-people-375")
    card = page.locator(".card").first
    person = int(card.get_attribute("data-person"))
    before = live.reports()

    page.context.set_offline(True)
    card.locator("label.choice", has_text="無事（自宅）").click()
    card.locator("button.send").click()
    assert card.locator(".form-error").is_visible()  # no method: refused on the page
    assert "確認方法" in card.locator(".form-error").inner_text()
    card.locator("label.choice", has_text="訪問").click()
    card.locator("textarea[name=note]").fill("玄関で本人と会話")
    card.locator("button.send").click()
    pending = page.locator("#pending")
    pending.wait_for(state="visible")
    assert pending.inner_text() == "送信待ち 1 件"
    assert card.locator(".status-label").inner_text() == "無事（自宅）"
    said = card.locator(".sent-report")
    assert said.is_visible()
    for words in (
        "の報告 — 送信待ち",
        "状態: 無事（自宅）",
        "確認方法: 訪問",
        "備考: 玄関で本人と会話",
    ):
        assert words in said.inner_text(), words
    assert "避難先" not in said.inner_text()
    assert wait_queued(page, 1) == 1
    assert live.reports() == before
    shot(page, "safety-03-offline-waiting-375", card)
    assert scroll_width(page) <= 375

    page.context.set_offline(False)
    pending.wait_for(state="hidden", timeout=40000)
    assert wait_queued(page, 0) == 0
    assert card.locator(".sent-state").inner_text() == "送信済み"
    assert "の報告 — 送信済み" in said.inner_text() and "確認方法: 訪問" in said.inner_text()
    shot(page, "safety-04-sent-375", card)
    new = [row for row in live.reports() if row not in before]
    assert len(new) == 1
    registrant, status, client_id = new[0]
    assert (registrant, status) == (person, "safe_home") and len(client_id) == 36

    # Reloaded, the confirmed person has moved behind everyone still to confirm: the last page.
    page.reload()
    while page.locator("a[rel=next]").count():
        page.click("a[rel=next]")
    assert page.locator(f".card[data-person='{person}'] .status-label").inner_text() == (
        "無事（自宅）")
    assert [row for row in live.reports() if row not in before] == new


@pytest.mark.routed
def test_sign_out_warns_while_reports_wait_and_clears_them(live: Live, phone) -> None:
    page = phone
    page.goto(f"{live.url}/portal/safety/{live.operation_id}")
    # The API is unreachable: the report waits.
    page.context.route("**/api/v1/safety/**", lambda route: route.abort())
    card = page.locator(".card").nth(1)
    card.locator("label.choice", has_text="避難済み").click()
    card.locator("label.choice", has_text="親族・知人宅").click()
    card.locator("label.choice", has_text="電話").click()
    card.locator("button.send").click()
    page.locator("#pending").wait_for(state="visible")
    assert wait_queued(page, 1) == 1
    asked: list[str] = []

    def answer(dialog: object) -> None:
        asked.append(dialog.message)  # type: ignore[attr-defined]
        dialog.accept()  # type: ignore[attr-defined]

    page.on("dialog", answer)
    page.click("header.site form[action='/logout'] button")
    page.wait_for_url("**/login")
    assert asked and "1 件" in asked[0]
    assert wait_queued(page, 0) == 0
    assert scroll_width(page) <= 375


@pytest.mark.routed
def test_a_report_whose_answer_is_lost_is_sent_again_and_stored_once(live: Live, phone) -> None:
    """The report reaches the server but the answer never reaches the phone: the phone keeps
    it, sends it again with the same client ID, and the server stores nothing new."""
    page = phone
    page.goto(f"{live.url}/portal/safety/{live.operation_id}")
    lost: list[str] = []

    def lose_the_first_answer(route: object) -> None:
        if lost:
            route.continue_()  # type: ignore[attr-defined]
            return
        route.fetch()  # type: ignore[attr-defined]  # the server stores it...
        lost.append(route.request.post_data)  # type: ignore[attr-defined]
        route.abort()  # type: ignore[attr-defined]  # ...and the phone hears nothing

    page.context.route("**/api/v1/safety/**", lose_the_first_answer)
    card = page.locator(".card").nth(2)
    person = int(card.get_attribute("data-person"))
    before = live.reports()
    card.locator("label.choice", has_text="要支援").click()
    card.locator("label.choice", has_text="本人・家族から").click()
    card.locator("button.send").click()
    for _ in range(100):  # the first answer is being lost
        if lost:
            break
        page.wait_for_timeout(100)
    assert len(lost) == 1 and page.locator("#pending").inner_text() == "送信待ち 1 件"
    stored = [row for row in live.reports() if row not in before]
    assert [(r, s) for r, s, _c in stored] == [(person, "needs_help")]
    page.context.set_offline(True)
    page.context.set_offline(False)  # the connection "returns": the phone sends again
    page.locator("#pending").wait_for(state="hidden", timeout=40000)
    assert wait_queued(page, 0) == 0
    assert [row for row in live.reports() if row not in before] == stored
