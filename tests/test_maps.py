"""Maps: what each role's map holds, that the map document loads nothing from outside and
holds no personal data, the person endpoint's rule, the frame's policy, the vendored files,
the approximate district outlines, and (in headless Chromium) every role's map drawing."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from flask import Flask
from sqlalchemy import select

from geo.districts import approximate_districts
from geo.towns import city_area
from roster.access.fields import DEFAULT_AGREEMENT_FIELDS
from roster.models import AuditEvent, RegistrantStatus, Shelter

from .conftest import AuthActions, IsolatedClient
from .factories import Factory
from .test_hazards import LAT, LON, geojson, square, write

MARK_NAME = "地図漏洩太郎"
MARK_ADDRESS = "地図秘密町三丁目"
MARK_PHONE = "090-7777-0001"
MARK_REASON = "地図事由マーカー"
MARK_CERTIFICATE = "地図手帳マーカー"
MARKERS = (MARK_NAME, MARK_ADDRESS, MARK_PHONE, MARK_REASON, MARK_CERTIFICATE)


@pytest.fixture()
def mapped(world: dict[str, Any], factory: Factory, db: Any, tmp_path: Path) -> dict[str, Any]:
    """The world with its people marked, someone who moved out, two shelters and a flood layer."""
    for key in ("consenting", "refusing", "unasked", "elsewhere"):
        person = world[key]
        person.name, person.address, person.phone = MARK_NAME, MARK_ADDRESS, MARK_PHONE
        person.support_reason_detail, person.disability_certificate = MARK_REASON, MARK_CERTIFICATE
    world["refusing"].latitude, world["refusing"].longitude = 35.721234567, 139.551234567
    moved = factory.registrant(world["districts"][0], status=RegistrantStatus.MOVED_OUT)
    db.add_all([
        Shelter(source_id="E-M1", name="テスト第一小学校", address="東京都テスト市1", latitude=LAT,
                longitude=LON + 0.01, is_evacuation_shelter=True, is_emergency_site=True,
                hazards="earthquake,flood", source="test", capacity=300),
        Shelter(source_id="E-M2", name="テスト福祉会館", address="東京都テスト市2",
                latitude=LAT + 0.01, longitude=LON, is_welfare_shelter=True,
                accept_groups="disabled", source="test", backup_power=True),
    ])
    db.flush()
    from roster.hazards.layers import import_layer

    path = write(tmp_path, "flood.geojson", geojson([({"A31a_205": 3}, square(LON, LAT))]))
    import_layer(db, path, "flood", actor=None, name="テスト浸水想定", synthetic=True,
                 crs="EPSG:6677")
    return {**world, "moved": moved}


#: A view around the test world's people, close enough in for their points.
VIEW = "south=35.70&west=139.53&north=35.74&east=139.57&zoom=16"


def points(client: IsolatedClient, view: str = VIEW) -> dict[str, Any]:
    response = client.get(f"/maps/points.json?{view}")
    assert response.status_code == 200
    data = dict(response.get_json())
    assert data["kind"] == "points"
    return data


# --- role-specific data -----------------------------------------------------------------------


def test_staff_see_every_active_person_by_register_number(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any]
) -> None:
    auth.login("t_staff")
    data = points(client)
    assert data["mode"] == "identified"
    ids = {row[2] for row in data["points"]}
    assert ids == {mapped[k].id for k in ("consenting", "refusing", "unasked", "elsewhere")}
    refusing = next(row for row in data["points"] if row[2] == mapped["refusing"].id)
    assert refusing[:2] == [35.72123, 139.55123], "rounded to 5 decimals"
    assert not any(m in json.dumps(data, ensure_ascii=False) for m in MARKERS)


def test_a_partner_sees_only_the_people_the_rule_gives(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any]
) -> None:
    auth.login("t_partner")
    data = points(client)
    assert data["mode"] == "identified"
    assert [row[2] for row in data["points"]] == [mapped["consenting"].id]
    frame = client.get("/maps/frame").get_data(as_text=True)
    assert "RosterMap.live(" in frame and "/maps/points.json?hazard=flood" in frame
    for person in ("consenting", "refusing", "unasked", "elsewhere", "moved"):
        assert f",{mapped[person].id},0]" not in frame, "the frame holds no one"


def test_a_partner_whose_agreement_gives_no_location_sees_no_one(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any], db: Any
) -> None:
    mapped["agreement"].fields = [f for f in DEFAULT_AGREEMENT_FIELDS if f != "location"]
    mapped["users"]["partner"].locale = "en"
    db.flush()
    auth.login("t_partner")
    assert points(client)["points"] == []
    html = client.get("/maps/").get_data(as_text=True)
    assert "does not provide people's locations" in html


def test_a_planner_gets_pseudonymous_coarse_points_with_new_ids_each_time(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any]
) -> None:
    auth.login("t_planner")
    first, second = points(client), points(client)
    assert first["mode"] == "pseudonymous"
    assert first["fields"] == ["lat", "lon", "category", "id", "approximate"]
    rows = first["points"]
    assert len(rows) == 4, "active people only"
    for lat, lon, category, made_up, approximate in rows:
        assert approximate == 0, "the factory's people have pins set on the map"
        assert round(lat, 3) == lat and round(lon, 3) == lon
        assert category in {"medical", "bedridden", "wheelchair", "care", "other"}
        assert isinstance(made_up, int)
    # The factory's people all use a ventilator: the most pressing category.
    assert {row[2] for row in rows} == {"medical"}
    assert sorted(r[:3] for r in rows) == sorted(r[:3] for r in second["points"])
    assert {r[3] for r in rows} != {r[3] for r in second["points"]}
    frame = client.get("/maps/frame").get_data(as_text=True)
    assert '"identified": false' in frame and "RosterMap.live(" in frame
    assert not any(m in unescape_json(frame) for m in MARKERS)


# --- the document -----------------------------------------------------------------------------


class Inline(HTMLParser):
    """Inline <script> and <style> texts and every src/href, as a browser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.links: list[str] = []
        self._open: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.links += [v for k, v in attrs if k in ("src", "href") and v]
        if tag in ("script", "style") and "src" not in values:
            self._open = (tag, [])

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[0] == tag:
            (self.scripts if tag == "script" else self.styles).append("".join(self._open[1]))
            self._open = None


