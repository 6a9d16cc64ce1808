"""A search's page and count, read rank by rank so that neither grows with the number of
people a common name or a town matches.

The order of a search's list is its rank (0: the register number; 1: a key matched whole,
the family name alone included; 2: a key that starts with the search; 3: a part of a key),
then the chosen sort. Sorting every match by that order reads every match: about 7,000 people
for 佐藤 at 200,000 and 35,000 at a million. Here each key is asked on its own for the first
rows of a page in the chosen order (an index on the key, the status and the reading hands
them over in reading order for a whole match), and a rank is read only when the ranks before
it do not fill the page. A count stops at the cap with each key read to the cap at most.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, select, union

from ..extensions import DbSession
from ..models import Registrant
from .search_keys import SearchTerms, part_matches, prefix, register_number, whole_keys

#: The family name (the name without its given name), as the family-name indexes hold it.
family: ColumnElement[str] = func.substr(
    Registrant.name_key,
    literal_column("1"),
    # abs: never a negative length, which PostgreSQL refuses (a name key shorter than its
    # given name's, as no form writes, must not fail a write through the index).
    func.abs(func.length(Registrant.name_key) - func.length(Registrant.given_key)),
)
family_kana: ColumnElement[str] = func.substr(
    Registrant.kana_key,
    literal_column("1"),
    func.abs(func.length(Registrant.kana_key) - func.length(Registrant.given_kana_key)),
)


#: Matches of a part read before they are put in order: more than a search counts
#: (SEARCH_COUNT_CAP), so a list that is not capped is in exact order; a list whose parts
#: pass the cap orders the first this many the pieces' index gives.
PARTS_READ = 1_001


class Ranked:
    """One search by one viewer, with the list's other conditions (`filters`)."""

    def __init__(self, q: str, fields: frozenset[str], city: str, filters: list[Any]) -> None:
        self.terms = SearchTerms.of(q, city)
        self.fields = fields
        self.filters = filters
        self.pairs = whole_keys(self.terms, fields)
        self.number = register_number(q, fields)
        self.starts_only = False
        #: Each ID of the last page read, with its rank (0 register number ... 3 a part).
        self.ranks: dict[int, int] = {}

    # -- what matches, rank by rank -------------------------------------------------------

    def numbered(self) -> list[ColumnElement[bool]]:
        return [] if self.number is None else [Registrant.id == self.number]

    def whole(self) -> list[ColumnElement[bool]]:
        """Rank 1: a key equal to the search, or the family name (or its reading) alone."""
        found: list[ColumnElement[bool]] = [column == key for column, key in self.pairs]
        if not self.terms.digits:
            if "name" in self.fields:
                found.append(family == self.terms.word)
            if "name_kana" in self.fields:
                found.append(family_kana == self.terms.word)
        return found

    def started(self) -> list[ColumnElement[bool]]:
        """Ranks 1 and 2: a key that starts with the search (a whole key does)."""
        return [prefix(column, key) for column, key in self.pairs]

    def parts(self) -> list[Select[Any]]:
        return part_matches(self.terms, self.fields)

    # -- reading them -----------------------------------------------------------------------

    def _sources(self, conditions: list[ColumnElement[bool]], limit: int, order: Any) -> Any:
        """The union of each condition's first `limit` IDs in `order` (each read on its own,
        from its own index)."""
        firsts = [
            select(Registrant.id)
            .where(condition, *self.filters)
            .order_by(*order)
            .limit(limit)
            .subquery()
            for condition in conditions
        ]
        return union(*(select(first.c.id) for first in firsts))

    def first(self, session: DbSession, conditions: list[Any], limit: int, order: Any) -> list[int]:
        """The first `limit` people in `order` that any of `conditions` matches."""
        if not conditions or limit <= 0:
            return []
        ids = self._sources(conditions, limit, order)
        query = select(Registrant.id).where(Registrant.id.in_(ids)).order_by(*order).limit(limit)
        return list(session.scalars(query))

    def first_of_parts(
        self, session: DbSession, limit: int, order: Any, known: set[int]
    ) -> list[int]:
        """The first `limit` people in `order` a part of a key matches, not yet `known`.

        The candidates are read from the pieces' index first (PARTS_READ at most), then put
        in order: asked for the order at once, PostgreSQL walks the whole reading index
        looking for a few hundred scattered people (2.4 s at a million)."""
        found = self.parts()
        if not found or limit <= 0:
            return []
        candidates = select(Registrant.id).where(Registrant.id.in_(union(*found)), *self.filters)
        if known:
            candidates = candidates.where(Registrant.id.not_in(sorted(known)))
        ids = list(session.scalars(candidates.limit(PARTS_READ)))
        if not ids:
            return []
        query = select(Registrant.id).where(Registrant.id.in_(ids)).order_by(*order).limit(limit)
        return list(session.scalars(query))

    def count(self, session: DbSession, cap: int, with_parts: bool = True) -> tuple[int, bool]:
        """How many people match (cap, True when more): whole keys and their starts first,
        each read to cap + 1 at most; the parts only when those do not reach the cap (and
        never without `with_parts`)."""
        ids = self.matching(session, cap, with_parts)
        found = cap + 1 if self.starts_only else self._count(session, ids)
        return (cap, True) if found > cap else (found, False)

    def matching(
        self, session: DbSession, cap: int, with_parts: bool = True
    ) -> Select[Any] | None:
        """The IDs of up to cap + 1 people who match: the starts alone when they pass the
        cap (`starts_only`) or when asked `with_parts=False`, else the starts and the parts."""
        starts = self.numbered() + self.started()
        ids: Select[Any] | None = None
        if starts:
            firsts = self._sources(starts, cap + 1, ())
            ids = select(firsts.subquery().c.id).limit(cap + 1)
            #: Whether the list leaves out the parts: the starts alone pass the cap, and
            #: every page there is to show is theirs.
            self.starts_only = self._count(session, ids) > cap
            if self.starts_only:
                return ids
        if not with_parts:
            return ids
        parts = self.parts()
        if not parts:
            return ids if starts else None
        matched = [select(Registrant.id).where(c) for c in starts] + parts
        everyone = select(Registrant.id).where(Registrant.id.in_(union(*matched)), *self.filters)
        return everyone.limit(cap + 1)

    @staticmethod
    def _count(session: DbSession, ids: Select[Any] | None) -> int:
        if ids is None:
            return 0
        return int(session.scalar(select(func.count()).select_from(ids.subquery())) or 0)

    def page(self, session: DbSession, order: Any, page: int, per_page: int) -> list[int]:
        """The IDs on one page, rank by rank; a rank is read only when the ranks before it
        leave room on the page."""
        wanted = page * per_page
        found = self.first(session, self.numbered(), 1, order)
        ranks = dict.fromkeys(found, 0)
        whole = [i for i in self.first(session, self.whole(), wanted + 1, order)
                 if i not in ranks]  # fmt: skip
        found += whole
        ranks.update(dict.fromkeys(whole, 1))
        if len(found) < wanted:
            # Every whole match is in `found` now: the starts are the rest of those that start.
            room = wanted - len(found)
            starts = self.first(session, self.started(), room + len(ranks), order)
            started = [i for i in starts if i not in ranks][:room]
            found += started
            ranks.update(dict.fromkeys(started, 2))
        if len(found) < wanted and not self.starts_only:
            parts = self.first_of_parts(session, wanted - len(found), order, set(found))
            found += parts
            ranks.update(dict.fromkeys(parts, 3))
        shown = found[(page - 1) * per_page : wanted]
        self.ranks = {i: ranks[i] for i in shown}
        return shown
