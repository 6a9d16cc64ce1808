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

from geo.hazards import LAYER_COLUMNS, HazardInputError, is_tokyo_datum, read_hazard_layer
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
    with pytest.raises(HazardInputError, match="no property 'depth'"):
        read_hazard_layer(path, "flood", depth_property="depth")
    assert len(read_hazard_layer(path, "other")) == 1


def test_landslide_codes(tmp_path: Path) -> None:
    path = write(tmp_path, "a33.gpkg", [
        {"A33_001": 1, "A33_002": 1, "geometry": square(0)},
        {"A33_001": 2, "A33_002": 2, "geometry": square(1)},
        {"A33_001": 3, "A33_002": 1, "geometry": square(2)},
        {"A33_001": 9, "A33_002": None, "geometry": square(3)},
    ])
    layer = read_hazard_layer(path, "landslide")
    assert layer["phenomenon"].tolist() == ["steep_slope", "debris_flow", "landslide", None]
    assert layer["zone"].tolist() == ["warning", "special", "warning", None]
    assert layer["depth_rank"].isna().all() and set(layer["kind"]) == {"landslide"}


def test_landslide_layer_without_a33_has_unknown_codes(tmp_path: Path) -> None:
    path = geojson(tmp_path, [({"名称": "崖"}, square(0))])
    layer = read_hazard_layer(path, "landslide")
    assert layer["phenomenon"].tolist() == [None] and layer["zone"].tolist() == [None]


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
    # Without A33 columns the codes stay unknown; the text columns are not guessed from.
    assert layer["zone"].tolist() == [None, None]


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
    layer = read_hazard_layer(path, "flood")
    assert layer["depth_rank"].tolist() == [2, 4]
    assert layer.is_valid.all()
    assert set(layer.geom_type) <= {"Polygon", "MultiPolygon"}
    assert abs(layer.area.iloc[0] - 5000.0) < 1.0  # the two triangles of the bow tie


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
