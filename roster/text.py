"""Normalising Japanese text for storage and search.

What each kind of typed text needs, and no more, so that tidying never changes meaning:

- **Names, titles and words** (a person's name, a contact, a support reason, notes): only
  whitespace is tidied (ends trimmed, a run of spaces made one; a single full-width space,
  as between 姓 and 名, stays). No NFKC: it turns （） into (), ＡＢＣ into ABC, ㈱ into (株)
  and half-width katakana into full-width, which is not how the person wrote their name.
  Not even NFC: it maps CJK compatibility ideographs (神 U+FA19) to other code points, and
  the 異体字 of a name is part of the name.
- **Addresses**: the words as written, but full-width digits become ASCII digits and a dash
  of any form between two digits becomes "-" (１－２－３ → 1-2-3), since the numbers are what
  matching and sorting read. Kanji numerals and building names are kept.
- **Numbers and codes** (phones, postal codes, resident IDs, emails, city codes): NFKC, as
  they are ASCII by definition, and any dash between digits becomes "-".
- **Readings (フリガナ)**: NFKC (half-width kana to full-width), then hiragana to katakana.
- **Search keys** (search_key, address_key, person_keys): NFKC, katakana and no spaces;
  phones as digits only (phone_key); derived copies for comparison, never shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

_SPACES = re.compile(r"\s+")
_HIRAGANA_START, _HIRAGANA_END = ord("ぁ"), ord("ゖ")
_KATAKANA_OFFSET = ord("ァ") - ord("ぁ")


def nfkc(text: str) -> str:
    """Full-width digits, letters and spaces to half-width; half-width kana to full-width."""
    return unicodedata.normalize("NFKC", text)


def clean(text: str | None) -> str:
    """NFKC with runs of whitespace collapsed to one space and the ends trimmed."""
    return _SPACES.sub(" ", nfkc(text or "")).strip()


#: Dashes people type between digits: hyphen-minus in both widths, hyphens, dashes, minus,
#: the katakana long vowel mark an IME gives for "-", and the half-width one.
_DASHES = "-－‐‑‒–—―−ーｰ"
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=[0-9０-９])[{_DASHES}](?=[0-9０-９])")
_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_RUN = re.compile(r"\s+")


def _one_space(match: re.Match[str]) -> str:
    # A single full-width space is how 姓　名 are written; any other run becomes one space.
    return "\u3000" if match.group() == "\u3000" else " "


def line_text(text: str | None) -> str:
    """Words on one line: the ends trimmed, each run of whitespace one space; nothing else."""
    return _RUN.sub(_one_space, (text or "").strip())


def lines_text(text: str | None) -> str:
    """Words on several lines: each line as line_text, the breaks kept, blank ends dropped."""
    return "\n".join(line_text(line) for line in (text or "").splitlines()).strip("\n")


def digits_text(text: str) -> str:
    """Full-width digits to ASCII, and a dash of any form between two digits to "-"."""
    return _DASH_BETWEEN_DIGITS.sub("-", text).translate(_WIDE_DIGITS)


def address_text(text: str | None) -> str:
    """An address as written, with its numbers in ASCII digits and hyphens."""
    return digits_text(line_text(text))


def code_text(text: str | None) -> str:
    """A number or code: NFKC, whitespace tidied, dashes between digits as "-"."""
    return digits_text(clean(text))


def reading_text(text: str | None) -> str:
    """A reading in full-width katakana."""
    return to_katakana(clean(text))


def to_katakana(text: str) -> str:
    """Hiragana to katakana; everything else unchanged."""
    return "".join(
        chr(ord(ch) + _KATAKANA_OFFSET) if _HIRAGANA_START <= ord(ch) <= _HIRAGANA_END else ch
        for ch in text
    )


def is_katakana_reading(text: str) -> bool:
    """True when the text is katakana (with spaces, ー and ・ allowed)."""
    return bool(text) and all(
        ch in " ー・" or unicodedata.name(ch, "").startswith("KATAKANA") for ch in text
    )


def search_key(text: str | None) -> str:
    """The form stored in *_key columns and compared with a query: NFKC, katakana, no spaces."""
    return to_katakana(_SPACES.sub("", nfkc(text or ""))).casefold()


_PREFECTURE = re.compile(r"^.{2,3}?[都道府県]")


def address_key(address: str, municipality_prefix: str) -> str:
    """An address without its prefecture and municipality, so a search can start at the town.

    A typed address may give the municipality with or without its prefecture.
    """
    key = search_key(address)
    full = search_key(municipality_prefix)
    for prefix in (full, _PREFECTURE.sub("", full)):
        if prefix and key.startswith(prefix):
            return key[len(prefix) :]
    return key


_NOT_DIGIT = re.compile(r"[^0-9]")
#: What a typed phone number may hold besides digits: spaces, dashes, brackets, a leading +.
_PHONE_MARKS = re.compile(rf"[()+\s{re.escape(_DASHES)}]")


def phone_key(text: str | None) -> str:
    """A phone number as its digits alone, whatever its form: ０４２（４６１）３３３３,
    042-461-3333 and 0424613333 are one key. An international +81 becomes the leading 0."""
    typed = nfkc(text or "").strip()
    digits = _NOT_DIGIT.sub("", typed)
    if typed.startswith("+81") and digits.startswith("81"):
        digits = "0" + digits[2:]
    return digits


def looks_like_phone(text: str) -> bool:
    """True when the text is a number and nothing else (digits, dashes, brackets, spaces)."""
    typed = _PHONE_MARKS.sub("", nfkc(text))
    return typed.isascii() and typed.isdigit()


def given_part(text: str | None) -> str:
    """What follows the first space of a name or reading (the given name), else ""."""
    parts = _SPACES.split((text or "").strip(), maxsplit=1)
    return parts[1] if len(parts) == 2 else ""


def person_keys(values: Mapping[str, Any], city: str) -> dict[str, str]:
    """The search keys of whichever of a person's name, reading, address and phones `values`
    holds, as stored in the registrants' *_key columns."""
    keys: dict[str, str] = {}
    if "name" in values:
        keys["name_key"] = search_key(values["name"])
        keys["given_key"] = search_key(given_part(values["name"]))
    if "name_kana" in values:
        keys["kana_key"] = search_key(values["name_kana"])
        keys["given_kana_key"] = search_key(given_part(values["name_kana"]))
    if "address" in values:
        keys["address_key"] = address_key(values["address"] or "", city)
    if "phone" in values:
        keys["phone_key"] = phone_key(values["phone"])
    if "mobile_phone" in values:
        keys["mobile_key"] = phone_key(values["mobile_phone"])
    return keys


_NUMBER_RUNS = re.compile(r"[0-9\-]+")


def bigrams(*keys: str) -> set[str]:
    """The two-character pieces of search keys, leaving out runs of digits and hyphens."""
    pieces: set[str] = set()
    for key in keys:
        for run in _NUMBER_RUNS.split(key):
            pieces.update(run[i : i + 2] for i in range(len(run) - 1))
    return pieces


def next_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with prefix."""
    return prefix + "\U0010ffff"
