"""Hazard layers, each person's hazard flags, and the shelter each person is assigned to.

The geometry is done by geo/ (geopandas, shapely); this module reads the register and the
shelter registry into frames, calls it, and stores the answers in bulk:

- import_layer() stores one hazard file as a HazardLayer with its HazardArea polygons (WKB in
  the metric CRS of config geo.crs);
- recompute_flags() gives every active person their RegistrantHazard row (only people inside
  some hazard area get one: no row means no hazard at home);
- recompute_assignments() stores, for one hazard, every active person's nearest suitable
  shelter (ShelterAssignment), or why there is none;
- recompute_all() does both for every hazard after any change of layers or shelters, and
  refresh_person() for one person after their record changed, refresh_people() for many.

Who needs care, and which groups a person belongs to, is derived from the register as
NEEDS_CARE and person_groups() document; assignment uses it to send people who need care only
to welfare shelters (福祉避難所) that take one of their groups.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from flask import current_app
from sqlalchemy import case, delete, func, insert, select

from geo.analysis import assign_shelters, hazard_flags
from geo.hazards import Attributes, LayerReport, read_hazard_file

from ..access.rule import registrant_condition
from ..audit.operations import record_event
from ..extensions import DbSession
from ..i18n import local_today
from ..models import (
    HAZARDS,
    CareLevel,
    District,
    HazardArea,
    HazardKind,
    HazardLayer,
    Mobility,
    Registrant,
    RegistrantHazard,
    RegistrantStatus,
    Shelter,
    ShelterAssignment,
    User,
)
from ..models.base import utcnow
from ..viewer import viewer_of

WGS84 = "EPSG:4326"
#: Hazards every recomputation assigns shelters for, whatever the data holds; any other
#: hazard is assigned as soon as a shelter is designated for it.
ALWAYS_ASSIGNED = ("flood", "landslide", "earthquake")
#: The hazard-area kind whose polygons apply to each hazard: a shelter inside one is not
#: suitable for that hazard. Hazards not listed have no areas here.
AREA_KIND = {"flood": "flood", "inland_flood": "flood", "landslide": "landslide"}

#: Who needs care (要配慮: a person who can only stay at a welfare shelter):
#: a wheelchair user or a bedridden person, anyone using a home ventilator, oxygen, a
#: suction device or dialysis, and anyone at care level 3 or above (要介護3–5).
CARE_MOBILITY = (Mobility.WHEELCHAIR.value, Mobility.BEDRIDDEN.value)
MEDICAL_DEVICES = ("device_ventilator", "device_oxygen", "device_suction", "device_dialysis")
CARE_LEVELS = (CareLevel.CARE_3.value, CareLevel.CARE_4.value, CareLevel.CARE_5.value)
#: Age from which a person counts as elderly (高齢者) for a welfare shelter's groups.
ELDERLY_AGE = 65
#: Reasons a person has no shelter (geo.analysis), in the order pages list them.
REASONS = ("no_welfare_shelter", "no_shelter", "no_location")
#: Rows per bulk insert.
CHUNK = 20_000


class Progress(Protocol):
    def update(self, n: int = 1) -> Any: ...


class _Null:
    def update(self, n: int = 1) -> None:
        return None


def metric_crs(crs: str | None = None) -> str:
    return crs or str(current_app.config.get("GEO_CRS", "EPSG:6677"))


# --- layers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedLayer:
    """A stored layer and the report of its reading (areas by value, repairs)."""

    layer: HazardLayer
    report: LayerReport


def import_layer(
    session: DbSession,
    path: str | Path,
    kind: str,
    *,
    actor: User | None,
    name: str | None = None,
    depth_property: str | None = None,
    attributes: Attributes | None = None,
    encoding: str | None = None,
    synthetic: bool = False,
    source_file: str | None = None,
    crs: str | None = None,
    recompute: bool = True,
    progress: Progress | None = None,
    audit: bool = True,
) -> ImportedLayer:
    """Store one hazard file as a layer of polygons in the metric CRS, then (by default)
    recompute everyone's flags and assignments.

    attributes: which properties hold the depth rank, zone and phenomenon and what their
    values mean, when not as 国土数値情報 or Tokyo publish them (depth_property is short for
    its depth_property). Raises geo.hazards.HazardInputError (refusals.refusal() says it for
    staff) before anything is written. source_file: the name to record (the uploaded
    file's), default the path's.
    """
    crs = metric_crs(crs)
    path = Path(path)
    attributes = attributes or Attributes()
    if depth_property:
        attributes = replace(attributes, depth_property=depth_property)
    read = read_hazard_file(
        path, kind, crs=crs, attributes=attributes, encoding=encoding or None, name=name or None
    )
    frame = read.frame
    layer = HazardLayer(
        kind=HazardKind(kind),
        name=(name or str(frame["source_name"].iloc[0]) or path.stem)[:120],
        source_file=(source_file or path.name)[:200],
        crs=crs,
        synthetic=synthetic,
        feature_count=len(frame),
        imported_by=actor,
    )
    session.add(layer)
    session.flush()
    wkb = shapely.to_wkb(np.asarray(frame.geometry.array, dtype=object))
    rows = [
        {
            "layer_id": layer.id,
            "depth_rank": None if pd.isna(rank) else int(rank),
            "phenomenon": phenomenon,
            "zone": zone,
            "geometry": bytes(geometry),
        }
        for rank, phenomenon, zone, geometry in zip(
            frame["depth_rank"], frame["phenomenon"], frame["zone"], wkb, strict=True
        )
    ]
    session.execute(insert(HazardArea), rows)
    if audit:  # the demo loader, like the rest of the demo, writes no audit events
        record_event(
            session,
            "hazard.import",
            actor=actor,
            object_type="hazard_layer",
            object_id=layer.id,
            detail={
                "kind": kind,
                "features": len(rows),
                "synthetic": synthetic,
                **read.report.as_detail(),
            },
        )
    if recompute:
        recompute_all(session, crs=crs, progress=progress)
    return ImportedLayer(layer, read.report)


def delete_layer(
    session: DbSession, layer: HazardLayer, *, actor: User | None, crs: str | None = None
) -> None:
    """Remove a layer and its areas, then recompute everyone's flags and assignments."""
    layer_id, kind = layer.id, layer.kind.value
    session.execute(delete(HazardArea).where(HazardArea.layer_id == layer_id))
    session.delete(layer)
    session.flush()
    record_event(
        session,
        "hazard.delete",
        actor=actor,
        object_type="hazard_layer",
        object_id=layer_id,
        detail={"kind": kind},
    )
    recompute_all(session, crs=crs)


def list_layers(session: DbSession) -> list[HazardLayer]:
    return list(session.scalars(select(HazardLayer).order_by(HazardLayer.kind, HazardLayer.id)))


def areas_frame(
    session: DbSession, crs: str | None = None, kinds: Iterable[str] | None = None
) -> gpd.GeoDataFrame:
    """Every stored hazard polygon (columns kind, depth_rank, phenomenon, zone, layer_id,
    synthetic), in `crs`."""
    crs = metric_crs(crs)
    query = select(
        HazardLayer.kind,
        HazardArea.depth_rank,
        HazardArea.phenomenon,
        HazardArea.zone,
        HazardArea.layer_id,
        HazardLayer.synthetic,
        HazardLayer.crs,
        HazardArea.geometry,
    ).join(HazardLayer, HazardLayer.id == HazardArea.layer_id)
    if kinds is not None:
        query = query.where(HazardLayer.kind.in_([HazardKind(k) for k in kinds]))
    rows = session.execute(query.order_by(HazardArea.id)).all()
    parts = []
    by_crs: dict[str, list[Any]] = {}
    for row in rows:
        by_crs.setdefault(row.crs, []).append(row)
    for source_crs, group in by_crs.items():
        parts.append(
            gpd.GeoDataFrame(
                {
                    "kind": [row.kind.value for row in group],
                    "depth_rank": pd.array([row.depth_rank for row in group], dtype="Int64"),
                    "phenomenon": pd.Series([row.phenomenon for row in group], dtype=object),
                    "zone": pd.Series([row.zone for row in group], dtype=object),
                    "layer_id": [row.layer_id for row in group],
                    "synthetic": [bool(row.synthetic) for row in group],
                },
                geometry=shapely.from_wkb([row.geometry for row in group]),
                crs=source_crs,
            ).to_crs(crs)
        )
    if not parts:
        return gpd.GeoDataFrame(
            {
                "kind": pd.Series([], dtype=object),
                "depth_rank": pd.array([], dtype="Int64"),
                "phenomenon": pd.Series([], dtype=object),
                "zone": pd.Series([], dtype=object),
                "layer_id": pd.Series([], dtype=np.int64),
                "synthetic": pd.Series([], dtype=bool),
            },
            geometry=gpd.GeoSeries([], crs=crs),
            crs=crs,
        )
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=crs)


