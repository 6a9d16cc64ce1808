"""The register, the shelter registry and the stored hazard areas read into (geo)frames.

geo/ (geopandas, shapely) does the geometry on these frames; this module only reads them,
in the metric CRS of config geo.crs:

- people_frame(): active people as points, with whether they need care and their groups;
- shelters_frame(): the shelter registry as points, with the columns geo.analysis reads;
- areas_frame(): every stored hazard polygon.

Who needs care, and which groups a person belongs to, is derived from the register as
NEEDS_CARE and derive_needs() document; assignment uses it to send people who need care only
to welfare shelters (福祉避難所) that take one of their groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from flask import current_app
from sqlalchemy import Select, func, select

from ..extensions import DbSession
from ..i18n import local_today
from ..models import (
    CareLevel,
    District,
    HazardArea,
    HazardKind,
    HazardLayer,
    Mobility,
    Registrant,
    RegistrantStatus,
    Shelter,
)

WGS84 = "EPSG:4326"

#: Who needs care (要配慮: a person who can only stay at a welfare shelter):
#: a wheelchair user or a bedridden person, anyone using a home ventilator, oxygen, a
#: suction device or dialysis, and anyone at care level 3 or above (要介護3–5).
CARE_MOBILITY = (Mobility.WHEELCHAIR.value, Mobility.BEDRIDDEN.value)
MEDICAL_DEVICES = ("device_ventilator", "device_oxygen", "device_suction", "device_dialysis")
CARE_LEVELS = (CareLevel.CARE_3.value, CareLevel.CARE_4.value, CareLevel.CARE_5.value)
#: The communication needs (hearing, sight, language, cognitive) that count as disabled.
COMMUNICATION_NEEDS = ("comm_hearing", "comm_visual", "comm_language", "comm_cognitive")
#: Age from which a person counts as elderly (高齢者) for a welfare shelter's groups.
ELDERLY_AGE = 65


def metric_crs(crs: str | None = None) -> str:
    return crs or str(current_app.config.get("GEO_CRS", "EPSG:6677"))


def areas_frame(
    session: DbSession, crs: str | None = None, kinds: Iterable[str] | None = None
) -> gpd.GeoDataFrame:
    """Every stored hazard polygon (columns kind, depth_rank, phenomenon, zone, layer_id,
    synthetic), in `crs`."""
    crs = metric_crs(crs)
    query = select(*_AREA_COLUMNS).join(HazardLayer, HazardLayer.id == HazardArea.layer_id)
    if kinds is not None:
        query = query.where(HazardLayer.kind.in_([HazardKind(k) for k in kinds]))
    rows = session.execute(query.order_by(HazardArea.id)).all()
    by_crs: dict[str, list[Any]] = {}
    for row in rows:
        by_crs.setdefault(row.crs, []).append(row)
    parts = [_areas(group, source_crs).to_crs(crs) for source_crs, group in by_crs.items()]
    if not parts:
        return _no_areas(crs)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=crs)


_AREA_COLUMNS = (
    HazardLayer.kind,
    HazardArea.depth_rank,
    HazardArea.phenomenon,
    HazardArea.zone,
    HazardArea.layer_id,
    HazardLayer.synthetic,
    HazardLayer.crs,
    HazardArea.geometry,
)


def _areas(rows: list[Any], crs: str) -> gpd.GeoDataFrame:
    """Stored areas, all of one CRS, as a frame in that CRS."""
    return gpd.GeoDataFrame(
        {
            "kind": [row.kind.value for row in rows],
            "depth_rank": pd.array([row.depth_rank for row in rows], dtype="Int64"),
            "phenomenon": pd.Series([row.phenomenon for row in rows], dtype=object),
            "zone": pd.Series([row.zone for row in rows], dtype=object),
            "layer_id": [row.layer_id for row in rows],
            "synthetic": [bool(row.synthetic) for row in rows],
        },
        geometry=shapely.from_wkb([row.geometry for row in rows]),
        crs=crs,
    )


def _no_areas(crs: str) -> gpd.GeoDataFrame:
    """An areas frame without rows, with the columns and types of one that has some."""
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


# --- people -----------------------------------------------------------------------------------


def people_frame(
    session: DbSession,
    crs: str | None = None,
    ids: Sequence[int] | None = None,
    today: date | None = None,
    id_range: tuple[int, int] | None = None,
) -> gpd.GeoDataFrame:
    """Active people (of `ids`, or with an id from id_range's first up to but not including
    its second, when given) as points in `crs`, indexed by registrant id, with needs_care,
    groups, mobility and ventilator. A person without coordinates of their own stands at
    their district's point (the register marks such a location approximate)."""
    crs = metric_crs(crs)
    result = session.execute(_people_query(ids, id_range))
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    _add_needs(frame, today or local_today())
    people = gpd.GeoDataFrame(
        frame[["id", "needs_care", "groups", "mobility", "ventilator"]],
        geometry=_points(frame),
        crs=WGS84,
    ).set_index("id")
    return people.to_crs(crs)


