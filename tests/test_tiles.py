"""Maps with no internet: the default base map, a municipality's own tile file served by the
app at /tiles/<z>/<x>/<y> (MBTiles and PMTiles), 地理院タイル as an option, a metric scale."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from roster.config import PROJECT_DIR, ConfigError, map_settings, map_tiles
from roster.maps.build import GSI_TILES, tiles_from_config
from roster.maps.tiles import image_type, tile_file

from .conftest import AuthActions, IsolatedClient
from .tilefiles import area_tiles, colour_of, every_tile, png, write_mbtiles, write_pmtiles

ATTRIBUTION = "西東京市 基盤地図 <2026>"


@pytest.fixture()
def mbtiles(tmp_path: Path) -> Path:
    tiles = every_tile(range(0, 4))
    tiles[(3, 0, 0)] = b"\x1a\x8f\x02vector tile, not an image"
    return write_mbtiles(
        tmp_path / "base.mbtiles",
        tiles,
        {"name": "test", "format": "png", "minzoom": "0", "maxzoom": "3",
         "bounds": "139.50,35.70,139.60,35.76", "attribution": ATTRIBUTION},
    )


@pytest.fixture()
def pmtiles(tmp_path: Path) -> Path:
    return write_pmtiles(tmp_path / "base.pmtiles", every_tile(range(0, 3)), ATTRIBUTION)


@pytest.fixture()
def serving(app: Flask, monkeypatch: pytest.MonkeyPatch, mbtiles: Path) -> Path:
    monkeypatch.setitem(app.config, "MAP_TILES", str(mbtiles))
    monkeypatch.setitem(app.config, "MAP_TILES_ATTRIBUTION", "")
    return mbtiles


def rgb_of(data: bytes) -> tuple[int, int, int]:
    """The colour of a one-pixel PNG made by tilefiles.png."""
    import zlib

    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8 : start - 4], "big")
    raw = zlib.decompress(data[start : start + length])
    return raw[1], raw[2], raw[3]


# --- the setting ------------------------------------------------------------------------------


def test_the_shipped_configuration_needs_no_internet() -> None:
    raw = tomllib.loads((PROJECT_DIR / "config.toml").read_text())
    assert map_settings(raw)["MAP_TILES"] == "none"
    assert map_settings({})["MAP_TILES"] == "none"
    assert tiles_from_config(map_settings({})["MAP_TILES"]).url is None


def test_a_tile_file_is_read_from_the_project_directory_and_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        map_tiles("maps/missing.mbtiles")
    with pytest.raises(ConfigError, match="does not exist"):
        map_tiles(str(tmp_path / "missing.pmtiles"))
    (tmp_path / "ok.pmtiles").write_bytes(b"")
    assert map_tiles(str(tmp_path / "ok.pmtiles")) == str(tmp_path / "ok.pmtiles")


@pytest.mark.parametrize(
    "value", ["gsi_pael", "pale", "https://tiles.example.lg.jp/base.png", "yes"]
)
def test_a_mistyped_setting_is_refused_in_one_sentence(value: str) -> None:
    with pytest.raises(ConfigError, match="maps.tiles must be one of none, gsi_pale"):
        map_tiles(value)


@given(st.text(max_size=40))
@settings(max_examples=200, deadline=None)
def test_any_setting_is_accepted_as_it_is_or_refused_with_a_config_error(value: str) -> None:
    try:
        result = map_tiles(value)
    except ConfigError:
        return
    assert result == (value.strip() or "none") or result.endswith((".mbtiles", ".pmtiles"))


def test_every_gsi_name_is_accepted_by_the_configuration_and_credits_gsi() -> None:
    for name in GSI_TILES:
        assert map_tiles(name) == name
        tiles = tiles_from_config(name)
        assert tiles.origin == "https://cyberjapandata.gsi.go.jp"
        assert "地理院タイル" in tiles.attribution


# --- reading the files ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_each_tile_comes_from_its_place_in_the_file(
    kind: str, mbtiles: Path, pmtiles: Path
) -> None:
    """XYZ in, the right tile out: MBTiles' rows are counted from the south (TMS)."""
    source = tile_file(str(mbtiles if kind == "mbtiles" else pmtiles))
    for z in range(0, 3):
        for x in range(2**z):
            for y in range(2**z):
                data = source.tile(z, x, y)
                assert data is not None and rgb_of(data) == colour_of(z, x, y), (z, x, y)
    assert source.tile(5, 0, 0) is None
    assert source.tile(1, 2, 0) is None and source.tile(1, 0, -1) is None


