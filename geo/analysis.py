"""Who is in which hazard area, which shelter each person goes to, and the load per shelter.

All geometry is in one metric CRS (EPSG:6677 for Tokyo), so distances are metres of
straight line (直線距離). The work is vectorised for a register of 200,000 people: spatial
joins through shapely's STRtree, and for assignment one nearest-neighbour query per distinct
set of eligible shelters (general shelters, and the welfare shelters of each combination of
groups), never one per person.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .groups import ACCEPT_GROUPS
from .gsi import HAZARD_COLUMNS
from .hazards import PHENOMENA

#: Why a person has no shelter: none suits the hazard at all, or none of the welfare
#: shelters that suit it takes any of the person's groups.
NO_SHELTER = "no_shelter"
NO_WELFARE_SHELTER = "no_welfare_shelter"
#: The person's point is missing or empty (the caller places everyone, so this is a bug).
NO_LOCATION = "no_location"

#: (eligible shelters as bools, [(people's positions, reason if none is eligible)])
_Partition = tuple[np.ndarray, list[tuple[np.ndarray, str]]]

_GROUP_BITS = {group: 1 << i for i, group in enumerate(ACCEPT_GROUPS)}
_PHENOMENON_ORDER = {name: i for i, name in enumerate(PHENOMENA.values())}


def hazard_flags(points: gpd.GeoDataFrame, layers: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each point's hazards, indexed like points.

    layers: read_hazard_layer() frames (one or several kinds, concatenated). Columns:
    flood_rank (Int64: the highest depth rank of the flood polygons holding the point, <NA>
    outside them or where the rank is unknown), landslide_zone ("special" beats "warning";
    a zone with no A33_002 code counts as "warning", the lesser designation every zone has;
    None outside), landslide_phenomena (list, in A33_001 order), in_other (bool).
    """
    hits = _hits(points, _in_crs(layers, points))
    return pd.DataFrame(
        {
            "flood_rank": _flood_ranks(hits, len(points)),
            "landslide_zone": _landslide_zones(hits, points.index),
            "landslide_phenomena": _phenomena(hits, len(points)),
            "in_other": _in_other(hits, len(points)),
        },
        index=points.index,
    )


def suitable_shelters(
    shelters: gpd.GeoDataFrame, hazard: str, areas: gpd.GeoDataFrame | gpd.GeoSeries | None
) -> np.ndarray:
    """Which shelters (bool per row) suit a hazard and are not inside its areas.

    A shelter suits the hazard when the hazard is among its designations. GSI records hazard
    designations only for emergency sites (指定緊急避難場所), so a place with none recorded
    counts as suitable when it is a shelter or welfare shelter (a place to stay once the
    danger has passed, which staff can restrict by recording designations), and not when it
    is only an emergency site (fleeing there is hazard-specific, and it names none). A place
    designated for other hazards only is not suitable. A shelter on or inside an area of the
    hazard is never suitable, whatever its designation.
    """
    if hazard not in HAZARD_COLUMNS:
        raise ValueError(f"unknown hazard {hazard!r}; expected one of {tuple(HAZARD_COLUMNS)}")
    designated = np.array([hazard in list(h) for h in shelters["hazards"]], dtype=bool)
    undesignated = np.array([len(h) == 0 for h in shelters["hazards"]], dtype=bool)
    stays = _bools(shelters, "is_evacuation_shelter") | _bools(shelters, "is_welfare_shelter")
    suitable = designated | (undesignated & stays)
    if areas is not None and len(areas):
        suitable[_inside_areas(shelters, areas)] = False
    return suitable


def _inside_areas(shelters: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | gpd.GeoSeries) -> Any:
    """The positions of the shelters on or inside any of the areas."""
    area_geometry = np.asarray(_in_crs(areas, shelters).geometry.array, dtype=object)
    inside = shapely.STRtree(area_geometry).query(
        np.asarray(shelters.geometry.array, dtype=object), predicate="intersects"
    )[0]
    return np.unique(inside)


