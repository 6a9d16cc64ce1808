"""Loading the demo municipality 西東京市 into an empty database.

Shelters and towns are real (GSI data shipped in geo/data); every registrant, contact and
consent is fictional. Registrants are generated in chunks and written with bulk INSERTs
(explicit ids, no ORM objects per person), so 200,000 people load in minutes.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import geopandas as gpd
import numpy as np
from flask import has_app_context
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, bindparam, func, insert, select, update
from tqdm import tqdm

from geo import (
    DATA_DIR,
    city_area,
    offset_point,
    random_points_near,
    read_gsi_shelters,
    town_points,
)
from geo.address_points import Area, PointReader
from geo.addresses import AddressIndex, normalise

from ..access.consent import in_force_key
from ..extensions import DbSession, advance_sequences
from ..hazards.demo import load_demo_hazards
from ..i18n import local_today
from ..models import (
    AddressPoint,
    ConsentPurpose,
    ConsentRecord,
    ConsentState,
    District,
    EmergencyContact,
    LocationPrecision,
    Municipality,
    Organisation,
    Registrant,
    Role,
    Shelter,
    User,
)
from ..models.consent import consent_record_scopes
from ..models.partners import scope_mask
from ..shelters.demo import enrich_demo_shelters
from .consents import ConsentDraft, ConsentMaker
from .context import demo_context
from .draw import office_hours
from .organisations import add_organisations
from .partners import add_partner_history
from .people import CITY, Person, PersonMaker, TownPlace
from .places import TOWNS_BY_NAME, TOWNS_OFFSET

MUNICIPALITY = {"code": "132292", "name": "西東京市", "prefecture": "東京都"}
SHELTER_SOURCE = "国土地理院 指定緊急避難場所・指定避難所データ (2025-10-27)"
EVACUATION_FILE = DATA_DIR / "nishitokyo_132292_evacuation.geojson"
EMERGENCY_FILE = DATA_DIR / "nishitokyo_132292_emergency.geojson"
#: The real 町丁目 points (出典：Geolonia 住所データ（CC BY 4.0）、国土交通省 位置参照情報).
CHOME_FILE = DATA_DIR / "nishitokyo_132292_chome.csv"

#: Demo accounts: username, role, display name.
DEMO_USERS = (
    ("admin", Role.ADMIN, "管理者（デモ）"),
    ("staff", Role.STAFF, "福祉課 職員（デモ）"),
    ("partner", Role.PARTNER, "民生委員（デモ）"),
    ("planner", Role.PLANNER, "防災課 担当（デモ）"),
)

CHUNK = 5000
#: Most people's homes lie within this distance of their town's point.
HOME_RADIUS_M = 700.0


class DemoError(RuntimeError):
    """The demo cannot be loaded into this database."""


@dataclass
class _Ids:
    """The next free id of each bulk-inserted table."""

    registrant: int
    contact: int
    consent: int


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
    shelters = read_gsi_shelters(EVACUATION_FILE, EMERGENCY_FILE)
    districts, organisations, users = _add_city(session, shelters, password_hash)
    places = [
        TownPlace(TOWNS_BY_NAME[d.name], d.id, d.longitude or 0.0, d.latitude or 0.0)
        for d in districts.values()
    ]
    states, counts = _add_registrants(
        session,
        places,
        city_area(shelters),
        registrants,
        seed,
        today,
        users["staff"].id,
        progress,
    )
    # Synthetic flood and landslide areas, everyone's hazard flags and shelter assignments.
    with demo_context():
        load_demo_hazards(session)
    history = add_partner_history(
        session, districts, organisations, users, today, seed, password_hash
    )
    return {
        "municipality": f"{MUNICIPALITY['prefecture']}{MUNICIPALITY['name']}",
        "districts": len(districts),
        "shelters": len(shelters),
        "welfare_shelters": int(shelters["is_welfare_shelter"].sum()),
        "organisations": len(organisations),
        "users": len(users),
        "registrants": registrants,
        "emergency_contacts": counts["contacts"],
        "consent_records": counts["consents"],
        "consent_states": {state.value: states[state] for state in ConsentState},
        "agreements": history["agreements"],
        "provisions": history["provisions"],
    }


def _add_city(
    session: DbSession, shelters: gpd.GeoDataFrame, password_hash: str
) -> tuple[dict[str, District], list[Organisation], dict[str, User]]:
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
    return districts, organisations, users


def _refuse_unless_empty(session: DbSession) -> None:
    """Raise DemoError if the database holds anything the demo would mix with."""
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


def _add_districts(
    session: DbSession, points: dict[str, tuple[float, float]]
) -> dict[str, District]:
    """One district per town, coded 132292-001… in order of reading."""
    points = dict(points)
    for town, neighbour, north, east in TOWNS_OFFSET:
        points.setdefault(town, offset_point(*points[neighbour], north, east))
    unknown = sorted(set(points) - set(TOWNS_BY_NAME))
    if unknown:
        raise DemoError(f"No reading known for the towns {', '.join(unknown)}")
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


def _add_registrants(
    session: DbSession,
    places: list[TownPlace],
    area: BaseGeometry,
    total: int,
    seed: int,
    today: date,
    staff_id: int,
    progress: bool,
) -> tuple[Counter[ConsentState], Counter[str]]:
    """Generate and insert the registrants chunk by chunk; return states and row counts."""
    index = _add_address_points(session)
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not a secret
    people = PersonMaker(rng, today, places)
    consents = ConsentMaker(rng, today, people)
    points = np.random.default_rng(seed)
    ids = _next_ids(session)
    states: Counter[ConsentState] = Counter()
    counts: Counter[str] = Counter()
    with tqdm(total=total, disable=not progress, file=sys.stderr, unit="人", desc="demo") as bar:
        for size in _chunks(total):
            chunk = [people.make(ids.registrant + i) for i in range(size)]
            ids.registrant += size
            _place_homes(chunk, points, area, index)
            contacts = _contacts(people, chunk, ids)
            records, scopes, current = _consents(consents, chunk, ids, staff_id, today)
            _write_chunk(session, chunk, contacts, records, scopes, current)
            states.update(person.row["consent_state"] for person in chunk)
            counts.update(contacts=len(contacts), consents=len(records))
            bar.update(size)
    # The rows above chose their own IDs; the ordinary inserts after them must not reuse one.
    advance_sequences(session, Registrant, EmergencyContact, ConsentRecord)
    return states, counts


def _chunks(total: int) -> Iterator[int]:
    for start in range(0, total, CHUNK):
        yield min(CHUNK, total - start)


def _next_ids(session: DbSession) -> _Ids:
    def next_id(column: Any) -> int:
        return int(session.scalar(select(func.max(column))) or 0) + 1

    return _Ids(next_id(Registrant.id), next_id(EmergencyContact.id), next_id(ConsentRecord.id))


def _place_homes(
    chunk: list[Person], rng: np.random.Generator, area: BaseGeometry, index: AddressIndex
) -> None:
    """Homes set on the map: random near the town's point (手動); the others at the 町丁目
    point their address matches, else at the district's point (地区)."""
    by_town: dict[int, list[Person]] = {}
    for person in chunk:
        row = person.row
        if row["location_precision"] is LocationPrecision.MANUAL:
            by_town.setdefault(person.place.district_id, []).append(person)
            row["location_approximate"] = False
            continue
        address = normalise(row["address"], MUNICIPALITY["prefecture"], MUNICIPALITY["name"])
        found = index.locate(address)
        if found is None:
            precision = LocationPrecision.DISTRICT
            row["longitude"], row["latitude"] = person.place.longitude, person.place.latitude
        else:
            precision = LocationPrecision(found.level)
            row["longitude"], row["latitude"] = found.longitude, found.latitude
        row["location_precision"], row["location_approximate"] = precision, precision.approximate
    for group in by_town.values():
        place = group[0].place
        homes = random_points_near(
            place.longitude, place.latitude, len(group), rng, HOME_RADIUS_M, area
        )
        for person, (lon, lat) in zip(group, homes, strict=True):
            person.row["longitude"], person.row["latitude"] = float(lon), float(lat)


