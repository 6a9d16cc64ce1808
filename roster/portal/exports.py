"""A copy of the partner's list as CSV or XLSX: the watermark and the 49-13 notice first,
then a header of field labels, then one row per person. Every text cell goes through
spreadsheet_safe, so nothing in a name or an address can run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..exports import spreadsheet_safe
from .columns import Column, header, row
from .notices import CONFIDENTIALITY_NOTICE, SHORT_NOTICE, CopyMark

#: (line number, projected person) pairs, in the order of the copy.
Lines = Sequence[tuple[int, dict[str, Any]]]

#: Rows above the header: the watermark and the notice.
PREAMBLE_ROWS = 2
#: Excel refuses a header or footer section longer than this.
HEADER_MAX = 250


def csv_copy(
    mark: CopyMark, columns: list[Column], lines: Lines, notice: Any = CONFIDENTIALITY_NOTICE
) -> bytes:
    """UTF-8 with a BOM, so Excel in Japan opens it without garbling; CRLF line ends. The
    notice is the partner's 49-13 duty unless the caller (staff's own copy) gives another."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(mark.line())])
    writer.writerow([spreadsheet_safe(notice)])
    writer.writerow([spreadsheet_safe(h) for h in header(columns)])
    for line, view in lines:
        writer.writerow([spreadsheet_safe(v) for v in row(line, view, columns)])
    return out.getvalue().encode("utf-8")


def _cell_value(value: Any) -> Any:
    """Numbers stay numbers (they cannot be formulas); everything else becomes safe text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", spreadsheet_safe(value))


def _put_row(ws: Worksheet, row_no: int, values: Sequence[Any]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row_no, column=col)
        cell.value = _cell_value(value)
        if isinstance(cell.value, str):
            # openpyxl reads "=…" as a formula and "#N/A" as an error: text is text.
            cell.data_type = "s"


def _width(text: str) -> int:
    """Display width: CJK characters take about two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _set_widths(ws: Worksheet, rows: list[list[Any]]) -> None:
    for col in range(1, len(rows[0]) + 1):
        widest = max(_width(str(r[col - 1])) for r in rows if len(r) >= col)
        ws.column_dimensions[get_column_letter(col)].width = min(max(widest + 2, 6), 50)


def _header_text(text: str) -> str:
    """Text for a page header or footer: '&' starts a code there, so it is doubled."""
    return text.replace("&", "&&")[:HEADER_MAX]


def xlsx_copy(
    mark: CopyMark,
    columns: list[Column],
    lines: Lines,
    notice: Any = CONFIDENTIALITY_NOTICE,
    short_notice: Any = SHORT_NOTICE,
) -> bytes:
    """One sheet, A4 landscape, the header row frozen and repeated on every printed page, the
    watermark in the page header and the notice in the page footer."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("List")[:31]
    wb.properties.creator = "Roster"
    _put_preamble(ws, mark, str(notice))
    titles = header(columns)
    head_row = PREAMBLE_ROWS + 1
    _put_header(ws, head_row, titles)
    body = [row(line, view, columns) for line, view in lines]
    for offset, values in enumerate(body, start=head_row + 1):
        _put_row(ws, offset, values)
    _set_widths(ws, [titles, *([_cell_value(v) for v in r] for r in body)])
    _set_page(ws, mark, head_row, str(short_notice))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _put_preamble(ws: Worksheet, mark: CopyMark, notice: str) -> None:
    """The watermark (bold) and the notice, above the header."""
    _put_row(ws, 1, [mark.line()])
    _put_row(ws, 2, [notice])
    ws.cell(row=1, column=1).font = Font(bold=True)


def _put_header(ws: Worksheet, head_row: int, titles: Sequence[Any]) -> None:
    """The field labels, bold and wrapped."""
    _put_row(ws, head_row, titles)
    for cell in ws[head_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top", wrap_text=True)


def _set_page(ws: Worksheet, mark: CopyMark, head_row: int, short_notice: str) -> None:
    """Printing: the header row frozen and repeated, A4 landscape one page wide, the
    watermark in the page header and the notice and page numbers in the footer."""
    ws.freeze_panes = ws.cell(row=head_row + 1, column=1)
    ws.print_title_rows = f"{head_row}:{head_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = _header_text(mark.line())
    ws.oddFooter.left.text = _header_text(short_notice)
    # &P and &N are Excel's page number and page count.
    ws.oddFooter.right.text = _("Page %(page)s of %(pages)s", page="&P", pages="&N")