def assign_shelters(
    people: gpd.GeoDataFrame,
    shelters: gpd.GeoDataFrame,
    hazard: str,
    areas: gpd.GeoDataFrame | gpd.GeoSeries | None,
) -> pd.DataFrame:
    """The nearest suitable shelter of each person for one hazard.

    people: index = person id, a metric CRS, columns needs_care (bool) and groups (list of
    ACCEPT_GROUPS). shelters: columns id, hazards, is_emergency_site, is_evacuation_shelter,
    is_welfare_shelter, accept_groups, point geometry. areas: the hazard's polygons.

    Shelters must pass suitable_shelters(). A person who needs care goes only to a welfare
    shelter that takes one of their groups, or nowhere (reason "no_welfare_shelter"): a
    wheelchair user (disabled) never lands in a 妊婦・乳幼児 shelter, and a welfare shelter
    whose 受入対象者 could not be normalised takes nobody until staff set its groups. A
    welfare shelter takes only its 受入対象者, so other people go to the other suitable places
    (a welfare shelter that is also an emergency site stays open to them). Nobody suitable:
    reason "no_shelter". Ties in distance go to the lowest shelter id.

    Returns one row per person, in people's order: person_id, shelter_id (None/<NA> when
    unassigned), distance_m (NaN when unassigned), reason (None when assigned).
    """
    _check_metric(people)
    shelters = _in_crs(shelters, people)
    person_points = np.asarray(people.geometry.array, dtype=object)
    ids = shelters["id"].to_numpy()
    open_to_all, takes = _who_each_takes(shelters, hazard, areas)
    care = people["needs_care"].fillna(False).to_numpy(dtype=bool)
    partitions = _partitions(care, _person_bits(people["groups"], care), open_to_all, takes)
    chosen, distance, reason = _choose(person_points, shelters, _id_rank(ids), partitions)
    _mark_unlocated(person_points, chosen, distance, reason)
    return _assignment_frame(people.index, _ids_at(ids, chosen), distance, reason)


def _assignment_frame(
    person_ids: pd.Index, shelter_ids: Any, distance: np.ndarray, reason: np.ndarray
) -> pd.DataFrame:
    """assign_shelters()'s result: one row per person, in people's order."""
    return pd.DataFrame(
        {
            "person_id": person_ids.to_numpy(),
            "shelter_id": shelter_ids,
            "distance_m": distance,
            "reason": pd.Series(reason, dtype=object),
        }
    )


def _mark_unlocated(
    person_points: np.ndarray, chosen: np.ndarray, distance: np.ndarray, reason: np.ndarray
) -> None:
    """Unassign, in place, the people whose point is missing or empty (reason NO_LOCATION)."""
    missing = shapely.is_missing(person_points) | shapely.is_empty(person_points)
    reason[missing] = NO_LOCATION
    chosen[missing] = -1
    distance[missing] = np.nan


