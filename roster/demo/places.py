"""The towns (町) of 西東京市 and the demo's partner organisations.

Town names, readings, postal codes and numbers of 丁目 are those of the real city; the
weights (how many demo people live in each town) are only roughly in line with population.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import PartnerCategory


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


@dataclass(frozen=True)
class OrganisationSpec:
    """A demo partner organisation and the towns it serves."""

    name: str
    category: PartnerCategory
    towns: tuple[str, ...]


#: The partner user belongs to the first one.
ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec(
        "西東京市民生委員児童委員協議会 第1地区",
        PartnerCategory.MINSEI_IIN,
        ("田無町", "南町", "西原町", "緑町", "谷戸町", "芝久保町", "北原町"),
    ),
    OrganisationSpec(
        "ひばりが丘地区自治会連合会",
        PartnerCategory.JICHIKAI,
        ("ひばりが丘", "ひばりが丘北", "北町", "栄町"),
    ),
    OrganisationSpec(
        "柳沢・東伏見地区自主防災会",
        PartnerCategory.JISHU_BOSAI,
        ("柳沢", "東伏見"),
    ),
    OrganisationSpec(
        "西東京市社会福祉協議会",
        PartnerCategory.SHAKYO,
        ("保谷町", "富士町", "中町", "東町", "泉町"),
    ),
    OrganisationSpec(
        "西東京消防署",
        PartnerCategory.FIRE,
        ("田無町", "南町", "向台町", "芝久保町", "新町"),
    ),
    OrganisationSpec(
        "田無警察署",
        PartnerCategory.POLICE,
        ("下保谷", "住吉町", "ひばりが丘", "北町", "栄町"),
    ),
)
