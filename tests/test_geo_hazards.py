"""geo.hazards: hazard layers from GeoJSON, Shapefile (cp932 attributes) and GeoPackage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from geo.hazards import (
    LAYER_COLUMNS,
    Attributes,
    HazardInputError,
    is_tokyo_datum,
    read_hazard_file,
    read_hazard_layer,
)
from geo.make_synthetic_hazards import FLOOD_FILE, LANDSLIDE_FILE, main

# Squares in JGD2011 zone IX (metres), around 西東京市.
X0, Y0 = -22000.0, -28000.0


def square(i: int, size: float = 100.0) -> Polygon:
    return box(X0 + 200 * i, Y0, X0 + 200 * i + size, Y0 + size)


def write(
    tmp_path: Path, name: str, rows: list[dict[str, Any]], crs: str | None = "EPSG:6677",
    **options: Any,
) -> Path:
    """A layer file from rows of properties with a 'geometry'."""
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    path = tmp_path / name
    pyogrio.write_dataframe(gdf, path, **options)
    return path


def geojson(tmp_path: Path, features: list[tuple[dict[str, Any], Any]]) -> Path:
    """A plain RFC 7946 GeoJSON (WGS84) from (properties, geometry in EPSG:6677)."""
    geometry = gpd.GeoSeries([g for _, g in features], crs="EPSG:6677").to_crs("EPSG:4326")
    path = tmp_path / "layer.geojson"
    path.write_text(json.dumps({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(g)}
            for (props, _), g in zip(features, geometry, strict=True)
        ],
    }, ensure_ascii=False), encoding="utf-8")
    return path


def test_flood_geojson_is_reprojected_with_ranks(tmp_path: Path) -> None:
    path = geojson(tmp_path, [({"A31a_205": 2}, square(0)), ({"A31a_205": "4"}, square(1)),
                              ({"A31a_205": None}, square(2))])
    layer = read_hazard_layer(path, "flood")
    assert list(layer.columns) == list(LAYER_COLUMNS)
    assert layer.crs.to_epsg() == 6677
    assert layer["depth_rank"].tolist()[:2] == [2, 4] and layer["depth_rank"].isna().iloc[2]
    assert str(layer["depth_rank"].dtype) == "Int64"
    assert set(layer["kind"]) == {"flood"} and set(layer["source_name"]) == {"layer"}
    assert layer["phenomenon"].tolist() == [None] * 3 and layer["zone"].tolist() == [None] * 3
    assert layer.area.round().tolist() == [10000.0] * 3  # back in metres
    assert layer.geometry.iloc[0].centroid.distance(square(0).centroid) < 0.01


def test_other_depth_properties(tmp_path: Path) -> None:
    old = geojson(tmp_path, [({"A31_205": 3}, square(0))])
    assert read_hazard_layer(old, "flood")["depth_rank"].tolist() == [3]
    custom = write(tmp_path, "custom.gpkg", [{"rank": 5, "A31a_205": 1, "geometry": square(0)}])
    layer = read_hazard_layer(custom, "flood", depth_property="rank", name="河川A")
    assert layer["depth_rank"].tolist() == [5] and layer["source_name"].tolist() == ["河川A"]


def test_a_flood_layer_without_depth_is_refused(tmp_path: Path) -> None:
    path = geojson(tmp_path, [({"name": "a"}, square(0))])
    with pytest.raises(HazardInputError, match="no flood depth property.*A31a_205"):
        read_hazard_layer(path, "flood")
    with pytest.raises(HazardInputError, match="no property depth"):
        read_hazard_layer(path, "flood", depth_property="depth")
    assert len(read_hazard_layer(path, "other")) == 1


def test_landslide_codes(tmp_path: Path) -> None:
    path = write(tmp_path, "a33.gpkg", [
        {"A33_001": 1, "A33_002": 1, "geometry": square(0)},
        {"A33_001": 2, "A33_002": 2, "geometry": square(1)},
        {"A33_001": 3, "A33_002": 1, "geometry": square(2)},
        {"A33_001": None, "A33_002": "２", "geometry": square(3)},
    ])
    layer = read_hazard_layer(path, "landslide")
    assert layer["phenomenon"].tolist() == ["steep_slope", "debris_flow", "landslide", None]
    assert layer["zone"].tolist() == ["warning", "special", "warning", "special"]
    assert layer["depth_rank"].isna().all() and set(layer["kind"]) == {"landslide"}


def test_an_a33_code_with_no_meaning_is_refused_with_the_values_seen(tmp_path: Path) -> None:
    path = write(tmp_path, "a33.gpkg", [
        {"A33_001": 9, "A33_002": 1, "geometry": square(0)},
        {"A33_001": 1, "A33_002": 3, "geometry": square(1)},
    ])
    with pytest.raises(HazardInputError, match=r"1 areas .* in A33_002 .*values seen: 3\)"):
        read_hazard_layer(path, "landslide")
    fixed = Attributes(zone_values=["3=special"])
    with pytest.raises(HazardInputError, match=r"phenomenon in A33_001 .*values seen: 9\)"):
        read_hazard_layer(path, "landslide", attributes=fixed)


def test_a_landslide_layer_whose_zone_cannot_be_read_is_refused_naming_its_properties(
    tmp_path: Path,
) -> None:
    path = geojson(tmp_path, [({"名称": "崖", "kbn": "R"}, square(0)),
                              ({"名称": "沢", "kbn": "Y"}, square(1))])
    with pytest.raises(HazardInputError) as refused:
        read_hazard_layer(path, "landslide")
    assert refused.value.code == "no_zone_property"
    assert "名称 (崖, 沢), kbn (R, Y)" in str(refused.value)
    assert "--zone-property" in str(refused.value) and "--zone warning" in str(refused.value)


def test_staff_may_say_every_area_is_a_warning_zone(tmp_path: Path) -> None:
    path = geojson(tmp_path, [({"名称": "崖"}, square(0)), ({"名称": "沢"}, square(1))])
    read = read_hazard_file(path, "landslide", attributes=Attributes(zone="warning"))
    assert read.frame["zone"].tolist() == ["warning", "warning"]
    assert read.frame["phenomenon"].tolist() == [None, None]
    assert (read.report.zones_given, read.report.zones) == (2, {"warning": 2})
    assert read.report.phenomena == {"unknown": 2}


def test_a_named_zone_property_and_a_value_map_are_read(tmp_path: Path) -> None:
    path = geojson(tmp_path, [({"kbn": "R", "gen": "K"}, square(0)),
                              ({"kbn": "Y", "gen": "D"}, square(1))])
    attributes = Attributes(
        zone_property="KBN", phenomenon_property="gen",
        zone_values=["R=special", "Y = 土砂災害警戒区域"],
        phenomenon_values=["K=急傾斜地の崩壊", "D=2"],
    )
    read = read_hazard_file(path, "landslide", attributes=attributes)
    assert read.frame["zone"].tolist() == ["special", "warning"]
    assert read.frame["phenomenon"].tolist() == ["steep_slope", "debris_flow"]
    assert read.report.properties == {"zone": "kbn", "phenomenon": "gen"}
    with pytest.raises(HazardInputError, match=r"no property kubun2 \(its properties: kbn, gen"):
        read_hazard_layer(path, "landslide", attributes=Attributes(zone_property="kubun2"))
    with pytest.raises(HazardInputError, match=r"values seen: R, Y\)"):
        read_hazard_layer(path, "landslide", attributes=Attributes(zone_property="kbn"))


@pytest.mark.parametrize("entry", ["R", "R=red", "=special", "R=3"])
def test_a_value_map_entry_without_a_known_meaning_is_refused(tmp_path: Path, entry: str) -> None:
    path = geojson(tmp_path, [({"kubun": "R"}, square(0))])
    with pytest.raises(HazardInputError, match="not a value and its meaning"):
        read_hazard_layer(path, "landslide", attributes=Attributes(zone_values=[entry]))


def test_areas_without_a_zone_are_refused_unless_staff_say_which(tmp_path: Path) -> None:
    path = geojson(tmp_path, [({"kubun": "特別警戒区域"}, square(0)), ({"kubun": ""}, square(1)),
                              ({"kubun": None}, square(2))])
    with pytest.raises(HazardInputError, match="2 areas of layer.geojson have no zone in kubun"):
        read_hazard_layer(path, "landslide")
    read = read_hazard_file(path, "landslide", attributes=Attributes(zone="warning"))
    assert read.frame["zone"].tolist() == ["special", "warning", "warning"]
    assert read.report.zones_given == 2


def tokyo_landslide(tmp_path: Path) -> Path:
    """A Tokyo-style 土砂災害警戒区域 file: its own kubun and genshoname, written out."""
    return geojson(tmp_path, [
        ({"kubun": "警戒区域", "genshoname": "急傾斜地の崩壊", "kasyo": "1"}, square(0)),
        ({"kubun": "特別警戒区域", "genshoname": "急傾斜地の崩壊", "kasyo": "1"}, square(0, 50)),
        ({"kubun": "土砂災害警戒区域", "genshoname": "土石流", "kasyo": "2"}, square(1)),
        ({"kubun": "土砂災害特別警戒区域", "genshoname": "地滑り", "kasyo": "3"}, square(2)),
        ({"kubun": "警戒区域", "genshoname": "地すべり", "kasyo": "4"}, square(3)),
    ])


def test_a_tokyo_landslide_file_keeps_its_zones_and_phenomena(tmp_path: Path) -> None:
    read = read_hazard_file(tokyo_landslide(tmp_path), "landslide")
    assert read.frame["zone"].tolist() == ["warning", "special", "warning", "special", "warning"]
    assert read.frame["phenomenon"].tolist() == [
        "steep_slope", "steep_slope", "debris_flow", "landslide", "landslide"]
    assert read.report.zones == {"warning": 3, "special": 2}
    assert read.report.phenomena == {"steep_slope": 2, "debris_flow": 1, "landslide": 2}
    assert read.report.properties == {"zone": "kubun", "phenomenon": "genshoname"}
    assert (read.report.areas, read.report.repaired, read.report.zones_given) == (5, [], 0)


def test_japanese_headings_and_a33_codes_are_read(tmp_path: Path) -> None:
    path = geojson(tmp_path, [({"区分": 2, "現象名": "土石流"}, square(0)),
                              ({"区分": "1", "現象名": "がけ崩れ"}, square(1))])
    layer = read_hazard_layer(path, "landslide")
    assert layer["zone"].tolist() == ["special", "warning"]
    assert layer["phenomenon"].tolist() == ["debris_flow", "steep_slope"]


def test_a_flood_depth_that_is_not_a_rank_is_refused_and_ranks_are_counted(
    tmp_path: Path,
) -> None:
    path = geojson(tmp_path, [({"A31a_205": 2}, square(0)), ({"A31a_205": "3m以上"}, square(1)),
                              ({"A31a_205": None}, square(2))])
    with pytest.raises(HazardInputError, match=r"1 areas .* in A31a_205 .*values seen: 3m以上"):
        read_hazard_layer(path, "flood")
    path = geojson(tmp_path, [({"A31a_205": 2}, square(0)), ({"A31a_205": 2}, square(1)),
                              ({"A31a_205": None}, square(2))])
    assert read_hazard_file(path, "flood").report.depth_ranks == {"2": 2, "unknown": 1}


def cp932_shapefile(tmp_path: Path) -> Path:
    """A Shapefile with Japanese field names and values in cp932 and no .cpg to say so."""
    path = write(tmp_path, "dosha.shp", [
        {"区域": "土砂災害特別警戒区域", "現象": "急傾斜地", "ランク": 2, "geometry": square(0)},
        {"区域": "土砂災害警戒区域", "現象": "土石流", "ランク": 1, "geometry": square(1)},
    ], encoding="cp932")
    path.with_suffix(".cpg").unlink()
    return path


def test_shapefile_with_cp932_attributes_is_detected(tmp_path: Path) -> None:
    path = cp932_shapefile(tmp_path)
    # As GDAL reads it on its own: mojibake.
    assert "ランク" not in pyogrio.read_dataframe(path).columns
    layer = read_hazard_layer(path, "flood", depth_property="ランク")
    assert layer["depth_rank"].tolist() == [2, 1]


def test_shapefile_encoding_given(tmp_path: Path) -> None:
    path = cp932_shapefile(tmp_path)
    layer = read_hazard_layer(path, "landslide", encoding="cp932")
    assert layer["source_name"].tolist() == ["dosha", "dosha"]
    # 区域 and 現象 are recognised headings; their values are read as written out.
    assert layer["zone"].tolist() == ["special", "warning"]
    assert layer["phenomenon"].tolist() == ["steep_slope", "debris_flow"]


def test_a33_written_in_words(tmp_path: Path) -> None:
    path = write(tmp_path, "words.shp", [
        {"A33_001": "急傾斜地の崩壊", "A33_002": "土砂災害特別警戒区域", "geometry": square(0)},
        {"A33_001": "地すべり", "A33_002": "土砂災害警戒区域", "geometry": square(1)},
    ], encoding="cp932")
    path.with_suffix(".cpg").unlink()
    layer = read_hazard_layer(path, "landslide")
    assert layer["phenomenon"].tolist() == ["steep_slope", "landslide"]
    assert layer["zone"].tolist() == ["special", "warning"]


def test_utf8_shapefile_without_cpg(tmp_path: Path) -> None:
    path = write(tmp_path, "utf8.shp", [{"深さ": 3, "geometry": square(0)}], encoding="UTF-8")
    path.with_suffix(".cpg").unlink()
    assert read_hazard_layer(path, "flood", depth_property="深さ")["depth_rank"].tolist() == [3]


def test_geopackage_in_another_crs(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"A31a_205": [1]}, geometry=[square(0)], crs="EPSG:6677")
    path = tmp_path / "flood.gpkg"
    gdf.to_crs("EPSG:6668").to_file(path, engine="pyogrio")  # JGD2011 geographic
    layer = read_hazard_layer(path, "flood")
    assert layer.crs.to_epsg() == 6677
    assert abs(layer.area.iloc[0] - 10000.0) < 1.0
    assert read_hazard_layer(path, "flood", crs="EPSG:4326").crs.to_epsg() == 4326


def test_invalid_polygons_are_repaired_and_other_shapes_dropped(tmp_path: Path) -> None:
    bow_tie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    assert not bow_tie.is_valid
    path = write(tmp_path, "mixed.gpkg", [
        {"A31a_205": 2, "geometry": bow_tie},
        {"A31a_205": 3, "geometry": Point(X0, Y0)},
        {"A31a_205": 4, "geometry": square(1)},
    ])
    read = read_hazard_file(path, "flood")
    layer = read.frame
    assert (read.report.repaired, read.report.not_areas) == ([1], 1)
    assert layer["depth_rank"].tolist() == [2, 4]
    assert layer.is_valid.all()
    assert set(layer.geom_type) <= {"Polygon", "MultiPolygon"}
    assert abs(layer.area.iloc[0] - 5000.0) < 1.0  # the two triangles of the bow tie


def raw_geojson(tmp_path: Path, rings: list[list[tuple[float, float]]]) -> Path:
    """A WGS84 GeoJSON of polygons written as given: unclosed rings stay unclosed."""
    lon, lat = 139.55, 35.72
    features = [
        {"type": "Feature", "properties": {"kubun": "警戒区域"},
         "geometry": {"type": "Polygon",
                      "coordinates": [[[lon + x / 1000, lat + y / 1000] for x, y in ring]]}}
        for ring in rings
    ]
    path = tmp_path / "rings.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


SQUARE = [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
UNCLOSED = [(2, 0), (3, 0), (3, 1), (2, 1)]
BOW_TIE = [(4, 0), (5, 1), (5, 0), (4, 1), (4, 0)]


def test_an_unclosed_ring_and_a_bow_tie_are_repaired_and_counted(tmp_path: Path) -> None:
    read = read_hazard_file(raw_geojson(tmp_path, [SQUARE, UNCLOSED, BOW_TIE]), "landslide")
    assert (read.report.areas, read.report.repaired) == (3, [2, 3])
    assert read.frame.is_valid.all()
    square_area = read.frame.area.iloc[0]
    assert abs(read.frame.area.iloc[1] - square_area) < 1.0  # closed as drawn
    assert abs(read.frame.area.iloc[2] - square_area / 2) < 1.0  # the bow tie's two triangles
    assert read.report.as_detail()["repaired"] == 2


def test_an_area_that_cannot_be_repaired_is_refused_by_its_number(tmp_path: Path) -> None:
    flat = [(0, 2), (1, 3), (2, 4), (0, 2)]  # a ring with no area: repaired, only a line
    with pytest.raises(HazardInputError) as refused:
        read_hazard_layer(raw_geojson(tmp_path, [SQUARE, BOW_TIE, flat]), "landslide")
    assert refused.value.code == "unrepairable"
    assert refused.value.params["feature"] == "3"
    assert str(refused.value).startswith("feature 3 of rings.geojson is not a valid area (")
    assert "Self-intersection" in refused.value.params["reason"]


def test_an_unclosed_ring_too_short_to_close_is_refused_by_its_number(tmp_path: Path) -> None:
    with pytest.raises(HazardInputError) as refused:
        read_hazard_layer(raw_geojson(tmp_path, [SQUARE, SQUARE, [(0, 0), (1, 0)]]), "landslide")
    assert refused.value.params["feature"] == "3"
    assert "GEOS" not in str(refused.value).split(":")[0]


@pytest.mark.parametrize(
    ("name", "crs"),
    [("tokyo.gpkg", "EPSG:4301"), ("tokyo.shp", "EPSG:4301"), ("tokyo9.gpkg", "EPSG:30169")],
)
def test_tokyo_datum_is_refused(tmp_path: Path, name: str, crs: str) -> None:
    gdf = gpd.GeoDataFrame({"A31a_205": [1]}, geometry=[square(0)], crs="EPSG:6677")
    path = tmp_path / name
    # Same numbers relabelled: what a legacy file holds is beside the point; its datum is not.
    gdf.to_crs("EPSG:4326").set_crs(crs, allow_override=True).to_file(path, engine="pyogrio")
    with pytest.raises(HazardInputError, match="old Tokyo datum"):
        read_hazard_layer(path, "flood")


def test_tokyo_datum_detection() -> None:
    assert is_tokyo_datum("EPSG:4301") and is_tokyo_datum("EPSG:30169")
    assert not is_tokyo_datum("EPSG:6668") and not is_tokyo_datum("EPSG:6677")
    assert not is_tokyo_datum("EPSG:4326") and not is_tokyo_datum("EPSG:2451")  # JGD2000 IX


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_no_crs_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "nocrs.shp", [{"A31a_205": 1, "geometry": square(0)}], crs=None)
    assert not path.with_suffix(".prj").exists()
    with pytest.raises(HazardInputError, match="no coordinate reference system"):
        read_hazard_layer(path, "flood")


def test_no_polygons_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "points.gpkg", [{"A31a_205": 1, "geometry": Point(X0, Y0)}])
    with pytest.raises(HazardInputError, match="no polygon features"):
        read_hazard_layer(path, "flood")


def test_unreadable_and_unknown_kind(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(HazardInputError, match="cannot be read"):
        read_hazard_layer(path, "flood")
    with pytest.raises(HazardInputError, match="unknown hazard kind"):
        read_hazard_layer(path, "tsunami")


# --- the synthetic demo layers ----------------------------------------------------------------


def test_synthetic_layers_read_and_say_they_are_synthetic() -> None:
    flood = read_hazard_layer(FLOOD_FILE, "flood")
    assert sorted(set(flood["depth_rank"].tolist())) == [1, 2, 3, 4]
    landslide = read_hazard_layer(LANDSLIDE_FILE, "landslide")
    assert set(landslide["zone"]) == {"warning", "special"}
    assert {"steep_slope", "debris_flow"} <= set(landslide["phenomenon"])
    for path in (FLOOD_FILE, LANDSLIDE_FILE):
        raw = pyogrio.read_dataframe(path)
        assert raw.crs.to_epsg() == 4326
        assert raw["synthetic"].all() and set(raw["source"]) == {"synthetic (demo)"}
    # Every special zone lies inside a warning zone, as in real A33 data.
    warning = landslide[landslide["zone"] == "warning"].union_all()
    assert landslide[landslide["zone"] == "special"].within(warning).all()


def test_synthetic_layers_are_regenerated_identically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import geo.make_synthetic_hazards as make

    monkeypatch.setattr(make, "FLOOD_FILE", tmp_path / FLOOD_FILE.name)
    monkeypatch.setattr(make, "LANDSLIDE_FILE", tmp_path / LANDSLIDE_FILE.name)
    main()
    assert (tmp_path / FLOOD_FILE.name).read_bytes() == FLOOD_FILE.read_bytes()
    assert (tmp_path / LANDSLIDE_FILE.name).read_bytes() == LANDSLIDE_FILE.read_bytes()
