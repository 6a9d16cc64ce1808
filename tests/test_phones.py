"""One way of writing a phone number, typed on a form or read from an import."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from roster.models import Registrant
from roster.phones import format_phone

from .test_import_parsing import one_value
from .test_registrants import new_person

GROUPED = [
    ("0424613333", "042-461-3333"),  # 西東京市: area code 042, three-digit local part
    ("0422512345", "0422-51-2345"),  # 武蔵野市: area code 0422
    ("0312345678", "03-1234-5678"),
    ("09012345678", "090-1234-5678"),
    ("0120123456", "0120-123-456"),
    ("０４２４６１３３３３", "042-461-3333"),
    ("042 461 3333", "042-461-3333"),
    ("(042)461-3333", "042-461-3333"),
    ("042-46-13333", "042-46-13333"),  # written with its own grouping: kept
]


@pytest.mark.parametrize(("typed", "written"), GROUPED)
def test_a_number_is_written_by_its_area_code(typed, written):
    assert format_phone(typed) == written


@pytest.mark.parametrize(("typed", "written"), GROUPED[:6])
def test_an_import_writes_a_number_as_the_form_does(typed, written):
    assert one_value("電話番号", typed, "phone") == written == format_phone(typed)


def test_a_number_typed_on_the_person_form_is_grouped(client, auth, db, world):
    auth.login("t_staff")
    data = new_person(world["districts"][0], phone="0424613333", mobile_phone="09012345678")
    assert client.post("/registrants/new", data=data).status_code == 302
    person = db.scalars(select(Registrant).where(Registrant.resident_no == "1234567890")).one()
    assert (person.phone, person.mobile_phone) == ("042-461-3333", "090-1234-5678")


@settings(deadline=None)  # the first call loads the numbering tables
@given(st.from_regex(r"0[1-9][0-9]{8,9}", fullmatch=True))
def test_grouping_keeps_every_digit_in_order(digits):
    written = format_phone(digits)
    assert written is not None and written.replace("-", "") == digits
    assert written.count("-") in (0, 2)


@settings(deadline=None)
@given(st.text(max_size=30))
def test_anything_typed_comes_back_as_text(text):
    assert isinstance(format_phone(text), str)
