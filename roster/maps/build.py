"""The map document (folium): layers, offline assets, and the hashes of its inline scripts.

Every folium default CDN URL is replaced by an app-served file (vendor.py) and jQuery,
Bootstrap, awesome-markers and Font Awesome are left out: the map uses CircleMarkers and
builds its popups itself (roster/maps/assets/roster-map.js), from properties set as text. With
tiles = "none" (the default) or a local tile file (tiles.py) the document names no outside
address at all; with 地理院タイル or another tile server, only the tile URL and its attribution
link. Every map has a metric scale bar (roster-map.js).

render_map() returns the HTML and the sha256 hashes of its inline <script> and <style>
elements, which the frame's Content-Security-Policy allows and nothing else inline.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import folium
import numpy as np
from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.plugins import FastMarkerCluster
from folium.template import Template
from folium.utilities import JsCode

from .areas import HazardOverlay
from .points import Points
from .style import CATEGORIES, category_names
from .tiles import URL as TILE_URL
from .tiles import TileFileError, file_attribution, is_tile_file, tile_file
from .vendor import asset_url

SHELTER_ATTRIBUTION = "出典：国土地理院 指定緊急避難場所・指定避難所データ"
GSI_ATTRIBUTION = (
    '<a href="https://maps.gsi.go.jp/development/ichiran.html" target="_blank" '
    'rel="noopener noreferrer">地理院タイル</a>'
)
#: 地理院タイル by their maps.tiles name: (the URL template, the deepest zoom).
GSI_TILES: dict[str, tuple[str, int]] = {
    "gsi_pale": ("https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png", 18),
    "gsi_std": ("https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png", 18),
    "gsi_blank": ("https://cyberjapandata.gsi.go.jp/xyz/blank/{z}/{x}/{y}.png", 14),
    "gsi_photo": ("https://cyberjapandata.gsi.go.jp/xyz/seamlessphoto/{z}/{x}/{y}.jpg", 18),
}
GSI_PALE = GSI_TILES["gsi_pale"][0]
#: Units of the people's coordinates in the document: 1e-5 degree (about 1 m) as integers
#: from the map's origin, which keeps 100,000 points under 2 MB.
EXACT_SCALE = 100_000
COARSE_SCALE = 1_000

LEAFLET_JS = [("leaflet", asset_url("leaflet", "leaflet.js"))]
LEAFLET_CSS = [("leaflet_css", asset_url("leaflet", "leaflet.css"))]
CLUSTER_JS = [("markerclusterjs", asset_url("leaflet.markercluster", "leaflet.markercluster.js"))]
CLUSTER_CSS = [
    ("markerclustercss", asset_url("leaflet.markercluster", "MarkerCluster.css")),
    ("markerclusterdefaultcss", asset_url("leaflet.markercluster", "MarkerCluster.Default.css")),
]
ROSTER_JS = [("roster_map", asset_url("roster", "roster-map.js"))]
ROSTER_CSS = [("roster_map_css", asset_url("roster", "roster-map.css"))]

#: Leaflet.markercluster's options for the people's points.
PEOPLE_CLUSTER: dict[str, Any] = {
    "chunkedLoading": True,
    "disableClusteringAtZoom": 18,
    "maxClusterRadius": 60,
    "spiderfyOnMaxZoom": False,
    "showCoverageOnHover": False,
}

#: The same for the points of a view (never more than the points endpoint's cap): close in,
#: where they are loaded, people a few metres apart are drawn apart sooner.
LIVE_CLUSTER: dict[str, Any] = {
    **PEOPLE_CLUSTER,
    "disableClusteringAtZoom": 17,
    "maxClusterRadius": 40,
}

_INLINE = re.compile(r"<(script|style)(\s[^>]*)?>(.*?)</\1>", re.S | re.I)


@dataclass(frozen=True)
class Tiles:
    """Base tiles: none, or a URL template with its attribution (HTML). A local tile file's
    URL is the app's own (/tiles/{z}/{x}/{y}); its deepest zoom and extent come from the
    file, and Leaflet enlarges its deepest tiles beyond it."""

    url: str | None
    attribution: str = ""
    max_zoom: int = 18
    max_native_zoom: int | None = None
    #: [[south, west], [north, east]]: no tile is asked for outside it.
    bounds: list[list[float]] | None = None

    @property
    def origin(self) -> str | None:
        """scheme://host of the tiles, for the frame's img-src; None for none or app-served."""
        if not self.url:
            return None
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None

    def options(self) -> dict[str, Any]:
        """Leaflet's tile layer options (also read by the location picker's script)."""
        options: dict[str, Any] = {
            "attribution": self.attribution,
            "maxZoom": max(self.max_zoom, 18),
            "maxNativeZoom": self.max_native_zoom or self.max_zoom,
        }
        if self.bounds:
            options["bounds"] = self.bounds
        return options


