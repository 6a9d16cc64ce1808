"""Help for the people who use Roster: the printable guide for partners, and the sign-in page
of a demo naming its password."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from .conftest import AuthActions, IsolatedClient
from .test_access import sign_in


def visible_text(page: str) -> str:
    body = page.split("<body", 1)[1]
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.parametrize("role", ["partner", "staff"])
def test_the_partner_guide_covers_what_a_partner_must_know(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], role: str
) -> None:
    sign_in(auth, role)
    response = client.get("/guide/partner")
    assert response.status_code == 200
    text = visible_text(response.get_data(as_text=True))
    headings = ("ログインする", "名簿を見る", "印刷する", "災害のときに",
                "法律で求められていること")
    for heading in headings:
        assert heading in text
    assert "第49条の13" in text and "119" in text and "無事（自宅） / 避難済み" in text
    for word in ("toml", "config", "ROSTER_", ".py", "Sign in", "None"):
        assert word not in text, word


def test_the_guide_prints_on_a4_in_large_type(client: IsolatedClient, auth: AuthActions,
                                             world: dict[str, Any], app: Flask) -> None:
    sign_in(auth, "partner")
    page = client.get("/guide/partner").get_data(as_text=True)
    assert "guide.css" in page and "guide.js" in page and "<script>" not in page
    css = client.get("/static/guide.css").get_data(as_text=True)
    assert "size: A4" in css
    size = re.search(r"@media print \{\s*\.guide \{[^}]*font-size: ([\d.]+)pt", css)
    assert size is not None and float(size.group(1)) >= 12


def test_a_demo_sign_in_page_names_the_demo_password(
    app: Flask, client: IsolatedClient, factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory.municipality(is_demo=True)
    factory.session.commit()
    monkeypatch.delenv("ROSTER_DEMO_PASSWORD", raising=False)
    password = app.config["DEMO_PASSWORD"]
    page = client.get("/login").get_data(as_text=True)
    assert f"パスワード「{password}」" in page and "partner" in page
    monkeypatch.setenv("ROSTER_DEMO_PASSWORD", "a secret one")
    page = client.get("/login").get_data(as_text=True)
    assert "a secret one" not in page and f"「{password}」" not in page


def test_a_real_sign_in_page_names_no_password(app: Flask, client: IsolatedClient,
                                               factory: Any) -> None:
    factory.municipality(is_demo=False)
    factory.session.commit()
    page = client.get("/login").get_data(as_text=True)
    assert f"「{app.config['DEMO_PASSWORD']}」" not in page and "demo-logins" not in page


@pytest.mark.parametrize(("page", "sample", "starts"), [
    ("/imports/", "/imports/mapping-sample.toml", "import-mapping.sample.toml"),
    ("/shelters/import", "/shelters/import/mapping-sample.toml", "shelter-mapping.sample.toml"),
])
def test_import_pages_offer_the_sample_mapping_and_name_no_file(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], page: str, sample: str,
    starts: str,
) -> None:  # fmt: skip
    from pathlib import Path

    sign_in(auth, "staff")
    text = client.get(page).get_data(as_text=True)
    assert sample in text
    assert "toml" not in visible_text(text).replace("mapping-sample.toml", "")
    response = client.get(sample)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    shipped = Path(__file__).resolve().parents[1] / "roster" / "data" / starts
    assert response.get_data() == shipped.read_bytes()


def test_the_guide_names_the_welfare_office_and_its_phone_from_the_config(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    office = {"department": "福祉部 地域福祉課", "phone": "042-000-1234"}
    monkeypatch.setitem(app.config, "OFFICE", office)
    sign_in(auth, "partner")
    text = visible_text(client.get("/guide/partner").get_data(as_text=True))
    assert "問い合わせ先：" in text and "福祉部 地域福祉課" in text and "042-000-1234" in text
    assert "市区町村の福祉担当課" not in text
