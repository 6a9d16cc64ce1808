"""The priority queue for making plans: the score and its reasons, the same score in SQL,
the queue page (filters, paging, who is in it), assignment, coverage, and who may use it."""

from __future__ import annotations

import json
import random
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from roster.config import ConfigError, plan_priority
from roster.models import (
    AuditEvent,
    EmergencyContact,
    Finding,
    Household,
    Mobility,
    Plan,
    PlanStatus,
    PlanTask,
    Registrant,
    RegistrantHazard,
    RegistrantStatus,
    Role,
)
from roster.priority import scoring
from roster.priority.coverage import coverage_by_band, coverage_by_district
from roster.priority.demo import DEMO_CARE_MANAGERS, add_demo_tasks
from roster.priority.queries import (
    QueueFilter,
    person_of,
    seriously_flagged,
    sql_scores,
    supporters_named,
)
from roster.priority.queue import queue_page
from roster.priority.scoring import DEFAULT_WEIGHTS, Bands, Person, score

from .conftest import AuthActions, IsolatedClient
from .drill_world import drill, raw_flag
from .factories import Factory

W = DEFAULT_WEIGHTS

# ---------------------------------------------------------------------------------------------
# The score, on constructed cases.
# ---------------------------------------------------------------------------------------------

CONTACTED = {"emergency_contact": True}


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        # Nothing applies.
        (Person(**CONTACTED), (0, [])),
        (Person(mobility="independent", household="with_others", **CONTACTED), (0, [])),
        # Hazard: rank 1 (< 0.5 m) is not a reason; rank 2 next; rank 3 and up highest.
        (Person(flood_rank=1, **CONTACTED), (0, [])),
        (Person(flood_rank=2, **CONTACTED), (20, [("flood_rank_2", 20)])),
        (Person(flood_rank=3, **CONTACTED), (40, [("flood_rank_3_plus", 40)])),
        (Person(flood_rank=6, **CONTACTED), (40, [("flood_rank_3_plus", 40)])),
        (Person(landslide_zone="warning", **CONTACTED), (40, [("landslide_zone", 40)])),
        # A landslide zone and deep water: the stronger counts once, not both.
        (
            Person(landslide_zone="special", flood_rank=4, **CONTACTED),
            (40, [("landslide_zone", 40)]),
        ),
        (
            Person(landslide_zone="warning", flood_rank=2, **CONTACTED),
            (40, [("landslide_zone", 40)]),
        ),
        # Devices: a ventilator outranks oxygen and the like; one counts.
        # A ventilator user is band A on that alone ("ventilator users always first").
        (Person(ventilator=True, **CONTACTED), (60, [("ventilator", 60)])),
        (Person(other_device=True, **CONTACTED), (15, [("medical_device", 15)])),
        (Person(ventilator=True, other_device=True, **CONTACTED), (60, [("ventilator", 60)])),
        # Mobility adds to devices.
        (Person(mobility="bedridden", **CONTACTED), (30, [("bedridden", 30)])),
        (Person(mobility="wheelchair", **CONTACTED), (15, [("wheelchair", 15)])),
        (
            Person(ventilator=True, mobility="bedridden", **CONTACTED),
            (90, [("ventilator", 60), ("bedridden", 30)]),
        ),
        # Household.
        (Person(household="alone", **CONTACTED), (15, [("living_alone", 15)])),
        (Person(household="elderly_only", **CONTACTED), (10, [("elderly_only", 10)])),
        (Person(household="unknown", **CONTACTED), (0, [])),
        # Support: neither a named supporter in the plan nor an emergency contact.
        (Person(), (15, [("no_supporter", 15)])),
        (Person(named_supporter=True), (0, [])),
        # Everything at once, in the order the reasons are listed.
        (
            Person(
                landslide_zone="warning",
                flood_rank=3,
                ventilator=True,
                other_device=True,
                mobility="bedridden",
                household="alone",
            ),
            (
                160,
                [
                    ("landslide_zone", 40),
                    ("ventilator", 60),
                    ("bedridden", 30),
                    ("living_alone", 15),
                    ("no_supporter", 15),
                ],
            ),
        ),
    ],
)
def test_the_score_and_its_reasons_on_constructed_cases(
    person: Person, expected: tuple[int, list[tuple[str, int]]]
) -> None:
    assert score(person, W) == expected


