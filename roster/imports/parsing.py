"""Reading an eligible-people export (CSV or XLSX) into typed, normalised records.

read_table() turns a file into a header and rows; parse_rows() maps the columns, normalises
each value the way the registrant form would, and reports every problem by row and column.
Nothing here touches the database: the caller decides what to do with records and errors.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple, cast
from unicodedata import normalize as _normalize

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ..models.registrants import CareLevel, Household, Mobility, Sex
from ..text import is_katakana_reading, to_katakana
from ..uploads import UploadLimits, check_zip
from .dates import DateError, to_date
from .mapping import (
    CODED_FIELDS,
    REQUIRED_FIELDS,
    TARGET_FIELDS,
    Mapping,
    match_key,
)
from .messages import Message, MessageError

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


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: the source row, the column (the header as written, or the recognised
    header when the column is missing), what is wrong, and the cell's value."""

    row: int
    column: str
    message: Message
    value: str = ""

    @property
    def reason(self) -> str:
        """What is wrong, in the current language."""
        return str(self.message)


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One person as the source system describes them, normalised and checked."""

    resident_no: str
    name: str
    name_kana: str
    birth_date: date
    sex: Sex
    address: str
    postal_code: str | None
    phone: str | None
    mobile_phone: str | None
    #: None when the file has no care-level column; CareLevel.NONE when the cell is empty.
    care_level: CareLevel | None
    disability_certificate: str | None
    support_reason: str | None
    #: The district (地区/町丁目) name as written; matching it to a District is the caller's.
    district: str | None
    household: Household | None
    mobility: Mobility | None
    row: int


@dataclass
class ParseResult:
    """Records for the rows without problems, and every problem found."""

    records: list[ImportRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Field -> the source header it was read from.
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the file had no problems at all."""
        return not self.errors


# --- Reading files -------------------------------------------------------------------------

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
        data = (
            path_or_bytes
            if isinstance(path_or_bytes, bytes)
            else Path(path_or_bytes).read_bytes()
        )
        check_zip(data, limits)
        return _read_xlsx(io.BytesIO(data), limits)
    if suffix in _CSV_SUFFIXES:
        if isinstance(path_or_bytes, bytes):
            data = path_or_bytes
        else:
            data = Path(path_or_bytes).read_bytes()
        limits.check_size(len(data))
        return _read_csv(*decode_csv(data, encoding), limits)
    if suffix == ".xls":
        raise TableError("old_excel")
    raise TableError("unknown_kind", name=filename)


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
        while row and _is_blank(row[-1]):
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


def _is_blank(cell: Cell) -> bool:
    return isinstance(cell, str) and (not cell or cell.isspace())


def _table(rows: Iterable[tuple[int, list[Cell]]], encoding: str | None) -> Table:
    numbered = ((n, row) for n, row in rows if not all(_is_blank(cell) for cell in row))
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
    headers = [cell.strip() if isinstance(cell, str) else _text(cell) for cell in cells]
    while headers and not headers[-1]:
        headers.pop()
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
    return headers


# --- Normalising values --------------------------------------------------------------------


class _Problem(MessageError):
    """A cell's value is wrong; the message is the reason shown to the user."""


def _text(cell: Cell) -> str:
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


def _limited(limit: int) -> Callable[[Cell], str]:
    def parse(cell: Cell) -> str:
        text = _text(cell)
        if len(text) > limit:
            raise _Problem("too_long", limit=limit, length=len(text))
        return text

    return parse


_DIGITS = re.compile(r"[0-9]+")


def _resident_no(cell: Cell) -> str:
    text = _text(cell)
    if not _DIGITS.fullmatch(text):
        raise _Problem("resident_no_digits", value=text)
    if len(text) > 20:
        raise _Problem("resident_no_length", length=len(text))
    return text


# Katakana, ー, ・ and spaces: almost every reading, checked without looking up char names.
_PLAIN_KATAKANA = re.compile(r"[ァ-ヺー・ヽヾ ]+")


def _kana(cell: Cell) -> str:
    text = _text(cell)
    if not _PLAIN_KATAKANA.fullmatch(text):
        text = to_katakana(text)
    if not (_PLAIN_KATAKANA.fullmatch(text) or is_katakana_reading(text)):
        raise _Problem("kana", value=text)
    if len(text) > 100:
        raise _Problem("too_long", limit=100, length=len(text))
    return text


def _birth_date(today: date) -> Callable[[Cell], date]:
    def parse(cell: Cell) -> date:
        try:
            day = to_date(cell)
        except DateError as error:
            raise _Problem(error.message.code, **dict(error.message.params)) from None
        if day > today:
            raise _Problem("future_date", value=day.isoformat())
        if day.year < 1900:
            raise _Problem("before_1900", value=day.isoformat())
        return day

    return parse


_POSTAL = re.compile(r"〒?([0-9]{3})-?([0-9]{4})")
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))


