"""Two clerks at once: every form that changes a stored record refuses a stale save (409).

Each case opens the form as a browser does, saves it once, then posts the same form again,
now stale, with another change: the answer is 409 and the record stays as the first save
left it. Every route that takes a POST for an existing record (an ID in its path) is either
walked here or listed with the reason a lost update cannot happen, so a new one fails the
completeness test until it is stated here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from .conftest import AuthActions, IsolatedClient
from .drill_scenarios import matrix_scenario_id
from .formpage import form_fields
from .test_drills_measure import action_id, drill_id, measure_action, measure_drill
from .test_plans import plan_person
from .test_shelters import shelter_id

World = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """An edit form: where it is, what it posts to, the record it changes, two edits."""

    page: Callable[[World], str]
    record: Callable[[World], Any]
    first: dict[str, str]
    second: dict[str, str]
    action: Callable[[World], str] | None = None
    setup: Callable[[World], None] = field(default=lambda w: None)


def _unsent(w: World) -> None:
    w["round"].sent_on = None


def _plan(w: World) -> Any:
    plan_person(w)
    return w["plan"]


def _shelter(w: World) -> Any:
    shelter_id(w)
    return w["shelter"]


DAY = date.today() - timedelta(days=1)

#: rule -> the case that walks it.
EDIT_FORMS: dict[str, Case] = {
    "/partners/<id:organisation_id>/edit": Case(
        page=lambda w: f"/partners/{w['organisation'].id}/edit",
        record=lambda w: w["organisation"],
        first={"contact_name": "先に保存した人"},
        second={"contact_name": "後から保存した人"},
    ),
    "/partners/agreements/<id:agreement_id>/edit": Case(
        page=lambda w: f"/partners/agreements/{w['agreement'].id}/edit",
        record=lambda w: w["agreement"],
        first={"notes": "先"},
        second={"notes": "後"},
    ),
    "/partners/agreements/<id:agreement_id>/status": Case(
        page=lambda w: f"/partners/agreements/{w['agreement'].id}",
        action=lambda w: f"/partners/agreements/{w['agreement'].id}/status",
        record=lambda w: w["agreement"],
        first={"action": "suspend"},  # the button pressed
        second={"action": "suspend"},
    ),
    "/registrants/<id:registrant_id>/edit": Case(
        page=lambda w: f"/registrants/{w['refusing'].id}/edit",
        record=lambda w: w["refusing"],
        first={"support_reason_detail": "先"},
        second={"support_reason_detail": "後"},
    ),
    "/plans/<id:registrant_id>/edit": Case(
        page=lambda w: f"/plans/{plan_person(w)}/edit",
        record=_plan,
        first={"route_notes": "先"},
        second={"route_notes": "後"},
    ),
    "/shelters/<id:shelter_id>/edit": Case(
        page=lambda w: f"/shelters/{shelter_id(w)}/edit",
        record=_shelter,
        first={"notes": "先"},
        second={"notes": "後"},
    ),
    "/partners/provisions/<id:provision_id>/dispose": Case(
        page=lambda w: f"/partners/provisions/{w['provision'].id}/dispose",
        record=lambda w: w["provision"],
        first={"disposal_method": "returned", "confirmed_by": "先"},
        second={"disposal_method": "shredded", "confirmed_by": "後"},
    ),
    "/rounds/<id:round_id>/sent": Case(
        page=lambda w: f"/rounds/{w['round'].id}",
        action=lambda w: f"/rounds/{w['round'].id}/sent",
        record=lambda w: w["round"],
        first={"sent_on": DAY.isoformat()},
        second={"sent_on": (DAY - timedelta(days=1)).isoformat()},
        setup=_unsent,
    ),
    "/drills/<id:scenario_id>/report/edit": Case(
        page=lambda w: f"/drills/{drill_id(w)}/report/edit",
        record=measure_drill,
        first={"overview": "先"},
        second={"overview": "後"},
    ),
    "/drills/actions/<id:action_id>": Case(
        page=lambda w: f"/drills/actions/{action_id(w)}",
        record=measure_action,
        first={"owner": "先"},
        second={"owner": "後"},
    ),
    "/safety/<id:operation_id>/end": Case(
        page=lambda w: f"/safety/{w['operation'].id}",
        action=lambda w: f"/safety/{w['operation'].id}/end",
        record=lambda w: w["operation"],
        first={"confirm": "y"},
        second={"confirm": "y"},
    ),
    "/drills/<id:scenario_id>/edit": Case(
        page=lambda w: f"/drills/{matrix_scenario_id(w)}/edit",
        record=lambda w: [matrix_scenario_id(w), w["drill_scenario"]][1],
        first={"name": "先に保存した訓練"},
        second={"name": "後から保存した訓練"},
    ),
}

#: rule -> why a save from an outdated page cannot overwrite a newer one.
NO_LOST_UPDATE: dict[str, str] = {
    "/registrants/<id:registrant_id>/consent/new": "adds a record; records never change",
    "/admin/users/<id:user_id>/password": "sets a new password; nothing is read from the page",
    "/admin/users/<id:user_id>/active/<int(max=1):active>": "the URL names the state to set",
    "/admin/users/<id:user_id>/release/<int(max=1):allowed>": "the URL names the state to set",
    "/partners/<id:organisation_id>/agreements/new": "makes a new agreement",
    "/partners/<id:organisation_id>/tokens/new": "issues a new token",
    "/partners/agreements/<id:agreement_id>/document": "a new upload replaces the PDF as a "
    "whole, and the agreement's version column refuses a racing save",
    "/partners/tokens/<id:token_id>/revoke": "final; a second revocation is refused",
    "/rounds/<id:round_id>/reminder": "makes a new round for those who have not replied",
    "/rounds/<id:round_id>/presume": "adds records for members still silent; then none are",
    "/rounds/<id:round_id>/delete": "final, and only while nothing was sent or answered: the "
    "button carries the count it showed, and a round that changed is asked about again",
    "/releases/<id:release_id>/renew": "only ever moves the end later; an earlier end is "
    "refused",
    "/releases/<id:release_id>/end": "final; a second end is refused with 409",
    "/admin/users/<id:user_id>/two-factor/reset": "final; the factor is off until the user "
    "enrols again",
    "/hazards/<id:layer_id>/delete": "final; a second delete finds nothing",
    "/plans/<id:registrant_id>/print": "prints; changes nothing",
    "/safety/<id:operation_id>/people/<id:registrant_id>/handoff": "adds a hand-off; "
    "hand-offs never change",
    "/safety/<id:operation_id>/export.csv": "makes a copy; changes nothing stored",
    "/safety/<id:operation_id>/export.xlsx": "makes a copy; changes nothing stored",
    "/imports/batches/<id:batch_id>/undo": "checks every person's version when posted, and "
    "marks the batch undone only if no one else did; a second undo is refused",
    "/api/v1/safety/operations/<id:operation_id>/reports": "adds a report; reports never "
    "change, and a resent client ID adds nothing",
    "/safety/<id:operation_id>/sheets": "makes a new sheet; a sheet never changes",
    "/safety/<id:operation_id>/entry": "adds a report; reports never change",
    "/safety/<id:operation_id>/arrivals": "adds a report; reports never change",
    "/drills/flags/<id:flag_id>/clear": "final; a second clearing changes nothing",
    "/drills/<id:scenario_id>/actions/new": "makes a new corrective action",
    "/drills/<id:scenario_id>/start": "a scenario starts once; a second start is refused",
    "/drills/<id:scenario_id>/end": "final; a second end is refused",
    "/drills/<id:scenario_id>/openings": "adds an opening; the first for a shelter stands",
}


def edit_endpoints(app: Flask) -> set[str]:
    """Every rule that takes a POST for a stored record, named by an ID in its path."""
    return {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and "<id:" in rule.rule
    }


def test_every_edit_endpoint_is_walked_or_says_why_it_needs_no_version(app: Flask) -> None:
    assert not set(EDIT_FORMS) & set(NO_LOST_UPDATE)
    assert set(EDIT_FORMS) | set(NO_LOST_UPDATE) == edit_endpoints(app), (
        "a route that changes a stored record was added or removed: walk it in EDIT_FORMS, "
        "or say in NO_LOST_UPDATE why a stale save cannot overwrite a newer one"
    )


def stored(db: Session, record: Any) -> dict[str, Any]:
    """The record's columns as the database holds them now."""
    db.expire_all()
    return {a.key: getattr(record, a.key) for a in inspect(record).mapper.column_attrs}


@pytest.mark.parametrize("rule", sorted(EDIT_FORMS))
def test_a_stale_save_answers_409_and_changes_nothing(
    client: IsolatedClient, auth: AuthActions, db: Session, place: World, rule: str
) -> None:
    case = EDIT_FORMS[rule]
    case.setup(place)
    record = case.record(place)
    db.commit()
    assert auth.login("t_staff").status_code == 302
    page = case.page(place)
    action = case.action(place) if case.action else page
    opened = client.get(page)
    assert opened.status_code == 200, rule
    fields = form_fields(opened.get_data(as_text=True), action, page)
    first = client.post(action, data={**fields, **case.first})
    assert first.status_code in (302, 303), (rule, first.get_data(as_text=True)[:2000])
    after_first = stored(db, record)
    second = client.post(action, data={**fields, **case.second})
    assert second.status_code == 409, rule
    assert stored(db, record) == after_first, rule
