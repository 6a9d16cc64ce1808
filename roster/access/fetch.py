"""The only ways to load people for output: pages, prints, exports, maps and the API.

Each returns Persons: the projection of a registrant to the viewer's field set, never the
ORM object. A Person also carries, as attributes that are not fields, what the disclosure
log needs and the viewer may not see (the registrant's ID and the release a partner sees
them under), so roster.disclosures.record_disclosure logs exactly what was returned without
reading anyone again.

registrant_for_edit is the one exception, for staff forms that write the record: it returns
the ORM object and is never for output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from sqlalchemy import Select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from ..extensions import DbSession
from ..models import Registrant, Role
from .projection import project, source_columns
from .rule import Viewer, visible_registrants


class Person(dict[str, Any]):
    """One person as the viewer may see them: the mapping holds the visible fields only.

    `registrant_id` and `release` are for the disclosure log, not for display: the ID is
    kept even when the viewer's fields leave it out, and `release` is the disaster-time
    release a partner sees this person under (None when consent alone admits them).
    """

    __slots__ = ("registrant_id", "release")

    def __init__(self, view: Mapping[str, Any], registrant_id: int, release: int | None) -> None:
        super().__init__(view)
        self.registrant_id = registrant_id
        self.release = release

    @property
    def id(self) -> int:
        """The registrant's ID, which every field set shows (person.id reads as person["id"])."""
        return self.registrant_id


def person(viewer: Viewer, registrant: Registrant) -> Person:
    """The Person for a row already loaded through the viewer's rule."""
    return Person(
        project(registrant, viewer.fields), registrant.id, viewer.shown_under_release(registrant)
    )


def as_people(viewer: Viewer, registrants: Iterable[Registrant]) -> list[Person]:
    """Persons for rows already loaded through visible_registrants(viewer): what people()
    returns, and the record of a staff edit form when its page view is logged. Exits use
    people() instead."""
    return [person(viewer, r) for r in registrants]


def people(
    session: DbSession, viewer: Viewer, query: Select[Registrant] | None = None
) -> list[Person]:
    """The people `query` selects, projected for the viewer, in the query's order.

    `query` must be built from visible_registrants(viewer) (the caller adds filters, order
    and limit); without one, everyone the viewer may see.
    """
    query = visible_registrants(viewer) if query is None else query
    if "emergency_contacts" in viewer.fields:
        query = query.options(selectinload(Registrant.emergency_contacts))
    return as_people(viewer, session.scalars(query))


def person_or_404(
    session: DbSession, viewer: Viewer, registrant_id: int, *, denied: str = "registrant.denied"
) -> Person:
    """The one person, if the viewer may see them; otherwise werkzeug's NotFound, the same
    as for a missing ID, after the refusal is audited as `denied` (see refuse)."""
    query = visible_registrants(viewer).where(Registrant.id == registrant_id)
    found = people(session, viewer, query)
    if not found:
        refuse(session, viewer, registrant_id, denied)
    return found[0]


def registrant_for_edit(
    session: DbSession, viewer: Viewer, registrant_id: int, *, denied: str = "registrant.denied"
) -> Registrant:
    """The ORM record, for a staff form that writes it. NOT for output: pages render a
    Person (person_or_404). Anyone who may not edit the register, and any ID the viewer may
    not see, gets the same audited NotFound as person_or_404."""
    found = None
    if viewer.role is Role.STAFF:
        query = visible_registrants(viewer).where(Registrant.id == registrant_id)
        found = session.scalars(query).first()
    if found is None:
        refuse(session, viewer, registrant_id, denied)
    return found


def refuse(
    session: DbSession, viewer: Viewer, registrant_id: int, denied: str = "registrant.denied"
) -> NoReturn:
    """Someone asked for a person they may not see (or who does not exist): worth knowing
    after a leak, so the web layer audits it as `denied` (Viewer.on_refusal); then the same
    NotFound as for a missing ID."""
    if viewer.on_refusal is not None:
        viewer.on_refusal(session, viewer.user, registrant_id, denied)
    raise NotFound()


def columns(
    session: DbSession, viewer: Viewer, query: Select[Registrant], keys: tuple[str, ...]
) -> list[tuple[Any, ...]]:
    """The people `query` selects as plain rows of the columns behind the projection keys
    `keys` (projection.source_columns), for exits that read too many people for Persons:
    the map's points. No one when the viewer's field set does not show every key.

    `query` must be built from visible_registrants(viewer), as for people(); the rows are
    the driver's own tuples with stored codes, and a place the field set shows only coarsely
    must be rounded by the caller to projection.COARSE_DECIMALS (projection.coarse)."""
    chosen = source_columns(viewer.fields, keys)
    if chosen is None:
        return []
    # SQLAlchemy binds the parameters; the rows skip its result processing, which would cost
    # more than the query itself for 100,000 points.
    result = session.connection().execute(query.with_only_columns(*chosen))
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()
