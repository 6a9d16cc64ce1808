"""Plan verbs: save with versioning and audit, and the facts a plan page shows with it.

Every save that changes a term writes a PlanVersion (a snapshot of every term, the names
that changed, who and when) and an audit event plan.create or plan.update naming the
changed terms only. A save built on an older version of the plan is refused (StaleEditError,
or SQLAlchemy's StaleDataError when two saves race), so nothing is overwritten unseen.
"""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access.consent import current_by_purpose
from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import (
    AuthorRole,
    ConsentPurpose,
    ConsentRecord,
    ConsentState,
    DestinationKind,
    Mobility,
    Plan,
    PlanStatus,
    PlanVersion,
    Registrant,
    RegistrantHazard,
    Shelter,
    ShelterAssignment,
    User,
)
from ..models.base import utcnow
from ..versioning import StaleEditError as StaleEditError
from ..versioning import check_version
from .geometry import areas_holding, home_point, straight_line_m
from .names import TERM_LABELS
from .review import needs_signature
from .warnings import DestinationWarning, PersonFacts, ShelterFacts, destination_warnings
from .warnings import home_hazards as hazards_from_flags

#: Every term of a plan, in display order; a version's snapshot holds these and the basis.
TERMS = tuple(TERM_LABELS)
#: What the plan was built on (see review.py); in the snapshot, never in the changed names.
BASIS = ("basis_address", "basis_needs", "basis_shelter_version")


class PlanStaleError(StaleEditError):
    """A plan was made for the person by someone else after the (new plan) form was opened."""


class ConsentNeededError(Exception):
    """Making a plan, or agreeing one, needs the person's plan-making consent (同意)."""


# --- consent ----------------------------------------------------------------------------------


def plan_consents(session: DbSession, registrant_id: int) -> dict[ConsentPurpose, Any]:
    """The plan-making and plan-sharing consent records in force (None where there is none)."""
    records = session.scalars(
        select(ConsentRecord).where(
            ConsentRecord.registrant_id == registrant_id,
            ConsentRecord.purpose.in_([ConsentPurpose.PLAN_MAKING, ConsentPurpose.PLAN_SHARING]),
        )
    ).all()
    current = current_by_purpose(records)
    return {p: current.get(p) for p in (ConsentPurpose.PLAN_MAKING, ConsentPurpose.PLAN_SHARING)}


def making_consented(consents: dict[ConsentPurpose, Any]) -> bool:
    record = consents.get(ConsentPurpose.PLAN_MAKING)
    return record is not None and record.state is ConsentState.CONSENTED


# --- reading ----------------------------------------------------------------------------------


def plan_of(session: DbSession, registrant_id: int) -> Plan | None:
    return session.scalar(
        select(Plan)
        .where(Plan.registrant_id == registrant_id)
        .options(selectinload(Plan.destination_shelter))
    )


def versions_of(session: DbSession, plan: Plan) -> list[PlanVersion]:
    return list(
        session.scalars(
            select(PlanVersion)
            .where(PlanVersion.plan_id == plan.id)
            .options(selectinload(PlanVersion.changed_by))
            .order_by(PlanVersion.version.desc())
        )
    )


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


# --- the facts of the person and the destination ------------------------------------------------


def person_facts(session: DbSession, registrant: Registrant, today: date) -> PersonFacts:
    """Who needs care and the person's groups (as the shelter assignment derives them), a
    ventilator, and the hazards at home."""
    from ..hazards.frames import derive_needs

    care, groups = derive_needs(pd.DataFrame([_needs_row(registrant)]), today)
    flags = session.get(RegistrantHazard, registrant.id)
    return PersonFacts(
        needs_care=bool(care[0]),
        groups=tuple(groups[0]),
        ventilator=bool(registrant.device_ventilator),
        hazards=hazards_from_flags(
            flags.flood_rank if flags else None, flags.landslide_zone if flags else None
        ),
    )


def _needs_row(registrant: Registrant) -> dict[str, Any]:
    """The person's needs as the shelter assignment reads them (see derive_needs)."""
    from ..hazards.frames import MEDICAL_DEVICES

    row: dict[str, Any] = {
        "mobility": registrant.mobility.value if registrant.mobility else "",
        "care_level": registrant.care_level.value if registrant.care_level else "",
        "birth_date": registrant.birth_date,
        "disability_certificate": registrant.disability_certificate,
    }
    for name in (
        *MEDICAL_DEVICES,
        "comm_hearing",
        "comm_visual",
        "comm_language",
        "comm_cognitive",
    ):
        row[name] = bool(getattr(registrant, name))
    return row


