"""The demo municipality 西東京市: real shelters and towns, fictional people and partners.

Most tests build their own in-memory SQLite databases for a fixed day and need no app or
conftest fixture; the last ones load the demo into the test database for the real today and
read it through the access rule and the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from geo import (
    DATA_DIR,
    HAZARD_COLUMNS,
    city_area,
    random_points_near,
    read_gsi_shelters,
    town_of,
    town_points,
)
from roster.access.consent import latest, register_sharing_allows
from roster.access.fields import (
    DEFAULT_AGREEMENT_FIELDS,
    MEDICAL_FIELD_GROUPS,
    SENSITIVE_FIELDS,
    agreement_fields,
)
from roster.access.roles import can_declare_release
from roster.access.rule import running_releases, visible_registrants
from roster.audit.operations import record_event
from roster.consent.operations import ConsentAnswer, record_consent
from roster.demo import DemoError, load_demo
from roster.demo.names import FAMILY_NAMES, FOREIGN_NAMES, GIVEN_NAMES
from roster.demo.places import TOWNS_BY_NAME
from roster.extensions import make_engine
from roster.models import (
    DEVICE_FIELDS,
    HAZARDS,
    AddressPoint,
    Agreement,
    AgreementStatus,
    AuditEvent,
    Base,
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    ConsentState,
    DisasterRelease,
    District,
    EmergencyContact,
    LocationPrecision,
    Municipality,
    Organisation,
    PartnerCategory,
    Provision,
    ProvisionItem,
    Registrant,
    RegistrantStatus,
    ReleaseAccess,
    Role,
    Shelter,
    SupportReason,
    User,
)
from roster.models.agreements import agreement_districts, release_districts
from roster.models.base import utcnow
from roster.models.consent import consent_record_scopes
from roster.models.partners import scope_mask
from roster.reasons import categories_of
from roster.registrants.operations import create_registrant
from roster.text import address_key, is_katakana_reading, search_key
from roster.viewer import viewer_of

from .factories import Factory

TODAY = date(2026, 1, 15)
PEOPLE = 300
EVACUATION = DATA_DIR / "nishitokyo_132292_evacuation.geojson"
EMERGENCY = DATA_DIR / "nishitokyo_132292_emergency.geojson"


class LoadedDemo(NamedTuple):
    session: Session
    summary: dict[str, Any]


def _empty_engine() -> Engine:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    return engine


def _load(engine: Engine, people: int, seed: int = 1) -> dict[str, Any]:
    with Session(engine) as session:
        summary = load_demo(
            session, registrants=people, seed=seed, password_hash="not-a-hash", today=TODAY
        )
        session.commit()
    return summary


@pytest.fixture(scope="module")
def demo_shelters() -> gpd.GeoDataFrame:
    return read_gsi_shelters(EVACUATION, EMERGENCY)


@pytest.fixture(scope="module")
def demo_loaded() -> Iterator[LoadedDemo]:
    engine = _empty_engine()
    summary = _load(engine, PEOPLE)
    with Session(engine) as session:
        yield LoadedDemo(session, summary)
    engine.dispose()


@pytest.fixture()
def demo_session(demo_loaded: LoadedDemo) -> Session:
    return demo_loaded.session


# geo: shelters, towns and points


def test_geo_hazard_keys_match_the_model() -> None:
    assert tuple(HAZARD_COLUMNS) == HAZARDS


def test_listings_of_one_place_are_merged(demo_shelters: gpd.GeoDataFrame) -> None:
    assert len(demo_shelters) == 78  # 61 shelters + 49 sites, 32 of them the same place
    assert demo_shelters["source_id"].is_unique
    school = demo_shelters.set_index("name").loc["中原小学校"]
    assert school["source_id"] == "E1322900002111"
    assert school["is_emergency_site"] and school["is_evacuation_shelter"]
    assert school["hazards"] == ["flood", "landslide", "earthquake"]


def test_listings_at_the_same_point_are_one_place_despite_a_renamed_school(
    demo_shelters: gpd.GeoDataFrame,
) -> None:
    # GSI lists 田無工科高等学校 as a shelter and 田無工業高等学校 as a site, at one point.
    rows = demo_shelters[demo_shelters["address"] == "東京都西東京市向台町1-9-1"]
    assert rows["name"].tolist() == ["東京都立田無工科高等学校"]
    assert bool(rows["is_emergency_site"].iloc[0]) and bool(rows["is_evacuation_shelter"].iloc[0])


def test_welfare_shelters_are_recognised(demo_shelters: gpd.GeoDataFrame) -> None:
    welfare = demo_shelters[demo_shelters["is_welfare_shelter"]]
    assert len(welfare) == 28
    assert all(source_id.endswith("121") for source_id in welfare["source_id"])
    assert welfare["accepts"].notna().all()
    assert demo_shelters.loc[~demo_shelters["is_welfare_shelter"], "accepts"].isna().all()


def test_emergency_sites_alone_carry_hazards(demo_shelters: gpd.GeoDataFrame) -> None:
    for row in demo_shelters.itertuples():
        assert bool(row.hazards) <= bool(row.is_emergency_site)
        assert list(row.hazards) == [key for key in HAZARDS if key in row.hazards]


@pytest.mark.parametrize(
    ("address", "town"),
    [
        ("東京都西東京市ひばりが丘2-3-5", "ひばりが丘"),
        ("東京都西東京市田無町４－５－２１", "田無町"),
        ("西東京市東伏見1", "東伏見"),
        ("東京都西東京市ひばりが丘北三丁目5番", "ひばりが丘北"),
        ("東京都 西東京市 泉町", "泉町"),
    ],
)
def test_town_is_the_text_before_the_block_number(address: str, town: str) -> None:
    assert town_of(address) == town


def test_every_shelter_town_is_a_known_town(demo_shelters: gpd.GeoDataFrame) -> None:
    assert set(town_points(demo_shelters)) <= set(TOWNS_BY_NAME)
    assert len(town_points(demo_shelters)) == 21


def test_random_points_stay_near_their_centre_and_inside_the_area(
    demo_shelters: gpd.GeoDataFrame,
) -> None:
    area = city_area(demo_shelters)
    lon, lat = town_points(demo_shelters)["北町"]  # near the edge of the city
    points = random_points_near(lon, lat, 5000, np.random.default_rng(3), 700.0, area)
    assert points.shape == (5000, 2)
    assert shapely.contains_xy(area, points[:, 0], points[:, 1]).all()
    to_metric = Transformer.from_crs("EPSG:4326", "EPSG:6677", always_xy=True)
    x, y = to_metric.transform(points[:, 0], points[:, 1])
    cx, cy = to_metric.transform(lon, lat)
    assert np.hypot(x - cx, y - cy).max() <= 700.0 + 1e-6


def test_points_far_outside_the_area_are_refused(demo_shelters: gpd.GeoDataFrame) -> None:
    area = city_area(demo_shelters)
    with pytest.raises(ValueError, match="could not place"):
        random_points_near(139.76, 35.68, 10, np.random.default_rng(1), 500.0, area)


# Names


def test_names_have_katakana_readings() -> None:
    lists = [FAMILY_NAMES, *GIVEN_NAMES.values()]
    lists += [names for language in FOREIGN_NAMES.values() for names in language]
    for names in lists:
        for written, reading in names:
            assert written and is_katakana_reading(reading), (written, reading)


def test_there_are_enough_names_for_variety() -> None:
    assert len(set(FAMILY_NAMES)) >= 150
    for sex in ("female", "male"):
        given = {name for (s, _), names in GIVEN_NAMES.items() if s == sex for name in names}
        assert len(given) >= 140, sex


# The loaded demo


def test_demo_creates_a_demo_city_with_its_towns_as_districts(demo_session: Session) -> None:
    city = demo_session.scalars(select(Municipality)).one()
    assert (city.code, city.name, city.prefecture, city.is_demo) == (
        "132292", "西東京市", "東京都", True
    )
    districts = demo_session.scalars(select(District).order_by(District.code)).all()
    assert len(districts) == 22
    assert [d.code for d in districts] == [f"132292-{n:03d}" for n in range(1, 23)]
    assert [d.name_kana for d in districts] == sorted(d.name_kana for d in districts)
    by_name = {d.name: d for d in districts}
    assert by_name["田無町"].name_kana == "タナシチョウ"
    north, south = by_name["ひばりが丘北"], by_name["ひばりが丘"]
    assert north.latitude is not None and south.latitude is not None
    assert 0.004 < north.latitude - south.latitude < 0.007  # about 600 m


def test_demo_shelters_keep_their_source_and_hazards(demo_session: Session) -> None:
    shelters = demo_session.scalars(select(Shelter)).all()
    assert len(shelters) == 78
    assert sum(s.is_welfare_shelter for s in shelters) == 28
    assert {s.source for s in shelters} == {
        "国土地理院 指定緊急避難場所・指定避難所データ (2025-10-27)"
    }
    school = next(s for s in shelters if s.name == "中原小学校")
    assert school.hazards == "flood,landslide,earthquake"


def test_demo_accounts_have_their_roles_and_the_partner_its_organisation(
    demo_session: Session,
) -> None:
    users = {u.username: u for u in demo_session.scalars(select(User))}
    assert {name: u.role for name, u in users.items()} == {
        "admin": Role.ADMIN, "staff": Role.STAFF, "partner": Role.PARTNER,
        "planner": Role.PLANNER, "chokai-yanagisawa": Role.PARTNER,
    }
    assert all(u.is_demo and u.password_hash == "not-a-hash" for u in users.values())
    # The 町会 user whose copies are still out: its agreement was terminated, and the
    # account closed with it.
    assert not users["chokai-yanagisawa"].is_active_account
    assert [u for u in users.values() if u.is_active_account] == [
        users[name] for name in ("admin", "staff", "partner", "planner")
    ]
    assert users["partner"].display_name == "民生委員（デモ）"
    organisation = users["partner"].organisation
    assert organisation is not None
    assert organisation.name == "西東京市民生委員児童委員協議会 第1地区（デモ）"
    assert organisation.category is PartnerCategory.MINSEI_IIN
    assert 6 <= len(organisation.districts) <= 8  # about a third of 22
    assert users["staff"].may_declare_release
    assert can_declare_release(users["staff"])
    assert not any(u.may_declare_release for name, u in users.items() if name != "staff")


def test_every_kind_of_partner_serves_some_districts(demo_session: Session) -> None:
    organisations = demo_session.scalars(select(Organisation)).all()
    assert {o.category for o in organisations} == set(PartnerCategory) - {PartnerCategory.OTHER}
    assert sum(o.category is PartnerCategory.MINSEI_IIN for o in organisations) >= 3
    assert all(o.districts and o.contact_name and o.contact_phone for o in organisations)
    assert all(o.name.endswith("（デモ）") for o in organisations)
    assert all(re.fullmatch(r"042-\d{3}-\d{4}", o.contact_phone) for o in organisations)
    assert all(o.contact_email.endswith("example.jp") for o in organisations if o.contact_email)


def test_summary_counts_what_was_loaded(demo_loaded: LoadedDemo) -> None:
    summary, session = demo_loaded.summary, demo_loaded.session
    assert summary["registrants"] == PEOPLE
    assert session.scalar(select(func.count()).select_from(Registrant)) == PEOPLE
    assert summary["emergency_contacts"] == session.scalar(
        select(func.count()).select_from(EmergencyContact)
    )
    assert summary["consent_records"] == session.scalar(
        select(func.count()).select_from(ConsentRecord)
    )
    assert sum(summary["consent_states"].values()) == PEOPLE
    assert (summary["shelters"], summary["welfare_shelters"]) == (78, 28)


def test_every_made_up_home_lies_inside_the_city_area(
    demo_session: Session, demo_shelters: gpd.GeoDataFrame
) -> None:
    # The area is the hull around the shelters; real 町丁目 points at the city's edge may lie
    # beyond it, and they are the city's own points.
    area = city_area(demo_shelters)
    rows = demo_session.execute(
        select(Registrant.longitude, Registrant.latitude).where(
            Registrant.location_precision != LocationPrecision.CHOME
        )
    ).all()
    lon = np.array([r.longitude for r in rows])
    lat = np.array([r.latitude for r in rows])
    assert shapely.contains_xy(area, lon, lat).all()


def test_most_demo_people_stand_at_their_chome_point_a_few_at_the_district_or_a_pin(
    demo_session: Session,
) -> None:
    people = demo_session.scalars(select(Registrant)).all()
    by = {p: [r for r in people if r.location_precision is p] for p in LocationPrecision}
    assert len(by[LocationPrecision.CHOME]) / len(people) > 0.75
    assert 0.01 < len(by[LocationPrecision.DISTRICT]) / len(people) < 0.1
    assert 0.05 < len(by[LocationPrecision.MANUAL]) / len(people) < 0.2
    for person in by[LocationPrecision.DISTRICT]:
        assert "番地" in person.address and person.location_approximate
        assert (person.longitude, person.latitude) == (
            person.district.longitude, person.district.latitude
        )
    points = {(a.latitude, a.longitude) for a in demo_session.scalars(select(AddressPoint))}
    assert len(points) == 114
    assert all((p.latitude, p.longitude) in points for p in by[LocationPrecision.CHOME])
    assert not any(p.location_approximate for p in by[LocationPrecision.MANUAL])


def test_registrants_live_at_addresses_of_their_district(demo_session: Session) -> None:
    for person in demo_session.scalars(select(Registrant)):
        town = TOWNS_BY_NAME[person.district.name]
        assert person.address.startswith(f"東京都西東京市{town.name}")
        assert town_of(person.address) == town.name
        assert person.postal_code == town.postal_code


def test_registrants_carry_search_keys_and_unique_resident_numbers(
    demo_session: Session,
) -> None:
    people = demo_session.scalars(select(Registrant)).all()
    assert len({p.resident_no for p in people}) == len(people)
    for person in people:
        assert re.fullmatch(r"\d{10}", person.resident_no)
        assert person.name_key == search_key(person.name)
        assert person.kana_key == search_key(person.name_kana)
        assert person.address_key == address_key(person.address, "東京都西東京市")
        assert person.version == 1


def test_names_are_family_space_given_with_a_katakana_reading(demo_session: Session) -> None:
    for person in demo_session.scalars(select(Registrant)):
        family, given = person.name.split(" ", 1)
        assert family and given
        assert len(person.name_kana.split(" ")) >= 2
        assert is_katakana_reading(person.name_kana)


def test_most_registrants_are_elderly_and_all_are_five_or_older(demo_session: Session) -> None:
    births = demo_session.scalars(select(Registrant.birth_date)).all()
    ages = [TODAY.year - b.year - ((TODAY.month, TODAY.day) < (b.month, b.day)) for b in births]
    assert min(ages) >= 5 and max(ages) <= 100
    assert 0.7 < sum(age >= 65 for age in ages) / len(ages) < 0.9


def test_phone_numbers_look_japanese(demo_session: Session) -> None:
    pattern = re.compile(r"0\d{1,4}-\d{1,4}-\d{4}")
    for person in demo_session.scalars(select(Registrant)):
        for number in (person.phone, person.mobile_phone):
            assert number is None or pattern.fullmatch(number)
        for contact in person.emergency_contacts:
            assert pattern.fullmatch(contact.phone) and contact.relation


def test_support_reason_details_are_japanese_sentences(demo_session: Session) -> None:
    for reason in demo_session.scalars(select(Registrant.support_reason_detail)):
        assert reason is not None and reason.endswith("。") and "。" in reason[:-1]


def test_every_demo_person_has_a_reason_category_that_fits_their_needs(
    demo_session: Session,
) -> None:
    for person in demo_session.scalars(select(Registrant)):
        categories = categories_of(person)
        assert categories
        devices = [getattr(person, f) for f in DEVICE_FIELDS]
        assert (SupportReason.MEDICAL_CARE in categories) == any(devices)
        assert (SupportReason.FOREIGN in categories) == person.comm_language
        if person.disability_certificate and person.disability_certificate.startswith("療育"):
            assert SupportReason.INTELLECTUAL in categories


def test_the_demo_partner_gets_reason_categories_but_never_the_detail(
    demo_session: Session,
) -> None:
    for agreement in demo_session.scalars(select(Agreement)):
        if agreement.organisation.category is PartnerCategory.MINSEI_IIN:
            assert "support_reason" in agreement.fields
            assert "support_reason_detail" not in agreement.fields


def test_needs_follow_realistic_shares(demo_session: Session) -> None:
    people = demo_session.scalars(select(Registrant)).all()

    def share(flag: Any) -> float:
        return sum(1 for p in people if flag(p)) / len(people)

    assert 0.25 < share(lambda p: p.mobility.value == "independent") < 0.45
    assert 0.05 < share(lambda p: p.mobility.value == "bedridden") < 0.16
    assert 0.25 < share(lambda p: p.household.value == "alone") < 0.45
    assert 0.15 < share(lambda p: p.disability_certificate is not None) < 0.35
    assert 0.85 < share(lambda p: p.status.value == "active") <= 1.0
    assert all(p.language_note for p in people if p.comm_language)


def test_cached_consent_state_matches_the_history(demo_session: Session) -> None:
    records: dict[int, list[ConsentRecord]] = {}
    for record in demo_session.scalars(
        select(ConsentRecord).where(ConsentRecord.purpose == ConsentPurpose.REGISTER_SHARING)
    ):
        records.setdefault(record.registrant_id, []).append(record)
    for person in demo_session.scalars(select(Registrant)):
        current = latest(records.get(person.id, []))
        if current is None:
            assert person.consent_state is ConsentState.UNCONFIRMED
            assert person.current_consent_id is None
            assert person.consent_scope == 0
        else:
            assert person.consent_state is current.state
            assert person.current_consent_id == current.id
            assert person.consent_scope == scope_mask(current.scope)


def test_consent_states_have_realistic_shares(demo_loaded: LoadedDemo) -> None:
    shares = {k: v / PEOPLE for k, v in demo_loaded.summary["consent_states"].items()}
    assert 0.3 < shares["unconfirmed"] < 0.55
    assert 0.3 < shares["consented"] < 0.55
    assert 0.04 < shares["refused"] < 0.18
    assert 0.01 < shares["withdrawn"] < 0.1
    assert shares["presumed"] == 0  # the default ordinance rule is opt_in


def test_withdrawals_follow_an_earlier_consent(demo_session: Session) -> None:
    withdrawn = demo_session.scalars(
        select(Registrant).where(Registrant.consent_state == ConsentState.WITHDRAWN)
    ).all()
    assert withdrawn
    for person in withdrawn:
        history = sorted(
            demo_session.scalars(
                select(ConsentRecord).where(
                    ConsentRecord.registrant_id == person.id,
                    ConsentRecord.purpose == ConsentPurpose.REGISTER_SHARING,
                )
            ),
            key=lambda r: (r.decided_on, r.id),
        )
        assert [r.state for r in history[-2:]] == [ConsentState.CONSENTED, ConsentState.WITHDRAWN]


def test_consent_records_are_complete(demo_session: Session) -> None:
    staff = demo_session.scalars(select(User).where(User.username == "staff")).one()
    records = demo_session.scalars(select(ConsentRecord)).all()
    assert {r.recorded_by_id for r in records} == {staff.id}
    for record in records:
        assert record.decided_on <= TODAY
        if record.state is ConsentState.CONSENTED and record.purpose != "plan_making":
            assert record.scope, record
        else:
            assert not record.scope
        if record.method.value == "mail":
            assert record.form_version and record.form_version.startswith("ja-")
        assert (record.proxy_name is None) == (record.proxy_relation is None)
    assert any(r.purpose is ConsentPurpose.PLAN_MAKING for r in records)
    assert any(r.proxy_relation for r in records)


def test_sharing_rule_finds_people_who_consented_to_the_category(demo_session: Session) -> None:
    allowed = set(
        demo_session.scalars(
            select(Registrant.id).where(
                register_sharing_allows(PartnerCategory.MINSEI_IIN, "opt_in")
            )
        )
    )
    in_scope = set(
        demo_session.scalars(
            select(Registrant.id)
            .join(
                consent_record_scopes,
                consent_record_scopes.c.consent_record_id == Registrant.current_consent_id,
            )
            .where(
                Registrant.consent_state == ConsentState.CONSENTED,
                consent_record_scopes.c.category == PartnerCategory.MINSEI_IIN,
            )
        )
    )
    assert allowed == in_scope and allowed


def test_demo_is_deterministic_for_a_seed() -> None:
    def dump(seed: int) -> list[list[Any]]:
        engine = _empty_engine()
        _load(engine, 120, seed)
        with engine.connect() as conn:
            tables = [
                Registrant.__table__, EmergencyContact.__table__, ConsentRecord.__table__,
                consent_record_scopes, Agreement.__table__, agreement_districts,
                Provision.__table__, ProvisionItem.__table__, DisasterRelease.__table__,
                release_districts, ReleaseAccess.__table__,
            ]
            result = [list(conn.execute(select(table)).all()) for table in tables]
        engine.dispose()
        return result

    first = dump(7)
    assert first == dump(7)
    assert first[0] != dump(8)[0]
    assert all(first), "every table has rows"


def test_demo_refuses_a_database_with_real_data() -> None:
    engine = _empty_engine()
    with Session(engine) as session:
        session.add(
            User(username="tanaka", display_name="田中", role=Role.STAFF, password_hash="h")
        )
        session.commit()
        with pytest.raises(DemoError, match="not demo accounts"):
            load_demo(session, registrants=10, password_hash="x", today=TODAY)
    engine.dispose()


def test_demo_refuses_a_real_municipality() -> None:
    engine = _empty_engine()
    with Session(engine) as session:
        session.add(Municipality(code="132101", name="小金井市", prefecture="東京都"))
        session.commit()
        with pytest.raises(DemoError, match="小金井市"):
            load_demo(session, registrants=10, password_hash="x", today=TODAY)
    engine.dispose()


def test_demo_refuses_to_load_twice() -> None:
    engine = _empty_engine()
    _load(engine, 5)
    with pytest.raises(DemoError, match="already loaded"):
        _load(engine, 5)
    engine.dispose()


# Partners, agreements, the ledger and the past release (for the fixed day TODAY)


def _agreements(session: Session) -> list[Agreement]:
    return list(session.scalars(select(Agreement).order_by(Agreement.id)))


def _user(session: Session, username: str) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


def test_the_demo_has_agreements_in_every_state(demo_session: Session) -> None:
    agreements = _agreements(demo_session)
    assert {a.effective_status(TODAY) for a in agreements} == set(AgreementStatus)
    in_force = [a for a in agreements if a.in_force(TODAY)]
    assert len(in_force) > len(agreements) / 2  # most are active
    assert any(a.ends_on <= TODAY + timedelta(days=60) for a in in_force)  # ending soon
    assert any(not a.list_manager for a in in_force)  # the reminder has someone to name
    assert all(a.list_manager for a in in_force if a.organisation.name.endswith("第1地区（デモ）"))
    # One agreement in force at most per organisation.
    organisations = [a.organisation_id for a in in_force]
    assert len(organisations) == len(set(organisations))


def test_every_agreement_has_its_versions_from_creation(demo_session: Session) -> None:
    staff = _user(demo_session, "staff")
    for agreement in _agreements(demo_session):
        versions = sorted(agreement.versions, key=lambda v: v.version)
        assert [v.version for v in versions] == list(range(1, agreement.version + 1))
        assert {"title", "status", "starts_on", "districts", "fields"} <= set(versions[0].changed)
        assert all(v.changed_by_id == staff.id for v in versions)
        last = versions[-1].snapshot
        assert last["status"] == agreement.status.value
        assert last["districts"] == [d.code for d in agreement.districts]
        assert last["fields"] == agreement.fields
        if agreement.status in (AgreementStatus.SUSPENDED, AgreementStatus.TERMINATED):
            assert len(versions) == 2 and "status" in versions[1].changed
            assert versions[0].snapshot["status"] == "active"


def test_the_partners_agreement_covers_some_districts_and_withholds_medical_details(
    demo_session: Session,
) -> None:
    organisation = _user(demo_session, "partner").organisation
    assert organisation is not None
    in_force = [
        a for a in _agreements(demo_session)
        if a.organisation_id == organisation.id and a.in_force(TODAY)
    ]  # fmt: skip
    assert len(in_force) == 1
    agreement = in_force[0]
    assert 4 <= len(agreement.districts) <= 7
    assert {d.id for d in agreement.districts} < {d.id for d in organisation.districts}
    assert set(DEFAULT_AGREEMENT_FIELDS) <= set(agreement.fields)
    assert not set(agreement.fields) & (MEDICAL_FIELD_GROUPS | {"emergency_contacts"})
    assert not agreement_fields(agreement.fields) & SENSITIVE_FIELDS
    assert agreement.emergency_provision and agreement.includes_plans
    assert agreement.list_manager and agreement.storage_place and agreement.viewers


def test_the_fire_station_receives_the_medical_details(demo_session: Session) -> None:
    fire = [
        a for a in _agreements(demo_session)
        if a.organisation.category is PartnerCategory.FIRE and a.in_force(TODAY)
    ]  # fmt: skip
    assert len(fire) == 1
    assert {"devices", "mobility", "communication"} <= set(fire[0].fields)
    assert fire[0].emergency_provision
    assert len(fire[0].districts) == 22


def _copies(session: Session, agreement: Agreement) -> list[Provision]:
    return list(
        session.scalars(
            select(Provision).where(Provision.agreement_id == agreement.id).order_by(
                Provision.copy_no
            )
        )
    )


def test_the_terminated_agreement_has_copies_still_out(demo_session: Session) -> None:
    (terminated,) = [a for a in _agreements(demo_session) if a.status is AgreementStatus.TERMINATED]
    assert terminated.terminated_at is not None
    copies = _copies(demo_session, terminated)
    assert copies and all(c.outstanding for c in copies)
    for copy in copies:
        assert copy.user.organisation_id == terminated.organisation_id
        assert copy.created_at < terminated.terminated_at
        assert copy.items and copy.count == len(copy.items)


def test_the_expired_agreement_had_every_copy_returned_or_destroyed(
    demo_session: Session,
) -> None:
    staff = _user(demo_session, "staff")
    expired = [
        a for a in _agreements(demo_session)
        if a.effective_status(TODAY) is AgreementStatus.EXPIRED
    ]  # fmt: skip
    assert expired
    copies = [c for a in expired for c in _copies(demo_session, a)]
    assert copies
    for copy in copies:
        assert copy.disposed_on is not None and copy.disposal_method is not None
        assert copy.confirmed_by and copy.disposal_recorded_by_id == staff.id
        assert copy.disposed_on >= copy.created_at.date()


def test_every_copy_is_numbered_and_lists_people_of_its_agreement(
    demo_session: Session,
) -> None:
    copies = demo_session.scalars(select(Provision)).all()
    assert len(copies) >= 6
    for copy in copies:
        districts = {d.id for d in copy.agreement.districts}
        assert copy.count == len(copy.items) > 0
        assert [item.line for item in copy.items] == list(range(1, copy.count + 1))
        assert {item.registrant.district_id for item in copy.items} <= districts
    assert_dates_hold_together(demo_session, TODAY)


def assert_dates_hold_together(session: Session, today: date) -> None:
    """Whatever the day the demo is loaded for: copies are numbered in the order they were
    made, within their agreement's term; returns follow the copy and precede today; the
    release falls inside the term it was printed under; every state is there."""
    agreements = _agreements(session)
    assert {a.effective_status(today) for a in agreements} == set(AgreementStatus)
    assert any(
        a.in_force(today) and a.ends_on <= today + timedelta(days=60) for a in agreements
    )
    for agreement in agreements:
        copies = _copies(session, agreement)
        assert [c.copy_no for c in copies] == list(range(1, len(copies) + 1))
        assert [c.created_at for c in copies] == sorted(c.created_at for c in copies)
        end = min(agreement.ends_on, today)
        if agreement.terminated_at is not None:
            end = min(end, agreement.terminated_at.date())
        for copy in copies:
            assert agreement.starts_on <= copy.created_at.date() <= end
            if copy.disposed_on is not None:
                assert copy.created_at.date() <= copy.disposed_on <= today
    for release in session.scalars(select(DisasterRelease)):
        assert release.ended_at is not None and release.ended_at.date() < today
        for copy in session.scalars(select(Provision).where(Provision.release_id == release.id)):
            assert release.starts_at <= copy.created_at <= release.ended_at
            assert copy.agreement.starts_on <= release.starts_at.date() <= copy.agreement.ends_on


@pytest.mark.parametrize(
    "today", [date(2026, 1, 1), date(2026, 3, 31), date(2026, 5, 10), date(2028, 2, 29)]
)
def test_the_partner_history_holds_together_whatever_the_day(today: date) -> None:
    engine = _empty_engine()
    with Session(engine) as session:
        load_demo(session, registrants=60, seed=2, password_hash="x", today=today)
        session.commit()
        assert_dates_hold_together(session, today)
    engine.dispose()


def test_the_partners_last_copy_differs_from_what_the_rule_admits_now(
    demo_session: Session,
) -> None:
    partner = _user(demo_session, "partner")
    copies = demo_session.scalars(
        select(Provision).where(Provision.user_id == partner.id).order_by(Provision.created_at)
    ).all()
    assert len({c.agreement_id for c in copies}) == 2  # this term's and the previous one's
    last = copies[-1]
    assert last.outstanding and last.agreement.in_force(TODAY)
    assert any(c.outstanding for c in copies[:-1]) and any(not c.outstanding for c in copies)
    on_copy = {item.registrant_id for item in last.items}
    admitted = set(
        demo_session.scalars(
            select(Registrant.id).where(
                Registrant.status == RegistrantStatus.ACTIVE,
                Registrant.district_id.in_([d.id for d in last.agreement.districts]),
                register_sharing_allows(PartnerCategory.MINSEI_IIN, "opt_in"),
            )
        )
    )
    assert on_copy - admitted, "people to strike out"
    assert len(on_copy & admitted) > len(on_copy) / 2


def test_one_past_release_with_what_it_showed_to_whom(demo_session: Session) -> None:
    (release,) = demo_session.scalars(select(DisasterRelease)).all()
    assert release.ended_at is not None and not release.running(utcnow())
    assert len(release.districts) == 3
    assert release.declared_by.username == "staff"
    accesses = demo_session.scalars(
        select(ReleaseAccess).where(ReleaseAccess.release_id == release.id)
    ).all()
    assert accesses
    assert {a.user.username for a in accesses} == {"partner"}
    assert all(release.starts_at <= a.at <= release.ended_at for a in accesses)
    released = {d.id for d in release.districts}
    shown = {a.registrant_id for a in accesses}
    for person in demo_session.scalars(select(Registrant).where(Registrant.id.in_(shown))):
        assert person.district_id in released
        assert not (
            person.consent_state is ConsentState.CONSENTED
            and person.consent_scope & scope_mask([PartnerCategory.MINSEI_IIN])
        )
    (printed,) = demo_session.scalars(
        select(Provision).where(Provision.release_id == release.id)
    ).all()
    assert shown <= {item.registrant_id for item in printed.items}


# The demo loaded into the app's database for today: read through the access rule and the API


@pytest.fixture()
def live_demo(db: Session, factory: Factory) -> Session:
    load_demo(db, registrants=400, seed=7, password_hash=factory.password_hash)
    db.flush()
    return db


def test_the_demo_partner_sees_people_of_its_districts_and_never_a_medical_field(
    live_demo: Session, client: Any, auth: Any
) -> None:
    partner = _user(live_demo, "partner")
    access = viewer_of(partner, live_demo).access
    assert access is not None and not access.under_release
    assert 4 <= len(access.districts) <= 7
    people = live_demo.scalars(visible_registrants(viewer_of(partner, live_demo))).all()
    assert people
    assert {p.district_id for p in people} <= access.districts
    fields = viewer_of(partner, live_demo).fields
    assert "name" in fields and not fields & (SENSITIVE_FIELDS | {"emergency_contacts"})
    medical = SENSITIVE_FIELDS | {"emergency_contacts", "language_note"}
    auth.login("partner")
    body = client.get("/api/v1/registrants?per_page=500").get_json()
    assert body["total"] == len(people)
    assert {item["id"] for item in body["items"]} == {p.id for p in people}
    for item in body["items"]:
        assert not set(item) & medical
        assert item["district"]["id"] in access.districts


def test_the_live_demo_has_copies_out_no_release_running_and_staff_who_may_declare(
    live_demo: Session,
) -> None:
    assert running_releases(live_demo) == []
    assert can_declare_release(_user(live_demo, "staff"))
    (terminated,) = live_demo.scalars(
        select(Agreement).where(Agreement.status == AgreementStatus.TERMINATED)
    ).all()
    assert all(c.outstanding for c in _copies(live_demo, terminated))
    partner = _user(live_demo, "partner")
    last = live_demo.scalars(
        select(Provision)
        .where(Provision.user_id == partner.id)
        .order_by(Provision.created_at.desc())
        .limit(1)
    ).one()
    on_copy = {item.registrant_id for item in last.items}
    now = set(
        live_demo.scalars(
            visible_registrants(viewer_of(partner, live_demo)).with_only_columns(Registrant.id)
        )
    )
    assert on_copy != now and on_copy & now  # "changes since my last list" has something


def test_after_the_demo_the_ordinary_operations_add_people_consent_and_events(
    live_demo: Session, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite takes the next ID from the table, PostgreSQL from a sequence")
    staff = _user(live_demo, "staff")
    district = live_demo.scalars(select(District).order_by(District.id)).first()
    assert district is not None
    person = create_registrant(live_demo, {
        "resident_no": "7700000001", "name": "試験 花子", "name_kana": "シケン ハナコ",
        "birth_date": date(1950, 1, 1), "sex": "female",
        "address": f"東京都西東京市{district.name}1-1", "reason_elderly_care": True,
        "support_reason_detail": "独居",
        "district_id": district.id, "latitude": None, "longitude": None,
        "household": "alone", "mobility": "independent", "care_level": "none",
        "status": "active", "source": "self_applied",
        "emergency_contacts": [{"name": "試験 一郎", "relation": "長男", "phone": "090-1"}],
    }, staff, "東京都西東京市")
    record = record_consent(live_demo, person, ConsentAnswer(
        purpose=ConsentPurpose.REGISTER_SHARING, state=ConsentState.CONSENTED,
        method=ConsentMethod.MAIL, decided_on=date.today(),
        scope=frozenset({PartnerCategory.MINSEI_IIN})), staff)
    event = record_event(live_demo, "registrant.view", actor=staff, object_id=person.id)
    live_demo.flush()
    assert person.id > live_demo.scalar(select(func.max(Registrant.id)).where(
        Registrant.id != person.id))
    assert record.id > live_demo.scalar(select(func.max(ConsentRecord.id)).where(
        ConsentRecord.id != record.id))
    assert event.seq == live_demo.scalar(select(func.max(AuditEvent.seq)))
