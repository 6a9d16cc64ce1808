"""What a demo plan says: fictional supporters living near the person, a destination from
the registry (the nearest welfare shelter taking the person's group for people who need
care, else the nearest designated shelter, sometimes a relative's home), the help and
transport the person's needs call for, their health and contacts, and who made the plan.

The lists of names, doctors, routes and items are data tables.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from ..demo.names import FAMILY_NAMES, FEMALE_MIDDLE, FEMALE_OLD, MALE_MIDDLE, MALE_OLD
from ..models import AuthorRole, DestinationKind, Mobility, Registrant, Shelter, User
from .geometry import straight_line_m

FAMILY = [family for family, _reading in FAMILY_NAMES[:60]]
GIVEN = [given for given, _reading in FEMALE_MIDDLE + MALE_MIDDLE + FEMALE_OLD[:20] + MALE_OLD[:20]]
DOCTORS = (
    "田無駅前内科クリニック",
    "ひばりが丘ファミリークリニック",
    "保谷けやき内科",
    "柳沢ホームクリニック",
    "東伏見在宅診療所",
)
HOSPITALS = ("西東京中央病院（架空）", "北多摩総合病院（架空）", "けやき台病院（架空）")
CARE_OFFICES = ("ケアプランひばり", "居宅介護支援事業所けやき", "ケアセンターみどり")
SUPPORT_OFFICES = ("相談支援センターあおぞら", "相談支援事業所ひまわり")
ILLNESSES = (
    "高血圧症",
    "糖尿病（インスリン使用）",
    "脳梗塞後遺症（左半身まひ）",
    "認知症（軽度）",
    "心不全",
    "パーキンソン病",
    "変形性膝関節症",
    "慢性閉塞性肺疾患",
)
ROUTES = (
    "自宅前の道を北へ進み、{shelter}へ。途中の踏切は遮断時間が長いので避け、歩道橋を使わない道を通る。",
    "玄関に段差あり（スロープ設置済み）。{shelter}まで大通り沿いの歩道を進む。夜間は街灯の多い道を選ぶ。",
    "集合場所は自宅前。{shelter}へは公園の脇を通る。大雨のときはアンダーパスが冠水するため迂回する。",
    "エレベーターが止まったときは支援者2名で階段を降りる。{shelter}まで車で移動。",
)
ITEMS = "お薬手帳、常備薬（3日分）、眼鏡、補聴器の電池、着替え、保険証の写し"
VENTILATOR_ITEMS = "人工呼吸器、予備バッテリー（2個）、吸引器、アンビューバッグ、お薬手帳、紙おむつ"
PETS = ("猫1匹（キャリーあり）", "小型犬1匹（ケージあり）")


@dataclass
class Person:
    """A registrant with the needs the shelter assignment derives: care, and groups."""

    registrant: Registrant
    needs_care: bool
    groups: list[str]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"


def _mobile(rng: random.Random) -> str:
    return (
        f"{rng.choice(('090', '080', '070'))}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
    )


def near(address: str, rng: random.Random) -> str:
    """An address in the same 丁目 as `address`."""
    match = re.match(r"^(\D+\d+)-", address)
    block = match.group(1) if match else address
    return f"{block}-{rng.randint(1, 28)}-{rng.randint(1, 20)}"


def supporters(person: Registrant, rng: random.Random) -> list[dict[str, Any]]:
    kinds = ["近所の方", "民生委員", "自治会役員", "長男", "長女"]
    rng.shuffle(kinds)
    count = rng.choice((1, 2, 2, 3))
    rows = []
    for relation in kinds[:count]:
        family = person.name.split(" ")[0] if relation in ("長男", "長女") else None
        name = f"{family} {rng.choice(GIVEN)}" if family else _name(rng)
        rows.append(
            {
                "name": name,
                "relation": relation,
                "address": near(person.address, rng),
                "phone": _mobile(rng),
                "day": relation != "長男" or rng.random() < 0.3,
                "night": relation in ("近所の方", "長男", "長女") or rng.random() < 0.2,
                "weekdays": relation in ("民生委員", "近所の方") or rng.random() < 0.5,
            }
        )
    return rows


def _nearest(person: Registrant, shelters: list[Shelter], crs: str) -> tuple[Shelter, float] | None:
    if person.latitude is None or person.longitude is None or not shelters:
        return None
    home = (person.longitude, person.latitude)
    scored = [(straight_line_m(home, (s.longitude, s.latitude), crs), s.id, s) for s in shelters]
    metres, _id, shelter = min(scored)
    return shelter, metres


def destination(
    person: Person, welfare: list[Shelter], general: list[Shelter], crs: str, rng: random.Random
) -> dict[str, Any]:
    """Sometimes a relative's home; else the nearest welfare shelter taking the person's
    group for people who need care, the nearest place open to everyone for others."""
    if rng.random() < 0.08:
        return _relative_home(rng)
    pool = general
    if person.needs_care:
        taking = [s for s in welfare if set(s.group_list) & set(person.groups)]
        pool = taking or welfare or general
    found = _nearest(person.registrant, pool, crs)
    if found is None:
        return {"destination_kind": DestinationKind.SHELTER, "destination_shelter": None}
    shelter, metres = found
    return {
        "destination_kind": DestinationKind.SHELTER,
        "destination_shelter": shelter,
        "distance_m": metres,
    }


def _relative_home(rng: random.Random) -> dict[str, Any]:
    return {
        "destination_kind": DestinationKind.RELATIVE,
        "destination_name": f"長女宅（{_name(rng).split(' ')[0]}様方）",
        "destination_address": (
            f"東京都小平市花小金井{rng.randint(1, 8)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
        ),
        "destination_shelter": None,
        "distance_m": None,
    }


def route(where: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The destination's terms, and the way there."""
    shelter = where.get("destination_shelter")
    return {
        "destination_kind": where["destination_kind"],
        "destination_shelter": shelter,
        "destination_name": where.get("destination_name", ""),
        "destination_address": where.get("destination_address", ""),
        "distance_m": where.get("distance_m"),
        "route_notes": rng.choice(ROUTES).format(shelter=shelter.name if shelter else "避難先"),
    }


