"""A search's pages, read rank by rank (roster.registrants.ranked), are exactly the pages of
every match sorted by rank and then by the list's order: the register number, then a key
matched whole (the family name alone included), then a key's start, then a part; the count
stops at the cap, and past it only the starts are listed."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from roster.access.rule import viewer_for
from roster.i18n import local_today
from roster.models import PartnerCategory, Registrant, RegistrantStatus, Role
from roster.models.base import utcnow
from roster.registrants import queries
from roster.registrants.queries import RegisterFilter, conditions, register_page
from roster.registrants.search_keys import (
    SearchTerms,
    register_number,
    search_condition,
    whole_keys,
)
from roster.text import given_part, search_key

from .factories import CITY, Factory

FAMILIES = [("佐藤", "サトウ"), ("佐藤木", "サトウギ"), ("佐", "サ"), ("加藤", "カトウ"),
            ("藤佐", "フジサ"), ("伊佐藤", "イサトウ")]  # fmt: skip
GIVENS = [("花子", "ハナコ"), ("佐藤", "サトウ"), ("太郎", "タロウ"), ("藤子", "フジコ")]
TOWNS = ["佐藤町1-2-3", "佐藤町10-1", "田無町2-5", "加藤台3-3", "本町佐藤4-1"]
PER_PAGE = 4
SEARCHES = ["佐藤", "さとう", "サトウ", "佐", "藤", "佐藤町1", "佐藤 花子", "とう", "ハナコ",
            "田無町2", "町"]  # fmt: skip


@pytest.fixture()
def crowd(factory: Factory, world: dict[str, Any]) -> list[Registrant]:
    rng = random.Random(22)  # noqa: S311 - reproducible test data
    districts = list(world["districts"])
    people = []
    for _ in range(70):
        (family, family_kana), (given, given_kana) = rng.choice(FAMILIES), rng.choice(GIVENS)
        people.append(factory.registrant(
            rng.choice(districts), name=f"{family} {given}",
            name_kana=f"{family_kana} {given_kana}", address=f"{CITY}{rng.choice(TOWNS)}",
            status=rng.choice([RegistrantStatus.ACTIVE] * 3 + [RegistrantStatus.MOVED_OUT]),
        ))  # fmt: skip
    return people


def reference_rank(person: Registrant, q: str, fields: frozenset[str]) -> int:
    """The rank as its definition says, in Python."""
    terms = SearchTerms.of(q, CITY)
    if register_number(q, fields) == person.id:
        return 0
    pairs = [(getattr(person, c.key), key) for c, key in whole_keys(terms, fields)]
    family = search_key(person.name.removesuffix(given_part(person.name)))
    family_kana = search_key(person.name_kana.removesuffix(given_part(person.name_kana)))
    whole = any(value == key for value, key in pairs) or (
        not terms.digits
        and (("name" in fields and family == terms.word)
             or ("name_kana" in fields and family_kana == terms.word))
    )  # fmt: skip
    if whole:
        return 1
    return 2 if any(value.startswith(key) for value, key in pairs) else 3


def reference_pages(
    db: Session, viewer: Any, flt: RegisterFilter, cap: int
) -> tuple[list[int], bool]:
    """Every match (the starts alone when they pass the cap) in rank and list order, to the
    cap, and whether there are more."""
    starts = list(db.scalars(select(Registrant).where(*conditions(viewer, flt, parts=False))))
    found = starts
    if len(starts) <= cap:
        found = list(db.scalars(select(Registrant).where(*conditions(viewer, flt))))
    keys = {"kana": lambda p: (p.kana_key, p.id),
            "district": lambda p: (p.district_id, p.kana_key, p.id)}  # fmt: skip
    order = keys[flt.sort or "kana"]
    ranked = sorted(found, key=lambda p: (reference_rank(p, flt.q, viewer.fields), order(p)))
    shown = -(-cap // PER_PAGE) * PER_PAGE  # the last page is shown whole
    return [p.id for p in ranked][:shown], len(ranked) > cap


@pytest.mark.parametrize("cap", [1000, 7])
def test_every_page_is_the_reference_sort(
    app: Any, db: Session, crowd: list[Registrant], world: dict[str, Any], factory: Factory,
    cap: int, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", cap)
    org = factory.organisation(PartnerCategory.MINSEI_IIN, list(world["districts"]))
    factory.agreement(org)
    partner = factory.user(Role.PARTNER, organisation=org)
    number = str(crowd[5].id)  # a register number is also a search
    with app.test_request_context():
        viewers = [viewer_for(db, u, "opt_out", local_today(), utcnow())
                   for u in (world["users"]["staff"], partner)]  # fmt: skip
        for viewer in viewers:
            sort = "district" if viewer.role is Role.PARTNER else ""
            for q in [*SEARCHES, number]:
                for status in ("active", "all"):
                    flt = RegisterFilter(q=q, city=CITY, sort=sort, status=status)
                    expected, more = reference_pages(db, viewer, flt, cap)
                    got: list[int] = []
                    for page in range(1, 40):
                        shown = register_page(db, viewer, flt, page, PER_PAGE)
                        if shown.page < page:
                            break
                        got += [p.registrant_id for p in shown.rows]
                    assert got == expected, (viewer.role, q, status)
                    assert (shown.total, shown.capped) == (cap if more else len(got), more)


def test_the_family_name_alone_ranks_as_a_whole_match(
    app: Any, db: Session, crowd: list[Registrant], world: dict[str, Any]
) -> None:
    with app.test_request_context():
        viewer = viewer_for(db, world["users"]["staff"], "opt_out", local_today(), utcnow())
        shown = register_page(db, viewer, RegisterFilter(q="佐藤", city=CITY, status="all"), 1, 80)
        ranks = [reference_rank(db.get(Registrant, p.registrant_id), "佐藤", viewer.fields)
                 for p in shown.rows]  # fmt: skip
        assert ranks == sorted(ranks) and ranks[0] == 1 and 2 in ranks and 3 in ranks
        assert search_condition("佐藤", viewer.fields, CITY) is not None
