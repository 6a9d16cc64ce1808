"""Reading and changing the registry: the list's filters, edits with their audit, JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import Shelter, User
from ..models.shelters import HAZARDS
from ..versioning import StaleEditError, check_version
from .labels import GSI_ATTRIBUTION, KIND_CODES, MANUAL_SOURCE, is_gsi

#: Every field staff edit, in the form's order (source_id only where the form offers it).
EDITABLE = (
    "source_id",
    "name",
    "name_kana",
    "is_emergency_site",
    "is_evacuation_shelter",
    "is_welfare_shelter",
    "hazards",
    "capacity",
    "capacity_text",
    "accepts",
    "accept_groups",
    "care_places",
    "accessible_toilet",
    "step_free",
    "backup_power",
    "facility_agreement",
    "address",
    "latitude",
    "longitude",
    "phone",
    "contact",
    "notes",
    "city_code",
    "operator_organisation_id",
)
SORTS = ("name", "capacity")
PER_PAGE = 100


StaleShelterError = StaleEditError


class DuplicateSourceIdError(Exception):
    """Another place already has this ID."""


@dataclass(frozen=True)
class ShelterFilter:
    """The list's filters, from the query string. Unknown values raise ValueError."""

    kind: str = ""
    hazard: str = ""
    sort: str = "name"
    descending: bool = False

    @classmethod
    def from_args(cls, args: Any, strict: bool = False) -> ShelterFilter:
        """The filter from request.args; with strict, an unknown value raises ValueError,
        otherwise it is ignored (a page shows everything rather than an error)."""
        values: dict[str, str] = {}
        problems = []
        for name, default, choices, problem in _FILTER_ARGS:
            value = args.get(name, default)
            if value != default and value not in choices:
                problems.append(problem)
                value = default
            values[name] = value
        if strict and problems:
            raise ValueError("; ".join(problems))
        return cls(values["kind"], values["hazard"], values["sort"], values["dir"] == "desc")


#: The list's query arguments: name, default (also what an unknown value falls back to),
#: the values allowed besides the default, and what to say of an unknown value.
_FILTER_ARGS = (
    ("kind", "", KIND_CODES, f"kind must be one of {', '.join(KIND_CODES)}"),
    ("hazard", "", HAZARDS, f"hazard must be one of {', '.join(HAZARDS)}"),
    ("sort", "name", SORTS, f"sort must be one of {', '.join(SORTS)}"),
    ("dir", "asc", ("asc", "desc"), "dir must be asc or desc"),
)


def shelter_query(flt: ShelterFilter) -> Select[Shelter]:
    """The registry filtered and sorted; places with no capacity come last either way."""
    query = select(Shelter)
    if flt.kind:
        query = query.where(getattr(Shelter, KIND_CODES[flt.kind]).is_(True))
    if flt.hazard:
        # hazards is a comma-separated list of HAZARDS keys, none a part of another.
        query = query.where(("," + Shelter.hazards + ",").contains(f",{flt.hazard},"))
    if flt.sort == "capacity":
        order = Shelter.capacity.desc() if flt.descending else Shelter.capacity.asc()
        query = query.order_by(Shelter.capacity.is_(None), order, Shelter.name, Shelter.id)
    else:
        name = Shelter.name.desc() if flt.descending else Shelter.name.asc()
        query = query.order_by(name, Shelter.id)
    return query


@dataclass
class Page:
    rows: list[Shelter]
    total: int
    page: int
    pages: int


