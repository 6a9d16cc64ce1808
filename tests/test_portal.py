"""The partner portal: the list, printed copies, CSV and XLSX copies, and what changed.

Every copy goes through the access rule and the provision ledger; these tests say so from the
outside, as the partner's browser sees it.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from roster.access.fields import DEFAULT_AGREEMENT_FIELDS
from roster.models import (
    AgreementStatus,
    AuditEvent,
    ConsentState,
    Provision,
    ProvisionFormat,
    RegistrantStatus,
    Role,
)

from .conftest import AuthActions, IsolatedClient
from .portal_copies import download_copy, made_earlier

CERTIFICATE = "身体1級"  # every factory person's disability certificate


@pytest.fixture(autouse=True)
def in_english(world: dict[str, Any], db: Any) -> None:
    """The pages in English, so the tests read the source strings whatever is translated."""
    for user in world["users"].values():
        user.locale = "en"
    db.flush()


def provisions(db: Any) -> list[Provision]:
    return list(db.scalars(select(Provision).order_by(Provision.id)))


def events(db: Any, action: str) -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


def csv_rows(response: Any) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_values(response: Any) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def with_medical_fields(world: dict[str, Any], db: Any) -> None:
    world["agreement"].fields = [*DEFAULT_AGREEMENT_FIELDS, "disability_certificate"]
    db.flush()


def print_copy(client: IsolatedClient) -> int:
    response = client.post("/portal/print")
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


# ---------------------------------------------------------------------------------------------
# The home page.
# ---------------------------------------------------------------------------------------------


def test_the_home_lists_exactly_the_people_and_fields_the_rule_allows(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    html = client.get("/portal/").get_data(as_text=True)
    assert world["consenting"].name in html
    for hidden in ("refusing", "unasked", "elsewhere"):
        assert world[hidden].name not in html, hidden
    assert CERTIFICATE not in html
    assert "1 people" in html
    assert world["agreement"].title in html
    assert f'/registrants/{world["consenting"].id}"' in html
    [event] = events(db, "portal.list")
    assert json.loads(event.detail)["ids"] == [world["consenting"].id]


def test_a_field_the_agreement_names_appears_and_one_it_leaves_out_does_not(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    assert CERTIFICATE not in client.get("/portal/").get_data(as_text=True)
    assert CERTIFICATE not in download_copy(client, "csv").get_data().decode("utf-8")
    assert CERTIFICATE not in str(xlsx_values(download_copy(client, "xlsx")))
    with_medical_fields(world, db)
    assert CERTIFICATE in client.get("/portal/").get_data(as_text=True)
    assert CERTIFICATE in download_copy(client, "csv").get_data().decode("utf-8")
    assert CERTIFICATE in str(xlsx_values(download_copy(client, "xlsx")))
    html = client.get(f"/portal/prints/{print_copy(client)}").get_data(as_text=True)
    assert CERTIFICATE in html


def test_the_home_filters_by_district_and_need_within_the_rule(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    a, b = world["districts"]
    html = client.get(f"/portal/?district={a.id}&need=wheelchair").get_data(as_text=True)
    assert world["consenting"].name in html
    html = client.get(f"/portal/?district={b.id}").get_data(as_text=True)
    assert world["elsewhere"].name not in html and world["consenting"].name not in html
    html = client.get("/portal/?need=bedridden").get_data(as_text=True)
    assert world["consenting"].name not in html


def test_the_home_searches_by_name_with_the_term_kept_out_of_the_url(
    client: IsolatedClient, auth: AuthActions, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    other = factory.registrant(world["districts"][0], name="別人 花子", name_kana="ベツジン ハナコ")
    factory.consent(other, ConsentState.CONSENTED, world["users"]["staff"])
    auth.login("t_partner")
    assert other.name in client.get("/portal/").get_data(as_text=True)
    term = world["consenting"].name.split()[0]
    response = client.post("/portal/search", data={"q": term})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/portal/?f=") and term not in location
    assert location.endswith("#results")  # a phone lands on the results, not the page's top
    html = client.get(location).get_data(as_text=True)
    assert world["consenting"].name in html and other.name not in html
    assert f'value="{term}"' in html
    assert json.loads(events(db, "portal.list")[-1].detail)["searched"] is True
    html = client.get("/portal/?f=unknown-key").get_data(as_text=True)
    assert "That search has expired" in html and other.name in html


def test_the_home_summarises_the_agreement(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    world["agreement"].list_manager = "管理 一郎"
    world["agreement"].storage_place = "会長宅の施錠できる書庫"
    db.flush()
    auth.login("t_partner")
    html = client.get("/portal/").get_data(as_text=True)
    for text in (
        "管理 一郎",
        "会長宅の施錠できる書庫",
        "テスト町A",
        "Why support is needed",
        "Return or destroy every copy",
    ):
        assert text in html, text
    assert "Disability certificate" not in html


def test_without_an_agreement_in_force_the_home_says_so_and_shows_no_one(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    world["agreement"].status = AgreementStatus.SUSPENDED
    db.flush()
    auth.login("t_partner")
    response = client.get("/portal/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no data-sharing agreement in force" in html
    assert "042-000-0000" in html  # the office to contact, from config.toml
    assert world["consenting"].name not in html
    assert client.post("/portal/print").status_code == 403
    assert client.post("/portal/export.csv").status_code == 403
    assert client.get("/portal/changes").status_code == 200
    assert provisions(db) == []


def start_release(world: dict[str, Any], db: Any) -> None:
    """A disaster-time release running now over the agreement's first district."""
    from datetime import timedelta

    from roster.models import DisasterRelease
    from roster.models.base import utcnow

    world["agreement"].emergency_provision = True
    now = utcnow()
    db.add(
        DisasterRelease(
            name="テスト地震",
            legal_basis="49-11(3)",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=1),
            declared_by=world["users"]["staff"],
            districts=[world["districts"][0]],
        )
    )
    db.flush()


