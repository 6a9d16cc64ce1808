"""Every route that returns people reaches roster.access.fetch.

The leak sweep (test_leak_sweep) proves that no route shows a role what the rule hides today;
this test proves that the routes showing people get them from the one place that applies the
rule, so a new exit cannot be right only by care. Every GET route of the matrix
(test_access.URLS) is requested as staff, a partner and a planner, with fetch's loaders
wrapped by a spy; a response that names a person of the seeded world (by
name or resident ID) while the spy saw no call fails.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from roster.access import fetch
from roster.access.projection import project
from roster.models import Registrant

from .conftest import AuthActions, IsolatedClient
from .test_access import URLS, app_rules, sign_in
from .test_leak_sweep import SKIP, body_text

ROLES = ("staff", "partner", "planner")

class Spy:
    """Counts calls of the fetch functions that load people for output."""

    def __init__(self) -> None:
        self.calls = 0

    def wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def spied(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return original(*args, **kwargs)

        return spied


@pytest.fixture()
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    """fetch.people, fetch.person_or_404, fetch.columns (the map's points) and
    fetch.registrant_for_edit (staff's edit forms) wrapped wherever they were imported by
    name."""
    spy = Spy()
    loaders = (fetch.people, fetch.person_or_404, fetch.columns, fetch.registrant_for_edit)
    originals = {id(f): f for f in loaders}
    for name, module in list(sys.modules.items()):
        if not (name == "roster" or name.startswith("roster.")):
            continue
        for attr, value in list(vars(module).items()):
            if id(value) in originals and value is originals[id(value)]:
                monkeypatch.setattr(module, attr, spy.wrap(value))
    yield spy


def markers(db: Any) -> list[str]:
    """What names a seeded person in a response: their name and their resident ID."""
    rows = db.execute(select(Registrant.name, Registrant.resident_no)).all()
    return [text for row in rows for text in row if text]


def unfetched_exits(
    app: Flask, client: IsolatedClient, world: dict[str, Any], spy: Spy, names: list[str]
) -> list[str]:
    """GET routes whose response names a person although fetch was never called."""
    rules = app_rules(app)
    found = []
    for rule, make_url in sorted(URLS.items()):
        if rule in SKIP or "GET" not in rules[rule]:
            continue
        spy.calls = 0
        url = make_url(world)
        text = body_text(client.get(url))
        shown = [n for n in names if n in text]
        if shown and not spy.calls:
            found.append(f"{rule} ({url}) shows {shown[0]} without roster.access.fetch")
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_route_that_shows_people_gets_them_from_fetch(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    place: dict[str, Any],
    db: Any,
    spy: Spy,
    role: str,
) -> None:
    sign_in(auth, role)
    missed = unfetched_exits(app, client, place, spy, markers(db))
    assert not missed, "\n".join(missed)


def test_the_check_sees_people_and_fails_an_exit_that_bypasses_fetch(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    place: dict[str, Any],
    db: Any,
    spy: Spy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Staff's person page names the person, through fetch; the same page loading and
    projecting the person itself, as an exit that forgot fetch would, is reported."""
    import roster.registrants.views as views

    def bypass(session: Any, viewer: Any, registrant_id: int, **_: Any) -> fetch.Person:
        registrant = session.get(Registrant, registrant_id)
        return fetch.Person(project(registrant, viewer.fields), registrant.id, None)

    sign_in(auth, "staff")
    names = markers(db)
    assert unfetched_exits(app, client, place, spy, names) == []
    monkeypatch.setattr(views, "person_or_404", bypass)
    found = unfetched_exits(app, client, place, spy, names)
    assert any(line.startswith("/registrants/<id:registrant_id> ") for line in found), found
