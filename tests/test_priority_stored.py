"""The stored priority scores and coverage counters (roster.priority.stored) stay equal to the
reference computation after every kind of change, in the transaction of the change."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from roster.models import (
    EmergencyContact,
    Mobility,
    Plan,
    PlanStatus,
    PlanTask,
    PriorityCount,
    Registrant,
    RegistrantHazard,
    RegistrantStatus,
    ReviewFlag,
    SharingCount,
)
from roster.priority import stored
from roster.priority.coverage import coverage_by_band, coverage_by_district
from roster.priority.queries import QueueFilter
from roster.priority.queue import queue_page, top_of_queue
from roster.priority.scoring import DEFAULT_WEIGHTS, Bands
from roster.registrants.queries import (
    RegisterFilter,
    conditions,
    count_matches,
    counted_total,
    register_page,
)
from roster.viewer import viewer_of

from .factories import Factory
from .test_priority import make_person, population, reference_scores  # noqa: F401 - fixture

W = DEFAULT_WEIGHTS
PEOPLE = Registrant.__table__


def assert_stored_is_the_reference(db: Session, weights: dict[str, int] = W) -> None:
    """Every person's stored score, plan state and place in the queue are the reference's,
    and the counters count exactly what the people say."""
    stored.settle(db, weights)
    people = list(db.scalars(select(Registrant).execution_options(populate_existing=True)))
    expected = reference_scores(db, people, weights)
    plans = {p.registrant_id: p.status for p in db.scalars(select(Plan))}
    counted: Counter[tuple[int, str, int, str]] = Counter()
    shared: Counter[tuple[int, str, str, int]] = Counter()
    for person in people:
        state = {None: "none", PlanStatus.DRAFT: "draft"}.get(plans.get(person.id), "current")
        active = person.status is RegistrantStatus.ACTIVE
        assert (person.priority_score, person.plan_state) == (expected[person.id], state), person
        assert person.in_queue == (active and state != "current"), person
        assert (person.counted_district_id, person.counted_status) == (
            person.district_id, person.status.value
        ), person  # fmt: skip
        counted[(person.district_id, person.status.value, expected[person.id], state)] += 1
        shared[(person.district_id, person.status.value, person.consent_state.value,
                person.consent_scope)] += 1  # fmt: skip
    counters = {
        (c.district_id, c.status, c.score, c.plan_state): c.people
        for c in db.scalars(select(PriorityCount))
        if c.people
    }
    assert counters == dict(counted)
    assert not db.scalar(select(func.count()).where(PriorityCount.people < 0))
    sharing = {
        (c.district_id, c.status, c.consent_state, c.consent_scope): c.people
        for c in db.scalars(select(SharingCount))
        if c.people
    }
    assert sharing == dict(shared)
    assert not db.scalar(select(func.count()).where(SharingCount.people < 0))


@pytest.fixture()
def settled(db: Session, population: list[Registrant]) -> list[Registrant]:  # noqa: F811
    stored.rebuild(db, W)
    assert_stored_is_the_reference(db)
    return population


def test_a_rebuild_stores_the_reference_for_everyone(settled: list[Registrant]) -> None:
    assert len({p.priority_score for p in settled}) > 10


def test_edits_to_people_by_the_form_path_are_scored_again(
    db: Session, settled: list[Registrant]
) -> None:
    rng = random.Random(16)  # noqa: S311 - reproducible test data
    for person in rng.sample(settled, 30):
        person.device_ventilator = not person.device_ventilator
        person.mobility = rng.choice(list(Mobility))
        if rng.random() < 0.3:
            person.status = RegistrantStatus.MOVED_OUT
    db.flush()
    assert_stored_is_the_reference(db)


def test_statements_on_people_contacts_and_hazards_are_scored_again(
    db: Session, settled: list[Registrant], factory: Factory
) -> None:
    ids = [p.id for p in settled[:40]]
    db.execute(update(Registrant).where(Registrant.id.in_(ids[:10])).values(mobility="bedridden"))
    db.execute(
        update(PEOPLE).where(PEOPLE.c.id == bindparam("pid")).values(household="alone"),
        [{"pid": i} for i in ids[10:20]],
    )
    db.execute(delete(EmergencyContact).where(EmergencyContact.registrant_id.in_(ids[20:30])))
    db.execute(
        insert(EmergencyContact),
        [
            {
                "registrant_id": i,
                "position": 9,
                "name": "隣 人",
                "relation": "隣人",
                "phone": "03-1",
            }
            for i in ids[30:]
        ],
    )
    db.execute(delete(RegistrantHazard).where(RegistrantHazard.registrant_id.in_(ids[:20])))
    db.execute(
        insert(RegistrantHazard),
        [{"registrant_id": i, "flood_rank": 4, "landslide_zone": None} for i in ids[:5]],
    )
    assert_stored_is_the_reference(db)
    # A district moved in one statement: the counters follow.
    other = factory.district("テスト町Q")
    db.execute(update(Registrant).where(Registrant.id.in_(ids[5:15])).values(district_id=other.id))
    assert_stored_is_the_reference(db)


def test_plans_and_drill_findings_are_scored_again(db: Session, settled: list[Registrant]) -> None:
    planned = set(db.scalars(select(Plan.registrant_id)))
    without = [p for p in settled if p.id not in planned]
    for person in without[:5]:
        db.add(Plan(registrant_id=person.id, status=PlanStatus.AGREED, made_on=date(2026, 4, 1),
                    review_on=date(2027, 4, 1), supporters=[{"name": "支援 者"}]))  # fmt: skip
    for plan in db.scalars(select(Plan).limit(8)):
        plan.status = PlanStatus.DRAFT if plan.status is not PlanStatus.DRAFT else PlanStatus.AGREED
        plan.supporters = []
    db.flush()
    assert_stored_is_the_reference(db)
    for flag in db.scalars(select(ReviewFlag).where(ReviewFlag.serious.is_(True))).all()[:5]:
        flag.cleared_at = flag.created_at
    db.execute(delete(Plan).where(Plan.registrant_id == without[0].id))
    assert_stored_is_the_reference(db)


def test_new_people_by_the_form_and_by_a_bulk_insert_are_counted(
    db: Session, settled: list[Registrant], factory: Factory
) -> None:
    district = settled[0].district
    make_person(factory, district, flood_rank=3, device_ventilator=True)
    template = {c: getattr(settled[0], c) for c in (
        "name", "name_kana", "birth_date", "sex", "address", "household", "mobility",
        "care_level", "status", "source", "consent_state", "name_key", "kana_key",
        "address_key", "reason_elderly_care", "district_id",
    )}  # fmt: skip
    db.execute(
        insert(Registrant),
        [
            {
                **template,
                "resident_no": f"88000000{i:02d}",
                "device_oxygen": True,
                "reason_elderly_care": True,
            }
            for i in range(3)
        ],
    )
    assert_stored_is_the_reference(db)


def test_a_weights_change_scores_everyone_again(db: Session, settled: list[Registrant]) -> None:
    heavier = {**W, "living_alone": 70, "flood_rank_2": 1}
    queue_page(db, heavier, Bands(), QueueFilter(), 1, 10)  # a read with other weights
    assert_stored_is_the_reference(db, heavier)


def test_a_commit_settles_what_a_change_left_pending(app: Flask, db: Session, settled: Any) -> None:
    person = next(p for p in settled if p.status is RegistrantStatus.ACTIVE)
    person.device_ventilator = not person.device_ventilator
    db.flush()
    db.commit()
    db.expire_all()
    score = db.scalar(select(Registrant.priority_score).where(Registrant.id == person.id))
    assert score == reference_scores(db, [person], W)[person.id]


def test_the_queue_and_coverage_read_the_counters_as_a_scan_would(
    db: Session, settled: list[Registrant], world: dict[str, Any]
) -> None:
    district = settled[0].district_id
    active = [p for p in settled if p.status is RegistrantStatus.ACTIVE]
    db.add(PlanTask(registrant_id=active[0].id, assignee_name="ケアマネ",
                    assigned_by_id=world["users"]["staff"].id))  # fmt: skip
    db.flush()
    for flt in (QueueFilter(), QueueFilter(band="A"), QueueFilter(unassigned=True),
                QueueFilter(district_id=district, band="C", unassigned=True)):  # fmt: skip
        page = queue_page(db, W, Bands(), flt, 1, 1000)
        assert page.total == len(page.rows), flt
    by_district = queue_page(db, W, Bands(), QueueFilter(sort="district"), 1, 1000).rows
    walked = []
    pages = queue_page(db, W, Bands(), QueueFilter(sort="district"), 1, 9).pages
    for n in range(1, pages + 1):
        walked += queue_page(db, W, Bands(), QueueFilter(sort="district"), n, 9).rows
    assert [r.registrant.id for r in walked] == [r.registrant.id for r in by_district]
    assert top_of_queue(db, W, 3, unassigned=False) == [r.registrant.id for r in queue_page(
        db, W, Bands(), QueueFilter(), 1, 3).rows]  # fmt: skip
    plans = {p.registrant_id: p.status for p in db.scalars(select(Plan))}
    mine = next(r for r in coverage_by_district(db, W) if r.district_id == district)
    here = [p for p in active if p.district_id == district]
    assert mine.total == len(here)
    assert mine.draft == sum(plans.get(p.id) is PlanStatus.DRAFT for p in here)
    bands = coverage_by_band(db, W, Bands())
    assert sum(b.total for b in bands) == db.scalar(
        select(func.count()).where(Registrant.status == RegistrantStatus.ACTIVE)
    )


def test_the_register_counts_from_the_counters_as_a_count_would(
    db: Session, settled: list[Registrant], world: dict[str, Any]
) -> None:
    district = settled[0].district_id
    settled[3].status = RegistrantStatus.MOVED_OUT
    db.flush()
    for role in ("staff", "planner"):
        viewer = viewer_of(world["users"][role], db)
        for flt in (RegisterFilter(), RegisterFilter(status="moved_out"), RegisterFilter(status=""),
                    RegisterFilter(district_id=district), RegisterFilter(need="wheelchair"),
                    RegisterFilter(district_id=district, status="bogus")):  # fmt: skip
            where = conditions(viewer, flt)
            exact, _capped = count_matches(db, where, None)
            assert register_page(db, viewer, flt, 1, 10).total == exact, (role, flt)
        assert counted_total(db, viewer, RegisterFilter(), conditions(viewer, RegisterFilter()))
        need = RegisterFilter(need="wheelchair")
        assert counted_total(db, viewer, need, conditions(viewer, need)) is None


def test_two_requests_finding_new_weights_score_everyone_once(
    app: Flask, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two transactions that both find the weights changed: one scores everyone, the other
    waits for it and finds the weights stored; neither fails (no duplicate settings row)."""
    import threading
    import time

    from roster.extensions import make_engine
    from roster.models import PrioritySettings

    engine = make_engine(database_url)
    weights = {**W, "ventilator": W["ventilator"] + 7}
    rebuilt: list[int] = []
    errors: list[BaseException] = []
    real = stored.rebuild

    def slow_rebuild(session: Any, w: Any = None) -> None:
        rebuilt.append(1)
        time.sleep(0.5)  # long enough for the other to arrive while this one holds the row
        real(session, w)

    monkeypatch.setattr(stored, "rebuild", slow_rebuild)

    def request() -> None:
        try:
            with app.app_context(), Session(engine) as session:
                stored.ready(session, weights)
                session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    try:
        with Session(engine) as session:  # the weights row as a fresh installation has it
            session.execute(delete(PrioritySettings))
            session.commit()
        threads = [threading.Thread(target=request) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors, errors
        assert rebuilt == [1]
    finally:
        with Session(engine) as session:
            session.execute(delete(PrioritySettings))
            session.commit()
        engine.dispose()


def test_the_rescore_command_stores_the_reference_for_everyone(
    db: Session, settled: list[Registrant], runner: Any
) -> None:
    """`roster priority rescore` after a change of weights: everyone scored with the new ones."""
    db.execute(update(Registrant).values(priority_score=0, counted_status=None))
    db.execute(delete(PriorityCount))
    result = runner.invoke(args=["priority", "rescore"])
    assert result.exit_code == 0, result.output
    assert "scored" in result.output
    assert_stored_is_the_reference(db)


def test_the_demo_loads_with_every_counter_as_its_people_say(app: Flask, tmp_path: Any) -> None:
    """However the demo writes its people (in bulk, past the session hooks), the stored scores
    and both kinds of counters are the reference once it is loaded."""
    from roster.demo import load_demo

    from .test_search import migrated_sqlite

    engine = migrated_sqlite(tmp_path / "demo.db")
    with app.app_context(), Session(engine) as session:
        load_demo(session, registrants=60, seed=5, password_hash="x")
        session.commit()
        assert_stored_is_the_reference(session, dict(app.config["PLAN_PRIORITY_WEIGHTS"]))
    engine.dispose()
