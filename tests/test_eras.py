"""Dates typed as on paper: 和暦 (昭和15年3月2日, S15.3.2, R7.4.1) as well as 西暦."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roster.eras import ERAS, INITIALS, DateTextError, era_of, parse_date, wareki

DAYS = st.dates(min_value=ERAS[-1][2], max_value=date(2099, 12, 31))
WIDE = str.maketrans("0123456789.-/", "０１２３４５６７８９．－／")


def short(day: date) -> str:
    """The day as a clerk abbreviates it: S15.3.2."""
    era = era_of(day)
    assert era is not None
    initial = next(k for k, v in INITIALS.items() if v == era[0])
    return f"{initial}{era[1]}.{day.month}.{day.day}"


@given(DAYS)
def test_wareki_of_a_day_reads_back_as_that_day(day):
    assert parse_date(wareki(day)) == day


@given(DAYS)
def test_the_initial_and_dots_read_back_as_that_day(day):
    assert parse_date(short(day)) == day
    assert parse_date(short(day).lower()) == day


@given(DAYS)
def test_full_width_digits_read_as_half_width(day):
    assert parse_date(wareki(day).translate(WIDE)) == day
    assert parse_date(short(day).translate(WIDE)) == day
    assert parse_date(unicodedata.normalize("NFKC", day.isoformat()).translate(WIDE)) == day


@given(DAYS)
def test_western_dates_read_in_every_usual_form(day):
    for text in (day.isoformat(), f"{day.year}/{day.month}/{day.day}",
                 f"{day.year}年{day.month}月{day.day}日", day.strftime("%Y%m%d"),
                 f" {day.year}.{day.month}.{day.day} "):
        assert parse_date(text) == day


@pytest.mark.parametrize("text, day", [
    ("昭和15年3月2日", date(1940, 3, 2)),
    ("S15.3.2", date(1940, 3, 2)),
    ("R7.4.1", date(2025, 4, 1)),
    ("平成元年1月8日", date(1989, 1, 8)),
    ("令和元年5月1日", date(2019, 5, 1)),
    ("昭和 15年 3月 2日", date(1940, 3, 2)),
    ("ｓ１５．３．２", date(1940, 3, 2)),
    ("㍼15年3月2日", date(1940, 3, 2)),
    ("H1/1/8", date(1989, 1, 8)),
])
def test_dates_as_written_on_paper(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["平成31年5月1日", "平成元年1月7日", "昭和元年12月24日",
                                  "R0.1.1"])
def test_a_day_outside_its_era_is_refused_not_guessed(text):
    with pytest.raises(DateTextError) as refused:
        parse_date(text)
    assert refused.value.code in {"era_before", "era_after", "era_year_zero"}


@given(st.text(max_size=20))
def test_any_text_is_a_date_or_a_clear_refusal(text):
    try:
        day = parse_date(text)
    except DateTextError:
        return
    assert isinstance(day, date)


@pytest.mark.parametrize("text", ["平成元年", "R7.2.30", "2026-13-01", "昭和", "令和8年4月",
                                  "X7.4.1", ""])
def test_text_that_is_not_a_whole_date_is_refused(text):
    with pytest.raises(DateTextError):
        parse_date(text)


def test_a_date_field_takes_wareki_and_says_what_to_fix(client, auth, db, world):
    auth.login("t_staff")
    person = world["unasked"]
    url = f"/registrants/{person.id}/consent/new"
    data = {"purpose": "register_sharing", "state": "refused", "method": "mail"}
    response = client.post(url, data={**data, "decided_on": "平成31年5月1日"})
    assert response.status_code == 422
    assert "元号の期間にありません" in response.get_data(as_text=True)
    response = client.post(url, data={**data, "decided_on": "きのう"})
    assert "R8.4.1" in response.get_data(as_text=True)
    assert client.post(url, data={**data, "decided_on": "Ｒ７．４．１"}).status_code == 302
    db.refresh(person)
    assert person.current_consent.decided_on == date(2025, 4, 1)


def test_date_fields_are_text_boxes_that_carry_the_era_table(client, auth, world):
    auth.login("t_staff")
    page = client.get(f"/registrants/{world['unasked'].id}/consent/new").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="decided_on"[^>]*>', page)
    assert box and 'type="text"' in box.group(0)
    table = re.search(r'data-eras="([^"]*)"', box.group(0))
    assert table and table.group(1).split(";")[0] == "令和,R,2019-05-01"
    assert "forms.js" in page