def _add_needs(frame: pd.DataFrame, today: date) -> None:
    """Add needs_care, groups and ventilator to the register's rows (derive_needs() says
    how), with mobility and care level as their codes ("" when not recorded)."""
    frame["mobility"] = [m.value if m is not None else "" for m in frame["mobility"]]
    frame["care_level"] = [c.value if c is not None else "" for c in frame["care_level"]]
    care, groups = derive_needs(frame, today)
    frame["needs_care"] = care
    frame["groups"] = groups
    frame["ventilator"] = frame["device_ventilator"].fillna(False).astype(bool)


#: The register columns people_frame() reads; a person without coordinates of their own
#: stands at their district's point.
_PEOPLE_COLUMNS = (
    Registrant.id,
    func.coalesce(Registrant.latitude, District.latitude).label("latitude"),
    func.coalesce(Registrant.longitude, District.longitude).label("longitude"),
    Registrant.birth_date,
    Registrant.mobility,
    Registrant.care_level,
    Registrant.disability_certificate,
    *(getattr(Registrant, name) for name in MEDICAL_DEVICES),
    *(getattr(Registrant, name) for name in COMMUNICATION_NEEDS),
)


def _people_query(
    ids: Sequence[int] | None, id_range: tuple[int, int] | None = None
) -> Select[Any]:
    """The register columns people_frame() reads, of active people (or of `ids` among them,
    or of those in id_range)."""
    query = (
        select(*_PEOPLE_COLUMNS)
        .join(District, District.id == Registrant.district_id)
        .where(Registrant.status == RegistrantStatus.ACTIVE)
        .order_by(Registrant.id)
    )
    if ids is not None:
        query = query.where(Registrant.id.in_(list(ids)))
    if id_range is not None:
        query = query.where(Registrant.id >= id_range[0], Registrant.id < id_range[1])
    return query


def _points(frame: pd.DataFrame) -> gpd.GeoSeries:
    """Each row's longitude and latitude as a WGS84 point; no point without both."""
    lon = pd.to_numeric(frame["longitude"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(frame["latitude"], errors="coerce").to_numpy(dtype=float)
    points = shapely.points(lon, lat)
    points[np.isnan(lon) | np.isnan(lat)] = None
    return gpd.GeoSeries(points, crs=WGS84)


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
    devices = _any_flag(frame, MEDICAL_DEVICES)
    moving = np.isin(mobility, CARE_MOBILITY)
    needs_care = moving | devices | np.isin(care_level, CARE_LEVELS)
    disabled = _certified(frame) | moving | _any_flag(frame, COMMUNICATION_NEEDS)
    elderly = _old(frame, today) | ~np.isin(care_level, (CareLevel.NONE.value, ""))
    return needs_care, _groups(elderly, disabled, devices)


def _groups(elderly: np.ndarray, disabled: np.ndarray, medical: np.ndarray) -> list[list[str]]:
    """Per row, the groups whose flag is set, in the order elderly, disabled, medical_care."""
    return [
        [g for g, has in (("elderly", e), ("disabled", d), ("medical_care", m)) if has]
        for e, d, m in zip(elderly, disabled, medical, strict=True)
    ]


def _any_flag(frame: pd.DataFrame, names: Iterable[str]) -> np.ndarray:
    """Per row, whether any of these flag columns is set (a missing column is not)."""
    flags = np.zeros(len(frame), dtype=bool)
    for name in names:
        flags |= _flag(frame, name)
    return flags


def _certified(frame: pd.DataFrame) -> np.ndarray:
    """Per row, whether a disability certificate is recorded."""
    certificates = frame.get("disability_certificate", [None] * len(frame))
    return np.array(
        [isinstance(value, str) and bool(value.strip()) for value in certificates], dtype=bool
    )


def _old(frame: pd.DataFrame, today: date) -> np.ndarray:
    """Per row, whether the person is ELDERLY_AGE or older today."""
    cutoff = _years_before(today, ELDERLY_AGE)
    births = frame.get("birth_date", pd.Series([None] * len(frame)))
    return np.array([b is not None and not pd.isna(b) and b <= cutoff for b in births], dtype=bool)


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
    points = gpd.points_from_xy(
        [s.longitude for s in shelters], [s.latitude for s in shelters], crs=WGS84
    )
    return gpd.GeoDataFrame(_shelter_columns(shelters), geometry=points, crs=WGS84).to_crs(crs)


def _shelter_columns(shelters: list[Shelter]) -> pd.DataFrame:
    """The shelters' columns that geo.analysis reads, typed as it expects."""
    return pd.DataFrame(
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