def terms(person: Person, rng: random.Random) -> dict[str, Any]:
    """The terms that fit the person's needs: the help and transport they need, what to
    take, and their health, communication, pets and contacts."""
    r = person.registrant
    assistance, transport = _help(r, rng)
    illnesses = _illnesses(r, rng)
    ventilator = bool(r.device_ventilator)
    return {
        "assistance": assistance,
        "assistance_notes": "移乗は2人で介助。" if r.mobility is Mobility.BEDRIDDEN else "",
        "transport": transport,
        "start_trigger": "level3" if rng.random() < 0.9 else "level4",
        "items_to_carry": VENTILATOR_ITEMS if ventilator else ITEMS,
        "battery_hours": float(rng.choice((6, 8, 10, 12))) if ventilator else None,
        **_health(r, illnesses, rng),
    }


def _help(r: Registrant, rng: random.Random) -> tuple[list[str], str]:
    """The help the person needs (ASSISTANCE codes) and how they get away."""
    assistance: list[str] = []
    transport = rng.choice(("walk", "walk", "family_car"))
    if r.mobility is Mobility.WHEELCHAIR:
        assistance.append("wheelchair")
        transport = rng.choice(("wheelchair", "welfare_taxi"))
    if r.mobility is Mobility.BEDRIDDEN:
        assistance += ["stretcher", "two_people"]
        transport = "welfare_taxi"
    if r.comm_visual:
        assistance.append("visual_guide")
    if r.comm_hearing:
        assistance.append("sign_language")
    return assistance, transport


def _illnesses(r: Registrant, rng: random.Random) -> list[str]:
    illnesses = rng.sample(ILLNESSES, rng.choice((1, 1, 2)))
    return ["筋萎縮性側索硬化症（ALS）"] if r.device_ventilator else illnesses


def _health(r: Registrant, illnesses: list[str], rng: random.Random) -> dict[str, Any]:
    """Illnesses, doctors and medicines; how to talk with the person; pets and contacts."""
    return {
        "illnesses": "、".join(illnesses),
        "doctor": f"{rng.choice(DOCTORS)} {rng.choice(FAMILY)}医師",
        "hospital": rng.choice(HOSPITALS),
        "medicines": "降圧剤（朝1回）" if rng.random() < 0.6 else "",
        "allergies": "ペニシリン系の薬" if rng.random() < 0.1 else "",
        "communication_notes": _communication_notes(r),
        "pets": rng.choice(PETS) if rng.random() < 0.08 else "",
        "contacts": [
            {"name": c.name, "relation": c.relation, "phone": c.phone}
            for c in r.emergency_contacts[:2]
        ],
    }


def _communication_notes(r: Registrant) -> str:
    notes = []
    if r.comm_hearing:
        notes.append("耳が聞こえにくいので筆談で。玄関のチャイムは光で知らせる。")
    if r.comm_cognitive:
        notes.append("急な変化に不安を感じやすい。顔見知りの支援者から声をかける。")
    if r.language_note:
        notes.append(f"{r.language_note}で話す。")
    return "".join(notes)


def author(person: Person, rng: random.Random, staff: User) -> dict[str, Any]:
    if person.needs_care and rng.random() < 0.7:
        return {
            "author_name": f"{rng.choice(CARE_OFFICES)} {_name(rng)}",
            "author_role": AuthorRole.CARE_MANAGER,
        }
    if person.registrant.disability_certificate and rng.random() < 0.5:
        return {
            "author_name": f"{rng.choice(SUPPORT_OFFICES)} {_name(rng)}",
            "author_role": AuthorRole.SUPPORT_SPECIALIST,
        }
    return {"author_name": staff.display_name, "author_role": AuthorRole.STAFF}
