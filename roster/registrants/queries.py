"""Building register lists: filters, search and sorting on top of the access rule.

A filter, search field or sort key is offered only on fields the user may see, so a search
cannot reveal whether someone is on the register to a user who may not see names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Select,
    func,
    select,
)

from ..access.fetch import Person, people
from ..access.roles import can_see_all_statuses
from ..access.rule import (
    Viewer,
    partner_condition,
    registrant_condition,
    visible_registrants,
)
from ..dashboard.queries import reverify_due_condition
from ..extensions import DbSession
from ..models import (
    ConsentState,
    District,
    Household,
    LocationPrecision,
    Mobility,
    PriorityCount,
    Registrant,
    RegistrantStatus,
    Role,
    SharingCount,
)
from ..numbers import bounded_int
from ..priority import stored
from .ranked import Ranked
from .search_keys import search_condition

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
    #: The key in the URL named a search that is gone (expired, or another user's).
    search_expired: bool = False
    #: Prefecture and municipality, stripped from a typed address like the stored ones.
    city: str = ""
    district_id: int | None = None
    consent: str = ""
    need: str = ""
    #: Where the coordinates come from (LocationPrecision value), for whoever sees locations.
    precision: str = ""
    #: Only people due for review (要確認), staff only.
    due: bool = False
    status: str = RegistrantStatus.ACTIVE.value
    sort: str = ""
    descending: bool = False
    errors: list[str] = field(default_factory=list)


def conditions(
    viewer: Viewer, flt: RegisterFilter, parts: bool = True
) -> list[ColumnElement[bool]]:
    """The access rule first, then every filter the viewer may use (without `parts`, a
    search matches whole keys and their starts only)."""
    fields = viewer.fields
    where = [registrant_condition(viewer)]
    if flt.q and (term := search_condition(flt.q, fields, flt.city, parts)) is not None:
        where.append(term)
    if flt.district_id:
        where.append(Registrant.district_id == flt.district_id)
    if flt.consent in ConsentState.__members__.values() and "consent_state" in fields:
        where.append(Registrant.consent_state == ConsentState(flt.consent))
    if flt.need in NEEDS and NEEDS[flt.need][0] in fields:
        where.append(NEEDS[flt.need][1])
    if flt.precision in set(LocationPrecision) and "location_approximate" in fields:
        where.append(Registrant.location_precision == LocationPrecision(flt.precision))
    if flt.due and "last_verified_on" in fields:
        where.append(reverify_due_condition(viewer.today, current_app.config["REVERIFY_MONTHS"]))
    if can_see_all_statuses(viewer.user) and flt.status in RegistrantStatus.__members__.values():
        where.append(Registrant.status == RegistrantStatus(flt.status))
    return where


def strict_filter(viewer: Viewer, args: Mapping[str, str]) -> RegisterFilter:
    """A filter from API parameters, refusing (ValueError) any the viewer may not use, so a
    caller never mistakes an ignored filter for an applied one."""
    fields = viewer.fields
    district = args.get("district")
    if district is not None and bounded_int(district) is None:
        raise ValueError("district must be a district ID")
    consent, need = args.get("consent", ""), args.get("need", "")
    status = args.get("status", RegistrantStatus.ACTIVE.value)
    if consent and ("consent_state" not in fields or consent not in set(ConsentState)):
        raise ValueError("consent filter not available: " + consent)
    if need and (need not in NEEDS or NEEDS[need][0] not in fields):
        raise ValueError("need filter not available: " + need)
    known_status = status in set(RegistrantStatus) or status == "all"
    if "status" in args and (not can_see_all_statuses(viewer.user) or not known_status):
        raise ValueError("status filter not available: " + status)
    return RegisterFilter(
        district_id=bounded_int(district), consent=consent, need=need, status=status
    )


def sort_options(viewer: Viewer) -> list[str]:
    fields = viewer.fields
    return [key for key, (needed, _cols) in SORTS.items() if needed in fields]


def order_by(viewer: Viewer, flt: RegisterFilter) -> tuple[Any, ...]:
    """The ORDER BY for the chosen sort; ties never break on a field the viewer may not see."""
    options = sort_options(viewer)
    # With no visible field to sort by (a partner without an agreement sees no one), by ID.
    key = flt.sort if flt.sort in options else (options[0] if options else "id")
    columns = SORTS[key][1]
    if Registrant.kana_key in columns and "name_kana" not in viewer.fields:
        columns = tuple(c for c in columns if c is not Registrant.kana_key)
    return tuple(c.desc() for c in columns) if flt.descending else columns


@dataclass
class Page(Generic[T]):
    rows: list[T]
    total: int
    page: int
    per_page: int
    #: The total stopped counting at this many: there are at least `total`.
    capped: bool = False
    #: A search's rank of each row (0 register number, 1 whole, 2 start, 3 part).
    ranks: dict[int, int] = field(default_factory=dict)
    #: A search's list leaves out matches of a part (its whole keys and starts pass the cap).
    starts_only: bool = False

    @property
    def ranked(self) -> bool:
        """Whether the page holds more than one rank (the list then heads each)."""
        return len(set(self.ranks.values())) > 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


#: A search stops counting here: past it, the person searched for is found by narrowing the
#: search, not by paging, and counting every match of a common name would cost more.
SEARCH_COUNT_CAP = 1000


def count_matches(session: DbSession, where: list[Any], cap: int | None) -> tuple[int, bool]:
    """How many rows match, or (cap, True) when there are more than cap."""
    if cap is None:
        # count(*), not count(id): PostgreSQL then counts from an index alone.
        counted = select(func.count()).select_from(Registrant).where(*where)
        return session.scalar(counted) or 0, False
    limited = select(Registrant.id).where(*where).limit(cap + 1).subquery()
    found = session.scalar(select(func.count()).select_from(limited)) or 0
    return (cap, True) if found > cap else (found, False)


def register_page(
    session: DbSession,
    viewer: Viewer,
    flt: RegisterFilter,
    page: int,
    per_page: int,
) -> Page[Person]:
    """One page of the visible, filtered register, projected for the viewer, and the total
    count; a search's count stops at SEARCH_COUNT_CAP, and its whole matches come first,
    then those that start with the search, then the rest, each in the chosen order
    (roster.registrants.ranked reads them rank by rank)."""
    order = order_by(viewer, flt)
    # A search by nothing the viewer may see (a planner's name search) is no search at all.
    if flt.q and search_condition(flt.q, viewer.fields, flt.city) is not None:
        ranked = Ranked(flt.q, viewer.fields, flt.city, conditions(viewer, replace(flt, q="")))
        total, capped = ranked.count(session, SEARCH_COUNT_CAP)
        page = _within(page, total, per_page)
        ids = ranked.page(session, order, page, per_page)
        ranks, starts_only = ranked.ranks, ranked.starts_only
    else:
        ranks, starts_only = {}, False
        where = conditions(viewer, flt)
        counted = counted_total(session, viewer, flt, where)
        total, capped = (counted, False) if counted is not None else count_matches(
            session, where, None
        )
        page = _within(page, total, per_page)
        ids = _page_ids(session, where, order, page, per_page)
    # The page's IDs come from the indexes first, then just those rows are loaded.
    found = people(session, viewer, visible_registrants(viewer).where(Registrant.id.in_(ids)))
    rows = {p.registrant_id: p for p in found}
    return Page([rows[i] for i in ids], total, page, per_page, capped, ranks, starts_only)


def _within(page: int, total: int, per_page: int) -> int:
    return max(1, min(page, max(1, -(-total // per_page))))


def counted_total(
    session: DbSession, viewer: Viewer, flt: RegisterFilter, where: list[Any]
) -> int | None:
    """The list's count from the counters roster.priority.stored keeps (people by district
    and status; for partners, by district, status, consent state and scope under the access
    rule's own condition), when it is filtered by nothing else; None when it must be counted.

    The counters answer in a read of a few hundred rows however large the register is; a
    count of the people themselves reads an index entry each."""
    if viewer.role not in (*stored.COUNTED_ROLES, Role.PARTNER):
        return None
    bare = RegisterFilter(district_id=flt.district_id, status=flt.status)
    if len(where) != len(conditions(viewer, bare)):
        return None  # another filter applies
    stored.ready(session, stored.weights_now())
    if viewer.role is Role.PARTNER:
        return shared_total(session, viewer, flt.district_id)
    query = select(func.coalesce(func.sum(PriorityCount.people), 0))
    if flt.district_id:
        query = query.where(PriorityCount.district_id == flt.district_id)
    if viewer.role is Role.PLANNER:
        query = query.where(PriorityCount.status == RegistrantStatus.ACTIVE.value)
    elif can_see_all_statuses(viewer.user) and flt.status in RegistrantStatus.__members__.values():
        query = query.where(PriorityCount.status == flt.status)
    return int(session.scalar(query) or 0)


def shared_total(session: DbSession, viewer: Viewer, district_id: int | None = None) -> int:
    """How many people a partner viewer's list holds (in one district), from the sharing
    counters under the access rule's own condition; settle() must have run."""
    counted = partner_condition(viewer.access, viewer.consent_rule, on=SharingCount)
    query = select(func.coalesce(func.sum(SharingCount.people), 0)).where(counted)
    if district_id:
        query = query.where(SharingCount.district_id == district_id)
    return int(session.scalar(query) or 0)


def _page_ids(
    session: DbSession, where: list[Any], order: tuple[Any, ...], page: int, per_page: int
) -> list[int]:
    """The IDs on one page of the rows matching `where`, in order."""
    ids_query: Select[int] = (
        select(Registrant.id)
        .where(*where)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(session.scalars(ids_query))


def districts(session: DbSession) -> list[District]:
    return list(session.scalars(select(District).order_by(District.name_kana, District.code)))
