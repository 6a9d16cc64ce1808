"""Forms in Chromium: 和暦 typed as on paper, the 「すべての提供先」 box, a round previewed
before it is made and deleted before it is sent, on a phone and on a desktop."""

from __future__ import annotations

import pytest

from .test_browser import ARTIFACTS, browser, server, shot, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}


def fits(page: object) -> bool:
    """Nothing wider than the screen: no sideways scrolling."""
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def on_phone(page: object, name: str) -> None:
    page.set_viewport_size(PHONE)
    shot(page, f"{name}-375")
    assert fits(page), f"{name} scrolls sideways at 375 px"
    page.set_viewport_size({"width": 1366, "height": 900})
    shot(page, name)


def test_a_date_typed_in_wareki_shows_the_western_date_and_is_saved(browser, server):  # noqa: F811
    page = sign_in(browser, server, "staff")
    page.click("table.register tbody tr td:nth-child(2) a >> nth=0")
    page.click("a[href$='/consent/new']")
    page.fill("#decided_on", "S15.3.2")
    assert page.locator(".era-preview").inner_text() == "1940-03-02（昭和15年3月2日）"
    page.fill("#decided_on", "Ｒ７．４．１")
    assert page.locator(".era-preview").inner_text() == "2025-04-01（令和7年4月1日）"
    page.fill("#decided_on", "平成31年5月1日")  # 令和元年: not a day of 平成
    assert page.locator(".era-preview").inner_text() == ""
    page.fill("#decided_on", "令和7年4月1日")
    page.select_option("#purpose", "register_sharing")
    page.select_option("#state", "consented")
    page.select_option("#method", "mail")
    page.check("input[name=all_partners]")
    assert page.locator("input[name=scope]:checked").count() == page.locator(
        "input[name=scope]").count() > 3
    on_phone(page, "20-consent-wareki")
    page.click("button.primary")
    assert "同意の記録を追加しました" in page.content()
    assert page.locator("table.history tbody tr").first.inner_text().startswith("2025/04/01")


def test_the_reply_screen_refuses_agreement_without_a_partner(browser, server):  # noqa: F811
    page = sign_in(browser, server, "staff")
    page.goto(server + "/rounds/")
    page.click("text=2026年度 新規対象者 第2回")
    code = page.locator("table.register tbody td code").first.inner_text()
    page.goto(server + "/rounds/reply")
    page.fill("#reference", code)
    page.check("input[name=answer][value=agree]")
    page.click("button.primary")
    assert "本人が同意した提供先を1つ以上選択してください。" in page.content()
    on_phone(page, "21-reply-needs-scope")
    page.check("input[name=all_partners]")
    page.click("button.primary")
    assert "記録しました" in page.content()


def test_a_round_is_counted_before_it_is_made_and_deleted_before_it_is_sent(
    browser, server  # noqa: F811
):
    page = sign_in(browser, server, "staff")
    page.goto(server + "/rounds/new")
    assert page.locator("#target").input_value() == ""
    assert page.locator("#district_id").input_value() == ""
    page.fill("#title", "確認のための回")
    page.select_option("#target", "all_active")
    page.select_option("#district_id", "0")
    page.select_option("#language", "preferred")
    page.click("form button.primary")
    assert page.locator(".preview").is_visible()
    count = page.locator(".preview-count").inner_text()
    on_phone(page, "22-round-preview")
    page.click("form button[name=create]")
    assert "確認のための回" in page.title()
    page.click("text=この郵送調査を削除する")
    assert page.locator("button.danger").is_visible()
    on_phone(page, "23-round-delete")
    page.click("button.danger")
    assert "郵送調査を削除しました" in page.content()
    assert "確認のための回" not in page.locator("table.register").inner_text()
    assert count