# --- people -----------------------------------------------------------------------------------


def people_frame(
    session: DbSession,
    crs: str | None = None,
    ids: Sequence[int] | None = None,
    today: date | None = None,
) -> gpd.GeoDataFrame:
    """Active people as points in `crs`, indexed by registrant id, with needs_care, groups,
    mobility and ventilator. A person without coordinates of their own stands at their
    district's point (the register marks such a location approximate)."""
    crs = metric_crs(crs)
    columns = [
        Registrant.id,
        func.coalesce(Registrant.latitude, District.latitude).label("latitude"),
        func.coalesce(Registrant.longitude, District.longitude).label("longitude"),
        Registrant.birth_date,
        Registrant.mobility,
        Registrant.care_level,
        Registrant.disability_certificate,
        *(getattr(Registrant, name) for name in MEDICAL_DEVICES),
        Registrant.comm_hearing,
        Registrant.comm_visual,
        Registrant.comm_language,
        Registrant.comm_cognitive,
    ]
    query = (
        select(*columns)
        .join(District, District.id == Registrant.district_id)
        .where(Registrant.status == RegistrantStatus.ACTIVE)
        .order_by(Registrant.id)
    )
    if ids is not None:
        query = query.where(Registrant.id.in_(list(ids)))
    result = session.execute(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["mobility"] = [m.value if m is not None else "" for m in frame["mobility"]]
    frame["care_level"] = [c.value if c is not None else "" for c in frame["care_level"]]
    care, groups = derive_needs(frame, today or local_today())
    frame["needs_care"] = care
    frame["groups"] = groups
    frame["ventilator"] = frame["device_ventilator"].fillna(False).astype(bool)
    lon = pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(dtype=float)
    points = shapely.points(lon, lat)
    points[np.isnan(lon) | np.isnan(lat)] = None
    people = gpd.GeoDataFrame(
        frame[["id", "needs_care", "groups", "mobility", "ventilator"]],
        geometry=gpd.GeoSeries(points, crs=WGS84),
        crs=WGS84,
    ).set_index("id")
    return people.to_crs(crs)


def derive_needs(frame: pd.DataFrame, today: date) -> tuple[np.ndarray, list[list[str]]]:
    """(needs_care per row, groups per row) from register columns.

    needs_care: mobility wheelchair or bedridden, a ventilator, oxygen, suction device or
    dialysis, or care level 3–5. Groups (geo.groups.ACCEPT_GROUPS that a welfare shelter may
    take): "elderly" from age 65 or any support/care level (要支援・要介護), "disabled" from a
    disability certificate, a wheelchair or being bedridden, or a communication need
    (hearing, sight, language, cognitive), "medical_care" from a medical device. Nobody is
    put in "pregnant_infant": the register does not record it.
    """
    count = len(frame)
    mobility = frame["mobility"].astype(str).to_numpy() if count else np.array([], dtype=str)
    care_level = frame["care_level"].astype(str).to_numpy() if count else np.array([], dtype=str)
    devices = np.zeros(count, dtype=bool)
    for name in MEDICAL_DEVICES:
        devices |= _flag(frame, name)
    moving = np.isin(mobility, CARE_MOBILITY)
    needs_care = moving | devices | np.isin(care_level, CARE_LEVELS)
    communication = np.zeros(count, dtype=bool)
    for name in ("comm_hearing", "comm_visual", "comm_language", "comm_cognitive"):
        communication |= _flag(frame, name)
    certificate = np.array(
        [
            isinstance(value, str) and bool(value.strip())
            for value in frame.get("disability_certificate", [None] * count)
        ],
        dtype=bool,
    )
    disabled = certificate | moving | communication
    cutoff = _years_before(today, ELDERLY_AGE)
    births = frame.get("birth_date", pd.Series([None] * count))
    old = np.array([b is not None and not pd.isna(b) and b <= cutoff for b in births], dtype=bool)
    elderly = old | ~np.isin(care_level, (CareLevel.NONE.value, ""))
    groups = [
        [g for g, has in (("elderly", e), ("disabled", d), ("medical_care", m)) if has]
        for e, d, m in zip(elderly, disabled, devices, strict=True)
    ]
    return needs_care, groups


def _flag(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[name].fillna(False).to_numpy(dtype=bool)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- shelters ---------------------------------------------------------------------------------


def shelters_frame(session: DbSession, crs: str | None = None) -> gpd.GeoDataFrame:
    """The shelter registry as points in `crs`, with the columns geo.analysis reads."""
    crs = metric_crs(crs)
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    frame = pd.DataFrame(
        {
            "id": pd.Series([s.id for s in shelters], dtype=np.int64),
            "name": pd.Series([s.name for s in shelters], dtype=object),
            "hazards": pd.Series([s.hazard_list for s in shelters], dtype=object),
            "is_emergency_site": pd.Series([s.is_emergency_site for s in shelters], dtype=bool),
            "is_evacuation_shelter": pd.Series(
                [s.is_evacuation_shelter for s in shelters], dtype=bool
            ),
            "is_welfare_shelter": pd.Series([s.is_welfare_shelter for s in shelters], dtype=bool),
            "accept_groups": pd.Series([s.group_list for s in shelters], dtype=object),
            "capacity": pd.Series([s.capacity for s in shelters], dtype=object),
            "backup_power": pd.Series([s.backup_power for s in shelters], dtype=object),
        }
    )
    points = gpd.points_from_xy(
        [s.longitude for s in shelters], [s.latitude for s in shelters], crs=WGS84
    )
    return gpd.GeoDataFrame(frame, geometry=points, crs=WGS84).to_crs(crs)


def assignment_hazards(session: DbSession) -> list[str]:
    """The hazards assignments are kept for, in HAZARDS order: always flood, landslide and
    earthquake; any other once a shelter is designated for it or an area kind applies."""
    designated: set[str] = set()
    for hazards in session.scalars(select(Shelter.hazards).distinct()):
        designated.update(h for h in (hazards or "").split(",") if h)
    kinds = {k.value for k in session.scalars(select(HazardLayer.kind).distinct())}
    wanted = set(ALWAYS_ASSIGNED) | designated
    wanted |= {hazard for hazard, kind in AREA_KIND.items() if kind in kinds}
    return [h for h in HAZARDS if h in wanted]


# --- recomputation ----------------------------------------------------------------------------


@dataclass
class Recomputed:
    people: int = 0
    flagged: int = 0
    hazards: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_detail(self) -> dict[str, Any]:
        return {"people": self.people, "flagged": self.flagged, "hazards": self.hazards}


def recompute_flags(
    session: DbSession,
    crs: str | None = None,
    people: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    ids: Sequence[int] | None = None,
) -> int:
    """Replace the hazard flags of every active person (or of `ids`); return how many people
    are inside some hazard area. People no longer active lose their flags."""
    crs = metric_crs(crs)
    people = people_frame(session, crs, ids=ids) if people is None else people
    areas = areas_frame(session, crs) if areas is None else areas
    wipe = delete(RegistrantHazard)
    if ids is not None:
        wipe = wipe.where(RegistrantHazard.registrant_id.in_(list(ids)))
    session.execute(wipe)
    located = people[~(people.geometry.is_empty | people.geometry.isna())]
    if not len(areas) or not len(located):
        return 0
    flags = hazard_flags(located[["geometry"]], areas)
    now = utcnow()
    rows = []
    for person_id, rank, zone, phenomena, other in zip(
        flags.index,
        flags["flood_rank"],
        flags["landslide_zone"],
        flags["landslide_phenomena"],
        flags["in_other"],
        strict=True,
    ):
        if pd.isna(rank) and zone is None and not other:
            continue
        rows.append(
            {
                "registrant_id": int(person_id),
                "flood_rank": None if pd.isna(rank) else int(rank),
                "landslide_zone": zone,
                "landslide_phenomena": ",".join(phenomena),
                "in_other": bool(other),
                "computed_at": now,
            }
        )
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(RegistrantHazard), rows[start : start + CHUNK])
    return len(rows)


def recompute_assignments(
    session: DbSession,
    hazard: str,
    crs: str | None = None,
    people: gpd.GeoDataFrame | None = None,
    shelters: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    ids: Sequence[int] | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Replace the assignments for one hazard of every active person (or of `ids`): the
    nearest suitable shelter, or the reason there is none. Returns counts by outcome."""
    if hazard not in HAZARDS:
        raise ValueError(f"unknown hazard {hazard!r}")
    crs = metric_crs(crs)
    people = people_frame(session, crs, ids=ids) if people is None else people
    shelters = shelters_frame(session, crs) if shelters is None else shelters
    if areas is None:
        kind = AREA_KIND.get(hazard)
        areas = areas_frame(session, crs, kinds=[kind]) if kind else None
    elif hazard in AREA_KIND:
        areas = areas[areas["kind"] == AREA_KIND[hazard]]
    else:
        areas = None
    wipe = delete(ShelterAssignment).where(ShelterAssignment.hazard == hazard)
    if ids is not None:
        wipe = wipe.where(ShelterAssignment.registrant_id.in_(list(ids)))
    session.execute(wipe)
    if not len(people):
        return {}
    if len(shelters):
        result = assign_shelters(people, shelters, hazard, areas)
    else:
        result = pd.DataFrame(
            {
                "person_id": people.index.to_numpy(),
                "shelter_id": pd.array([None] * len(people), dtype="Int64"),
                "distance_m": np.nan,
                "reason": "no_shelter",
            }
        )
    now = utcnow()
    progress = progress or _Null()
    counts: Counter[str] = Counter()
    rows = []
    for person_id, shelter_id, metres, reason in zip(
        result["person_id"],
        result["shelter_id"],
        result["distance_m"],
        result["reason"],
        strict=True,
    ):
        assigned = not pd.isna(shelter_id)
        counts["assigned" if assigned else str(reason)] += 1
        rows.append(
            {
                "hazard": hazard,
                "registrant_id": int(person_id),
                "shelter_id": int(shelter_id) if assigned else None,
                "distance_m": None if pd.isna(metres) else round(float(metres), 1),
                "reason": "" if assigned else str(reason or "no_shelter"),
                "computed_at": now,
            }
        )
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        session.execute(insert(ShelterAssignment), chunk)
        progress.update(len(chunk))
    return dict(counts)


def recompute_all(
    session: DbSession,
    *,
    crs: str | None = None,
    actor: User | None = None,
    progress: Progress | None = None,
) -> Recomputed:
    """Flags and assignments of every active person for every assigned hazard, after a
    change of layers or shelters. Audited (counts only) when an actor asked for it."""
    crs = metric_crs(crs)
    people = people_frame(session, crs)
    shelters = shelters_frame(session, crs)
    areas = areas_frame(session, crs)
    summary = Recomputed(people=len(people))
    summary.flagged = recompute_flags(session, crs, people=people, areas=areas)
    # Assignments of people no longer active, and of hazards no longer kept, go too.
    session.execute(delete(ShelterAssignment))
    for hazard in assignment_hazards(session):
        summary.hazards[hazard] = recompute_assignments(
            session,
            hazard,
            crs,
            people=people,
            shelters=shelters,
            areas=areas,
            progress=progress,
        )
    if actor is not None:
        record_event(
            session,
            "hazard.recompute",
            actor=actor,
            object_type="hazard",
            detail=summary.as_detail(),
        )
    return summary


def refresh_person(session: DbSession, registrant: Registrant, crs: str | None = None) -> None:
    """Recompute one person's flags and assignments after their record changed (a new
    location, a new need, a new status). Cheap: the layers and shelters are small."""
    if registrant.id is None:
        session.flush()
    refresh_people(session, [registrant.id], crs)


#: Beyond this many people, recomputing everyone is cheaper than a long IN list.
REFRESH_ALL_ABOVE = 20_000


def refresh_people(session: DbSession, ids: Sequence[int], crs: str | None = None) -> None:
    """Recompute the flags and assignments of `ids` after their records changed (geocoding
    moved them, an import changed them); everyone's when they are many."""
    if not ids:
        return
    crs = metric_crs(crs)
    if len(ids) > REFRESH_ALL_ABOVE:
        recompute_all(session, crs=crs)
        return
    people = people_frame(session, crs, ids=ids)
    areas = areas_frame(session, crs)
    recompute_flags(session, crs, people=people, areas=areas, ids=ids)
    shelters = shelters_frame(session, crs)
    hazards = set(session.scalars(select(ShelterAssignment.hazard).distinct()))
    if not hazards and len(shelters):
        hazards = set(assignment_hazards(session))
    for hazard in (h for h in HAZARDS if h in hazards):
        recompute_assignments(
            session, hazard, crs, people=people, shelters=shelters, areas=areas, ids=ids
        )


# --- the load per shelter ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShelterRow:
    """One shelter's load for a hazard: counts only, never who."""

    id: int
    name: str
    kinds: tuple[str, ...]
    groups: tuple[str, ...]
    assigned: int
    wheelchair: int
    bedridden: int
    ventilator: int
    backup_power: bool | None
    ventilator_without_power: int
    capacity: int | None
    shortfall: int | None


@dataclass(frozen=True)
class AssignmentTable:
    hazard: str
    rows: list[ShelterRow]
    unassigned: dict[str, int]
    assigned: int
    computed_at: datetime | None

    @property
    def total(self) -> int:
        return self.assigned + sum(self.unassigned.values())

    @property
    def shortfall(self) -> int:
        return sum(row.shortfall or 0 for row in self.rows)


SHELTER_KINDS = ("emergency_site", "evacuation_shelter", "welfare_shelter")


def shelter_kinds(shelter: Shelter) -> tuple[str, ...]:
    flags = (shelter.is_emergency_site, shelter.is_evacuation_shelter, shelter.is_welfare_shelter)
    return tuple(kind for kind, on in zip(SHELTER_KINDS, flags, strict=True) if on)


def assignment_table(session: DbSession, user: Any, hazard: str) -> AssignmentTable:
    """Per shelter, the people assigned for `hazard` and what they need, counted over the
    active people the user's access rule admits (staff and planners: everyone active).

    Counted by the database, one row per shelter and reason; the columns mean what
    geo.analysis.shelter_load() computes: ventilator users at a place without confirmed
    backup power (unknown counts as without), and people beyond the known capacity."""
    # Grouped by an expression, so that SQLite reads the hazard's rows by the primary key.
    shelter_key = (ShelterAssignment.shelter_id + 0).label("shelter")
    query = (
        select(
            shelter_key,
            ShelterAssignment.reason,
            func.count(),
            func.sum(case((Registrant.mobility == Mobility.WHEELCHAIR, 1), else_=0)),
            func.sum(case((Registrant.mobility == Mobility.BEDRIDDEN, 1), else_=0)),
            func.sum(case((Registrant.device_ventilator.is_(True), 1), else_=0)),
        )
        .join(Registrant, Registrant.id == ShelterAssignment.registrant_id)
        .where(
            ShelterAssignment.hazard == hazard,
            Registrant.status == RegistrantStatus.ACTIVE,
            registrant_condition(viewer_of(user)),
        )
        .group_by(shelter_key, ShelterAssignment.reason)
    )
    counts: dict[int, tuple[int, int, int, int]] = {}
    reasons: Counter[str] = Counter()
    for shelter_id, reason, people, wheelchair, bedridden, ventilator in session.execute(query):
        if shelter_id is None:
            reasons[reason or "no_shelter"] += int(people)
            continue
        before = counts.get(int(shelter_id), (0, 0, 0, 0))
        counts[int(shelter_id)] = (
            before[0] + int(people),
            before[1] + int(wheelchair or 0),
            before[2] + int(bedridden or 0),
            before[3] + int(ventilator or 0),
        )
    computed_at = session.scalar(
        select(func.max(ShelterAssignment.computed_at)).where(ShelterAssignment.hazard == hazard)
    )
    rows = []
    for shelter in session.scalars(select(Shelter).order_by(Shelter.id)):
        assigned, wheelchair, bedridden, ventilator = counts.get(shelter.id, (0, 0, 0, 0))
        rows.append(
            ShelterRow(
                id=shelter.id,
                name=shelter.name,
                kinds=shelter_kinds(shelter),
                groups=tuple(shelter.group_list),
                assigned=assigned,
                wheelchair=wheelchair,
                bedridden=bedridden,
                ventilator=ventilator,
                backup_power=shelter.backup_power,
                ventilator_without_power=0 if shelter.backup_power else ventilator,
                capacity=shelter.capacity,
                shortfall=None if shelter.capacity is None else max(assigned - shelter.capacity, 0),
            )
        )
    return AssignmentTable(
        hazard=hazard,
        rows=rows,
        unassigned={reason: reasons[reason] for reason in sorted(reasons, key=_reason_order)},
        assigned=sum(row.assigned for row in rows),
        computed_at=computed_at,
    )


def _reason_order(reason: str) -> tuple[int, str]:
    return (REASONS.index(reason) if reason in REASONS else len(REASONS), reason)


SORT_KEYS = (
    "name",
    "assigned",
    "wheelchair",
    "bedridden",
    "ventilator",
    "capacity",
    "shortfall",
)


def sort_rows(rows: list[ShelterRow], key: str, descending: bool) -> list[ShelterRow]:
    """Rows sorted by a SORT_KEYS column; unknown values (no capacity) always last."""
    if key not in SORT_KEYS:
        key = "name"
    known = [row for row in rows if getattr(row, key) is not None]
    unknown = [row for row in rows if getattr(row, key) is None]
    known.sort(key=lambda row: (getattr(row, key), row.id), reverse=descending)
    return known + unknown