def test_the_reasons_always_add_up_to_the_score() -> None:
    rng = random.Random(6)  # noqa: S311 - reproducible test data
    for _ in range(500):
        person = random_person(rng)
        points, reasons = score(person, W)
        assert points == sum(p for _c, p in reasons)
        codes = [c for c, _p in reasons]
        assert codes == sorted(codes, key=scoring.REASON_CODES.index)


def test_the_weights_decide_which_hazard_counts_and_a_zero_weight_is_no_reason() -> None:
    deep_water = {**W, "flood_rank_3_plus": 50}
    both = Person(landslide_zone="warning", flood_rank=3, **CONTACTED)
    assert score(both, deep_water) == (50, [("flood_rank_3_plus", 50)])
    no_alone = {**W, "living_alone": 0}
    assert score(Person(household="alone", **CONTACTED), no_alone) == (0, [])
    # An odd configuration still takes the strongest that applies: rank 4 is not rank 2.
    odd = {**W, "flood_rank_2": 60}
    assert score(Person(flood_rank=4, **CONTACTED), odd) == (40, [("flood_rank_3_plus", 40)])


@pytest.mark.parametrize(
    ("points", "band"), [(140, "A"), (60, "A"), (59, "B"), (30, "B"), (29, "C"), (0, "C")]
)
def test_bands(points: int, band: str) -> None:
    assert Bands().of(points) == band
    assert Bands(a=100, b=10).of(points) == ("A" if points >= 100 else "B" if points >= 10 else "C")


def test_the_shipped_config_gives_the_documented_weights_and_bands(app: Flask) -> None:
    assert app.config["PLAN_PRIORITY_WEIGHTS"] == DEFAULT_WEIGHTS
    assert app.config["PLAN_PRIORITY_BANDS"] == Bands(60, 30)


@pytest.mark.parametrize(
    ("plans", "message"),
    [
        ({"priority": {"ventilatr": 40}}, "unknown priority weight 'ventilatr'"),
        ({"priority": {"ventilator": -1}}, "ventilator must be a whole number"),
        ({"priority": {"ventilator": "40"}}, "ventilator must be a whole number"),
        ({"priority": {"ventilator": True}}, "ventilator must be a whole number"),
        ({"priority_bands": {"a": 30, "b": 30}}, "band a (30) must be above band b (30)"),
        ({"priority_bands": {"c": 1}}, "unknown band setting(s): c"),
    ],
)
def test_a_bad_priority_setting_is_refused_by_name(plans: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=None) as info:
        plan_priority({"plans": plans})
    assert message in str(info.value)


def test_a_partial_priority_setting_keeps_the_other_defaults() -> None:
    settings = plan_priority(
        {"plans": {"priority": {"wheelchair": 25}, "priority_bands": {"a": 80}}}
    )
    assert settings["PLAN_PRIORITY_WEIGHTS"] == {**DEFAULT_WEIGHTS, "wheelchair": 25}
    assert settings["PLAN_PRIORITY_BANDS"] == Bands(80, 30)


@pytest.mark.parametrize(
    ("supporters", "named"),
    [
        ([], False),
        (None, False),
        ([{"name": "山田 一郎", "relation": "長男"}], True),
        ([{"name": "", "relation": "長男"}], False),
        ([{"name": "   "}], False),
        ([{"relation": "長男"}], False),
        ([{"name": None}], False),
        (["山田"], False),
        ([{"name": ""}, {"name": "隣人 花子"}], True),
    ],
)
def test_a_supporter_counts_only_with_a_name(supporters: Any, named: bool) -> None:
    assert supporters_named(supporters) is named


