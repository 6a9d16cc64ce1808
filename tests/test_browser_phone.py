"""Every page a partner reaches, on a 375 px phone, and the main staff pages on a 768 px
tablet, in headless Chromium: nothing scrolls sideways, and on the partner's pages every tap
target is at least 44 px. Each page is photographed into tests/artifacts (phone-*.png).

Needs Debian's chromium and the playwright package, as tests/test_browser.py does: without
them the tests skip, and with ROSTER_REQUIRE_BROWSER=1 they fail instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .live import LiveDemo, served_demo
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_browser

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
TABLET = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1024, "height": 768}
#: The smallest tap target a partner's page may have, in CSS pixels.
TARGET = 44

#: A disaster-time release running now over one of the demo partner's districts, so that
#: people shown only because of it appear (and are marked) on the partner's pages; prints
#: the register number of someone on the partner's list who has a plan.
START_RELEASE = """
from datetime import timedelta
from sqlalchemy import select
from roster import create_app
from roster.extensions import db
from roster.access.rule import visible_registrants
from roster.models import DisasterRelease, District, Plan, Registrant, User
from roster.models.base import utcnow
from roster.viewer import viewer_of

app = create_app()
with app.app_context():
    staff = db.session.scalar(select(User).where(User.username == "staff"))
    district = db.session.scalar(select(District).where(District.name == "田無町"))
    now = utcnow()
    db.session.add(DisasterRelease(
        name="令和8年 直下地震（試験）", legal_basis="49-11(3)",
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=2),
        declared_by=staff, declared_at=now, districts=[district],
    ))
    db.session.commit()
    partner = db.session.scalar(select(User).where(User.username == "partner"))
    shared = visible_registrants(viewer_of(partner)).join(Plan, Plan.registrant_id == Registrant.id)
    print(db.session.scalars(shared.with_only_columns(Registrant.id).limit(1)).first() or "")
