"""Evacuation plans for the demo municipality: about 5 % of the people, in every status.

The people chosen already consented to a plan being made (the demo's consent histories
give about a tenth of the register a plan-making consent, most also a plan-sharing one);
where too few did, plan-making and plan-sharing consents are recorded for more people
first. Each plan has fictional supporters (neighbours, the district's 民生委員, a relative
nearby), a destination from the registry (the nearest welfare shelter taking the person's
group for people who need care, else the nearest designated shelter, sometimes a
relative's home) and notes that fit the person's needs.

Statuses: drafts, agreed plans, and plans that need review because their review date has
passed (some already flagged), the person moved within the city, their needs changed, or
the destination shelter's record changed since (one shelter's record is updated after the
plans are made, as a changed capacity would).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..access.consent import latest
from ..demo.names import FAMILY_NAMES, FEMALE_MIDDLE, FEMALE_OLD, MALE_MIDDLE, MALE_OLD
from ..models import (
    CONSENT_SCOPE_CATEGORIES,
    AuthorRole,
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    ConsentScope,
    ConsentState,
    DestinationKind,
    Mobility,
    Plan,
    PlanStatus,
    PlanVersion,
    Registrant,
    RegistrantStatus,
    Shelter,
    User,
)
from ..models.base import utcnow
from .operations import snapshot, straight_line_m
from .review import needs_signature

#: Share of active registrants with a plan, and an upper bound so a large demo stays fast.
SHARE = 0.05
MAX_PLANS = 5000

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

CARE_MOBILITY = (Mobility.WHEELCHAIR, Mobility.BEDRIDDEN)


@dataclass
class _Person:
    registrant: Registrant
    needs_care: bool
    groups: list[str]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"


def _mobile(rng: random.Random) -> str:
    return (
        f"{rng.choice(('090', '080', '070'))}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
    )


def _near(address: str, rng: random.Random) -> str:
    """An address in the same 丁目 as `address`."""
    match = re.match(r"^(\D+\d+)-", address)
    block = match.group(1) if match else address
    return f"{block}-{rng.randint(1, 28)}-{rng.randint(1, 20)}"


def _supporters(person: Registrant, rng: random.Random) -> list[dict[str, Any]]:
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
                "address": _near(person.address, rng),
                "phone": _mobile(rng),
                "day": relation != "長男" or rng.random() < 0.3,
                "night": relation in ("近所の方", "長男", "長女") or rng.random() < 0.2,
                "weekdays": relation in ("民生委員", "近所の方") or rng.random() < 0.5,
            }
        )
    return rows


def _people(session: Any, registrants: list[Registrant], today: date) -> list[_Person]:
    from ..hazards.frames import MEDICAL_DEVICES, derive_needs

    rows = [
        {
            "mobility": r.mobility.value,
            "care_level": r.care_level.value,
            "birth_date": r.birth_date,
            "disability_certificate": r.disability_certificate,
            **{name: bool(getattr(r, name)) for name in MEDICAL_DEVICES},
            **{
                name: bool(getattr(r, name))
                for name in ("comm_hearing", "comm_visual", "comm_language", "comm_cognitive")
            },
        }
        for r in registrants
    ]
    care, groups = derive_needs(pd.DataFrame(rows), today)
    return [_Person(r, bool(c), list(g)) for r, c, g in zip(registrants, care, groups, strict=True)]


def _plan_makers(session: Any) -> set[int]:
    """People whose plan-making consent in force is 同意."""
    records = session.scalars(
        select(ConsentRecord).where(ConsentRecord.purpose == ConsentPurpose.PLAN_MAKING)
    ).all()
    by_person: dict[int, list[ConsentRecord]] = {}
    for record in records:
        by_person.setdefault(record.registrant_id, []).append(record)
    return {
        pid
        for pid, rows in by_person.items()
        if (r := latest(rows)) is not None and r.state is ConsentState.CONSENTED
    }


def _add_consents(
    session: Any, people: list[Registrant], staff: User, today: date, rng: random.Random
) -> None:
    """Plan-making consent, and mostly plan-sharing consent, for people who had none."""
    for person in people:
        day = today - timedelta(days=rng.randint(30, 500))
        common = {
            "registrant_id": person.id,
            "state": ConsentState.CONSENTED,
            "method": ConsentMethod.VISIT,
            "decided_on": day,
            "form_version": "ja-2024-04",
            "recorded_by_id": staff.id,
            "note": "ケアマネジャー同席の訪問時に説明",
        }
        session.add(ConsentRecord(purpose=ConsentPurpose.PLAN_MAKING, **common))
        if rng.random() < 0.75:
            session.add(
                ConsentRecord(
                    purpose=ConsentPurpose.PLAN_SHARING,
                    scope_rows=[ConsentScope(category=c) for c in CONSENT_SCOPE_CATEGORIES],
                    **common,
                )
            )
    session.flush()


def _nearest(person: Registrant, shelters: list[Shelter], crs: str) -> tuple[Shelter, float] | None:
    if person.latitude is None or person.longitude is None or not shelters:
        return None
    home = (person.longitude, person.latitude)
    scored = [(straight_line_m(home, (s.longitude, s.latitude), crs), s.id, s) for s in shelters]
    metres, _id, shelter = min(scored)
    return shelter, metres


def _destination(
    person: _Person, welfare: list[Shelter], general: list[Shelter], crs: str, rng: random.Random
) -> dict[str, Any]:
    r = person.registrant
    if rng.random() < 0.08:
        return {
            "destination_kind": DestinationKind.RELATIVE,
            "destination_name": f"長女宅（{_name(rng).split(' ')[0]}様方）",
            "destination_address": (
                f"東京都小平市花小金井{rng.randint(1, 8)}-{rng.randint(1, 30)}-{rng.randint(1, 20)}"
            ),
            "destination_shelter": None,
            "distance_m": None,
        }
    pool = general
    if person.needs_care:
        taking = [s for s in welfare if set(s.group_list) & set(person.groups)]
        pool = taking or welfare or general
    found = _nearest(r, pool, crs)
    if found is None:
        return {"destination_kind": DestinationKind.SHELTER, "destination_shelter": None}
    shelter, metres = found
    return {
        "destination_kind": DestinationKind.SHELTER,
        "destination_shelter": shelter,
        "distance_m": metres,
    }


def _terms(person: _Person, rng: random.Random) -> dict[str, Any]:
    r = person.registrant
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
    ventilator = bool(r.device_ventilator)
    illnesses = rng.sample(ILLNESSES, rng.choice((1, 1, 2)))
    if ventilator:
        illnesses = ["筋萎縮性側索硬化症（ALS）"]
    notes = []
    if r.comm_hearing:
        notes.append("耳が聞こえにくいので筆談で。玄関のチャイムは光で知らせる。")
    if r.comm_cognitive:
        notes.append("急な変化に不安を感じやすい。顔見知りの支援者から声をかける。")
    if r.language_note:
        notes.append(f"{r.language_note}で話す。")
    contacts = [
        {"name": c.name, "relation": c.relation, "phone": c.phone} for c in r.emergency_contacts[:2]
    ]
    return {
        "assistance": assistance,
        "assistance_notes": "移乗は2人で介助。" if r.mobility is Mobility.BEDRIDDEN else "",
        "transport": transport,
        "start_trigger": "level3" if rng.random() < 0.9 else "level4",
        "items_to_carry": VENTILATOR_ITEMS if ventilator else ITEMS,
        "battery_hours": float(rng.choice((6, 8, 10, 12))) if ventilator else None,
        "illnesses": "、".join(illnesses),
        "doctor": f"{rng.choice(DOCTORS)} {rng.choice(FAMILY)}医師",
        "hospital": rng.choice(HOSPITALS),
        "medicines": "降圧剤（朝1回）" if rng.random() < 0.6 else "",
        "allergies": "ペニシリン系の薬" if rng.random() < 0.1 else "",
        "communication_notes": "".join(notes),
        "pets": rng.choice(PETS) if rng.random() < 0.08 else "",
        "contacts": contacts,
    }


def _author(person: _Person, rng: random.Random, staff: User) -> dict[str, Any]:
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


#: (status kind, weight): what happens to a plan after it is made.
KINDS = (
    ("draft", 22),
    ("agreed", 48),
    ("flagged", 8),  # stored as needs_review: the review date passed and it was flagged
    ("overdue", 7),  # agreed, review date passed, not flagged yet
    ("moved", 5),  # agreed, the person moved within the city since
    ("needs", 5),  # agreed, the person's needs changed since
    ("shelter", 5),  # agreed, the destination shelter's record changed since
)


def _dates(kind: str, today: date, rng: random.Random) -> tuple[date, date]:
    if kind in ("flagged", "overdue"):
        made = today - timedelta(days=rng.randint(380, 700))
    elif kind == "draft":
        made = today - timedelta(days=rng.randint(0, 60))
    else:
        made = today - timedelta(days=rng.randint(20, 330))
    try:
        review = made.replace(year=made.year + 1)
    except ValueError:
        review = made.replace(year=made.year + 1, day=28)
    return made, review


def add_demo_plans(
    session: Any,
    today: date,
    staff_user: User,
    rng: random.Random,
    crs: str = "EPSG:6677",
) -> dict[str, int]:
    """Give about 5 % of active registrants a plan; return counts by stored status."""
    active = session.scalar(
        select(func.count(Registrant.id)).where(Registrant.status == RegistrantStatus.ACTIVE)
    )
    target = min(MAX_PLANS, max(1, round(active * SHARE))) if active else 0
    if not target:
        return {}
    makers = _plan_makers(session)
    active_ids = set(
        session.scalars(select(Registrant.id).where(Registrant.status == RegistrantStatus.ACTIVE))
    )
    chosen_ids = sorted(makers & active_ids)
    if len(chosen_ids) < target:
        others = sorted(
            session.scalars(
                select(Registrant.id).where(
                    Registrant.status == RegistrantStatus.ACTIVE,
                    Registrant.consent_state == ConsentState.CONSENTED,
                    Registrant.id.not_in(chosen_ids) if chosen_ids else Registrant.id.is_not(None),
                )
            )
        )
        extra = rng.sample(others, min(len(others), target - len(chosen_ids)))
        _add_consents(
            session, [session.get(Registrant, i) for i in sorted(extra)], staff_user, today, rng
        )
        chosen_ids = sorted(set(chosen_ids) | set(extra))
    chosen_ids = sorted(rng.sample(chosen_ids, min(target, len(chosen_ids))))
    registrants = list(
        session.scalars(
            select(Registrant)
            .where(Registrant.id.in_(chosen_ids))
            .options(selectinload(Registrant.emergency_contacts))
            .order_by(Registrant.id)
        )
    )
    people = _people(session, registrants, today)
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    welfare = [s for s in shelters if s.is_welfare_shelter]
    # Places open to everyone (as the assignment has it): a welfare shelter takes only its
    # groups unless it is also an emergency site.
    general = [
        s
        for s in shelters
        if s.is_evacuation_shelter and (not s.is_welfare_shelter or s.is_emergency_site)
    ] or shelters

    kinds = [k for k, _w in KINDS]
    weights = [w for _k, w in KINDS]
    # Every kind at least once (when there are enough plans), the rest by weight.
    drawn = kinds[: len(people)] + rng.choices(kinds, weights, k=max(0, len(people) - len(kinds)))
    rng.shuffle(drawn)
    chosen = [
        (person, kind, _destination(person, welfare, general, crs, rng))
        for person, kind in zip(people, drawn, strict=True)
    ]
    # The destinations of up to two "shelter" plans get a changed record, made after those
    # plans and before the others that lead there.
    targets = sorted(
        {
            d["destination_shelter"].id
            for _p, k, d in chosen
            if k == "shelter" and d.get("destination_shelter") is not None
        }
    )[:2]
    changed = _changed_shelters(session, [session.get(Shelter, i) for i in targets], today)
    plans: list[Plan] = []
    for person, drawn_kind, destination in chosen:
        r = person.registrant
        shelter = destination.get("destination_shelter")
        kind = drawn_kind
        if kind == "shelter" and (shelter is None or shelter.id not in changed):
            kind = "agreed"
        made, review = _dates(kind, today, rng)
        status = {"draft": PlanStatus.DRAFT, "flagged": PlanStatus.NEEDS_REVIEW}.get(
            kind, PlanStatus.AGREED
        )
        keep_supporters = status is not PlanStatus.DRAFT or rng.random() < 0.6
        plan = Plan(
            registrant_id=r.id,
            status=status,
            supporters=_supporters(r, rng) if keep_supporters else [],
            destination_kind=destination["destination_kind"],
            destination_shelter=shelter,
            destination_name=destination.get("destination_name", ""),
            destination_address=destination.get("destination_address", ""),
            distance_m=destination.get("distance_m"),
            route_notes=rng.choice(ROUTES).format(shelter=shelter.name if shelter else "避難先"),
            made_on=made,
            review_on=review,
            basis_address=r.address,
            basis_needs=needs_signature(r),
            basis_shelter_version=shelter.version if shelter else None,
            **_terms(person, rng),
            **_author(person, rng, staff_user),
        )
        if kind == "moved":
            plan.basis_address = _near(r.address, rng)
        elif kind == "needs":
            before = Mobility.CANE_WALKER if r.mobility in CARE_MOBILITY else Mobility.WHEELCHAIR
            plan.basis_needs = needs_signature(_Previous(r, before))
        elif kind == "shelter" and shelter is not None:
            plan.basis_shelter_version = changed[shelter.id]
        session.add(plan)
        plans.append(plan)
    session.flush()
    now = utcnow()
    for plan in plans:
        snap = snapshot(plan)
        session.add(
            PlanVersion(
                plan_id=plan.id,
                version=plan.version,
                snapshot=snap,
                changed=[
                    k
                    for k, v in snap.items()
                    if v not in (None, "", [], {}) and not k.startswith("basis_")
                ],
                changed_by_id=staff_user.id,
                changed_at=now - timedelta(days=(today - plan.made_on).days),
            )
        )
    session.flush()
    counts: dict[str, int] = {}
    for plan in plans:
        counts[plan.status.value] = counts.get(plan.status.value, 0) + 1
    return counts


def _changed_shelters(session: Any, shelters: list[Shelter], today: date) -> dict[int, int]:
    """Update the records of these shelters, as staff would after a change of capacity;
    return shelter id -> the version before the change (which earlier plans were built on)."""
    changed: dict[int, int] = {}
    for shelter in shelters:
        changed[shelter.id] = shelter.version
        note = f"{today.year}年{today.month}月 受入体制を見直し（デモ）"
        shelter.notes = f"{shelter.notes}\n{note}" if shelter.notes else note
        if shelter.care_places:
            shelter.care_places = max(1, shelter.care_places - 2)
    session.flush()
    return changed


class _Previous:
    """A registrant's needs as they were before a change (for a plan's basis)."""

    def __init__(self, registrant: Registrant, mobility: Mobility) -> None:
        self.mobility = mobility
        self.household = registrant.household
        self.care_level = registrant.care_level
        for name in ("device_ventilator", "device_oxygen", "device_suction", "device_dialysis"):
            setattr(self, name, getattr(registrant, name))