def unescape_json(html: str) -> str:
    """The document with JSON's \\uXXXX escapes decoded, as the browser's script sees it."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def parse(html: str) -> Inline:
    parser = Inline()
    parser.feed(html)
    return parser


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def directive(csp: str, name: str) -> list[str]:
    for part in csp.split(";"):
        words = part.split()
        if words and words[0] == name:
            return words[1:]
    raise AssertionError(f"no {name} in {csp}")


URL = re.compile(r"""(?:https?:)?//[^\s"'<>)\\`]+""")


@pytest.mark.parametrize("role", ["t_staff", "t_partner", "t_planner"])
def test_the_frame_loads_nothing_from_outside_with_tiles_none(
    app: Flask, client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    monkeypatch.setitem(app.config, "MAP_TILES", "none")
    auth.login(role)
    response = client.get("/maps/frame")
    html = response.get_data(as_text=True)
    assert "L.tileLayer" not in html, "no tile layer at all"
    document = parse(html)
    assert document.links and all(
        link.startswith("/vendor/") for link in document.links
    ), document.links
    assert not URL.findall(html.replace("</", "<")), URL.findall(html)
    css_urls = re.findall(r"url\(([^)]*)\)", "".join(document.styles))
    assert all(not URL.match(u.strip("'\" ")) for u in css_urls)
    for name in ("jquery", "bootstrap", "awesome", "font-awesome", "fontawesome", "cdn"):
        assert name not in html.lower()
    assert "img-src 'self' data:;" in response.headers["Content-Security-Policy"]


def test_with_gsi_tiles_only_the_tile_url_and_its_credit_are_outside(
    app: Flask, client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAP_TILES", "gsi_pale")
    auth.login("t_staff")
    response = client.get("/maps/frame")
    html = response.get_data(as_text=True)
    found = {u.rstrip("\\") for u in URL.findall(html)}
    assert found == {
        "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png",
        "https://maps.gsi.go.jp/development/ichiran.html",
    }
    assert "地理院タイル" in unescape_json(html)
    images = directive(response.headers["Content-Security-Policy"], "img-src")
    assert images == ["'self'", "data:", "https://cyberjapandata.gsi.go.jp"]


def test_a_custom_tile_template_is_used_with_its_attribution(
    app: Flask, client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAP_TILES", "https://tiles.example.lg.jp/std/{z}/{x}/{y}.png")
    monkeypatch.setitem(app.config, "MAP_TILES_ATTRIBUTION", "庁内タイル")
    auth.login("t_staff")
    response = client.get("/maps/frame")
    assert "https://tiles.example.lg.jp/std/{z}/{x}/{y}.png" in response.get_data(as_text=True)
    assert "https://tiles.example.lg.jp" in directive(
        response.headers["Content-Security-Policy"], "img-src")


def test_the_frame_holds_no_personal_data(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any]
) -> None:
    auth.login("t_staff")
    html = client.get("/maps/frame").get_data(as_text=True)
    decoded = unescape_json(html)
    for marker in MARKERS:
        assert marker not in decoded
    # It does hold the shelters, the synthetic layer and the shelter data's credit.
    for text in ("テスト第一小学校", "テスト浸水想定", "出典：国土地理院"):
        assert text in decoded


def test_shelter_and_layer_names_are_only_ever_text_in_the_document(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any], db: Any
) -> None:
    """folium compiles its output as a Jinja template again: braces in data would run."""
    shelter = db.scalars(select(Shelter).where(Shelter.source_id == "E-M1")).one()
    shelter.name = "{{ 6*7 }}{% if true %}x{% endif %}</script><b>学校</b>"
    db.flush()
    auth.login("t_staff")
    html = unescape_json(client.get("/maps/frame").get_data(as_text=True))
    assert "｛｛ 6*7 ｝｝" in html and "＜/script＞＜b＞学校" in html
    assert html.count("</script>") == len(parse(html).scripts) + len(
        [link for link in parse(html).links if link.endswith(".js") or ".js?" in link])


def test_the_frame_policy_allows_exactly_its_own_inline_scripts_and_styles(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any]
) -> None:
    auth.login("t_staff")
    response = client.get("/maps/frame")
    csp = response.headers["Content-Security-Policy"]
    document = parse(response.get_data(as_text=True))
    assert len(document.scripts) >= 2
    scripts = [s for s in directive(csp, "script-src") if s.startswith("'sha256-")]
    assert set(scripts) == {sha(s) for s in document.scripts}
    styles = [s for s in directive(csp, "style-src") if s.startswith("'sha256-")]
    assert set(styles) == {sha(s) for s in document.styles}
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directive(csp, "frame-ancestors") == ["'self'"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Cache-Control"] == "no-store"
    page = client.get("/maps/")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    assert '<iframe class="map-frame" src="/maps/frame?hazard=flood"' in page.get_data(
        as_text=True)


def test_the_page_explains_the_map(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any], db: Any
) -> None:
    mapped["users"]["planner"].locale = "en"
    db.flush()
    auth.login("t_planner")
    html = client.get("/maps/?hazard=earthquake").get_data(as_text=True)
    assert "出典：国土地理院 指定緊急避難場所・指定避難所データ" in html
    assert "synthetic hazard areas for the demo — not real hazard data" in html
    assert "テスト浸水想定" in html
    assert "/maps/frame?hazard=earthquake" in html
    assert "Legend" in html and "福祉避難所" in html