def _postal_code(cell: Cell) -> str:
    if isinstance(cell, int | float) and not isinstance(cell, bool) and 0 < cell < 10**7:
        # A number cell cannot hold the leading zeros of 001-0010; a postal code has 7 digits.
        cell = f"{int(cell):07d}"
    text = _text(cell).translate(_DASHES).replace(" ", "")
    if not (match := _POSTAL.fullmatch(text)):
        raise _Problem("postal_code", value=text)
    return f"{match[1]}-{match[2]}"


# The registrant form's phone pattern, so imported numbers pass the same check when edited.
_PHONE_SHAPE = re.compile(r"0\d{1,4}-?\d{1,4}-?\d{3,4}")
_PHONE_SEPARATORS = str.maketrans(dict.fromkeys("‐‑‒–—―−ー() ", "-"))
_HYPHEN_RUNS = re.compile(r"-{2,}")
# Number ranges whose grouping does not depend on the area: prefix -> group sizes.
# Other landline numbers are grouped by their area code (2 to 5 digits), which the digits
# alone do not tell, so they are kept as digits unless the file hyphenated them.
_KNOWN_GROUPS = (
    (("0120", "0570", "0990"), 10, (4, 3, 3)),
    (("0800",), 11, (4, 3, 4)),
    (("020", "050", "060", "070", "080", "090"), 11, (3, 4, 4)),
    (("03", "06"), 10, (2, 4, 4)),
)


def _phone(cell: Cell) -> str:
    given = _text(cell)
    text = _HYPHEN_RUNS.sub("-", given.translate(_PHONE_SEPARATORS)).strip("-")
    digits = text.replace("-", "")
    if not (_DIGITS.fullmatch(digits) and 10 <= len(digits) <= 11 and digits[0] == "0"):
        # A number cell has lost the leading 0: the message says to format it as text.
        raise _Problem("phone" if isinstance(cell, str) else "phone_number_cell", value=given)
    if "-" in text:
        if not _PHONE_SHAPE.fullmatch(text):
            raise _Problem("phone_hyphens", value=given)
        return text
    return _group_phone(digits)


def _group_phone(digits: str) -> str:
    for prefixes, length, sizes in _KNOWN_GROUPS:
        if len(digits) == length and digits.startswith(prefixes):
            a, b, _ = sizes
            return f"{digits[:a]}-{digits[a : a + b]}-{digits[a + b :]}"
    return digits


_NO_CERTIFICATE = {"なし", "無し", "無", "-"}


_certificate_text = _limited(40)


def _certificate(cell: Cell) -> str | None:
    text = _certificate_text(cell)
    return None if text in _NO_CERTIFICATE else text


def _codes(enum: type[StrEnum], names: dict[str, tuple[str, ...]]) -> dict[str, StrEnum]:
    """match_key(word) -> member, for each member's own value and the words given for it."""
    table: dict[str, StrEnum] = {}
    for member in enum:
        for word in (member.value, *names.get(member.value, ())):
            table[match_key(word)] = member
    return table


_BUILTIN_CODES: dict[str, dict[str, StrEnum]] = {
    "sex": _codes(
        Sex,
        {
            "male": ("男", "男性", "M", "1"),
            "female": ("女", "女性", "F", "2"),
            "other": ("その他",),
        },
    ),
    "care_level": _codes(
        CareLevel,
        {
            "none": ("非該当", "なし", "無し", "無", "未申請", "自立", "-"),
            **{f"support_{n}": (f"要支援{n}", f"支援{n}") for n in (1, 2)},
            **{f"care_{n}": (f"要介護{n}", f"介護{n}") for n in range(1, 6)},
        },
    ),
    "household": _codes(
        Household,
        {
            "alone": ("独居", "単身", "一人暮らし", "ひとり暮らし"),
            "elderly_only": ("高齢者のみ", "高齢者のみ世帯", "高齢者世帯"),
            "with_others": ("同居", "家族同居"),
            "unknown": ("未確認", "不明"),
        },
    ),
    "mobility": _codes(
        Mobility,
        {
            "independent": ("独歩", "自立", "歩行可"),
            "cane_walker": ("杖・歩行器", "杖", "歩行器"),
            "wheelchair": ("車椅子", "車いす"),
            "bedridden": ("寝たきり",),
            "unknown": ("未確認", "不明"),
        },
    ),
}


def _coded(target: str, mapping: Mapping) -> Callable[[Cell], StrEnum]:
    """A parser for a coded field: the mapping's codes first, then the built-in words.

    Coded columns hold a handful of distinct values, so each is looked up once.
    """
    enum, builtin = CODED_FIELDS[target], _BUILTIN_CODES[target]
    codes = mapping.values.get(target, {})
    # Excel turns the code "01" into the number 1, so number cells match codes by value.
    numeric = {int(code): value for code, value in codes.items() if code.isdigit()}
    seen: dict[Cell, StrEnum] = {}

    def parse(cell: Cell) -> StrEnum:
        if (member := seen.get(cell)) is not None:
            return member
        key = match_key(_text(cell))
        value = codes.get(key)
        if value is None and not isinstance(cell, str) and key.isdigit():
            value = numeric.get(int(key))
        member = enum(value) if value is not None else builtin.get(key)
        if member is None:
            raise _Problem(f"{target}_unknown", value=_text(cell))
        seen[cell] = member
        return member

    return parse


