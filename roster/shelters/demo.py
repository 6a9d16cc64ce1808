"""Welfare-shelter details for the demo municipality, where the real GSI data has none.

GSI publishes where each place is, its designations and its 受入対象者, but not what a
welfare shelter has (places for people who need care, an accessible toilet, backup power)
nor, for 西東京市, any capacity. The demo needs all of it so that every table and map shows
real-looking work, so enrich_demo_shelters() fills it in with fictional but plausible
values, each marked as demo data in the place's notes or capacity text. It only fills what
is empty, never overwrites a value, and gives the same values for the same random state.
"""

from __future__ import annotations

import random
import re

from sqlalchemy import select

from geo.groups import normalise_accepts
from geo.shelters.cells import normalise_city_code

from ..extensions import DbSession
from ..models import Shelter

DEMO_NOTE = "（デモ）受入人数・設備・協定は架空の値です。"
CAPACITY_NOTE = "（デモ）収容人数は架空の値です。"
_GSI_ID = re.compile(r"E(\d{5})\d{8}")


def enrich_demo_shelters(session: DbSession, rng: random.Random) -> dict[str, int]:
    """Fill in demo details of the shelters in the session; returns counts of what was set.

    - Every place: the city code (from the GSI 共通ID) and the accept groups (from
      受入対象者) where empty.
    - Welfare shelters: places for people who need care, accessible toilet, step-free
      access, backup power for some, and a fictional facility agreement
      「福祉避難所の設置運営に関する協定（令和X年締結）」.
    - Shelters and welfare shelters without a capacity: a fictional indoor capacity by kind
      of building, written as such in the capacity text.
    - Shelters and welfare shelters GSI lists with no hazard designation: earthquake,
      landslide, large fire and (for most) flood and inland flooding, so that assignment
      can restrict by hazard.
    """
    counts = {"welfare_details": 0, "capacities": 0, "hazards": 0, "groups": 0}
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.source_id)))
    for shelter in shelters:
        _enrich(shelter, rng, counts)
    session.flush()
    return counts


def _enrich(shelter: Shelter, rng: random.Random, counts: dict[str, int]) -> None:
    """Fill in one place's demo details, counting what was set."""
    _codes(shelter, counts)
    if shelter.is_welfare_shelter and _welfare(shelter, rng):
        counts["welfare_details"] += 1
    stays = shelter.is_evacuation_shelter or shelter.is_welfare_shelter
    if stays and shelter.capacity is None and not shelter.capacity_text:
        _capacity(shelter, rng)
        counts["capacities"] += 1
    if stays and not shelter.hazard_list:
        _hazards(shelter, rng)
        counts["hazards"] += 1


def _codes(shelter: Shelter, counts: dict[str, int]) -> None:
    if not shelter.city_code:
        match = _GSI_ID.fullmatch(shelter.source_id)
        if match:
            shelter.city_code = normalise_city_code(match.group(1)) or ""
    if not shelter.accept_groups and shelter.accepts:
        groups = normalise_accepts(shelter.accepts)
        if groups:
            shelter.accept_groups = ",".join(groups)
            counts["groups"] += 1


def _welfare(shelter: Shelter, rng: random.Random) -> bool:
    """Care places, access, power and an agreement; False when all were already known."""
    if not _welfare_details_missing(shelter):
        return False
    groups = set(shelter.group_list)
    nursery = groups == {"pregnant_infant"}
    if shelter.care_places is None:
        low, high = (4, 12) if nursery else (8, 30)
        shelter.care_places = rng.randint(low, high)
    if shelter.accessible_toilet is None:
        shelter.accessible_toilet = rng.random() < (0.7 if nursery else 0.9)
    if shelter.step_free is None:
        shelter.step_free = rng.random() < (0.75 if nursery else 0.9)
    if shelter.backup_power is None:
        # Facilities for people needing medical care have it; others, some of them.
        shelter.backup_power = "medical_care" in groups or rng.random() < 0.35
    if not shelter.facility_agreement:
        shelter.facility_agreement = _agreement(rng)
    _note(shelter, DEMO_NOTE)
    return True


def _welfare_details_missing(shelter: Shelter) -> bool:
    """Whether any of the welfare details _welfare() fills in is still unknown."""
    return (
        shelter.care_places is None
        or shelter.accessible_toilet is None
        or shelter.step_free is None
        or shelter.backup_power is None
        or not shelter.facility_agreement
    )


def _agreement(rng: random.Random) -> str:
    """A fictional facility agreement, concluded in a year of Reiwa 1 to 6."""
    year = rng.randint(1, 6)
    era = "元" if year == 1 else str(year)
    return f"福祉避難所の設置運営に関する協定（令和{era}年締結）"


#: (words in the name, indoor capacity range) for general shelters, first match wins.
_CAPACITY_BY_BUILDING: tuple[tuple[tuple[str, ...], tuple[int, int]], ...] = (
    (("高等学校", "大学", "学園"), (600, 1000)),
    (("中学校",), (450, 800)),
    (("小学校",), (350, 650)),
    (("保育園",), (20, 40)),
    (("福祉", "センター", "会館", "憩いの家", "特別支援学校"), (40, 120)),
)


def _capacity(shelter: Shelter, rng: random.Random) -> None:
    low, high = 80, 250
    for words, bounds in _CAPACITY_BY_BUILDING:
        if any(word in shelter.name for word in words):
            low, high = bounds
            break
    people = rng.randint(low, high) // 10 * 10
    shelter.capacity = people
    shelter.capacity_text = f"屋内{people:,}人（デモ用の架空の値）"
    _note(shelter, CAPACITY_NOTE)


def _hazards(shelter: Shelter, rng: random.Random) -> None:
    """西東京市 is flat upland: landslide and earthquake suit every shelter, flood (and
    inland flooding) all but a few near its rivers, a large fire more than half."""
    hazards: list[str] = []
    flood = rng.random() >= 0.2
    if flood:
        hazards.append("flood")
    hazards += ["landslide", "earthquake"]
    if rng.random() < 0.6:
        hazards.append("large_fire")
    if flood:
        hazards.append("inland_flood")
    shelter.hazards = ",".join(hazards)


def _note(shelter: Shelter, note: str) -> None:
    if note not in (shelter.notes or ""):
        shelter.notes = f"{shelter.notes}\n{note}".strip() if shelter.notes else note
