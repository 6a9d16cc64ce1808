"""What a map shows, by role, as plain data: people's points, shelters, hazard areas and
approximate district outlines. build.py draws it; views.py serves it as JSON too.

People's points carry no personal data besides where someone lives:
- staff and partners (map_identifies): [lat, lon, register number] of the people
  map_registrants() admits; a click fetches the details through the access rule;
- planners: [lat, lon, need category, an ID made up for this map], the location rounded as
  the register's coarse location is (about 100 m), in a shuffled order.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from flask_babel import gettext as _
from sqlalchemy import func, select

from geo.districts import approximate_districts
from geo.towns import city_area

from ..access.projection import COARSE_DECIMALS
from ..access.roles import map_identifies
from ..access.rule import map_registrants
from ..extensions import DbSession
from ..hazards.assignment import AREA_KIND, shelter_kinds
from ..hazards.names import (
    DEPTH_NAMES,
    GROUP_NAMES,
    LAYER_KIND_NAMES,
    PHENOMENON_NAMES,
    SHELTER_KIND_NAMES,
    ZONE_NAMES,
    hazard_name,
)
from ..models import (
    CareLevel,
    District,
    HazardArea,
    HazardLayer,
    Mobility,
    Registrant,
    Shelter,
    ShelterAssignment,
)
from ..viewer import viewer_of

WGS84 = "EPSG:4326"
#: Decimal places of an exact point (about 1 m).
EXACT_DECIMALS = 5
#: Metres of simplification of hazard outlines before they are drawn.
SIMPLIFY_M = 5.0

#: A planner's need categories, most pressing first: each person gets the first that applies.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("medical", "#b3261e"),
    ("bedridden", "#7b1fa2"),
    ("wheelchair", "#e65100"),
    ("care", "#0b5394"),
    ("other", "#5b6470"),
)


def category_names() -> dict[str, str]:
    return {
        "medical": _("Medical device (ventilator, oxygen, suction, dialysis)"),
        "bedridden": _("Bedridden"),
        "wheelchair": _("Wheelchair"),
        "care": _("Care level 3 or above"),
        "other": _("Other needs"),
    }


#: Flood depth rank -> fill colour (the colours of the national 浸水深 legend).
DEPTH_COLOURS = {
    1: "#f7f5a9",
    2: "#ffd8c0",
    3: "#ffb7b7",
    4: "#ff9191",
    5: "#f285c9",
    6: "#dc7adc",
}
UNKNOWN_DEPTH_COLOUR = "#9ec9e8"
ZONE_COLOURS = {"warning": "#f5c400", "special": "#d7191c"}
OTHER_COLOUR = "#8d6e63"
#: Shelter kind -> (stroke, fill, radius); one place of several kinds is drawn once per kind.
SHELTER_STYLE = {
    "emergency_site": ("#1b5e20", "#43a047", 8),
    "evacuation_shelter": ("#0d47a1", "#42a5f5", 6),
    "welfare_shelter": ("#880e4f", "#ec407a", 4),
}
UNSUITABLE_FILL = "#bdbdbd"
DISTRICT_COLOUR = "#37474f"


# --- people -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Points:
    """People's points for one map. identified: rows of (lat, lon, registrant id, approximate);
    pseudonymous: rows of (lat, lon, category index, made-up id, approximate). Approximate
    (1) is a 町丁目 or district point standing for many homes, drawn apart."""

    identified: bool
    lat: np.ndarray
    lon: np.ndarray
    ids: np.ndarray
    categories: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    approximate: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self) -> list[list[Any]]:
        """The rows as JSON-ready lists (points.json)."""
        approximate = self.approximate if len(self.approximate) else np.zeros(len(self.ids))
        if self.identified:
            return [
                [float(a), float(o), int(i), int(x)]
                for a, o, i, x in zip(self.lat, self.lon, self.ids, approximate, strict=True)
            ]
        codes = [code for code, _colour in CATEGORIES]
        return [
            [float(a), float(o), codes[int(c)], int(i), int(x)]
            for a, o, c, i, x in zip(
                self.lat, self.lon, self.categories, self.ids, approximate, strict=True
            )
        ]


def map_points(session: DbSession, user: Any) -> Points:
    """The points of the people this user's map may show, as the module docstring says."""
    query = map_registrants(viewer_of(user)).where(
        Registrant.latitude.is_not(None), Registrant.longitude.is_not(None)
    )
    if map_identifies(user):
        rows = _raw_rows(
            session,
            query.with_only_columns(
                Registrant.id,
                Registrant.latitude,
                Registrant.longitude,
                Registrant.location_approximate,
            ).order_by(Registrant.id),
        )
        table = np.array(rows, dtype=np.float64).reshape(-1, 4)
        return Points(
            identified=True,
            lat=np.round(table[:, 1], EXACT_DECIMALS),
            lon=np.round(table[:, 2], EXACT_DECIMALS),
            ids=table[:, 0].astype(np.int64),
            approximate=table[:, 3].astype(np.int64),
        )
    columns = (
        Registrant.latitude,
        Registrant.longitude,
        Registrant.mobility,
        Registrant.care_level,
        Registrant.device_ventilator,
        Registrant.device_oxygen,
        Registrant.device_suction,
        Registrant.device_dialysis,
        Registrant.location_approximate,
    )
    # In register order, which lets SQLite read the rows in storage order; shuffled below.
    frame = pd.DataFrame(
        _raw_rows(session, query.with_only_columns(*columns).order_by(Registrant.id)),
        columns=[column.key for column in columns],
    )
    count = len(frame)
    order = _shuffled(count)
    frame = frame.iloc[order] if count else frame
    return Points(
        identified=False,
        lat=np.round(frame["latitude"].to_numpy(dtype=float), COARSE_DECIMALS),
        lon=np.round(frame["longitude"].to_numpy(dtype=float), COARSE_DECIMALS),
        ids=_made_up_ids(count),
        categories=need_categories(frame),
        approximate=frame["location_approximate"].fillna(False).to_numpy(dtype=np.int64),
    )


