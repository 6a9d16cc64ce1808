"""Reading an eligible-people export (CSV or XLSX) into typed, normalised records.

read_table() (tables.py) turns a file into a header and rows; parse_rows() maps the columns,
normalises each value the way the registrant form would (values.py), and reports every
problem by row and column. Nothing here touches the database: the caller decides what to do
with records and errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from openpyxl.utils import get_column_letter

from ..models.registrants import CareLevel, Household, Mobility, Sex
from .mapping import REQUIRED_FIELDS, TARGET_FIELDS, Columns, Mapping
from .messages import Message
from .tables import Cell, Table, cell_text, is_blank
from .values import ValueProblem, field_parsers


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
    _parse_data_rows(table, plan, columns, result)
    return result


def _parse_data_rows(
    table: Table, plan: list[_Column], columns: Columns, result: ParseResult
) -> None:
    """Add each row's problems to the result, or its record when it has none and the
    header had none either."""
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
    parsers = field_parsers(mapping, today)
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
        except ValueProblem as problem:
            errors.append(RowError(number, header, problem.message, cell_text(cell)))
    return values, errors


def _beyond_header(row: list[Cell], width: int, number: int) -> Iterator[RowError]:
    """A value past the last header usually means an unquoted comma shifted the row."""
    for i in range(width, len(row)):
        if not is_blank(row[i]):
            letter = get_column_letter(i + 1)
            yield RowError(
                number, letter, Message.of("beyond_header", letter=letter), cell_text(row[i])
            )
            return


_OPTIONAL_FIELDS = dict.fromkeys(set(TARGET_FIELDS) - REQUIRED_FIELDS)


def _record(values: dict[str, object], number: int) -> ImportRecord:
    # The parsers produced each value's type, and a row reaches here only with every
    # required field, so the dict fits the record's fields.
    return ImportRecord(**{**_OPTIONAL_FIELDS, **values}, row=number)  # type: ignore[arg-type]
