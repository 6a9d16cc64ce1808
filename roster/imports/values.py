"""Normalising one cell of an export the way the registrant form would: each field's parser
turns a cell into its value or raises ValueProblem with the reason shown to the user.

field_parsers() gives the parser of every field, the coded ones (sex, care level, household,
mobility) reading the mapping's codes before the built-in words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from enum import StrEnum

from ..models.registrants import CareLevel, Household, Mobility, Sex
from ..phones import group_digits
from ..text import is_katakana_reading, to_katakana
from .dates import DateError, to_date
from .mapping import CODED_FIELDS, Mapping, match_key
from .messages import MessageError
from .tables import Cell, cell_text


class ValueProblem(MessageError):
    """A cell's value is wrong; the message is the reason shown to the user."""


def _limited(limit: int) -> Callable[[Cell], str]:
    def parse(cell: Cell) -> str:
        text = cell_text(cell)
        if len(text) > limit:
            raise ValueProblem("too_long", limit=limit, length=len(text))
        return text

    return parse


_DIGITS = re.compile(r"[0-9]+")


def _resident_no(cell: Cell) -> str:
    text = cell_text(cell)
    if not _DIGITS.fullmatch(text):
        raise ValueProblem("resident_no_digits", value=text)
    if len(text) > 20:
        raise ValueProblem("resident_no_length", length=len(text))
    return text


# Katakana, ー, ・ and spaces: almost every reading, checked without looking up char names.
_PLAIN_KATAKANA = re.compile(r"[ァ-ヺー・ヽヾ ]+")


def _kana(cell: Cell) -> str:
    text = cell_text(cell)
    if not _PLAIN_KATAKANA.fullmatch(text):
        text = to_katakana(text)
    if not (_PLAIN_KATAKANA.fullmatch(text) or is_katakana_reading(text)):
        raise ValueProblem("kana", value=text)
    if len(text) > 100:
        raise ValueProblem("too_long", limit=100, length=len(text))
    return text


def _birth_date(today: date) -> Callable[[Cell], date]:
    def parse(cell: Cell) -> date:
        try:
            day = to_date(cell)
        except DateError as error:
            raise ValueProblem(error.message.code, **dict(error.message.params)) from None
        if day > today:
            raise ValueProblem("future_date", value=day.isoformat())
        if day.year < 1900:
            raise ValueProblem("before_1900", value=day.isoformat())
        return day

    return parse


_POSTAL = re.compile(r"〒?([0-9]{3})-?([0-9]{4})")
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))


def _postal_code(cell: Cell) -> str:
    if isinstance(cell, int | float) and not isinstance(cell, bool) and 0 < cell < 10**7:
        # A number cell cannot hold the leading zeros of 001-0010; a postal code has 7 digits.
        cell = f"{int(cell):07d}"
    text = cell_text(cell).translate(_DASHES).replace(" ", "")
    if not (match := _POSTAL.fullmatch(text)):
        raise ValueProblem("postal_code", value=text)
    return f"{match[1]}-{match[2]}"


# The registrant form's phone pattern, so imported numbers pass the same check when edited.
_PHONE_SHAPE = re.compile(r"0\d{1,4}-?\d{1,4}-?\d{3,4}")
_PHONE_SEPARATORS = str.maketrans(dict.fromkeys("‐‑‒–—―−ー() ", "-"))
_HYPHEN_RUNS = re.compile(r"-{2,}")


def _phone(cell: Cell) -> str:
    given = cell_text(cell)
    text = _HYPHEN_RUNS.sub("-", given.translate(_PHONE_SEPARATORS)).strip("-")
    digits = text.replace("-", "")
    if not (_DIGITS.fullmatch(digits) and 10 <= len(digits) <= 11 and digits[0] == "0"):
        # A number cell has lost the leading 0: the message says to format it as text.
        raise ValueProblem("phone" if isinstance(cell, str) else "phone_number_cell", value=given)
    if "-" in text:
        if not _PHONE_SHAPE.fullmatch(text):
            raise ValueProblem("phone_hyphens", value=given)
        return text
    return group_digits(digits)  # grouped as a number typed on a form is (roster.phones)


