"""A municipality's own base map, served by the app: /tiles/<z>/<x>/<y> from a local file.

config maps.tiles may name an MBTiles file (SQLite, the tiles' rows counted from the south,
TMS) or a PMTiles file (one archive, read with the `pmtiles` package). Either holds raster
tiles (PNG, JPEG or WebP); the browser asks the app for them in the usual XYZ numbering
(y from the north) and the app answers from the file, so a map needs no outside server.
A tile the file does not hold is a 404, which Leaflet leaves blank. Tiles are no one's
personal data, but the route is for signed-in users only (the app's sign-in rule), and the
browser may keep a tile for a day.
"""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, g, make_response, request
from flask.typing import ResponseReturnValue
from markupsafe import escape
from pmtiles.reader import Reader
from pmtiles.tile import Compression
from werkzeug.exceptions import NotFound

bp = Blueprint("tiles", __name__, url_prefix="/tiles")

#: The suffixes of the tile files maps.tiles may name.
SUFFIXES = (".mbtiles", ".pmtiles")
#: The URL template of app-served tiles, as the maps' tile layer reads it.
URL = "/tiles/{z}/{x}/{y}"
MAX_AGE = 24 * 60 * 60
#: Deepest zoom a tile is asked for (2^z tiles a side); anything deeper is not found.
MAX_ZOOM = 24


class TileFileError(ValueError):
    """The tile file cannot be read; the message says why."""


@dataclass(frozen=True)
class TileFile:
    """What the maps need to know of a tile file: its zooms, extent and credit."""

    path: Path
    min_zoom: int = 0
    max_zoom: int = 18
    #: [[south, west], [north, east]], or None when the file does not say.
    bounds: list[list[float]] | None = None
    attribution: str = ""

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's image (XYZ numbering), or None when the file does not hold it."""
        if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
            return None
        if self.path.suffix.lower() == ".mbtiles":
            return _mbtiles_tile(self.path, z, x, y)
        return _pmtiles_tile(self.path, z, x, y)


def is_tile_file(setting: str) -> bool:
    """Whether maps.tiles names a local tile file rather than a keyword or a URL."""
    return setting.strip().lower().endswith(SUFFIXES) and "://" not in setting


@lru_cache(maxsize=8)
def _describe(path: str, mtime: float) -> TileFile:
    """The file's metadata, read again when the file changes (mtime is in the cache key)."""
    file = Path(path)
    if file.suffix.lower() == ".mbtiles":
        return _mbtiles_file(file)
    return _pmtiles_file(file)


def tile_file(setting: str) -> TileFile:
    """The tile file maps.tiles names; TileFileError when it is missing or unreadable."""
    path = Path(setting.strip()).expanduser()
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise TileFileError(f"maps.tiles: the tile file {path} cannot be opened") from exc
    try:
        return _describe(str(path), mtime)
    except (sqlite3.Error, OSError, ValueError, KeyError, IndexError) as exc:
        raise TileFileError(f"maps.tiles: {path} is not a readable tile file ({exc})") from exc


# --- MBTiles ----------------------------------------------------------------------------------


def _mbtiles(path: Path) -> sqlite3.Connection:
    """A read-only connection: the app never writes the municipality's file."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def _mbtiles_file(path: Path) -> TileFile:
    connection = _mbtiles(path)
    try:
        rows = dict(connection.execute("SELECT name, value FROM metadata").fetchall())
        zooms = connection.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
    finally:
        connection.close()
    low, high = zooms if zooms and zooms[0] is not None else (0, 18)
    return TileFile(
        path=path,
        min_zoom=int(rows.get("minzoom", low)),
        max_zoom=int(rows.get("maxzoom", high)),
        bounds=_bounds(rows.get("bounds")),
        attribution=str(rows.get("attribution", "")),
    )


def _mbtiles_tile(path: Path, z: int, x: int, y: int) -> bytes | None:
    """MBTiles counts rows from the south (TMS): row = 2^z - 1 - y."""
    connection = _mbtiles(path)
    try:
        row = connection.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (1 << z) - 1 - y),
        ).fetchone()
    finally:
        connection.close()
    return bytes(row[0]) if row and row[0] else None


def _bounds(value: Any) -> list[list[float]] | None:
    """MBTiles' "west,south,east,north" as Leaflet's [[south, west], [north, east]]."""
    try:
        west, south, east, north = (float(part) for part in str(value).split(","))
    except ValueError:
        return None
    return [[south, west], [north, east]]


# --- PMTiles ----------------------------------------------------------------------------------


def _reader(handle: Any) -> Reader:
    def get_bytes(offset: int, length: int) -> bytes:
        handle.seek(offset)
        data: bytes = handle.read(length)
        return data

    return Reader(get_bytes)


def _pmtiles_file(path: Path) -> TileFile:
    with open(path, "rb") as handle:
        reader = _reader(handle)
        header = reader.header()
        metadata = reader.metadata()
    bounds = [
        [header["min_lat_e7"] / 1e7, header["min_lon_e7"] / 1e7],
        [header["max_lat_e7"] / 1e7, header["max_lon_e7"] / 1e7],
    ]
    return TileFile(
        path=path,
        min_zoom=int(header["min_zoom"]),
        max_zoom=int(header["max_zoom"]),
        bounds=bounds if bounds[0] != bounds[1] else None,
        attribution=str(metadata.get("attribution", "")) if isinstance(metadata, dict) else "",
    )


def _pmtiles_tile(path: Path, z: int, x: int, y: int) -> bytes | None:
    with open(path, "rb") as handle:
        reader = _reader(handle)
        data = reader.get(z, x, y)
        compression = reader.header()["tile_compression"]
    if not data:
        return None
    return gzip.decompress(data) if compression == Compression.GZIP else bytes(data)


# --- the route --------------------------------------------------------------------------------

#: The raster kinds a base map may hold, by their first bytes.
IMAGE_KINDS: tuple[tuple[Callable[[bytes], bool], str], ...] = (
    (lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"), "image/png"),
    (lambda data: data.startswith(b"\xff\xd8\xff"), "image/jpeg"),
    (lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP", "image/webp"),
)


def image_type(data: bytes) -> str | None:
    """The image's media type, or None when it is not a PNG, JPEG or WebP (a vector tile)."""
    return next((kind for matches, kind in IMAGE_KINDS if matches(data)), None)


@bp.get("/<int:z>/<int:x>/<int:y>")
def tile(z: int, x: int, y: int) -> ResponseReturnValue:
    """One tile of the configured file; 404 when there is no file, no such tile, or the
    tile is not a raster image."""
    setting = str(current_app.config.get("MAP_TILES", ""))
    if not is_tile_file(setting):
        raise NotFound()
    try:
        data = tile_file(setting).tile(z, x, y)
    except (TileFileError, sqlite3.Error, OSError, ValueError) as exc:
        current_app.logger.warning("map tile %s/%s/%s not read: %s", z, x, y, exc)
        raise NotFound() from exc
    kind = image_type(data or b"")
    if data is None or kind is None:
        raise NotFound()
    response = make_response(data)
    response.mimetype = kind
    response.set_etag(hashlib.sha256(data).hexdigest()[:20])
    g.cache_max_age = MAX_AGE
    return response.make_conditional(request)


def file_attribution(setting: str, configured: str) -> str:
    """The credit under a local base map: the configured one (HTML, as written), else the
    file's own, as text."""
    if configured:
        return configured
    return str(escape(tile_file(setting).attribution))