def shelter_facts(shelter: Shelter, in_areas: tuple[str, ...] = ()) -> ShelterFacts:
    return ShelterFacts(
        is_emergency_site=bool(shelter.is_emergency_site),
        is_evacuation_shelter=bool(shelter.is_evacuation_shelter),
        is_welfare_shelter=bool(shelter.is_welfare_shelter),
        groups=tuple(shelter.group_list),
        hazards=tuple(shelter.hazard_list),
        backup_power=shelter.backup_power,
        capacity=shelter.capacity,
        care_places=shelter.care_places,
        in_areas=in_areas,
    )


def warnings_by_shelter(
    session: DbSession, registrant: Registrant, shelters: list[Shelter], today: date
) -> dict[int, list[DestinationWarning]]:
    """The destination warnings of each shelter for this person."""
    person = person_facts(session, registrant, today)
    holding = areas_holding(session, shelters, person.hazards)
    return {
        s.id: destination_warnings(person, shelter_facts(s, holding.get(s.id, ())))
        for s in shelters
    }


def plan_warnings(
    session: DbSession, registrant: Registrant, shelter: Shelter | None, today: date
) -> list[DestinationWarning]:
    """The warnings about a plan's destination shelter (none for other destinations)."""
    if shelter is None:
        return []
    return warnings_by_shelter(session, registrant, [shelter], today)[shelter.id]


def shelters_by_kind(session: DbSession) -> list[tuple[str, list[Shelter]]]:
    """The registry for a destination select: welfare shelters, then designated shelters,
    then places that are only emergency sites, each by reading; each place once."""
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.name_kana, Shelter.name)))
    groups: dict[str, list[Shelter]] = {"welfare": [], "evacuation": [], "emergency": []}
    for s in shelters:
        if s.is_welfare_shelter:
            groups["welfare"].append(s)
        elif s.is_evacuation_shelter:
            groups["evacuation"].append(s)
        else:
            groups["emergency"].append(s)
    return [(kind, rows) for kind, rows in groups.items() if rows]


def suggested_shelter(session: DbSession, registrant: Registrant, today: date) -> int | None:
    """The shelter the assignment gives the person for the hazard at home (flood, then
    landslide, else earthquake), as a starting point for a new plan."""
    facts = person_facts(session, registrant, today)
    for hazard in (*facts.hazards, "earthquake"):
        assigned = session.scalar(
            select(ShelterAssignment.shelter_id).where(
                ShelterAssignment.registrant_id == registrant.id,
                ShelterAssignment.hazard == hazard,
            )
        )
        if assigned is not None:
            return int(assigned)
    return None


def new_plan_defaults(
    session: DbSession, registrant: Registrant, user: User, today: date
) -> dict[str, Any]:
    """What a new plan's form starts with: today, a review in a year, the author, the help
    the person's needs suggest, the register's contacts and the assigned shelter."""
    shelter_id = suggested_shelter(session, registrant, today)
    return {
        "status": PlanStatus.DRAFT.value,
        "destination_kind": DestinationKind.SHELTER.value,
        "destination_shelter_id": str(shelter_id) if shelter_id else "",
        "start_trigger": "level3",
        "assistance": _suggested_assistance(registrant),
        "communication_notes": registrant.language_note or "",
        "contacts": _register_contacts(registrant),
        "author_name": user.display_name,
        "author_role": AuthorRole.STAFF.value,
        "made_on": today,
        "review_on": one_year_after(today),
    }


def _suggested_assistance(registrant: Registrant) -> list[str]:
    """The help (ASSISTANCE codes) the person's mobility and communication suggest."""
    assistance = []
    if registrant.mobility is Mobility.WHEELCHAIR:
        assistance.append("wheelchair")
    if registrant.mobility is Mobility.BEDRIDDEN:
        assistance += ["stretcher", "two_people"]
    if registrant.comm_visual:
        assistance.append("visual_guide")
    if registrant.comm_hearing:
        assistance.append("sign_language")
    return assistance


def _register_contacts(registrant: Registrant) -> list[dict[str, str]]:
    """The first two emergency contacts of the register, as a plan's contacts."""
    return [
        {"name": c.name, "relation": c.relation, "phone": c.phone}
        for c in registrant.emergency_contacts[:2]
    ]


# --- saving -----------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def snapshot(plan: Plan) -> dict[str, Any]:
    """Every term and the basis, JSON-ready."""
    return {name: _json(getattr(plan, name)) for name in (*TERMS, *BASIS)}


@dataclass(frozen=True)
class Saved:
    plan: Plan
    #: Terms that changed (every term given, for a new plan); empty: nothing was saved.
    changed: list[str]
    created: bool
    #: False when the form changed nothing, and nothing was written.
    saved: bool = True