def _parsers(mapping: Mapping, today: date) -> dict[str, Callable[[Cell], object]]:
    parsers: dict[str, Callable[[Cell], object]] = {
        "resident_no": _resident_no,
        "name": _limited(100),
        "name_kana": _kana,
        "birth_date": _birth_date(today),
        "address": _limited(200),
        "postal_code": _postal_code,
        "phone": _phone,
        "mobile_phone": _phone,
        "disability_certificate": _certificate,
        "support_reason": _limited(2000),
        "district": _limited(60),
    }
    parsers.update({target: _coded(target, mapping) for target in CODED_FIELDS})
    return parsers


# --- Parsing rows --------------------------------------------------------------------------


class _Column(NamedTuple):
    position: int
    parse: Callable[[Cell], object]
    target: str
    header: str
    #: The value of an empty cell; _REQUIRED when an empty cell is an error.
    empty: object


_REQUIRED = object()


def parse_rows(table: Table, mapping: Mapping, *, today: date) -> ParseResult:
    """Map, normalise and check every row; report every problem of every row.

    Records are returned only for rows without problems, and none at all when a required
    column is missing or the mapping names a column the file lacks: the file must be fixed.
    """
    columns = mapping.resolve(table.headers)
    result = ParseResult(columns={target: header for target, (_, header) in columns.found.items()})
    result.errors.extend(
        RowError(table.header_row, column, message) for column, message in columns.problems
    )
    plan = _plan(columns.found, mapping, today)
    seen = _FirstSeen(columns.found.get("resident_no", (0, ""))[1])
    width = len(table.headers)
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        values, errors = _parse_row(plan, row, number)
        seen.check(values.get("resident_no"), number, errors)
        if len(row) > width:
            errors.extend(_beyond_header(row, width, number))
        if errors:
            result.errors.extend(errors)
        elif not columns.problems:
            result.records.append(_record(values, number))
    return result


class _FirstSeen:
    """Remembers the row each resident ID first appeared on, to report repeats."""

    def __init__(self, column: str) -> None:
        self.column = column
        self.rows: dict[object, int] = {}

    def check(self, resident_no: object, number: int, errors: list[RowError]) -> None:
        if resident_no is None:
            return
        first = self.rows.setdefault(resident_no, number)
        if first != number:
            message = Message.of("resident_no_repeated", value=resident_no, first=first)
            errors.append(RowError(number, self.column, message, str(resident_no)))


def _plan(found: dict[str, tuple[int, str]], mapping: Mapping, today: date) -> list[_Column]:
    """One entry per column read, in field order, with its parser and empty value."""
    parsers = _parsers(mapping, today)
    plan = []
    for target, parse in parsers.items():
        if target not in found:
            continue
        index, header = found[target]
        empty = _REQUIRED if target in REQUIRED_FIELDS else None
        if target == "care_level":
            empty = CareLevel.NONE  # an empty 要介護度 is no certification: 非該当
        plan.append(_Column(index, parse, target, header, empty))
    order = {target: i for i, target in enumerate(TARGET_FIELDS)}
    return sorted(plan, key=lambda column: order[column.target])


def _parse_row(
    plan: list[_Column], row: list[Cell], number: int
) -> tuple[dict[str, object], list[RowError]]:
    values: dict[str, object] = {}
    errors: list[RowError] = []
    size = len(row)
    # Unpacked tuples and no helper calls: this loop runs once per cell of the file.
    for index, parse, target, header, empty in plan:
        cell = row[index] if index < size else ""
        if isinstance(cell, str) and (not cell or cell.isspace()):
            if empty is _REQUIRED:
                message = Message.of("required_empty", column=header)
                errors.append(RowError(number, header, message))
            else:
                values[target] = empty
            continue
        try:
            values[target] = parse(cell)
        except _Problem as problem:
            errors.append(RowError(number, header, problem.message, _text(cell)))
    return values, errors


def _beyond_header(row: list[Cell], width: int, number: int) -> Iterator[RowError]:
    """A value past the last header usually means an unquoted comma shifted the row."""
    for i in range(width, len(row)):
        if not _is_blank(row[i]):
            letter = get_column_letter(i + 1)
            yield RowError(
                number, letter, Message.of("beyond_header", letter=letter), _text(row[i])
            )
            return


_OPTIONAL_FIELDS = dict.fromkeys(set(TARGET_FIELDS) - REQUIRED_FIELDS)


def _record(values: dict[str, object], number: int) -> ImportRecord:
    # The parsers produced each value's type, and a row reaches here only with every
    # required field, so the dict fits the record's fields.
    return ImportRecord(**{**_OPTIONAL_FIELDS, **values}, row=number)  # type: ignore[arg-type]
