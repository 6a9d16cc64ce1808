"""Plain words for partners: the download buttons, the way back from a person's page, and
the header on a wide screen."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .conftest import AuthActions, IsolatedClient


def test_the_home_names_the_downloads_in_plain_words(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_partner")  # the partner reads Japanese
    html = client.get("/portal/").get_data(as_text=True)
    assert "表計算ソフト用（Excel）" in html and "CSV形式" in html
    assert "CSVをダウンロード" not in html and "Excel（XLSX）" not in html
    html = client.get("/portal/copy?format=csv").get_data(as_text=True)
    assert "どの表計算ソフトでも開けます" in html and "控え番号" not in html


def test_a_partners_person_page_leads_back_to_the_list_at_the_top(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    html = client.get(f"/registrants/{world['consenting'].id}").get_data(as_text=True)
    main = html.split("<main>", 1)[1]
    back = re.search(r'<p class="crumbs"><a href="/portal/">', main)
    assert back is not None and back.start() < main.index("<h1")
    auth.logout()
    auth.login("t_staff")
    html = client.get(f"/registrants/{world['consenting'].id}").get_data(as_text=True)
    assert 'href="/portal/"' not in html.split("<main>", 1)[1]


def test_the_list_shows_the_birth_date_with_the_era_and_the_age(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    world["consenting"].birth_date = date(1959, 8, 1)
    db.flush()
    auth.login("t_partner")
    html = client.get("/portal/").get_data(as_text=True)
    assert "昭和34年8月1日" in html
    today = date.today()  # the test clock and the municipality agree on the day
    years = today.year - 1959 - ((today.month, today.day) < (8, 1))
    assert f"（{years}歳）" in html