# ---------------------------------------------------------------------------------------------
# People in the database.
# ---------------------------------------------------------------------------------------------

PLAIN: dict[str, Any] = {
    "device_ventilator": False,
    "device_oxygen": False,
    "device_suction": False,
    "device_dialysis": False,
    "mobility": Mobility.INDEPENDENT,
    "household": Household.WITH_OTHERS,
}


def make_person(
    factory: Factory,
    district: Any,
    *,
    flood_rank: int | None = None,
    landslide_zone: str | None = None,
    contact: bool = True,
    plan: PlanStatus | None = None,
    supporters: Any = None,
    **fields: Any,
) -> Registrant:
    """A registrant with nothing that raises priority unless told: no hazard, no devices,
    walks unaided, lives with others, has an emergency contact."""
    person = factory.registrant(district, **{**PLAIN, **fields})
    session = factory.session
    if flood_rank is not None or landslide_zone is not None:
        session.add(
            RegistrantHazard(
                registrant_id=person.id, flood_rank=flood_rank, landslide_zone=landslide_zone
            )
        )
    if contact:
        person.emergency_contacts.append(
            EmergencyContact(position=1, name="連絡 先子", relation="長女", phone="03-0000-0000")
        )
    if plan is not None:
        session.add(
            Plan(
                registrant_id=person.id,
                status=plan,
                supporters=[] if supporters is None else supporters,
                made_on=date(2026, 4, 1),
                review_on=date(2027, 4, 1),
            )
        )
    session.flush()
    return person


def random_person(rng: random.Random) -> Person:
    return Person(
        flood_rank=rng.choice([None, None, 1, 2, 3, 4, 6]),
        landslide_zone=rng.choice([None, None, "warning", "special"]),
        ventilator=rng.random() < 0.2,
        other_device=rng.random() < 0.3,
        mobility=rng.choice([m.value for m in Mobility]),
        household=rng.choice([h.value for h in Household]),
        named_supporter=rng.random() < 0.3,
        emergency_contact=rng.random() < 0.4,
        serious_finding=rng.random() < 0.2,
    )


SUPPORTER_CASES: list[tuple[PlanStatus | None, Any]] = [
    (None, None),
    (PlanStatus.DRAFT, []),
    (PlanStatus.DRAFT, [{"name": "支援 一郎", "relation": "隣人"}]),
    (PlanStatus.DRAFT, [{"name": "", "relation": "隣人"}]),
    (PlanStatus.DRAFT, [{"name": " "}, "壊れた行"]),
    (PlanStatus.AGREED, [{"name": "支援 二郎"}]),
    (PlanStatus.NEEDS_REVIEW, []),
]


@pytest.fixture()
def population(factory: Factory, world: dict[str, Any]) -> list[Registrant]:
    """A varied population in its own district: every hazard, device, mobility, household
    and supporter situation turns up, in random combinations."""
    rng = random.Random(2026)  # noqa: S311 - reproducible test data
    district = factory.district("テスト町P")
    people = []
    for _ in range(120):
        plan, supporters = rng.choice(SUPPORTER_CASES)
        people.append(
            make_person(
                factory,
                district,
                flood_rank=rng.choice([None, 1, 2, 3, 5]),
                landslide_zone=rng.choice([None, None, "warning", "special"]),
                contact=rng.random() < 0.4,
                plan=plan,
                supporters=supporters,
                device_ventilator=rng.random() < 0.2,
                device_oxygen=rng.random() < 0.15,
                device_suction=rng.random() < 0.1,
                device_dialysis=rng.random() < 0.1,
                mobility=rng.choice(list(Mobility)),
                household=rng.choice(list(Household)),
                status=rng.choice([RegistrantStatus.ACTIVE] * 5 + [RegistrantStatus.MOVED_OUT]),
            )
        )
    _flag_some(factory.session, world, people, rng)
    return people


