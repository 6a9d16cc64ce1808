"""The demo's registrants: drawn from a seed in chunks, their homes placed at the 町丁目
point their address matches (or pinned near their town's point), with emergency contacts and
consent histories, and written with bulk INSERTs (explicit ids, no ORM objects per person),
so 200,000 people load in minutes.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import numpy as np
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, bindparam, func, insert, select, update
from tqdm import tqdm

from geo import DATA_DIR, random_points_near
from geo.address_points import Area, PointReader
from geo.addresses import AddressIndex, normalise

from ..access.consent import in_force_key
from ..extensions import DbSession, advance_sequences
from ..models import (
    AddressPoint,
    ConsentPurpose,
    ConsentRecord,
    ConsentState,
    District,
    EmergencyContact,
    LocationPrecision,
    Registrant,
)
from ..models.consent import consent_record_scopes
from ..models.partners import scope_mask
from ..models.registrant_grams import RegistrantGram
from ..text import bigrams
from .bulk import insert_columns, insert_rows, table_of
from .consents import ConsentDraft, ConsentMaker
from .draw import office_hours
from .people import Person, PersonMaker, TownPlace
from .places import MUNICIPALITY, TOWNS_BY_NAME

#: The real 町丁目 points (出典：Geolonia 住所データ（CC BY 4.0）、国土交通省 位置参照情報).
CHOME_FILE = DATA_DIR / "nishitokyo_132292_chome.csv"
CHUNK = 5000
#: Most people's homes lie within this distance of their town's point.
HOME_RADIUS_M = 700.0


@dataclass(frozen=True)
class _Drawing:
    """What each chunk of registrants is drawn and written with."""

    people: PersonMaker
    consents: ConsentMaker
    #: For the homes pinned near their town's point.
    points: np.random.Generator
    area: BaseGeometry
    index: AddressIndex
    staff_id: int
    today: date


@dataclass
class _Ids:
    """The next free id of each bulk-inserted table."""

    registrant: int
    contact: int
    consent: int


def add_registrants(
    session: DbSession,
    districts: dict[str, District],
    area: BaseGeometry,
    staff_id: int,
    *,
    total: int,
    seed: int,
    today: date,
    progress: bool,
) -> tuple[Counter[ConsentState], Counter[str]]:
    """Generate and insert the registrants chunk by chunk; return states and row counts.

    Homes pinned on the map stay within `area`; consents are recorded by `staff_id`.
    """
    drawing = _drawing(session, districts, area, staff_id, seed, today)
    ids = _next_ids(session)
    states: Counter[ConsentState] = Counter()
    counts: Counter[str] = Counter()
    with tqdm(total=total, disable=not progress, file=sys.stderr, unit="人", desc="demo") as bar:
        for size in _chunks(total):
            chunk, contacts, records = _add_chunk(session, drawing, size, ids)
            states.update(person.row["consent_state"] for person in chunk)
            counts.update(contacts=contacts, consents=records)
            bar.update(size)
    # The rows above chose their own IDs; the ordinary inserts after them must not reuse one.
    advance_sequences(session, Registrant, EmergencyContact, ConsentRecord)
    return states, counts


def _drawing(
    session: DbSession,
    districts: dict[str, District],
    area: BaseGeometry,
    staff_id: int,
    seed: int,
    today: date,
) -> _Drawing:
    """The address points stored and indexed, and the seeded makers of people and consents."""
    index = _add_address_points(session)
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not a secret
    places = [
        TownPlace(TOWNS_BY_NAME[d.name], d.id, d.longitude or 0.0, d.latitude or 0.0)
        for d in districts.values()
    ]
    people = PersonMaker(rng, today, places)
    consents = ConsentMaker(rng, today, people)
    points = np.random.default_rng(seed)
    return _Drawing(people, consents, points, area, index, staff_id, today)


def _add_chunk(
    session: DbSession, drawing: _Drawing, size: int, ids: _Ids
) -> tuple[list[Person], int, int]:
    """Draw and insert `size` people; return them and how many contacts and consent records."""
    chunk = [drawing.people.make(ids.registrant + i) for i in range(size)]
    ids.registrant += size
    _place_homes(chunk, drawing.points, drawing.area, drawing.index)
    contacts = _contacts(drawing.people, chunk, ids)
    records, scopes, current = _consents(
        drawing.consents, chunk, ids, drawing.staff_id, drawing.today
    )
    _write_chunk(session, chunk, contacts, records, scopes, current)
    return chunk, len(contacts), len(records)


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
        if person.row["location_precision"] is LocationPrecision.MANUAL:
            by_town.setdefault(person.place.district_id, []).append(person)
            person.row["location_approximate"] = False
        else:
            _locate(person, index)
    for group in by_town.values():
        place = group[0].place
        homes = random_points_near(
            place.longitude, place.latitude, len(group), rng, HOME_RADIUS_M, area
        )
        for person, (lon, lat) in zip(group, homes, strict=True):
            person.row["longitude"], person.row["latitude"] = float(lon), float(lat)


def _locate(person: Person, index: AddressIndex) -> None:
    """The home at the 町丁目 point its address matches, else at the district's point."""
    row = person.row
    address = normalise(row["address"], MUNICIPALITY["prefecture"], MUNICIPALITY["name"])
    found = index.locate(address)
    if found is None:
        precision = LocationPrecision.DISTRICT
        row["longitude"], row["latitude"] = person.place.longitude, person.place.latitude
    else:
        precision = LocationPrecision(found.level)
        row["longitude"], row["latitude"] = found.longitude, found.latitude
    row["location_precision"], row["location_approximate"] = precision, precision.approximate


