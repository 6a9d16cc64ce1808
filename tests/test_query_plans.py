"""On PostgreSQL, the register's first page and the plan queue's come from an index walk, not
from sorting every person: with sorting and whole-table scans priced out, the planner still
finds a plan without a full sort, through the index named here."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Select, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from roster.models import Registrant, RegistrantStatus
from roster.priority.queries import QueueFilter
from roster.priority.queue import page_query
from roster.priority.scoring import Bands
from roster.registrants.queries import RegisterFilter, conditions, order_by
from roster.registrants.ranked import family, family_kana
from roster.viewer import viewer_of


@pytest.fixture()
def postgres(db: Session) -> Session:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL: set ROSTER_TEST_DATABASE_URL")
    db.execute(text("SET LOCAL enable_seqscan = off"))
    db.execute(text("SET LOCAL enable_sort = off"))
    return db


def plan_of(db: Session, query: Select[Any]) -> list[str]:
    sql = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    return [line.strip() for line in db.scalars(text(f"EXPLAIN {sql}"))]


def full_sorts(plan: list[str]) -> list[str]:
    """Plan nodes that sort all their input (an incremental sort of ties is not one)."""
    return [line for line in plan if line.removeprefix("->").strip().startswith("Sort  (")]


def test_the_queues_first_page_walks_its_index(postgres: Session, world: dict[str, Any]) -> None:
    viewer = viewer_of(world["users"]["staff"], postgres)
    for flt in (QueueFilter(), QueueFilter(band="A"), QueueFilter(district_id=1)):
        plan = plan_of(postgres, page_query(Bands(), flt, viewer, 50))
        assert not full_sorts(plan), plan
        used = ("ix_registrants_queue ", "ix_registrants_queue_district ")
        assert any(name in line for line in plan for name in used), plan


def test_the_registers_first_page_walks_its_index(postgres: Session, world: dict[str, Any]) -> None:
    viewer = viewer_of(world["users"]["staff"], postgres)
    flt = RegisterFilter()
    query = (
        select(Registrant.id)
        .where(*conditions(viewer, flt))
        .order_by(*order_by(viewer, flt))
        .limit(50)
    )
    plan = plan_of(postgres, query)
    assert not full_sorts(plan), plan
    assert any("Index" in line and "ix_registrants_" in line for line in plan), plan



def test_a_family_names_first_page_walks_its_index(postgres: Session) -> None:
    """A common family name (rank 1 of a search, thousands of people in a large register)
    hands over its first page in reading order from the family-name index."""
    for expression, index in ((family, "ix_registrants_family_search "),
                              (family_kana, "ix_registrants_family_kana_search ")):  # fmt: skip
        query = (
            select(Registrant.id)
            .where(expression == "サトウ", Registrant.status == RegistrantStatus.ACTIVE)
            .order_by(Registrant.kana_key, Registrant.id)
            .limit(50)
        )
        plan = plan_of(postgres, query)
        assert not full_sorts(plan), plan
        # On a small table the planner may walk the status and reading index instead; the
        # family-name index must be there for a large one.
        indexes = set(postgres.scalars(
            text("SELECT indexname FROM pg_indexes WHERE tablename = 'registrants'")
        ))  # fmt: skip
        assert index.strip() in indexes, indexes
