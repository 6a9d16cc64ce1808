"""A person's field history (変更履歴), as staff read it: date, who, how, and old -> new per
field in the user's language, with values as the pages show them, never as stored codes."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import DbSession
from ..i18n import show_date
from ..labels import label
from ..models import (
    CareLevel,
    ChangePath,
    District,
    FormLanguage,
    Household,
    LocationPrecision,
    Mobility,
    RegistrantStatus,
    RegistrantVersion,
    Sex,
    Source,
    User,
)
from .forms import RegistrantForm

#: How each path reads on the page.
PATH_LABELS: dict[ChangePath, Any] = {
    ChangePath.FORM: _l("Edit form"),
    ChangePath.IMPORT: _l("Import"),
    ChangePath.IMPORT_UNDO: _l("Import undone"),
    ChangePath.GEOCODING: _l("Location from the address"),
    ChangePath.BULK: _l("Bulk change in the register"),
    ChangePath.OTHER: _l("Other"),
}
#: Fields stored as codes, and the enum whose label shows them.
CODED: dict[str, type[enum.Enum]] = {
    "sex": Sex,
    "household": Household,
    "mobility": Mobility,
    "care_level": CareLevel,
    "status": RegistrantStatus,
    "source": Source,
    "location_precision": LocationPrecision,
    "preferred_language": FormLanguage,
}
DATES = frozenset({"birth_date", "last_verified_on"})
#: Fields with no field of their own on the form.
OTHER_LABELS: dict[str, Any] = {
    "district_id": _l("District"),
    "location_precision": _l("Location precision"),
    "emergency_contacts": _l("Emergency contacts"),
}


def field_label(name: str) -> str:
    """The field's label as the form shows it."""
    if name in OTHER_LABELS:
        return str(OTHER_LABELS[name])
    unbound = getattr(RegistrantForm, name, None)
    text = unbound.args[0] if unbound is not None and unbound.args else None
    return str(text) if text is not None else _("Other")


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ShownVersion:
    at: datetime
    who: str
    path: str
    fields: list[FieldChange]


def shown_value(name: str, value: Any, districts: dict[int, str]) -> str:
    """A stored value as the pages show it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in CODED:
        return str(label(CODED[name](value)))
    if name in DATES:
        return show_date(date.fromisoformat(value))
    if name == "district_id":
        return districts.get(value, "—")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _who(version: RegistrantVersion, users: dict[int, str]) -> str:
    if version.changed_by_id is not None:
        return users.get(version.changed_by_id, version.actor_name)
    return _("A command on the server") if version.actor_name == "cli" else "—"


def count_versions(session: DbSession, registrant_id: int) -> int:
    query = select(func.count(RegistrantVersion.id))
    return session.scalar(query.where(RegistrantVersion.registrant_id == registrant_id)) or 0


def person_versions(
    session: DbSession, registrant_id: int, limit: int | None = None
) -> list[ShownVersion]:
    """The person's changes, newest first (the newest `limit` when given)."""
    query = (
        select(RegistrantVersion)
        .where(RegistrantVersion.registrant_id == registrant_id)
        .order_by(RegistrantVersion.id.desc())
        .limit(limit)
    )
    versions = list(session.scalars(query))
    user_ids = {v.changed_by_id for v in versions if v.changed_by_id is not None}
    users = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()
    )
    districts = dict(session.execute(select(District.id, District.name)).all())
    return [
        ShownVersion(
            at=v.changed_at,
            who=_who(v, users),
            path=str(PATH_LABELS[v.path]),
            fields=[
                FieldChange(
                    field_label(name),
                    shown_value(name, old, districts),
                    shown_value(name, new, districts),
                )
                for name, (old, new) in v.changes.items()
            ],
        )
        for v in versions
    ]
