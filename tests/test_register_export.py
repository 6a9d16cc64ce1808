"""Staff's export of the register list (issue 15, point 4): the list as filtered, a purpose
required, a 取扱注意 header, numbered and audited, formula-safe, labels instead of codes."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from roster.models import AuditEvent

from .conftest import AuthActions, IsolatedClient


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _export(client: IsolatedClient, query: str = "", **form: str) -> Any:
    data = {"purpose": "plans", "format": "csv", **form}
    return client.post(f"/registrants/export{query}", data=data)


def _exports(db: Any) -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == "registrant.export"))
    )


def test_an_export_without_a_purpose_is_refused_with_one_message_and_nothing_recorded(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    response = _export(client, purpose="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count('class="error"') == 1
    assert "Choose the purpose of the copy." in html or "利用目的を選んでください" in html
    assert _exports(db) == []


def test_the_export_page_offers_no_purpose_beforehand(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    html = client.get("/registrants/export").get_data(as_text=True)
    select = html[html.index('<select id="purpose"'):html.index("</select>")]
    chosen = [line for line in select.split("<option")[1:] if "selected" in line]
    assert all('value=""' in line for line in chosen), chosen


def test_the_csv_export_starts_with_the_handle_with_care_rows_and_shows_labels(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    response = _export(client)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert "第1部" in rows[0][0] and "庁内利用" in rows[0][0]
    assert "取扱注意" in rows[1][0] and "個別避難計画の作成" in rows[1][0]
    header = rows[2]
    assert "宛名番号" in header and "氏名" in header and "同意" in header
    body = rows[3:]
    names = {row[header.index("氏名")] for row in body}
    expected = {world[k].name for k in ("consenting", "refusing", "unasked", "elsewhere")}
    assert names == expected
    consent = {row[header.index("同意")] for row in body}
    assert consent <= {"同意", "不同意", "未確認"} and "consented" not in consent
    # No stored code reaches the file.
    flat = {cell for row in body for cell in row}
    assert not flat & {"active", "male", "alone", "wheelchair", "care_3", "eligible_list"}


def test_the_export_holds_the_list_as_filtered(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    district_b = world["districts"][1].id
    rows = _csv(_export(client, f"?district={district_b}"))
    header = rows[2]
    assert [row[header.index("氏名")] for row in rows[3:]] == [world["elsewhere"].name]


def test_exports_are_numbered_one_after_another_and_audited_without_names(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    _export(client)
    second = load_workbook(io.BytesIO(_export(client, format="xlsx").get_data())).active
    assert "第2部" in second["A1"].value
    assert str(second["A2"].value).startswith("【取扱注意】")
    events = [json.loads(e.detail) for e in _exports(db)]
    assert [e["export_no"] for e in events] == [1, 2]
    assert events[1]["format"] == "xlsx" and events[1]["purpose"] == "plans"
    assert sorted(events[0]["ids"]) == sorted(
        world[k].id for k in ("consenting", "refusing", "unasked", "elsewhere")
    )
    assert world["consenting"].name not in str(events[0])


def test_the_export_writes_formula_text_as_quoted_text(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    world["consenting"].name = '=HYPERLINK("http://evil.example/","x")'
    db.flush()
    auth.login("t_staff")
    cells = [c for row in _csv(_export(client)) for c in row]
    assert "'" + world["consenting"].name in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    sheet = load_workbook(io.BytesIO(_export(client, format="xlsx").get_data())).active
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_partners_and_planners_cannot_export_the_register(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    for user in ("t_partner", "t_planner"):
        auth.login(user)
        assert client.get("/registrants/export").status_code == 403
        assert _export(client).status_code == 403
        auth.logout()
    assert _exports(db) == []


def test_the_export_heads_its_columns_as_the_person_page_and_places_people_in_its_words(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    import re

    from roster.models import LocationPrecision

    person = world["elsewhere"]
    person.location_precision = LocationPrecision.CHOME
    person.location_approximate = True
    db.flush()
    auth.login("t_staff")
    rows = _csv(_export(client, f"?district={person.district_id}"))
    header, body = rows[2], rows[3]
    page = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    shown = dict(re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)', page))
    # Every column but the copy's own (line, reference) and the raw coordinates is named on
    # the person page (or the list) with the same words; the postal code is in its address.
    own = {"行番号", "整理番号", "緯度", "経度", "郵便番号"}
    listed = client.get("/registrants/").get_data(as_text=True)
    headings = set(re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>|<h2>([^<]*)</h2>", page + listed))
    words = {w for pair in headings for w in pair} | {k.split(" · ")[0] for k in shown}
    assert [h for h in header if h not in own and h not in words] == []
    assert body[header.index("位置の精度")] == shown["位置の精度"].split("　")[0]
    assert body[header.index("位置の精度")] == "町丁目（町丁目の代表点）"
    assert "概略" not in body and "最終確認日" in header
