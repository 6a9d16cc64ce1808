"""A partner's list is counted from the sharing counters (roster.priority.stored) under the
access rule's own condition: the count is always the number of people the rule admits, for
every kind of partner, consent rule, district set and release, after every kind of change."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from roster.access.rule import Viewer, viewer_for, visible_registrants
from roster.i18n import local_today
from roster.models import (
    ConsentState,
    PartnerCategory,
    Registrant,
    RegistrantStatus,
    Role,
)
from roster.models.base import utcnow
from roster.portal.queries import portal_count
from roster.priority import stored
from roster.registrants.queries import RegisterFilter, conditions, counted_total, register_page

from .factories import Factory
from .test_releases import release

RULES = ("consent_only", "presumed_after_no_reply", "opt_out")
CATEGORIES = (
    PartnerCategory.MINSEI_IIN,
    PartnerCategory.JICHIKAI,
    PartnerCategory.FIRE,
    PartnerCategory.WELFARE_PROVIDER,  # named by no consent form: agreements decide
)


@pytest.fixture()
def town(factory: Factory, world: dict[str, Any]) -> dict[str, Any]:
    """Three districts of people with every consent state and scope, some not active; a
    partner of each category on its own set of districts."""
    rng = random.Random(21)  # noqa: S311 - reproducible test data
    districts = [factory.district(f"共有町{i}") for i in range(3)]
    staff = world["users"]["staff"]
    for _ in range(60):
        person = factory.registrant(
            rng.choice(districts),
            status=rng.choice([RegistrantStatus.ACTIVE] * 4 + [RegistrantStatus.DECEASED]),
        )
        state = rng.choice(list(ConsentState))
        if state is not ConsentState.UNCONFIRMED:
            scope = set(rng.sample(list(PartnerCategory)[:6], rng.randint(1, 3)))
            factory.consent(person, state, staff, scope=scope)
    partners = []
    for i, category in enumerate(CATEGORIES):
        covered = districts[: 1 + i % 3]
        org = factory.organisation(category, covered)
        factory.agreement(org, covered)
        partners.append(factory.user(Role.PARTNER, organisation=org))
    return {"districts": districts, "partners": partners, "staff": staff}


def viewers(db: Session, town: dict[str, Any]) -> list[Viewer]:
    return [
        viewer_for(db, user, rule, local_today(), utcnow())
        for user in town["partners"]
        for rule in RULES
    ]


def assert_counts_are_the_rule(db: Session, town: dict[str, Any]) -> None:
    stored.ready(db, stored.weights_now())
    for viewer in viewers(db, town):
        rows = visible_registrants(viewer).with_only_columns(Registrant.id).subquery()
        exact = db.scalar(select(func.count()).select_from(rows))
        assert portal_count(db, viewer) == exact, (viewer.access, viewer.consent_rule)
        assert register_page(db, viewer, RegisterFilter(), 1, 10).total == exact
        for district in town["districts"]:
            flt = RegisterFilter(district_id=district.id)
            where = conditions(viewer, flt)
            in_district = db.scalar(select(func.count(Registrant.id)).where(*where))
            assert counted_total(db, viewer, flt, where) == in_district


def test_a_partners_count_is_the_number_the_rule_admits(
    app: Any, db: Session, town: dict[str, Any]
) -> None:
    with app.test_request_context():
        assert_counts_are_the_rule(db, town)
        # Not every count is zero: the test compares something.
        assert any(portal_count(db, v) for v in viewers(db, town))


def test_the_count_follows_consent_status_district_and_releases(
    app: Any, db: Session, town: dict[str, Any], world: dict[str, Any], factory: Factory
) -> None:
    with app.test_request_context():
        stored.ready(db, stored.weights_now())
        people = list(db.scalars(select(Registrant).order_by(Registrant.id)))
        rng = random.Random(16)  # noqa: S311 - reproducible test data
        for person in rng.sample(people, 15):  # consent recorded as staff record it
            factory.consent(person, rng.choice(list(ConsentState)), town["staff"],
                            scope={rng.choice(list(PartnerCategory)[:6])})  # fmt: skip
        assert_counts_are_the_rule(db, town)
        ids = [p.id for p in rng.sample(people, 12)]
        db.execute(update(Registrant).where(Registrant.id.in_(ids[:4])).values(consent_scope=0))
        db.execute(
            update(Registrant)
            .where(Registrant.id.in_(ids[4:8]))
            .values(status=RegistrantStatus.MOVED_OUT)
        )
        db.execute(
            update(Registrant)
            .where(Registrant.id.in_(ids[8:]))
            .values(district_id=town["districts"][2].id)
        )
        assert_counts_are_the_rule(db, town)
        # A release shows everyone active in its area, whatever their consent.
        release({**world, "districts": town["districts"]}, [town["districts"][0]], db=db)
        assert_counts_are_the_rule(db, town)


def test_a_list_filtered_beyond_the_district_is_counted_person_by_person(
    app: Any, db: Session, town: dict[str, Any]
) -> None:
    with app.test_request_context():
        viewer = viewers(db, town)[0]
        flt = RegisterFilter(need="wheelchair")
        assert counted_total(db, viewer, flt, conditions(viewer, flt)) is None
