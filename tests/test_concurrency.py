"""Many clerks at once on a real SQLite file: committed transactions, threads, no 500.

The rest of the suite runs inside one rolled-back transaction, which cannot show what two
requests do to each other. Here every request commits, as in production, and several
threads sign in, read the register, open people, edit them and record consent together.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from roster import create_app
from roster.audit.operations import verify_chain
from roster.auth.operations import MAX_FAILURES
from roster.commands import alembic_config
from roster.extensions import db as database
from roster.extensions import make_engine
from roster.models import AuditEvent, Role

from .conftest import TEST_PASSWORD
from .factories import Factory
from .test_audit import edit_data

THREADS = 8
ROUNDS = 4
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')


@pytest.fixture()
def file_app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """A second app on its own SQLite file; the suite's database binding is put back after."""
    if not database_url.startswith("sqlite"):
        pytest.skip("a file SQLite database of its own; PostgreSQL is covered by bench/load.py")
    saved = database.engine
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'roster.db'}",
            "SECRET_KEY": "test-secret",
            "AUDIT_KEY": "test-audit-key",
            "ARGON2_FAST": True,
            "WTF_CSRF_ENABLED": False,
            "PROPAGATE_EXCEPTIONS": False,
            "REQUIRE_TOTP": False,
            "AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoints.log"),
        }
    )
    try:
        with app.app_context():
            command.upgrade(alembic_config(), "head")
        yield app
    finally:
        assert database.engine is not None
        database.session.remove()
        database.engine.dispose()
        database.engine = saved
        database.session.configure(bind=saved)


def seed(app: Flask) -> dict[str, Any]:
    """One staff account per thread, and the small world of the factories, committed."""
    with app.app_context():
        session = database.session
        factory = Factory(session, TEST_PASSWORD)
        world = factory.world()
        clerks = [factory.user(Role.STAFF, f"clerk{n}").username for n in range(THREADS)]
        person = world["unasked"]
        session.commit()
        return {"clerks": clerks, "person_id": person.id, "edit": edit_data(person)}


class Clerk(threading.Thread):
    """One member of staff working through the register, counting what the server answered."""

    def __init__(self, app: Flask, username: str, seeded: dict[str, Any], start: Any) -> None:
        super().__init__()
        self.app, self.username, self.seeded, self.start_line = app, username, seeded, start
        self.statuses: Counter[int] = Counter()
        self.audited: Counter[str] = Counter()
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            self.work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not lost
            self.errors.append(exc)

    def ask(self, method: str, url: str, **kw: Any) -> Any:
        response = self.client.open(url, method=method, **kw)
        self.statuses[response.status_code] += 1
        return response

    def work(self) -> None:
        self.client = self.app.test_client()
        person = self.seeded["person_id"]
        self.start_line.wait()
        failed = self.ask("POST", "/login", data={"username": "nobody-" + self.username,
                                                  "password": "wrong"})
        self.audited["login.failed"] += failed.status_code == 200
        signed = self.ask("POST", "/login", data={"username": self.username,
                                                  "password": TEST_PASSWORD})
        self.audited["login"] += signed.status_code == 302
        for n in range(ROUNDS):
            self.audited["registrant.list"] += self.ask("GET", "/registrants/").status_code == 200
            self.audited["registrant.view"] += (
                self.ask("GET", f"/registrants/{person}").status_code == 200
            )
            form = self.ask("GET", f"/registrants/{person}/edit")
            self.audited["registrant.view"] += form.status_code == 200
            version = VERSION.search(form.get_data(as_text=True))
            data = {**self.seeded["edit"], "version": version.group(1) if version else "0",
                    "phone": f"042-{100 + n}-{1000 + int(self.username[5:])}"}
            saved = self.ask("POST", f"/registrants/{person}/edit", data=data)
            self.audited["registrant.update"] += saved.status_code == 302
            consent = self.ask("POST", f"/registrants/{person}/consent/new", data={
                "purpose": "register_sharing", "state": "consented", "method": "visit",
                "decided_on": "2026-10-01", "scope": ["minsei_iin"], "form_version": "ja-2026-04",
            })
            self.audited["consent.record"] += consent.status_code == 302


def test_many_clerks_at_once_get_no_500_and_every_audit_event_is_kept(file_app: Flask) -> None:
    seeded = seed(file_app)
    with file_app.app_context():
        before = Counter(dict(database.session.execute(
            select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all()))
        database.session.remove()
    start = threading.Barrier(THREADS)
    clerks = [Clerk(file_app, name, seeded, start) for name in seeded["clerks"]]
    for clerk in clerks:
        clerk.start()
    for clerk in clerks:
        clerk.join(timeout=120)
    assert [e for c in clerks for e in c.errors] == []
    statuses = sum((c.statuses for c in clerks), Counter())
    assert statuses[500] == 0, statuses
    audited = sum((c.audited for c in clerks), Counter())
    assert audited["login"] == THREADS and audited["registrant.list"] == THREADS * ROUNDS
    with file_app.app_context():
        session: Session = database.session()  # type: ignore[assignment]
        report = verify_chain(session)
        after = Counter(dict(session.execute(
            select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all()))
        database.session.remove()
    assert report.ok, report
    for action, count in audited.items():
        assert after[action] - before[action] == count, action


def file_engine(tmp_path: Path) -> Any:
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
    return engine


def test_a_transaction_that_read_before_another_wrote_may_still_write(tmp_path: Path) -> None:
    engine = file_engine(tmp_path)
    with Session(engine) as late, Session(engine) as early:
        assert late.scalar(text("SELECT n FROM counter")) == 0  # its snapshot starts here
        early.execute(text("UPDATE counter SET n = n + 1"))
        early.commit()
        late.execute(text("UPDATE counter SET n = n + 1"))  # plain BEGIN: database is locked
        late.commit()
        assert late.scalar(text("SELECT n FROM counter")) == 2
    engine.dispose()


def test_reading_after_the_commit_takes_no_write_lock(tmp_path: Path) -> None:
    engine = file_engine(tmp_path)
    with Session(engine) as rendering, engine.connect() as other:
        rendering.execute(text("UPDATE counter SET n = 5"))
        rendering.commit()
        assert rendering.scalar(text("SELECT n FROM counter")) == 5  # a lazy load, say
        other.exec_driver_sql("PRAGMA busy_timeout=0")
        other.execute(text("UPDATE counter SET n = 6"))  # would wait if a lock were held
        other.commit()
    engine.dispose()


def test_a_burst_of_parallel_guesses_stops_at_the_limit(file_app: Flask) -> None:
    seed(file_app)
    guesses, start = 12, threading.Barrier(12)
    statuses: list[int] = []

    def guess() -> None:
        client = file_app.test_client()
        start.wait()
        answer = client.post("/login", data={"username": "clerk0", "password": "wrong guess"})
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=guess) for _ in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * MAX_FAILURES + [429] * (guesses - MAX_FAILURES)
    with file_app.app_context():
        failed = database.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login.failed", AuditEvent.actor_name == "clerk0"))
        database.session.remove()
    assert failed == MAX_FAILURES
