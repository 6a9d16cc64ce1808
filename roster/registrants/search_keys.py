"""What a typed search compares: the keys a viewer may search by, whole, by their start and
by their parts, and the register number. roster.registrants.queries filters lists by them and
roster.registrants.ranked reads a search's pages rank by rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, intersect, or_, select, union_all

from ..models import Registrant, RegistrantGram
from ..text import (
    address_key,
    bigrams,
    looks_like_phone,
    next_prefix,
    phone_key,
    search_key,
)


def prefix(column: Any, text: str) -> ColumnElement[bool]:
    """column starts with text, as a range both databases answer from an index."""
    return and_(column >= text, column < next_prefix(text))


#: Search keys compared whole and by prefix, each with the field a user must be allowed to
#: see to search by it, and whether it holds a name or reading (else a number).
SEARCH_KEYS: tuple[tuple[str, Any, bool], ...] = (
    ("resident_no", Registrant.resident_no, False),
    ("name", Registrant.name_key, True),
    ("name", Registrant.given_key, True),
    ("name_kana", Registrant.kana_key, True),
    ("name_kana", Registrant.given_kana_key, True),
    ("address", Registrant.address_key, True),
    ("phone", Registrant.phone_key, False),
    ("mobile_phone", Registrant.mobile_key, False),
)
#: Keys also searched for any part of them, through their two-character pieces.
PART_KEYS: tuple[tuple[str, Any], ...] = (
    ("name", Registrant.name_key),
    ("name_kana", Registrant.kana_key),
    ("address", Registrant.address_key),
)


@dataclass(frozen=True)
class SearchTerms:
    """What a typed search compares, per kind of key."""

    #: A name, reading or resident ID (NFKC, katakana, no spaces).
    word: str
    #: The same as an address after the municipality.
    address: str
    #: The digits of a phone number, when the search is a number and nothing else.
    digits: str

    @classmethod
    def of(cls, q: str, city: str) -> SearchTerms:
        digits = phone_key(q) if looks_like_phone(q) else ""
        return cls(search_key(q), address_key(q, city), digits)

    def key_for(self, column: Any) -> str:
        if column is Registrant.address_key:
            return self.address
        if column is Registrant.phone_key or column is Registrant.mobile_key:
            return self.digits
        if column is Registrant.resident_no:
            return self.digits or self.word
        return self.word


def whole_keys(terms: SearchTerms, fields: frozenset[str]) -> list[tuple[Any, str]]:
    """The (column, key) pairs a search compares whole and by prefix."""
    pairs = []
    for needed, column, wordy in SEARCH_KEYS:
        key = terms.key_for(column)
        if needed not in fields or not key:
            continue
        if wordy and terms.digits:
            continue  # a phone number is in no name, reading or address
        if column is Registrant.resident_no and not key.isdigit():
            continue
        pairs.append((column, key))
    return pairs


#: A part search looks up at most this many of its pieces; the keys confirm the rest.
MAX_PIECES = 3


def part_matches(terms: SearchTerms, fields: frozenset[str]) -> list[Select[Any]]:
    """People a visible name, reading or address holds the search in: found by the
    two-character pieces of the search (RegistrantGram), then confirmed on the keys."""
    if terms.digits:
        return _local_numbers(terms.digits, fields)
    columns = [column for needed, column in PART_KEYS if needed in fields]
    if not columns:
        return []
    holds = [column.contains(terms.word, autoescape=True) for column in columns]
    pieces = sorted(bigrams(terms.word))[:MAX_PIECES]
    if not pieces:
        # One character (or one within numbers) has no piece to look up: read the keys.
        return [select(Registrant.id).where(condition) for condition in holds]
    lookups = [select(RegistrantGram.registrant_id).where(RegistrantGram.gram == p) for p in pieces]
    holders = lookups[0] if len(lookups) == 1 else intersect(*lookups)
    if pieces == [terms.word] and len(columns) == len(PART_KEYS):
        # The search is one piece of keys the viewer sees all of: the piece is the match.
        return [lookups[0]]
    return [select(Registrant.id).where(Registrant.id.in_(holders), or_(*holds))]


#: Phone keys, each with the field a user must be allowed to see to search by it.
PHONE_KEYS = (("phone", Registrant.phone_key), ("mobile_phone", Registrant.mobile_key))


def _local_numbers(digits: str, fields: frozenset[str]) -> list[Select[Any]]:
    """A number typed without its area code (461-3333, as callers often give it) matches the
    end of a stored number. The phone indexes are read whole for it: it is the one number
    search that grows with the register."""
    if digits.startswith("0") or len(digits) < 6:
        return []
    return [
        select(Registrant.id).where(column.endswith(digits, autoescape=True))
        for needed, column in PHONE_KEYS
        if needed in fields
    ]


#: The largest register number a search looks up (a longer number is a phone or an ID).
MAX_REGISTER_NUMBER = 2**31 - 1


def register_number(q: str, fields: frozenset[str]) -> int | None:
    """The register number (整理番号, Registrant.id) a search names, when it is a number alone
    (a leading # or No. allowed) and the user sees register numbers: matched whole only, by
    the primary key."""
    if "id" not in fields:
        return None
    typed = search_key(q).lstrip("#").removeprefix("no.")
    if not (typed.isascii() and typed.isdigit()) or len(typed) > 10:
        return None
    number = int(typed)
    return number if 0 < number <= MAX_REGISTER_NUMBER else None


def search_condition(
    q: str, fields: frozenset[str], city: str = "", parts: bool = True
) -> ColumnElement[bool] | None:
    """Match the register number (whole), the resident ID, a phone number, the name, the given
    name, the reading or the address: whole, by its start, or (names, readings, addresses)
    any part of it.

    Each key is searched on its own (an index for whole and prefix matches) and the matching
    IDs are united: a plain OR with bound parameters lets SQLite walk the whole sort index.
    """
    terms = SearchTerms.of(q, city)
    if not terms.word:
        return None
    found = [select(Registrant.id).where(prefix(c, k)) for c, k in whole_keys(terms, fields)]
    if (number := register_number(q, fields)) is not None:
        found.append(select(Registrant.id).where(Registrant.id == number))
    if parts:
        found += part_matches(terms, fields)
    return Registrant.id.in_(union_all(*found)) if found else None