def test_the_files_metadata_sets_the_zooms_extent_and_credit(mbtiles: Path, pmtiles: Path) -> None:
    first, second = tile_file(str(mbtiles)), tile_file(str(pmtiles))
    assert (first.min_zoom, first.max_zoom) == (0, 3)
    assert (second.min_zoom, second.max_zoom) == (0, 2)
    assert first.bounds == [[35.70, 139.50], [35.76, 139.60]]
    assert second.bounds is not None
    assert [round(v, 5) for corner in second.bounds for v in corner] == [35.7, 139.5, 35.76, 139.6]
    assert first.attribution == second.attribution == ATTRIBUTION
    tiles = tiles_from_config(str(mbtiles))
    assert tiles.url == "/tiles/{z}/{x}/{y}" and tiles.origin is None
    assert tiles.attribution == "西東京市 基盤地図 &lt;2026&gt;", "the file's credit is text"
    assert tiles.options()["maxNativeZoom"] == 3 and tiles.options()["maxZoom"] == 18
    assert tiles_from_config(str(mbtiles), "<b>庁内</b>").attribution == "<b>庁内</b>"


def test_a_file_that_is_not_a_tile_file_leaves_the_map_without_a_base_map(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mbtiles"
    broken.write_bytes(b"not sqlite at all" * 10)
    assert tiles_from_config(str(broken)).url is None
    assert tiles_from_config(str(tmp_path / "gone.pmtiles")).url is None


def test_image_kinds_are_told_by_their_first_bytes() -> None:
    assert image_type(png((1, 2, 3))) == "image/png"
    assert image_type(b"\xff\xd8\xff\xe0" + b"\x00" * 20) == "image/jpeg"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_type(b"\x1a\x8f\x02") is None and image_type(b"") is None


# --- the route --------------------------------------------------------------------------------


def test_tiles_are_for_signed_in_users_only(client: IsolatedClient, serving: Path) -> None:
    response = client.get("/tiles/1/0/0")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", ["t_staff", "t_partner", "t_planner", "t_admin"])
def test_a_signed_in_user_gets_the_tile_with_cache_headers(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], serving: Path, role: str
) -> None:
    auth.login(role)
    response = client.get("/tiles/1/0/0")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert rgb_of(response.data) == colour_of(1, 0, 0)
    assert rgb_of(client.get("/tiles/1/0/1").data) == colour_of(1, 0, 1)
    assert response.headers["Cache-Control"] == "private, max-age=86400"
    etag = response.headers["ETag"]
    again = client.get("/tiles/1/0/0", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data


def test_missing_and_non_image_tiles_are_not_found(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], serving: Path
) -> None:
    auth.login("t_staff")
    for url in ("/tiles/9/0/0", "/tiles/1/5/0", "/tiles/3/0/0", "/tiles/99/0/0", "/tiles/a/0/0"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "max-age" not in response.headers.get("Cache-Control", ""), url


@pytest.mark.parametrize(
    "setting", ["none", "gsi_pale", "https://tiles.example.lg.jp/{z}/{x}/{y}.png"]
)
def test_no_tile_is_served_without_a_tile_file(
    app: Flask, client: IsolatedClient, auth: AuthActions, world: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    monkeypatch.setitem(app.config, "MAP_TILES", setting)
    auth.login("t_staff")
    assert client.get("/tiles/1/0/0").status_code == 404


def test_a_file_removed_while_serving_is_a_404_not_a_500(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], serving: Path
) -> None:
    auth.login("t_staff")
    assert client.get("/tiles/1/0/0").status_code == 200
    serving.unlink()
    assert client.get("/tiles/1/0/0").status_code == 404


def test_the_tile_file_is_only_read(serving: Path) -> None:
    before = serving.read_bytes()
    tile_file(str(serving)).tile(1, 0, 0)
    assert serving.read_bytes() == before
    with pytest.raises(sqlite3.OperationalError):
        connection = sqlite3.connect(f"file:{serving}?mode=ro", uri=True)
        connection.execute("DELETE FROM tiles")


# --- the maps ---------------------------------------------------------------------------------

URL = re.compile(r"""(?:https?:)?//[^\s"'<>)\\`]+""")


def test_the_map_uses_the_apps_own_tiles_and_names_no_outside_address(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], serving: Path
) -> None:
    auth.login("t_staff")
    response = client.get("/maps/frame")
    html = response.get_data(as_text=True)
    assert '"/tiles/{z}/{x}/{y}"' in html
    assert "maxNativeZoom" in html and "139.5" in html
    assert not URL.findall(html.replace("</", "<")), URL.findall(html)
    assert "img-src 'self' data:;" in response.headers["Content-Security-Policy"]
    page = client.get("/maps/").get_data(as_text=True)
    assert "背景地図：自治体で用意した地図" in page or "municipality's own map" in page


