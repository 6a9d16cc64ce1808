"""The after-action report's figures as CSV.

The file opens with 訓練, the scenario and a notice, then one block per figure, each with its
own header, separated by an empty line: objectives and verdicts, people reached by district,
organisation and band, the timeline, the findings, the plans flagged, the improvement plan
and, for staff, the register numbers of the people never reached. UTF-8 with a BOM and CRLF,
as the other exports; every cell goes through spreadsheet_safe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..exports import spreadsheet_safe
from ..i18n import show_datetime
from ..labels import label
from .aar import AfterAction
from .aar_text import objective_text, result_text
from .measure import WITHIN_MINUTES, GroupRow

NOTICE = _l(
    "Drill figures of the evacuation support register. They name no one; the register "
    "numbers of the people never reached are for welfare staff only."
)

Rows = list[Sequence[Any]]


def report_csv(report: AfterAction) -> bytes:
    """The report as CSV; the register numbers only when the report holds them."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    figures = report.figures
    blocks: list[Rows] = [
        _heading(report),
        _objectives(report),
        _groups(_("People reached by district"), figures.districts),
        _groups(_("People reached by organisation of the first report"), figures.organisations),
        _groups(_("People reached by priority band"), figures.bands),
        _timeline(report),
        _findings(report),
        _actions(report),
    ]
    if report.unreached is not None:
        numbers: Rows = [[_("Register numbers of the people never reached")]]
        numbers += [[p.registrant_id] for p in report.unreached]
        blocks.append(numbers)
    for i, block in enumerate(blocks):
        if i:
            writer.writerow([])
        for row in block:
            writer.writerow([spreadsheet_safe(v) for v in row])
    return out.getvalue().encode("utf-8")


def _heading(report: AfterAction) -> Rows:
    scenario, operation = report.scenario, report.figures.operation
    ended = show_datetime(operation.ended_at) if operation.ended_at else _("Still running")
    return [
        [_("Drill"), scenario.name],
        [_("Started"), show_datetime(operation.started_at), _("Ended"), ended],
        [_("People"), report.figures.overall.people, _("Plans flagged for review"),
         report.flagged, _("Serious findings, no plan yet"), report.serious_unplanned],
        [str(NOTICE)],
    ]  # fmt: skip


def _objectives(report: AfterAction) -> Rows:
    rows: Rows = [[_("Objectives")], [_("Objective"), _("Verdict"), _("Figures")]]
    for r in report.results:
        rows.append([objective_text(r.objective), label(r.verdict), result_text(r)])
    return rows


def _groups(title: str, groups: list[GroupRow]) -> Rows:
    within = [_("Within %(m)d min", m=m) for m in WITHIN_MINUTES]
    rows: Rows = [[title], ["", _("People"), _("Reached"), _("Median (minutes)"), *within]]
    for g in groups:
        median = "" if g.median_seconds is None else round(g.median_seconds / 60)
        shares = [_share(g, m) for m in WITHIN_MINUTES]
        rows.append([g.label, g.people, g.reached, median, *shares])
    return rows


def _share(group: GroupRow, minutes: int) -> str:
    percent = group.percent(minutes)
    return f"{percent}%" if percent else ""


def _timeline(report: AfterAction) -> Rows:
    rows: Rows = [[_("People first reached per 10 minutes since the start")],
                  [_("Minutes since the start"), _("Reached"), _("Reached in all")]]  # fmt: skip
    for b in report.figures.timeline:
        minute = _("%(m)d or later", m=b.minute) if b.open_ended else b.minute
        rows.append([minute, b.count, b.cumulative])
    return rows


def _findings(report: AfterAction) -> Rows:
    found = report.found
    kinds = list(found.totals)
    rows: Rows = [[_("Findings (people)")], [_("District"), *map(label, kinds), _("Total")]]
    for d in found.districts:
        rows.append([d.name, *(d.counts.get(k, 0) for k in kinds), d.total])
    rows.append([_("Total"), *(found.totals[k] for k in kinds), found.people])
    return rows


def _actions(report: AfterAction) -> Rows:
    header = [_("Corrective action"), _("Owner"), _("Due date"), _("Status"), _("Done on")]
    rows: Rows = [[_("Improvement plan")], header]
    for a in report.scenario.actions:
        rows.append([a.title, a.owner, a.due_on.isoformat(), label(a.status),
                     a.done_on.isoformat() if a.done_on else ""])  # fmt: skip
    return rows
