"""Reading an export file (CSV, TSV or XLSX) into a header and its rows.

read_table() turns a file into a Table; cell_text() is how every cell is read as text. The
header must name each column once; fully empty rows are skipped. Nothing here knows what the
columns mean: parsing.py maps and checks them.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import cast
from unicodedata import normalize as _normalize

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ..uploads import UploadLimits, check_zip
from .mapping import match_key
from .messages import MessageError

#: A cell as read: always str from CSV; from XLSX also the numbers and dates Excel stored.
Cell = str | int | float | date


class TableError(MessageError):
    """A file that cannot be read as a table at all; the message says why."""


@dataclass
class Table:
    """A file's header and its non-empty rows, with the row numbers a spreadsheet shows."""

    headers: list[str]
    rows: list[list[Cell]]
    #: 1-based source row of each entry in rows (header row first, so data starts at 2).
    row_numbers: list[int]
    header_row: int = 1
    #: The encoding a CSV file was read with; None for XLSX.
    encoding: str | None = None


_CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}


def read_table(
    path_or_bytes: str | Path | bytes,
    *,
    filename: str,
    encoding: str | None = None,
    limits: UploadLimits | None = None,
) -> Table:
    """Read a CSV/TSV or XLSX file (the kind is taken from filename) into a Table.

    CSV encoding is detected when not given: a UTF-8 BOM, then valid UTF-8, then cp932.
    Fully empty rows are skipped. Raises TableError for unreadable files and bad headers,
    and UploadRefused, before or while reading, for a file beyond the limits.
    """
    limits = limits or UploadLimits()
    suffix = Path(filename).suffix.lower()
    if suffix in _XLSX_SUFFIXES:
        data = _bytes(path_or_bytes)
        check_zip(data, limits)
        return _read_xlsx(io.BytesIO(data), limits)
    if suffix in _CSV_SUFFIXES:
        data = _bytes(path_or_bytes)
        limits.check_size(len(data))
        return _read_csv(*decode_csv(data, encoding), limits)
    if suffix == ".xls":
        raise TableError("old_excel")
    raise TableError("unknown_kind", name=filename)


def _bytes(path_or_bytes: str | Path | bytes) -> bytes:
    return path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()


def decode_csv(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read with (detected when not given)."""
    if encoding:
        return _decode_as(data, _codec(encoding)), encoding
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(data, "utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated.
        return _decode_as(data, "utf-16"), "utf-16"
    for candidate in ("utf-8", "cp932"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise TableError("encoding_unreadable")


def _codec(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError as error:
        raise TableError("encoding_unknown", encoding=encoding) from error
    # Files called Shift_JIS are written by Windows, whose cp932 adds ①, ㈱, 髙 and the like.
    return "cp932" if name in {"shift_jis", "cp932"} else name


def _decode_as(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TableError("encoding_invalid", encoding=encoding, line=line) from error


def _read_csv(text: str, encoding: str, limits: UploadLimits) -> Table:
    first_line = text.split("\n", 1)[0]
    tabs = first_line.count("\t") > first_line.count(",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if tabs else ",")
    try:
        # Records are numbered as a spreadsheet numbers rows, whatever newlines a quoted
        # value holds.
        rows = list(_bounded(enumerate(cast(Iterator[list[Cell]], reader), start=1), limits))
    except csv.Error as error:
        raise TableError("csv_malformed", line=reader.line_num) from error
    return _table(rows, encoding)


def _bounded(
    rows: Iterable[tuple[int, list[Cell]]], limits: UploadLimits
) -> Iterator[tuple[int, list[Cell]]]:
    """The rows, stopping with UploadRefused at the row, column or time limit (the header
    row is not counted)."""
    clock = limits.clock()
    for number, row in rows:
        limits.check_rows(number - 1)
        while row and is_blank(row[-1]):
            row.pop()
        limits.check_columns(len(row))
        clock.check(number)
        yield number, row


def _read_xlsx(source: io.BytesIO, limits: UploadLimits) -> Table:
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    # openpyxl reports a damaged workbook with any of these.
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise TableError("xlsx_unreadable") from error
    try:
        sheet = workbook.worksheets[0]
        # Some exporters write a wrong size into the sheet; read every row that is there.
        sheet.reset_dimensions()
        values = sheet.iter_rows(values_only=True)
        cells = ((n, [_xlsx_cell(v) for v in row]) for n, row in enumerate(values, 1))
        return _table(_bounded(cells, limits), None)
    finally:
        workbook.close()


def _xlsx_cell(value: object) -> Cell:
    """Dates and numbers stay as they are, so leading zeros and date cells are not mangled."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str | int | float | date):
        return value
    if isinstance(value, time):
        return value.isoformat()
    return str(value)


def is_blank(cell: Cell) -> bool:
    return isinstance(cell, str) and (not cell or cell.isspace())


def _table(rows: Iterable[tuple[int, list[Cell]]], encoding: str | None) -> Table:
    numbered = ((n, row) for n, row in rows if not all(is_blank(cell) for cell in row))
    try:
        header_row, header = next(numbered)
    except StopIteration:
        raise TableError("empty_file") from None
    table = Table(_headers(header, header_row), [], [], header_row, encoding)
    for number, row in numbered:
        table.row_numbers.append(number)
        table.rows.append(row)
    return table


def _headers(cells: list[Cell], row: int) -> list[str]:
    """The header names; trailing empty ones are dropped, others must be present and unique."""
    # Kept as written (only trimmed), so messages name the column as the user sees it.
    headers = [cell.strip() if isinstance(cell, str) else cell_text(cell) for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
    _check_headers(headers, row)
    return headers


def _check_headers(headers: list[str], row: int) -> None:
    """Refuse a blank header, or one that repeats an earlier one (as match_key compares)."""
    seen: dict[str, int] = {}
    for i, header in enumerate(headers):
        letter = get_column_letter(i + 1)
        if not header:
            raise TableError("header_blank", row=row, letter=letter)
        first = seen.setdefault(match_key(header), i)
        if first != i:
            raise TableError(
                "header_twice",
                row=row,
                header=header,
                first=get_column_letter(first + 1),
                second=letter,
            )


def cell_text(cell: Cell) -> str:
    """A cell as clean text: NFKC, whitespace collapsed; 123.0 from Excel is "123"."""
    if isinstance(cell, str):
        # NFKC leaves ASCII as it is, so the common case only needs its spaces collapsed.
        # Otherwise this is text.clean() (split() and \s+ agree on whitespace), minus a call.
        return " ".join((cell if cell.isascii() else _normalize("NFKC", cell)).split())
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime) and cell.time() == time(0):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)
