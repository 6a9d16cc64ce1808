"""Japanese phone numbers written one way, whether typed on a form or read from an import.

Digits alone are grouped as the numbering plan groups them (0424613333 → 042-461-3333,
0422512345 → 0422-51-2345, 09012345678 → 090-1234-5678), from Google's libphonenumber
tables, which know every area code (市外局番). A number written with its own separators keeps
its grouping, with spaces and brackets turned into hyphens: what was typed is tidied only as far
as its meaning allows."""

from __future__ import annotations

import re

import phonenumbers

from .text import code_text

_SEPARATORS = str.maketrans(dict.fromkeys("‐‑‒–—―−ー() ", "-"))
_HYPHEN_RUNS = re.compile(r"-{2,}")


def format_phone(text: str | None) -> str | None:
    """The number as it is written on every page; text that is not a phone number comes back
    only tidied (half-width, one kind of hyphen), for the field's own check to refuse."""
    if text is None:
        return None
    tidy = code_text(text)
    grouped = _HYPHEN_RUNS.sub("-", tidy.translate(_SEPARATORS)).strip("-")
    digits = grouped.replace("-", "")
    if not digits.isdigit():
        return tidy
    if "-" in grouped:
        return grouped
    return group_digits(digits)


def group_digits(digits: str) -> str:
    """Digits of a Japanese number in the national format, or as they are when the tables do
    not know the number."""
    try:
        number = phonenumbers.parse(digits, "JP")
    except phonenumbers.NumberParseException:
        return digits
    if not digits.startswith("0") or not phonenumbers.is_valid_number(number):
        return digits
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
