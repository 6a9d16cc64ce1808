"""The error report of an import: every bad row, as a CSV that opens in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask_babel import gettext as _

from .parsing import RowError


def report_csv(errors: Iterable[RowError]) -> str:
    """UTF-8 with a BOM, so Excel in Japan opens it without garbling."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow((_("Row"), _("Column"), _("Value"), _("Reason")))
    writer.writerows((e.row, e.column, e.value, e.reason) for e in errors)
    return out.getvalue()
