"""GSI's lists, as GeoJSON or GSI's CSV: one checked listing per feature, merged into places
as geo.gsi merges them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyogrio
from pyproj import CRS

from ..groups import normalise_accepts
from ..gsi import listing, merge_places
from ..hazards import is_tokyo_datum
from .cells import (
    FileError,
    Problems,
    RowError,
    clean,
    first_seen,
    normalise_city_code,
    point,
    read_csv,
    row_errors,
)
from .columns import NOT_IN_GSI
from .headers import canonical, gsi_kind

_GSI_ID = re.compile(r"E(\d{5})\d{8}")
_NOT_GSI = (
    "not a GSI shelter file: it has neither the 指定避難所 columns "
    "(受入対象者) nor the 指定緊急避難場所 hazard columns (洪水, 地震, ...)"
)

#: One feature: (row number, properties by canonical name, (longitude, latitude) or None).
_Feature = tuple[int, dict[str, Any], tuple[Any, Any] | None]


@dataclass
class GsiReader:
    """Reads GSI files into places: the problems go to errors, the lists the files are to
    kinds."""

    city5: str | None
    errors: list[RowError]
    kinds: set[str]
    #: The first file and row of each 共通ID read so far.
    seen: dict[str, tuple[str, int]] = field(default_factory=dict)

    def read(self, files: list[Path]) -> list[dict[str, Any]]:
        listings = [item for path in files for item in self._listings(path)]
        places = merge_places(listings)
        for place in places:
            place["accept_groups"] = normalise_accepts(place["accepts"])
        return places

    def _listings(self, path: Path) -> list[dict[str, Any]]:
        """One file's checked listings; none (its error recorded) when it is unreadable."""
        try:
            columns, rows = _gsi_table(path)
        except FileError as error:
            self.errors.append(RowError(str(path), None, error.column, str(error)))
            return []
        emergency = gsi_kind(columns)
        if emergency is None:
            self.errors.append(RowError(str(path), None, None, _NOT_GSI))
            return []
        self.kinds.add("is_emergency_site" if emergency else "is_evacuation_shelter")
        listings = (self._listing(str(path), row, emergency) for row in rows)
        return [item for item in listings if item is not None]

    def _listing(self, file: str, feature: _Feature, emergency: bool) -> dict[str, Any] | None:
        """One checked listing, or None when it is another city's or has problems."""
        number, props, where = feature
        source_id = clean(props.get("共通ID"))
        match = _GSI_ID.fullmatch(source_id)
        if match and self.city5 is not None and match.group(1) != self.city5:
            return None
        problems = _id_and_name_problems(source_id, match is not None, props)
        coordinates = _coordinates(where, problems)
        if match:
            first_seen(self.seen, "共通ID", source_id, (file, number), problems)
        if problems or coordinates is None or match is None:
            self.errors += row_errors(file, number, problems)
            return None
        latitude, longitude = coordinates
        return {
            **listing(props, longitude, latitude, emergency),
            **dict.fromkeys(NOT_IN_GSI),
            "city_code": normalise_city_code(match.group(1)),
        }


def _gsi_table(path: Path) -> tuple[list[str], list[_Feature]]:
    """The columns and, per feature, (row number, properties, (longitude, latitude) or None)."""
    if path.suffix.lower() in (".csv", ".txt"):
        return _csv_table(path)
    try:
        gdf = pyogrio.read_dataframe(path)
    except Exception as error:  # pyogrio raises several kinds for an unreadable file
        raise FileError(
            f"the file cannot be read as GeoJSON or another GIS format: {error}"
        ) from error
    gdf = _in_wgs84(gdf)
    columns = [canonical(column) for column in gdf.columns if column != "geometry"]
    records = enumerate(gdf.to_dict("records"), start=1)
    return columns, [_feature(number, props) for number, props in records]


def _in_wgs84(gdf: Any) -> Any:
    """The features in EPSG:4326; the old Tokyo datum is refused."""
    if gdf.crs is None:
        return gdf
    crs = CRS.from_user_input(gdf.crs)
    if is_tokyo_datum(crs):
        raise FileError(
            "the file uses the old Tokyo datum, which cannot be converted "
            "accurately; ask for JGD2011 or WGS84 coordinates"
        )
    return gdf.to_crs("EPSG:4326") if crs.to_epsg() != 4326 else gdf


def _csv_table(path: Path) -> tuple[list[str], list[_Feature]]:
    """GSI's CSV: its point is in the columns 緯度 and 経度."""
    headers, records = read_csv(path)
    missing = [column for column in ("緯度", "経度") if column not in headers]
    if missing:
        raise FileError(
            f"required column {', '.join(missing)} missing (a GSI CSV has 緯度 and 経度)",
            missing[0],
        )
    return headers, [
        (number, cells, (cells.get("経度"), cells.get("緯度"))) for number, cells in records
    ]


def _feature(number: int, props: dict[str, Any]) -> _Feature:
    geometry = props.pop("geometry", None)
    where = None
    if geometry is not None and geometry.geom_type == "Point" and not geometry.is_empty:
        where = (geometry.x, geometry.y)
    return number, {canonical(k): v for k, v in props.items()}, where


def _id_and_name_problems(source_id: str, well_formed: bool, props: dict[str, Any]) -> Problems:
    problems: Problems = []
    if not well_formed:
        problems.append(
            (
                "共通ID",
                f'共通ID "{source_id}" is not "E" followed by 13 digits'
                if source_id
                else "共通ID is empty",
            )
        )
    if not clean(props.get("施設・場所名")):
        problems.append(("施設・場所名", "施設・場所名 is empty"))
    return problems


def _coordinates(where: tuple[Any, Any] | None, problems: Problems) -> tuple[float, float] | None:
    """(latitude, longitude) of a feature's point, its problems appended."""
    if where is None:
        problems.append((None, "the feature has no point geometry"))
        return None
    coordinates, point_problems = point(where[1], where[0], "緯度", "経度")
    problems += point_problems
    return coordinates
