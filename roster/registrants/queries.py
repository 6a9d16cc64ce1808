"""Building register lists: filters, search and sorting on top of the access rule.

A filter, search field or sort key is offered only on fields the user may see, so a search
cannot reveal whether someone is on the register to a user who may not see names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, select, union_all
from sqlalchemy.orm import selectinload

from ..extensions import DbSession
from ..models import ConsentState, District, Household, Mobility, Registrant, RegistrantStatus
from ..permissions import registrant_condition, visible_fields
from ..text import next_prefix, search_key

T = TypeVar("T")

#: need filter value -> (the field that must be visible, the condition).
NEEDS: dict[str, tuple[str, Any]] = {
    "ventilator": ("devices", Registrant.device_ventilator.is_(True)),
    "oxygen": ("devices", Registrant.device_oxygen.is_(True)),
    "suction": ("devices", Registrant.device_suction.is_(True)),
    "dialysis": ("devices", Registrant.device_dialysis.is_(True)),
    "wheelchair": ("mobility", Registrant.mobility == Mobility.WHEELCHAIR),
    "bedridden": ("mobility", Registrant.mobility == Mobility.BEDRIDDEN),
    "hearing": ("communication", Registrant.comm_hearing.is_(True)),
    "visual": ("communication", Registrant.comm_visual.is_(True)),
    "language": ("communication", Registrant.comm_language.is_(True)),
    "cognitive": ("communication", Registrant.comm_cognitive.is_(True)),
    "alone": ("household", Registrant.household == Household.ALONE),
    "elderly_only": ("household", Registrant.household == Household.ELDERLY_ONLY),
}

#: sort key -> (the field that must be visible, ORDER BY columns).
SORTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "kana": ("name_kana", (Registrant.kana_key, Registrant.id)),
    "resident_no": ("resident_no", (Registrant.resident_no,)),
    "birth_date": ("birth_date", (Registrant.birth_date, Registrant.id)),
    "district": ("district", (Registrant.district_id, Registrant.kana_key, Registrant.id)),
    "verified": ("last_verified_on", (Registrant.last_verified_on, Registrant.id)),
    "id": ("id", (Registrant.id,)),
}


@dataclass
class RegisterFilter:
    """What the user asked the list for. Unknown or forbidden values are ignored."""

    q: str = ""
    district_id: int | None = None
    consent: str = ""
    need: str = ""
    status: str = RegistrantStatus.ACTIVE.value
    sort: str = ""
    descending: bool = False
    errors: list[str] = field(default_factory=list)


def prefix(column: Any, text: str) -> ColumnElement[bool]:
    """column starts with text, as a range both databases answer from an index."""
    return and_(column >= text, column < next_prefix(text))


#: Search keys, each with the field a user must be allowed to see to search by it.
SEARCH_KEYS = (
    ("resident_no", Registrant.resident_no),
    ("name", Registrant.name_key),
    ("name_kana", Registrant.kana_key),
    ("address", Registrant.address_key),
)


def search_condition(q: str, fields: frozenset[str]) -> ColumnElement[bool] | None:
    """Match the start of the ID, name, reading or address (after the municipality).

    Each key is searched on its own index and the matching IDs are united: a plain OR with
    bound parameters lets SQLite walk the whole sort index instead.
    """
    key = search_key(q)
    if not key:
        return None
    parts = [
        select(Registrant.id).where(prefix(column, key))
        for needed, column in SEARCH_KEYS
        if needed in fields and (column is not Registrant.resident_no or key.isdigit())
    ]
    return Registrant.id.in_(union_all(*parts)) if parts else None


def conditions(user: Any, flt: RegisterFilter) -> list[ColumnElement[bool]]:
    """The access rule first, then every filter the user may use."""
    fields = visible_fields(user)
    where = [registrant_condition(user)]
    if flt.q and (term := search_condition(flt.q, fields)) is not None:
        where.append(term)
    if flt.district_id:
        where.append(Registrant.district_id == flt.district_id)
    if flt.consent in ConsentState.__members__.values() and "consent_state" in fields:
        where.append(Registrant.consent_state == ConsentState(flt.consent))
    if flt.need in NEEDS and NEEDS[flt.need][0] in fields:
        where.append(NEEDS[flt.need][1])
    if "status" in fields and flt.status in RegistrantStatus.__members__.values():
        where.append(Registrant.status == RegistrantStatus(flt.status))
    return where


def sort_options(user: Any) -> list[str]:
    fields = visible_fields(user)
    return [key for key, (needed, _cols) in SORTS.items() if needed in fields]


def order_by(user: Any, flt: RegisterFilter) -> tuple[Any, ...]:
    """The ORDER BY for the chosen sort; ties never break on a field the user may not see."""
    options = sort_options(user)
    key = flt.sort if flt.sort in options else options[0]
    columns = SORTS[key][1]
    if Registrant.kana_key in columns and "name_kana" not in visible_fields(user):
        columns = tuple(c for c in columns if c is not Registrant.kana_key)
    return tuple(c.desc() for c in columns) if flt.descending else columns


@dataclass
class Page(Generic[T]):
    rows: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def register_page(
    session: DbSession, user: Any, flt: RegisterFilter, page: int, per_page: int
) -> Page[Registrant]:
    """One page of the visible, filtered register and the total count."""
    where = conditions(user, flt)
    total = session.scalar(select(func.count(Registrant.id)).where(*where)) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    # Find the page's IDs from the indexes first, then load just those rows: sorting narrow
    # rows is far cheaper than sorting whole records when thousands match.
    ids_query: Select[int] = (
        select(Registrant.id)
        .where(*where)
        .order_by(*order_by(user, flt))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    ids = list(session.scalars(ids_query))
    rows_query = (
        select(Registrant)
        .where(Registrant.id.in_(ids))
        .options(selectinload(Registrant.emergency_contacts))
    )
    rows = {r.id: r for r in session.scalars(rows_query)}
    return Page([rows[i] for i in ids], total, page, per_page)


def districts(session: DbSession) -> list[District]:
    return list(session.scalars(select(District).order_by(District.name_kana, District.code)))
