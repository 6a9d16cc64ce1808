"""The printed plan is one A4 page, in Japanese and in English, however full the plan.

Headless Chromium prints a plan with twelve supporters and long notes to PDF, and the PDF
must hold exactly one page, with nothing cut off. The PDFs and PNGs of the pages go to
tests/artifacts/. Needs Debian's chromium and the playwright package, as tests/test_browser.py
does: without them the tests skip and say what is missing; with ROSTER_REQUIRE_BROWSER=1
they fail instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .live import served_demo
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _require_browser

pytestmark = pytest.mark.browser

#: Makes the plans to print in the served database: one as full as a plan gets (twelve
#: supporters, every note long), one ordinary; prints "full-id ordinary-id".
SEED = r"""
from sqlalchemy import select
from roster import create_app
from roster.consent.operations import ConsentAnswer, record_consent
from roster.extensions import db
from roster.i18n import local_today
from roster.models import (AuthorRole, ConsentMethod, ConsentPurpose, ConsentState,
    DestinationKind, Mobility, Plan, PlanStatus, Registrant, RegistrantStatus, Role, Shelter,
    User)
from roster.plans.operations import one_year_after, save_plan

app = create_app()
with app.app_context():
    staff = db.session.scalar(select(User).where(User.role == Role.STAFF))
    today = local_today()
    people = list(db.session.scalars(
        select(Registrant).where(Registrant.status == RegistrantStatus.ACTIVE,
                                 Registrant.id.not_in(select(Plan.registrant_id)),
                                 Registrant.mobility == Mobility.WHEELCHAIR)
        .order_by(Registrant.id).limit(2)))
    general = db.session.scalar(select(Shelter).where(
        Shelter.is_welfare_shelter.is_(False), Shelter.is_evacuation_shelter.is_(True))
        .order_by(Shelter.id))
    note = ("玄関に段差があり、車椅子のまま出られないため支援者二名で介助する。"
            "夜間は長女に電話で連絡し、到着を待たずに近所の支援者が先に向かう。") * 6
    for n, person in enumerate(people):
        record_consent(db.session, person, ConsentAnswer(
            purpose=ConsentPurpose.PLAN_MAKING, state=ConsentState.CONSENTED,
            method=ConsentMethod.VISIT, decided_on=today), staff)
        full = n == 0
        count = 12 if full else 2
        supporters = [
            {"name": f"支援 花子{i}", "relation": "近所の方" if i % 2 else "民生委員",
             "address": f"東京都西東京市田無町{i}-{i + 2}-{i + 5} グランドメゾン西東京{i}01号室",
             "phone": f"090-1234-56{i:02d}", "day": True, "night": i % 2 == 0,
             "weekdays": i % 3 != 0}
            for i in range(1, count + 1)]
        text = note if full else "自宅前の道を北へ進む。"
        save_plan(db.session, person, dict(
            supporters=supporters, destination_kind=DestinationKind.SHELTER,
            destination_shelter_id=general.id, destination_name="", destination_address="",
            route_notes=text, start_trigger="level3", transport="welfare_taxi",
            assistance=["wheelchair", "two_people", "visual_guide", "other"],
            assistance_notes=text, items_to_carry=text, battery_hours=8.0, illnesses=text,
            doctor="田無駅前内科クリニック 山田医師", hospital="西東京中央病院（架空）",
            medicines=text, allergies=text if full else "", communication_notes=text,
            pets="猫1匹（キャリーあり）",
            contacts=[{"name": "試験 花子", "relation": "長女", "phone": "090-3333-4444"},
                      {"name": "試験 次郎", "relation": "長男", "phone": "080-5555-6666"}],
            author_name="ケアプランひばり 佐藤 和子", author_role=AuthorRole.CARE_MANAGER,
            made_on=today, review_on=one_year_after(today), status=PlanStatus.AGREED,
        ), None, staff, consented=True)
    db.session.commit()
    print(" ".join(str(p.id) for p in people))
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[int]]]:
    """A small demo with two plans, served in a separate process as `make run` does."""
    _require_browser()
    with served_demo(tmp_path_factory.mktemp("plans"), registrants=300, prepare=SEED) as demo:
        ids = [int(i) for i in demo.prepared.split()]
        assert len(ids) == 2, demo.prepared
        yield demo.url, ids


