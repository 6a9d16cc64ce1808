"""Japanese addresses as keys, and the points they are matched against. Pure: no app, no db.

An address such as 「東京都西東京市泉町一丁目２番地３号 コーポさくら101号室」 becomes
Address(town='泉町', numbers=(1, 2, 3), chome=True, rest='コーポさくら101号室'): 漢数字 and
full-width digits as numbers, every dash form as one, the prefecture and city prefix and
spaces gone, and the 方書 (building, room) set aside in `rest`, which is never matched.

An index holds points at three levels, 住居 (house), 街区 (block) and 町丁目 (chome), under
keys `town|chome|block|house`; `locate` tries the finest level first.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

#: Levels of a point, finest first (the values of the registrant's location precision).
HOUSE, BLOCK, CHOME = "house", "block", "chome"
LEVELS = (HOUSE, BLOCK, CHOME)

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
                 "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI = "〇零一二三四五六七八九十百千"
#: Markers a number stands next to: only those 漢数字 are numbers (八幡町 keeps its 八).
_KANJI_RUN = re.compile(f"[{_KANJI}]+")
_BEFORE = ("丁目", "番地", "番", "-")
_AFTER = ("丁目", "番地", "番", "号", "-", "の")
# Every dash a clerk or a system may type between numbers (ー only between numbers).
_DASHES = re.compile(r"[‐‑‒–—―−﹣－]")
_LONG_VOWEL = re.compile(rf"(?<=[0-9{_KANJI}])[ーｰ](?=[0-9{_KANJI}])")
# ひばりが丘, ひばりヶ丘 and ひばりケ丘 are one town: the particle before a kanji.
_GA = re.compile(r"[ヶがケ](?=[\u4e00-\u9fff])")
_PREFECTURE = re.compile(r"^(?:東京都|北海道|京都府|大阪府|.{2,3}?県)")
_SEPARATOR = r"(?:丁目|番地|番)(?:の|-)?|-|の"
_NUMBERS = re.compile(rf"(\d+(?:(?:{_SEPARATOR})\d+)*)(丁目|番地|番|号)?")
_SPACED_DASH = re.compile(r"\s*-\s*")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
_CHOME_NAME = re.compile(r"^(.*?)(\d+)丁目$")


@dataclass(frozen=True)
class Address:
    """An address taken apart: the town, its numbers, and the 方書 set aside."""

    town: str
    #: 丁目, 番(地), 号 as written, at most three.
    numbers: tuple[int, ...]
    #: True when the address says 丁目, so the first number is the 丁目 for certain.
    chome: bool
    #: Building name, room number and anything else after the numbers.
    rest: str


@dataclass(frozen=True)
class Match:
    latitude: float
    longitude: float
    #: HOUSE, BLOCK or CHOME.
    level: str


def kanji_to_int(text: str) -> int:
    """二十三 → 23, 百五 → 105, 二〇三 → 203 (digit by digit when there is no unit)."""
    if not any(c in _KANJI_UNITS for c in text):
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for char in text:
        if char in _KANJI_UNITS:
            total += (digit or 1) * _KANJI_UNITS[char]
            digit = 0
        else:
            digit = _KANJI_DIGITS[char]
    return total + digit


def clean(text: str) -> str:
    """Width, dashes and 漢数字 next to address markers made plain; ヶ and が as ケ."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    text = _DASHES.sub("-", text).replace("ヵ", "カ")
    text = _GA.sub("ケ", text)
    text = _LONG_VOWEL.sub("-", text)
    text = _KANJI_RUN.sub(_kanji_number, text)
    return _SPACED_DASH.sub("-", text)


def _kanji_number(match: re.Match[str]) -> str:
    """A run of 漢数字 as digits when a marker stands before or after it (or it ends the text)."""
    text, start, end = match.string, match.start(), match.end()
    after = text[end:]
    if not after or after.startswith(_AFTER) or text[:start].endswith(_BEFORE):
        return str(kanji_to_int(match.group()))
    return match.group()


def town_name(text: str) -> str:
    """A town as keys hold it: cleaned, without spaces and without a leading 大字."""
    return _bare_town(clean(text))


def _bare_town(cleaned: str) -> str:
    return _SPACES.sub("", cleaned).removeprefix("大字")


