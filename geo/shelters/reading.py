"""read_shelter_files: one or several files of one format, as one frame and every problem."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from .cells import RowError, city_prefix
from .columns import KINDS, LIST_KINDS, SHELTER_FIELDS, SOURCE_IDS
from .gsi_files import GsiReader
from .looks import READS, FormatMismatch, Look, Mismatch, what_it_looks_like
from .tables import TableReader

FORMATS = ("gsi", "jp-standard", "csv")


@dataclass
class ShelterRead:
    """The places read (one row each, SHELTER_FIELDS + geometry) and every problem found.

    kinds: the lists (LIST_KINDS) the files speak of. A file of 指定避難所 alone says
    nothing about 指定緊急避難場所, so an import keeps those as they are.
    mismatch: set when a file is not of the format asked for; then no row was read and
    errors holds its one sentence.
    """

    frame: gpd.GeoDataFrame
    errors: list[RowError] = field(default_factory=list)
    kinds: frozenset[str] = frozenset(LIST_KINDS)
    mismatch: FormatMismatch | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def read_shelter_files(
    paths: str | Path | Iterable[str | Path],
    format: str = "gsi",
    mapping: Mapping[str, str] | None = None,
    city: str | None = None,
) -> ShelterRead:
    """Shelters from one or several files of one format, sorted by source_id.

    city (a 5-digit code or the 6-digit 全国地方公共団体コード with its check digit) keeps only
    that municipality's rows: for GSI files by the code in each 共通ID, for the other formats
    by the row's city-code column where the file has one. Raises ValueError only for a bad
    format or city argument; problems in the files are returned as errors.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown shelter format {format!r}; expected one of {FORMATS}")
    city5 = city_prefix(city) if city is not None else None
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    looks = {path: what_it_looks_like(path) for path in files}
    try:
        _check_looks(format, looks)
        return _read(format, files, mapping, city5, looks)
    except Mismatch as refused:
        return _refused(refused.mismatch)


def _check_looks(format: str, looks: dict[Path, Look]) -> None:
    """Refuse (Mismatch) the first file that, by its header, is of another format."""
    for path, (look, headers) in looks.items():
        if look is not None and look not in READS[format]:
            raise Mismatch(FormatMismatch(str(path), format, look, headers))


def _read(
    format: str,
    files: list[Path],
    mapping: Mapping[str, str] | None,
    city5: str | None,
    looks: dict[Path, Look],
) -> ShelterRead:
    errors: list[RowError] = []
    kinds: set[str] = set()
    if format == "gsi":
        places = GsiReader(city5, errors, kinds).read(files)
    else:
        places = TableReader(format, mapping, city5, errors, kinds, looks).read(files)
    return ShelterRead(_frame(places), errors, frozenset(kinds))


def _refused(mismatch: FormatMismatch) -> ShelterRead:
    error = RowError(mismatch.file, None, None, mismatch.message)
    return ShelterRead(_frame([]), [error], frozenset(), mismatch)


def _frame(places: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """The places as a GeoDataFrame: SHELTER_FIELDS, None (not NaN) where unknown."""
    frame = pd.DataFrame(
        {
            name: pd.Series([place.get(name) for place in places], dtype=object)
            for name in (*SHELTER_FIELDS, SOURCE_IDS)
        }
    )
    for name in ("latitude", "longitude"):
        frame[name] = frame[name].astype(float)
    for name in KINDS:
        frame[name] = frame[name].astype(bool)
    frame = frame.sort_values("source_id", ignore_index=True)
    return gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
        crs="EPSG:4326",
    )
