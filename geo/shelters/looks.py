"""What a file looks like, from its first bytes and header, and the mismatch a reader
reports (with no row read) when a file is not of the format asked for."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cells import FileError, decode
from .headers import canonical, gsi_kind

#: What a file can look like (what_it_looks_like), and which of them each format reads.
LOOKS = (
    "gsi-evacuation",
    "gsi-emergency",
    "jp-standard",
    "own-columns",
    "geojson-other",
    "hazard",
    "xlsx",
    "not-text",
)
READS: dict[str, tuple[str, ...]] = {
    "gsi": ("gsi-evacuation", "gsi-emergency"),
    "jp-standard": ("jp-standard",),
    "csv": ("gsi-evacuation", "gsi-emergency", "jp-standard", "own-columns"),
}
#: The format that reads a file that looks like this, if any.
FORMAT_FOR_LOOK = {
    "gsi-evacuation": "gsi",
    "gsi-emergency": "gsi",
    "jp-standard": "jp-standard",
    "own-columns": "csv",
}

#: One of LOOKS (None when it cannot be told) and the headers that tell it.
Look = tuple[str | None, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class FormatMismatch:
    """A file that is not of the format asked for: what it looks like (one of LOOKS), and
    the headers (or GeoJSON property names) that tell it."""

    file: str
    format: str
    looks_like: str
    headers: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """One sentence: what the file looks like and how to import it."""
        looks = _LOOKS_LIKE[self.looks_like].format(headers=headers_shown(self.headers))
        return (
            f"{Path(self.file).name} is not {_FORMAT_NAMES[self.format]}: "
            f"it looks like {looks}; {_HOW[self.looks_like]}."
        )


class Mismatch(Exception):
    """Raised by a reader that finds, reading, that a file is of another format."""

    def __init__(self, mismatch: FormatMismatch) -> None:
        super().__init__(mismatch.message)
        self.mismatch = mismatch


_FORMAT_NAMES = {
    "gsi": "a GSI shelter file",
    "jp-standard": "a standard 指定緊急避難場所一覧",
    "csv": "a CSV",
}
_LOOKS_LIKE = {
    "gsi-evacuation": "GSI's list of 指定避難所",
    "gsi-emergency": "GSI's list of 指定緊急避難場所",
    "jp-standard": "the Digital Agency's standard 指定緊急避難場所一覧",
    "own-columns": "a CSV with its own columns ({headers})",
    "geojson-other": "GeoJSON with its own properties ({headers})",
    "hazard": "a hazard layer (areas, not places)",
    "xlsx": "an Excel workbook",
    "not-text": "neither CSV nor GeoJSON text",
}
_MAPPING_HINT = "see roster/data/shelter-mapping.sample.toml"
_HOW = {
    "gsi-evacuation": "use --format gsi",
    "gsi-emergency": "use --format gsi",
    "jp-standard": "use --format jp-standard",
    "own-columns": f"use --format csv with a mapping; {_MAPPING_HINT}",
    "geojson-other": f"save it as CSV and use --format csv with a mapping; {_MAPPING_HINT}",
    "hazard": "import it with roster import-hazard",
    "xlsx": "save the sheet as CSV (UTF-8) and import that",
    "not-text": "export the list as CSV or GeoJSON",
}


def headers_shown(headers: tuple[str, ...], limit: int = 5) -> str:
    """The first few headers, and an ellipsis when there are more."""
    shown = [header for header in headers if header][:limit]
    return ", ".join(shown + (["…"] if len(headers) > limit else []))


def what_it_looks_like(path: Path) -> Look:
    """One of LOOKS and the headers that tell it, from the file's first bytes and header;
    (None, ()) when it cannot be told (an unreadable file: the reader says why)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None, ()
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "xlsx", ()
    body = _text(data)
    if body is None:
        return "not-text", ()
    if body.startswith(("{", "[")):
        return _geojson_look(body)
    first = next((row for row in csv.reader(io.StringIO(body[:65536])) if any(row)), [])
    headers = tuple(canonical(header) for header in first)
    return _table_look(headers), headers


def _text(data: bytes) -> str | None:
    """The file's text from its first character, or None when it is not text."""
    try:
        text = decode(data)
    except FileError:
        return None
    if "\x00" in text[:4096]:
        return None
    return text.lstrip("\ufeff \t\r\n")


def _table_look(headers: tuple[str, ...]) -> str:
    present = set(headers)
    if {"共通ID", "施設・場所名"} <= present:
        kind = gsi_kind(list(headers))
        if kind is not None:
            return "gsi-emergency" if kind else "gsi-evacuation"
    # The standard's own columns tell it; the reader then asks for 緯度 and 経度 by name.
    if present & {"ID", "名称"} and any(header.startswith("災害種別_") for header in headers):
        return "jp-standard"
    return "own-columns"


def _geojson_look(body: str) -> Look:
    try:
        data = json.loads(body)
    except ValueError:
        return None, ()
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        return None, ()
    headers, shapes = _properties_and_shapes(features[:200])
    if shapes & {"Polygon", "MultiPolygon"}:
        return "hazard", headers
    if "共通ID" in headers:
        kind = gsi_kind(list(headers))
        if kind is not None:
            return ("gsi-emergency" if kind else "gsi-evacuation"), headers
    return "geojson-other", headers


def _properties_and_shapes(features: list[Any]) -> tuple[tuple[str, ...], set[str]]:
    """The features' property names (canonical, in first-seen order) and geometry types."""
    names: dict[str, None] = {}
    shapes = set()
    for feature in features:
        if not isinstance(feature, dict):
            continue
        names.update(dict.fromkeys(canonical(k) for k in (feature.get("properties") or {})))
        shapes.add(str((feature.get("geometry") or {}).get("type", "")))
    return tuple(names), shapes