# --- the person endpoint ----------------------------------------------------------------------


def test_staff_fetch_a_persons_details_and_the_view_is_logged(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any], db: Any
) -> None:
    auth.login("t_staff")
    response = client.get(f"/maps/people/{mapped['refusing'].id}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["title"] == MARK_NAME
    text = json.dumps(data, ensure_ascii=False)
    assert MARK_ADDRESS in text and MARK_CERTIFICATE in text
    assert data["url"] == f"/registrants/{mapped['refusing'].id}"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "map.person")).one()
    assert event.object_id == str(mapped["refusing"].id)
    assert json.loads(event.detail)["ids"] == [mapped["refusing"].id]


def test_a_partner_fetches_only_people_the_rule_gives_and_only_their_fields(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any], db: Any
) -> None:
    auth.login("t_partner")
    visible = client.get(f"/maps/people/{mapped['consenting'].id}")
    assert visible.status_code == 200
    text = json.dumps(visible.get_json(), ensure_ascii=False)
    assert MARK_NAME in text and MARK_ADDRESS in text
    assert MARK_CERTIFICATE not in text, "no medical details under the default agreement"
    missing = client.get("/maps/people/999999")
    for other in ("refusing", "unasked", "elsewhere", "moved"):
        hidden = client.get(f"/maps/people/{mapped[other].id}")
        assert hidden.status_code == 404
        assert hidden.get_json() == missing.get_json()
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "registrant.denied")).all()
    assert len(denied) == 5