def _raw_rows(session: DbSession, query: Any) -> list[tuple[Any, ...]]:
    """The query's rows as the database driver returns them: plain tuples, stored codes.

    SQLAlchemy binds the parameters; the rows skip its result processing, which would cost
    more than the query itself for 100,000 points."""
    result = session.connection().execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def need_categories(frame: pd.DataFrame) -> np.ndarray:
    """Index into CATEGORIES per row of register columns (mobility, care_level, device_*)."""
    count = len(frame)
    if not count:
        return np.zeros(0, dtype=np.int64)
    devices = np.zeros(count, dtype=bool)
    for name in ("device_ventilator", "device_oxygen", "device_suction", "device_dialysis"):
        devices |= frame[name].fillna(False).to_numpy(dtype=bool)
    # Stored codes, or the enums (StrEnum: str() is the code).
    mobility = frame["mobility"].astype(str).to_numpy()
    care = frame["care_level"].astype(str).to_numpy()
    heavy_care = np.isin(
        care, [CareLevel.CARE_3.value, CareLevel.CARE_4.value, CareLevel.CARE_5.value]
    )
    return np.select(
        [
            devices,
            mobility == Mobility.BEDRIDDEN.value,
            mobility == Mobility.WHEELCHAIR.value,
            heavy_care,
        ],
        [0, 1, 2, 3],
        default=4,
    ).astype(np.int64)


def _shuffled(count: int) -> np.ndarray:
    """A random order, from the system's randomness (the order must not give away IDs)."""
    rng = np.random.default_rng(secrets.randbits(128))
    return rng.permutation(count)