def shelter_page(session: DbSession, flt: ShelterFilter, page: int) -> Page:
    query = shelter_query(flt)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, math.ceil((total or 0) / PER_PAGE))
    page = min(max(page, 1), pages)
    rows = list(session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return Page(rows, total or 0, page, pages)


def values_of(shelter: Shelter) -> dict[str, Any]:
    """The editable fields as values (hazards and groups as lists)."""
    values = {name: getattr(shelter, name) for name in EDITABLE}
    values["hazards"] = shelter.hazard_list
    values["accept_groups"] = shelter.group_list
    return values


def store(shelter: Shelter, values: dict[str, Any]) -> None:
    """Set a place's fields; hazards and groups as the registry keeps them, comma-separated."""
    for name, value in values.items():
        if name in ("hazards", "accept_groups"):
            value = ",".join(value)
        setattr(shelter, name, value)


def _changed(shelter: Shelter, values: dict[str, Any]) -> list[str]:
    before = values_of(shelter)
    return [name for name in EDITABLE if name in values and values[name] != before[name]]


def _check_source_id(session: DbSession, source_id: str, own_id: int | None) -> None:
    other = session.scalar(select(Shelter.id).where(Shelter.source_id == source_id))
    if other is not None and other != own_id:
        raise DuplicateSourceIdError(source_id)


def next_manual_id(session: DbSession) -> str:
    """An ID for a place added by hand: H and six digits, never one in use."""
    highest = session.scalar(select(func.max(Shelter.id))) or 0
    number = highest + 1
    while session.scalar(select(Shelter.id).where(Shelter.source_id == f"H{number:06d}")):
        number += 1
    return f"H{number:06d}"


#: Fields whose change moves people between shelters: assignments are recomputed at once.
ASSIGNMENT_FIELDS = frozenset(
    {
        "latitude",
        "longitude",
        "hazards",
        "accept_groups",
        "is_emergency_site",
        "is_evacuation_shelter",
        "is_welfare_shelter",
    }
)


def _reassign(session: DbSession) -> None:
    """Recompute hazard flags and shelter assignments after the registry changed."""
    from ..hazards.assignment import recompute_all

    recompute_all(session)


def create_shelter(session: DbSession, values: dict[str, Any], actor: User) -> Shelter:
    """Add a place by hand; audited as shelter.create."""
    values = dict(values)
    if not values.get("source_id"):
        values["source_id"] = next_manual_id(session)
    _check_source_id(session, values["source_id"], None)
    shelter = Shelter(source=MANUAL_SOURCE)
    store(shelter, values)
    session.add(shelter)
    session.flush()
    _reassign(session)
    detail = {"source_id": shelter.source_id}
    record_event(session, "shelter.create", **_audited(shelter, actor), detail=detail)
    return shelter


def _audited(shelter: Shelter, actor: User) -> dict[str, Any]:
    """Who changed which place, as record_event takes them."""
    return {"actor": actor, "object_type": "shelter", "object_id": shelter.id}


def update_shelter(
    session: DbSession,
    shelter: Shelter,
    values: dict[str, Any],
    version: int | None,
    actor: User,
) -> list[str]:
    """Save staff's edit; the names of the fields that changed (audited as shelter.update).

    Raises StaleShelterError when the form was built on another version: nothing changes.
    """
    check_version(shelter, version)
    if values.get("source_id"):
        _check_source_id(session, values["source_id"], shelter.id)
    changed = _changed(shelter, values)
    if not changed:
        return []
    _write_changes(session, shelter, {name: values[name] for name in changed})
    record_event(session, "shelter.update", **_audited(shelter, actor), detail={"fields": changed})
    return changed


def _write_changes(session: DbSession, shelter: Shelter, changes: dict[str, Any]) -> None:
    """Store the changed fields; recompute assignments when one of them moves people."""
    store(shelter, changes)
    session.flush()
    if ASSIGNMENT_FIELDS & set(changes):
        _reassign(session)


# --- JSON and GeoJSON ----------------------------------------------------------------------------


def shelter_json(shelter: Shelter) -> dict[str, Any]:
    """Every registry field of a place, in plain JSON types (WGS84 coordinates): its ID, the
    fields staff edit (in the form's order), where it came from and its version."""
    return {
        "id": shelter.id,
        **values_of(shelter),
        "source": shelter.source,
        "version": shelter.version,
        "updated_at": shelter.updated_at.isoformat() if shelter.updated_at else None,
    }


def attribution(shelters: list[Shelter]) -> str | None:
    """GSI's attribution when any of the places comes from its data."""
    return GSI_ATTRIBUTION if any(is_gsi(s.source) for s in shelters) else None


def registry_json(shelters: list[Shelter]) -> dict[str, Any]:
    return {"items": [shelter_json(s) for s in shelters], "attribution": attribution(shelters)}


def registry_geojson(shelters: list[Shelter]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946: WGS84 longitude, latitude)."""
    return {
        "type": "FeatureCollection",
        "features": [_feature(shelter) for shelter in shelters],
        "attribution": attribution(shelters),
    }


def _feature(shelter: Shelter) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": shelter.id,
        "geometry": {"type": "Point", "coordinates": [shelter.longitude, shelter.latitude]},
        "properties": shelter_json(shelter),
    }