def tiles_from_config(setting: str, attribution: str = "") -> Tiles:
    """config maps.tiles: "none" (the default), a 地理院タイル name (gsi_pale, gsi_std,
    gsi_blank, gsi_photo), a local MBTiles or PMTiles file, or a URL template. A tile file
    that cannot be read leaves the map without a base map (and says so in the log)."""
    setting = (setting or "none").strip()
    if setting == "none":
        return Tiles(None)
    if setting in GSI_TILES:
        url, deepest = GSI_TILES[setting]
        return Tiles(url, GSI_ATTRIBUTION, deepest)
    if is_tile_file(setting):
        try:
            found = tile_file(setting)
        except TileFileError as exc:
            logging.getLogger(__name__).warning("%s", exc)
            return Tiles(None)
        return Tiles(
            TILE_URL,
            file_attribution(setting, attribution),
            max(found.max_zoom, 18),
            max_native_zoom=found.max_zoom,
            bounds=found.bounds,
        )
    return Tiles(setting, attribution or "")


@dataclass(frozen=True)
class Rendered:
    html: str
    script_hashes: list[str]
    style_hashes: list[str]


class Setup(folium.MacroElement):
    """Hands the map and its texts to roster-map.js, and always credits the shelter data."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            RosterMap.setup({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = "RosterSetup"
        self.config = config


class _Raw(Element):
    """Script text added to the document as it is. (branca compiles each macro's output as a
    template again: slow for a large payload, and wrong for text that looks like Jinja.)"""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class PeopleCluster(FastMarkerCluster):
    """FastMarkerCluster with a compact payload, added to the cluster in one call.

    Rows are integers: offsets from the origin in 1/scale degree, then the rest of the row.
    roster-map.js turns them into CircleMarkers (no awesome-markers icons)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function(){
                var callback = {{ this.callback }};
                var data = {{ this.payload }};
                var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                cluster.addLayers(data.map(callback));
                cluster.addTo({{ this._parent.get_name() }});
                return cluster;
            })();
        {% endmacro %}"""
    )

    def __init__(self, payload: str, callback: str, name: str, **options: Any) -> None:
        super().__init__([], callback=callback, name=name, **options)
        self.callback = callback
        self.payload = payload
        self.default_js = list(CLUSTER_JS)
        self.default_css = list(CLUSTER_CSS)

    def render(self, **kwargs: Any) -> str:
        """The links, and the script as rendered once (it adds itself to the map)."""
        figure = self.get_root()
        assert isinstance(figure, Figure), "render the map's root, a Figure"
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_Raw(script(self, kwargs)), name=self.get_name())
        return ""


class LivePeople(JSCSSMixin, Layer):
    """The people's layer of a map that holds no one: roster-map.js (RosterMap.live) asks
    `url` for the people in the view (counts per cell, or points) whenever the map stops
    moving, and draws them; the points are clustered as they were when embedded. The
    document's script is the same whatever the register holds."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = RosterMap.live({{ this._parent.get_name() }},
                {{ this.config|tojson }});
        {% endmacro %}"""
    )
    default_js = list(CLUSTER_JS)
    default_css = list(CLUSTER_CSS)

    def __init__(self, url: str, name: str) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "LivePeople"
        self.config = {"url": url, "cluster": LIVE_CLUSTER}


def encode_points(points: Points, origin: tuple[float, float], scale: int) -> str:
    """The points as a compact JSON array of integer rows (numbers only, safe in a script)."""
    if not len(points):
        return "[]"
    dy = np.rint((points.lat - origin[0]) * scale).astype(np.int64)
    dx = np.rint((points.lon - origin[1]) * scale).astype(np.int64)
    columns = [dy, dx] if points.identified else [dy, dx, points.categories]
    approximate = points.approximate if len(points.approximate) else np.zeros(len(points))
    table = np.column_stack([*columns, points.ids, approximate]).astype(np.int64)
    return json.dumps(table.tolist(), separators=(",", ":"))


def render_map(
    *,
    points: Points,
    shelters: dict[str, dict[str, Any]],
    shelter_names: dict[str, str],
    overlays: list[HazardOverlay],
    hazard_kinds: set[str],
    districts: dict[str, Any],
    bounds: list[list[float]] | None,
    tiles: Tiles,
    texts: dict[str, str],
    person_url: str,
    people_url: str | None = None,
) -> Rendered:
    """The map document for one request. hazard_kinds: the layer kinds shown at first
    (the chosen hazard's); the others are in the layer control, switched off. With a
    people_url the people are not in the document: its script asks that URL for the view's
    people as the map moves (LivePeople); otherwise `points` are written into it."""
    centre = _centre(bounds)
    fmap = _base_map(centre, points, texts, person_url)
    _add_tiles(fmap, tiles, texts)
    if not tiles.url:
        _add_land(fmap, districts)
    # Areas first, so that shelters and people are drawn above them.
    _add_overlays(fmap, overlays, hazard_kinds, texts)
    _add_districts(fmap, districts, texts)
    _add_shelters(fmap, shelters, shelter_names)
    if people_url:
        LivePeople(people_url, texts["people"]).add_to(fmap)
    else:
        _add_people(fmap, points, centre, texts)
    return _finish(fmap, bounds)


def _finish(fmap: folium.Map, bounds: list[list[float]] | None) -> Rendered:
    """The layer control and the opening view added, the document rendered and hashed."""
    folium.LayerControl(collapsed=True).add_to(fmap)
    if bounds:
        fmap.fit_bounds(bounds)
    html = fmap.get_root().render()
    return Rendered(html, *inline_hashes(html))


def _base_map(
    centre: tuple[float, float], points: Points, texts: dict[str, str], person_url: str
) -> folium.Map:
    """The map with our own files in place of folium's CDN ones, handed to roster-map.js."""
    # Leaflet.markercluster needs the map's own maxZoom when there is no tile layer.
    fmap = folium.Map(
        location=list(centre),
        zoom_start=13,
        tiles=None,
        control_scale=False,  # roster-map.js adds a metric one (folium's shows feet too)
        prefer_canvas=False,
        maxZoom=19,
        minZoom=9,
        zoomSnap=0.25,
        zoomDelta=0.5,
    )
    fmap.default_js = list(LEAFLET_JS) + list(ROSTER_JS)
    fmap.default_css = list(LEAFLET_CSS) + list(ROSTER_CSS)
    Setup(_setup_config(points, texts, person_url)).add_to(fmap)
    return fmap


def _setup_config(points: Points, texts: dict[str, str], person_url: str) -> dict[str, Any]:
    """What roster-map.js is handed: the credit, the mode, the details URL, the texts and the
    need categories' labels and colours."""
    categories = category_names()
    return {
        "attribution": SHELTER_ATTRIBUTION,
        "identified": points.identified,
        "personUrl": person_url,
        "texts": texts,
        "categories": [
            {"code": code, "label": categories[code], "colour": colour}
            for code, colour in CATEGORIES
        ],
    }


def _add_tiles(fmap: folium.Map, tiles: Tiles, texts: dict[str, str]) -> None:
    if tiles.url:
        extra: dict[str, Any] = {"bounds": tiles.bounds} if tiles.bounds else {}
        folium.TileLayer(
            tiles=tiles.url,
            attr=tiles.attribution,
            name=texts["tiles"],
            max_zoom=max(tiles.max_zoom, 18),
            max_native_zoom=tiles.max_native_zoom or tiles.max_zoom,
            overlay=False,
            control=False,
            **extra,
        ).add_to(fmap)


#: With no base map the districts are the land: filled pale on the map's background, under
#: every other layer, without an edge (the outlines are drawn above, as with a base map).
LAND_FILL = {"fillColor": "#ffffff", "fillOpacity": 0.65, "fill": True, "stroke": False}


def land(districts: dict[str, Any]) -> dict[str, Any]:
    """The district outlines filled as land, for a map with no base tiles."""
    features = [
        {
            **f,
            "properties": {
                **f["properties"],
                "style": {**f["properties"].get("style", {}), **LAND_FILL},
            },
        }
        for f in districts["features"]
    ]
    return {**districts, "features": features}


def _add_land(fmap: folium.Map, districts: dict[str, Any]) -> None:
    if districts["features"]:
        folium.GeoJson(land(districts), name="land", control=False).add_to(fmap)


def _add_districts(fmap: folium.Map, districts: dict[str, Any], texts: dict[str, str]) -> None:
    """The approximate district outlines, when there are any."""
    if districts["features"]:
        folium.GeoJson(
            districts,
            name=texts["districts"],
            show=True,
            on_each_feature=JsCode("RosterMap.district"),
        ).add_to(fmap)


def _add_overlays(
    fmap: folium.Map, overlays: list[HazardOverlay], shown: set[str], texts: dict[str, str]
) -> None:
    """Each hazard layer, named by its kind; only the kinds in `shown` switched on."""
    for overlay in overlays:
        kind = texts["kind_" + overlay.kind]
        label = overlay.name if kind in overlay.name else f"{kind}: {overlay.name}"
        if overlay.synthetic:
            label += f" ({texts['synthetic']})"
        folium.GeoJson(
            overlay.geojson,
            name=label,
            show=overlay.kind in shown,
            on_each_feature=JsCode("RosterMap.feature"),
        ).add_to(fmap)


def _add_shelters(
    fmap: folium.Map, shelters: dict[str, dict[str, Any]], names: dict[str, str]
) -> None:
    for kind, collection in shelters.items():
        folium.GeoJson(
            collection,
            name=names[kind],
            show=True,
            marker=folium.CircleMarker(radius=6),
            on_each_feature=JsCode("RosterMap.feature"),
        ).add_to(fmap)


def _add_people(
    fmap: folium.Map, points: Points, centre: tuple[float, float], texts: dict[str, str]
) -> None:
    """The people's points, clustered, as integer offsets from a rounded origin."""
    origin = (round(centre[0], 2), round(centre[1], 2))
    scale = EXACT_SCALE if points.identified else COARSE_SCALE
    factory = "RosterMap.people" if points.identified else "RosterMap.planning"
    callback = f"{factory}({json.dumps({'origin': origin, 'scale': scale})})"
    PeopleCluster(
        encode_points(points, origin, scale), callback, name=texts["people"], **PEOPLE_CLUSTER
    ).add_to(fmap)


def inline_hashes(html: str) -> tuple[list[str], list[str]]:
    """CSP sources ('sha256-…') of each inline <script> and <style> element, as a browser
    reads them: the text between the tag and the first closing tag."""
    scripts: list[str] = []
    styles: list[str] = []
    for match in _INLINE.finditer(html):
        tag, attributes, body = match.group(1).lower(), match.group(2) or "", match.group(3)
        if tag == "script" and "src=" in attributes.lower():
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        source = f"'sha256-{digest}'"
        target = scripts if tag == "script" else styles
        if source not in target:
            target.append(source)
    return scripts, styles


def frame_csp(rendered: Rendered, tiles: Tiles) -> str:
    """The frame's policy: our files, exactly its own inline scripts and styles, images from
    us (and the tile host), JSON from us, and framing by our own pages only."""
    images = "'self' data:" + (f" {tiles.origin}" if tiles.origin else "")
    return (
        f"default-src 'self'; script-src 'self' {' '.join(rendered.script_hashes)}; "
        f"style-src 'self' {' '.join(rendered.style_hashes)}; img-src {images}; "
        "connect-src 'self'; object-src 'none'; frame-ancestors 'self'; base-uri 'self'; "
        "form-action 'none'"
    )


def _centre(bounds: list[list[float]] | None) -> tuple[float, float]:
    if not bounds:
        return (35.68, 139.76)
    (south, west), (north, east) = bounds
    return ((south + north) / 2, (west + east) / 2)
