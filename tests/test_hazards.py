"""Hazard layers: import (command line and upload page), refusals that write nothing, each
person's hazard flags on known geometry, recomputation when layers or people change, and the
demo's synthetic layers."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from flask import Flask
from sqlalchemy import func, select

from geo.hazards import HazardInputError
from roster.extensions import db as database
from roster.hazards.assignment import recompute_all
from roster.hazards.demo import FLOOD_FILE, LANDSLIDE_FILE, load_demo_hazards
from roster.hazards.layers import import_layer
from roster.models import (
    AuditEvent,
    HazardArea,
    HazardKind,
    HazardLayer,
    Registrant,
    RegistrantHazard,
    RegistrantStatus,
    Shelter,
    ShelterAssignment,
)
from roster.registrants.operations import create_registrant, update_registrant

from .conftest import AuthActions, IsolatedClient
from .factories import Factory

#: The factory puts every registrant and district at this point.
LAT, LON = 35.72, 139.55


def square(lon: float, lat: float, half: float = 0.002) -> list[list[list[float]]]:
    """A square polygon's coordinates around a point, half-width in degrees."""
    return [[[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
             [lon - half, lat + half], [lon - half, lat - half]]]


def geojson(features: list[tuple[dict[str, Any], Any]], crs: str | None = None) -> bytes:
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props,
             "geometry": {"type": "Polygon", "coordinates": coords}}
            for props, coords in features
        ],
    }
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(collection).encode()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def hazard_layer_id(w: dict[str, Any]) -> int:
    """A small flood layer (made once per world) for the access matrix's delete URL."""
    if "hazard_layer" not in w:
        layer = HazardLayer(kind=HazardKind.FLOOD, name="テスト浸水", crs="EPSG:6677",
                            feature_count=1, synthetic=True)
        polygon = gpd.GeoSeries([shapely.Polygon(square(LON, LAT)[0])], crs="EPSG:4326")
        layer.areas = [HazardArea(depth_rank=2,
                                  geometry=shapely.to_wkb(polygon.to_crs("EPSG:6677").iloc[0]))]
        database.session.add(layer)
        database.session.flush()
        w["hazard_layer"] = layer.id
    return int(w["hazard_layer"])


def flags(db: Any) -> dict[int, RegistrantHazard]:
    return {row.registrant_id: row for row in db.scalars(select(RegistrantHazard))}


# --- import -----------------------------------------------------------------------------------


def test_a_flood_layer_is_stored_in_the_metric_crs_and_flags_the_people_inside(
    db: Any, world: dict[str, Any], factory: Factory, tmp_path: Path
) -> None:
    outside = factory.registrant(world["districts"][1], latitude=35.75, longitude=139.60)
    moved = factory.registrant(world["districts"][0], status=RegistrantStatus.MOVED_OUT)
    path = write(tmp_path, "flood.geojson", geojson([
        ({"A31a_205": 2}, square(LON, LAT, 0.004)),
        ({"A31a_205": 3}, square(LON, LAT, 0.001)),  # deeper, inside the first
    ]))
    layer = import_layer(db, path, "flood", actor=world["users"]["staff"], crs="EPSG:6677").layer
    assert (layer.kind, layer.crs, layer.feature_count, layer.synthetic) == (
        HazardKind.FLOOD, "EPSG:6677", 2, False)
    assert layer.name == "flood" and layer.source_file == "flood.geojson"
    stored = shapely.from_wkb(db.scalars(select(HazardArea.geometry)).first())
    # Metres in JGD2011 zone IX, not degrees.
    assert abs(stored.bounds[0]) > 1000 and abs(stored.bounds[1]) > 1000
    found = flags(db)
    inside = [world[k].id for k in ("consenting", "refusing", "unasked", "elsewhere")]
    assert set(found) == set(inside), "only active people inside an area get a row"
    assert {found[i].flood_rank for i in inside} == {3}, "the deepest rank at home"
    assert outside.id not in found and moved.id not in found
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "hazard.import")).one()
    assert json.loads(event.detail) == {"kind": "flood", "features": 2, "synthetic": False,
                                        "repaired": 0, "not_areas": 0, "parts_dropped": 0,
                                        "zones_given": 0}