#: Drill findings the population's people may carry: serious or not, cleared or not.
FLAG_CASES = [
    (Finding.SUPPORTER_UNAVAILABLE, False),
    (Finding.ROUTE_BLOCKED, True),
    (Finding.NO_ANSWER, False),
]


def _flag_some(
    db: Session, world: dict[str, Any], people: list[Registrant], rng: random.Random
) -> None:
    """About a third of the people carry a drill's flag; only an uncleared serious one
    counts (drill_finding)."""
    scenario = drill(db, world)
    for person in people:
        if rng.random() < 0.35:
            finding, cleared = rng.choice(FLAG_CASES)
            raw_flag(db, scenario, person.id, finding, cleared=cleared)


def reference_scores(db: Session, people: list[Registrant], weights: Any) -> dict[int, int]:
    result = {}
    for r in people:
        hazard = db.get(RegistrantHazard, r.id)
        plan = db.scalar(select(Plan).where(Plan.registrant_id == r.id))
        flagged = r.id in seriously_flagged(db, [r.id])
        result[r.id] = score(person_of(r, hazard, plan, flagged), weights)[0]
    return result


@pytest.mark.parametrize(
    "weights",
    [
        DEFAULT_WEIGHTS,
        {**DEFAULT_WEIGHTS, "flood_rank_3_plus": 55, "medical_device": 45, "living_alone": 0},
        {key: 1 + i for i, key in enumerate(DEFAULT_WEIGHTS)},
    ],
)
def test_the_database_computes_the_same_score_as_the_reference(
    db: Session, population: list[Registrant], weights: dict[str, int]
) -> None:
    active = [r for r in population if r.status is RegistrantStatus.ACTIVE]
    assert len({r.id for r in active}) > 90
    expected = reference_scores(db, active, weights)
    assert sql_scores(db, weights, expected) == expected
    # The population is varied: many different scores, and every reason turns up.
    assert len(set(expected.values())) > 10
    reasons = set()
    for r in active:
        hazard = db.get(RegistrantHazard, r.id)
        plan = db.scalar(select(Plan).where(Plan.registrant_id == r.id))
        flagged = r.id in seriously_flagged(db, [r.id])
        reasons |= {c for c, _p in score(person_of(r, hazard, plan, flagged), DEFAULT_WEIGHTS)[1]}
    assert reasons == set(scoring.REASON_CODES)


def test_the_queue_holds_active_people_without_a_current_plan_best_first(
    db: Session, population: list[Registrant]
) -> None:
    district = population[0].district_id
    flt = QueueFilter(district_id=district)
    page = queue_page(db, W, Bands(), flt, 1, 1000)
    shown = [row.registrant.id for row in page.rows]
    plans = {p.registrant_id: p.status for p in db.scalars(select(Plan))}
    expected = [
        r.id
        for r in population
        if r.status is RegistrantStatus.ACTIVE and plans.get(r.id) in (None, PlanStatus.DRAFT)
    ]
    assert sorted(shown) == sorted(expected)
    assert page.total == len(expected)
    keys = [(-row.score, row.registrant.id) for row in page.rows]
    assert keys == sorted(keys), "highest score first, ties by register number"
    for row in page.rows:
        assert row.band == Bands().of(row.score)
        assert row.score == sum(p for _c, p in row.reasons)