def _add_address_points(session: DbSession) -> AddressIndex:
    """The real 町丁目 points of 西東京市 (Geolonia 住所データ, CC BY 4.0), stored and indexed."""
    area = Area(MUNICIPALITY["prefecture"], MUNICIPALITY["name"], MUNICIPALITY["code"])
    reader = PointReader(CHOME_FILE, area)
    points = list(reader.points())
    session.execute(
        insert(AddressPoint),
        [
            {
                "key": p.key,
                "level": p.level,
                "latitude": p.latitude,
                "longitude": p.longitude,
                "source": reader.read.format,
            }
            for p in points
        ],
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
            if _newer_sharing(draft, record, latest):
                latest, latest_scope = record, frozenset(draft.scope)
        person.row["consent_state"] = latest["state"] if latest else ConsentState.UNCONFIRMED
        person.row["consent_scope"] = scope_mask(latest_scope)
        person.row["current_consent_id"] = None
        if latest:
            current.append({"b_id": person.row["id"], "b_consent": latest["id"]})
    return records, scopes, current


def _newer_sharing(
    draft: ConsentDraft, record: dict[str, Any], latest: dict[str, Any] | None
) -> bool:
    """The record is a register-sharing answer that comes before `latest` in force."""
    return draft.purpose is ConsentPurpose.REGISTER_SHARING and (
        latest is None or _in_force_key(record) > _in_force_key(latest)
    )


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
    exist yet), then their search grams, contacts and the append-only consent rows, then the
    current ids.

    The rows go straight to the driver (bulk.py), past the session's hooks: the grams the
    hooks would write for new people are written here from the keys in hand, and the
    priority scores are computed for everyone after the load (touch_everyone)."""
    people = [person.row for person in chunk]
    insert_rows(session, Registrant, people)
    _insert_grams(session, people)
    insert_rows(session, EmergencyContact, contacts)
    insert_rows(session, ConsentRecord, records)
    insert_rows(session, consent_record_scopes, scopes)
    if current:
        _link_current_consents(session, current)


def _insert_grams(session: DbSession, people: list[dict[str, Any]]) -> None:
    """The search grams of new people (what registrant_hooks.refresh_grams() writes)."""
    grams: list[str] = []
    owners: list[int] = []
    for row in people:
        pieces = bigrams(row["name_key"] or "", row["kana_key"] or "", row["address_key"] or "")
        grams += pieces
        owners += [row["id"]] * len(pieces)
    insert_columns(session.connection(), table_of(RegistrantGram), ("gram", "registrant_id"),
                   (grams, owners))  # fmt: skip


def _link_current_consents(session: DbSession, current: list[dict[str, Any]]) -> None:
    """Each registrant's current_consent_id, from rows of b_id and b_consent."""
    table = cast(Table, Registrant.__table__)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        # Keep updated_at as generated: linking the consent is part of the load.
        .values(current_consent_id=bindparam("b_consent"), updated_at=table.c.updated_at),
        current,
    )