def test_every_map_has_a_metric_scale_bar_only(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_staff")
    html = client.get("/maps/frame").get_data(as_text=True)
    assert "L.control.scale()" not in html, "folium's scale shows feet and miles too"
    assert "RosterMap.setup(" in html
    for script in ("roster-map.js", "location-picker.js"):
        text = (PROJECT_DIR / "roster" / "maps" / "assets" / script).read_text()
        assert "L.control.scale({ metric: true, imperial: false })" in text, script


def test_the_location_picker_is_handed_the_tile_files_zooms(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], serving: Path
) -> None:
    auth.login("t_staff")
    html = client.get("/registrants/new").get_data(as_text=True)
    assert 'data-tiles="/tiles/{z}/{x}/{y}"' in html
    assert "&#34;maxNativeZoom&#34;: 3" in html or "&quot;maxNativeZoom&quot;: 3" in html


# --- in the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiled_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo with a made-up MBTiles base map of 西東京市, served as `make run` does."""
    from .test_browser import _free_port, _require_browser

    _require_browser()
    folder = tmp_path_factory.mktemp("tiled")
    base = write_mbtiles(
        folder / "base.mbtiles",
        area_tiles(35.70, 139.50, 35.77, 139.60, range(11, 17)),
        {"name": "test", "format": "png", "bounds": "139.50,35.70,139.60,35.77",
         "attribution": "テスト用の背景地図"},
    )
    config = (PROJECT_DIR / "config.toml").read_text()
    config = config.replace('\ntiles = "none"\n', f'\ntiles = "{base}"\n')
    (folder / "config.toml").write_text(config)
    env = dict(os.environ)
    env.pop("ROSTER_TEST_DATABASE_URL", None)
    env.update(ROSTER_DATABASE_URL=f"sqlite:///{folder / 'tiled.db'}",
               ROSTER_SECRET_KEY="browser-test", ROSTER_CONFIG=str(folder / "config.toml"))
    roster = [sys.executable, "-m", "roster.cli"]
    subprocess.run([*roster, "db", "upgrade"], env=env, check=True, cwd=PROJECT_DIR)
    subprocess.run([*roster, "demo", "--registrants", "200", "--seed", "7"], env=env, check=True,
                   cwd=PROJECT_DIR, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([*roster, "run", "--port", str(port)], env=env, cwd=PROJECT_DIR,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)  # noqa: S310 - local server
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1366])
def test_the_map_with_a_local_base_map_asks_nothing_outside(tiled_server: str, width: int) -> None:
    """Every request the browser makes (page, frame, scripts, tiles) goes to 127.0.0.1; the
    tiles come from the app; the scale bar is in metres."""
    from playwright.sync_api import sync_playwright

    from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

    requested: list[str] = []
    tiles: list[int] = []
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": width, "height": 800}, locale="ja-JP")
        context.on("request", lambda r: requested.append(r.url))
        context.on("response", lambda r: tiles.append(r.status) if "/tiles/" in r.url else None)
        context.route("**/*", lambda route: route.continue_()
                      if urlsplit(route.request.url).hostname == "127.0.0.1"
                      else route.abort())
        page = context.new_page()
        page.goto(tiled_server + "/login")
        page.fill("#username", "staff")
        page.fill("#password", "demo")
        page.click("button.primary")
        page.wait_for_load_state("networkidle")
        page.goto(tiled_server + "/maps/")
        frame = page.frame_locator("iframe.map-frame")
        frame.locator(".leaflet-tile-loaded").first.wait_for()
        page.wait_for_load_state("networkidle")
        scale = frame.locator(".leaflet-control-scale-line").all_inner_texts()
        attribution = frame.locator(".leaflet-control-attribution").inner_text()
        page.screenshot(path=str(ARTIFACTS / f"tiles-map-{width}.png"), full_page=True)
        frame_box = page.locator("iframe.map-frame")
        frame_box.screenshot(path=str(ARTIFACTS / f"tiles-frame-{width}.png"))
        page.goto(tiled_server + "/registrants/new")
        page.locator("#location-picker .leaflet-tile-loaded").first.wait_for()
        page.wait_for_load_state("networkidle")
        picker = page.locator("#location-picker")
        picker_scale = picker.locator(".leaflet-control-scale-line").all_inner_texts()
        picker.screenshot(path=str(ARTIFACTS / f"tiles-picker-{width}.png"))
        chromium.close()
    outside = [u for u in requested if urlsplit(u).hostname != "127.0.0.1"]
    assert not outside, outside
    assert any("/tiles/" in u for u in requested) and 200 in tiles
    assert "テスト用の背景地図" in attribution
    for bar in (scale, picker_scale):
        assert len(bar) == 1 and re.fullmatch(r"\d+ k?m", bar[0].strip()), bar


