"""Shelter capacity from the free text municipalities publish (想定収容人数).

Real values look like 「屋内480人／屋外3,350人(面積の1/2)」, 「480人」, 「約1,200名」, 「４８０人」,
「屋内：480」 or 「-」. Planning needs one number of people a place can hold for a stay, but
the text also carries numbers that are not head counts (an area fraction, ㎡, a year), so
only a number followed by 人/名, a number right after an indoor/outdoor label, or a text
that is nothing but a number counts. Everything else is left unknown rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

#: Words that mark a count as indoor (a stay) or outdoor (a place to flee to).
INDOOR_WORDS = ("屋内", "室内", "建物内", "施設内", "体育館", "校舎", "教室")
OUTDOOR_WORDS = ("屋外", "校庭", "グラウンド", "グランド", "運動場", "広場")

_ABOUT = r"(?:約|およそ|概ね|最大)?"
_NUMBER = r"(\d+(?:\.\d+)?)"
# A head count: a number followed by 人 or 名 (万 allowed in between).
_HEAD_COUNT = re.compile(_ABOUT + _NUMBER + r"(万)?(?:人|名)")
# A labelled number with no unit: 屋内：480. Not a fraction, an area, a year or a percentage.
_LABELS = "|".join(INDOOR_WORDS + OUTDOOR_WORDS)
_LABELLED = re.compile(rf"({_LABELS})[:=]?{_ABOUT}{_NUMBER}(?![\d./]|万|m|平方|坪|年|%|人|名)")
_BARE = re.compile(rf"{_ABOUT}{_NUMBER}")
# 「うち屋内480人」 is part of a figure already given, not more people.
_PART_OF = "うち"
# Thousands separators, so 3,350 reads as one number (full-width ones are NFKC'd first).
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


@dataclass(frozen=True, slots=True)
class Capacity:
    """What a capacity text says: indoor and outdoor head counts, their total, the text."""

    indoor: int | None
    outdoor: int | None
    #: All head counts together (indoor + outdoor, or an unlabelled figure).
    total: int | None
    #: The text as published (trimmed), or None when there was none.
    text: str | None

    @property
    def people(self) -> int | None:
        """The number to plan stays with: the indoor count if known, else the total.

        Outdoor space is for fleeing, not for staying, so it only counts when the text
        gives nothing else (a park that is an emergency site).
        """
        return self.indoor if self.indoor is not None else self.total


def parse_capacity(text: str | None) -> Capacity:
    """The head counts in a capacity text; numbers that are not head counts are ignored.

    >>> parse_capacity("屋内480人／屋外3,350人(面積の1/2)").people
    480
    >>> parse_capacity("約1,200名").total
    1200
    >>> parse_capacity("-").people is None
    True
    """
    original = text.strip() if isinstance(text, str) else None
    if not original:
        return Capacity(None, None, None, None)
    counts = _head_counts(original)
    indoor = _sum(value for label, value, _part in counts if label == "indoor")
    outdoor = _sum(value for label, value, _part in counts if label == "outdoor")
    total = _sum(value for _label, value, part in counts if not part)
    return Capacity(indoor, outdoor, total, original)


def _head_counts(text: str) -> list[tuple[str | None, int, bool]]:
    """The head counts of a capacity text (see _counts), or its bare number as the one."""
    normal = _THOUSANDS.sub("", "".join(unicodedata.normalize("NFKC", text).split()))
    counts = _counts(normal)
    if not counts and (bare := _BARE.fullmatch(normal)):
        counts = [(None, _number(bare.group(1), None), False)]
    return counts


def _counts(text: str) -> list[tuple[str | None, int, bool]]:
    """(label, value, is part of an earlier figure) for each head count in the text."""
    found: list[tuple[int, int, str | None, int]] = []  # start, end, label, value
    for match in _HEAD_COUNT.finditer(text):
        found.append((match.start(), match.end(), None, _number(match.group(1), match.group(2))))
    for match in _LABELLED.finditer(text):
        value = _number(match.group(2), None)
        found.append((match.start(2), match.end(), _label(match.group(1)), value))
    found.sort()
    counts: list[tuple[str | None, int, bool]] = []
    previous_end = 0
    for start, end, label, value in found:
        before = text[previous_end:start]
        counts.append(
            (label or _last_label(before) or _label_after(text[end:]), value, _PART_OF in before)
        )
        previous_end = end
    return counts


def _last_label(text: str) -> str | None:
    """The label nearest the end of text (the words just before a count)."""
    best: tuple[int, str | None] = (-1, None)
    for word in INDOOR_WORDS + OUTDOOR_WORDS:
        position = text.rfind(word)
        if position > best[0]:
            best = (position, _label(word))
    return best[1]


def _label_after(text: str) -> str | None:
    """A label written right after a count, as in 480人(屋内)."""
    head = text[:6].lstrip("(（[")
    for word in INDOOR_WORDS + OUTDOOR_WORDS:
        if head.startswith(word):
            return _label(word)
    return None


def _label(word: str) -> str:
    return "indoor" if word in INDOOR_WORDS else "outdoor"


def _number(digits: str, man: str | None) -> int:
    return round(float(digits) * (10_000 if man else 1))


def _sum(values: Iterable[int]) -> int | None:
    numbers = list(values)
    return sum(numbers) if numbers else None
