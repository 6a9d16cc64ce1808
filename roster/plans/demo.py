"""Evacuation plans for the demo municipality: about 5 % of the people, in every status.

The people chosen already consented to a plan being made (the demo's consent histories
give about a tenth of the register a plan-making consent, most also a plan-sharing one);
where too few did, plan-making and plan-sharing consents are recorded for more people
first. Each plan has fictional supporters (neighbours, the district's 民生委員, a relative
nearby), a destination from the registry (the nearest welfare shelter taking the person's
group for people who need care, else the nearest designated shelter, sometimes a
relative's home) and notes that fit the person's needs: demo_terms.py writes them.

Statuses: drafts, agreed plans, and plans that need review because their review date has
passed (some already flagged), the person moved within the city, their needs changed, or
the destination shelter's record changed since (one shelter's record is updated after the
plans are made, as a changed capacity would).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..access.consent import latest
from ..models import (
    CONSENT_SCOPE_CATEGORIES,
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    ConsentScope,
    ConsentState,
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
from .demo_terms import Person, author, destination, near, route, supporters, terms
from .operations import snapshot
from .review import needs_signature

#: Share of active registrants with a plan, and an upper bound so a large demo stays fast.
SHARE = 0.05
MAX_PLANS = 5000

CARE_MOBILITY = (Mobility.WHEELCHAIR, Mobility.BEDRIDDEN)


def _people(session: Any, registrants: list[Registrant], today: date) -> list[Person]:
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
    return [Person(r, bool(c), list(g)) for r, c, g in zip(registrants, care, groups, strict=True)]


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
        common = _visit(person, today - timedelta(days=rng.randint(30, 500)), staff)
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


def _visit(person: Registrant, day: date, staff: User) -> dict[str, Any]:
    """A consent given on a visit with the person's care manager."""
    return {
        "registrant_id": person.id,
        "state": ConsentState.CONSENTED,
        "method": ConsentMethod.VISIT,
        "decided_on": day,
        "form_version": "ja-2024-04",
        "recorded_by_id": staff.id,
        "note": "ケアマネジャー同席の訪問時に説明",
    }


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
#: The status a plan of each kind is stored with; the others are stored as agreed.
STORED_STATUS = {"draft": PlanStatus.DRAFT, "flagged": PlanStatus.NEEDS_REVIEW}


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
    target = _target(session)
    if not target:
        return {}
    chosen_ids = _choose(session, target, staff_user, today, rng)
    people = _people(session, _registrants(session, chosen_ids), today)
    welfare, general = _shelter_pools(session)
    chosen = _draw(people, welfare, general, crs, rng)
    changed = _changed_shelters(session, _shelters_to_change(session, chosen), today)
    plans = _add_plans(session, chosen, changed, staff_user, today, rng)
    _add_versions(session, plans, staff_user, today)
    return dict(Counter(plan.status.value for plan in plans))


def _target(session: Any) -> int:
    """How many plans: SHARE of the active registrants, at least one, at most MAX_PLANS."""
    active = session.scalar(
        select(func.count(Registrant.id)).where(Registrant.status == RegistrantStatus.ACTIVE)
    )
    return min(MAX_PLANS, max(1, round(active * SHARE))) if active else 0


def _choose(
    session: Any, target: int, staff_user: User, today: date, rng: random.Random
) -> list[int]:
    """IDs of `target` active people with plan-making consent, recording that consent for
    more people first where too few gave it."""
    makers = _plan_makers(session)
    active_ids = set(
        session.scalars(select(Registrant.id).where(Registrant.status == RegistrantStatus.ACTIVE))
    )
    chosen_ids = sorted(makers & active_ids)
    if len(chosen_ids) < target:
        extra = _more_makers(session, chosen_ids, target - len(chosen_ids), staff_user, today, rng)
        chosen_ids = sorted(set(chosen_ids) | set(extra))
    return sorted(rng.sample(chosen_ids, min(target, len(chosen_ids))))


def _more_makers(
    session: Any, chosen_ids: list[int], wanted: int, staff: User, today: date, rng: random.Random
) -> list[int]:
    """Up to `wanted` more active people who consented to the register being shared, with
    plan-making consent recorded for them now; return their IDs."""
    others = sorted(
        session.scalars(
            select(Registrant.id).where(
                Registrant.status == RegistrantStatus.ACTIVE,
                Registrant.consent_state == ConsentState.CONSENTED,
                Registrant.id.not_in(chosen_ids) if chosen_ids else Registrant.id.is_not(None),
            )
        )
    )
    extra = rng.sample(others, min(len(others), wanted))
    _add_consents(session, [session.get(Registrant, i) for i in sorted(extra)], staff, today, rng)
    return extra


