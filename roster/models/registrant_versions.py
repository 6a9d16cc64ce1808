"""The history of each person's fields: one version row per change, old -> new per field.

Versions are written by session hooks, not by the code that changes a person, so no write
path can forget them: an ORM flush of a Registrant (the form, a pin on the map) and a Core
UPDATE of the registrants table (an import, its undo, geocoding) both pass through here.
Who acted and through which path is named by the caller with `changes_by`; a change made
with no one named is still kept, as path OTHER. Consent has its own append-only history, and
derived columns (search keys, the consent copies, the lock version) are no change of their
own.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, insert, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, UTCDateTime, enum_column, utcnow
from .registrants import EmergencyContact, Registrant


class ChangePath(enum.StrEnum):
    """How a change reached the person."""

    FORM = "form"  #: 入力画面: the person's edit form
    IMPORT = "import"  #: 取込: an import of the source systems' export
    IMPORT_UNDO = "import_undo"  #: 取込の取消
    GEOCODING = "geocoding"  #: 住所からの位置判定
    BULK = "bulk"  #: 一括変更: an action on people ticked in the register
    OTHER = "other"  #: any path that did not name itself


class RegistrantVersion(Base):
    """One change of one person: who, when, through which path, and old -> new per field."""

    __tablename__ = "registrant_versions"
    __table_args__ = (Index("ix_registrant_versions_person", "registrant_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registrant_id: Mapped[int] = mapped_column(ForeignKey("registrants.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The user who made the change; None for a command run on the server.
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Their user name as it was then, or "cli".
    actor_name: Mapped[str] = mapped_column(String(80))
    path: Mapped[ChangePath] = mapped_column(enum_column(ChangePath))
    #: field -> [old, new], as JSON-ready values (dates ISO, codes as their values).
    changes: Mapped[dict[str, list[Any]]] = mapped_column(JSON)


#: Columns that are no change of their own: derived, or kept with their own history.
UNTRACKED = frozenset(
    {
        "id",
        "version",
        "created_at",
        "updated_at",
        "consent_state",
        "consent_scope",
        "current_consent_id",
        "location_approximate",
    }
)
TRACKED: tuple[str, ...] = tuple(
    c.key
    for c in Registrant.__table__.columns
    if c.key not in UNTRACKED and not c.key.endswith("_key")
)
CONTACTS = "emergency_contacts"
#: Where the session keeps who is changing people now.
_SOURCE = "registrant_change_source"


@dataclass(frozen=True)
class ChangeSource:
    user_id: int | None
    actor_name: str
    path: ChangePath
    #: What the block changed so far, per person: one version each when it ends, however
    #: many flushes and statements it took (a query may flush a half-made change).
    pending: dict[int, dict[str, list[Any]]] = field(default_factory=dict)

    def add(self, changes: Mapping[int, dict[str, list[Any]]]) -> None:
        for registrant_id, fields in changes.items():
            held = self.pending.setdefault(registrant_id, {})
            for name, (old, new) in fields.items():
                held[name] = [held[name][0] if name in held else old, new]

    def settled(self) -> dict[int, dict[str, list[Any]]]:
        """The net change of each person: fields changed and changed back are left out."""
        return {
            registrant_id: {n: pair for n, pair in fields.items() if pair[0] != pair[1]}
            for registrant_id, fields in self.pending.items()
        }


@contextmanager
def changes_by(session: Any, actor: Any, path: ChangePath) -> Iterator[None]:
    """Name who changes people, and how, for the versions written inside the block; the
    block's changes are flushed before it ends, so they carry this name."""
    info = session.info
    previous = info.get(_SOURCE)
    source = ChangeSource(
        actor.id if actor is not None else None,
        actor.username if actor is not None else "cli",
        path,
    )
    info[_SOURCE] = source
    try:
        yield
        session.flush()
        _insert(session, version_rows(source, source.settled()))
    finally:
        info[_SOURCE] = previous


def json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """field -> [old, new] for every field whose JSON value differs."""
    changes = {}
    for name in new:
        before, after = json_value(old.get(name)), json_value(new[name])
        if before != after:
            changes[name] = [before, after]
    return changes


def version_rows(
    source: ChangeSource, changes: Mapping[int, dict[str, list[Any]]]
) -> list[dict[str, Any]]:
    """Rows for the version table, one per person whose fields changed."""
    now = utcnow()
    return [
        {
            "registrant_id": registrant_id,
            "changed_at": now,
            "changed_by_id": source.user_id,
            "actor_name": source.actor_name,
            "path": source.path.value,
            "changes": fields,
        }
        for registrant_id, fields in changes.items()
        if fields
    ]


def write_versions(session: Session, changes: Mapping[int, dict[str, list[Any]]]) -> None:
    """Keep these changes: with the block that names their source, or now as OTHER."""
    source = session.info.get(_SOURCE)
    if source is not None:
        source.add(changes)
    else:
        _insert(session, version_rows(ChangeSource(None, "-", ChangePath.OTHER), changes))


def _insert(session: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        # On the connection: inside a flush, and without passing the hooks again.
        session.connection().execute(insert(RegistrantVersion), rows)


def contact_text(contact: EmergencyContact) -> str:
    return f"{contact.name}（{contact.relation}）{contact.phone}"


def flushed_changes(registrant: Registrant) -> dict[str, list[Any]]:
    """What a flush is about to write on a loaded person, from the ORM's attribute history."""
    state = inspect(registrant)
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name in TRACKED:
        history = state.attrs[name].history
        if history.added or history.deleted:
            old[name] = history.deleted[0] if history.deleted else None
            new[name] = history.added[0] if history.added else None
    history = state.attrs[CONTACTS].history
    if history.added or history.deleted:
        kept = [contact_text(c) for c in history.unchanged]
        old[CONTACTS] = kept + [contact_text(c) for c in history.deleted]
        new[CONTACTS] = kept + [contact_text(c) for c in history.added]
    return diff(old, new)


def read_fields(session: Session, ids: list[int], names: list[str]) -> dict[int, dict[str, Any]]:
    """The named columns of these people, as they are in the database now."""
    table = Registrant.__table__
    rows: dict[int, dict[str, Any]] = {}
    columns = [table.c.id, *(table.c[n] for n in names)]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = select(*columns).where(table.c.id.in_(chunk))
        for row in session.connection().execute(query):
            values = dict(row._mapping)
            rows[values.pop("id")] = values
    return rows
