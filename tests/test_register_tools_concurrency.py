"""Staff exports and bulk status changes at once, on a real SQLite file: no 500, every copy
a number of its own, and a selection changed by two clerks together changed once."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from roster.extensions import db as database
from roster.models import AuditEvent, Registrant, RegistrantStatus

from .conftest import TEST_PASSWORD
from .test_concurrency import THREADS, file_app, seed  # noqa: F401  (fixture)


def _together(app: Flask, clerks: list[str], work: Callable[[Any], Any]) -> list[Any]:
    """Each clerk signs in, then all do `work` at the same moment; their answers."""
    start = threading.Barrier(len(clerks))
    answers: list[Any] = []
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            client = app.test_client()
            client.post("/login", data={"username": name, "password": TEST_PASSWORD})
            start.wait()
            answers.append(work(client))
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not lost
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(name,)) for name in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return answers


def test_exports_made_at_once_get_numbers_of_their_own(file_app: Flask) -> None:  # noqa: F811
    seeded = seed(file_app)
    answers = _together(file_app, seeded["clerks"], lambda client: client.post(
        "/registrants/export", data={"purpose": "drill", "format": "csv"}).status_code)
    assert answers == [200] * THREADS
    with file_app.app_context():
        events = database.session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "registrant.export"))
        numbers = sorted(json.loads(detail)["export_no"] for detail in events)
        database.session.remove()
    assert numbers == list(range(1, THREADS + 1))


def test_the_same_status_change_confirmed_by_two_clerks_at_once_happens_once(
    file_app: Flask,  # noqa: F811
) -> None:
    seeded = seed(file_app)
    with file_app.app_context():
        person = database.session.get(Registrant, seeded["person_id"])
        assert person is not None
        form = {"ids": str(person.id), "versions": f"{person.id}:{person.version}",
                "status": "moved_out", "confirm": "1"}
        database.session.remove()
    answers = _together(file_app, seeded["clerks"][:2], lambda client: client.post(
        "/registrants/bulk/status", data=form).status_code)
    assert sorted(answers) == [303, 409]
    with file_app.app_context():
        changed = database.session.scalars(
            select(AuditEvent.id).where(AuditEvent.action == "registrant.bulk_status")).all()
        status = database.session.get(Registrant, seeded["person_id"]).status
        database.session.remove()
    assert len(changed) == 1 and status is RegistrantStatus.MOVED_OUT
