"""The priority score for making a person's plan: a pure function of plain values.

The score is a sum of components, each worth the points config.toml [plans.priority] gives
it (DEFAULT_WEIGHTS when a key is left out). Within one group only the strongest component
counts; the groups add up:

- hazard at home: a landslide warning zone (土砂災害警戒区域), flood depth rank 3 or more
  (≥ 3 m, A31 rank ≥ 3), or rank 2 (0.5–3 m). Someone in a landslide zone *and* deep water
  counts the stronger of the two, not both: either alone already puts them at the front.
- medical devices: a home ventilator, or another device (oxygen, suction, dialysis); the
  stronger counts.
- mobility: bedridden, or a wheelchair (one mobility per person).
- household: living alone, or an elderly-only household (one household per person).
- support: no supporter named in the person's plan and no emergency contact.
- drill finding: a drill found something serious about the person (roster.models.drills
  SERIOUS_FINDINGS) and staff have not cleared the flag yet.

A component worth 0 points is left out of the reasons. The reasons come in that order, each
as (code, points); REASON_CODES lists the codes. queries.py computes the same score in SQL;
a test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The groups of components, in the order reasons are listed; in each group only the
#: strongest component that applies counts.
GROUPS: tuple[tuple[str, ...], ...] = (
    ("landslide_zone", "flood_rank_3_plus", "flood_rank_2"),
    ("ventilator", "medical_device"),
    ("bedridden", "wheelchair"),
    ("living_alone", "elderly_only"),
    ("no_supporter",),
    ("drill_finding",),
)
REASON_CODES: tuple[str, ...] = tuple(code for group in GROUPS for code in group)

DEFAULT_WEIGHTS: dict[str, int] = {
    "landslide_zone": 40,
    "flood_rank_3_plus": 40,
    "flood_rank_2": 20,
    "ventilator": 60,
    "medical_device": 15,
    "bedridden": 30,
    "wheelchair": 15,
    "living_alone": 15,
    "elderly_only": 10,
    "no_supporter": 15,
    "drill_finding": 30,
}

#: Band letters, highest first.
BANDS = ("A", "B", "C")


@dataclass(frozen=True)
class Bands:
    """Band A from `a` points up, B from `b` up to below `a`, C below `b`."""

    a: int = 60
    b: int = 30

    def of(self, score: int) -> str:
        if score >= self.a:
            return "A"
        if score >= self.b:
            return "B"
        return "C"


def weights_from(raw: Mapping[str, Any] | None) -> dict[str, int]:
    """The weights from a config table: every key known, every value a whole number ≥ 0;
    missing keys take their default. Raises ValueError naming the bad key."""
    weights = dict(DEFAULT_WEIGHTS)
    for key, value in (raw or {}).items():
        if key not in DEFAULT_WEIGHTS:
            raise ValueError(f"unknown priority weight {key!r}; known: {', '.join(REASON_CODES)}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"priority weight {key} must be a whole number ≥ 0, not {value!r}")
        weights[key] = value
    return weights


def bands_from(raw: Mapping[str, Any] | None) -> Bands:
    """Band thresholds from a config table (keys a and b), with a > b ≥ 0."""
    raw = raw or {}
    unknown = set(raw) - {"a", "b"}
    if unknown:
        raise ValueError(f"unknown band setting(s): {', '.join(sorted(unknown))}")
    a, b = raw.get("a", Bands.a), raw.get("b", Bands.b)
    for name, value in (("a", a), ("b", b)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"band {name} must be a whole number ≥ 0, not {value!r}")
    if not a > b:
        raise ValueError(f"band a ({a}) must be above band b ({b})")
    return Bands(a, b)


@dataclass(frozen=True)
class Person:
    """What the score reads about one person, as plain values."""

    #: Highest flood depth rank at home (A31: 1 <0.5 m, 2 0.5–3 m, 3+ ≥3 m), or None.
    flood_rank: int | None = None
    #: warning or special when home is in a landslide zone, else None.
    landslide_zone: str | None = None
    ventilator: bool = False
    #: Oxygen, suction or dialysis.
    other_device: bool = False
    #: A Mobility value ("bedridden", "wheelchair", ...).
    mobility: str = ""
    #: A Household value ("alone", "elderly_only", ...).
    household: str = ""
    #: The person's plan names at least one supporter (a non-blank name).
    named_supporter: bool = False
    #: The person has at least one emergency contact.
    emergency_contact: bool = False
    #: A drill's serious finding about the person, not yet cleared (ReviewFlag).
    serious_finding: bool = False


def applies(person: Person) -> dict[str, bool]:
    """Which components apply to the person, whatever their weights."""
    rank = person.flood_rank
    return {
        "landslide_zone": person.landslide_zone is not None,
        "flood_rank_3_plus": rank is not None and rank >= 3,
        "flood_rank_2": rank == 2,
        "ventilator": person.ventilator,
        "medical_device": person.other_device,
        "bedridden": person.mobility == "bedridden",
        "wheelchair": person.mobility == "wheelchair",
        "living_alone": person.household == "alone",
        "elderly_only": person.household == "elderly_only",
        "no_supporter": not person.named_supporter and not person.emergency_contact,
        "drill_finding": person.serious_finding,
    }


def strongest(group: tuple[str, ...], weights: Mapping[str, int]) -> tuple[str, ...]:
    """The group's codes by weight, highest first; equal weights keep the group's order.
    The first that applies is the one that counts (SQL walks the same order in a CASE)."""
    return tuple(sorted(group, key=lambda code: -weights[code]))


def score(person: Person, weights: Mapping[str, int]) -> tuple[int, list[tuple[str, int]]]:
    """The person's score and its reasons, as (code, points) in the order of GROUPS."""
    hits = applies(person)
    reasons: list[tuple[str, int]] = []
    for group in GROUPS:
        for code in strongest(group, weights):
            if hits[code]:
                if weights[code] > 0:
                    reasons.append((code, weights[code]))
                break
    return sum(points for _code, points in reasons), reasons
