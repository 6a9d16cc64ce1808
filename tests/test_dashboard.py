"""The consent dashboard: coverage by district, the 要確認 backlog, and its SVG charts."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from roster.dashboard import charts, views
from roster.dashboard.queries import (
    RoundRate,
    consent_coverage,
    months_before,
    oldest_due,
    reverify_due_condition,
    reverify_due_count,
)
from roster.models import AuditEvent, ConsentState, Registrant, RegistrantStatus, Role
from roster.viewer import viewer_of

from .conftest import AuthActions, IsolatedClient

SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2026, 11, 22)


def parse_svg(markup: str) -> ET.Element:
    root = ET.fromstring(markup)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    return root


def has_inline_style(root: ET.Element) -> bool:
    return any("style" in el.attrib or el.tag == f"{SVG}style" for el in root.iter())


def bar(*values: float, **kw: Any) -> str:
    colours = ["#1e7b34", "#74c476", "#d55e00", "#cc79a7", "#c4c9cf"]
    segments = [charts.Segment(f"part {i}: {v}", v, colours[i % 5]) for i, v in enumerate(values)]
    return charts.stacked_bar(segments, 200, 20, title=kw.pop("title", "A bar"), **kw)


def segment_rects(root: ET.Element) -> list[ET.Element]:
    """The coloured parts: rects that carry a <title> of their own."""
    return [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


# ---------------------------------------------------------------------------------------------
# Charts: pure functions, no database.
# ---------------------------------------------------------------------------------------------


def test_a_stacked_bar_is_well_formed_svg_named_and_described_for_screen_readers() -> None:
    root = parse_svg(bar(3, 1, desc="Three of four consented", ident="coverage-7"))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "coverage-7-title coverage-7-desc"
    assert root.find(f"{SVG}title").text == "A bar"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Three of four consented"  # type: ignore[union-attr]


def test_a_stacked_bar_uses_presentation_attributes_and_no_inline_style() -> None:
    markup = bar(5, 0, 2, 1, 9)
    root = parse_svg(markup)
    assert not has_inline_style(root)
    assert "style=" not in markup and "<style" not in markup
    assert {r.get("fill") for r in segment_rects(root)} == {
        "#1e7b34",
        "#d55e00",
        "#cc79a7",
        "#c4c9cf",
    }


def test_segment_lengths_follow_the_shares_and_fill_the_whole_bar() -> None:
    root = parse_svg(bar(1, 1, 2))
    rects = segment_rects(root)
    widths = [float(r.get("width", "")) for r in rects]
    assert widths == [50.0, 50.0, 100.0]
    assert [float(r.get("x", "")) for r in rects] == [0.0, 50.0, 100.0]


def test_shares_that_do_not_divide_evenly_still_add_up_to_the_bar_width() -> None:
    widths = charts.segment_widths([1, 1, 1], 200)
    assert sum(widths) == pytest.approx(200, abs=1e-9)
    assert all(w == pytest.approx(66.67, abs=0.02) for w in widths)


def test_empty_segments_are_left_out_and_an_empty_bar_still_draws_with_its_description() -> None:
    root = parse_svg(bar(0, 0, title="Nobody", desc="No one on the register here."))
    assert segment_rects(root) == []
    assert root.find(f"{SVG}desc").text == "No one on the register here."  # type: ignore[union-attr]


def test_the_description_lists_the_segments_when_none_is_given() -> None:
    root = parse_svg(bar(2, 3))
    assert root.find(f"{SVG}desc").text == "part 0: 2; part 1: 3"  # type: ignore[union-attr]


def test_text_in_a_chart_is_escaped() -> None:
    evil = '<script>alert("x")</script> & "quotes"'
    segments = [charts.Segment(evil, 1, "#1e7b34")]
    markup = charts.stacked_bar(segments, title=evil, desc=evil)
    assert "<script>" not in markup
    root = parse_svg(markup)
    assert root.find(f"{SVG}title").text == evil  # type: ignore[union-attr]
    assert segment_rects(root)[0].find(f"{SVG}title").text == evil  # type: ignore[union-attr]


@pytest.mark.parametrize("colour", ["red", '#fff" onload="x', "#12345", "url(#x)"])
def test_a_colour_other_than_hex_rgb_is_refused(colour: str) -> None:
    with pytest.raises(ValueError):
        charts.stacked_bar([charts.Segment("a", 1, colour)], title="t")


def test_an_element_id_that_could_break_out_of_its_attribute_is_refused() -> None:
    with pytest.raises(ValueError):
        bar(1, ident='x" onload="alert(1)')


def test_a_legend_swatch_is_well_formed_and_hidden_from_screen_readers() -> None:
    root = parse_svg(charts.swatch("#1e7b34"))
    assert root.get("aria-hidden") == "true"
    assert not has_inline_style(root)
    assert root.find(f"{SVG}rect").get("fill") == "#1e7b34"  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------------------
# 要確認: due for review.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 22), 12, date(2025, 11, 22)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 15), 3, date(2025, 10, 15)),
        (date(2026, 5, 1), 0, date(2026, 5, 1)),
    ],
)
def test_months_before_counts_calendar_months_and_stays_inside_short_months(
    day: date, months: int, expected: date
) -> None:
    assert months_before(day, months) == expected


@pytest.fixture()
def backlog(factory: Any) -> dict[str, Registrant]:
    """People in one district, verified at different times, relative to TODAY and 12 months."""
    factory.municipality()
    d = factory.district()
    cutoff = date(2025, 11, 22)
    return {
        "never": factory.registrant(d, last_verified_on=None),
        "long_ago": factory.registrant(d, last_verified_on=date(2020, 4, 1)),
        "just_over": factory.registrant(d, last_verified_on=cutoff - timedelta(days=1)),
        "on_cutoff": factory.registrant(d, last_verified_on=cutoff),
        "recent": factory.registrant(d, last_verified_on=date(2026, 10, 1)),
        "moved_never": factory.registrant(
            d, last_verified_on=None, status=RegistrantStatus.MOVED_OUT
        ),
        "deceased_old": factory.registrant(
            d, last_verified_on=date(2019, 1, 1), status=RegistrantStatus.DECEASED
        ),
    }


def test_due_for_review_counts_the_never_verified_and_those_verified_over_n_months_ago(
    db: Any, backlog: dict[str, Registrant]
) -> None:
    due = set(db.scalars(select(Registrant.id).where(reverify_due_condition(TODAY, 12))))
    assert due == {backlog[k].id for k in ("never", "long_ago", "just_over")}
    assert reverify_due_count(db, TODAY, 12) == 3


def test_recently_verified_and_inactive_people_are_not_due_for_review(
    db: Any, backlog: dict[str, Registrant]
) -> None:
    due = set(db.scalars(select(Registrant.id).where(reverify_due_condition(TODAY, 12))))
    for name in ("on_cutoff", "recent", "moved_never", "deceased_old"):
        assert backlog[name].id not in due, name


def test_a_shorter_review_period_makes_more_people_due(
    db: Any, backlog: dict[str, Registrant]
) -> None:
    assert reverify_due_count(db, TODAY, 1) == 5  # now "on_cutoff" and "recent" too
    assert reverify_due_count(db, TODAY, 120) == 1  # only the never verified


@pytest.mark.parametrize("months", [0, 1, 6, 12, 60, 120])
def test_the_fast_count_agrees_with_the_condition_for_any_review_period(
    db: Any, backlog: dict[str, Registrant], months: int
) -> None:
    plain = select(func.count()).select_from(Registrant)
    plain = plain.where(reverify_due_condition(TODAY, months))
    assert reverify_due_count(db, TODAY, months) == db.scalar(plain)


def test_the_longest_overdue_come_first_never_verified_before_the_oldest_verification(
    db: Any, backlog: dict[str, Registrant], factory: Any
) -> None:
    staff = factory.user(Role.STAFF)
    rows = oldest_due(db, viewer_of(staff, db), TODAY, 12)
    assert [r.id for r in rows] == [backlog[k].id for k in ("never", "long_ago", "just_over")]
    assert [r.id for r in oldest_due(db, viewer_of(staff, db), TODAY, 12, limit=2)] == [
        backlog["never"].id,
        backlog["long_ago"].id,
    ]


# ---------------------------------------------------------------------------------------------
# Consent coverage.
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def towns(factory: Any) -> dict[str, Any]:
    """North: 2 consented, 1 presumed, 1 refused, 1 withdrawn, 3 unasked, and 1 consented who
    moved out. South: 1 consented. East: nobody."""
    factory.municipality()
    staff = factory.user(Role.STAFF, "t_staff")
    north, south = factory.district("北町"), factory.district("南町")
    east = factory.district("東町")
    plan = [
        (north, ConsentState.CONSENTED, 2),
        (north, ConsentState.PRESUMED, 1),
        (north, ConsentState.REFUSED, 1),
        (north, ConsentState.WITHDRAWN, 1),
        (north, None, 3),
        (south, ConsentState.CONSENTED, 1),
    ]
    for district, state, n in plan:
        for _i in range(n):
            person = factory.registrant(district)
            if state is not None:
                factory.consent(person, state, staff)
    moved = factory.registrant(north, status=RegistrantStatus.MOVED_OUT)
    factory.consent(moved, ConsentState.CONSENTED, staff)
    return {"north": north, "south": south, "east": east, "staff": staff}


def test_coverage_counts_active_people_by_district_and_consent_state(
    db: Any, towns: dict[str, Any]
) -> None:
    coverage = consent_coverage(db)
    rows = {row.district.name: row for row in coverage.rows if row.district}
    assert set(rows) == {"北町", "南町", "東町"}
    north = rows["北町"]
    assert north.counts == {
        ConsentState.CONSENTED: 2,
        ConsentState.PRESUMED: 1,
        ConsentState.REFUSED: 1,
        ConsentState.WITHDRAWN: 1,
        ConsentState.UNCONFIRMED: 3,
    }
    assert north.total == 8  # the consenting person who moved out is not counted
    assert rows["南町"].counts[ConsentState.CONSENTED] == rows["南町"].total == 1
    assert rows["東町"].total == 0


def test_coverage_shares_are_fractions_of_the_district_and_the_total_row_adds_up(
    db: Any, towns: dict[str, Any]
) -> None:
    coverage = consent_coverage(db)
    north = next(r for r in coverage.rows if r.district and r.district.name == "北町")
    assert north.share(ConsentState.CONSENTED) == pytest.approx(0.25)
    assert north.share(ConsentState.UNCONFIRMED) == pytest.approx(0.375)
    assert sum(north.share(s) for s in ConsentState) == pytest.approx(1.0)
    east = next(r for r in coverage.rows if r.district and r.district.name == "東町")
    assert east.share(ConsentState.CONSENTED) == 0.0
    assert coverage.total.district is None
    assert coverage.total.total == 9
    assert coverage.total.counts[ConsentState.CONSENTED] == 3
    assert coverage.total.share(ConsentState.CONSENTED) == pytest.approx(3 / 9)


# ---------------------------------------------------------------------------------------------
# The page.
# ---------------------------------------------------------------------------------------------


def svgs_in(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)


def test_staff_see_counts_and_percentages_with_links_to_the_filtered_register(
    client: IsolatedClient, auth: AuthActions, towns: dict[str, Any]
) -> None:
    auth.login("t_staff")
    client.post("/locale", data={"locale": "en", "next": "/dashboard/"})
    html = client.get("/dashboard/").get_data(as_text=True)
    north = towns["north"].id
    assert f'href="/registrants/?status=active&amp;district={north}"' in html
    assert f'href="/registrants/?consent=consented&amp;status=active&amp;district={north}"' in html
    assert (
        f'href="/registrants/?consent=unconfirmed&amp;status=active&amp;district={north}"' in html
    )
    assert "25.0%" in html and "37.5%" in html  # 北町: 2 and 3 of 8
    assert "33.3%" in html  # all districts: 3 consented of 9
    assert 'href="/registrants/?consent=consented&amp;status=active"' in html  # the total row
    assert "Consented: 2 (25.0%)" in html  # the bar segment's tooltip


def test_the_page_draws_one_bar_per_district_plus_the_total_well_formed_and_without_styles(
    client: IsolatedClient, auth: AuthActions, towns: dict[str, Any]
) -> None:
    auth.login("t_staff")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert " style=" not in html and "<style" not in html and "<script" not in html
    bars = [s for s in svgs_in(html) if 'role="img"' in s]
    assert len(bars) == 3 + 1
    for markup in svgs_in(html):
        assert not has_inline_style(parse_svg(markup))


def test_the_backlog_lists_the_overdue_with_links_to_their_pages_and_the_view_is_audited(
    client: IsolatedClient, auth: AuthActions, db: Any, factory: Any, world: dict[str, Any]
) -> None:
    district = world["districts"][0]
    old = factory.registrant(district, last_verified_on=date.today() - timedelta(days=3 * 365))
    fresh = factory.registrant(district, last_verified_on=date.today() - timedelta(days=30))
    auth.login("t_staff")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert f'href="/registrants/{old.id}"' in html and old.name in html
    assert f'href="/registrants/{fresh.id}"' not in html
    # The world's four people were never verified; with `old` that makes five.
    assert "<strong>5</strong>" in html
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "registrant.list")
        .order_by(AuditEvent.seq.desc())
    ).first()
    assert event is not None
    detail = json.loads(event.detail)
    assert old.id in detail["ids"] and detail["view"] == "dashboard"


def test_the_review_period_comes_from_the_configuration(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    factory: Any,
    world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = factory.registrant(
        world["districts"][0], last_verified_on=date.today() - timedelta(days=100)
    )
    auth.login("t_staff")
    assert f'/registrants/{person.id}"' not in client.get("/dashboard/").get_data(as_text=True)
    monkeypatch.setitem(app.config, "REVERIFY_MONTHS", 2)
    assert f'/registrants/{person.id}"' in client.get("/dashboard/").get_data(as_text=True)


def test_the_mailing_round_section_is_left_out_entirely_while_there_are_no_rates(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    client.post("/locale", data={"locale": "en", "next": "/dashboard/"})
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "rounds-heading" not in html and "Return rate" not in html


def test_the_mailing_round_section_appears_when_the_hook_returns_rates(
    client: IsolatedClient,
    auth: AuthActions,
    world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rates = [RoundRate("2026年度 第1回", date(2026, 6, 1), 200, 150)]
    monkeypatch.setattr(views, "round_rates", lambda session: rates)
    auth.login("t_staff")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "rounds-heading" in html and "2026年度 第1回" in html and "75.0%" in html


@pytest.mark.parametrize("role", ["admin", "partner", "planner"])
def test_only_staff_may_open_the_dashboard(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], role: str
) -> None:
    auth.login(f"t_{role}")
    assert client.get("/dashboard/").status_code == 403


def test_someone_signed_out_is_sent_to_sign_in(
    client: IsolatedClient, world: dict[str, Any]
) -> None:
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_the_dashboard_link_is_in_the_menu_for_staff_only(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    assert 'href="/dashboard/"' in client.get("/registrants/").get_data(as_text=True)
    auth.logout()
    auth.login("t_partner")
    assert 'href="/dashboard/"' not in client.get("/registrants/").get_data(as_text=True)


def test_the_dashboard_speaks_japanese_by_default(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert '<html lang="ja">' in html
    for word in ("同意", "推定同意", "不同意", "撤回", "未確認", "地区", "宛名番号"):
        assert word in html, word
    assert "Consented" not in html


def test_the_register_list_can_show_only_people_due_for_review(client, auth, factory, world):
    from datetime import date

    auth.login("t_staff")
    district = world["districts"][1]
    factory.registrant(district, last_verified_on=date(2000, 1, 1))
    factory.registrant(district, last_verified_on=date.today())
    page = client.get(f"/registrants/?district={district.id}&due=1").get_data(as_text=True)
    import re

    count = int(re.search(r'class="count">([\d,]+)', page).group(1))
    assert count == 2  # the old verification and the world's never-verified person
