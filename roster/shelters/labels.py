"""Names shown for the registry's codes: kinds, hazards, accept groups, sources."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from geo.groups import ACCEPT_GROUPS
from geo.shelters.columns import KINDS

from ..models.shelters import HAZARDS

#: What GSI asks to be shown wherever its data is displayed or passed on.
GSI_ATTRIBUTION = "出典：国土地理院 指定緊急避難場所・指定避難所データ"
#: The `source` of rows from GSI files; rows whose source starts with it are GSI's.
GSI_SOURCE = "国土地理院 指定緊急避難場所・指定避難所データ"
#: The `source` of rows from the Digital Agency's standard 指定緊急避難場所一覧 CSV.
JP_STANDARD_SOURCE = "指定緊急避難場所一覧（自治体標準オープンデータセット）"
#: The default `source` of rows from any other CSV (a column mapping).
CSV_SOURCE = "CSV取込"
#: The `source` of places staff add by hand.
MANUAL_SOURCE = "手入力"

DEFAULT_SOURCES = {"gsi": GSI_SOURCE, "jp-standard": JP_STANDARD_SOURCE, "csv": CSV_SOURCE}

#: The three kinds a place can be (geo.shelters.columns.KINDS), by model column.
KIND_LABELS = {
    "is_emergency_site": _l("Emergency evacuation site"),  # 指定緊急避難場所
    "is_evacuation_shelter": _l("Designated shelter"),  # 指定避難所
    "is_welfare_shelter": _l("Welfare shelter"),  # 福祉避難所
}
assert tuple(KIND_LABELS) == KINDS
#: Short codes for the kind filter in URLs and the API.
KIND_CODES = {
    "emergency": "is_emergency_site",
    "evacuation": "is_evacuation_shelter",
    "welfare": "is_welfare_shelter",
}

HAZARD_LABELS = {
    "flood": _l("Flood"),
    "landslide": _l("Landslide or debris flow"),
    "storm_surge": _l("Storm surge"),
    "earthquake": _l("Earthquake"),
    "tsunami": _l("Tsunami"),
    "large_fire": _l("Large fire"),
    "inland_flood": _l("Inland flooding"),
    "volcano": _l("Volcano"),
}
assert tuple(HAZARD_LABELS) == HAZARDS

GROUP_LABELS = {
    "elderly": _l("Older people"),
    "disabled": _l("People with disabilities"),
    "pregnant_infant": _l("Pregnant women and infants"),
    "medical_care": _l("People needing medical care"),
}
assert tuple(GROUP_LABELS) == ACCEPT_GROUPS

FORMAT_LABELS = {
    "gsi": _l("GSI shelter data (GeoJSON or CSV)"),
    "jp-standard": _l("Standard list of emergency evacuation sites (CSV)"),
    "csv": _l("Other CSV, with a column mapping"),
}


def is_gsi(source: str | None) -> bool:
    return bool(source) and str(source).startswith(GSI_SOURCE)


def source_label(source: str | None) -> str:
    """The source as shown: a hand-entered place says so in the reader's language."""
    if source == MANUAL_SOURCE:
        return str(_l("Entered by staff"))
    return source or ""


def source_short(source: str | None) -> str:
    """The source in a list column: GSI's long name shortened (the page shows the full
    attribution below the list)."""
    if is_gsi(source):
        rest = str(source)[len(GSI_SOURCE) :].strip()
        return f"国土地理院 {rest}".strip()
    return source_label(source)


def hazard_label(key: str) -> str:
    return str(HAZARD_LABELS.get(key, key))


def group_label(key: str) -> str:
    return str(GROUP_LABELS.get(key, key))


def kind_label(column: str) -> str:
    return str(KIND_LABELS.get(column, column))
