"""The portal's reads. People always come through roster.access.fetch, so the
access rule (agreement in force, district, status, consent, release) decides who is in a
list, a copy or a change report; copies in the ledger are read only as the user's own."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..access.fetch import Person, people
from ..access.rule import Viewer, visible_registrants
from ..extensions import DbSession
from ..models import Provision, ProvisionFormat, Registrant
from ..priority import stored
from ..registrants.queries import shared_total


def list_order(viewer: Viewer) -> tuple[Any, ...]:
    """District, then reading; the reading only when the viewer may see it, so the order of a
    list never hints at a field the agreement leaves out."""
    if "name_kana" in viewer.fields:
        return (Registrant.district_id, Registrant.kana_key, Registrant.id)
    return (Registrant.district_id, Registrant.id)


def portal_people(session: DbSession, viewer: Viewer) -> list[Person]:
    """Everyone the partner viewer may see now, in the order of the paper list."""
    return people(session, viewer, visible_registrants(viewer).order_by(*list_order(viewer)))


def portal_count(session: DbSession, viewer: Viewer) -> int:
    """How many people a copy of the whole list would hold now, from the sharing counters;
    no one's details are read."""
    stored.ready(session, stored.weights_now())
    return shared_total(session, viewer)


def visible_among(session: DbSession, viewer: Viewer, ids: Iterable[int]) -> dict[int, Person]:
    """Those of `ids` the rule still admits now, by ID."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = visible_registrants(viewer).where(Registrant.id.in_(wanted))
    return {p.registrant_id: p for p in people(session, viewer, query)}


#: Copies of the list itself (not of individual plans).
LIST_FORMATS = (ProvisionFormat.PRINT, ProvisionFormat.CSV, ProvisionFormat.XLSX)


def list_copies(session: DbSession, user: Any, agreement_id: int) -> list[Provision]:
    """The user's copies of the list (prints and exports) under this agreement, newest
    first: the ones they may hold, to compare with the list as it is now."""
    query = (
        select(Provision)
        .where(
            Provision.user_id == user.id,
            Provision.agreement_id == agreement_id,
            Provision.format.in_(LIST_FORMATS),
        )
        .order_by(Provision.created_at.desc(), Provision.id.desc())
    )
    return list(session.scalars(query))


def default_copy(copies: list[Provision], today: date, zone: ZoneInfo) -> Provision | None:
    """The copy to compare with unless the user chooses: the newest still held (not yet
    recorded as returned or destroyed), else the newest. When the newest was made today, the
    paper in hand is more likely an older one: then the newest held copy made before today,
    if there is one."""
    held = [c for c in copies if c.outstanding]
    chosen = held or copies
    if not chosen:
        return None
    older = [c for c in chosen if c.created_at.astimezone(zone).date() < today]
    return older[0] if older and older[0] is not chosen[0] else chosen[0]