def test_the_queue_filters_by_band_and_pages(db: Session, population: list[Registrant]) -> None:
    district = population[0].district_id
    everyone = queue_page(db, W, Bands(), QueueFilter(district_id=district), 1, 1000).rows
    for band in "ABC":
        page = queue_page(db, W, Bands(), QueueFilter(district_id=district, band=band), 1, 1000)
        assert [r.registrant.id for r in page.rows] == [
            r.registrant.id for r in everyone if r.band == band
        ]
    # Pages of 7 walk the same order without gaps or repeats; past the end is the last page.
    walked = []
    first = queue_page(db, W, Bands(), QueueFilter(district_id=district), 1, 7)
    for n in range(1, first.pages + 1):
        walked += [
            r.registrant.id
            for r in queue_page(db, W, Bands(), QueueFilter(district_id=district), n, 7).rows
        ]
    assert walked == [r.registrant.id for r in everyone]
    last = queue_page(db, W, Bands(), QueueFilter(district_id=district), 999, 7)
    assert last.page == first.pages
    by_id = queue_page(db, W, Bands(), QueueFilter(district_id=district, sort="id"), 1, 1000)
    assert [r.registrant.id for r in by_id.rows] == sorted(r.registrant.id for r in everyone)


def test_the_queue_filters_by_district_and_unassigned(
    db: Session, factory: Factory, world: dict[str, Any]
) -> None:
    a, b = world["districts"]
    in_a, in_b = make_person(factory, a), make_person(factory, b)
    assigned = make_person(factory, a)
    db.add(
        PlanTask(
            registrant_id=assigned.id,
            assignee_name="ケアマネ",
            assigned_by_id=world["users"]["staff"].id,
        )
    )
    db.flush()
    ids = lambda flt: {r.registrant.id for r in queue_page(db, W, Bands(), flt, 1, 1000).rows}  # noqa: E731
    assert {in_a.id, assigned.id} <= ids(QueueFilter(district_id=a.id))
    assert in_b.id not in ids(QueueFilter(district_id=a.id))
    assert in_a.id in ids(QueueFilter(unassigned=True))
    assert assigned.id not in ids(QueueFilter(unassigned=True))
    # Unknown values are ignored, not errors.
    assert QueueFilter(band="Z", sort="name") == QueueFilter()


# ---------------------------------------------------------------------------------------------
# The pages.
# ---------------------------------------------------------------------------------------------


def english(client: IsolatedClient) -> None:
    client.post("/locale", data={"locale": "en", "next": "/"})


@pytest.fixture()
def staff(client: IsolatedClient, auth: AuthActions, world: dict[str, Any]) -> IsolatedClient:
    assert auth.login("t_staff").status_code == 302
    english(client)
    return client


def test_the_queue_page_shows_each_persons_reasons_in_words_and_is_audited(
    db: Session, factory: Factory, world: dict[str, Any], staff: IsolatedClient
) -> None:
    district = factory.district("テスト町Q")
    top = make_person(
        factory,
        district,
        landslide_zone="warning",
        flood_rank=4,
        device_ventilator=True,
        household=Household.ALONE,
        contact=False,
        name="優先 一番",
    )
    agreed = make_person(
        factory, district, device_ventilator=True, plan=PlanStatus.AGREED, name="計画 済子"
    )
    review = make_person(
        factory, district, device_ventilator=True, plan=PlanStatus.NEEDS_REVIEW, name="見直 待子"
    )
    draft = make_person(
        factory,
        district,
        flood_rank=2,
        plan=PlanStatus.DRAFT,
        supporters=[{"name": "支援 者"}],
        contact=False,
        name="下書 中子",
    )
    gone = make_person(
        factory,
        district,
        device_ventilator=True,
        status=RegistrantStatus.DECEASED,
        name="故人 太郎",
    )
    response = staff.get(f"/priority/?district={district.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "優先 一番" in html and "下書 中子" in html
    for hidden in ("計画 済子", "見直 待子", "故人 太郎"):
        assert hidden not in html
    for reason in (
        "Landslide warning zone +40",
        "Home ventilator +60",
        "Living alone +15",
        "No supporter or emergency contact +15",
        "Flooding 0.5–3 m +20",
    ):
        assert reason in html
    assert "Flooding 3 m or deeper" not in html, "only the stronger hazard is a reason"
    assert html.index("優先 一番") < html.index("下書 中子")
    assert f'href="/registrants/{top.id}"' in html
    assert f'href="/plans/{top.id}"' in html and f'href="/plans/{draft.id}"' in html
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "priority.list").order_by(AuditEvent.seq)
    ).all()[-1]
    assert sorted(json.loads(event.detail)["ids"]) == sorted([top.id, draft.id])
    assert {agreed.id, review.id, gone.id}.isdisjoint(json.loads(event.detail)["ids"])