"""

#: What overflows the page sideways, which tap targets are too small, and which table cells
#: are squeezed to a character a line. A link inside a sentence is exempt from the size
#: (WCAG 2.5.8's inline exception); nothing else is.
MEASURE = """(target) => {
  const root = document.documentElement;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > root.clientWidth + 1 && !el.closest('.wm-diagonal')) {
      wide.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
    }
  }
  const small = [];
  const targets = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(targets)) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    const parent = el.parentElement;
    const inSentence = el.tagName === 'A' && getComputedStyle(el).display === 'inline'
      && parent && parent.textContent.trim().length > el.textContent.trim().length + 10;
    if (inSentence) continue;
    if (r.width < target || r.height < target) {
      small.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}" `
                 + `${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  const squeezed = [];
  for (const cell of document.querySelectorAll('main td, main th')) {
    const text = cell.textContent.trim();
    const width = cell.getBoundingClientRect().width;
    if (getComputedStyle(cell).display.startsWith('table') && text.length >= 4
        && width > 0 && width < 48) {
      squeezed.push(text.slice(0, 20));
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
          wide: wide.slice(0, 5), small: small, squeezed: squeezed.slice(0, 5),
          fontSize: parseFloat(getComputedStyle(document.body).fontSize)};
}"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    _require_browser()
    with served_demo(tmp_path_factory.mktemp("live-phone"), prepare=START_RELEASE) as live:
        yield live


@pytest.fixture(scope="module")
def chromium(demo: LiveDemo) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def signed_in(chromium: Any, demo: LiveDemo, username: str, viewport: dict[str, int],
              **options: Any) -> Any:
    context = chromium.new_context(viewport=viewport, locale="ja-JP", **options)
    page = context.new_page()
    page.goto(demo.url + "/login")
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.click("button.primary")
    page.wait_for_load_state()
    return page


def check(page: Any, name: str, *, partner: bool) -> dict[str, Any]:
    """Photograph the page and fail on sideways overflow, on a table column squeezed to a
    character a line and, for a partner, on small targets or small type."""
    page.wait_for_load_state()
    assert page.title(), name
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
    found: dict[str, Any] = page.evaluate(MEASURE, TARGET)
    assert found["scrollWidth"] <= found["clientWidth"], (name, found["wide"])
    assert not found["squeezed"], (name, "a column a character wide", found["squeezed"])
    if partner:
        assert not found["small"], (name, found["small"])
        assert found["fontSize"] >= 16, (name, found["fontSize"])
    return found


# ---------------------------------------------------------------------------------------------
# The partner, on a phone.
# ---------------------------------------------------------------------------------------------


def test_the_sign_in_page_fits_a_phone(chromium: Any, demo: LiveDemo) -> None:
    context = chromium.new_context(viewport=PHONE, locale="ja-JP", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(demo.url + "/login")
    check(page, "p00-sign-in", partner=True)


def test_the_partners_list_is_cards_with_a_folded_menu(chromium: Any, demo: LiveDemo) -> None:
    page = signed_in(chromium, demo, "partner", PHONE, is_mobile=True, has_touch=True)
    assert page.url.endswith("/portal/")
    check(page, "p01-list", partner=True)
    row = page.locator("table.portal-list tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "grid"
    assert not page.locator("table.portal-list thead").is_visible()
    assert page.locator("table.portal-list tr.under-release .release-mark").count() > 0
    nav = page.locator("header.site nav")
    assert not nav.is_visible()
    page.click("details.site-menu > summary")
    assert nav.is_visible()
    assert nav.locator("a").all_inner_texts()[0] == "担当名簿"
    assert nav.locator("a[href='/registrants/']").count() == 0
    check(page, "p02-menu-open", partner=True)


def test_the_menu_opens_without_javascript(chromium: Any, demo: LiveDemo) -> None:
    page = signed_in(chromium, demo, "partner", PHONE, java_script_enabled=False)
    nav = page.locator("header.site nav")
    assert not nav.is_visible()
    page.click("details.site-menu > summary")
    assert nav.is_visible()
    nav.locator("a[href='/maps/']").click()
    assert page.url.endswith("/maps/")


def test_a_person_their_map_and_a_release_mark_fit_a_phone(
    chromium: Any, demo: LiveDemo
) -> None:
    page = signed_in(chromium, demo, "partner", PHONE, is_mobile=True, has_touch=True)
    page.locator("table.portal-list tbody tr:not(.under-release) td.name a").first.click()
    check(page, "p03-person", partner=True)
    content = page.locator("main").inner_text()
    assert "35.7" not in content and "139.5" not in content  # no raw coordinates
    page.click("main a:has-text('地図で見る')")
    assert "/portal/people/" in page.url and page.url.endswith("/map")
    page.locator("iframe.person-map").wait_for()
    frame = page.frame_locator("iframe.person-map")
    frame.locator(".home-label").wait_for()
    assert "自宅" in frame.locator(".home-label").inner_text()
    page.wait_for_timeout(1000)  # the opening zoom's animation
    check(page, "p04-person-map", partner=True)
    page.goto(demo.url + "/portal/")
    page.locator("tr.under-release td.name a").first.click()
    assert page.locator("h1 .release-mark").is_visible()
    assert page.locator("p.release-notice").is_visible()
    check(page, "p05-person-under-release", partner=True)


def test_a_print_and_the_changes_since_it_fit_a_phone(chromium: Any, demo: LiveDemo) -> None:
    page = signed_in(chromium, demo, "partner", PHONE, is_mobile=True, has_touch=True)
    page.click("main a[href='/portal/copy?format=print']")
    assert "「第○部」と番号が付き" in page.locator("main").inner_text()
    check(page, "p06-confirm-print", partner=True)
    page.click("form[action$='/portal/print'] button")
    assert "/portal/prints/" in page.url
    assert page.locator(".screen-bar button[data-print]").is_visible()
    check(page, "p06-print-screen", partner=True)
    page.goto(demo.url + "/portal/changes")
    assert page.locator("input[name=copy]").count() >= 1
    check(page, "p07-changes", partner=True)
    page.goto(demo.url + "/portal/copy?format=csv")
    page.click("form[action$='/portal/export.csv'] button")
    assert "/portal/copies/" in page.url and "を作成しました" in page.locator("h1").inner_text()
    check(page, "p07b-copy-made", partner=True)


def test_a_plan_shared_with_the_partner_fits_a_phone(chromium: Any, demo: LiveDemo) -> None:
    registrant = demo.prepared.strip()
    assert registrant, "the demo shares a plan with the partner"
    page = signed_in(chromium, demo, "partner", PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{demo.url}/registrants/{registrant}")
    page.click("main .actions a[href^='/plans/']")
    check(page, "p13-plan", partner=True)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/maps/", "p08-map"),
        ("/account/password", "p09-password"),
        ("/account/two-factor", "p10-second-factor"),
        ("/portal/safety/", "p11-safety"),
        ("/registrants/", "p12-register-list"),
    ],
)
def test_every_other_partner_page_fits_a_phone(
    chromium: Any, demo: LiveDemo, path: str, name: str
) -> None:
    page = signed_in(chromium, demo, "partner", PHONE, is_mobile=True, has_touch=True)
    page.goto(demo.url + path)
    check(page, name, partner=True)


# ---------------------------------------------------------------------------------------------
# Staff, on a tablet.
# ---------------------------------------------------------------------------------------------

STAFF_PAGES = [
    "/registrants/",
    "/registrants/new",
    "/dashboard/",
    "/partners/",
    "/shelters/",
    "/maps/",
    "/hazards/assignment",
    "/plans/",
    "/priority/",
    "/rounds/",
    "/imports/",
    "/releases/",
    "/safety/",
]


def test_the_main_staff_pages_fit_a_tablet(chromium: Any, demo: LiveDemo) -> None:
    page = signed_in(chromium, demo, "staff", TABLET)
    for n, path in enumerate(STAFF_PAGES, start=1):
        page.goto(demo.url + path)
        check(page, f"t{n:02d}-{path.strip('/').replace('/', '-')}", partner=False)
    page.goto(demo.url + "/registrants/")
    page.locator("table.register tbody tr td:first-child a").first.click()
    check(page, "t20-person", partner=False)
    page.click("details.site-menu > summary")
    assert page.locator("header.site nav a[href='/registrants/']").is_visible()
    check(page, "t21-menu-open", partner=False)


def test_the_widest_staff_tables_scroll_in_their_box_on_a_landscape_tablet(
    chromium: Any, demo: LiveDemo
) -> None:
    page = signed_in(chromium, demo, "staff", LANDSCAPE)
    for path in ("/shelters/", "/hazards/assignment"):
        page.goto(demo.url + path)
        check(page, f"l-{path.strip('/').replace('/', '-')}", partner=False)
