"""Small tile files for the tests: PNG tiles made here, in an MBTiles or a PMTiles file."""

from __future__ import annotations

import math
import sqlite3
import struct
import zlib
from pathlib import Path

from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

Key = tuple[int, int, int]


def png(
    rgb: tuple[int, int, int], size: int = 1, border: tuple[int, int, int] | None = None
) -> bytes:
    """A size × size PNG of one colour (with a one-pixel border of another, if given)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    edge = bytes(border or rgb)
    fill = bytes(rgb)
    rows = []
    for row in range(size):
        if row in (0, size - 1) and border:
            rows.append(b"\x00" + edge * size)
        else:
            middle = fill * (size - 2) if size > 1 else b""
            rows.append(b"\x00" + (edge + middle + edge if size > 1 else fill))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def colour_of(z: int, x: int, y: int) -> tuple[int, int, int]:
    """A colour that names the tile, so a test can tell which tile it was given."""
    return (z * 10 % 256, x % 256, y % 256)


def write_mbtiles(path: Path, tiles: dict[Key, bytes], metadata: dict[str, str]) -> Path:
    """An MBTiles file: tiles given in XYZ numbering, stored with TMS rows as the spec says."""
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        connection.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
            "tile_data BLOB)"
        )
        connection.executemany("INSERT INTO metadata VALUES (?, ?)", metadata.items())
        connection.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()],
        )
    connection.close()
    return path


def write_pmtiles(path: Path, tiles: dict[Key, bytes], attribution: str) -> Path:
    """A PMTiles (v3) file of PNG tiles, written with the pmtiles package."""
    zooms = [z for z, _x, _y in tiles]
    with open(path, "wb") as handle:
        writer = Writer(handle)
        for key in sorted(tiles, key=lambda k: zxy_to_tileid(*k)):
            writer.write_tile(zxy_to_tileid(*key), tiles[key])
        writer.finalize(
            {
                "tile_type": TileType.PNG,
                "tile_compression": Compression.NONE,
                "min_zoom": min(zooms),
                "max_zoom": max(zooms),
                "min_lon_e7": int(139.50 * 1e7),
                "min_lat_e7": int(35.70 * 1e7),
                "max_lon_e7": int(139.60 * 1e7),
                "max_lat_e7": int(35.76 * 1e7),
                "center_zoom": max(zooms),
                "center_lon_e7": int(139.55 * 1e7),
                "center_lat_e7": int(35.73 * 1e7),
            },
            {"attribution": attribution},
        )
    return path


def every_tile(zooms: range) -> dict[Key, bytes]:
    """Every tile of the given (small) zooms, each its own colour."""
    return {
        (z, x, y): png(colour_of(z, x, y))
        for z in zooms
        for x in range(2**z)
        for y in range(2**z)
    }


def tile_xy(lat: float, lon: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding a point (Web Mercator)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def area_tiles(
    south: float, west: float, north: float, east: float, zooms: range
) -> dict[Key, bytes]:
    """256-px tiles covering an area, pale with a border, a little darker at each zoom: a base
    map the browser tests can see."""
    tiles: dict[Key, bytes] = {}
    for z in zooms:
        x0, y0 = tile_xy(north, west, z)
        x1, y1 = tile_xy(south, east, z)
        shade = 245 - 6 * (z - zooms.start)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                tiles[(z, x, y)] = png((shade, shade - 4, 225), 256, border=(200, 196, 185))
    return tiles