def _made_up_ids(count: int) -> np.ndarray:
    """Distinct random IDs for one map, unrelated to register numbers."""
    rng = np.random.default_rng(secrets.randbits(128))
    return rng.choice(np.arange(1, max(10 * count, 1000)), size=count, replace=False) + 0


# --- shelters ---------------------------------------------------------------------------------


def shelter_collections(
    session: DbSession, hazard: str, with_load: bool
) -> dict[str, dict[str, Any]]:
    """One GeoJSON FeatureCollection per shelter kind, with popup lines and styles.

    A shelter's marker is grey when the place does not suit the hazard or stands inside its
    areas (as the assignment decides); with_load adds the people assigned (counts only)."""
    from ..hazards.frames import metric_crs, shelters_frame

    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    suitable: dict[int, bool] = {}
    if shelters:
        frame = shelters_frame(session, metric_crs())
        from geo.analysis import suitable_shelters

        from ..hazards.frames import areas_frame

        kind = AREA_KIND.get(hazard)
        areas = areas_frame(session, kinds=[kind]) if kind else None
        flags = suitable_shelters(frame, hazard, areas)
        suitable = {int(i): bool(f) for i, f in zip(frame["id"], flags, strict=True)}
    load: dict[int, int] = {}
    if with_load:
        # Grouped by an expression, so that SQLite reads the hazard's rows by the primary key
        # instead of walking the shelter index through every hazard's rows.
        shelter_key = (ShelterAssignment.shelter_id + 0).label("shelter")
        load = {
            int(shelter_id): int(count)
            for shelter_id, count in session.execute(
                select(shelter_key, func.count())
                .where(ShelterAssignment.hazard == hazard)
                .group_by(shelter_key)
            )
            if shelter_id is not None
        }
    collections: dict[str, dict[str, Any]] = {
        kind: {"type": "FeatureCollection", "features": []} for kind in SHELTER_STYLE
    }
    for shelter in shelters:
        kinds = shelter_kinds(shelter)
        ok = suitable.get(shelter.id, False)
        lines = _shelter_lines(
            shelter, kinds, hazard, ok, load.get(shelter.id) if with_load else None
        )
        for kind in kinds:
            stroke, fill, radius = SHELTER_STYLE[kind]
            collections[kind]["features"].append(
                {
                    "type": "Feature",
                    "id": f"{kind}-{shelter.id}",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [
                            round(shelter.longitude, EXACT_DECIMALS),
                            round(shelter.latitude, EXACT_DECIMALS),
                        ],
                    },
                    "properties": {
                        "title": _text(shelter.name),
                        "lines": lines,
                        "style": {
                            "fill": True,
                            "color": stroke if ok else "#757575",
                            "fillColor": fill if ok else UNSUITABLE_FILL,
                            "fillOpacity": 0.9 if ok else 0.6,
                            "radius": radius,
                            "weight": 2 if ok else 1,
                            "dashArray": None if ok else "3 3",
                        },
                    },
                }
            )
    return collections


def _shelter_lines(
    shelter: Shelter, kinds: tuple[str, ...], hazard: str, suitable: bool, assigned: int | None
) -> list[list[str]]:
    lines = [
        [_("Kind"), "・".join(SHELTER_KIND_NAMES[k] for k in kinds)],
        [_("Address"), _text(shelter.address)],
        [
            _("Capacity"),
            _text(shelter.capacity_text)
            or (str(shelter.capacity) if shelter.capacity else "")
            or _("unknown"),
        ],
        [hazard_name(hazard), _("suitable") if suitable else _("not suitable")],
    ]
    if shelter.is_welfare_shelter:
        groups = "、".join(str(GROUP_NAMES.get(g, g)) for g in shelter.group_list)
        lines.append([_("Takes"), groups or _text(shelter.accepts or "") or _("not recorded")])
        power = {True: _("yes"), False: _("no"), None: _("unknown")}[shelter.backup_power]
        lines.append([_("Backup power"), power])
    if assigned is not None:
        lines.append([_("Assigned"), str(assigned)])
    return lines


