"""What the import page says about a read: why a file of another format is refused, and what
the removals are limited to."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from geo.shelters.cells import normalise_city_code
from geo.shelters.columns import KINDS
from geo.shelters.looks import FORMAT_FOR_LOOK, FormatMismatch, headers_shown

from .importing import ImportPlan
from .labels import FORMAT_LABELS, kind_label


def mismatch_message(mismatch: FormatMismatch) -> str:
    """Why a file of another format is refused, and how to import it, without its name."""
    chosen = FORMAT_LABELS[mismatch.format]
    right = FORMAT_LABELS.get(FORMAT_FOR_LOOK.get(mismatch.looks_like, ""), "")
    headers = headers_shown(mismatch.headers)
    return _MISMATCH[mismatch.looks_like](str(chosen), str(right), headers)


#: By what the file looks like: the message, from the chosen format's label, the label of
#: the format that reads the file, and the headers shown.
_MISMATCH: dict[str, Callable[[str, str, str], str]] = {
    "gsi-evacuation": lambda chosen, right, headers: _(
        "One of the files is not in the chosen format (%(chosen)s): it looks like GSI's "
        "list of 指定避難所. Choose “%(right)s” under Format and upload it again.",
        chosen=chosen,
        right=right,
    ),
    "gsi-emergency": lambda chosen, right, headers: _(
        "One of the files is not in the chosen format (%(chosen)s): it looks like GSI's "
        "list of 指定緊急避難場所. Choose “%(right)s” under Format and upload it again.",
        chosen=chosen,
        right=right,
    ),
    "jp-standard": lambda chosen, right, headers: _(
        "One of the files is not in the chosen format (%(chosen)s): it looks like the "
        "standard list of emergency evacuation sites. Choose “%(right)s” under Format and "
        "upload it again.",
        chosen=chosen,
        right=right,
    ),
    "own-columns": lambda chosen, right, headers: _(
        "One of the files is not in the chosen format (%(chosen)s): it looks like a CSV "
        "with its own columns (%(headers)s). Choose “%(right)s” under Format and give a "
        "column mapping, as the help on this page describes.",
        chosen=chosen,
        right=right,
        headers=headers,
    ),
    "geojson-other": lambda chosen, right, headers: _(
        "One of the files is not in the chosen format (%(chosen)s): it looks like GeoJSON "
        "with its own properties (%(headers)s). Save it as CSV, then choose “%(right)s” "
        "under Format and give a column mapping, as the help on this page describes.",
        chosen=chosen,
        right=FORMAT_LABELS["csv"],
        headers=headers,
    ),
    "hazard": lambda chosen, right, headers: _(
        "One of the files is not in the chosen format (%(chosen)s): it looks like a hazard "
        "layer (areas, not places). Import it on the “Hazards & assignment” page.",
        chosen=chosen,
    ),
    "xlsx": lambda chosen, right, headers: _(
        "One of the files is not in the chosen format (%(chosen)s): it is an Excel "
        "workbook. Save the sheet as CSV (UTF-8) and upload that.",
        chosen=chosen,
    ),
    "not-text": lambda chosen, right, headers: _(
        "One of the files is not in the chosen format (%(chosen)s): it is neither CSV nor "
        "GeoJSON text. Export the list as CSV or GeoJSON and upload that.",
        chosen=chosen,
    ),
}


def scope_notes(plan: ImportPlan) -> list[str]:
    """What the removals are limited to, and which lists the import keeps as they are."""
    lists = "、".join(kind_label(kind) for kind in KINDS if kind in plan.kinds)
    cities = "、".join(normalise_city_code(c) or c for c in plan.cities) or "—"
    notes = [
        _(
            "Removed: %(count)s places the files no longer list (%(lists)s, city %(cities)s).",
            count=len(plan.removed),
            lists=lists,
            cities=cities,
        )
    ]
    if plan.kinds_kept:
        notes.append(_kept_note(plan))
    return notes


def _kept_note(plan: ImportPlan) -> str:
    """Which lists the import keeps as they are, and how many of their places."""
    kept = "、".join(kind_label(kind) for kind in plan.kinds_kept)
    return _(
        "Kept as they are, as the files hold none: %(lists)s (%(count)s places).",
        lists=kept,
        count=plan.kept,
    )