def strip_city(text: str, prefecture: str = "", city: str = "") -> str:
    """The address after its prefecture and city (or 郡 and town), when it names them."""
    text = text.lstrip()
    for prefix in (prefecture, _PREFECTURE.match(text)):
        value = prefix.group() if isinstance(prefix, re.Match) else prefix
        if value and text.startswith(value):
            text = text[len(value) :].lstrip()
            break
    if city:
        at = text.find(city)
        if 0 <= at <= 8 and (at == 0 or text[:at].endswith("郡")):
            text = text[at + len(city) :]
    return text


@functools.lru_cache(maxsize=64)
def _clean_name(text: str) -> str:
    return clean(text)


def normalise(address: str, prefecture: str = "", city: str = "") -> Address:
    """Take an address apart (see the module's docstring)."""
    text = strip_city(clean(address), _clean_name(prefecture), _clean_name(city))
    match = _NUMBERS.search(text)
    if match is None:
        return Address(_bare_town(text), (), False, "")
    town = _bare_town(text[: match.start()])
    numbers = tuple(int(n) for n in _DIGITS.findall(match.group(1)))
    rest = text[match.end() :].strip()
    if len(numbers) > 3:
        # 1-2-3-405: a fourth number is the room.
        rest = "-".join(str(n) for n in numbers[3:]) + (" " + rest if rest else "")
        numbers = numbers[:3]
    return Address(town, numbers, "丁目" in match.group(0), rest.strip())


def split_chome(name: str) -> tuple[str, int | None]:
    """「泉町一丁目」 → ('泉町', 1); a town without 丁目 keeps its whole name."""
    town = town_name(name)
    found = _CHOME_NAME.match(town)
    return (found.group(1), int(found.group(2))) if found else (town, None)


def point_key(
    town: str, chome: int | None = None, block: int | None = None, house: int | None = None
) -> str:
    """The key of a point: town|chome|block|house, with empty parts left empty."""
    parts = (town, chome, block, house)
    return "|".join("" if p is None else str(p) for p in parts)


def number(text: str) -> int | None:
    """A 街区符号 or 住居番号 as written in a point file (「12」, 「１２」, 「十二」), or None."""
    value = clean(text)
    if value.isdigit():
        return int(value)
    return kanji_to_int(value) if value and all(c in _KANJI for c in value) else None


class AddressIndex:
    """Points by key, and which towns have 丁目 (so 泉町1-2-3 reads as 一丁目2番3号)."""

    def __init__(self, points: Iterable[tuple[str, float, float, str]] = ()) -> None:
        self.points: dict[str, tuple[float, float, str]] = {}
        self.chome_towns: set[str] = set()
        for key, lat, lng, level in points:
            self.add(key, lat, lng, level)

    def add(self, key: str, latitude: float, longitude: float, level: str) -> None:
        self.points[key] = (latitude, longitude, level)
        town, chome, _rest = key.split("|", 2)
        if chome:
            self.chome_towns.add(town)

    def __len__(self) -> int:
        return len(self.points)

    def keys_for(self, address: Address) -> list[str]:
        """Candidate keys, finest first."""
        return _keys(address, address.chome or address.town in self.chome_towns)

    @staticmethod
    def all_keys(address: Address) -> list[str]:
        """Every key the address may match, whether or not its town has 丁目 (to look up a
        few points without loading them all)."""
        return _keys(address, True) + ([] if address.chome else _keys(address, False))

    def locate(self, address: Address) -> Match | None:
        """The finest point the address reaches, or None."""
        if not address.town:
            return None
        for key in self.keys_for(address):
            found = self.points.get(key)
            if found is not None:
                return Match(*found)
        return None


def _keys(address: Address, has_chome: bool) -> list[str]:
    town, numbers = address.town, list(address.numbers)
    chome = None
    if numbers and has_chome:
        chome = numbers.pop(0)
    block = numbers[0] if numbers else None
    house = numbers[1] if len(numbers) > 1 else None
    keys = [point_key(town, chome, block, house)] if house is not None else []
    if block is not None:
        keys.append(point_key(town, chome, block))
    keys.append(point_key(town, chome))
    return keys