_DISPLAY = str.maketrans({"<": "＜", ">": "＞", "{": "｛", "}": "｝"})


def _text(value: str | None) -> str:
    """Display text for the map document: no markup (popups set it as text; this is belt
    and braces), and no braces, which folium's templates would read as Jinja."""
    return (value or "").translate(_DISPLAY)


# --- hazard areas -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HazardOverlay:
    layer_id: int
    kind: str
    name: str
    synthetic: bool
    geojson: dict[str, Any]


def hazard_overlays(session: DbSession) -> list[HazardOverlay]:
    """Each hazard layer as GeoJSON in WGS84, simplified by SIMPLIFY_M metres, with styles
    (flood by depth rank, landslide by zone) and popup lines."""
    overlays = []
    for layer in session.scalars(select(HazardLayer).order_by(HazardLayer.kind, HazardLayer.id)):
        rows = session.execute(
            select(
                HazardArea.id,
                HazardArea.depth_rank,
                HazardArea.zone,
                HazardArea.phenomenon,
                HazardArea.geometry,
            )
            .where(HazardArea.layer_id == layer.id)
            .order_by(HazardArea.id)
        ).all()
        geometry = shapely.simplify(
            shapely.from_wkb([row.geometry for row in rows]), SIMPLIFY_M, preserve_topology=True
        )
        series = gpd.GeoSeries(geometry, crs=layer.crs).to_crs(WGS84)
        shapes = shapely.set_precision(np.asarray(series.array, dtype=object), 10**-EXACT_DECIMALS)
        features = []
        kind = layer.kind.value
        for row, shape in zip(rows, shapes, strict=True):
            if shape is None or shape.is_empty:
                continue
            features.append(
                {
                    "type": "Feature",
                    "id": row.id,
                    "geometry": shapely.geometry.mapping(shape),
                    "properties": {
                        "title": _text(layer.name),
                        "lines": _area_lines(
                            kind, row.depth_rank, row.zone, row.phenomenon, layer.synthetic
                        ),
                        "style": _area_style(kind, row.depth_rank, row.zone),
                    },
                }
            )
        overlays.append(
            HazardOverlay(
                layer_id=layer.id,
                kind=kind,
                name=_text(layer.name),
                synthetic=layer.synthetic,
                geojson={"type": "FeatureCollection", "features": features},
            )
        )
    return overlays


def _area_style(kind: str, depth_rank: int | None, zone: str | None) -> dict[str, Any]:
    if kind == "flood":
        colour = DEPTH_COLOURS.get(depth_rank or 0, UNKNOWN_DEPTH_COLOUR)
        return {"color": "#5c6bc0", "weight": 0.5, "fillColor": colour, "fillOpacity": 0.55}
    if kind == "landslide":
        colour = ZONE_COLOURS.get(zone or "warning", ZONE_COLOURS["warning"])
        return {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.45}
    return {"color": OTHER_COLOUR, "weight": 1, "fillColor": OTHER_COLOUR, "fillOpacity": 0.35}


def _area_lines(
    kind: str, depth_rank: int | None, zone: str | None, phenomenon: str | None, synthetic: bool
) -> list[list[str]]:
    lines = [[_("Kind"), str(LAYER_KIND_NAMES.get(kind, kind))]]
    if kind == "flood":
        depth = DEPTH_NAMES.get(depth_rank or 0)
        lines.append([_("Depth"), str(depth) if depth else _("unknown")])
    if kind == "landslide":
        lines.append([_("Zone"), str(ZONE_NAMES.get(zone or "warning"))])
        if phenomenon:
            lines.append([_("Phenomenon"), str(PHENOMENON_NAMES.get(phenomenon, phenomenon))])
    if synthetic:
        lines.append([_("Data"), _("synthetic hazard areas for the demo — not real hazard data")])
    return lines


