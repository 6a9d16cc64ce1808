"""Limits on what an upload holds, checked before the work and while it runs.

A file's size on the wire says little: an XLSX or zipped Shapefile is a zip, and 300 KB can
inflate to 100 MB and two million rows. So every upload is measured by what is inside: the
zip's declared sizes and compression ratio before anything opens it, then rows, columns and
time while it is read. A refusal names the limit in one sentence and nothing is kept.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

#: Seconds an uploaded file waits between its dry run and its apply before it is deleted.
WAITING_MAX_AGE = 2 * 60 * 60
#: The name of a waiting upload: what secrets.token_urlsafe(32) returns; anything else is
#: no upload of ours.
WAITING_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
#: A zip entry inflating to more than this many times its stored size is refused. Real
#: workbooks and Shapefiles stay far below (an XLSX sheet packs about 5 to 30 times).
MAX_RATIO = 100
#: Entries smaller than this once unpacked are not held to MAX_RATIO: tiny repetitive XML
#: parts of an ordinary workbook pack well beyond it.
RATIO_FLOOR = 2**20
#: The time is checked once per this many rows.
CLOCK_EVERY = 1000


class UploadRefused(ValueError):
    """The upload exceeds a limit; str() is the sentence to show, in the user's language."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class UploadLimits:
    """The [uploads] settings."""

    max_rows: int = 250_000
    max_columns: int = 200
    max_uncompressed_mb: int = 512
    max_seconds: float = 120.0

    @property
    def max_bytes(self) -> int:
        return self.max_uncompressed_mb * 2**20

    def clock(self) -> Clock:
        """A clock started now, to stop reading a file that takes longer than max_seconds."""
        return Clock(time.monotonic() + self.max_seconds, self.max_seconds)

    def check_rows(self, rows: int) -> None:
        if rows > self.max_rows:
            raise UploadRefused(
                _l(
                    "The file has more than %(limit)s rows. Split it into smaller files.",
                    limit=f"{self.max_rows:,}",
                )
            )

    def check_columns(self, columns: int) -> None:
        if columns > self.max_columns:
            raise UploadRefused(
                _l(
                    "The file has more than %(limit)s columns. Remove the columns that are "
                    "not needed.",
                    limit=f"{self.max_columns:,}",
                )
            )

    def check_size(self, size: int) -> None:
        if size > self.max_bytes:
            raise UploadRefused(
                _l(
                    "The file holds more than %(limit)s MB of data once unpacked. Split it "
                    "into smaller files.",
                    limit=f"{self.max_uncompressed_mb:,}",
                )
            )


@dataclass(frozen=True)
class Clock:
    """A deadline for reading one upload."""

    ends: float
    seconds: float

    def check(self, row: int) -> None:
        """Refuse the file once its reading has run past the deadline (checked every
        CLOCK_EVERY rows, so the clock costs nothing)."""
        if row % CLOCK_EVERY == 0 and time.monotonic() > self.ends:
            raise UploadRefused(
                _l(
                    "Reading the file took longer than %(limit)s seconds, so it was stopped. "
                    "Split it into smaller files.",
                    limit=f"{self.seconds:g}",
                )
            )


def check_zip(source: bytes | Path, limits: UploadLimits) -> None:
    """Refuse a zip (XLSX, zipped Shapefile) whose entries declare too much data, or one
    that inflates like a decompression bomb, before anything unpacks it. A file that is not
    a zip is left for its reader to refuse."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
            entries = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        return
    limits.check_size(sum(e.file_size for e in entries))
    for entry in entries:
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * entry.compress_size:
            raise UploadRefused(
                _l(
                    "The file unpacks to far more data than it weighs, as damaged or "
                    "malicious files do. Save it again from the program that made it."
                )
            )


def is_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def check_text_table(data: bytes, limits: UploadLimits) -> None:
    """Refuse a CSV or text table over the size, row or column limits, before it is parsed:
    rows are counted as lines (a bound from above), columns on the first line."""
    limits.check_size(len(data))
    limits.check_rows(max(data.count(b"\n") - 1, 0))
    first = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    limits.check_columns(len(next(csv.reader([first], delimiter=delimiter), [])))


def check_upload(name: str, data: bytes, limits: UploadLimits) -> None:
    """The checks that fit an uploaded file of this name, before it is stored or read."""
    if is_zip(data[:4]):
        check_zip(data, limits)
    elif Path(name).suffix.lower() in {".csv", ".tsv", ".txt"}:
        check_text_table(data, limits)
    else:
        limits.check_size(len(data))


def check_layer(path: Path, limits: UploadLimits) -> None:
    """Refuse a map layer file (GeoJSON, zipped Shapefile, GeoPackage) over the limits: its
    size, or a zip's, first; then its features and attributes as GDAL counts them, before
    any geometry is read. A file GDAL cannot open is left for the reader to refuse."""
    import pyogrio  # GDAL is slow to load; only layer uploads need it

    with path.open("rb") as fh:
        head = fh.read(4)
    if is_zip(head):
        check_zip(path, limits)
    else:
        limits.check_size(path.stat().st_size)
    try:
        info = pyogrio.read_info(path)
    except Exception:  # noqa: BLE001 - pyogrio raises several kinds for an unreadable file
        return
    limits.check_rows(int(info.get("features") or 0))
    limits.check_columns(len(info.get("fields", ())))
