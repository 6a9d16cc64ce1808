"""The operation's report as CSV, and the wording of its durations and shares.

The file opens with the operation and the 取扱注意 notice, then one block per figure, each
with its own header, separated by an empty line: counts by district and status,
confirmations per hour, time to first confirmation by band and, for staff, the people never
reached. UTF-8 with a BOM and CRLF, as the other exports, for Excel in Japan; every cell
goes through spreadsheet_safe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..exports import spreadsheet_safe
from ..i18n import show_datetime
from ..labels import label
from ..models import OperationKind
from .report import STATUS_ORDER, WITHIN_HOURS, OperationReport, Unreached

NOTICE = _l(
    "Confidential: figures of a safety confirmation operation of the evacuation support "
    "register. The list of people never reached is personal data: use it only to reach them, "
    "make no copies, and destroy it when the work is done."
)


def duration_text(seconds: float | None) -> str:
    """A median time as hours and minutes ("2 h 05 min"); empty when there is none."""
    if seconds is None:
        return ""
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(m)d min", m=minutes)
    return _("%(h)d h %(m)02d min", h=minutes // 60, m=minutes % 60)


def percent_text(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f}%"


def report_csv(figures: OperationReport, unreached: list[Unreached] | None) -> bytes:
    """The report as CSV; the never-reached block only when `unreached` is given."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    blocks: list[Iterable[Sequence[Any]]] = [
        _heading(figures),
        _districts(figures),
        _hours(figures),
        _bands(figures),
    ]
    if unreached is not None:
        blocks.append(_unreached(unreached))
    for i, block in enumerate(blocks):
        if i:
            writer.writerow([])
        for row in block:
            writer.writerow([spreadsheet_safe(v) for v in row])
    return out.getvalue().encode("utf-8")


def _heading(figures: OperationReport) -> list[Sequence[Any]]:
    operation = figures.operation
    drill = [[_("[Drill]"), _("This operation is a drill, not a disaster.")]]
    return [
        *(drill if operation.kind is OperationKind.DRILL else []),
        [operation.name, operation.disaster],
        [_("Started"), show_datetime(operation.started_at),
         _("Figures as of"), show_datetime(figures.as_of)],
        [str(NOTICE)],
    ]  # fmt: skip


def _districts(figures: OperationReport) -> list[Sequence[Any]]:
    rows: list[Sequence[Any]] = [[_("People by district and status")]]
    rows.append([_("District code"), _("District"), *map(label, STATUS_ORDER), _("Total")])
    for d in figures.districts:
        rows.append([d.code, d.name, *(d.counts.get(s, 0) for s in STATUS_ORDER), d.total])
    totals = figures.totals
    rows.append(["", _("Total"), *(totals[s] for s in STATUS_ORDER), figures.people])
    return rows


def _hours(figures: OperationReport) -> list[Sequence[Any]]:
    rows: list[Sequence[Any]] = [[_("First confirmations per hour since the start")]]
    rows.append([_("Hours since the start"), _("From"), _("Confirmed"), _("Confirmed in all")])
    for b in figures.hours:
        hour = _("%(h)d or later", h=b.hour) if b.open_ended else str(b.hour)
        rows.append([hour, show_datetime(b.start), b.count, b.cumulative])
    return rows


def _bands(figures: OperationReport) -> list[Sequence[Any]]:
    within = [_("Within %(h)d h", h=h) for h in WITHIN_HOURS]
    rows: list[Sequence[Any]] = [[_("Time to first confirmation by priority band")]]
    rows.append([_("Band"), _("People"), _("Confirmed"), _("Median (minutes)"), *within])
    for b in figures.bands:
        median = "" if b.median_seconds is None else round(b.median_seconds / 60)
        shares = [percent_text(b.share(h)) for h in WITHIN_HOURS]
        rows.append([b.band, b.people, b.confirmed, median, *shares])
    return rows


def _unreached(unreached: list[Unreached]) -> list[Sequence[Any]]:
    rows: list[Sequence[Any]] = [[_("People never reached")]]
    rows.append([_("Register number"), _("Name"), _("District"), _("Status")])
    for u in unreached:
        district = u.person.get("district") or {}
        rows.append([u.person.registrant_id, u.person.get("name", ""),
                     district.get("name", ""), label(u.status)])  # fmt: skip
    return rows