def _registrants(session: Any, ids: list[int]) -> list[Registrant]:
    return list(
        session.scalars(
            select(Registrant)
            .where(Registrant.id.in_(ids))
            .options(selectinload(Registrant.emergency_contacts))
            .order_by(Registrant.id)
        )
    )


def _shelter_pools(session: Any) -> tuple[list[Shelter], list[Shelter]]:
    """The welfare shelters, and the places open to everyone (as the assignment has it): a
    welfare shelter takes only its groups unless it is also an emergency site."""
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    welfare = [s for s in shelters if s.is_welfare_shelter]
    general = [
        s
        for s in shelters
        if s.is_evacuation_shelter and (not s.is_welfare_shelter or s.is_emergency_site)
    ] or shelters
    return welfare, general


class _Chosen(NamedTuple):
    """A person, the kind of plan they get (see KINDS) and where it leads."""

    person: Person
    kind: str
    destination: dict[str, Any]


def _draw(
    people: list[Person],
    welfare: list[Shelter],
    general: list[Shelter],
    crs: str,
    rng: random.Random,
) -> list[_Chosen]:
    """Each person with the kind of plan they get and its destination."""
    kinds = [k for k, _w in KINDS]
    weights = [w for _k, w in KINDS]
    # Every kind at least once (when there are enough plans), the rest by weight.
    drawn = kinds[: len(people)] + rng.choices(kinds, weights, k=max(0, len(people) - len(kinds)))
    rng.shuffle(drawn)
    return [
        _Chosen(person, kind, destination(person, welfare, general, crs, rng))
        for person, kind in zip(people, drawn, strict=True)
    ]


def _shelters_to_change(session: Any, chosen: list[_Chosen]) -> list[Shelter]:
    """The destinations of up to two "shelter" plans: they get a changed record, made after
    those plans and before the others that lead there."""
    targets = sorted(
        {
            d["destination_shelter"].id
            for _p, k, d in chosen
            if k == "shelter" and d.get("destination_shelter") is not None
        }
    )[:2]
    return [session.get(Shelter, i) for i in targets]


def _add_plans(
    session: Any,
    chosen: list[_Chosen],
    changed: dict[int, int],
    staff_user: User,
    today: date,
    rng: random.Random,
) -> list[Plan]:
    """The plans, each made as its kind says; a "shelter" plan whose shelter kept its record
    is an agreed one."""
    plans: list[Plan] = []
    for drawn in chosen:
        shelter = drawn.destination.get("destination_shelter")
        if drawn.kind == "shelter" and (shelter is None or shelter.id not in changed):
            drawn = drawn._replace(kind="agreed")
        plan = _plan(drawn, staff_user, today, rng)
        _changed_since(plan, drawn.kind, drawn.person.registrant, changed, rng)
        session.add(plan)
        plans.append(plan)
    session.flush()
    return plans


def _plan(chosen: _Chosen, staff_user: User, today: date, rng: random.Random) -> Plan:
    """The plan as it was made, built on the facts of that day."""
    person, kind, where = chosen
    r, shelter = person.registrant, where.get("destination_shelter")
    made, review = _dates(kind, today, rng)
    status = STORED_STATUS.get(kind, PlanStatus.AGREED)
    keep_supporters = status is not PlanStatus.DRAFT or rng.random() < 0.6
    return Plan(
        registrant_id=r.id,
        status=status,
        supporters=supporters(r, rng) if keep_supporters else [],
        **route(where, rng),
        made_on=made,
        review_on=review,
        basis_address=r.address,
        basis_needs=needs_signature(r),
        basis_shelter_version=shelter.version if shelter else None,
        **terms(person, rng),
        **author(person, rng, staff_user),
    )


def _changed_since(
    plan: Plan, kind: str, r: Registrant, changed: dict[int, int], rng: random.Random
) -> None:
    """For a plan of a kind whose facts changed since: the facts it was built on."""
    shelter = plan.destination_shelter
    if kind == "moved":
        plan.basis_address = near(r.address, rng)
    elif kind == "needs":
        before = Mobility.CANE_WALKER if r.mobility in CARE_MOBILITY else Mobility.WHEELCHAIR
        plan.basis_needs = needs_signature(_Previous(r, before))
    elif kind == "shelter" and shelter is not None:
        plan.basis_shelter_version = changed[shelter.id]


def _add_versions(session: Any, plans: list[Plan], staff_user: User, today: date) -> None:
    """Version 1 of each plan, dated the day it was made."""
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
