"""Address points and geocoding: the public files loaded for the municipality only, each
person placed at the finest point of their address with its precision, manual pins kept,
hazard flags recomputed for whoever moved, and the precision shown and filtered."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from roster.geocoding.operations import geocode_people, import_address_points
from roster.hazards.layers import import_layer
from roster.models import AddressPoint, LocationPrecision, Municipality, Registrant
from roster.registrants.operations import update_registrant

from .conftest import AuthActions, IsolatedClient
from .factories import Factory
from .test_hazards import flags, geojson, square, write

DATA = Path(__file__).parent / "data" / "addresses"
FILES = (
    "13000-21.0a_sample.csv", "mt_rsdtdsp_rsdt_pos_sample.csv", "mt_rsdtdsp_blk_pos_sample.csv",
)
#: 泉町一丁目2番3号 in the ABR fixture (住居).
HOUSE = (35.73815, 139.54875)
CITY = "東京都西東京市"


@pytest.fixture()
def nishitokyo(world: dict[str, Any], db: Any) -> dict[str, Any]:
    """The world's municipality as 西東京市, with the fixtures' points loaded."""
    city = db.scalar(select(Municipality))
    city.name, city.code = "西東京市", "132292"
    db.flush()
    import_address_points(db, [DATA / name for name in FILES], actor=None)
    return world


def person(factory: Factory, world: dict[str, Any], address: str, **values: Any) -> Registrant:
    district = world["districts"][0]
    defaults: dict[str, Any] = {
        "latitude": district.latitude, "longitude": district.longitude,
        "location_approximate": True, "location_precision": LocationPrecision.DISTRICT,
    }
    return factory.registrant(district, address=address, **{**defaults, **values})


def test_both_public_formats_load_only_the_municipalitys_points(
    runner: Any, db: Any, world: dict[str, Any]
) -> None:
    city = db.scalar(select(Municipality))
    city.name, city.code = "西東京市", "132292"
    db.flush()
    result = runner.invoke(args=["import-address-points", *(str(DATA / n) for n in FILES)])
    assert result.exit_code == 0, result.output
    assert "mlit_block (block): 6 rows, 4 points of the municipality, 2 of other" in result.output
    assert "abr_house (house): 4 rows, 3 points of the municipality, 1 of other" in result.output
    levels = dict(db.execute(select(AddressPoint.level, func.count()).group_by(
        AddressPoint.level)).all())
    # The ABR block point of 泉町一丁目2番 replaced the MLIT one under the same key.
    assert levels == {"block": 4, "house": 3}
    point = db.scalars(select(AddressPoint).where(AddressPoint.key == "泉町|1|2|")).one()
    assert (point.latitude, point.source) == (35.73811, "abr_block")


def test_a_file_of_another_kind_is_refused_and_writes_nothing(
    runner: Any, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    good = DATA / FILES[0]
    bad = tmp_path / "export.csv"
    bad.write_text("宛名番号,氏名,住所\n1,試験 太郎,東京都西東京市泉町1-2-3\n", encoding="utf-8")
    result = runner.invoke(args=["import-address-points", str(good), str(bad)])
    assert result.exit_code == 1
    assert "looks like an export of registrants" in result.output
    assert db.scalar(select(func.count(AddressPoint.id))) == 0


def test_geocoding_places_people_at_their_house_and_keeps_manual_pins(
    runner: Any, db: Any, nishitokyo: dict[str, Any], factory: Factory
) -> None:
    house = person(factory, nishitokyo, f"{CITY}泉町一丁目２番地３号 コーポさくら101号室")
    block = person(factory, nishitokyo, f"{CITY}泉町１ー３ー９")
    unknown = person(factory, nishitokyo, f"{CITY}緑町1-1-1")
    pinned = person(factory, nishitokyo, f"{CITY}泉町1-2-3", latitude=35.7, longitude=139.5,
                    location_approximate=False, location_precision=LocationPrecision.MANUAL)
    version = house.version
    result = runner.invoke(args=["geocode"])
    assert result.exit_code == 0, result.output
    for r in (house, block, unknown, pinned):
        db.refresh(r)
    assert (house.latitude, house.longitude, house.location_precision) == (
        *HOUSE, LocationPrecision.HOUSE)
    assert not house.location_approximate and house.version == version + 1
    assert block.location_precision is LocationPrecision.BLOCK
    assert unknown.location_precision is LocationPrecision.DISTRICT and unknown.location_approximate
    assert (pinned.latitude, pinned.longitude, pinned.location_precision) == (
        35.7, 139.5, LocationPrecision.MANUAL)
    # The world's four people were pinned on the map too.
    assert "moved 2; manual pins kept 5" in result.output


def test_geocoding_recomputes_the_hazard_flags_of_people_who_moved(
    db: Any, nishitokyo: dict[str, Any], factory: Factory, tmp_path: Path
) -> None:
    house = person(factory, nishitokyo, f"{CITY}泉町1-2-3")
    layer = write(tmp_path, "f.geojson", geojson([({"A31a_205": 3}, square(HOUSE[1], HOUSE[0]))]))
    import_layer(db, layer, "flood", actor=None, crs="EPSG:6677")
    assert house.id not in flags(db), "the district's point is outside the flood area"
    summary = geocode_people(db)
    assert house.id in summary.moved
    assert flags(db)[house.id].flood_rank == 3


def test_only_approximate_leaves_people_at_a_block_or_house_alone(
    db: Any, nishitokyo: dict[str, Any], factory: Factory
) -> None:
    placed = person(factory, nishitokyo, f"{CITY}泉町1-2-3", latitude=35.0, longitude=139.0,
                    location_approximate=False, location_precision=LocationPrecision.BLOCK)
    waiting = person(factory, nishitokyo, f"{CITY}泉町1-2-5")
    geocode_people(db, only_approximate=True)
    assert (placed.latitude, placed.location_precision) == (35.0, LocationPrecision.BLOCK)
    db.refresh(waiting)
    assert waiting.location_precision is LocationPrecision.HOUSE


def _data(r: Registrant, **changes: Any) -> dict[str, Any]:
    data = {
        "resident_no": r.resident_no, "name": r.name, "name_kana": r.name_kana,
        "birth_date": r.birth_date, "sex": r.sex, "address": r.address, "reason_physical": True,
        "district_id": r.district_id, "latitude": None, "longitude": None,
        "household": r.household, "mobility": r.mobility, "care_level": r.care_level,
        "status": r.status, "source": r.source,
    }
    return {**data, **changes}


def test_an_edited_address_is_placed_again_and_a_pin_on_the_form_is_kept(
    db: Any, nishitokyo: dict[str, Any], factory: Factory
) -> None:
    staff = nishitokyo["users"]["staff"]
    r = person(factory, nishitokyo, f"{CITY}緑町1-1-1")
    update_registrant(db, r, _data(r, address=f"{CITY}泉町一丁目2-3"), r.version, staff, CITY)
    assert (r.latitude, r.longitude, r.location_precision) == (*HOUSE, LocationPrecision.HOUSE)
    update_registrant(db, r, _data(r, latitude=35.74, longitude=139.56), r.version, staff, CITY)
    assert (r.latitude, r.location_precision) == (35.74, LocationPrecision.MANUAL)


def test_an_import_places_new_people_at_their_address(
    runner: Any, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    points = tmp_path / "chome.csv"
    points.write_text("town,koaza,lat,lng\nテスト町A一丁目,,35.7301,139.5601\n", encoding="utf-8")
    assert runner.invoke(args=["import-address-points", str(points)]).exit_code == 0
    export = tmp_path / "export.csv"
    export.write_text(
        "宛名番号,氏名,氏名カナ,生年月日,性別,住所\n"
        "5550000001,試験 花子,シケン ハナコ,昭和15年3月2日,女,東京都テスト市テスト町A1-2-3\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-registrants", str(export)])
    assert result.exit_code == 0, result.output
    hanako = db.scalars(select(Registrant).where(Registrant.resident_no == "5550000001")).one()
    assert (hanako.latitude, hanako.location_precision) == (35.7301, LocationPrecision.CHOME)
    assert hanako.location_approximate


def test_the_person_page_the_register_filter_and_the_dashboard_show_the_precision(
    client: IsolatedClient, auth: AuthActions, db: Any, nishitokyo: dict[str, Any],
    factory: Factory,
) -> None:
    house = person(factory, nishitokyo, f"{CITY}泉町1-2-3")
    geocode_people(db)
    nishitokyo["users"]["staff"].locale = "en"
    db.flush()
    auth.login("t_staff")
    page = client.get(f"/registrants/{house.id}").get_data(as_text=True)
    assert "Location precision" in page and "House point (residence number)" in page
    listed = client.get("/registrants/?precision=house").get_data(as_text=True)
    assert house.name in listed and nishitokyo["consenting"].name not in listed
    dashboard = client.get("/dashboard/").get_data(as_text=True)
    assert "Where people are placed on the map" in dashboard


def test_the_points_page_refuses_a_file_of_another_kind_in_one_sentence(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    import io

    world["users"]["staff"].locale = "en"
    db.flush()
    auth.login("t_staff")
    upload = (io.BytesIO("NO,共通ID,施設・場所名,住所\n".encode()), "shelters.csv")
    response = client.post("/address-points/", data={"file": upload},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "looks like a shelter list, not address points" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(AddressPoint.id))) == 0


def test_birth_date_is_unchanged_by_geocoding(
    db: Any, nishitokyo: dict[str, Any], factory: Factory
) -> None:
    r = person(factory, nishitokyo, f"{CITY}泉町1-2-3")
    geocode_people(db)
    db.refresh(r)
    assert r.birth_date == date(1940, 4, 1) and r.address == f"{CITY}泉町1-2-3"


def test_two_uploads_of_the_same_addresses_at_once_answer_with_a_sentence_not_a_500(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from sqlalchemy.exc import IntegrityError

    from roster.geocoding import views

    def clash(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    monkeypatch.setattr(views, "import_address_points", clash)
    world["users"]["staff"].locale = "en"
    db.flush()
    auth.login("t_staff")
    upload = (io.BytesIO("town,koaza,lat,lng\nテスト町A一丁目,,35.72,139.55\n".encode()), "p.csv")
    response = client.post("/address-points/", data={"file": upload},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "loaded by someone else at the same time" in response.get_data(as_text=True)
