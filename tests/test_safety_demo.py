"""The demo's safety confirmation: one operation ended with its report to read, one running
in which the demo partner has people to confirm and some reports are in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from roster.access.rule import viewer_for
from roster.demo import load_demo
from roster.demo.context import demo_context
from roster.extensions import make_engine
from roster.models import (
    Base,
    EvacuationPlace,
    OperationKind,
    ReportMethod,
    SafetyOperation,
    SafetyReport,
    SafetyStatus,
    Shelter,
    User,
)
from roster.models.base import utcnow
from roster.safety.operations import ReportEntry, current_status, record_report, targets
from roster.viewer import viewer_of

TODAY = date(2026, 1, 15)


@pytest.fixture(scope="module")
def demo() -> Iterator[Session]:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        load_demo(session, registrants=400, seed=3, password_hash="not-a-hash", today=TODAY)
        session.commit()
        yield session
    engine.dispose()


def operations(session: Session) -> tuple[SafetyOperation, SafetyOperation]:
    real = select(SafetyOperation).where(SafetyOperation.kind == OperationKind.REAL)
    ended, running = session.scalars(real.order_by(SafetyOperation.id)).all()
    return ended, running


def reports(session: Session, operation: SafetyOperation) -> list[SafetyReport]:
    query = select(SafetyReport).where(SafetyReport.operation_id == operation.id)
    return list(session.scalars(query.order_by(SafetyReport.id)))


def test_the_demo_has_one_ended_and_one_running_operation(demo: Session) -> None:
    ended, running = operations(demo)
    assert ended.ended_at is not None and running.ended_at is None
    assert (TODAY - ended.started_at.date()).days >= 21
    hours = (utcnow() - running.started_at).total_seconds() / 3600
    assert 1.5 < hours < 2.5
    assert len(ended.districts) == 2 and running.districts


def test_reports_lie_within_their_operation_and_ids_follow_time(demo: Session) -> None:
    for operation in operations(demo):
        rows = reports(demo, operation)
        assert rows
        end = operation.ended_at or utcnow()
        assert all(operation.started_at <= r.reported_at <= end for r in rows)
        times = [r.reported_at for r in rows]
        assert times == sorted(times)


def test_the_ended_operation_reached_most_but_not_all(demo: Session) -> None:
    ended, _running = operations(demo)
    with demo_context():
        staff = demo.scalars(select(User).where(User.username == "staff")).one()
        viewer = viewer_for(demo, staff, "opt_in", TODAY)
        people = targets(demo, viewer, ended)
    statuses = current_status(demo, ended)
    final = [statuses[p.registrant_id] for p in people]
    never = sum(s in (SafetyStatus.UNCONFIRMED, SafetyStatus.UNREACHABLE) for s in final)
    assert 0 < never < len(final) * 0.15
    assert SafetyStatus.NEEDS_HELP in final
    rows = reports(demo, ended)
    times = [r.reported_at for r in rows]
    assert (max(times) - min(times)).total_seconds() > 6 * 3600
    sheltered = [r for r in rows if r.evacuated_to is EvacuationPlace.SHELTER]
    assert sheltered and all(demo.get(Shelter, r.shelter_id) is not None for r in sheltered)


def test_the_partner_has_people_to_confirm_and_reported_some(demo: Session) -> None:
    _ended, running = operations(demo)
    partner = demo.scalars(select(User).where(User.username == "partner")).one()
    with demo_context():
        viewer = viewer_for(demo, partner, "opt_in", TODAY, utcnow())
        mine = targets(demo, viewer, running)
    statuses = current_status(demo, running)
    assert any(statuses[p.registrant_id] is SafetyStatus.UNCONFIRMED for p in mine)
    theirs = demo.scalar(
        select(func.count(SafetyReport.id)).where(
            SafetyReport.operation_id == running.id,
            SafetyReport.organisation_id == partner.organisation_id,
        )
    )
    assert theirs
    by_partner = {r.registrant_id for r in reports(demo, running) if r.reported_by_id == partner.id}
    assert by_partner <= {p.registrant_id for p in mine}


@pytest.fixture()
def live_demo(db, factory):
    load_demo(db, registrants=400, seed=7, password_hash=factory.password_hash)
    db.flush()
    return db


def test_the_demo_operations_have_their_report_and_take_new_reports(live_demo, client, auth):
    """On the test database (PostgreSQL too): the report pages open, and a report made after
    the demo gets the next ID (no explicit IDs were written)."""
    ended, running = operations(live_demo)
    staff = live_demo.scalars(select(User).where(User.username == "staff")).one()
    viewer = viewer_of(staff, live_demo)
    person = targets(live_demo, viewer, running)[0]
    entry = ReportEntry(status=SafetyStatus.SAFE_HOME, method=ReportMethod.PHONE)
    new = record_report(live_demo, viewer, running, person.registrant_id, entry)
    top = live_demo.scalar(select(func.max(SafetyReport.id)).where(SafetyReport.id != new.id))
    assert new.id > top
    assert auth.login("staff").status_code == 302
    for operation in (ended, running):
        response = client.get(f"/safety/{operation.id}/report")
        assert response.status_code == 200
        assert operation.name in response.get_data(as_text=True)
