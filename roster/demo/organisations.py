"""The demo's partner organisations (協力団体): every category, each with a fictional contact
and the towns it serves. The names end in （デモ） so that nobody mistakes them for real bodies.

ORGANISATIONS is a data table and runs long on purpose: one entry per organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..extensions import DbSession
from ..models import District, Organisation, PartnerCategory

_C = PartnerCategory


@dataclass(frozen=True)
class OrganisationSpec:
    """A demo partner organisation, its contact and the towns it serves."""

    key: str
    name: str
    category: PartnerCategory
    towns: tuple[str, ...]
    contact_name: str
    contact_phone: str
    contact_email: str
    contact_address: str
    notes: str = ""


#: The demo login `partner` belongs to the first one.
ORGANISATIONS: tuple[OrganisationSpec, ...] = (
    OrganisationSpec(
        "minsei1",
        "西東京市民生委員児童委員協議会 第1地区（デモ）",
        _C.MINSEI_IIN,
        ("田無町", "南町", "緑町", "谷戸町", "北原町", "西原町", "芝久保町"),
        "会長 青木 和子（デモ）",
        "042-400-1101",
        "minsei1@example.jp",
        "東京都西東京市南町2丁目 地区会館内（デモ）",
        "定例会は毎月第2火曜日。西原町・芝久保町は次期協定で追加を予定。",
    ),
    OrganisationSpec(
        "minsei2",
        "西東京市民生委員児童委員協議会 第2地区（デモ）",
        _C.MINSEI_IIN,
        ("保谷町", "富士町", "中町", "東町", "泉町"),
        "会長 村田 正志（デモ）",
        "042-400-1102",
        "minsei2@example.jp",
        "東京都西東京市中町1丁目 地域福祉センター内（デモ）",
        "会長交代に伴い名簿管理責任者を選任中。",
    ),
    OrganisationSpec(
        "minsei3",
        "西東京市民生委員児童委員協議会 第3地区（デモ）",
        _C.MINSEI_IIN,
        ("ひばりが丘", "ひばりが丘北", "北町", "栄町", "住吉町", "下保谷"),
        "会長 小島 直美（デモ）",
        "042-400-1103",
        "minsei3@example.jp",
        "東京都西東京市ひばりが丘北2丁目 集会所内（デモ）",
    ),
    OrganisationSpec(
        "minsei4",
        "西東京市民生委員児童委員協議会 第4地区（デモ）",
        _C.MINSEI_IIN,
        ("向台町", "新町", "柳沢", "東伏見"),
        "会長 平田 修（デモ）",
        "042-400-1104",
        "minsei4@example.jp",
        "東京都西東京市向台町3丁目 地区会館内（デモ）",
    ),
    OrganisationSpec(
        "jichikai1",
        "ひばりが丘北二丁目自治会（デモ）",
        _C.JICHIKAI,
        ("ひばりが丘", "ひばりが丘北"),
        "防災部長 星野 健一（デモ）",
        "042-400-2201",
        "hibari-jichikai@example.jp",
        "東京都西東京市ひばりが丘北2丁目 自治会集会所（デモ）",
    ),
    OrganisationSpec(
        "jichikai2",
        "柳沢五丁目町会（デモ）",
        _C.JICHIKAI,
        ("柳沢",),
        "会長 大西 勝（デモ）",
        "042-400-2202",
        "",
        "東京都西東京市柳沢5丁目（デモ）",
        "協定解除済み。写しの返却を督促中。",
    ),
    OrganisationSpec(
        "bosai1",
        "東伏見三丁目自主防災会（デモ）",
        _C.JISHU_BOSAI,
        ("東伏見",),
        "会長 永井 宏（デモ）",
        "042-400-3301",
        "higashifushimi-bosai@example.jp",
        "東京都西東京市東伏見3丁目（デモ）",
        "協定締結に向けて規約を整備中。",
    ),
    OrganisationSpec(
        "bosai2",
        "下保谷四丁目防災会（デモ）",
        _C.JISHU_BOSAI,
        ("下保谷",),
        "会長 荒木 博之（デモ）",
        "042-400-3302",
        "",
        "東京都西東京市下保谷4丁目（デモ）",
    ),
    OrganisationSpec(
        "shakyo",
        "西東京市社会福祉協議会（デモ）",
        _C.SHAKYO,
        (),  # every town
        "地域福祉推進係 担当（デモ）",
        "042-400-4401",
        "chiiki@shakyo.example.jp",
        "東京都西東京市田無町5丁目 福祉会館内（デモ）",
    ),
    OrganisationSpec(
        "fire",
        "西東京中央消防署（デモ）",
        _C.FIRE,
        (),
        "警防課 災害対策係（デモ）",
        "042-400-0119",
        "keibo@fire.example.jp",
        "東京都西東京市向台町1丁目（デモ）",
        "消防指令システムとの連携はAPIトークンで行う予定。",
    ),
    OrganisationSpec(
        "police",
        "西東京中央警察署（デモ）",
        _C.POLICE,
        (),
        "警備課 災害対策係（デモ）",
        "042-400-0110",
        "",
        "東京都西東京市田無町4丁目（デモ）",
    ),
    OrganisationSpec(
        "care",
        "けやき居宅介護支援事業所（デモ）",
        _C.WELFARE_PROVIDER,
        ("田無町", "向台町", "芝久保町"),
        "管理者 菊池 由美（デモ）",
        "042-400-5501",
        "keyaki-care@example.jp",
        "東京都西東京市芝久保町2丁目（デモ）",
        "平常時の提供なし。災害時の提供に限る協定。",
    ),
)


def add_organisations(session: DbSession, districts: dict[str, District]) -> list[Organisation]:
    """The demo's partner organisations, in ORGANISATIONS order."""
    organisations = [
        Organisation(
            name=spec.name,
            category=spec.category,
            contact_name=spec.contact_name,
            contact_phone=spec.contact_phone,
            contact_email=spec.contact_email,
            contact_address=spec.contact_address,
            notes=spec.notes,
            districts=_towns_served(spec, districts),
        )
        for spec in ORGANISATIONS
    ]
    session.add_all(organisations)
    return organisations


def _towns_served(spec: OrganisationSpec, districts: dict[str, District]) -> list[District]:
    """The organisation's towns in order of code: every town when it names none."""
    chosen = [districts[t] for t in spec.towns] if spec.towns else list(districts.values())
    return sorted(chosen, key=lambda d: d.code)