_NO_CERTIFICATE = {"なし", "無し", "無", "-"}


_certificate_text = _limited(40)


def _certificate(cell: Cell) -> str | None:
    text = _certificate_text(cell)
    return None if text in _NO_CERTIFICATE else text


def _codes(enum: type[StrEnum], names: dict[str, tuple[str, ...]]) -> dict[str, StrEnum]:
    """match_key(word) -> member, for each member's own value and the words given for it."""
    table: dict[str, StrEnum] = {}
    for member in enum:
        for word in (member.value, *names.get(member.value, ())):
            table[match_key(word)] = member
    return table


_BUILTIN_CODES: dict[str, dict[str, StrEnum]] = {
    "sex": _codes(
        Sex,
        {
            "male": ("男", "男性", "M", "1"),
            "female": ("女", "女性", "F", "2"),
            "other": ("その他",),
        },
    ),
    "care_level": _codes(
        CareLevel,
        {
            "none": ("非該当", "なし", "無し", "無", "未申請", "自立", "-"),
            **{f"support_{n}": (f"要支援{n}", f"支援{n}") for n in (1, 2)},
            **{f"care_{n}": (f"要介護{n}", f"介護{n}") for n in range(1, 6)},
        },
    ),
    "household": _codes(
        Household,
        {
            "alone": ("独居", "単身", "一人暮らし", "ひとり暮らし"),
            "elderly_only": ("高齢者のみ", "高齢者のみ世帯", "高齢者世帯"),
            "with_others": ("同居", "家族同居"),
            "unknown": ("未確認", "不明"),
        },
    ),
    "mobility": _codes(
        Mobility,
        {
            "independent": ("独歩", "自立", "歩行可"),
            "cane_walker": ("杖・歩行器", "杖", "歩行器"),
            "wheelchair": ("車椅子", "車いす"),
            "bedridden": ("寝たきり",),
            "unknown": ("未確認", "不明"),
        },
    ),
}


def _coded(target: str, mapping: Mapping) -> Callable[[Cell], StrEnum]:
    """A parser for a coded field: the mapping's codes first, then the built-in words.

    Coded columns hold a handful of distinct values, so each is looked up once.
    """
    codes = mapping.values.get(target, {})
    # Excel turns the code "01" into the number 1, so number cells match codes by value.
    numeric = {int(code): value for code, value in codes.items() if code.isdigit()}
    seen: dict[Cell, StrEnum] = {}

    def parse(cell: Cell) -> StrEnum:
        if (member := seen.get(cell)) is None:
            member = seen[cell] = _member(target, cell, codes, numeric)
        return member

    return parse


def _member(target: str, cell: Cell, codes: dict[str, str], numeric: dict[int, str]) -> StrEnum:
    """The member a cell of a coded field names: by the mapping's codes (a number cell by
    value), else by the built-in words; ValueProblem when by neither."""
    key = match_key(cell_text(cell))
    value = codes.get(key)
    if value is None and not isinstance(cell, str) and key.isdigit():
        value = numeric.get(int(key))
    member = CODED_FIELDS[target](value) if value is not None else _BUILTIN_CODES[target].get(key)
    if member is None:
        raise ValueProblem(f"{target}_unknown", value=cell_text(cell))
    return member


def field_parsers(mapping: Mapping, today: date) -> dict[str, Callable[[Cell], object]]:
    parsers: dict[str, Callable[[Cell], object]] = {
        "resident_no": _resident_no,
        "name": _limited(100),
        "name_kana": _kana,
        "birth_date": _birth_date(today),
        "address": _limited(200),
        "postal_code": _postal_code,
        "phone": _phone,
        "mobile_phone": _phone,
        "disability_certificate": _certificate,
        "support_reason": _limited(2000),
        "district": _limited(60),
    }
    parsers.update({target: _coded(target, mapping) for target in CODED_FIELDS})
    return parsers
