"""Building register lists: filters, search and sorting on top of the access rule.

A filter, search field or sort key is offered only on fields the user may see, so a search
cannot reveal whether someone is on the register to a user who may not see names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    intersect,
    literal,
    or_,
    select,
    union_all,
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
    RegistrantGram,
    RegistrantStatus,
    Role,
    SharingCount,
)
from ..numbers import bounded_int
from ..priority import stored
from ..text import (
    address_key,
    bigrams,
    looks_like_phone,
    next_prefix,
    phone_key,
    search_key,
)

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


def prefix(column: Any, text: str) -> ColumnElement[bool]:
    """column starts with text, as a range both databases answer from an index."""
    return and_(column >= text, column < next_prefix(text))


#: Search keys compared whole and by prefix, each with the field a user must be allowed to
#: see to search by it, and whether it holds a name or reading (else a number).
SEARCH_KEYS: tuple[tuple[str, Any, bool], ...] = (
    ("resident_no", Registrant.resident_no, False),
    ("name", Registrant.name_key, True),
    ("name", Registrant.given_key, True),
    ("name_kana", Registrant.kana_key, True),
    ("name_kana", Registrant.given_kana_key, True),
    ("address", Registrant.address_key, True),
    ("phone", Registrant.phone_key, False),
    ("mobile_phone", Registrant.mobile_key, False),
)
#: Keys also searched for any part of them, through their two-character pieces.
PART_KEYS: tuple[tuple[str, Any], ...] = (
    ("name", Registrant.name_key),
    ("name_kana", Registrant.kana_key),
    ("address", Registrant.address_key),
)


@dataclass(frozen=True)
class SearchTerms:
    """What a typed search compares, per kind of key."""

    #: A name, reading or resident ID (NFKC, katakana, no spaces).
    word: str
    #: The same as an address after the municipality.
    address: str
    #: The digits of a phone number, when the search is a number and nothing else.
    digits: str

    @classmethod
    def of(cls, q: str, city: str) -> SearchTerms:
        digits = phone_key(q) if looks_like_phone(q) else ""
        return cls(search_key(q), address_key(q, city), digits)

    def key_for(self, column: Any) -> str:
        if column is Registrant.address_key:
            return self.address
        if column is Registrant.phone_key or column is Registrant.mobile_key:
            return self.digits
        if column is Registrant.resident_no:
            return self.digits or self.word
        return self.word


def _whole_keys(terms: SearchTerms, fields: frozenset[str]) -> list[tuple[Any, str]]:
    """The (column, key) pairs a search compares whole and by prefix."""
    pairs = []
    for needed, column, wordy in SEARCH_KEYS:
        key = terms.key_for(column)
        if needed not in fields or not key:
            continue
        if wordy and terms.digits:
            continue  # a phone number is in no name, reading or address
        if column is Registrant.resident_no and not key.isdigit():
            continue
        pairs.append((column, key))
    return pairs


#: A part search looks up at most this many of its pieces; the keys confirm the rest.
MAX_PIECES = 3


def _part_matches(terms: SearchTerms, fields: frozenset[str]) -> list[Select[Any]]:
    """People a visible name, reading or address holds the search in: found by the
    two-character pieces of the search (RegistrantGram), then confirmed on the keys."""
    if terms.digits:
        return _local_numbers(terms.digits, fields)
    columns = [column for needed, column in PART_KEYS if needed in fields]
    if not columns:
        return []
    holds = [column.contains(terms.word, autoescape=True) for column in columns]
    pieces = sorted(bigrams(terms.word))[:MAX_PIECES]
    if not pieces:
        # One character (or one within numbers) has no piece to look up: read the keys.
        return [select(Registrant.id).where(condition) for condition in holds]
    lookups = [select(RegistrantGram.registrant_id).where(RegistrantGram.gram == p) for p in pieces]
    holders = lookups[0] if len(lookups) == 1 else intersect(*lookups)
    if pieces == [terms.word] and len(columns) == len(PART_KEYS):
        # The search is one piece of keys the viewer sees all of: the piece is the match.
        return [lookups[0]]
    return [select(Registrant.id).where(Registrant.id.in_(holders), or_(*holds))]


#: Phone keys, each with the field a user must be allowed to see to search by it.
PHONE_KEYS = (("phone", Registrant.phone_key), ("mobile_phone", Registrant.mobile_key))


def _local_numbers(digits: str, fields: frozenset[str]) -> list[Select[Any]]:
    """A number typed without its area code (461-3333, as callers often give it) matches the
    end of a stored number. The phone indexes are read whole for it: it is the one number
    search that grows with the register."""
    if digits.startswith("0") or len(digits) < 6:
        return []
    return [
        select(Registrant.id).where(column.endswith(digits, autoescape=True))
        for needed, column in PHONE_KEYS
        if needed in fields
    ]


#: The largest register number a search looks up (a longer number is a phone or an ID).
MAX_REGISTER_NUMBER = 2**31 - 1


def register_number(q: str, fields: frozenset[str]) -> int | None:
    """The register number (整理番号, Registrant.id) a search names, when it is a number alone
    (a leading # or No. allowed) and the user sees register numbers: matched whole only, by
    the primary key."""
    if "id" not in fields:
        return None
    typed = search_key(q).lstrip("#").removeprefix("no.")
    if not (typed.isascii() and typed.isdigit()) or len(typed) > 10:
        return None
    number = int(typed)
    return number if 0 < number <= MAX_REGISTER_NUMBER else None


def search_condition(
    q: str, fields: frozenset[str], city: str = "", parts: bool = True
) -> ColumnElement[bool] | None:
    """Match the register number (whole), the resident ID, a phone number, the name, the given
    name, the reading or the address: whole, by its start, or (names, readings, addresses)
    any part of it.

    Each key is searched on its own (an index for whole and prefix matches) and the matching
    IDs are united: a plain OR with bound parameters lets SQLite walk the whole sort index.
    """
    terms = SearchTerms.of(q, city)
    if not terms.word:
        return None
    found = [select(Registrant.id).where(prefix(c, k)) for c, k in _whole_keys(terms, fields)]
    if (number := register_number(q, fields)) is not None:
        found.append(select(Registrant.id).where(Registrant.id == number))
    if parts:
        found += _part_matches(terms, fields)
    return Registrant.id.in_(union_all(*found)) if found else None


def search_rank(q: str, fields: frozenset[str], city: str = "") -> ColumnElement[int] | None:
    """0 for the person whose register number the search is, 1 for a person a key matches
    whole (the name, the family or given name alone, the phone...), 2 for one a key starts
    with the search, 3 for a match of a part."""
    terms = SearchTerms.of(q, city)
    pairs = _whole_keys(terms, fields)
    number = register_number(q, fields)
    if not pairs:
        return None if number is None else case((Registrant.id == number, 0), else_=3)
    whole = [column == key for column, key in pairs]
    # The family name alone: the full name is the search followed by the given name.
    for needed, full, given in (
        ("name", Registrant.name_key, Registrant.given_key),
        ("name_kana", Registrant.kana_key, Registrant.given_kana_key),
    ):
        if needed in fields and not terms.digits:
            whole.append(and_(given != "", full == literal(terms.word).concat(given)))
    started = [prefix(column, key) for column, key in pairs]
    ranks = [(or_(*whole), 1), (or_(*started), 2)]
    if number is not None:
        ranks.insert(0, (Registrant.id == number, 0))
    return case(*ranks, else_=3)


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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


#: A search stops counting here: past it, the person searched for is found by narrowing the
#: search, not by paging, and counting every match of a common name would cost more.
SEARCH_COUNT_CAP = 1000


def count_matches(session: DbSession, where: list[Any], cap: int | None) -> tuple[int, bool]:
    """How many rows match, or (cap, True) when there are more than cap."""
    if cap is None:
        return session.scalar(select(func.count(Registrant.id)).where(*where)) or 0, False
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
    then those that start with the search, then the rest, each in the chosen order."""
    where, total, capped = _matching(session, viewer, flt)
    page = max(1, min(page, max(1, -(-total // per_page))))
    # Find the page's IDs from the indexes first, then load just those rows: sorting narrow
    # rows is far cheaper than sorting whole records when thousands match.
    order = order_by(viewer, flt)
    rank = search_rank(flt.q, viewer.fields, flt.city) if flt.q else None
    ids = _page_ids(session, where, order if rank is None else (rank, *order), page, per_page)
    found = people(session, viewer, visible_registrants(viewer).where(Registrant.id.in_(ids)))
    rows = {p.registrant_id: p for p in found}
    return Page([rows[i] for i in ids], total, page, per_page, capped)


def _matching(
    session: DbSession, viewer: Viewer, flt: RegisterFilter
) -> tuple[list[Any], int, bool]:
    """The conditions of the list, its count, and whether the count stopped at the cap.

    A search looks for whole keys and their starts first: when those alone pass the cap,
    every page there is to show is theirs (they rank before any match of a part), so the
    parts of the keys are not searched — on a large register, a common name's parts are
    in tens of thousands of people."""
    if not flt.q:
        where = conditions(viewer, flt)
        counted = counted_total(session, viewer, flt, where)
        if counted is not None:
            return where, counted, False
        return where, *count_matches(session, where, None)
    starts = conditions(viewer, flt, parts=False)
    total, capped = count_matches(session, starts, SEARCH_COUNT_CAP)
    if capped:
        return starts, total, capped
    where = conditions(viewer, flt)
    return where, *count_matches(session, where, SEARCH_COUNT_CAP)


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
