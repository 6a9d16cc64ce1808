"""The error report of an import: every bad row, as a CSV that opens in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .parsing import RowError

HEADER = ("行 (row)", "列 (column)", "理由 (reason)")


def report_csv(errors: Iterable[RowError]) -> str:
    """UTF-8 with a BOM, so Excel in Japan opens it without garbling."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows((e.row, e.column, e.reason) for e in errors)
    return out.getvalue()