def test_a_planner_fetches_no_one(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any]
) -> None:
    auth.login("t_planner")
    assert client.get(f"/maps/people/{mapped['consenting'].id}").status_code == 403


def test_a_map_view_is_audited_by_count_or_by_person(
    client: IsolatedClient, auth: AuthActions, mapped: dict[str, Any], db: Any
) -> None:
    auth.login("t_staff")
    client.get(f"/maps/points.json?hazard=earthquake&{VIEW}")
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "map.points")).one()
    detail = json.loads(event.detail)
    assert detail == {"hazard": "earthquake", "points": 4, "pseudonymous": False}
    auth.logout()
    auth.login("t_partner")
    client.get(f"/maps/points.json?{VIEW}")
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "map.points")).all()
    assert json.loads(events[-1].detail)["ids"] == [mapped["consenting"].id]


# --- vendored files ---------------------------------------------------------------------------


def test_leaflet_and_markercluster_are_served_by_the_app(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    auth.login("t_planner")
    for path in ("leaflet/leaflet.js", "leaflet/leaflet.css", "leaflet/images/layers.png",
                 "leaflet.markercluster/leaflet.markercluster.js",
                 "leaflet.markercluster/MarkerCluster.Default.css", "roster/roster-map.js"):
        response = client.get(f"/vendor/{path}")
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, max-age=86400"
    for path in ("nope/leaflet.js", "leaflet/leaflet.js.map", "leaflet/../leaflet/leaflet.js",
                 "leaflet/%2e%2e/%2e%2e/pyvenv.cfg", "roster/../views.py"):
        assert client.get(f"/vendor/{path}").status_code == 404, path


# --- approximate districts --------------------------------------------------------------------


def test_district_outlines_are_voronoi_cells_clipped_to_the_city() -> None:
    points = gpd.GeoDataFrame(
        {"name": ["西", "東", "北", "同じ点"]},
        geometry=gpd.points_from_xy([139.54, 139.56, 139.55, 139.55],
                                    [35.72, 35.72, 35.73, 35.73]),
        crs="EPSG:4326", index=[10, 11, 12, 13],
    )
    area = city_area(points)
    cells = approximate_districts(points, area)
    assert list(cells.index) == [10, 11, 12, 13] and cells.crs == points.crs
    assert bool(cells["approximate"].all())
    for position in range(3):
        assert cells.geometry.iloc[position].contains(points.geometry.iloc[position])
    assert cells.geometry.iloc[2].equals(cells.geometry.iloc[3]), "one point, one cell"
    union = shapely.union_all(cells.geometry.iloc[:3].to_numpy())
    # The cells are cut in metres and brought back to degrees: equal up to reprojection.
    assert union.symmetric_difference(area).area < area.area * 1e-3
    assert sum(c.area for c in cells.geometry.iloc[:3]) == pytest.approx(area.area, rel=1e-3)
    single = approximate_districts(points.iloc[:1], area)
    assert single.geometry.iloc[0].symmetric_difference(area).area < area.area * 1e-3


# --- in the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def map_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo with its synthetic hazard layers and the shipped configuration (no base tiles),
    served as `make run` does."""
    from .test_browser import _free_port, _require_browser

    _require_browser()
    root = Path(__file__).resolve().parent.parent
    folder = tmp_path_factory.mktemp("maps")
    config = (root / "config.toml").read_text()
    assert '\ntiles = "none"\n' in config, "the shipped maps need no internet"
    (folder / "config.toml").write_text(config)
    env = dict(os.environ)
    env.pop("ROSTER_TEST_DATABASE_URL", None)
    env.update(ROSTER_DATABASE_URL=f"sqlite:///{folder / 'maps.db'}",
               ROSTER_SECRET_KEY="browser-test", ROSTER_CONFIG=str(folder / "config.toml"))
    roster = [sys.executable, "-m", "roster.cli"]
    subprocess.run([*roster, "db", "upgrade"], env=env, check=True, cwd=root)
    subprocess.run([*roster, "demo", "--registrants", "300", "--seed", "7"], env=env, check=True,
                   cwd=root, capture_output=True)
    for name, kind in (("flood", "flood"), ("landslide", "landslide")):
        subprocess.run([*roster, "import-hazard",
                        str(root / "geo" / "data" / f"synthetic_{name}_nishitokyo.geojson"),
                        "--kind", kind, "--synthetic"], env=env, check=True, cwd=root,
                       capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([*roster, "run", "--port", str(port)], env=env, cwd=root,
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
@pytest.mark.parametrize("username", ["staff", "partner", "planner"])
def test_each_map_draws_offline_in_chromium(map_server: str, username: str) -> None:
    from playwright.sync_api import sync_playwright

    from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
        outside: list[str] = []
        failed: list[str] = []
        errors: list[str] = []

        def only_ours(route: Any) -> None:
            if route.request.url.startswith(map_server):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", only_ours)
        page = context.new_page()
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(map_server + "/login")
        page.fill("#username", username)
        page.fill("#password", "demo")
        page.click("button.primary")
        page.wait_for_load_state("networkidle")
        page.goto(map_server + "/maps/")
        frame = page.frame_locator("iframe.map-frame")
        frame.locator(".leaflet-marker-pane").wait_for(state="attached")
        frame.locator(".marker-cluster").first.wait_for()
        page.wait_for_load_state("networkidle")
        assert frame.locator(".leaflet-overlay-pane path.leaflet-interactive").count() > 20
        assert frame.locator(".marker-cluster").count() > 0
        attribution = frame.locator(".leaflet-control-attribution").inner_text()
        assert "出典：国土地理院" in attribution
        page.screenshot(path=str(ARTIFACTS / f"20-map-{username}.png"))
        if username == "staff":
            for _ in range(6):
                frame.locator(".leaflet-control-zoom-in").click()
                page.wait_for_timeout(250)
            # A person's point, at home or approximate (a town block's point).
            person = frame.locator("path.leaflet-interactive[fill='#1e88e5'], "
                                   "path.leaflet-interactive[fill='#bbdefb']").first
            person.dispatch_event("click")
            frame.locator(".roster-popup a").wait_for()
            assert frame.locator(".roster-popup dl dt").count() >= 3
            page.wait_for_timeout(600)  # the popup's fade and pan
            page.screenshot(path=str(ARTIFACTS / "21-map-staff-person.png"))
        chromium.close()
    assert not outside, outside
    assert not failed, failed
    assert not errors, errors


@pytest.mark.browser
def test_the_staff_map_loads_counts_far_out_and_people_close_in(map_server: str) -> None:
    """At 1280 px: the city as counts per cell; a click on one zooms in and its people's
    points are loaded from the points endpoint for that view."""
    from playwright.sync_api import sync_playwright

    from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

    ARTIFACTS.mkdir(exist_ok=True)
    asked: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.on("request", lambda r: asked.append(r.url) if "points.json" in r.url else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(map_server + "/login")
        page.fill("#username", "staff")
        page.fill("#password", "demo")
        page.click("button.primary")
        page.goto(map_server + "/maps/")
        frame = page.frame_locator("iframe.map-frame")
        container = frame.locator(".leaflet-container")
        frame.locator(".roster-cell").first.wait_for()
        assert container.get_attribute("data-people") == "clusters"
        counts = [int(t) for t in frame.locator(".roster-cell span").all_inner_texts()]
        assert sum(counts) > 200, "the demo's active people, counted per cell"
        assert frame.locator("path.leaflet-interactive[fill='#1e88e5']").count() == 0
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "22-map-staff-cells.png"))
        biggest = max(range(len(counts)), key=counts.__getitem__)
        # (A click's mousedown focuses the map, which scrolls the page before the mouseup.)
        frame.locator(".roster-cell").nth(biggest).dispatch_event("click")
        frame.locator(".leaflet-container[data-people='points']").wait_for()
        frame.locator("path.leaflet-interactive[fill='#1e88e5']").first.wait_for()
        page.wait_for_timeout(600)
        page.screenshot(path=str(ARTIFACTS / "23-map-staff-points.png"))
        chromium.close()
    assert not errors, errors
    assert len(asked) >= 2
    for url in asked:
        query = url.split("?", 1)[1]
        assert re.fullmatch(r"hazard=flood(&(south|west|north|east|zoom)=-?[0-9.]+){5}", query)