def test_the_queue_page_pages_with_the_shared_pager(
    app: Flask,
    factory: Factory,
    world: dict[str, Any],
    staff: IsolatedClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    district = factory.district("テスト町R")
    for _ in range(5):
        make_person(factory, district)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    html = staff.get(f"/priority/?district={district.id}&page=2").get_data(as_text=True)
    assert "Page 2 of 3" in html
    assert f"/priority/?district={district.id}&amp;page=3" in html


def test_assigning_to_a_staff_member_and_to_a_care_manager(
    db: Session, factory: Factory, world: dict[str, Any], staff: IsolatedClient
) -> None:
    district = factory.district("テスト町S")
    one, two = make_person(factory, district), make_person(factory, district)
    colleague = factory.user(Role.STAFF, "t_colleague")
    response = staff.post(
        "/priority/assign",
        data={
            "ids": [str(one.id), str(two.id)],
            "user_id": str(colleague.id),
            "assignee_name": "",
            "district": str(district.id),
            "band": "C",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/priority/?district={district.id}&band=C"
    tasks = {t.registrant_id: t for t in db.scalars(select(PlanTask))}
    assert tasks[one.id].assignee_id == colleague.id and tasks[two.id].assignee_id == colleague.id
    assert tasks[one.id].assigned_by_id == world["users"]["staff"].id
    # A care manager replaces the earlier assignee.
    name = "ケアマネジャー 田中（デモ居宅介護支援事業所）"
    response = staff.post(
        "/priority/assign",
        data={"ids": [str(one.id)], "user_id": "0", "assignee_name": f"  {name} "},
    )
    assert response.status_code == 302
    db.expire_all()
    task = db.get(PlanTask, one.id)
    # Typed text is trimmed as everywhere; a name keeps its full-width brackets.
    assert task is not None and task.assignee_id is None
    assert task.assignee_name == name
    html = staff.get(f"/priority/?district={district.id}").get_data(as_text=True)
    assert task.assignee_name in html and "テスト利用者" in html
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "plan.assign").order_by(AuditEvent.seq)
    ).all()
    assert json.loads(events[0].detail) == {
        "ids": sorted([one.id, two.id]),
        "count": 2,
        "assignee_id": colleague.id,
    }
    assert json.loads(events[1].detail) == {"ids": [one.id], "count": 1, "assignee": "named"}
    assert "田中" not in str(events[1].detail), "no names in the trail"
    # Unassigned only leaves both out now.
    html = staff.get(f"/priority/?district={district.id}&unassigned=1").get_data(as_text=True)
    assert one.name not in html and two.name not in html


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (lambda w, p: {"user_id": str(w["users"]["staff"].id)}, "Select at least one person."),
        (
            lambda w, p: {"ids": [str(p.id)], "user_id": "0", "assignee_name": ""},
            "Choose a staff member, or type a care manager",
        ),
        (
            lambda w, p: {
                "ids": [str(p.id)],
                "user_id": str(w["users"]["staff"].id),
                "assignee_name": "ケアマネ 田中",
            },
            "not both",
        ),
        (
            lambda w, p: {"ids": [str(p.id)], "user_id": str(w["users"]["partner"].id)},
            "That staff member does not exist or cannot be assigned.",
        ),
        (
            lambda w, p: {"ids": [str(p.id)], "user_id": "999999"},
            "That staff member does not exist or cannot be assigned.",
        ),
        (lambda w, p: {"ids": [str(p.id)], "user_id": "abc"}, "Check the assignee"),
        (lambda w, p: {"ids": [str(p.id)], "assignee_name": "x" * 121}, "Check the assignee"),
        (
            lambda w, p: {"ids": ["999999"], "user_id": str(w["users"]["staff"].id)},
            "1 of the selected people are not in the queue",
        ),
    ],
)
def test_a_bad_assignment_says_what_is_wrong_and_changes_nothing(
    db: Session,
    factory: Factory,
    world: dict[str, Any],
    staff: IsolatedClient,
    form: Any,
    message: str,
) -> None:
    person = make_person(factory, world["districts"][0], name="選択 された")
    before = db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "plan.assign"))
    response = staff.post("/priority/assign", data=form(world, person))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'role="alert"' in html
    assert db.scalar(select(func.count()).select_from(PlanTask)) == 0
    after = db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "plan.assign"))
    assert after == before


