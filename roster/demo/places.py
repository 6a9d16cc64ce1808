"""The towns (町) of 西東京市 (the demo's partner organisations are in organisations.py).

Town names, readings, postal codes and numbers of 丁目 are those of the real city; the
weights (how many demo people live in each town) are only roughly in line with population.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The demo municipality.
MUNICIPALITY = {"code": "132292", "name": "西東京市", "prefecture": "東京都"}


@dataclass(frozen=True)
class Town:
    """A town of the demo city."""

    name: str
    kana: str
    postal_code: str
    #: How many 丁目 the town has (1 to chome).
    chome: int
    #: Relative number of demo people living there.
    weight: int


TOWNS: tuple[Town, ...] = (
    Town("田無町", "タナシチョウ", "188-0011", 7, 9),
    Town("南町", "ミナミチョウ", "188-0012", 6, 9),
    Town("向台町", "ムコウダイチョウ", "188-0013", 6, 11),
    Town("芝久保町", "シバクボチョウ", "188-0014", 5, 14),
    Town("谷戸町", "ヤトチョウ", "188-0001", 3, 8),
    Town("緑町", "ミドリチョウ", "188-0002", 3, 5),
    Town("北原町", "キタハラチョウ", "188-0003", 3, 5),
    Town("西原町", "ニシハラチョウ", "188-0004", 5, 9),
    Town("ひばりが丘", "ヒバリガオカ", "202-0001", 4, 8),
    Town("ひばりが丘北", "ヒバリガオカキタ", "202-0002", 4, 6),
    Town("北町", "キタマチ", "202-0003", 6, 9),
    Town("下保谷", "シモホウヤ", "202-0004", 5, 11),
    Town("住吉町", "スミヨシチョウ", "202-0005", 6, 9),
    Town("栄町", "サカエチョウ", "202-0006", 3, 5),
    Town("泉町", "イズミチョウ", "202-0011", 6, 7),
    Town("東町", "ヒガシチョウ", "202-0012", 6, 7),
    Town("中町", "ナカマチ", "202-0013", 6, 7),
    Town("富士町", "フジマチ", "202-0014", 6, 7),
    Town("保谷町", "ホウヤチョウ", "202-0015", 6, 11),
    Town("東伏見", "ヒガシフシミ", "202-0021", 6, 10),
    Town("柳沢", "ヤギサワ", "202-0022", 6, 10),
    Town("新町", "シンマチ", "202-0023", 6, 8),
)

TOWNS_BY_NAME: dict[str, Town] = {town.name: town for town in TOWNS}

#: Towns the shelter data does not cover, placed relative to a town it does:
#: (town, neighbour, metres north, metres east).
TOWNS_OFFSET = (("ひばりが丘北", "ひばりが丘", 600.0, 0.0),)

#: Fictional building names for flats (the address gets a room number too).
BUILDING_NAMES = (
    "コーポさくら",
    "メゾンけやき",
    "ハイツみどり",
    "グリーンハイム",
    "サンハイツ",
    "ひまわり荘",
    "レジデンス武蔵野",
    "パレス西東京",
    "エクセル田無",
    "ルミエール保谷",
    "コーポ欅",
    "すずかけ荘",
)