def _who_each_takes(
    shelters: gpd.GeoDataFrame, hazard: str, areas: gpd.GeoDataFrame | gpd.GeoSeries | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per shelter: whether it is open to everyone, and the group bits of the people who
    need care it takes (0 when it is not a suitable welfare shelter)."""
    suitable = suitable_shelters(shelters, hazard, areas)
    welfare = _bools(shelters, "is_welfare_shelter")
    open_to_all = suitable & (~welfare | _bools(shelters, "is_emergency_site"))
    takes = _group_bits(shelters["accept_groups"]) * (suitable & welfare)
    return open_to_all, takes


def _choose(
    person_points: np.ndarray,
    shelters: gpd.GeoDataFrame,
    id_rank: np.ndarray,
    partitions: list[_Partition],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per person: the position of their nearest eligible shelter (-1 for none), the
    distance, and why there is none."""
    shelter_points = np.asarray(shelters.geometry.array, dtype=object)
    chosen, distance, reason = _unassigned(len(person_points))
    for eligible, parts in partitions:
        if not eligible.any():
            for positions, why in parts:
                reason[positions] = why
            continue
        positions = np.concatenate([part for part, _why in parts])
        chosen[positions], distance[positions] = _nearest(
            person_points[positions], shelter_points, eligible, id_rank
        )
    return chosen, distance, reason


def _unassigned(count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shelter positions (-1), distances (NaN) and reasons (None) for count people."""
    return (
        np.full(count, -1, dtype=np.int64),
        np.full(count, np.nan),
        np.full(count, None, dtype=object),
    )


def _id_rank(ids: np.ndarray) -> np.ndarray:
    """Each shelter's place in id order, to break ties in distance."""
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    return id_rank


def shelter_load(
    assignments: pd.DataFrame, people: pd.DataFrame, shelters: pd.DataFrame
) -> pd.DataFrame:
    """Per shelter (index = shelter id, every shelter): who is assigned and what they need.

    people: index = person id, columns mobility ("wheelchair", "bedridden", ...) and
    ventilator (bool). shelters: id, and optionally backup_power (True, False or None) and
    capacity (people, or None). Columns: assigned, wheelchair, bedridden, ventilator,
    backup_power, ventilator_without_power (ventilator users at a place without confirmed
    backup power: unknown counts as without, for planners to check), capacity, shortfall
    (assigned beyond capacity, <NA> when the capacity is unknown).
    """
    counts = _needs_per_person(assignments, people).groupby("shelter_id").sum()
    frame = counts.reindex(shelters["id"].to_numpy(), fill_value=0).astype(np.int64)
    frame.index.name = "shelter_id"
    _add_power_and_capacity(frame, shelters)
    return frame


def _needs_per_person(assignments: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """One row per assigned person: their shelter, 1 (assigned), and their needs as bools."""
    placed = assignments.loc[assignments["shelter_id"].notna(), ["person_id", "shelter_id"]]
    needs = people.reindex(placed["person_id"].to_numpy())
    mobility = needs["mobility"].astype(object).map(str).to_numpy()
    return pd.DataFrame(
        {
            "shelter_id": placed["shelter_id"].to_numpy(),
            "assigned": 1,
            "wheelchair": mobility == "wheelchair",
            "bedridden": mobility == "bedridden",
            "ventilator": needs["ventilator"].fillna(False).to_numpy(dtype=bool),
        }
    )


def _add_power_and_capacity(frame: pd.DataFrame, shelters: pd.DataFrame) -> None:
    """Add, in place, backup_power, ventilator_without_power, capacity and shortfall."""
    backup = _optional(shelters, "backup_power")
    frame["backup_power"] = backup
    frame["ventilator_without_power"] = np.where(
        [value is not None and bool(value) for value in backup], 0, frame["ventilator"]
    )
    capacity = pd.array(_optional(shelters, "capacity"), dtype="Int64")
    frame["capacity"] = capacity
    frame["shortfall"] = (frame["assigned"].astype("Int64") - frame["capacity"]).clip(lower=0)


# --- helpers ----------------------------------------------------------------------------------


def _hits(points: gpd.GeoDataFrame, layers: gpd.GeoDataFrame) -> pd.DataFrame:
    """(point position, layer row's kind, depth_rank, zone, phenomenon) per containment."""
    point, row = _containments(points, layers)
    return pd.DataFrame(
        {
            "point": point,
            "kind": layers["kind"].to_numpy()[row],
            "depth_rank": layers["depth_rank"].array[row]
            if "depth_rank" in layers
            else pd.array([None] * len(row), dtype="Int64"),
            "zone": _column(layers, "zone")[row],
            "phenomenon": _column(layers, "phenomenon")[row],
        }
    )


def _containments(
    points: gpd.GeoDataFrame, layers: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """(point positions, layer rows): each pair a layer polygon strictly holding a point."""
    geometry = np.asarray(layers.geometry.array, dtype=object)
    point_geometry = np.asarray(points.geometry.array, dtype=object)
    # Bounding boxes from the tree, then a point-in-polygon test on prepared polygons:
    # the same answer as predicate="within" (the boundary is outside), three times faster.
    point, row = shapely.STRtree(geometry).query(point_geometry)
    shapely.prepare(geometry)
    inside = shapely.contains_xy(
        geometry[row], shapely.get_x(point_geometry[point]), shapely.get_y(point_geometry[point])
    )
    return point[inside], row[inside]


def _flood_ranks(hits: pd.DataFrame, count: int) -> Any:
    """The highest flood depth rank holding each point (Int64, <NA> outside or unknown)."""
    flood = hits[hits["kind"] == "flood"]
    flood_rank = flood.groupby("point")["depth_rank"].max().reindex(range(count))
    return flood_rank.astype("Int64").array


def _landslide_zones(hits: pd.DataFrame, index: pd.Index) -> pd.Series:
    """Each point's landslide zone: "special" beats "warning"; None outside every zone."""
    landslide = hits[hits["kind"] == "landslide"]
    zone_score = (landslide["zone"] == "special").astype(int).groupby(landslide["point"]).max()
    zone = np.full(len(index), None, dtype=object)
    zone[zone_score.index.to_numpy(dtype=np.int64)] = np.where(
        zone_score.to_numpy() == 1, "special", "warning"
    )
    # object columns keep None (pandas would infer a string dtype with NaN)
    return pd.Series(zone, index=index, dtype=object)


def _in_other(hits: pd.DataFrame, count: int) -> np.ndarray:
    """Whether each point lies in an area of another kind."""
    return np.isin(np.arange(count), hits.loc[hits["kind"] == "other", "point"])


def _phenomena(hits: pd.DataFrame, count: int) -> list[list[str]]:
    """Each point's landslide phenomena, once each, in A33_001 order."""
    landslide = hits[hits["kind"] == "landslide"]
    known = landslide[landslide["phenomenon"].isin(list(_PHENOMENON_ORDER))]
    known = known.assign(order=known["phenomenon"].map(_PHENOMENON_ORDER))
    known = known.drop_duplicates(["point", "phenomenon"]).sort_values(["point", "order"])
    lists: list[list[str]] = [[] for _ in range(count)]
    for point, names in known.groupby("point")["phenomenon"]:
        lists[int(point)] = names.tolist()
    return lists


def _partitions(
    care: np.ndarray, person_bits: np.ndarray, open_to_all: np.ndarray, takes: np.ndarray
) -> list[_Partition]:
    """(eligible shelters, [(people's positions, reason if none is eligible)]) per distinct
    eligible set: everyone without care needs, then each combination of groups."""
    by_set: dict[bytes, _Partition] = {}

    def add(eligible: np.ndarray, positions: np.ndarray, why: str) -> None:
        if len(positions):
            by_set.setdefault(eligible.tobytes(), (eligible, []))[1].append((positions, why))

    add(open_to_all, np.flatnonzero(~care), NO_SHELTER)
    care_positions = np.flatnonzero(care)
    care_bits = person_bits[care_positions]
    for bits in np.unique(care_bits):
        add((takes & bits) != 0, care_positions[care_bits == bits], NO_WELFARE_SHELTER)
    return list(by_set.values())


def _nearest(
    points: np.ndarray, shelter_points: np.ndarray, eligible: np.ndarray, id_rank: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each point's nearest eligible shelter (row in shelters, -1 for no point) and metres."""
    rows = np.flatnonzero(eligible)
    tree = shapely.STRtree(shelter_points[rows])
    (inputs, found), metres = tree.query_nearest(points, return_distance=True, all_matches=True)
    candidates = rows[found]
    if len(inputs) and np.bincount(inputs).max() > 1:
        # Equidistant shelters: keep the one with the lowest id for each point.
        order = np.lexsort((id_rank[candidates], inputs))
        first = np.ones(len(order), dtype=bool)
        first[1:] = inputs[order][1:] != inputs[order][:-1]
        keep = order[first]
        inputs, candidates, metres = inputs[keep], candidates[keep], metres[keep]
    nearest = np.full(len(points), -1, dtype=np.int64)
    distance = np.full(len(points), np.nan)
    nearest[inputs] = candidates
    distance[inputs] = metres
    return nearest, distance


def _group_bits(groups: pd.Series) -> np.ndarray:
    return np.array(
        [sum(_GROUP_BITS.get(group, 0) for group in set(value or ())) for value in groups],
        dtype=np.int64,
    )


def _person_bits(groups: pd.Series, care: np.ndarray) -> np.ndarray:
    """A bitmask of ACCEPT_GROUPS per person, filled for people who need care only."""
    bits = np.zeros(len(groups), dtype=np.int64)
    positions = np.flatnonzero(care)
    if not len(positions):
        return bits
    chosen = groups.iloc[positions].set_axis(positions).explode()
    values = chosen.map(_GROUP_BITS).fillna(0).to_numpy(dtype=np.int64)
    np.bitwise_or.at(bits, chosen.index.to_numpy(dtype=np.int64), values)
    return bits


def _ids_at(ids: np.ndarray, rows: np.ndarray) -> Any:
    assigned = rows >= 0
    if np.issubdtype(ids.dtype, np.integer):
        values = pd.array(np.zeros(len(rows), dtype=np.int64), dtype="Int64")
        values[assigned] = ids[rows[assigned]]
        values[~assigned] = pd.NA
        return values
    result = np.full(len(rows), None, dtype=object)
    result[assigned] = ids[rows[assigned]]
    return pd.Series(result, dtype=object)


def _bools(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[column].fillna(False).to_numpy(dtype=bool)


def _column(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), None, dtype=object)
    return frame[column].astype(object).to_numpy()


def _optional(frame: pd.DataFrame, column: str) -> list[Any]:
    if column not in frame:
        return [None] * len(frame)
    return [None if pd.isna(value) else value for value in frame[column]]


def _in_crs(frame: Any, like: gpd.GeoDataFrame) -> Any:
    """frame in like's CRS (both must have one)."""
    if frame.crs is None or like.crs is None:
        raise ValueError("every layer needs a CRS; set the metric CRS on people and shelters")
    return frame if frame.crs == like.crs else frame.to_crs(like.crs)


def _check_metric(frame: gpd.GeoDataFrame) -> None:
    if frame.crs is None or not frame.crs.is_projected:
        raise ValueError(
            f"people must be in a projected, metric CRS (e.g. EPSG:6677), not {frame.crs}"
        )