def test_people_with_a_current_plan_or_off_the_register_cannot_be_assigned(
    db: Session, factory: Factory, world: dict[str, Any], staff: IsolatedClient
) -> None:
    district = world["districts"][0]
    waiting = make_person(factory, district)
    agreed = make_person(factory, district, plan=PlanStatus.AGREED)
    moved = make_person(factory, district, status=RegistrantStatus.MOVED_OUT)
    inactive = factory.user(Role.STAFF, "t_gone", is_active_account=False)
    for ids, user in (
        ([waiting.id, agreed.id], world["users"]["staff"].id),
        ([waiting.id, moved.id], world["users"]["staff"].id),
        ([waiting.id], inactive.id),
    ):
        response = staff.post(
            "/priority/assign", data={"ids": [str(i) for i in ids], "user_id": str(user)}
        )
        assert response.status_code == 422
        assert db.scalar(select(func.count()).select_from(PlanTask)) == 0


def test_taking_an_assignment_back(
    db: Session, factory: Factory, world: dict[str, Any], staff: IsolatedClient
) -> None:
    district = world["districts"][0]
    one, two = make_person(factory, district), make_person(factory, district)
    staff.post("/priority/assign", data={"ids": [str(one.id)], "assignee_name": "ケアマネ 甲"})
    assert db.get(PlanTask, one.id) is not None
    response = staff.post("/priority/unassign", data={"ids": [str(one.id), str(two.id)]})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(PlanTask, one.id) is None
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "plan.unassign")).one()
    assert json.loads(event.detail) == {"ids": [one.id], "count": 1}
    # Nothing to take back, or nothing selected: said, and nothing changes.
    for data in ({"ids": [str(two.id)]}, {}):
        response = staff.post("/priority/unassign", data=data)
        assert response.status_code == 422
    assert (
        db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "plan.unassign"))
        == 1
    )


def test_coverage_counts_plans_per_district_and_band(
    db: Session, factory: Factory, world: dict[str, Any], staff: IsolatedClient
) -> None:
    district = factory.district("テスト町C")
    # Band A (ventilator 40 + bedridden 30): agreed, needs review, draft, none.
    high = dict(device_ventilator=True, mobility=Mobility.BEDRIDDEN)
    make_person(factory, district, plan=PlanStatus.AGREED, **high)
    make_person(factory, district, plan=PlanStatus.NEEDS_REVIEW, **high)
    make_person(factory, district, plan=PlanStatus.DRAFT, **high)
    make_person(factory, district, **high)
    # Band B (40): one without a plan; band C (0): one agreed, one without; one moved out.
    make_person(factory, district, landslide_zone="warning")
    make_person(factory, district, plan=PlanStatus.AGREED)
    make_person(factory, district)
    make_person(factory, district, status=RegistrantStatus.MOVED_OUT, **high)
    rows = {r.district_id: r for r in coverage_by_district(db)}
    row = rows[district.id]
    assert (row.total, row.current, row.draft, row.none) == (7, 3, 1, 3)
    assert row.share == pytest.approx(3 / 7)
    assert (rows[world["districts"][1].id].total, rows[world["districts"][1].id].none) == (1, 1)
    bands = {r.key: r for r in coverage_by_band(db, W, Bands())}
    assert list(bands) == ["A", "B", "C"]
    # The world's four people are band A (ventilator, wheelchair, alone, no supporter).
    assert (bands["A"].total, bands["A"].current, bands["A"].draft) == (4 + 4, 2, 1)
    assert (bands["B"].total, bands["B"].current, bands["B"].draft) == (1, 0, 0)
    assert (bands["C"].total, bands["C"].current, bands["C"].none) == (2, 1, 1)
    html = staff.get("/priority/coverage").get_data(as_text=True)
    assert "テスト町C" in html and "42.9%" in html
    assert "<svg" in html and "style=" not in html
    assert f'href="/priority/?district={district.id}"' in html
    assert 'href="/priority/?band=A"' in html


