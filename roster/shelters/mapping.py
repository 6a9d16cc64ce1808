"""The column mapping a CSV in the "csv" format is read through (a small TOML file)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from geo.shelters.tables import MAPPING_TARGETS, REQUIRED_TARGETS


class MappingError(ValueError):
    """A column-mapping file that cannot be used."""


def load_mapping(source: str | Path | bytes) -> dict[str, str]:
    """The {target: source header} of a mapping TOML (roster/data/shelter-mapping.sample.toml).

    The file has one table, [columns], whose keys are geo.shelters.tables.MAPPING_TARGETS and
    whose values are the headers of the CSV. Raises MappingError saying what is wrong.
    """
    try:
        data = tomllib.loads(_text(source))
    except UnicodeDecodeError as exc:
        raise MappingError("the mapping file is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"the mapping file is not valid TOML: {exc}") from exc
    columns = _checked_columns(data.get("columns"))
    return {target: header.strip() for target, header in columns.items()}


def _text(source: str | Path | bytes) -> str:
    if isinstance(source, bytes):
        return source.decode("utf-8-sig")
    if isinstance(source, Path):
        return source.read_text(encoding="utf-8-sig")
    return source


def _checked_columns(columns: Any) -> dict[str, str]:
    """The [columns] table, when it names known targets, every required one, and headers."""
    if not isinstance(columns, dict) or not columns:
        raise MappingError("the mapping file needs a [columns] table naming the CSV's headers")
    unknown = sorted(set(columns) - set(MAPPING_TARGETS))
    if unknown:
        raise MappingError(
            f"unknown key {unknown[0]!r} under [columns]; the keys are {', '.join(MAPPING_TARGETS)}"
        )
    missing = [target for target in REQUIRED_TARGETS if target not in columns]
    if missing:
        raise MappingError(f"[columns] must name the column for {', '.join(missing)}")
    for target, header in columns.items():
        if not isinstance(header, str) or not header.strip():
            raise MappingError(f"[columns] {target} must be a column header (a string)")
    return columns
