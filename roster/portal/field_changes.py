"""What changed in the details of people still on a copy of the partner's list.

A copy keeps only who is on it and on which line, not the values it showed. What can be said
honestly comes from each person's change history (registrant_versions): every change recorded
after the copy was made, netted per field (a field changed and changed back is no change),
and only for fields the partner's agreement shows now, labelled as the list and the print
label them. The people are those the access rule still admits, already loaded through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..access.fetch import Person
from ..access.rule import Viewer
from ..extensions import DbSession
from ..labels import need_label, reason_labels
from ..models import (
    COMMUNICATION_FIELDS,
    DEVICE_FIELDS,
    REASON_FIELDS,
    District,
    RegistrantVersion,
)
from ..registrants.history import shown_value
from .columns import COLUMNS
from .queries import visible_among

#: A register column whose value is shown as it is -> the projection key that must be visible.
PLAIN: dict[str, str] = {
    **{
        name: name
        for name in (
            "name",
            "name_kana",
            "birth_date",
            "sex",
            "address",
            "phone",
            "mobile_phone",
            "fax",
            "email",
            "support_reason_detail",
            "household",
            "mobility",
            "care_level",
            "disability_certificate",
            "emergency_contacts",
        )
    },
    "district_id": "district",
    "device_other": "devices",
    "language_note": "communication",
}
#: Projection keys made of yes/no columns: the columns, and the prefix of each code.
FLAGS: dict[str, tuple[tuple[str, ...], str]] = {
    "support_categories": (REASON_FIELDS, "reason_"),
    "devices": (DEVICE_FIELDS, "device_"),
    "communication": (COMMUNICATION_FIELDS, "comm_"),
}
LOCATION = ("latitude", "longitude")
LABELS: dict[str, Any] = {
    **{c.key: c.label for c in COLUMNS},
    "latitude": _l("Location"),
    "device_other": _l("Medical devices (other)"),
    "language_note": _l("Language"),
}


@dataclass(frozen=True)
class ShownChange:
    """One field of one person: its label, the value on the copy and the value now. `old` is
    None where no value is shown (a location moved on the map)."""

    label: str
    old: str | None
    new: str


@dataclass(frozen=True)
class ChangedPerson:
    line: int
    person: Person
    fields: list[ShownChange]


def net_changes(
    session: DbSession, ids: Iterable[int], since: datetime
) -> dict[int, dict[str, list[Any]]]:
    """Per person, field -> [value before the first change after `since`, value now]; fields
    that came back to where they were are left out."""
    wanted = sorted(set(ids))
    net: dict[int, dict[str, list[Any]]] = {}
    for start in range(0, len(wanted), 500):
        query = (
            select(RegistrantVersion)
            .where(
                RegistrantVersion.registrant_id.in_(wanted[start : start + 500]),
                RegistrantVersion.changed_at > since,
            )
            .order_by(RegistrantVersion.id)
        )
        for version in session.scalars(query):
            held = net.setdefault(version.registrant_id, {})
            for name, (old, new) in version.changes.items():
                held[name] = [held[name][0] if name in held else old, new]
    return {
        rid: kept
        for rid, fields in net.items()
        if (kept := {n: pair for n, pair in fields.items() if pair[0] != pair[1]})
    }


def _flag_change(key: str, person: Person, changes: dict[str, list[Any]]) -> ShownChange | None:
    """A set of yes/no columns as one field: the set now, and the set with the changes undone."""
    columns, prefix = FLAGS[key]
    touched = {c: pair for c, pair in changes.items() if c in columns}
    if not touched:
        return None
    now = {str(getattr(code, "value", code)) for code in person.get(key) or []}
    before = set(now)
    for column, (old, _new) in touched.items():
        code = column.removeprefix(prefix)
        (before.add if old else before.discard)(code)
    if before == now:
        return None

    def shown(codes: set[str]) -> str:
        ordered = [c.removeprefix(prefix) for c in columns if c.removeprefix(prefix) in codes]
        if key == "support_categories":
            return reason_labels(ordered) or "—"
        return "、".join(need_label(c) for c in ordered) or "—"

    return ShownChange(str(LABELS[key]), shown(before), shown(now))


def shown_changes(
    person: Person, changes: dict[str, list[Any]], fields: frozenset[str], districts: dict[int, str]
) -> list[ShownChange]:
    """The person's changes the viewer's fields allow, in the list's column order."""
    shown: list[ShownChange] = []
    for key in [c.key for c in COLUMNS]:
        if key not in fields:
            continue
        if key in FLAGS and (flag := _flag_change(key, person, changes)) is not None:
            shown.append(flag)
        if key == "latitude" and any(n in changes for n in LOCATION):
            shown.append(ShownChange(str(LABELS["latitude"]), None, _("Moved on the map")))
        for column, visible_as in PLAIN.items():
            if visible_as == key and column in changes:
                old, new = changes[column]
                label = str(LABELS.get(column, LABELS[key]))
                shown.append(
                    ShownChange(
                        label,
                        shown_value(column, old, districts),
                        shown_value(column, new, districts),
                    )
                )
    return shown


def changed_people(
    session: DbSession, viewer: Viewer, kept: list[tuple[int, int]], since: datetime
) -> list[ChangedPerson]:
    """Of the copy's (line, registrant ID) pairs still listed, by line, those whose details
    the viewer may see changed since; only they are loaded, through the access rule."""
    net = net_changes(session, [rid for _line, rid in kept], since)
    if not net:
        return []
    people = visible_among(session, viewer, net)
    districts: dict[int, str] = {}
    if any("district_id" in c for c in net.values()):
        districts = dict(session.execute(select(District.id, District.name)).all())
    found = []
    for line, rid in kept:
        if rid in net and rid in people:
            shown = shown_changes(people[rid], net[rid], viewer.fields, districts)
            if shown:
                found.append(ChangedPerson(line, people[rid], shown))
    return found
