"""Reading one file's text and one cell's value, and the problems found in them.

A problem in a row is a (column, message) pair the reader gathers; a problem with a file is a
FileError, which the reader turns into a RowError without a row.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .headers import canonical

#: Japan, generously: a coordinate outside these is a typo or a swapped pair.
LATITUDE_RANGE = (20.0, 46.0)
LONGITUDE_RANGE = (122.0, 154.0)

#: Problems found in one row: (the column as written in the file, or None; the message).
Problems = list[tuple[str | None, str]]

_TRUE_FLAGS = {"1", "○", "◯", "〇", "●", "true", "yes", "y", "t", "有", "あり", "可", "対象"}
_FALSE_FLAGS = {
    "",
    "0",
    "×",
    "✕",
    "x",
    "-",
    "ー",
    "−",
    "false",
    "no",
    "n",
    "f",
    "無",
    "なし",
    "不可",
}
_ENCODINGS = ("utf-8-sig", "cp932")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one file.

    row: for a CSV, the row a spreadsheet shows (the header is row 1, whatever newlines a
    quoted value holds); for GeoJSON, the feature's number from 1; None for the whole file.
    column: the header as written in the file (or the expected one when it is missing).
    """

    file: str
    row: int | None
    column: str | None
    message: str


class FileError(Exception):
    """A file that cannot be read at all; becomes a RowError without a row."""

    def __init__(self, message: str, column: str | None = None, missing: bool = False) -> None:
        super().__init__(message)
        self.column = column
        #: A column the format or the mapping needs is missing.
        self.missing = missing


def row_errors(file: str, number: int, problems: Problems) -> list[RowError]:
    """A row's problems as RowErrors."""
    return [RowError(file, number, column, message) for column, message in problems]


# --- Files --------------------------------------------------------------------------------------


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Headers (canonical names for known columns) and (row number, cells) per non-empty row."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise FileError(f"the file cannot be read: {error.strerror}") from error
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        numbered = [
            (n, row) for n, row in enumerate(reader, start=1) if any(c.strip() for c in row)
        ]
    except csv.Error as error:
        raise FileError(f"the CSV is malformed near line {reader.line_num}: {error}") from error
    if not numbered:
        raise FileError("the file is empty: it has no header row")
    headers = [canonical(header) for header in numbered[0][1]]
    records = [(n, dict(zip(headers, row, strict=False))) for n, row in numbered[1:]]
    return headers, records


def decode(data: bytes) -> str:
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError(f"the file's text encoding is not one we can read; tried {_ENCODINGS}")


def first_seen(
    seen: dict[str, tuple[str, int]],
    column: str,
    value: str,
    where: tuple[str, int],
    problems: Problems,
) -> None:
    """Note where an ID is first read (file, row); an ID read again is a problem."""
    if value not in seen:
        seen[value] = where
        return
    file, row = seen[value]
    problems.append(
        (column, f'{column} "{value}" appears again (first in {Path(file).name}, row {row})')
    )


# --- Cells --------------------------------------------------------------------------------------


def clean(value: Any) -> str:
    """A cell as trimmed NFKC text (full-width digits to ASCII); None and NaN become ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_flag(value: Any) -> bool | None:
    """A yes/no cell: 1, 1.0, 1.00, ○ or true is yes; empty, 0, × or - is no; else None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    text = clean(value).lower()
    if text in _TRUE_FLAGS:
        return True
    if text in _FALSE_FLAGS:
        return False
    try:
        number = float(text)
    except ValueError:
        return None
    if number in (0, 1):
        return number == 1
    return None


def point(
    latitude: Any, longitude: Any, latitude_column: str, longitude_column: str
) -> tuple[tuple[float, float] | None, Problems]:
    """(latitude, longitude) within Japan, or None and the problems found."""
    problems: Problems = []
    lat = _number(latitude, latitude_column, problems)
    lon = _number(longitude, longitude_column, problems)
    if lat is None or lon is None:
        return None, problems
    swapped = _within(lat, LONGITUDE_RANGE) and _within(lon, LATITUDE_RANGE)
    hint = " (latitude and longitude swapped?)" if swapped else ""
    for value, column, (low, high) in (
        (lat, latitude_column, LATITUDE_RANGE),
        (lon, longitude_column, LONGITUDE_RANGE),
    ):
        if not _within(value, (low, high)):
            problems.append(
                (column, f"{column} {value:g} is outside Japan ({low:g} to {high:g}){hint}")
            )
    return (None if problems else (lat, lon)), problems


def _number(value: Any, column: str, problems: Problems) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = clean(value)
        if not text:
            problems.append((column, f"{column} is empty"))
            return None
        try:
            number = float(text)
        except ValueError:
            problems.append((column, f'{column} "{text}" is not a number'))
            return None
    if not math.isfinite(number):
        problems.append((column, f'{column} "{value}" is not a number'))
        return None
    return number


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


# --- City codes ---------------------------------------------------------------------------------


def city_prefix(code: str) -> str:
    """The 5-digit municipality code of a 5- or 6-digit code (checking the check digit).

    >>> city_prefix("132292")
    '13229'
    """
    text = clean(code)
    if re.fullmatch(r"\d{5}", text):
        return text
    if re.fullmatch(r"\d{6}", text) and check_digit(text[:5]) == text[5]:
        return text[:5]
    raise ValueError(f"{code!r} is not a 5-digit city code or a 6-digit one with its check digit")


def normalise_city_code(value: Any) -> str | None:
    """The 6-digit 全国地方公共団体コード of a cell holding 5 or 6 digits (Excel's 132292.0
    too); None when it is not one."""
    text = clean(value).removesuffix(".0")
    if re.fullmatch(r"\d{5}", text):
        return text + check_digit(text)
    if re.fullmatch(r"\d{6}", text) and check_digit(text[:5]) == text[5]:
        return text
    return None


def check_digit(code5: str) -> str:
    """The check digit of a 5-digit municipality code (JIS X 0402, modulus 11)."""
    total = sum(int(digit) * weight for digit, weight in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return str((11 - total % 11) % 10)
