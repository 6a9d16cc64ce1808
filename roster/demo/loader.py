"""Loading the demo municipality 西東京市 into an empty database.

Shelters and towns are real (GSI data shipped in geo/data); every registrant, contact and
consent is fictional. Registrants are generated in chunks and written with bulk INSERTs
(explicit ids, no ORM objects per person), so 200,000 people load in minutes: see
registrants.py.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
from flask import has_app_context
from sqlalchemy import func, select

from geo import (
    DATA_DIR,
    city_area,
    offset_point,
    read_gsi_shelters,
    town_points,
)

from ..extensions import DbSession
from ..hazards.demo import load_demo_hazards
from ..i18n import local_today
from ..models import (
    ConsentState,
    District,
    Municipality,
    Organisation,
    Registrant,
    Role,
    Shelter,
    User,
)
from ..priority.stored import settle, touch_everyone
from ..shelters.demo import enrich_demo_shelters
from .bulk import sqlite_cache_for_load
from .context import demo_context
from .drills import add_demo_drills
from .indexes import built_afterwards
from .organisations import add_organisations
from .partners import add_partner_history
from .people import CITY
from .places import MUNICIPALITY, TOWNS_BY_NAME, TOWNS_OFFSET
from .registrants import add_registrants
from .safety import add_demo_safety

SHELTER_SOURCE = "国土地理院 指定緊急避難場所・指定避難所データ (2025-10-27)"
EVACUATION_FILE = DATA_DIR / "nishitokyo_132292_evacuation.geojson"
EMERGENCY_FILE = DATA_DIR / "nishitokyo_132292_emergency.geojson"

#: Demo accounts: username, role, display name.
DEMO_USERS = (
    ("admin", Role.ADMIN, "管理者（デモ）"),
    ("staff", Role.STAFF, "福祉課 職員（デモ）"),
    ("partner", Role.PARTNER, "民生委員（デモ）"),
    ("planner", Role.PLANNER, "防災課 担当（デモ）"),
)


class DemoError(RuntimeError):
    """The demo cannot be loaded into this database."""


@dataclass(frozen=True)
class _City:
    """The real places of the demo municipality, its partners and its demo accounts."""

    shelters: gpd.GeoDataFrame
    districts: dict[str, District]
    organisations: list[Organisation]
    users: dict[str, User]


def load_demo(
    session: DbSession,
    *,
    registrants: int = 3000,
    seed: int = 1,
    password_hash: str,
    progress: bool = False,
    today: date | None = None,
) -> dict[str, Any]:
    """Load the demo municipality with fictional registrants; return counts of what was made.

    The same seed and number give the same people (for the same `today`, default the
    current date in the municipality's time zone). Demo accounts admin, staff, partner and
    planner get password_hash. Partner organisations come from demo/organisations.py, their
    agreements and ledger from demo/partners.py. Raises DemoError unless the database is
    empty. The caller commits.
    """
    if registrants < 0:
        raise ValueError("registrants must not be negative")
    if today is None:
        today = local_today() if has_app_context() else date.today()
    _refuse_unless_empty(session)
    # Stored priority scores: everyone is scored once, at the first read or at commit,
    # instead of person by person as the bulk inserts below note them.
    touch_everyone(session)
    city = _add_city(session, read_gsi_shelters(EVACUATION_FILE, EMERGENCY_FILE), password_hash)
    with sqlite_cache_for_load(session), built_afterwards(session):
        states, counts = add_registrants(
            session, city.districts, city_area(city.shelters), city.users["staff"].id,
            total=registrants, seed=seed, today=today, progress=progress,
        )  # fmt: skip
        # Synthetic flood and landslide areas, everyone's hazard flags and shelter assignments.
        with demo_context():
            load_demo_hazards(session)
        # Everyone's priority score while the indexes are away: on PostgreSQL each score
        # written would otherwise add an entry to every index of the person's row.
        settle(session)
    history = add_partner_history(
        session, city.districts, city.organisations, city.users, today, seed, password_hash
    )
    add_demo_safety(session, city.districts, city.users, today, seed)
    add_demo_drills(session, city.districts, city.users, today, seed)
    return _summary(city, registrants, states, counts, history)


def _summary(
    city: _City,
    registrants: int,
    states: Counter[ConsentState],
    counts: Counter[str],
    history: dict[str, int],
) -> dict[str, Any]:
    """What load_demo made, by kind."""
    return {
        "municipality": f"{MUNICIPALITY['prefecture']}{MUNICIPALITY['name']}",
        "districts": len(city.districts),
        "shelters": len(city.shelters),
        "welfare_shelters": int(city.shelters["is_welfare_shelter"].sum()),
        "organisations": len(city.organisations),
        "users": len(city.users),
        "registrants": registrants,
        "emergency_contacts": counts["contacts"],
        "consent_records": counts["consents"],
        "consent_states": {state.value: states[state] for state in ConsentState},
        "agreements": history["agreements"],
        "provisions": history["provisions"],
    }


def _add_city(session: DbSession, shelters: gpd.GeoDataFrame, password_hash: str) -> _City:
    """The municipality, its districts, shelters, partner organisations and demo accounts."""
    session.add(Municipality(**MUNICIPALITY, is_demo=True))
    districts = _add_districts(session, town_points(shelters, CITY))
    _add_shelters(session, shelters)
    session.flush()
    # Welfare-shelter details, capacities and suitability the GSI data does not carry.
    enrich_demo_shelters(session, random.Random(MUNICIPALITY["code"]))  # noqa: S311 - fiction
    organisations = add_organisations(session, districts)
    users = _add_users(session, organisations[0], password_hash)
    session.flush()
    return _City(shelters, districts, organisations, users)


def _refuse_unless_empty(session: DbSession) -> None:
    """Raise DemoError if the database holds anything the demo would mix with."""
    _refuse_a_register(session)
    for model, what in (
        (Registrant, "registrants"),
        (User, "demo accounts"),
        (District, "districts"),
        (Shelter, "shelters"),
        (Organisation, "organisations"),
    ):
        if session.scalar(select(func.count()).select_from(model)):
            raise DemoError(
                f"The database already holds {what}: the demo loads only into an empty database."
            )


def _refuse_a_register(session: DbSession) -> None:
    """Raise DemoError if the database holds the demo, a municipality's register or users."""
    municipality = session.scalars(select(Municipality)).first()
    if municipality is not None and municipality.is_demo:
        raise DemoError("The demo is already loaded. Start from an empty database to reload it.")
    if municipality is not None:
        raise DemoError(
            f"The database holds the register of {municipality.name}: the demo loads only "
            "into an empty database."
        )
    real_users = session.scalar(select(func.count()).where(User.is_demo.is_(False)))
    if real_users:
        raise DemoError(
            f"The database holds {real_users} user account(s) that are not demo accounts: "
            "the demo loads only into an empty database."
        )


def _add_districts(
    session: DbSession, points: dict[str, tuple[float, float]]
) -> dict[str, District]:
    """One district per town, coded 132292-001… in order of reading."""
    points = _every_town(points)
    towns = sorted(points, key=lambda name: TOWNS_BY_NAME[name].kana)
    districts = {}
    for number, name in enumerate(towns, start=1):
        lon, lat = points[name]
        districts[name] = District(
            code=f"{MUNICIPALITY['code']}-{number:03d}",
            name=name,
            name_kana=TOWNS_BY_NAME[name].kana,
            latitude=lat,
            longitude=lon,
        )
    session.add_all(districts.values())
    return districts


def _every_town(points: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """The towns' points, with those the shelter data lacks set off from a neighbour's."""
    points = dict(points)
    for town, neighbour, north, east in TOWNS_OFFSET:
        points.setdefault(town, offset_point(*points[neighbour], north, east))
    unknown = sorted(set(points) - set(TOWNS_BY_NAME))
    if unknown:
        raise DemoError(f"No reading known for the towns {', '.join(unknown)}")
    return points


def _add_shelters(session: DbSession, shelters: gpd.GeoDataFrame) -> None:
    session.add_all(
        Shelter(
            source_id=row.source_id,
            name=row.name,
            address=row.address,
            latitude=row.latitude,
            longitude=row.longitude,
            is_emergency_site=bool(row.is_emergency_site),
            is_evacuation_shelter=bool(row.is_evacuation_shelter),
            is_welfare_shelter=bool(row.is_welfare_shelter),
            hazards=",".join(row.hazards),
            accepts=row.accepts,
            source=SHELTER_SOURCE,
        )
        for row in shelters.itertuples(index=False)
    )


def _add_users(
    session: DbSession, partner_org: Organisation, password_hash: str
) -> dict[str, User]:
    users = {
        username: User(
            username=username,
            display_name=display,
            role=role,
            password_hash=password_hash,
            organisation=partner_org if role is Role.PARTNER else None,
            is_demo=True,
            # The demo's welfare staff may declare a disaster-time release (49-11(3)).
            may_declare_release=role is Role.STAFF,
        )
        for username, role, display in DEMO_USERS
    }
    session.add_all(users.values())
    return users
