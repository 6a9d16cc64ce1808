"""The staff copy says which list it is (its filters, in words), and its file name and its
first row call the copy by the same word (第N部)."""

from __future__ import annotations

from typing import Any

from .test_downloads import filename_star
from .test_register_export import _csv, _export


def test_the_copy_names_its_filters_and_its_number_the_same_way_as_its_file(
    client: Any, auth: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    district = world["districts"][1]
    response = _export(client, f"?district={district.id}&consent=consented&status=all")
    rows = _csv(response)
    assert f"一覧の条件：地区：{district.name}、同意：同意、状態：すべて。" in rows[1][0]
    assert "第1部" in rows[0][0]
    assert filename_star(response.headers["Content-Disposition"]).endswith("_第1部.csv")


def test_a_plain_copy_says_it_holds_the_active_people(client: Any, auth: Any, world: Any) -> None:
    auth.login("t_staff")
    rows = _csv(_export(client))
    assert "一覧の条件：状態：在籍。" in rows[1][0]


def test_the_plan_page_print_buttons_and_round_counts_speak_the_ui_language(
    client: Any, auth: Any, db: Any, world: dict[str, Any]
) -> None:
    from .test_plans import make_plan

    person = world["consenting"]
    make_plan(db, person, world["users"]["staff"])
    auth.login("t_staff")
    html = client.get(f"/plans/{person.id}").get_data(as_text=True)
    assert "英語で印刷" in html and "Print (English)" not in html


def test_round_counts_have_a_thousands_separator(app: Any) -> None:
    from flask import render_template_string

    with app.test_request_context(headers={"Accept-Language": "ja"}):
        text = render_template_string(
            '{{ _("This round would send %(n)s forms.", n="{:,}".format(1611)) }}'
        )
    assert text == "この内容では 1,611 通の同意書を送ります。"
