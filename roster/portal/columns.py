"""What a partner's list shows: the agreement's field groups in words, and the columns of
the CSV and XLSX copies, one per projection key the agreement provides.

Columns are chosen from the projected registrant (projection.project with the user's
visible fields), so a field the agreement leaves out is never read, let alone written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from ..labels import FIELD_GROUP_LABELS, label, need_label, reason_labels


def field_group_labels(groups: Iterable[str]) -> list[str]:
    """The agreement's groups in the order the agreement form lists them, in words."""
    chosen = set(groups or ())
    return [str(text) for group, text in FIELD_GROUP_LABELS.items() if group in chosen]


def _text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return label(value)


def _devices(view: dict[str, Any]) -> str:
    names = [need_label(d) for d in view.get("devices") or []]
    if view.get("device_other"):
        names.append(view["device_other"])
    return "、".join(names)


def _communication(view: dict[str, Any]) -> str:
    text = "、".join(need_label(c) for c in view.get("communication") or [])
    note = view.get("language_note")
    return f"{text} ({note})" if note else text


def _contact(contact: dict[str, Any]) -> str:
    relation = f"({contact['relation']})" if contact["relation"] else ""
    return " ".join(part for part in (contact["name"], relation, contact["phone"]) if part)


def _contacts(view: dict[str, Any]) -> str:
    return " / ".join(_contact(c) for c in view.get("emergency_contacts") or [])


def _approximate(view: dict[str, Any]) -> str:
    if view.get("latitude") is None:
        return ""
    return str(_l("Approximate") if view.get("location_approximate") else _l("Exact"))


@dataclass(frozen=True)
class Column:
    #: The projection key that must be present for the column to exist.
    key: str
    label: Any
    value: Callable[[dict[str, Any]], Any]


def _plain(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda view: _text(view.get(key))


#: Every column a copy can have, in the agreement form's order, after the line and the ID.
COLUMNS: tuple[Column, ...] = (
    Column("district", _l("District"), lambda v: v["district"]["name"]),
    Column("name", _l("Name"), _plain("name")),
    Column("name_kana", _l("Reading (kana)"), _plain("name_kana")),
    Column("birth_date", _l("Date of birth"), _plain("birth_date")),
    Column("sex", _l("Sex"), _plain("sex")),
    Column("address", _l("Address"), _plain("address")),
    Column("phone", _l("Phone"), _plain("phone")),
    Column("mobile_phone", _l("Mobile phone"), _plain("mobile_phone")),
    Column("fax", _l("Fax"), _plain("fax")),
    Column("email", _l("Email"), _plain("email")),
    Column(
        "support_categories",
        _l("Why support is needed"),
        lambda v: reason_labels(v.get("support_categories")),
    ),
    Column(
        "support_reason_detail",
        _l("Why support is needed, in detail"),
        _plain("support_reason_detail"),
    ),
    Column("household", _l("Household"), _plain("household")),
    Column("mobility", _l("Mobility"), _plain("mobility")),
    Column("latitude", _l("Latitude"), lambda v: v.get("latitude")),
    Column("longitude", _l("Longitude"), lambda v: v.get("longitude")),
    Column("location_approximate", _l("Location accuracy"), _approximate),
    Column("emergency_contacts", _l("Emergency contacts"), _contacts),
    Column("devices", _l("Medical devices"), _devices),
    Column("communication", _l("Communication"), _communication),
    Column("care_level", _l("Care level"), _plain("care_level")),
    Column(
        "disability_certificate", _l("Disability certificate"), _plain("disability_certificate")
    ),
)

LINE_LABEL = _l("Line no.")
ID_LABEL = _l("Reference no.")


def columns_for(fields: frozenset[str]) -> list[Column]:
    """The columns this set of visible fields allows, nothing else."""
    return [c for c in COLUMNS if c.key in fields]


def header(columns: list[Column]) -> list[str]:
    return [str(LINE_LABEL), str(ID_LABEL), *(str(c.label) for c in columns)]


def row(line: int, view: dict[str, Any], columns: list[Column]) -> list[Any]:
    """One person as cells: line number, ID, then each allowed column."""
    return [line, view["id"], *(c.value(view) for c in columns)]
