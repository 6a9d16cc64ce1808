"""Normalising Japanese text for storage and search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_HIRAGANA_START, _HIRAGANA_END = ord("ぁ"), ord("ゖ")
_KATAKANA_OFFSET = ord("ァ") - ord("ぁ")


def nfkc(text: str) -> str:
    """Full-width digits, letters and spaces to half-width; half-width kana to full-width."""
    return unicodedata.normalize("NFKC", text)


def clean(text: str | None) -> str:
    """NFKC with runs of whitespace collapsed to one space and the ends trimmed."""
    return _SPACES.sub(" ", nfkc(text or "")).strip()


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


def next_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with prefix."""
    return prefix + "\U0010ffff"