def _add_address_points(session: DbSession) -> AddressIndex:
    """The real 町丁目 points of 西東京市 (Geolonia 住所データ, CC BY 4.0), stored and indexed."""
    area = Area(MUNICIPALITY["prefecture"], MUNICIPALITY["name"], MUNICIPALITY["code"])
    reader = PointReader(CHOME_FILE, area)
    points = list(reader.points())
    session.execute(
        insert(AddressPoint),
        [{"key": p.key, "level": p.level, "latitude": p.latitude, "longitude": p.longitude,
          "source": reader.read.format} for p in points],
    )
    return AddressIndex((p.key, p.latitude, p.longitude, p.level) for p in points)


def _contacts(people: PersonMaker, chunk: list[Person], ids: _Ids) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for person in chunk:
        contacts = people.contacts(person, ids.contact)
        ids.contact += len(contacts)
        rows += contacts
    return rows


def _consents(
    maker: ConsentMaker, chunk: list[Person], ids: _Ids, staff_id: int, today: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Consent rows, scope rows, and the current register-sharing record per registrant.

    Sets each registrant's consent_state to what rules.latest() derives from its records.
    """
    records: list[dict[str, Any]] = []
    scopes: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    for person in chunk:
        latest: dict[str, Any] | None = None
        latest_scope: frozenset[Any] = frozenset()
        for draft in maker.history(person):
            record = _record_row(maker.rng, draft, ids.consent, person.row["id"], staff_id, today)
            ids.consent += 1
            records.append(record)
            scopes += ({"consent_record_id": record["id"], "category": c} for c in draft.scope)
            if draft.purpose is ConsentPurpose.REGISTER_SHARING and (
                latest is None or _in_force_key(record) > _in_force_key(latest)
            ):
                latest, latest_scope = record, frozenset(draft.scope)
        person.row["consent_state"] = latest["state"] if latest else ConsentState.UNCONFIRMED
        person.row["consent_scope"] = scope_mask(latest_scope)
        person.row["current_consent_id"] = None
        if latest:
            current.append({"b_id": person.row["id"], "b_consent": latest["id"]})
    return records, scopes, current


def _in_force_key(record: dict[str, Any]) -> tuple[int, date, int]:
    """The order of roster.roster.access.consent.latest()."""
    return in_force_key(record["state"], record["decided_on"], record["id"])


def _record_row(
    rng: random.Random,
    draft: ConsentDraft,
    record_id: int,
    registrant_id: int,
    staff_id: int,
    today: date,
) -> dict[str, Any]:
    recorded_on = min(draft.decided_on + timedelta(days=rng.randint(0, 10)), today)
    return {
        "id": record_id,
        "registrant_id": registrant_id,
        "purpose": draft.purpose,
        "state": draft.state,
        "method": draft.method,
        "decided_on": draft.decided_on,
        "form_version": draft.form_version,
        "proxy_name": draft.proxy_name,
        "proxy_relation": draft.proxy_relation,
        "note": draft.note,
        "recorded_by_id": staff_id,
        "recorded_at": office_hours(rng, recorded_on),
    }


def _write_chunk(
    session: DbSession,
    chunk: list[Person],
    contacts: list[dict[str, Any]],
    records: list[dict[str, Any]],
    scopes: list[dict[str, Any]],
    current: list[dict[str, Any]],
) -> None:
    """Insert one chunk. Registrants go first without current_consent_id (the records do not
    exist yet), then contacts and the append-only consent rows, then the current ids."""
    session.execute(insert(Registrant), [person.row for person in chunk])
    if contacts:
        session.execute(insert(EmergencyContact), contacts)
    if records:
        session.execute(insert(ConsentRecord), records)
    if scopes:
        session.execute(insert(consent_record_scopes), scopes)
    if current:
        table = cast(Table, Registrant.__table__)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            # Keep updated_at as generated: linking the consent is part of the load.
            .values(current_consent_id=bindparam("b_consent"), updated_at=table.c.updated_at),
            current,
        )
