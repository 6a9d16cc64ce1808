"""The shelters on a map: one GeoJSON FeatureCollection per shelter kind, each marker grey
where the place does not suit the hazard, with popup lines and, for staff and planners, the
number of people assigned (counts only)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import DbSession
from ..hazards.assignment import AREA_KIND, shelter_kinds
from ..hazards.names import GROUP_NAMES, SHELTER_KIND_NAMES, hazard_name
from ..models import Shelter, ShelterAssignment
from .style import (
    EXACT_DECIMALS,
    SHELTER_STYLE,
    UNSUITABLE_FILL,
    collection,
    display_text,
    feature,
)


def shelter_collections(
    session: DbSession, hazard: str, with_load: bool
) -> dict[str, dict[str, Any]]:
    """One GeoJSON FeatureCollection per shelter kind, with popup lines and styles.

    A shelter's marker is grey when the place does not suit the hazard or stands inside its
    areas (as the assignment decides); with_load adds the people assigned (counts only)."""
    shelters = list(session.scalars(select(Shelter).order_by(Shelter.id)))
    suitable = _suitable(session, hazard) if shelters else {}
    load = _load(session, hazard) if with_load else {}
    collections: dict[str, dict[str, Any]] = {kind: collection([]) for kind in SHELTER_STYLE}
    for shelter in shelters:
        kinds = shelter_kinds(shelter)
        ok = suitable.get(shelter.id, False)
        lines = _shelter_lines(
            shelter, kinds, hazard, ok, load.get(shelter.id) if with_load else None
        )
        for kind in kinds:
            collections[kind]["features"].append(_marker(shelter, kind, ok, lines))
    return collections


def _suitable(session: DbSession, hazard: str) -> dict[int, bool]:
    """Shelter ID -> whether the place suits the hazard, as the assignment decides."""
    from geo.analysis import suitable_shelters

    from ..hazards.frames import areas_frame, metric_crs, shelters_frame

    frame = shelters_frame(session, metric_crs())
    kind = AREA_KIND.get(hazard)
    areas = areas_frame(session, kinds=[kind]) if kind else None
    flags = suitable_shelters(frame, hazard, areas)
    return {int(i): bool(f) for i, f in zip(frame["id"], flags, strict=True)}


def _load(session: DbSession, hazard: str) -> dict[int, int]:
    """Shelter ID -> how many people the hazard's assignment sends there."""
    # Grouped by an expression, so that SQLite reads the hazard's rows by the primary key
    # instead of walking the shelter index through every hazard's rows.
    shelter_key = (ShelterAssignment.shelter_id + 0).label("shelter")
    return {
        int(shelter_id): int(count)
        for shelter_id, count in session.execute(
            select(shelter_key, func.count())
            .where(ShelterAssignment.hazard == hazard)
            .group_by(shelter_key)
        )
        if shelter_id is not None
    }


def _marker(shelter: Shelter, kind: str, ok: bool, lines: list[list[str]]) -> dict[str, Any]:
    """The shelter's marker as one kind of shelter, grey and dashed where unsuitable."""
    stroke, fill, radius = SHELTER_STYLE[kind]
    point = {
        "type": "Point",
        "coordinates": [
            round(shelter.longitude, EXACT_DECIMALS),
            round(shelter.latitude, EXACT_DECIMALS),
        ],
    }
    style = {
        "fill": True,
        "color": stroke if ok else "#757575",
        "fillColor": fill if ok else UNSUITABLE_FILL,
        "fillOpacity": 0.9 if ok else 0.6,
        "radius": radius,
        "weight": 2 if ok else 1,
        "dashArray": None if ok else "3 3",
    }
    return feature(f"{kind}-{shelter.id}", point, display_text(shelter.name), lines, style)


def _shelter_lines(
    shelter: Shelter, kinds: tuple[str, ...], hazard: str, suitable: bool, assigned: int | None
) -> list[list[str]]:
    lines = [
        [_("Kind"), "・".join(SHELTER_KIND_NAMES[k] for k in kinds)],
        [_("Address"), display_text(shelter.address)],
        [_("Capacity"), _capacity(shelter)],
        [hazard_name(hazard), _("suitable") if suitable else _("not suitable")],
    ]
    if shelter.is_welfare_shelter:
        lines.extend(_welfare_lines(shelter))
    if assigned is not None:
        lines.append([_("Assigned"), str(assigned)])
    return lines


def _capacity(shelter: Shelter) -> str:
    return (
        display_text(shelter.capacity_text)
        or (str(shelter.capacity) if shelter.capacity else "")
        or _("unknown")
    )


def _welfare_lines(shelter: Shelter) -> list[list[str]]:
    """Whom a welfare shelter takes, and whether it has backup power."""
    groups = "、".join(str(GROUP_NAMES.get(g, g)) for g in shelter.group_list)
    takes = groups or display_text(shelter.accepts or "") or _("not recorded")
    power = {True: _("yes"), False: _("no"), None: _("unknown")}[shelter.backup_power]
    return [[_("Takes"), takes], [_("Backup power"), power]]