def test_landslide_zones_special_beats_warning_and_phenomena_are_listed(
    db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path, "a33.geojson", geojson([
        ({"A33_001": 2, "A33_002": 1}, square(LON, LAT, 0.004)),
        ({"A33_001": "急傾斜地の崩壊", "A33_002": "2"}, square(LON, LAT, 0.001)),
    ]))
    import_layer(db, path, "landslide", actor=None, name="土砂", crs="EPSG:6677")
    row = flags(db)[world["consenting"].id]
    assert row.flood_rank is None
    assert row.landslide_zone == "special"
    assert row.landslide_phenomena == "steep_slope,debris_flow"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("points.geojson", json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"A31a_205": 1},
             "geometry": {"type": "Point", "coordinates": [LON, LAT]}}]}).encode(),
         "no polygon features"),
        ("tokyo.geojson", geojson([({"A31a_205": 1}, square(LON, LAT))],
                                  crs="urn:ogc:def:crs:EPSG::4301"), "Tokyo datum"),
        ("nodepth.geojson", geojson([({"depth": 1}, square(LON, LAT))]), "no flood depth"),
        ("broken.geojson", b"{not json", "cannot be read"),
    ],
)
def test_a_refused_file_writes_nothing_and_says_why(
    db: Any, world: dict[str, Any], tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    path = write(tmp_path, name, data)
    with pytest.raises(HazardInputError, match=message):
        import_layer(db, path, "flood", actor=None, crs="EPSG:6677")
    assert db.scalar(select(func.count(HazardLayer.id))) == 0
    assert db.scalar(select(func.count(HazardArea.id))) == 0
    assert not db.scalars(select(AuditEvent).where(AuditEvent.action == "hazard.import")).all()


def test_a_configured_depth_property_is_read(db: Any, world: dict[str, Any],
                                              tmp_path: Path) -> None:
    path = write(tmp_path, "own.geojson", geojson([({"shinsui": "４"}, square(LON, LAT))]))
    import_layer(db, path, "flood", actor=None, depth_property="shinsui", crs="EPSG:6677")
    assert flags(db)[world["consenting"].id].flood_rank == 4


def test_the_command_imports_with_progress_and_refuses_with_exit_1(
    runner: Any, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    good = write(tmp_path, "ls.geojson", geojson([({"A33_001": 1, "A33_002": 2},
                                                    square(LON, LAT))]))
    result = runner.invoke(args=["import-hazard", str(good), "--kind", "landslide",
                                 "--name", "急傾斜", "--synthetic"])
    assert result.exit_code == 0, result.output
    assert "1 areas (landslide)" in result.output
    layer = db.scalars(select(HazardLayer)).one()
    assert (layer.name, layer.synthetic) == ("急傾斜", True)
    assert flags(db)[world["consenting"].id].landslide_zone == "special"
    bad = write(tmp_path, "bad.geojson", geojson([({"x": 1}, square(LON, LAT))]))
    result = runner.invoke(args=["import-hazard", str(bad), "--kind", "flood"])
    assert result.exit_code == 1
    assert "no flood depth property" in result.output and "Nothing was written" in result.output
    assert db.scalar(select(func.count(HazardLayer.id))) == 1


def test_a_zipped_shapefile_with_shift_jis_attributes_is_read(
    db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    import zipfile

    frame = gpd.GeoDataFrame(
        {"A33_001": ["土石流"], "A33_002": ["土砂災害警戒区域"]},
        geometry=[shapely.Polygon(square(LON, LAT)[0])], crs="EPSG:6668",
    )
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "a33.shp", engine="pyogrio", encoding="cp932")
    for cpg in folder.glob("*.cpg"):
        cpg.unlink()  # as municipalities' files often come: no .cpg to say Shift_JIS
    archive = tmp_path / "a33.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    import_layer(db, archive, "landslide", actor=None, encoding="cp932", crs="EPSG:6677")
    row = flags(db)[world["consenting"].id]
    assert (row.landslide_zone, row.landslide_phenomena) == ("warning", "debris_flow")


# --- recomputation ----------------------------------------------------------------------------


def test_a_person_without_coordinates_stands_at_the_district_point(
    db: Any, world: dict[str, Any], factory: Factory, tmp_path: Path
) -> None:
    district = factory.district("テスト町C")
    district.latitude, district.longitude = 35.74, 139.58
    nowhere = factory.registrant(district, latitude=None, longitude=None,
                                 location_approximate=True)
    path = write(tmp_path, "f.geojson", geojson([({"A31a_205": 1}, square(139.58, 35.74))]))
    import_layer(db, path, "flood", actor=None, crs="EPSG:6677")
    assert flags(db)[nowhere.id].flood_rank == 1
    assert world["consenting"].id not in flags(db)


def test_deleting_a_layer_recomputes_everyone(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path, "f.geojson", geojson([({"A31a_205": 1}, square(LON, LAT))]))
    layer = import_layer(db, path, "flood", actor=None, crs="EPSG:6677").layer
    assert flags(db)
    auth.login("t_staff")
    response = client.post(f"/hazards/{layer.id}/delete")
    assert (response.status_code, response.headers["Location"]) == (302, "/hazards/")
    assert db.scalar(select(func.count(HazardLayer.id))) == 0
    assert db.scalar(select(func.count(HazardArea.id))) == 0
    assert not flags(db)
    assert client.post("/hazards/999999/delete").status_code == 404


def test_saving_a_person_refreshes_their_flags_and_assignments(
    app: Flask, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    db.add(Shelter(source_id="E-T1", name="テスト小学校", address="東京都テスト市1", latitude=LAT,
                   longitude=LON + 0.01, is_evacuation_shelter=True, source="test"))
    path = write(tmp_path, "f.geojson", geojson([({"A31a_205": 2}, square(139.60, 35.75))]))
    import_layer(db, path, "flood", actor=None, crs="EPSG:6677")
    staff = world["users"]["staff"]
    data = {
        "resident_no": "7700000001", "name": "移転 花子", "name_kana": "イテン ハナコ",
        "birth_date": date(1950, 1, 1), "sex": "female",
        "address": "東京都テスト市テスト町1-1", "reason_elderly_care": True,
        "district_id": world["districts"][0].id, "latitude": 35.75, "longitude": 139.60,
        "household": "alone", "mobility": "independent", "care_level": "none",
        "status": "active", "source": "self_applied",
    }
    person = create_registrant(db, dict(data), staff, "東京都テスト市")
    assert flags(db)[person.id].flood_rank == 2
    kept = db.scalars(select(ShelterAssignment).where(
        ShelterAssignment.registrant_id == person.id)).all()
    assert {a.hazard for a in kept} >= {"flood", "landslide", "earthquake"}
    assert all(a.shelter_id is not None for a in kept)
    update_registrant(db, person, {**data, "latitude": LAT, "longitude": LON},
                      person.version, staff, "東京都テスト市")
    assert person.id not in flags(db)
    update_registrant(db, person, {**data, "latitude": LAT, "longitude": LON,
                                   "status": "moved_out"}, person.version, staff, "東京都テスト市")
    assert not db.scalars(select(ShelterAssignment).where(
        ShelterAssignment.registrant_id == person.id)).all()


def test_recompute_all_drops_people_who_left(
    db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path, "f.geojson", geojson([({"A31a_205": 1}, square(LON, LAT))]))
    import_layer(db, path, "flood", actor=None, crs="EPSG:6677")
    world["refusing"].status = RegistrantStatus.DECEASED
    db.flush()
    summary = recompute_all(db, crs="EPSG:6677", actor=world["users"]["staff"])
    assert world["refusing"].id not in flags(db)
    assert summary.people == 3 and summary.flagged == 3
    assert not db.scalars(select(ShelterAssignment).where(
        ShelterAssignment.registrant_id == world["refusing"].id)).all()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "hazard.recompute")).one()
    assert json.loads(event.detail)["people"] == 3


# --- the page ---------------------------------------------------------------------------------


def test_staff_upload_a_layer_and_see_it_listed(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    data = {"kind": "flood", "name": "荒川浸水想定", "synthetic": "y",
            "file": (io.BytesIO(geojson([({"A31a_205": 5}, square(LON, LAT))])), "a31.geojson")}
    response = client.post("/hazards/", data=data)
    assert (response.status_code, response.headers["Location"]) == (302, "/hazards/")
    layer = db.scalars(select(HazardLayer)).one()
    assert (layer.name, layer.source_file, layer.synthetic) == ("荒川浸水想定", "a31.geojson", True)
    assert layer.imported_by_id == world["users"]["staff"].id
    html = client.get("/hazards/").get_data(as_text=True)
    assert "荒川浸水想定" in html and "a31.geojson" in html
    assert flags(db)[world["consenting"].id].flood_rank == 5


def test_a_refused_upload_answers_422_with_the_reason_and_saves_nothing(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    data = {"kind": "flood",
            "file": (io.BytesIO(geojson([({"foo": 1}, square(LON, LAT))])), "x.geojson")}
    response = client.post("/hazards/", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "x.geojson の浸水深ランクを読み取れません。A31a_205 も A31_205 もありません。" in html
    assert "「浸水深の属性名」" in html and "foo (1)" in html
    assert db.scalar(select(func.count(HazardLayer.id))) == 0
    data = {"kind": "flood", "file": (io.BytesIO(b"x"), "x.csv")}
    assert client.post("/hazards/", data=data).status_code == 422


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_layers_are_synthetic_and_flag_and_assign_people(
    db: Any, world: dict[str, Any], factory: Factory
) -> None:
    flood = gpd.read_file(FLOOD_FILE)
    inside = flood.geometry.iloc[0].representative_point()
    person = factory.registrant(world["districts"][0], latitude=inside.y, longitude=inside.x)
    db.add(Shelter(source_id="E-T2", name="テスト中学校", address="東京都テスト市2", latitude=LAT,
                   longitude=LON, is_evacuation_shelter=True, source="test"))
    db.flush()
    summary = load_demo_hazards(db, crs="EPSG:6677")
    layers = db.scalars(select(HazardLayer).order_by(HazardLayer.kind)).all()
    assert [(layer.kind.value, layer.synthetic) for layer in layers] == [
        ("flood", True), ("landslide", True)]
    assert layers[0].feature_count == len(flood)
    assert layers[1].feature_count == len(gpd.read_file(LANDSLIDE_FILE))
    assert flags(db)[person.id].flood_rank == int(flood["A31a_205"].iloc[0])
    active = db.scalar(select(func.count(Registrant.id)).where(
        Registrant.status == RegistrantStatus.ACTIVE))
    assert summary.people == active
    for hazard in ("flood", "landslide", "earthquake"):
        assert sum(summary.hazards[hazard].values()) == active
        count = db.scalar(select(func.count()).select_from(ShelterAssignment).where(
            ShelterAssignment.hazard == hazard))
        assert count == active



# --- prefectures' own landslide files -------------------------------------------------------


def tokyo_landslide() -> bytes:
    """Tokyo's 土砂災害警戒区域 as published: kubun and genshoname, written out; a 特別警戒区域
    over the factory's people inside the 警戒区域 around it, and one zone elsewhere."""
    return geojson([
        ({"kubun": "警戒区域", "genshoname": "急傾斜地の崩壊", "kasyo_no": "A-1"},
         square(LON, LAT, 0.004)),
        ({"kubun": "特別警戒区域", "genshoname": "急傾斜地の崩壊", "kasyo_no": "A-1"},
         square(LON, LAT, 0.001)),
        ({"kubun": "警戒区域", "genshoname": "土石流", "kasyo_no": "B-7"},
         square(LON + 0.05, LAT, 0.001)),
    ])


def test_a_tokyo_landslide_file_keeps_its_zones_and_flags_the_person_special(
    db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path, "dosha.geojson", tokyo_landslide())
    imported = import_layer(db, path, "landslide", actor=None, crs="EPSG:6677")
    stored = db.execute(select(HazardArea.zone, HazardArea.phenomenon)
                        .order_by(HazardArea.id)).all()
    assert [tuple(row) for row in stored] == [
        ("warning", "steep_slope"), ("special", "steep_slope"), ("warning", "debris_flow")]
    assert imported.report.zones == {"warning": 2, "special": 1}
    row = flags(db)[world["consenting"].id]
    assert (row.landslide_zone, row.landslide_phenomena) == ("special", "steep_slope")


def unknown_zone_file(tmp_path: Path) -> Path:
    return write(tmp_path, "ku.geojson", geojson([({"kbn_cd": "R", "name": "大沢"},
                                                   square(LON, LAT))]))


def test_the_command_refuses_a_landslide_file_whose_zone_it_cannot_read_naming_its_properties(
    runner: Any, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    result = runner.invoke(args=["import-hazard", str(unknown_zone_file(tmp_path)),
                                 "--kind", "landslide"])
    assert result.exit_code == 1
    assert "kbn_cd (R), name (大沢)" in result.output and "--zone-property" in result.output
    assert "Nothing was written" in result.output
    assert db.scalar(select(func.count(HazardLayer.id))) == 0


def test_the_command_reads_a_named_zone_property_with_its_values_and_reports_the_counts(
    runner: Any, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    result = runner.invoke(args=["import-hazard", str(unknown_zone_file(tmp_path)),
                                 "--kind", "landslide", "--zone-property", "kbn_cd",
                                 "--zone-value", "R=special", "--zone-value", "Y=warning"])
    assert result.exit_code == 0, result.output
    special = "Landslide special warning zone (土砂災害特別警戒区域)"
    assert f"Areas by zone: {special} 1." in result.output
    assert "Areas by phenomenon: not given 1." in result.output
    assert flags(db)[world["consenting"].id].landslide_zone == "special"


def test_the_command_accepts_a_zone_staff_give_explicitly(
    runner: Any, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    result = runner.invoke(args=["import-hazard", str(unknown_zone_file(tmp_path)),
                                 "--kind", "landslide", "--zone", "warning"])
    assert result.exit_code == 0, result.output
    assert "1 areas have the zone chosen at import." in result.output
    assert flags(db)[world["consenting"].id].landslide_zone == "warning"
    assert db.scalars(select(HazardArea.zone)).all() == ["warning"]


def test_the_command_refuses_landslide_options_for_a_flood_layer(
    runner: Any, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path, "f.geojson", geojson([({"A31a_205": 1}, square(LON, LAT))]))
    result = runner.invoke(args=["import-hazard", str(path), "--kind", "flood",
                                 "--zone", "warning", "--zone-value", "R=special"])
    assert result.exit_code == 2
    assert "--zone, --zone-value: only for --kind landslide." in result.output
    assert db.scalar(select(func.count(HazardLayer.id))) == 0


def rings(*outlines: list[tuple[float, float]]) -> bytes:
    """Polygons around the factory's point exactly as given (unclosed rings stay so), in
    units of 0.001°."""
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kubun": "警戒区域"},
         "geometry": {"type": "Polygon", "coordinates": [
             [[LON + x / 1000, LAT + y / 1000] for x, y in outline]]}}
        for outline in outlines
    ]}).encode()


SQUARE = [(-2, -2), (2, -2), (2, 2), (-2, 2), (-2, -2)]
UNCLOSED = [(-2, -2), (2, -2), (2, 2), (-2, 2)]
BOW_TIE = [(5, 0), (6, 1), (6, 0), (5, 1), (5, 0)]


def test_the_command_repairs_an_unclosed_ring_and_a_bow_tie_and_counts_them(
    runner: Any, db: Any, world: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path, "rings.geojson", rings(SQUARE, UNCLOSED, BOW_TIE))
    result = runner.invoke(args=["import-hazard", str(path), "--kind", "landslide"])
    assert result.exit_code == 0, result.output
    assert "2 areas repaired (features 2, 3)." in result.output
    assert flags(db)[world["consenting"].id].landslide_zone == "warning"


# --- the page speaks Japanese -----------------------------------------------------------------


def upload(client: IsolatedClient, data: bytes, **fields: str) -> Any:
    return client.post("/hazards/", data={
        "kind": "landslide", **fields, "file": (io.BytesIO(data), "dosha.geojson")})


def test_the_page_refuses_unknown_properties_in_japanese_naming_them(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    response = upload(client, geojson([({"kbn_cd": "R"}, square(LON, LAT))]))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "特別警戒区域か警戒区域かを読み取れません" in html and "kbn_cd (R)" in html
    assert "「ファイルに区分がない区域の区分」" in html
    assert db.scalar(select(func.count(HazardLayer.id))) == 0
    response = upload(client, geojson([({"kbn_cd": "R"}, square(LON, LAT))]),
                      zone_property="kbn_cd")
    html = response.get_data(as_text=True)
    assert "区分が特別警戒区域でも警戒区域でもありません（値の例：R）" in html


def test_the_page_offers_no_zone_by_default_and_reports_what_it_read(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    page = client.get("/hazards/").get_data(as_text=True)
    assert '<option selected value="">指定しない' in page
    response = upload(client, tokyo_landslide())
    assert response.status_code == 302
    html = client.get("/hazards/").get_data(as_text=True)
    assert "区分別の区域数：土砂災害警戒区域 2, 土砂災害特別警戒区域 1。" in html
    assert "現象の種類別の区域数：急傾斜地の崩壊 2, 土石流 1。" in html
    assert flags(db)[world["consenting"].id].landslide_zone == "special"


def test_the_page_takes_a_value_map_and_an_explicit_zone(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    data = geojson([({"kbn_cd": "R", "gen": "K"}, square(LON, LAT, 0.001)),
                    ({"kbn_cd": None, "gen": "K"}, square(LON, LAT, 0.004))])
    response = upload(client, data, zone_property="kbn_cd", zone_values="R=特別警戒区域\r\n\r\n",
                      phenomenon_property="gen", phenomenon_values="K=急傾斜地の崩壊",
                      zone="warning")
    assert response.status_code == 302, response.get_data(as_text=True)
    zones = db.execute(select(HazardArea.zone, HazardArea.phenomenon).order_by(HazardArea.id))
    assert [tuple(row) for row in zones] == [("special", "steep_slope"),
                                             ("warning", "steep_slope")]
    assert "1 区域は、取込時に選んだ区分です。" in client.get("/hazards/").get_data(as_text=True)


def test_the_page_refuses_an_unrepairable_area_by_its_number_in_japanese(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    flat = [(0, 5), (1, 6), (2, 7), (0, 5)]
    response = upload(client, rings(SQUARE, UNCLOSED, flat))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "dosha.geojson の 3 番目の地物は正しい区域ではなく（" in html
    assert "（輪郭が自己交差しています（位置 139.55" in html
    assert db.scalar(select(func.count(HazardLayer.id))) == 0


def test_the_page_refuses_landslide_fields_for_a_flood_layer(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    response = upload(client, geojson([({"A31a_205": 1}, square(LON, LAT))]), kind="flood",
                      zone="special")
    assert response.status_code == 422
    assert "土砂災害警戒区域の場合のみ指定できます。" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(HazardLayer.id))) == 0


def test_every_refusal_has_a_sentence_for_the_page_with_the_same_parameters() -> None:
    import re

    from geo.hazard_errors import MESSAGES
    from roster.hazards.messages import REFUSALS

    def parameters(text: str) -> set[str]:
        return set(re.findall(r"%\((\w+)\)s", text))

    assert set(REFUSALS) == set(MESSAGES)
    for code, english in MESSAGES.items():
        assert parameters(REFUSALS[code]._args[0]) == parameters(english), code