@pytest.fixture(scope="module")
def staff_page(served: tuple[str, list[int]]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    url, _ids = served
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
        page = context.new_page()
        page.goto(url + "/login")
        page.fill("#username", "staff")
        page.fill("#password", "demo")
        page.click("button.primary")
        yield page
        chromium.close()


def pdf_pages(pdf: bytes) -> int:
    """Page objects in a PDF (/Type /Page, not the /Pages tree nodes)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def to_png(pdf_path: Path) -> None:
    """A PNG of the PDF's first page beside it, when poppler's pdftoppm is there."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        subprocess.run([pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf_path), str(pdf_path.with_suffix(""))], check=False)


def test_pdf_page_counter() -> None:
    two = b"<< /Type /Pages /Kids [3 0 R 4 0 R] >> << /Type /Page >> << /Type/Page >>"
    assert pdf_pages(two) == 2


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("which", ["full", "ordinary"])
def test_a_plan_prints_on_exactly_one_a4_page(
    served: tuple[str, list[int]], staff_page: Any, lang: str, which: str
) -> None:
    url, ids = served
    registrant_id = ids[0] if which == "full" else ids[1]
    page = staff_page
    page.goto(f"{url}/plans/{registrant_id}/print?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    page.screenshot(path=str(ARTIFACTS / f"plan-print-{which}-{lang}-screen.png"), full_page=True)
    page.emulate_media(media="print")
    try:
        fits = page.evaluate(
            "() => { const s = document.querySelector('.sheet');"
            " return [s.scrollHeight, s.clientHeight, document.body.className]; }"
        )
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        page.emulate_media(media="screen")
    path = ARTIFACTS / f"plan-print-{which}-{lang}.pdf"
    path.write_bytes(pdf)
    to_png(path)
    assert pdf[:5] == b"%PDF-"
    assert pdf_pages(pdf) == 1, f"{which} plan in {lang}: {pdf_pages(pdf)} pages"
    scroll, client, classes = fits
    assert scroll <= client + 1, f"the sheet overflows: {scroll} > {client} ({classes})"
    assert "overflowing" not in classes
    text = page.inner_text(".sheet")
    assert "090-1234-5601" in text and "080-5555-6666" in text, "first and last items printed"
    if which == "full":
        assert "090-1234-5612" in text, "all twelve supporters"
        assert "density-normal" not in classes
    else:
        assert "density-normal" in classes, "an ordinary plan keeps the large type"
        assert "…" not in text


def test_the_plan_pages_as_staff_see_them(served: tuple[str, list[int]], staff_page: Any) -> None:
    """Screenshots of the plan page, its form with the destination warnings, and the list."""
    url, ids = served
    page = staff_page
    page.goto(f"{url}/plans/{ids[0]}")
    assert page.locator(".plan-status").count() == 1
    assert page.locator(".plan-warning-box li").count() >= 1, "a wheelchair user, a general shelter"
    page.screenshot(path=str(ARTIFACTS / "plan-detail.png"), full_page=True)
    page.goto(f"{url}/plans/{ids[0]}/edit")
    assert page.locator("input[name='supporters-14-name']").count() == 1, "12 rows + 3 empty"
    assert page.locator(".plan-warning-box li").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "plan-edit.png"), full_page=True)
    page.goto(f"{url}/plans/")
    assert page.locator("table.plans tbody tr").count() >= 2
    page.screenshot(path=str(ARTIFACTS / "plan-list.png"), full_page=True)