def _frame_with(tiles: Any) -> str:
    import numpy as np

    from roster.maps.build import render_map
    from roster.maps.points import Points
    from roster.maps.views import frame_texts

    empty = np.zeros(0)
    points = Points(identified=True, lat=empty, lon=empty, ids=empty.astype(np.int64))
    square = [[139.53, 35.72], [139.54, 35.72], [139.54, 35.73], [139.53, 35.72]]
    districts = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
        "properties": {"title": "テスト町", "lines": [], "style": {"color": "#555"}}}]}
    return render_map(
        points=points, shelters={}, shelter_names={}, overlays=[], hazard_kinds=set(),
        districts=districts, bounds=None, tiles=tiles, texts=frame_texts(points),
        person_url="/maps/people/",
    ).html


def test_with_no_base_map_the_districts_are_drawn_as_land(app: Flask) -> None:
    with app.test_request_context():
        plain = _frame_with(tiles_from_config("none"))
        tiled = _frame_with(tiles_from_config("gsi_pale"))
    assert '"fillColor": "#ffffff"' in plain and '"fillOpacity": 0.65' in plain
    assert '"fillColor": "#ffffff"' not in tiled, "a base map shows through the districts"
    css = (PROJECT_DIR / "roster" / "maps" / "assets" / "roster-map.css").read_text()
    assert ".leaflet-container { background: #f4f2ec; }" in css