def test_a_release_notice_shows_while_a_release_runs_in_the_agreements_districts(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    start_release(world, db)
    auth.login("t_partner")
    html = client.get("/portal/").get_data(as_text=True)
    assert "disaster-time release" in html
    assert world["refusing"].name in html  # shown without consent, under the release


def row_of(html: str, person: Any) -> str:
    """The list's row (card) of one person."""
    start = html.index(f'<a href="/registrants/{person.id}">')
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


def test_people_shown_only_under_a_release_are_marked_on_the_list_and_their_page(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    mark = 'class="tag release-mark"'
    auth.login("t_partner")
    assert mark not in client.get("/portal/").get_data(as_text=True)
    start_release(world, db)
    html = client.get("/portal/").get_data(as_text=True)
    assert mark in row_of(html, world["refusing"]) and "Disaster-time release" in html
    assert mark not in row_of(html, world["consenting"])  # consent admits them anyway
    page = client.get(f"/registrants/{world['refusing'].id}").get_data(as_text=True)
    assert mark in page and "only under the disaster-time release" in page
    page = client.get(f"/registrants/{world['consenting'].id}").get_data(as_text=True)
    assert mark not in page and "only under the disaster-time release" not in page
    html = client.get(f"/portal/prints/{print_copy(client)}").get_data(as_text=True)
    assert html.count("release-mark") == 2  # the style and the refusing person's line


# ---------------------------------------------------------------------------------------------
# Printed copies.
# ---------------------------------------------------------------------------------------------


def test_each_print_writes_one_ledger_row_with_the_next_copy_number_and_the_ids(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    ids = []
    for _ in range(3):
        ids.append(print_copy(client))
        made_earlier(db)
    rows = provisions(db)
    assert [p.id for p in rows] == ids
    assert [p.copy_no for p in rows] == [1, 2, 3]
    for p in rows:
        assert p.format is ProvisionFormat.PRINT
        assert p.agreement_id == world["agreement"].id
        assert p.user_id == world["users"]["partner"].id
        assert [(i.line, i.registrant_id) for i in p.items] == [(1, world["consenting"].id)]


def test_the_printed_list_is_in_district_then_reading_order(
    client: IsolatedClient, auth: AuthActions, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    first = factory.registrant(world["districts"][0], name_kana="アイウ エオ")
    last = factory.registrant(world["districts"][0], name_kana="ワヲン")
    for person in (last, first):
        factory.consent(person, ConsentState.CONSENTED, staff)
    auth.login("t_partner")
    print_copy(client)
    [copy] = provisions(db)
    assert [i.registrant_id for i in copy.items] == [first.id, world["consenting"].id, last.id]


def test_the_print_view_carries_the_watermark_and_the_49_13_notice(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    print_copy(client)
    made_earlier(db)
    copy_id = print_copy(client)
    response = client.get(f"/portal/prints/{copy_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count(world["organisation"].name) >= 3  # header, diagonal marks, title
    assert "テスト利用者" in html  # the user's display name
    assert "Copy no. 2" in html
    assert "art. 49-13" in html and "must not disclose" in html
    assert 'class="wm-head"' in html and 'class="wm-foot"' in html
    assert "portal-print.css" in html
    assert world["consenting"].name in html
    assert world["refusing"].name not in html
    [event] = events(db, "portal.print.view")
    assert json.loads(event.detail)["provision"] == copy_id


def test_another_users_print_is_not_found(
    client: IsolatedClient, auth: AuthActions, factory: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    copy_id = print_copy(client)
    auth.logout()
    factory.user(Role.PARTNER, "t_colleague", organisation=world["organisation"])
    auth.login("t_colleague")
    assert client.get(f"/portal/prints/{copy_id}").status_code == 404
    assert client.get("/portal/prints/999999").status_code == 404


def test_an_export_cannot_be_opened_as_a_print(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    client.post("/portal/export.csv")
    [export] = provisions(db)
    assert client.get(f"/portal/prints/{export.id}").status_code == 404


def test_a_print_shows_only_the_people_the_rule_still_admits(
    client: IsolatedClient, auth: AuthActions, factory: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    copy_id = print_copy(client)
    factory.consent(
        world["consenting"], ConsentState.WITHDRAWN, world["users"]["staff"], on=date(2025, 6, 1)
    )
    html = client.get(f"/portal/prints/{copy_id}").get_data(as_text=True)
    assert world["consenting"].name not in html
    assert "no longer on your list" in html


def test_after_the_agreement_ends_prints_and_exports_are_refused(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    copy_id = print_copy(client)
    world["agreement"].status = AgreementStatus.TERMINATED
    db.flush()
    response = client.get(f"/portal/prints/{copy_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "no longer in force" in html
    assert world["consenting"].name not in html
    for url in ("/portal/print", "/portal/export.csv", "/portal/export.xlsx"):
        assert client.post(url).status_code == 403, url
    assert len(provisions(db)) == 1


def test_a_copy_recorded_as_returned_is_not_shown_again(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    copy_id = print_copy(client)
    db.get(Provision, copy_id).disposed_on = date.today()
    db.flush()
    response = client.get(f"/portal/prints/{copy_id}")
    assert response.status_code == 410
    assert world["consenting"].name not in response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# CSV and XLSX copies.
# ---------------------------------------------------------------------------------------------


def test_each_export_writes_exactly_one_provision_with_its_format_and_people(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    for n, fmt in enumerate((ProvisionFormat.CSV, ProvisionFormat.XLSX), start=1):
        response = client.post(f"/portal/export.{fmt.value}")
        assert response.status_code == 303
        rows = provisions(db)
        assert response.headers["Location"] == f"/portal/copies/{rows[-1].id}"
        assert len(rows) == n
        assert rows[-1].format is fmt and rows[-1].copy_no == n and rows[-1].count == 1
        assert [i.registrant_id for i in rows[-1].items] == [world["consenting"].id]
    assert len(events(db, "provision.csv")) == len(events(db, "provision.xlsx")) == 1


def test_the_csv_has_a_bom_the_watermark_the_notice_and_a_header_of_labels(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    response = download_copy(client, "csv")
    assert response.mimetype == "text/csv"
    mark, notice, header, *people = csv_rows(response)
    assert world["organisation"].name in mark[0] and "Copy no. 1" in mark[0]
    assert "テスト利用者" in mark[0]
    assert "art. 49-13" in notice[0]
    assert header[:4] == ["Line no.", "Reference no.", "District", "Name"]
    assert "Disability certificate" not in header
    assert people == [people[0]] and people[0][:2] == ["1", str(world["consenting"].id)]
    assert world["consenting"].name in people[0]


def test_the_xlsx_carries_the_watermark_in_the_page_header_and_freezes_its_header_row(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    response = download_copy(client, "xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert world["organisation"].name in sheet.oddHeader.center.text
    assert "Copy no. 1" in sheet.oddHeader.center.text
    assert "49-13" in sheet.oddFooter.left.text
    assert "Copy no. 1" in sheet["A1"].value and "art. 49-13" in sheet["A2"].value
    assert sheet["A3"].value == "Line no." and sheet.freeze_panes == "A4"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet["A4"].value == 1 and sheet["B4"].value == world["consenting"].id


# ---------------------------------------------------------------------------------------------
# Changes since the last copy.
# ---------------------------------------------------------------------------------------------


def test_changes_without_a_copy_suggest_printing_one(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    html = client.get("/portal/changes").get_data(as_text=True)
    assert "nothing to compare" in html
    assert world["consenting"].name not in html


def test_changes_list_added_people_and_lines_to_strike_out_with_their_reasons(
    client: IsolatedClient, auth: AuthActions, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    a = world["districts"][0]
    moving = factory.registrant(a, name_kana="イ")
    dying = factory.registrant(a, name_kana="ウ")
    for person in (moving, dying):
        factory.consent(person, ConsentState.CONSENTED, staff)
    auth.login("t_partner")
    print_copy(client)
    [copy] = provisions(db)
    lines = {i.registrant_id: i.line for i in copy.items}
    withdrawn = world["consenting"]
    factory.consent(withdrawn, ConsentState.WITHDRAWN, staff, on=date(2025, 6, 1))
    moving.status = RegistrantStatus.MOVED_OUT
    dying.status = RegistrantStatus.DECEASED
    newcomer = factory.registrant(a, name="新規 花子")
    factory.consent(newcomer, ConsentState.CONSENTED, staff)
    db.flush()

    html = client.get("/portal/changes").get_data(as_text=True)
    assert "新規 花子" in html
    for person, reason in (
        (withdrawn, "Consent withdrawn or refused"),
        (moving, "Moved out"),
        (dying, "Died"),
    ):
        row = f"<td>Copy no. 1</td><td>{lines[person.id]}</td><td>{person.id}</td><td>{reason}</td>"
        assert row in html, reason
        assert person.name not in html
    [event] = events(db, "portal.changes")
    detail = json.loads(event.detail)
    assert detail["ids"] == [newcomer.id] and detail["removed"] == 3


def test_a_district_dropped_from_the_agreement_is_the_reason_given(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    from roster.portal.changes import RemovalReason, changes_since
    from roster.viewer import viewer_of

    auth.login("t_partner")
    print_copy(client)
    [copy] = provisions(db)
    agreement = world["agreement"]
    agreement.districts = list(world["districts"])  # add B, then drop A
    db.flush()
    agreement.districts = [world["districts"][1]]
    db.flush()
    partner = world["users"]["partner"]
    access = viewer_of(partner, db).access
    assert access is not None
    with client.application.test_request_context():
        result = changes_since(db, partner, access, copy)
    assert [(r.registrant_id, r.reason) for r in result.removed] == [
        (world["consenting"].id, RemovalReason.DISTRICT)
    ]
    assert [r.id for r in result.added] == [world["elsewhere"].id]


def test_changes_compare_with_the_copy_the_partner_chooses(
    client: IsolatedClient, auth: AuthActions, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    auth.login("t_partner")
    print_copy(client)  # copy 1: the paper list in hand
    newcomer = factory.registrant(world["districts"][0], name="新規 花子")
    factory.consent(newcomer, ConsentState.CONSENTED, staff)
    db.flush()
    client.post("/portal/export.csv")  # copy 2, newer, holds the newcomer
    html = client.get("/portal/changes").get_data(as_text=True)
    assert "Compared with your Copy no. 2" in html and "新規 花子" not in html
    assert 'value="1">' in html and 'value="2" checked>' in html
    html = client.get("/portal/changes?copy=1").get_data(as_text=True)
    assert "Compared with your Copy no. 1" in html and "新規 花子" in html
    assert 'value="1" checked>' in html
    [_first, event] = events(db, "portal.changes")
    assert json.loads(event.detail)["copy_no"] == 1
    assert client.get("/portal/changes?copy=3").status_code == 404
    assert "Copy no. 2" in client.get("/portal/changes?copy=x").get_data(as_text=True)


def test_changes_start_from_the_newest_copy_still_held(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    print_copy(client)
    made_earlier(db)
    print_copy(client)
    newest = provisions(db)[-1]
    newest.disposed_on = date(2026, 1, 5)
    db.flush()
    html = client.get("/portal/changes").get_data(as_text=True)
    assert "Compared with your Copy no. 1" in html
    assert "recorded as returned or destroyed" in html


def test_another_users_copy_cannot_be_chosen(
    client: IsolatedClient, auth: AuthActions, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    colleague = factory.user(Role.PARTNER, "t_colleague", organisation=world["organisation"])
    colleague.locale = "en"
    db.flush()
    auth.login("t_colleague")
    print_copy(client)  # copy 1 of the agreement, the colleague's
    auth.logout()
    auth.login("t_partner")
    assert client.get("/portal/changes?copy=1").status_code == 404
    assert "nothing to compare" in client.get("/portal/changes").get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# The menu, and a person on a map.
# ---------------------------------------------------------------------------------------------


def nav_of(html: str) -> str:
    return html[html.index('<nav aria-label="Main">') : html.index("</nav>")]


def test_the_partners_menu_has_one_list_and_folds_into_a_details(
    client: IsolatedClient, auth: AuthActions
) -> None:
    auth.login("t_partner")
    html = client.get("/portal/").get_data(as_text=True)
    nav = nav_of(html)
    assert 'href="/portal/"' in nav and 'href="/registrants/"' not in nav
    assert '<details class="site-menu">' in html and "<summary>Menu</summary>" in html
    assert 'action="/logout"' in html and "portal.css" in html
    auth.logout()
    auth.login("t_staff")
    html = client.get("/registrants/").get_data(as_text=True)
    assert 'href="/registrants/"' in nav_of(html) and "portal.css" not in html


def test_a_partners_person_page_links_to_a_map_instead_of_coordinates(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    person = world["consenting"]
    auth.login("t_partner")
    html = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert f'href="/portal/people/{person.id}/map"' in html
    assert "35.72000" not in html and "139.55000" not in html
    page = client.get(f"/portal/people/{person.id}/map").get_data(as_text=True)
    assert f'src="/portal/people/{person.id}/map/frame"' in page and person.name in page
    frame = client.get(f"/portal/people/{person.id}/map/frame")
    assert frame.status_code == 200 and "Content-Security-Policy" in frame.headers
    text = frame.get_data(as_text=True)
    assert "portal-map.js" in text and "[35.72, 139.55]" in text
    assert person.name not in text and person.address not in text
    for action in ("portal.map", "portal.map.frame"):
        [event] = events(db, action)
        assert json.loads(event.detail)["ids"] == [person.id], action
    auth.logout()
    auth.login("t_staff")
    html = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert "35.72000" in html and "/portal/people/" not in html


def test_the_map_shows_no_one_the_partner_may_not_see(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_partner")
    for hidden in ("refusing", "elsewhere"):
        rid = world[hidden].id
        assert client.get(f"/portal/people/{rid}/map").status_code == 404, hidden
        assert client.get(f"/portal/people/{rid}/map/frame").status_code == 404, hidden
    assert events(db, "portal.map") == [] and events(db, "portal.map.frame") == []


def test_a_person_without_a_location_has_no_map(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    person = world["consenting"]
    person.latitude = person.longitude = None
    db.flush()
    auth.login("t_partner")
    html = client.get(f"/registrants/{person.id}").get_data(as_text=True)
    assert "/map" not in html.split("<main>")[1]
    page = client.get(f"/portal/people/{person.id}/map").get_data(as_text=True)
    assert "has no location for this person" in page and "<iframe" not in page
    assert client.get(f"/portal/people/{person.id}/map/frame").status_code == 404


def test_no_portal_page_is_open_to_other_roles(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    assert client.get("/portal/").status_code == 403
    assert client.post("/portal/export.csv").status_code == 403
    assert db.scalar(select(func.count(Provision.id))) == 0


def test_right_after_a_new_copy_changes_compare_with_the_copy_before_it(
    client: IsolatedClient, auth: AuthActions, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    staff = world["users"]["staff"]
    auth.login("t_partner")
    print_copy(client)  # copy 1: the paper list in hand, made days ago
    made_earlier(db, minutes=3 * 24 * 60)
    newcomer = factory.registrant(world["districts"][0], name="新規 花子")
    factory.consent(newcomer, ConsentState.CONSENTED, staff)
    db.flush()
    download_copy(client, "csv")  # copy 2, made today, holds the newcomer
    html = client.get("/portal/changes").get_data(as_text=True)
    assert "Compared with your Copy no. 1" in html and "新規 花子" in html
    assert "You made Copy no. 2 today" in html and 'value="1" checked>' in html
    html = client.get("/portal/changes?copy=2").get_data(as_text=True)
    assert "Compared with your Copy no. 2" in html and "You made" not in html
