"""Warnings about a plan's destination shelter, as a pure function of plain facts.

The facts come from the register (who needs care, the person's groups, a ventilator, the
hazards at home) and the shelter registry (kinds, accepted groups, hazard designations,
backup power, capacity, and which hazard areas the place itself lies in). A warning never
blocks saving a plan: it tells the person making it what to check.

The rules follow the shelter assignment (geo.analysis.assign_shelters), so a plan and the
assignment agree on what suits whom:

- a person who needs care belongs at a welfare shelter (福祉避難所) that takes one of their
  groups; a wheelchair user (disabled) sent to a 妊婦・乳幼児 shelter is warned about. A
  welfare shelter with no recorded groups is flagged as unknown. A welfare shelter takes
  only its groups, whoever goes there, unless it is also an emergency site;
- for each hazard at the person's home (flood, landslide), the place must be designated for
  it, or have no designations at all and be a place to stay (a shelter or welfare shelter),
  which GSI data leaves undesignated; and it must not lie in that hazard's area itself;
- a ventilator user needs backup power (unknown is warned about too);
- a place without capacity information is warned about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Hazards of the person's home that a destination is checked against.
HOME_HAZARDS = ("flood", "landslide")


@dataclass(frozen=True)
class PersonFacts:
    #: Needs a welfare shelter: wheelchair or bedridden, a medical device, or care level 3–5.
    needs_care: bool
    #: geo.groups.ACCEPT_GROUPS the person belongs to.
    groups: tuple[str, ...] = ()
    ventilator: bool = False
    #: HOME_HAZARDS the person's home lies in.
    hazards: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShelterFacts:
    is_emergency_site: bool = False
    is_evacuation_shelter: bool = False
    is_welfare_shelter: bool = False
    #: ACCEPT_GROUPS a welfare shelter takes.
    groups: tuple[str, ...] = ()
    #: Hazards the place is designated for (models.HAZARDS codes).
    hazards: tuple[str, ...] = ()
    backup_power: bool | None = None
    capacity: int | None = None
    care_places: int | None = None
    #: Hazards whose areas hold the place itself.
    in_areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class DestinationWarning:
    code: str
    #: The hazard a hazard warning is about.
    hazard: str | None = None
    #: The groups the shelter takes, for group_not_taken.
    groups: tuple[str, ...] = ()


def suits_hazard(shelter: ShelterFacts, hazard: str) -> bool:
    """Designated for the hazard, or undesignated and a place to stay."""
    if hazard in shelter.hazards:
        return True
    stays = shelter.is_evacuation_shelter or shelter.is_welfare_shelter
    return not shelter.hazards and stays


def _groups(person: PersonFacts, shelter: ShelterFacts) -> list[DestinationWarning]:
    # As in the assignment: a welfare shelter takes only its groups, unless it is also an
    # emergency site (指定緊急避難場所), which anyone may flee to.
    welfare_only = shelter.is_welfare_shelter and not shelter.is_emergency_site
    if person.needs_care and not shelter.is_welfare_shelter:
        return [DestinationWarning("not_welfare")]
    if not (person.needs_care or welfare_only):
        return []
    if not shelter.groups:
        return [DestinationWarning("groups_unknown")]
    if not set(person.groups) & set(shelter.groups):
        return [DestinationWarning("group_not_taken", groups=tuple(shelter.groups))]
    return []


def destination_warnings(person: PersonFacts, shelter: ShelterFacts) -> list[DestinationWarning]:
    """What to check before sending this person to this shelter; empty when nothing."""
    warnings = _groups(person, shelter)
    for hazard in (h for h in HOME_HAZARDS if h in person.hazards):
        if not suits_hazard(shelter, hazard):
            warnings.append(DestinationWarning("hazard_unsuitable", hazard=hazard))
        if hazard in shelter.in_areas:
            warnings.append(DestinationWarning("in_hazard_area", hazard=hazard))
    if person.ventilator:
        if shelter.backup_power is False:
            warnings.append(DestinationWarning("no_backup_power"))
        elif shelter.backup_power is None:
            warnings.append(DestinationWarning("backup_power_unknown"))
    if shelter.capacity is None and shelter.care_places is None:
        warnings.append(DestinationWarning("no_capacity"))
    return warnings


def home_hazards(flood_rank: int | None, landslide_zone: str | None) -> tuple[str, ...]:
    """HOME_HAZARDS from a person's hazard flags (RegistrantHazard)."""
    found = []
    if flood_rank is not None and flood_rank >= 1:
        found.append("flood")
    if landslide_zone:
        found.append("landslide")
    return tuple(found)


def codes(warnings: Iterable[DestinationWarning]) -> list[str]:
    return [w.code for w in warnings]