def legend() -> dict[str, Any]:
    """What the page's legend explains, with the colours the map uses."""
    return {
        "depths": [(DEPTH_COLOURS[r], DEPTH_NAMES[r]) for r in sorted(DEPTH_COLOURS)],
        "zones": [(ZONE_COLOURS[z], ZONE_NAMES[z]) for z in ("warning", "special")],
        "other": OTHER_COLOUR,
        "shelters": [
            (SHELTER_STYLE[k][1], SHELTER_STYLE[k][0], SHELTER_KIND_NAMES[k]) for k in SHELTER_STYLE
        ],
        "unsuitable": UNSUITABLE_FILL,
        "categories": [(colour, category_names()[code]) for code, colour in CATEGORIES],
        "district": DISTRICT_COLOUR,
    }


# --- districts and the city -------------------------------------------------------------------


def district_cells(session: DbSession) -> dict[str, Any]:
    """Approximate district outlines (Voronoi cells of the district points, clipped to the
    city's area) as GeoJSON, labelled approximate."""
    districts = list(
        session.scalars(
            select(District)
            .where(District.latitude.is_not(None), District.longitude.is_not(None))
            .order_by(District.id)
        )
    )
    area = city_outline(session)
    if not districts or area is None:
        return {"type": "FeatureCollection", "features": []}
    sites = tuple((d.id, float(d.longitude or 0), float(d.latitude or 0)) for d in districts)
    names = [d.name for d in districts]
    ids, shapes = _cells(sites, area)
    approximate = _("approximate outline")
    features = [
        {
            "type": "Feature",
            "id": int(district_id),
            "geometry": shapely.geometry.mapping(shape),
            "properties": {
                "title": _text(name),
                "lines": [[_("District"), approximate]],
                "style": {
                    "color": DISTRICT_COLOUR,
                    "weight": 1,
                    "dashArray": "4 4",
                    "fill": True,
                    "fillOpacity": 0.0,
                    "opacity": 0.7,
                },
            },
        }
        for district_id, name, shape in zip(ids, names, shapes, strict=True)
        if shape is not None and not shape.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}


def city_outline(session: DbSession) -> Any:
    """The city's rough area (WGS84): the buffered hull of its shelters and district points."""
    lon: list[float] = []
    lat: list[float] = []
    for model in (Shelter, District):
        for x, y in session.execute(
            select(model.longitude, model.latitude).where(
                model.longitude.is_not(None), model.latitude.is_not(None)
            )
        ):
            if x is not None and y is not None:
                lon.append(float(x))
                lat.append(float(y))
    if not lon:
        return None
    return _area(tuple(lon), tuple(lat))


# The outlines change only when shelters or districts do, yet every map draws them (and
# asks for the area twice: outlines and bounds); the geometry is computed once per input.


@functools.lru_cache(maxsize=8)
def _area(lon: tuple[float, ...], lat: tuple[float, ...]) -> Any:
    return city_area(gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=WGS84))


@functools.lru_cache(maxsize=8)
def _cells(sites: tuple[tuple[int, float, float], ...], area: Any) -> tuple[list[int], Any]:
    """District IDs and their outlines, rounded to EXACT_DECIMALS."""
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([s[1] for s in sites], [s[2] for s in sites]),
        crs=WGS84,
        index=[s[0] for s in sites],
    )
    cells = approximate_districts(points, area)
    shapes = shapely.set_precision(
        np.asarray(cells.geometry.array, dtype=object), 10**-EXACT_DECIMALS
    )
    return [int(i) for i in cells.index], shapes


def bounds(session: DbSession, points: Points) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the city, or of the people when there is no city."""
    area = city_outline(session)
    if area is not None:
        west, south, east, north = area.bounds
        return [[south, west], [north, east]]
    if len(points):
        return [
            [float(points.lat.min()), float(points.lon.min())],
            [float(points.lat.max()), float(points.lon.max())],
        ]
    return None