def _apply(
    session: DbSession, plan: Plan, registrant: Registrant, data: dict[str, Any], crs: str | None
) -> None:
    """The form's terms on the plan, with the distance to its shelter and, unless it is kept
    as needing review, the facts it is built on now."""
    _set_terms(plan, data)
    if plan.destination_kind is not DestinationKind.SHELTER:
        plan.destination_shelter_id = None
    shelter_id = plan.destination_shelter_id
    shelter = session.get(Shelter, shelter_id) if shelter_id is not None else None
    plan.destination_shelter = shelter
    plan.distance_m = _distance(session, registrant, shelter, crs)
    if plan.status is not PlanStatus.NEEDS_REVIEW or not plan.basis_needs:
        # Saved as a draft or agreed, the plan is built on the facts as they are now; kept as
        # needing review, it keeps the facts it was built on, so the reasons stay visible.
        plan.basis_address = registrant.address
        plan.basis_needs = needs_signature(registrant)
        plan.basis_shelter_version = shelter.version if shelter is not None else None


def _set_terms(plan: Plan, data: dict[str, Any]) -> None:
    for name, value in data.items():
        if name not in TERMS or name == "distance_m":
            continue
        # Fresh lists and dicts, so a change inside a JSON column is always seen.
        setattr(plan, name, copy.deepcopy(value))


def _distance(
    session: DbSession, registrant: Registrant, shelter: Shelter | None, crs: str | None
) -> float | None:
    """直線距離 from the person's home (or district) to the shelter, if both are known."""
    home = home_point(session, registrant)
    if shelter is None or home is None:
        return None
    return straight_line_m(home, (shelter.longitude, shelter.latitude), crs)


def save_plan(
    session: DbSession,
    registrant: Registrant,
    data: dict[str, Any],
    expected_version: int | None,
    actor: User,
    *,
    consented: bool,
    crs: str | None = None,
) -> Saved:
    """Make the person's plan, or change it as of expected_version (None: a new plan).

    Refused with StaleEditError when the plan moved on (or appeared) since the form was
    opened, and with ConsentNeededError when a new or agreed plan lacks plan-making consent.
    """
    plan, created = _plan_to_save(session, registrant, data, expected_version, consented)
    before = {} if created else snapshot(plan)
    # No flush until every term is in place: one UPDATE, so one version per save.
    with session.no_autoflush:
        _apply(session, plan, registrant, data, crs)
    after = snapshot(plan)
    changed = _changed(before, after, created)
    if changed is None:
        return Saved(plan, [], False, saved=False)
    _add_version(session, plan, actor, after, changed)
    _audit(session, plan, registrant, actor, changed, created=created)
    return Saved(plan, changed, created)


def _plan_to_save(
    session: DbSession,
    registrant: Registrant,
    data: dict[str, Any],
    expected_version: int | None,
    consented: bool,
) -> tuple[Plan, bool]:
    """The person's plan as of expected_version, or a new one (True); refused as save_plan
    says."""
    plan = session.scalar(select(Plan).where(Plan.registrant_id == registrant.id))
    if (plan is None) != (expected_version is None):
        raise PlanStaleError(registrant.id)
    if plan is not None:
        check_version(plan, expected_version)
    agreed = data.get("status") is PlanStatus.AGREED
    if not consented and (plan is None or agreed):
        raise ConsentNeededError(registrant.id)
    if plan is not None:
        return plan, False
    plan = Plan(registrant_id=registrant.id, supporters=[], assistance=[], contacts=[])
    session.add(plan)
    return plan, True


def _changed(before: dict[str, Any], after: dict[str, Any], created: bool) -> list[str] | None:
    """The terms a save changes (every term given, for a new plan); None when neither a
    term nor the basis changed, and there is nothing to save."""
    if created:
        return [name for name in TERMS if after.get(name) not in (None, "", [], {})]
    changed = [name for name in TERMS if before.get(name) != after.get(name)]
    if not changed and all(before.get(b) == after.get(b) for b in BASIS):
        return None
    return changed


def _add_version(
    session: DbSession, plan: Plan, actor: User, after: dict[str, Any], changed: list[str]
) -> None:
    """The plan's next version, and its PlanVersion with every term and the changed names."""
    # Touch the row, so that the version moves on even when only the basis changed.
    plan.updated_at = utcnow()
    session.flush()
    session.add(
        PlanVersion(
            plan_id=plan.id,
            version=plan.version,
            snapshot=after,
            changed=changed,
            changed_by_id=actor.id,
        )
    )
    session.flush()


def _audit(
    session: DbSession,
    plan: Plan,
    registrant: Registrant,
    actor: User,
    changed: list[str],
    *,
    created: bool,
) -> None:
    """The audit event plan.create or plan.update, naming the changed terms only."""
    record_event(
        session,
        "plan.create" if created else "plan.update",
        actor=actor,
        object_type="registrant",
        object_id=registrant.id,
        detail={"plan": plan.id, "version": plan.version, "fields": changed},
    )
