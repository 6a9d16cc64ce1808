"""What help a fictional demo person needs, and the 避難支援等を必要とする事由 staff would write.

Shares follow the brief for the demo: mobility 35/35/20/10 %, care levels as on elderly
registers, devices, communication needs and disability certificates at realistic rates,
with younger people on the register mostly because of a disability.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ..models import CareLevel, FormLanguage, Household, Mobility, SupportReason
from .draw import Weighted, chance, one_of
from .names import LANGUAGE_WEIGHTS

_C = CareLevel
_M = Mobility

# Elderly people (65+) and younger ones differ: the young are on the register for a
# disability, so fewer use a cane and more use a wheelchair. Overall 35/35/20/10 %.
MOBILITY_ELDERLY = Weighted(
    [(_M.INDEPENDENT, 33.75), (_M.CANE_WALKER, 41.25), (_M.WHEELCHAIR, 16.25), (_M.BEDRIDDEN, 8.75)]
)
MOBILITY_YOUNG = Weighted(
    [(_M.INDEPENDENT, 40), (_M.CANE_WALKER, 10), (_M.WHEELCHAIR, 35), (_M.BEDRIDDEN, 15)]
)

CARE_BY_MOBILITY: dict[Mobility, Weighted[CareLevel]] = {
    _M.INDEPENDENT: Weighted(
        [(_C.NONE, 30), (_C.SUPPORT_1, 20), (_C.SUPPORT_2, 15), (_C.CARE_1, 25), (_C.CARE_2, 10)]
    ),
    _M.CANE_WALKER: Weighted(
        [(_C.SUPPORT_1, 15), (_C.SUPPORT_2, 20), (_C.CARE_1, 25), (_C.CARE_2, 25), (_C.CARE_3, 15)]
    ),
    _M.WHEELCHAIR: Weighted(
        [(_C.CARE_1, 5), (_C.CARE_2, 20), (_C.CARE_3, 35), (_C.CARE_4, 25), (_C.CARE_5, 15)]
    ),
    _M.BEDRIDDEN: Weighted([(_C.CARE_3, 10), (_C.CARE_4, 35), (_C.CARE_5, 55)]),
}

HOUSEHOLD_ELDERLY = Weighted(
    [(Household.ALONE, 38.75), (Household.ELDERLY_ONLY, 37.5), (Household.WITH_OTHERS, 23.75)]
)
HOUSEHOLD_YOUNG = Weighted([(Household.ALONE, 20), (Household.WITH_OTHERS, 80)])

LANGUAGES = Weighted(LANGUAGE_WEIGHTS.items())

OTHER_DEVICES: dict[Mobility, tuple[str, ...]] = {
    _M.BEDRIDDEN: ("胃ろう", "経管栄養ポンプ", "電動ベッド", "エアマット"),
    _M.WHEELCHAIR: ("電動車椅子", "胃ろう", "ストーマ"),
    _M.CANE_WALKER: ("ストーマ", "ネブライザー"),
    _M.INDEPENDENT: ("ストーマ", "ネブライザー", "インスリンポンプ"),
}

YOUNG_CERTIFICATES = Weighted(
    [("精神2級", 45), ("精神1級", 15), ("精神3級", 10), ("身体3級", 15), ("身体4級", 15)]
)

CERTIFICATE_NAMES = (
    ("身体", "身体障害者手帳"),
    ("療育", "療育手帳"),
    ("精神", "精神障害者保健福祉手帳"),
)

CARE_LABELS = {
    _C.SUPPORT_1: "要支援1",
    _C.SUPPORT_2: "要支援2",
    _C.CARE_1: "要介護1",
    _C.CARE_2: "要介護2",
    _C.CARE_3: "要介護3",
    _C.CARE_4: "要介護4",
    _C.CARE_5: "要介護5",
}


@dataclass
class Needs:
    """The needs columns of one registrant."""

    mobility: Mobility
    care_level: CareLevel
    ventilator: bool = False
    oxygen: bool = False
    suction: bool = False
    dialysis: bool = False
    device_other: str | None = None
    hearing: bool = False
    visual: bool = False
    language: str | None = None
    cognitive: bool = False
    certificate: str | None = None

    def columns(self) -> dict[str, Any]:
        """The registrant columns these needs fill."""
        return {
            "mobility": self.mobility,
            "care_level": self.care_level,
            "device_ventilator": self.ventilator,
            "device_oxygen": self.oxygen,
            "device_suction": self.suction,
            "device_dialysis": self.dialysis,
            "device_other": self.device_other,
            "comm_hearing": self.hearing,
            "comm_visual": self.visual,
            "comm_language": self.language is not None,
            "comm_cognitive": self.cognitive,
            "language_note": self.language,
            "disability_certificate": self.certificate,
            "preferred_language": self.form_language(),
        }

    def form_language(self) -> FormLanguage:
        """The consent form the person is sent: English for English speakers, やさしい日本語
        for other languages and for cognitive needs (no random draw, so the demo's other
        choices stay as they were)."""
        if self.language == "英語":
            return FormLanguage.EN
        if self.language is not None or self.cognitive:
            return FormLanguage.JA_EASY
        return FormLanguage.JA


def draw_needs(rng: random.Random, age: int) -> Needs:
    """Mobility, care level, devices, communication needs and certificate for one person."""
    elderly = age >= 65
    mobility = (MOBILITY_ELDERLY if elderly else MOBILITY_YOUNG).pick(rng)
    needs = Needs(mobility=mobility, care_level=_care_level(rng, age, mobility))
    _draw_devices(rng, needs, age)
    _draw_communication(rng, needs, age)
    needs.certificate = _certificate(rng, needs, age)
    return needs


def draw_household(rng: random.Random, age: int, needs: Needs) -> Household:
    """Alone about 35 %, elderly-only about 30 %, with others about 35 % overall.

    Home-ventilator users live with someone who can tend the machine; children and young
    people (under 20) live with their family.
    """
    if age < 20:
        return Household.WITH_OTHERS
    if needs.ventilator:
        elderly_couple = age >= 65 and chance(rng, 0.3)
        return Household.ELDERLY_ONLY if elderly_couple else Household.WITH_OTHERS
    return (HOUSEHOLD_ELDERLY if age >= 65 else HOUSEHOLD_YOUNG).pick(rng)


def _care_level(rng: random.Random, age: int, mobility: Mobility) -> CareLevel:
    # Under 65, long-term care insurance covers only specified diseases from 40.
    if age < 40 or (age < 65 and not chance(rng, 0.15)):
        return CareLevel.NONE
    return CARE_BY_MOBILITY[mobility].pick(rng)


def _draw_devices(rng: random.Random, needs: Needs, age: int) -> None:
    immobile = needs.mobility in (_M.WHEELCHAIR, _M.BEDRIDDEN)
    needs.ventilator = immobile and chance(rng, 0.015 if age >= 65 else 0.08)
    needs.suction = (
        chance(rng, 0.85)
        if needs.ventilator
        else (needs.mobility is _M.BEDRIDDEN and chance(rng, 0.12))
    )
    needs.oxygen = chance(rng, 0.045 if age >= 65 else 0.02)
    needs.dialysis = age >= 20 and chance(rng, 0.033 if age >= 65 else 0.02)
    if chance(rng, 0.04):
        needs.device_other = one_of(rng, OTHER_DEVICES[needs.mobility])


def _draw_communication(rng: random.Random, needs: Needs, age: int) -> None:
    elderly = age >= 65
    needs.hearing = chance(rng, 0.055 if elderly else 0.03)
    needs.visual = chance(rng, 0.04)
    needs.language = LANGUAGES.pick(rng) if chance(rng, 0.02) else None
    if elderly:
        dementia_prone = needs.care_level in (_C.CARE_1, _C.CARE_2, _C.CARE_3)
        needs.cognitive = chance(rng, 0.25 if dementia_prone else 0.05)
    else:
        needs.cognitive = chance(rng, 0.25)


def _certificate(rng: random.Random, needs: Needs, age: int) -> str | None:
    """The disability certificate (障害者手帳) as written on it, or None."""
    young = age < 65
    if needs.visual and chance(rng, 0.8):
        return one_of(rng, ("身体1級", "身体2級"))
    if needs.hearing and chance(rng, 0.9 if young else 0.6):
        return one_of(rng, ("身体2級", "身体3級", "身体4級", "身体6級"))
    if needs.ventilator or (needs.dialysis and chance(rng, 0.9)):
        return "身体1級"
    immobile = needs.mobility in (_M.WHEELCHAIR, _M.BEDRIDDEN)
    if not young:
        return one_of(rng, ("身体1級", "身体2級")) if immobile and chance(rng, 0.1) else None
    if not chance(rng, 0.85):
        return None
    if needs.cognitive:
        return "療育A" if chance(rng, 0.45) else "療育B"
    if immobile:
        return "身体1級" if chance(rng, 0.6) else "身体2級"
    return YOUNG_CERTIFICATES.pick(rng)


def support_categories(needs: Needs, household: Household, age: int) -> list[SupportReason]:
    """The categories staff would tick for these needs (the register's legal item).

    Elderly people with 認知症 are 高齢・要介護, as municipal forms file them; a young person's
    cognitive need is an intellectual disability, as the demo's sentences say.
    """
    certificate = needs.certificate or ""
    immobile = needs.mobility in (_M.WHEELCHAIR, _M.BEDRIDDEN)
    flags = {
        SupportReason.ELDERLY_CARE: _elderly_care(needs, household, age),
        SupportReason.PHYSICAL: certificate.startswith("身体")
        or needs.hearing
        or needs.visual
        or (age < 65 and immobile),
        SupportReason.INTELLECTUAL: certificate.startswith("療育")
        or (age < 65 and needs.cognitive),
        SupportReason.MENTAL: certificate.startswith("精神"),
        SupportReason.MEDICAL_CARE: _medical_devices(needs),
        SupportReason.FOREIGN: needs.language is not None,
    }
    return [c for c, on in flags.items() if on] or [SupportReason.OTHER]


def _elderly_care(needs: Needs, household: Household, age: int) -> bool:
    """高齢・要介護: 65 or older, and in care, living alone or with the elderly only,
    cognitively impaired, or without a disability certificate."""
    if age < 65:
        return False
    return (
        needs.care_level is not _C.NONE
        or household in (Household.ALONE, Household.ELDERLY_ONLY)
        or needs.cognitive
        or not needs.certificate
    )


def _medical_devices(needs: Needs) -> bool:
    return bool(needs.ventilator or needs.oxygen or needs.suction or needs.dialysis)


def support_reason(rng: random.Random, needs: Needs, household: Household, age: int) -> str:
    """A sentence or two like 「要介護3、車椅子使用。独居のため避難時に車椅子の介助が必要。」"""
    facts = _facts(rng, needs, age) or [
        "歩行は自立しているが長い距離は歩けない" if age >= 65 else "急な環境の変化への対応が難しい"
    ]
    return "、".join(facts) + "。" + _why(rng, needs, household) + _extra(rng, needs)


def _facts(rng: random.Random, needs: Needs, age: int) -> list[str]:
    facts = [CARE_LABELS[needs.care_level]] if needs.care_level in CARE_LABELS else []
    if needs.certificate:
        facts.append(certificate_label(needs.certificate))
    facts += _mobility_facts(rng, needs)
    facts += _device_facts(needs)
    if needs.hearing:
        facts.append(one_of(rng, ("聴覚障害（補聴器使用）", "聴覚障害（手話で会話）", "難聴")))
    if needs.visual:
        facts.append("視覚障害（白杖使用）" if needs.mobility is _M.INDEPENDENT else "視覚障害")
    if needs.language:
        facts.append(f"日本語での会話が難しい（{needs.language}）")
    if needs.cognitive:
        facts.append("認知症あり" if age >= 65 else "知的障害あり")
    return facts


def _device_facts(needs: Needs) -> list[str]:
    """The medical devices and care the person lives with."""
    facts = [
        label
        for flag, label in (
            (needs.ventilator, "在宅人工呼吸器使用"),
            (needs.oxygen, "在宅酸素療法中"),
            (needs.suction, "たんの吸引が必要"),
            (needs.dialysis, "人工透析（週3回通院）"),
        )
        if flag
    ]
    if needs.device_other:
        facts.append(
            f"{needs.device_other}使用"
            if "ポンプ" in needs.device_other or "車椅子" in needs.device_other
            else needs.device_other
        )
    return facts


def _mobility_facts(rng: random.Random, needs: Needs) -> list[str]:
    if needs.mobility is _M.CANE_WALKER:
        return [one_of(rng, ("杖歩行", "歩行器使用", "伝い歩き"))]
    if needs.mobility is _M.WHEELCHAIR and needs.device_other != "電動車椅子":
        return ["車椅子使用"]
    if needs.mobility is _M.BEDRIDDEN:
        return ["寝たきり"]
    return []


def _why(rng: random.Random, needs: Needs, household: Household) -> str:
    if household is Household.ALONE:
        return "独居のため" + _help(needs)
    if household is Household.ELDERLY_ONLY:
        return "高齢者のみの世帯のため" + _help(needs)
    if needs.mobility is _M.BEDRIDDEN:
        return "家族だけでは移動させることが難しく、" + _help(needs)
    return one_of(rng, ("日中は家族が不在のため", "")) + _help(needs)


def _help(needs: Needs) -> str:
    if needs.ventilator or needs.mobility is _M.BEDRIDDEN:
        return "避難時は担架等による搬送が必要。"
    if needs.mobility is _M.WHEELCHAIR:
        return "避難時に車椅子の介助が必要。"
    if needs.mobility is _M.CANE_WALKER:
        return "避難時に付き添いが必要。"
    if needs.cognitive:
        return "避難時に声かけと誘導が必要。"
    if needs.hearing or needs.visual:
        return "災害情報の伝達と避難誘導に支援が必要。"
    if needs.language:
        return "やさしい日本語や母語での情報提供が必要。"
    return "避難時に支援が必要。"


def _extra(rng: random.Random, needs: Needs) -> str:
    if needs.ventilator:
        return f"停電時は外部バッテリーで約{one_of(rng, (4, 6, 8, 12))}時間稼働。"
    if needs.dialysis:
        return "災害時の透析先の確保が必要。"
    if needs.oxygen:
        return "酸素ボンベの予備を携行すること。"
    return ""


def certificate_label(certificate: str) -> str:
    """身体1級 → 身体障害者手帳1級, 療育A → 療育手帳A, 精神2級 → 精神障害者保健福祉手帳2級."""
    for short, full in CERTIFICATE_NAMES:
        if certificate.startswith(short):
            return full + certificate[len(short) :]
    return certificate