def test_a_plan_link_goes_to_the_plan_page(app: Flask) -> None:
    from roster.priority.views import plan_url

    with app.test_request_context():
        assert plan_url(7) == "/plans/7"


@pytest.mark.parametrize("role", ["t_admin", "t_partner", "t_planner"])
def test_only_staff_use_the_queue(
    db: Session, client: IsolatedClient, auth: AuthActions, world: dict[str, Any], role: str
) -> None:
    auth.login(role)
    person = world["unasked"]
    assert client.get("/priority/").status_code == 403
    assert client.get("/priority/coverage").status_code == 403
    data = {"ids": [str(person.id)], "assignee_name": "ケアマネ 乙"}
    assert client.post("/priority/assign", data=data).status_code == 403
    assert client.post("/priority/unassign", data={"ids": [str(person.id)]}).status_code == 403
    assert db.scalar(select(func.count()).select_from(PlanTask)) == 0
    html = client.get("/registrants/").get_data(as_text=True) if role != "t_admin" else ""
    assert "/priority/" not in html


def test_staff_see_the_queue_in_the_menu(world: dict[str, Any], staff: IsolatedClient) -> None:
    assert 'href="/priority/"' in staff.get("/registrants/").get_data(as_text=True)


def test_the_demo_assigns_some_of_the_head_of_the_queue(
    db: Session, factory: Factory, world: dict[str, Any]
) -> None:
    district = factory.district("テスト町D")
    for i in range(50):
        make_person(
            factory, district, flood_rank=3 if i % 2 else None, device_ventilator=i % 3 == 0
        )
    staff_user = world["users"]["staff"]
    assigned = add_demo_tasks(db, staff_user, random.Random(1), DEFAULT_WEIGHTS)  # noqa: S311
    tasks = list(db.scalars(select(PlanTask)))
    assert assigned == len(tasks) == 24
    to_staff = [t for t in tasks if t.assignee_id == staff_user.id]
    to_managers = [t for t in tasks if t.assignee_name in DEMO_CARE_MANAGERS]
    assert len(to_staff) == 10 and len(to_managers) == 14
    head = queue_page(db, W, Bands(), QueueFilter(), 1, 40).rows
    assert {t.registrant_id for t in tasks} <= {r.registrant.id for r in head}


# ---------------------------------------------------------------------------------------------
# For tests/test_auth.py: an assignment to take back.
# ---------------------------------------------------------------------------------------------


def csrf_unassign(w: dict[str, Any]) -> dict[str, Any]:
    """Assign the place's unasked person first, so the post has something to take back."""
    person = w["unasked"]
    session = object_session(person)
    assert session is not None
    session.add(
        PlanTask(
            registrant_id=person.id,
            assignee_name="ケアマネ 丙",
            assigned_by_id=w["users"]["staff"].id,
        )
    )
    session.flush()
    return {"ids": [str(person.id)]}
