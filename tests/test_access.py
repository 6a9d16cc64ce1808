"""Who may reach what: every route for every role, and what the register shows each of them.

The policy lives in roster/access/; these tests state it again from the outside, as
the answers a browser or an API client gets, so a change to the rule shows up here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from roster.extensions import db as database
from roster.models import (
    AuditEvent,
    ConsentState,
    PartnerCategory,
    RegistrantStatus,
    Role,
    User,
)
from roster.models.base import utcnow

from .conftest import AuthActions, IsolatedClient
from .test_drills_measure import action_id, drill_id

# conftest's client (IsolatedClient) serves each request with a fresh `g`, as production does.


def new_client(app: Flask) -> IsolatedClient:
    return app.test_client()  # type: ignore[return-value]


ROLES = ("anon", "admin", "staff", "partner", "planner")
USERNAMES = {
    "admin": "t_admin",
    "staff": "t_staff",
    "partner": "t_partner",
    "planner": "t_planner",
}


def sign_in(auth: AuthActions, role: str) -> None:
    """Sign in as the role's fixture user, with the app's current code if it has a factor."""
    if role == "anon":
        return
    response = auth.login(USERNAMES[role])
    assert response.status_code == 302, f"{role} could not sign in"
    if response.headers["Location"] == "/login/code":
        user = database.session.scalars(select(User).where(User.username == USERNAMES[role])).one()
        response = auth.client.post("/login/code", data={"code": totp_code(user)})
    assert response.headers["Location"] == "/"


def totp_code(user: User, ahead: int = 0) -> str:
    """The code the user's authenticator app shows now (or `ahead` steps of 30 s later)."""
    assert user.totp_secret is not None
    totp = pyotp.TOTP(user.totp_secret)
    return totp.generate_otp(totp.timecode(utcnow()) + ahead)


# ---------------------------------------------------------------------------------------------
# The route × role matrix.
# ---------------------------------------------------------------------------------------------

LOGIN = (302, "/login")  #: sent to the sign-in page
HOME = (302, "/")
PHONE = (302, "/portal/safety/")  #: a partner sent to their safety phone page
REGISTER = (302, "/registrants/")
USERS = (302, "/admin/users")
PORTAL = (302, "/portal/")
RESULTS = (302, "/portal/#results")  # a search lands on its results
FACTOR = (302, "/account/two-factor")

#: rule -> the URL requested for it. Registrant routes use the *refusing* person (in the
#: partner's district, but not consenting), so the partner column shows the 404 policy.
URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "/healthz": lambda w: "/healthz",
    "/login": lambda w: "/login",
    "/logout": lambda w: "/logout",
    "/account/password": lambda w: "/account/password",
    "/login/code": lambda w: "/login/code",
    "/account/two-factor": lambda w: "/account/two-factor",
    "/account/two-factor/start": lambda w: "/account/two-factor/start",
    "/account/two-factor/recovery-codes": lambda w: "/account/two-factor/recovery-codes",
    "/account/two-factor/disable": lambda w: "/account/two-factor/disable",
    "/admin/users/<id:user_id>/two-factor/reset": (
        lambda w: f"/admin/users/{w['target'].id}/two-factor/reset"
    ),
    "/locale": lambda w: "/locale",
    "/": lambda w: "/",
    "/registrants/": lambda w: "/registrants/",
    "/registrants/<id:registrant_id>": lambda w: f"/registrants/{w['refusing'].id}",
    "/registrants/new": lambda w: "/registrants/new",
    "/registrants/export": lambda w: "/registrants/export",
    "/registrants/bulk": lambda w: "/registrants/bulk",
    "/registrants/bulk/status": lambda w: "/registrants/bulk/status",
    "/registrants/bulk/round": lambda w: "/registrants/bulk/round",
    "/registrants/<id:registrant_id>/edit": lambda w: f"/registrants/{w['refusing'].id}/edit",
    "/registrants/<id:registrant_id>/history": (
        lambda w: f"/registrants/{w['consenting'].id}/history"
    ),
    "/registrants/<id:registrant_id>/consent/new": (
        lambda w: f"/registrants/{w['refusing'].id}/consent/new"
    ),
    "/admin/users": lambda w: "/admin/users",
    "/admin/users/new": lambda w: "/admin/users/new",
    "/admin/users/<id:user_id>/password": lambda w: f"/admin/users/{w['target'].id}/password",
    "/admin/users/<id:user_id>/active/<int(max=1):active>": (
        lambda w: f"/admin/users/{w['target'].id}/active/1"
    ),
    "/admin/users/<id:user_id>/release/<int(max=1):allowed>": (
        lambda w: f"/admin/users/{w['target'].id}/release/1"
    ),
    "/admin/audit/": lambda w: "/admin/audit/",
    "/api/v1/registrants": lambda w: "/api/v1/registrants",
    "/api/v1/registrants/<id:registrant_id>": lambda w: f"/api/v1/registrants/{w['refusing'].id}",
    "/api/v1/openapi.json": lambda w: "/api/v1/openapi.json",
    "/api/v1/safety/operations": lambda w: "/api/v1/safety/operations",
    "/api/v1/safety/operations/<id:operation_id>/people": (
        lambda w: f"/api/v1/safety/operations/{w['operation'].id}/people"
    ),
    "/api/v1/safety/operations/<id:operation_id>/reports": (
        lambda w: f"/api/v1/safety/operations/{w['operation'].id}/reports"
    ),
    "/rounds/": lambda w: "/rounds/",
    "/rounds/new": lambda w: "/rounds/new",
    "/rounds/reply": lambda w: "/rounds/reply",
    "/rounds/<id:round_id>": lambda w: f"/rounds/{w['round'].id}",
    "/rounds/<id:round_id>/print": lambda w: f"/rounds/{w['round'].id}/print",
    "/rounds/<id:round_id>/sent": lambda w: f"/rounds/{w['round'].id}/sent",
    "/rounds/<id:round_id>/reminder": lambda w: f"/rounds/{w['round'].id}/reminder",
    "/rounds/<id:round_id>/presume": lambda w: f"/rounds/{w['round'].id}/presume",
    "/rounds/<id:round_id>/delete": lambda w: f"/rounds/{w['round'].id}/delete",
    "/rounds/visits": lambda w: f"/rounds/visits?district={w['districts'][0].id}",
    "/imports/": lambda w: "/imports/",
    "/imports/<token>/apply": lambda w: f"/imports/{'A' * 43}/apply",
    "/imports/<token>/report.csv": lambda w: f"/imports/{'A' * 43}/report.csv",
    "/imports/<token>/confirm": lambda w: f"/imports/{'A' * 43}/confirm",
    "/imports/sample.csv": lambda w: "/imports/sample.csv",
    "/imports/mapping-sample.toml": lambda w: "/imports/mapping-sample.toml",
    "/imports/batches": lambda w: "/imports/batches",
    # No batch in the world: the number is a batch that does not exist.
    "/imports/batches/<id:batch_id>": lambda w: "/imports/batches/999999",
    "/imports/batches/<id:batch_id>/undo": lambda w: "/imports/batches/999999/undo",
    "/dashboard/": lambda w: "/dashboard/",
    # partners (staff)
    "/partners/": lambda w: "/partners/",
    "/partners/new": lambda w: "/partners/new",
    "/partners/<id:organisation_id>": lambda w: f"/partners/{w['organisation'].id}",
    "/partners/<id:organisation_id>/edit": lambda w: f"/partners/{w['organisation'].id}/edit",
    "/partners/<id:organisation_id>/agreements/new": (
        lambda w: f"/partners/{w['organisation'].id}/agreements/new"
    ),
    "/partners/<id:organisation_id>/ledger": lambda w: f"/partners/{w['organisation'].id}/ledger",
    "/partners/ledger": lambda w: "/partners/ledger",
    "/partners/ledger.csv": lambda w: "/partners/ledger.csv",
    "/partners/<id:organisation_id>/tokens/new": (
        lambda w: f"/partners/{w['organisation'].id}/tokens/new"
    ),
    "/partners/agreements/<id:agreement_id>": lambda w: f"/partners/agreements/{w['agreement'].id}",
    "/partners/agreements/<id:agreement_id>/edit": (
        lambda w: f"/partners/agreements/{w['agreement'].id}/edit"
    ),
    "/partners/agreements/<id:agreement_id>/status": (
        lambda w: f"/partners/agreements/{w['agreement'].id}/status"
    ),
    "/partners/agreements/<id:agreement_id>/document": (
        lambda w: f"/partners/agreements/{w['agreement'].id}/document"
    ),
    "/partners/agreements/<id:agreement_id>/document.pdf": (
        lambda w: f"/partners/agreements/{w['agreement'].id}/document.pdf"
    ),
    "/partners/agreements/<id:agreement_id>/versions": (
        lambda w: f"/partners/agreements/{w['agreement'].id}/versions"
    ),
    "/partners/agreements/<id:agreement_id>/versions/<int:version>": (
        lambda w: f"/partners/agreements/{w['agreement'].id}/versions/1"
    ),
    "/partners/provisions/<id:provision_id>": lambda w: f"/partners/provisions/{w['provision'].id}",
    "/partners/provisions/<id:provision_id>/dispose": (
        lambda w: f"/partners/provisions/{w['provision'].id}/dispose"
    ),
    "/partners/tokens/<id:token_id>/revoke": lambda w: f"/partners/tokens/{w['token'].id}/revoke",
    # portal (partner)
    "/guide/partner": lambda w: "/guide/partner",
    "/portal/": lambda w: "/portal/",
    "/portal/print": lambda w: "/portal/print",
    "/portal/prints/<id:provision_id>": lambda w: f"/portal/prints/{w['provision'].id}",
    "/portal/export.csv": lambda w: "/portal/export.csv",
    "/portal/export.xlsx": lambda w: "/portal/export.xlsx",
    "/portal/copies/<id:provision_id>": lambda w: f"/portal/copies/{w['provision'].id}",
    "/portal/copies/<id:provision_id>/file": lambda w: f"/portal/copies/{w['provision'].id}/file",
    "/portal/changes": lambda w: "/portal/changes",
    "/portal/search": lambda w: "/portal/search",
    "/portal/people/<id:registrant_id>/map": (
        lambda w: f"/portal/people/{w['consenting'].id}/map"
    ),
    "/portal/people/<id:registrant_id>/map/frame": (
        lambda w: f"/portal/people/{w['consenting'].id}/map/frame"
    ),
    "/portal/safety/": lambda w: "/portal/safety/",
    "/portal/safety/<id:operation_id>": lambda w: f"/portal/safety/{w['operation'].id}",
    "/portal/safety/sw.js": lambda w: "/portal/safety/sw.js",
    "/portal/copy": lambda w: "/portal/copy?format=print",
    # releases (staff)
    # shelters (issue 5)
    "/shelters/": lambda w: "/shelters/",
    "/shelters/new": lambda w: "/shelters/new",
    "/shelters/<id:shelter_id>": lambda w: f"/shelters/{shelter_id(w)}",
    "/shelters/<id:shelter_id>/edit": lambda w: f"/shelters/{shelter_id(w)}/edit",
    "/shelters/import": lambda w: "/shelters/import",
    "/shelters/import/mapping-sample.toml": lambda w: "/shelters/import/mapping-sample.toml",
    "/shelters/import/<token>/apply": lambda w: f"/shelters/import/{'A' * 43}/apply",
    "/api/v1/shelters": lambda w: "/api/v1/shelters",
    # maps and hazards (issue 5)
    # plans (issue 6)
    "/plans/": lambda w: "/plans/",
    "/plans/<id:registrant_id>": lambda w: f"/plans/{plan_person(w)}",
    "/plans/<id:registrant_id>/edit": lambda w: f"/plans/{plan_person(w)}/edit",
    "/plans/<id:registrant_id>/versions": lambda w: f"/plans/{plan_person(w)}/versions",
    "/plans/<id:registrant_id>/versions/<int:version>": (
        lambda w: f"/plans/{plan_person(w)}/versions/1"
    ),
    "/plans/<id:registrant_id>/print": lambda w: f"/plans/{plan_person(w)}/print",
    # priority queue (issue 6)
    "/priority/": lambda w: "/priority/",
    "/priority/coverage": lambda w: "/priority/coverage",
    "/priority/assign": lambda w: "/priority/assign",
    "/priority/unassign": lambda w: "/priority/unassign",
    "/maps/": lambda w: "/maps/",
    "/maps/frame": lambda w: "/maps/frame",
    "/maps/points.json": lambda w: (
        "/maps/points.json?south=35.70&west=139.53&north=35.74&east=139.57&zoom=16"
    ),
    "/maps/people/<id:registrant_id>": lambda w: f"/maps/people/{w['refusing'].id}",
    "/vendor/<pkg>/<path:filename>": lambda w: "/vendor/leaflet/leaflet.js",
    "/tiles/<int:z>/<int:x>/<int:y>": lambda w: "/tiles/1/0/0",
    "/hazards/": lambda w: "/hazards/",
    "/hazards/<id:layer_id>/delete": lambda w: f"/hazards/{hazard_layer_id(w)}/delete",
    "/hazards/assignment": lambda w: "/hazards/assignment",
    "/hazards/assignment/print": lambda w: "/hazards/assignment/print",
    "/hazards/assignment/recompute": lambda w: "/hazards/assignment/recompute",
    "/address-points/": lambda w: "/address-points/",
    "/address-points/geocode": lambda w: "/address-points/geocode",
    "/releases/": lambda w: "/releases/",
    "/releases/new": lambda w: "/releases/new",
    "/releases/<id:release_id>": lambda w: f"/releases/{w['release'].id}",
    "/releases/<id:release_id>/renew": lambda w: f"/releases/{w['release'].id}/renew",
    "/releases/<id:release_id>/end": lambda w: f"/releases/{w['release'].id}/end",
    "/releases/<id:release_id>/report.csv": lambda w: f"/releases/{w['release'].id}/report.csv",
    # safety confirmation (issue 13): the operation's report
    "/safety/<id:operation_id>/report": lambda w: f"/safety/{w['operation'].id}/report",
    "/safety/<id:operation_id>/report.csv": lambda w: f"/safety/{w['operation'].id}/report.csv",
    # safety: paper sheets, entry and arrivals (issue 13)
    "/safety/<id:operation_id>/sheets": lambda w: f"/safety/{w['operation'].id}/sheets",
    "/safety/<id:operation_id>/sheets/<id:sheet_id>": (
        lambda w: f"/safety/{w['operation'].id}/sheets/{paper_sheet_id(w)}"
    ),
    "/safety/<id:operation_id>/entry": lambda w: f"/safety/{w['operation'].id}/entry",
    "/safety/<id:operation_id>/entry/person": (
        lambda w: f"/safety/{w['operation'].id}/entry/person?number={w['refusing'].id}"
    ),
    "/safety/<id:operation_id>/arrivals": lambda w: f"/safety/{w['operation'].id}/arrivals",
    "/safety/<id:operation_id>/shelters/<id:shelter_id>": (
        lambda w: f"/safety/{w['operation'].id}/shelters/{shelter_id(w)}"
    ),
    # safety confirmation (issue 13): the staff pages of an operation
    "/safety/": lambda w: "/safety/",
    "/safety/new": lambda w: "/safety/new",
    "/safety/<id:operation_id>": lambda w: f"/safety/{w['operation'].id}",
    "/safety/<id:operation_id>/board.json": lambda w: f"/safety/{w['operation'].id}/board.json",
    "/safety/<id:operation_id>/map": lambda w: f"/safety/{w['operation'].id}/map",
    "/safety/<id:operation_id>/points.json": lambda w: f"/safety/{w['operation'].id}/points.json",
    "/safety/<id:operation_id>/end": lambda w: f"/safety/{w['operation'].id}/end",
    "/safety/<id:operation_id>/people/<id:registrant_id>/handoff": (
        lambda w: f"/safety/{w['operation'].id}/people/{w['refusing'].id}/handoff"
    ),
    "/safety/<id:operation_id>/export.csv": lambda w: f"/safety/{w['operation'].id}/export.csv",
    "/safety/<id:operation_id>/export.xlsx": lambda w: f"/safety/{w['operation'].id}/export.xlsx",
    # drills (issue 14): staff clear a drill finding's review flag
    "/drills/flags/<id:flag_id>/clear": lambda w: f"/drills/flags/{review_flag_id(w)}/clear",
    # drills: measuring, the after-action report and corrective actions (issue 14)
    "/drills/<id:scenario_id>/report": lambda w: f"/drills/{drill_id(w)}/report",
    "/drills/<id:scenario_id>/report.csv": lambda w: f"/drills/{drill_id(w)}/report.csv",
    "/drills/<id:scenario_id>/report/edit": lambda w: f"/drills/{drill_id(w)}/report/edit",
    "/drills/<id:scenario_id>/actions/new": lambda w: f"/drills/{drill_id(w)}/actions/new",
    "/drills/actions": lambda w: "/drills/actions",
    "/drills/actions/<id:action_id>": lambda w: f"/drills/actions/{action_id(w)}",
    "/drills/history": lambda w: "/drills/history",
    # drills (issue 14): scenarios, their preview and map, starting and ending a drill
    "/drills/": lambda w: "/drills/",
    "/drills/new": lambda w: "/drills/new",
    "/drills/<id:scenario_id>": lambda w: f"/drills/{matrix_scenario_id(w)}",
    "/drills/<id:scenario_id>/edit": lambda w: f"/drills/{matrix_scenario_id(w)}/edit",
    "/drills/<id:scenario_id>/map": lambda w: f"/drills/{matrix_scenario_id(w)}/map",
    "/drills/<id:scenario_id>/points.json": (
        lambda w: f"/drills/{matrix_scenario_id(w)}/points.json"
    ),
    "/drills/<id:scenario_id>/start": lambda w: f"/drills/{matrix_scenario_id(w)}/start",
    "/drills/<id:scenario_id>/end": lambda w: f"/drills/{matrix_scenario_id(w)}/end",
    "/drills/<id:scenario_id>/openings": lambda w: f"/drills/{matrix_scenario_id(w)}/openings",
}

Expected = int | tuple[int, str]
#: (rule, role) -> what a GET (a POST for POST-only routes) answers.
ACCESS: dict[tuple[str, str], Expected] = {}
#: (rule, role) -> what an empty POST answers, for routes that take both GET and POST.
SUBMIT: dict[tuple[str, str], Expected] = {}


def policy(
    table: dict[tuple[str, str], Expected],
    rule: str,
    anon: Expected,
    admin: Expected,
    staff: Expected,
    partner: Expected,
    planner: Expected,
) -> None:
    for role, expected in zip(ROLES, (anon, admin, staff, partner, planner), strict=True):
        table[(rule, role)] = expected


# fmt: off
#      rule                                              logged out  admin  staff  partner planner
policy(ACCESS, "/healthz",                                    200,   200,   200,   200,   200)
policy(ACCESS, "/login",                                      200,   HOME,  HOME,  HOME,  HOME)
policy(ACCESS, "/logout",                                     LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)
policy(ACCESS, "/account/password",                           LOGIN, 200,   200,   200,   200)
# The code step needs the password step's marker: without it, back to the sign-in page.
policy(ACCESS, "/login/code",                                 LOGIN, HOME,  HOME,  HOME,  HOME)
policy(ACCESS, "/account/two-factor",                         LOGIN, 200,   200,   200,   200)
policy(ACCESS, "/account/two-factor/start",                   LOGIN, FACTOR, FACTOR, FACTOR, FACTOR)
# The fixture users have no second factor: nothing to replace or turn off.
policy(ACCESS, "/account/two-factor/recovery-codes",          LOGIN, FACTOR, FACTOR, FACTOR, FACTOR)
policy(ACCESS, "/account/two-factor/disable",                 LOGIN, FACTOR, FACTOR, FACTOR, FACTOR)
policy(ACCESS, "/admin/users/<id:user_id>/two-factor/reset",  LOGIN, USERS, 403,   403,   403)
policy(ACCESS, "/locale",                                     LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)
policy(ACCESS, "/",                                           LOGIN, USERS, REGISTER, PORTAL, REGISTER)  # noqa: E501
policy(ACCESS, "/registrants/",                               LOGIN, 403,   200,   200,   200)
policy(ACCESS, "/registrants/<id:registrant_id>",            LOGIN, 403,   200,   404,   200)
policy(ACCESS, "/registrants/new",                            LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/registrants/export",                         LOGIN, 403,   200,   403,   403)
# Bulk actions posted with no one ticked are refused with what to fix; nothing happens.
policy(ACCESS, "/registrants/bulk",                           LOGIN, 403,   422,   403,   403)
policy(ACCESS, "/registrants/bulk/status",                    LOGIN, 403,   422,   403,   403)
policy(ACCESS, "/registrants/bulk/round",                     LOGIN, 403,   422,   403,   403)
policy(ACCESS, "/registrants/<id:registrant_id>/edit",       LOGIN, 403,   200,   403,   403)
# The field history: staff only, even for a person the partner may see.
policy(ACCESS, "/registrants/<id:registrant_id>/history",    LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/registrants/<id:registrant_id>/consent/new", LOGIN, 403,  200,   403,   403)
policy(ACCESS, "/admin/users",                                LOGIN, 200,   403,   403,   403)
policy(ACCESS, "/admin/users/new",                            LOGIN, 200,   403,   403,   403)
policy(ACCESS, "/admin/users/<id:user_id>/password",         LOGIN, 200,   403,   403,   403)
policy(ACCESS, "/admin/users/<id:user_id>/active/<int(max=1):active>", LOGIN, USERS, 403, 403,  403)
policy(ACCESS, "/admin/users/<id:user_id>/release/<int(max=1):allowed>", LOGIN, USERS, 403, 403, 403)  # noqa: E501
policy(ACCESS, "/admin/audit/",                               LOGIN, 200,   403,   403,   403)
policy(ACCESS, "/api/v1/registrants",                         401,   403,   200,   200,   200)
policy(ACCESS, "/api/v1/registrants/<id:registrant_id>",     401,   403,   200,   404,   200)
policy(ACCESS, "/api/v1/openapi.json",                        401,   200,   200,   200,   200)
# Safety operations: planners get counts only, never people; an empty report body is refused.
policy(ACCESS, "/api/v1/safety/operations",                   401,   403,   200,   200,   200)
policy(ACCESS, "/api/v1/safety/operations/<id:operation_id>/people", 401, 403, 200, 200, 403)
policy(ACCESS, "/api/v1/safety/operations/<id:operation_id>/reports", 401, 403, 400, 400, 403)
policy(ACCESS, "/rounds/",                                    LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/rounds/new",                                 LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/rounds/reply",                               LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/rounds/<id:round_id>",                       LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/rounds/<id:round_id>/print",                 LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/rounds/<id:round_id>/sent",                  LOGIN, 403,   302,   403,   403)
policy(ACCESS, "/rounds/<id:round_id>/reminder",              LOGIN, 403,   302,   403,   403)
policy(ACCESS, "/rounds/<id:round_id>/presume",               LOGIN, 403,   302,   403,   403)
# The place's round was sent: it stays, and staff are sent back to it.
policy(ACCESS, "/rounds/<id:round_id>/delete",                LOGIN, 403,   302,   403,   403)
policy(ACCESS, "/rounds/visits",                              LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/imports/",                                   LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/imports/<token>/apply",                      LOGIN, 403,   404,   403,   403)
policy(ACCESS, "/imports/<token>/report.csv",                 LOGIN, 403,   404,   403,   403)
policy(ACCESS, "/imports/<token>/confirm",                    LOGIN, 403,   404,   403,   403)
policy(ACCESS, "/imports/sample.csv",                         LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/imports/mapping-sample.toml",                LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/imports/batches",                            LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/imports/batches/<id:batch_id>",              LOGIN, 403,   404,   403,   403)
policy(ACCESS, "/imports/batches/<id:batch_id>/undo",         LOGIN, 403,   404,   403,   403)
policy(ACCESS, "/dashboard/",                                 LOGIN, 403,   200,   403,   403)
# partners (staff)
policy(ACCESS, "/partners/",                                  LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/partners/new",                               LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/partners/<id:organisation_id>",              LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/partners/<id:organisation_id>/edit",         LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/partners/<id:organisation_id>/agreements/new", LOGIN, 403, 200,   403,   403)
policy(ACCESS, "/partners/<id:organisation_id>/ledger",       LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/partners/ledger",                            LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/partners/ledger.csv",                        LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/partners/<id:organisation_id>/tokens/new",   LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/partners/agreements/<id:agreement_id>",      LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/partners/agreements/<id:agreement_id>/edit", LOGIN, 403,   200,   403,   403)
# An empty status change or upload is refused with what to fix, and changes nothing.
policy(ACCESS, "/partners/agreements/<id:agreement_id>/status", LOGIN, 403, 422,   403,   403)
policy(ACCESS, "/partners/agreements/<id:agreement_id>/document", LOGIN, 403, 422, 403,   403)
# The factory's agreement has no signed document and no recorded version: not found.
policy(ACCESS, "/partners/agreements/<id:agreement_id>/document.pdf", LOGIN, 403, 404, 403, 403)
policy(ACCESS, "/partners/agreements/<id:agreement_id>/versions", LOGIN, 403, 200, 403,   403)
policy(ACCESS, "/partners/agreements/<id:agreement_id>/versions/<int:version>", LOGIN, 403, 404, 403, 403)  # noqa: E501
policy(ACCESS, "/partners/provisions/<id:provision_id>",      LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/partners/provisions/<id:provision_id>/dispose", LOGIN, 403, 200,  403,   403)
policy(ACCESS, "/partners/tokens/<id:token_id>/revoke",       LOGIN, 403,   302,   403,   403)
# portal (partner)
# the printed guide for partners holds no personal data: every signed-in user may read it.
policy(ACCESS, "/guide/partner",                              LOGIN, 200,   200,   200,   200)
policy(ACCESS, "/portal/",                                    LOGIN, 403,   403,   200,   403)
policy(ACCESS, "/portal/print",                               LOGIN, 403,   403,   303,   403)
policy(ACCESS, "/portal/prints/<id:provision_id>",            LOGIN, 403,   403,   200,   403)
policy(ACCESS, "/portal/export.csv",                          LOGIN, 403,   403,   303,   403)
policy(ACCESS, "/portal/export.xlsx",                         LOGIN, 403,   403,   303,   403)
# A copy's page, and its file (the place's copy is a print: its file is the print page).
policy(ACCESS, "/portal/copies/<id:provision_id>",            LOGIN, 403,   403,   200,   403)
policy(ACCESS, "/portal/copies/<id:provision_id>/file",       LOGIN, 403,   403,   302,   403)
policy(ACCESS, "/portal/changes",                             LOGIN, 403,   403,   200,   403)
policy(ACCESS, "/portal/search",                              LOGIN, 403,   403,   RESULTS, 403)
# One person of the partner's list on a map (the page and its frame).
policy(ACCESS, "/portal/people/<id:registrant_id>/map",       LOGIN, 403,   403,   200,   403)
policy(ACCESS, "/portal/people/<id:registrant_id>/map/frame", LOGIN, 403,   403,   200,   403)
# The partner's phone page of safety confirmation, and its service worker.
policy(ACCESS, "/portal/safety/",                             LOGIN, 403,   403,   200,   403)
policy(ACCESS, "/portal/safety/<id:operation_id>",            LOGIN, 403,   403,   200,   403)
policy(ACCESS, "/portal/safety/sw.js",                        LOGIN, 403,   403,   200,   403)
# A partner who types the staff register list's address is sent to their own list (this
# overrides the partner column of the register section above).
policy(ACCESS, "/registrants/",                               LOGIN, 403,   200,   PORTAL, 200)
# Before a numbered copy is made, the page that says how many people it holds (records nothing).
policy(ACCESS, "/portal/copy",                                LOGIN, 403,   403,   200,   403)
# releases (staff)
# shelters (issue 5)
from .test_shelters import shelter_id  # noqa: E402  (a place for the shelter URLs above)

policy(ACCESS, "/shelters/",                                  LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/shelters/new",                               LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/shelters/<id:shelter_id>",                   LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/shelters/<id:shelter_id>/edit",              LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/shelters/import",                            LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/shelters/import/mapping-sample.toml",        LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/shelters/import/<token>/apply",              LOGIN, 403,   404,   403,   403)
policy(ACCESS, "/api/v1/shelters",                            401,   200,   200,   200,   200)
# maps and hazards (issue 5)
# plans (issue 6)
from .test_plans import plan_person  # noqa: E402  (the plan of the refusing person, above)

# The refusing person's plan: staff see it; a partner, whose agreement does not include
# plans and whose rule does not admit the person, gets the 404 of a missing plan.
policy(ACCESS, "/plans/",                                     LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/plans/<id:registrant_id>",                  LOGIN, 403,   200,   404,   403)
policy(ACCESS, "/plans/<id:registrant_id>/edit",             LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/plans/<id:registrant_id>/versions",         LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/plans/<id:registrant_id>/versions/<int:version>", LOGIN, 403, 200, 403, 403)
policy(ACCESS, "/plans/<id:registrant_id>/print",            LOGIN, 403,   200,   404,   403)
# priority queue (issue 6)
policy(ACCESS, "/priority/",                                  LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/priority/coverage",                          LOGIN, 403,   200,   403,   403)
# An empty assignment selects no one: refused with what to fix (422), nothing changes.
policy(ACCESS, "/priority/assign",                            LOGIN, 403,   422,   403,   403)
policy(ACCESS, "/priority/unassign",                          LOGIN, 403,   422,   403,   403)
# address points and geocoding (issue 11)
policy(ACCESS, "/address-points/",                            LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/address-points/geocode",                     LOGIN, 403,   (302, "/address-points/"), 403, 403)  # noqa: E501
from .test_hazards import hazard_layer_id  # noqa: E402  (a layer for the delete URL above)

policy(ACCESS, "/maps/",                                      LOGIN, 403,   200,   200,   200)
policy(ACCESS, "/maps/frame",                                 LOGIN, 403,   200,   200,   200)
policy(ACCESS, "/maps/points.json",                           LOGIN, 403,   200,   200,   200)
# The refusing person: staff see them; the partner's rule does not (404, as for no one);
# a planner's map is pseudonymous and fetches no one (403).
policy(ACCESS, "/maps/people/<id:registrant_id>",            LOGIN, 403,   200,   404,   403)
policy(ACCESS, "/vendor/<pkg>/<path:filename>",              LOGIN, 200,   200,   200,   200)
# The base map's tiles: signed-in users; the test app has no tile file, so none is found
# (tests/test_tiles.py serves a file).
policy(ACCESS, "/tiles/<int:z>/<int:x>/<int:y>",             LOGIN, 404,   404,   404,   404)
policy(ACCESS, "/hazards/",                                   LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/hazards/<id:layer_id>/delete",              LOGIN, 403,   (302, "/hazards/"), 403, 403)  # noqa: E501
policy(ACCESS, "/hazards/assignment",                         LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/hazards/assignment/print",                   LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/hazards/assignment/recompute",               LOGIN, 403,   (302, "/hazards/assignment?hazard=flood"), 403, 403)  # noqa: E501
policy(ACCESS, "/releases/",                                  LOGIN, 403,   200,   403,   403)
# t_staff has not been authorised to declare a release (User.may_declare_release): 403.
policy(ACCESS, "/releases/new",                               LOGIN, 403,   403,   403,   403)
policy(ACCESS, "/releases/<id:release_id>",                   LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/releases/<id:release_id>/renew",             LOGIN, 403,   403,   403,   403)
policy(ACCESS, "/releases/<id:release_id>/end",               LOGIN, 403,   403,   403,   403)
policy(ACCESS, "/releases/<id:release_id>/report.csv",        LOGIN, 403,   200,   403,   403)
# safety confirmation (issue 13): planners read the report's counts, without names.
policy(ACCESS, "/safety/<id:operation_id>/report",             LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/safety/<id:operation_id>/report.csv",         LOGIN, 403,   200,   403,   200)
# safety: paper sheets, entry and arrivals (issue 13)
from .test_safety_paper import paper_sheet_id  # noqa: E402  (a district sheet for the URL above)

# A partner prints a sheet of its own people; the staff's district sheet is not theirs (404).
policy(ACCESS, "/safety/<id:operation_id>/sheets",            LOGIN, 403,   200,   200,   403)
policy(ACCESS, "/safety/<id:operation_id>/sheets/<id:sheet_id>", LOGIN, 403, 200,  404,   403)
policy(ACCESS, "/safety/<id:operation_id>/entry",             LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/safety/<id:operation_id>/entry/person",      LOGIN, 403,   200,   403,   403)
# The partner's organisation runs no shelter in the test world: the page says so (200).
policy(ACCESS, "/safety/<id:operation_id>/arrivals",          LOGIN, 403,   200,   200,   403)
policy(ACCESS, "/safety/<id:operation_id>/shelters/<id:shelter_id>", LOGIN, 403, 200, 403, 200)
# safety confirmation (issue 13): staff run operations; planners see counts and pseudonymous
# points; partners work from their own pages, not these.
# a partner who comes to the staff list is sent to their phone page.
policy(ACCESS, "/safety/",                                    LOGIN, 403,   200,   PHONE, 200)
policy(ACCESS, "/safety/new",                                 LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/safety/<id:operation_id>",                   LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/safety/<id:operation_id>/board.json",        LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/safety/<id:operation_id>/map",               LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/safety/<id:operation_id>/points.json",       LOGIN, 403,   200,   403,   200)
# An end without the confirming tick goes back to the board (303), and nothing changes.
policy(ACCESS, "/safety/<id:operation_id>/end",               LOGIN, 403,   303,   403,   403)
# An empty hand-off is refused with what to fix (422), nothing recorded.
policy(ACCESS, "/safety/<id:operation_id>/people/<id:registrant_id>/handoff", LOGIN, 403, 422, 403, 403)  # noqa: E501
policy(ACCESS, "/safety/<id:operation_id>/export.csv",        LOGIN, 403,   200,   403,   403)
policy(ACCESS, "/safety/<id:operation_id>/export.xlsx",       LOGIN, 403,   200,   403,   403)
# drills (issue 14): only staff clear a review flag (back to the plan page).
from .test_drills_findings import review_flag_id  # noqa: E402  (a flag for the URL above)

policy(ACCESS, "/drills/flags/<id:flag_id>/clear",            LOGIN, 403,   303,   403,   403)
# drills (issue 14): planners and staff read the after-action report (staff with register
# numbers) and keep its improvement plan; partners and admins nothing.
policy(ACCESS, "/drills/<id:scenario_id>/report",             LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/<id:scenario_id>/report.csv",         LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/<id:scenario_id>/report/edit",        LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/<id:scenario_id>/actions/new",        LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/actions",                             LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/actions/<id:action_id>",              LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/history",                             LOGIN, 403,   200,   403,   200)
# drills (issue 14): planners and staff plan and run drills; partners take part only
# through the safety pages. Starting or ending without the confirmation changes nothing (303).
from .drill_scenarios import matrix_scenario_id  # noqa: E402  (a scheduled scenario)

policy(ACCESS, "/drills/",                                    LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/new",                                 LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/<id:scenario_id>",                    LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/<id:scenario_id>/edit",               LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/<id:scenario_id>/map",                LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/<id:scenario_id>/points.json",        LOGIN, 403,   200,   403,   200)
policy(ACCESS, "/drills/<id:scenario_id>/start",              LOGIN, 403,   303,   403,   303)
policy(ACCESS, "/drills/<id:scenario_id>/end",                LOGIN, 403,   303,   403,   303)
# A scheduled drill has no shelter to open yet (404); admins never take part.
policy(ACCESS, "/drills/<id:scenario_id>/openings",           LOGIN, 403,   404,   404,   404)

# An empty form: a role that may not open a form may not submit it either (403); one that
# may gets the form back with its errors (422), and nothing is saved.
policy(SUBMIT, "/login",                                      200,   HOME,  HOME,  HOME,  HOME)
policy(SUBMIT, "/account/password",                           LOGIN, 422,   422,   422,   422)
policy(SUBMIT, "/login/code",                                 LOGIN, HOME,  HOME,  HOME,  HOME)
policy(SUBMIT, "/account/two-factor",                         LOGIN, 422,   422,   422,   422)
policy(SUBMIT, "/account/two-factor/recovery-codes",          LOGIN, FACTOR, FACTOR, FACTOR, FACTOR)
policy(SUBMIT, "/registrants/",                               LOGIN, 403,   REGISTER, REGISTER, REGISTER)  # noqa: E501
policy(SUBMIT, "/registrants/new",                            LOGIN, 403,   422,   403,   403)
# An export without a purpose is refused with what to fix; nothing is exported.
policy(SUBMIT, "/registrants/export",                         LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/registrants/<id:registrant_id>/edit",       LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/registrants/<id:registrant_id>/consent/new", LOGIN, 403,  422,   403,   403)
policy(SUBMIT, "/admin/users/new",                            LOGIN, 422,   403,   403,   403)
policy(SUBMIT, "/admin/users/<id:user_id>/password",         LOGIN, 422,   403,   403,   403)
policy(SUBMIT, "/rounds/new",                                 LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/rounds/reply",                               LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/rounds/<id:round_id>/delete",                LOGIN, 403,   302,   403,   403)
policy(SUBMIT, "/imports/",                                   LOGIN, 403,   422,   403,   403)
# partners (staff)
policy(SUBMIT, "/partners/new",                               LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/partners/<id:organisation_id>/edit",         LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/partners/<id:organisation_id>/agreements/new", LOGIN, 403, 422,   403,   403)
policy(SUBMIT, "/partners/<id:organisation_id>/tokens/new",   LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/partners/agreements/<id:agreement_id>/edit", LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/partners/provisions/<id:provision_id>/dispose", LOGIN, 403, 422,  403,   403)
# portal (partner)
# releases (staff)
# shelters (issue 5)
policy(SUBMIT, "/shelters/new",                               LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/shelters/<id:shelter_id>/edit",              LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/shelters/import",                            LOGIN, 403,   422,   403,   403)
# maps and hazards (issue 5)
# plans (issue 6)
# A staff member's empty print form just opens the print (303); a partner may print only a
# plan shared with them.
policy(SUBMIT, "/plans/<id:registrant_id>/edit",             LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/plans/<id:registrant_id>/print",            LOGIN, 403,   303,   404,   403)
# priority queue (issue 6)
policy(SUBMIT, "/hazards/",                                   LOGIN, 403,   422,   403,   403)
# An empty upload is refused with what to fix (422), nothing changes.
policy(SUBMIT, "/address-points/",                            LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/releases/new",                               LOGIN, 403,   403,   403,   403)
# safety: paper sheets, entry and arrivals (issue 13). A partner whose organisation runs
# no shelter may not post an arrival (403).
policy(SUBMIT, "/safety/<id:operation_id>/sheets",            LOGIN, 403,   422,   422,   403)
policy(SUBMIT, "/safety/<id:operation_id>/entry",             LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/safety/<id:operation_id>/arrivals",          LOGIN, 403,   422,   403,   403)
# safety confirmation (issue 13): an empty form is refused with what to fix, nothing made.
policy(SUBMIT, "/safety/new",                                 LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/safety/<id:operation_id>/export.csv",        LOGIN, 403,   422,   403,   403)
policy(SUBMIT, "/safety/<id:operation_id>/export.xlsx",       LOGIN, 403,   422,   403,   403)
# drills (issue 14): an empty form is refused with what to fix (a missing version is stale).
policy(SUBMIT, "/drills/<id:scenario_id>/report/edit",        LOGIN, 403,   409,   403,   409)
policy(SUBMIT, "/drills/<id:scenario_id>/actions/new",        LOGIN, 403,   422,   403,   422)
policy(SUBMIT, "/drills/actions/<id:action_id>",              LOGIN, 403,   422,   403,   422)
# drills (issue 14): an empty scenario form is refused with what to fix, nothing saved.
policy(SUBMIT, "/drills/new",                                 LOGIN, 403,   422,   403,   422)
policy(SUBMIT, "/drills/<id:scenario_id>/edit",               LOGIN, 403,   422,   403,   422)
# fmt: on


def app_rules(app: Flask) -> dict[str, set[str]]:
    """Every rule of the app except static files, with the methods it answers."""
    return {
        rule.rule: set(rule.methods or ()) - {"HEAD", "OPTIONS"}
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    }


def test_the_matrix_lists_every_route_of_the_app_and_every_role(app: Flask) -> None:
    rules = app_rules(app)
    assert set(URLS) == set(rules), "a route was added or removed: state its policy here"
    assert {rule for rule, _role in ACCESS} == set(rules)
    for rule in rules:
        for role in ROLES:
            assert (rule, role) in ACCESS, (rule, role)
    forms = {rule for rule, methods in rules.items() if methods == {"GET", "POST"}}
    assert {rule for rule, _role in SUBMIT} == forms, "state who may submit every form"
    assert {role for _rule, role in SUBMIT} == set(ROLES)


def _check(response: Any, expected: Expected, rule: str, role: str) -> None:
    status, location = expected if isinstance(expected, tuple) else (expected, None)
    assert response.status_code == status, (rule, role, response.get_data(as_text=True)[:300])
    if location is not None:
        assert response.headers["Location"] == location, (rule, role)
    if rule.startswith("/api/"):
        assert response.is_json, (rule, role)


@pytest.mark.parametrize(("rule", "role"), sorted(ACCESS))
def test_each_role_gets_exactly_what_the_matrix_says(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    place: dict[str, Any],
    rule: str,
    role: str,
) -> None:
    sign_in(auth, role)
    url = URLS[rule](place)
    post_only = app_rules(app)[rule] == {"POST"}
    response = client.post(url) if post_only else client.get(url)
    _check(response, ACCESS[(rule, role)], rule, role)


@pytest.mark.parametrize(("rule", "role"), sorted(SUBMIT))
def test_each_role_may_submit_only_the_forms_it_may_open(
    client: IsolatedClient,
    auth: AuthActions,
    place: dict[str, Any],
    rule: str,
    role: str,
) -> None:
    sign_in(auth, role)
    response = client.post(URLS[rule](place), data={})
    _check(response, SUBMIT[(rule, role)], rule, role)


def test_a_partner_opens_the_consenting_person_but_no_one_else(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "partner")
    assert client.get(f"/registrants/{world['consenting'].id}").status_code == 200
    for who in ("refusing", "unasked", "elsewhere"):
        assert client.get(f"/registrants/{world[who].id}").status_code == 404, who


def test_a_hidden_person_and_a_missing_id_give_the_same_answer(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "partner")
    hidden = client.get(f"/registrants/{world['refusing'].id}")
    missing = client.get("/registrants/999999")
    assert hidden.status_code == missing.status_code == 404
    # The pages differ only in the address they were asked for (the language switch's "next").
    # CSRF tokens carry the second they were made in, so two requests may differ there too.
    token = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')
    hidden_html = token.sub(r'\1"', hidden.get_data(as_text=True))
    missing_html = token.sub(r'\1"', missing.get_data(as_text=True))
    assert hidden_html.replace(f"/registrants/{world['refusing'].id}", "/registrants/999999") == (
        missing_html
    )
    hidden = client.get(f"/api/v1/registrants/{world['refusing'].id}")
    missing = client.get("/api/v1/registrants/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


def test_a_request_without_a_cookie_is_anonymous_even_after_another_client_signed_in(
    app: Flask, db: Any, world: dict[str, Any]
) -> None:
    """The isolated client answers as production does: no cookie, no register."""
    signed_in, stranger = new_client(app), new_client(app)
    AuthActions(signed_in).login("t_staff")
    assert signed_in.get("/registrants/").status_code == 200
    response = stranger.get("/registrants/")
    assert (response.status_code, response.headers.get("Location")) == LOGIN


def test_the_stock_client_fixture_does_not_carry_a_user_into_another_clients_request(
    app: Flask, db: Any, world: dict[str, Any]
) -> None:
    signed_in, stranger = app.test_client(), app.test_client()
    AuthActions(signed_in).login("t_staff")
    response = stranger.get("/registrants/")
    assert (response.status_code, response.headers.get("Location")) == LOGIN


# ---------------------------------------------------------------------------------------------
# The API returns only what the user may see.
# ---------------------------------------------------------------------------------------------

PLACE_KEYS = {
    "id", "district", "latitude", "longitude", "location_approximate", "location_precision",
}  # fmt: skip
NEEDS_KEYS = {"household", "mobility"}
LEGAL_KEYS = {
    "name",
    "name_kana",
    "birth_date",
    "sex",
    "address",
    "phone",
    "mobile_phone",
    "fax",
    "email",
    "support_categories",
}
PARTNER_KEYS = PLACE_KEYS | LEGAL_KEYS | NEEDS_KEYS
PLANNER_KEYS = PLACE_KEYS | NEEDS_KEYS | {"support_categories", "devices", "care_level", "status"}
STAFF_KEYS = PARTNER_KEYS | {
    "resident_no",
    "postal_code",
    "devices",
    "device_other",
    "communication",
    "language_note",
    "care_level",
    "disability_certificate",
    "support_reason_detail",
    "emergency_contacts",
    "status",
    "source",
    "last_verified_on",
    "consent_state",
    "version",
    "preferred_language",
}
IDENTIFYING = {
    "name",
    "name_kana",
    "address",
    "phone",
    "mobile_phone",
    "birth_date",
    "resident_no",
    "email",
    "fax",
    "postal_code",
    "emergency_contacts",
}


def everyone(world: dict[str, Any]) -> list[Any]:
    return [world[k] for k in ("consenting", "refusing", "unasked", "elsewhere")]


def test_the_partner_api_lists_only_the_consenting_person_in_its_district(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "partner")
    body = client.get("/api/v1/registrants").get_json()
    assert [item["id"] for item in body["items"]] == [world["consenting"].id]
    assert body["total"] == 1
    assert body["pages"] == 1


def test_the_partner_api_gives_exactly_the_partner_fields(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "partner")
    item = client.get("/api/v1/registrants").get_json()["items"][0]
    assert set(item) == PARTNER_KEYS
    for secret in (
        "disability_certificate",
        "devices",
        "care_level",
        "resident_no",
        "emergency_contacts",
        "consent_state",
        "communication",
    ):
        assert secret not in item
    one = client.get(f"/api/v1/registrants/{world['consenting'].id}").get_json()
    assert one == item
    assert one["name"] == world["consenting"].name


def test_the_partner_api_answers_404_for_everyone_outside_its_view(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "partner")
    assert client.get(f"/api/v1/registrants/{world['consenting'].id}").status_code == 200
    for who in ("refusing", "unasked", "elsewhere"):
        response = client.get(f"/api/v1/registrants/{world[who].id}")
        assert response.status_code == 404, who
        assert response.get_json() == {"error": "not found"}


def test_the_planner_api_carries_no_names_addresses_phones_or_birth_dates(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "planner")
    body = client.get("/api/v1/registrants").get_json()
    assert sorted(i["id"] for i in body["items"]) == sorted(p.id for p in everyone(world))
    one = client.get(f"/api/v1/registrants/{world['refusing'].id}").get_json()
    for item in [*body["items"], one]:
        assert set(item) == PLANNER_KEYS
        assert not IDENTIFYING & set(item)
    text = json.dumps(body, ensure_ascii=False) + json.dumps(one, ensure_ascii=False)
    for person in everyone(world):
        for value in (person.name, person.name_kana, person.address, person.resident_no):
            assert value not in text


def test_the_staff_api_gives_every_person_and_every_field(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    body = client.get("/api/v1/registrants").get_json()
    assert sorted(i["id"] for i in body["items"]) == sorted(p.id for p in everyone(world))
    assert body["total"] == 4
    for item in body["items"]:
        assert set(item) == STAFF_KEYS
    one = client.get(f"/api/v1/registrants/{world['refusing'].id}").get_json()
    assert set(one) == STAFF_KEYS
    assert one["disability_certificate"] == world["refusing"].disability_certificate
    assert one["resident_no"] == world["refusing"].resident_no


def test_the_api_pages_one_row_at_a_time_through_the_whole_register(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    first = client.get("/api/v1/registrants?per_page=1").get_json()
    assert first["total"] == 4
    assert first["pages"] == first["total"]
    assert first["per_page"] == 1 and first["page"] == 1 and len(first["items"]) == 1
    seen = []
    for page in range(1, first["pages"] + 1):
        body = client.get(f"/api/v1/registrants?per_page=1&page={page}").get_json()
        assert body["page"] == page
        seen += [item["id"] for item in body["items"]]
    assert sorted(seen) == sorted(p.id for p in everyone(world))


def test_the_api_answers_404_for_a_page_beyond_the_end(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    response = client.get("/api/v1/registrants?per_page=1&page=5")
    assert response.status_code == 404
    assert response.get_json() == {"error": "no such page"}


@pytest.mark.parametrize(
    "query",
    ["per_page=501", "per_page=0", "per_page=-1", "per_page=x", "page=0", "page=-2", "page=one"],
)
def test_the_api_refuses_bad_paging_with_400(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], query: str
) -> None:
    sign_in(auth, "staff")
    response = client.get(f"/api/v1/registrants?{query}")
    assert response.status_code == 400
    assert "per_page between 1 and 500" in response.get_json()["error"]


def test_the_api_accepts_the_largest_page_size(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    response = client.get("/api/v1/registrants?per_page=500")
    assert response.status_code == 200
    assert response.get_json()["per_page"] == 500


def test_the_openapi_description_is_openapi_3_1_for_a_signed_in_user(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 401
    sign_in(auth, "partner")
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    assert {"title", "version"} <= set(doc["info"])
    api_rules = {re.sub(r"<id:\w+>", "{id}", r) for r in URLS if r.startswith("/api/")}
    assert set(doc["paths"]) == api_rules - {"/api/v1/openapi.json"}, "describe every API route"
    for path, item in doc["paths"].items():
        assert set(item) <= {"get", "post"}, path
        for operation in item.values():
            assert {"200", "401"} <= set(operation["responses"]), path
    registrant = doc["components"]["schemas"]["Registrant"]
    assert set(registrant["properties"]) == STAFF_KEYS
    assert doc["security"] == [{"session": []}, {"partnerToken": []}]
    assert doc["components"]["securitySchemes"]["session"]["in"] == "cookie"
    assert doc["components"]["securitySchemes"]["partnerToken"]["scheme"] == "bearer"
    # Every reference resolves.
    text = json.dumps(doc)
    for ref in {part.split('"')[0] for part in text.split('"$ref": "')[1:]}:
        node: Any = doc
        for key in ref.removeprefix("#/").split("/"):
            node = node[key]


# ---------------------------------------------------------------------------------------------
# Partner visibility follows the ordinance rule (consent.rule) and the consent history.
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def consent_rule(app: Flask) -> Any:
    """Set app.config["CONSENT_RULE"] for one test; the original comes back afterwards."""
    original = app.config["CONSENT_RULE"]

    def set_rule(rule: str) -> None:
        app.config["CONSENT_RULE"] = rule

    try:
        yield set_rule
    finally:
        app.config["CONSENT_RULE"] = original


def partner_view(client: IsolatedClient) -> set[int]:
    """The IDs the partner's API list shows."""
    return {item["id"] for item in client.get("/api/v1/registrants").get_json()["items"]}


def partner_sees(client: IsolatedClient, person: Any) -> bool:
    listed = person.id in partner_view(client)
    api = client.get(f"/api/v1/registrants/{person.id}").status_code
    page = client.get(f"/registrants/{person.id}").status_code
    assert {api, page} <= {200, 404}
    assert listed == (api == 200) == (page == 200), "the list, API and page disagree"
    return listed


def test_under_opt_in_the_partner_sees_only_explicit_consent(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], consent_rule: Any
) -> None:
    consent_rule("opt_in")
    sign_in(auth, "partner")
    assert partner_sees(client, world["consenting"])
    assert not partner_sees(client, world["unasked"])
    assert not partner_sees(client, world["refusing"])


def test_under_opt_out_the_unasked_become_visible_but_not_the_refusing(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], consent_rule: Any
) -> None:
    consent_rule("opt_out")
    sign_in(auth, "partner")
    assert partner_sees(client, world["unasked"])
    assert partner_sees(client, world["consenting"])
    assert not partner_sees(client, world["refusing"])
    assert not partner_sees(client, world["elsewhere"])
    assert partner_view(client) == {world["consenting"].id, world["unasked"].id}


def test_under_opt_out_a_withdrawal_still_hides_the_person(
    client: IsolatedClient,
    auth: AuthActions,
    factory: Any,
    world: dict[str, Any],
    consent_rule: Any,
) -> None:
    from datetime import date

    consent_rule("opt_out")
    factory.consent(
        world["unasked"],
        ConsentState.WITHDRAWN,
        world["users"]["staff"],
        scope=set(),
        on=date(2025, 6, 1),
    )
    sign_in(auth, "partner")
    assert not partner_sees(client, world["unasked"])


def test_under_presumed_after_no_reply_a_presumed_record_makes_the_person_visible(
    client: IsolatedClient,
    auth: AuthActions,
    factory: Any,
    world: dict[str, Any],
    consent_rule: Any,
) -> None:
    consent_rule("presumed_after_no_reply")
    sign_in(auth, "partner")
    assert not partner_sees(client, world["unasked"]), "no reply yet is not consent"
    factory.consent(world["unasked"], ConsentState.PRESUMED, world["users"]["staff"], scope=set())
    assert partner_sees(client, world["unasked"])
    assert not partner_sees(client, world["refusing"])


def test_under_opt_in_a_presumed_record_shares_nothing(
    client: IsolatedClient,
    auth: AuthActions,
    factory: Any,
    world: dict[str, Any],
    consent_rule: Any,
) -> None:
    consent_rule("opt_in")
    factory.consent(world["unasked"], ConsentState.PRESUMED, world["users"]["staff"], scope=set())
    sign_in(auth, "partner")
    assert not partner_sees(client, world["unasked"])


def test_a_consent_whose_scope_lacks_the_partners_category_hides_the_person(
    client: IsolatedClient,
    auth: AuthActions,
    factory: Any,
    world: dict[str, Any],
    consent_rule: Any,
) -> None:
    consent_rule("opt_in")
    factory.consent(
        world["unasked"],
        ConsentState.CONSENTED,
        world["users"]["staff"],
        scope={PartnerCategory.JICHIKAI, PartnerCategory.FIRE},
    )
    sign_in(auth, "partner")
    assert not partner_sees(client, world["unasked"])
    factory.consent(
        world["unasked"],
        ConsentState.CONSENTED,
        world["users"]["staff"],
        scope={PartnerCategory.JICHIKAI, PartnerCategory.MINSEI_IIN},
    )
    assert partner_sees(client, world["unasked"])


def test_a_withdrawn_consent_hides_the_person_again(
    client: IsolatedClient,
    auth: AuthActions,
    factory: Any,
    world: dict[str, Any],
    consent_rule: Any,
) -> None:
    from datetime import date

    consent_rule("opt_in")
    sign_in(auth, "partner")
    assert partner_sees(client, world["consenting"])
    factory.consent(
        world["consenting"],
        ConsentState.WITHDRAWN,
        world["users"]["staff"],
        scope=set(),
        on=date(2025, 9, 1),
    )
    assert not partner_sees(client, world["consenting"])


@pytest.mark.parametrize("status", [RegistrantStatus.MOVED_OUT, RegistrantStatus.DECEASED])
def test_a_person_who_moved_out_or_died_is_hidden_even_with_consent(
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    world: dict[str, Any],
    consent_rule: Any,
    status: RegistrantStatus,
) -> None:
    consent_rule("opt_in")
    world["consenting"].status = status
    db.flush()
    sign_in(auth, "partner")
    assert not partner_sees(client, world["consenting"])
    assert partner_view(client) == set()


# ---------------------------------------------------------------------------------------------
# A planner cannot find out whether a named person is on the register.
# ---------------------------------------------------------------------------------------------


def last_list_event(db: Any) -> dict[str, Any]:
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "registrant.list")
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).one()
    return json.loads(event.detail)  # type: ignore[no-any-return]


def count_text(html: str) -> str:
    return html.split('<p class="count">', 1)[1].split("</p>", 1)[0]


def search(client: IsolatedClient, q: str) -> Any:
    response = client.post("/registrants/", data={"q": q})
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def test_a_planners_name_search_is_ignored(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "planner")
    unfiltered = client.get("/registrants/")
    everyone_total = last_list_event(db)["total"]
    assert everyone_total == 4
    for q in (
        world["consenting"].name,
        world["refusing"].name_kana,
        "no such name",
        world["elsewhere"].address,
        world["unasked"].resident_no,
    ):
        searched = search(client, q)
        assert searched.status_code == 200
        assert last_list_event(db)["total"] == everyone_total, q
        assert count_text(searched.get_data(as_text=True)) == count_text(
            unfiltered.get_data(as_text=True)
        )


def test_a_staff_name_search_does_filter_so_the_planner_test_means_something(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    page = search(client, world["consenting"].name).get_data(as_text=True)
    assert last_list_event(db)["total"] == 1
    assert world["consenting"].name in page
    assert world["refusing"].name not in page


def test_the_planners_list_and_detail_pages_show_no_names_or_addresses(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "planner")
    pages = [client.get("/registrants/")]
    pages += [client.get(f"/registrants/{p.id}") for p in everyone(world)]
    for response in pages:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        for person in everyone(world):
            for value in (
                person.name,
                person.name_kana,
                person.address,
                person.resident_no,
                person.phone,
            ):
                assert value not in html, (response.request.path, value)
    assert 'name="q"' not in pages[0].get_data(as_text=True), "no search box is offered"


def test_the_planners_list_order_does_not_follow_the_names(
    client: IsolatedClient, auth: AuthActions, factory: Any, world: dict[str, Any]
) -> None:
    """Within a district the rows come in an order that says nothing about who they are."""
    district = world["districts"][1]
    later = factory.registrant(district, name="安藤 一", name_kana="アンドウ ハジメ")
    assert later.id > world["elsewhere"].id
    sign_in(auth, "planner")
    ids = [i["id"] for i in client.get("/api/v1/registrants").get_json()["items"]]
    in_b = [i for i in ids if i in (world["elsewhere"].id, later.id)]
    assert in_b == [world["elsewhere"].id, later.id]


# ---------------------------------------------------------------------------------------------
# Every view of a registrant is audited, without personal data in the trail.
# ---------------------------------------------------------------------------------------------


def events(db: Any, action: str) -> list[AuditEvent]:
    return list(
        db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    )


def assert_no_personal_data(event: AuditEvent, world: dict[str, Any]) -> None:
    for person in everyone(world):
        for value in (
            person.name,
            person.name_kana,
            person.address,
            person.phone,
            person.resident_no,
            person.disability_certificate,
        ):
            assert value not in event.detail, (event.action, value)
            assert value not in (event.object_id or "")
        family, given = person.name.split(" ")
        assert family not in event.detail and given not in event.detail


@pytest.mark.parametrize("role", ["staff", "partner", "planner"])
def test_every_view_of_a_registrant_is_audited_naming_the_user(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any], role: str
) -> None:
    sign_in(auth, role)
    user = world["users"][role]
    person = world["consenting"]
    calls = {
        "registrant.list": "/registrants/",
        "registrant.view": f"/registrants/{person.id}",
        "api.list": "/api/v1/registrants",
        "api.view": f"/api/v1/registrants/{person.id}",
    }
    if role == "partner":  # a partner's list is their portal's
        del calls["registrant.list"]
        calls["portal.list"] = "/portal/"
    for action, url in calls.items():
        before = len(events(db, action))
        assert client.get(url).status_code == 200, url
        new = events(db, action)[before:]
        assert len(new) == 1, action
        event = new[0]
        assert (event.actor_id, event.actor_name) == (user.id, user.username), action
        assert event.object_type == "registrant"
        assert_no_personal_data(event, world)
        if action.endswith(".view"):
            assert event.object_id == str(person.id)
        else:
            assert person.id in json.loads(event.detail)["ids"]


def test_a_list_event_names_exactly_the_rows_shown(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "partner")
    client.get("/portal/")
    assert json.loads(events(db, "portal.list")[-1].detail)["ids"] == [world["consenting"].id]
    client.get("/api/v1/registrants")
    detail = json.loads(events(db, "api.list")[-1].detail)
    assert detail["ids"] == [world["consenting"].id] and detail["total"] == 1


def test_a_search_is_audited_without_the_search_term(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    search(client, world["refusing"].name)
    event = events(db, "registrant.list")[-1]
    assert json.loads(event.detail)["ids"] == [world["refusing"].id]
    assert_no_personal_data(event, world)


def test_a_refused_view_is_not_recorded_as_a_view(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "partner")
    client.get(f"/registrants/{world['refusing'].id}")
    client.get(f"/api/v1/registrants/{world['refusing'].id}")
    seen = [e.object_id for e in events(db, "registrant.view") + events(db, "api.view")]
    assert str(world["refusing"].id) not in seen


# ---------------------------------------------------------------------------------------------
# Search terms never travel in a URL.
# ---------------------------------------------------------------------------------------------


def url_forms(text: str) -> set[str]:
    return {text, quote(text), quote_plus(text), quote(text, safe=""), quote(text).lower()}


@pytest.mark.parametrize("role", ["staff", "partner"])
def test_a_search_term_never_appears_in_the_redirect_or_the_page_links(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], role: str
) -> None:
    sign_in(auth, role)
    person = world["consenting"]
    q = person.name
    response = client.post(
        "/registrants/", data={"q": q, "district": str(world["districts"][0].id), "dir": "desc"}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/registrants/?")
    assert "q=" not in location
    parts = {q, *q.split(" "), person.name_kana, "試験"}
    for part in parts:
        for form in url_forms(part):
            assert form not in location, part
    page = client.get(location)
    if role == "partner":  # on to the partner's own list, with the same key
        location = page.headers["Location"]
        assert location.startswith("/portal/?") and "q=" not in location
        page = client.get(location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert q in html, "the search worked"
    hrefs = [chunk.split('"', 1)[0] for chunk in html.split('href="')[1:]]
    hrefs += [chunk.split('"', 1)[0] for chunk in html.split('action="')[1:]]
    hrefs += [chunk.split('"', 1)[0] for chunk in html.split('name="next" value="')[1:]]
    for href in hrefs:
        for part in parts:
            for form in url_forms(part):
                assert form not in href, (href, part)


def test_a_search_key_means_nothing_to_another_user(
    app: Flask,
    client: IsolatedClient,
    auth: AuthActions,
    db: Any,
    world: dict[str, Any],
    factory: Any,
) -> None:
    sign_in(auth, "staff")
    location = client.post("/registrants/", data={"q": world["refusing"].name}).headers["Location"]
    factory.user(Role.STAFF, "t_colleague")
    other = new_client(app)
    AuthActions(other).login("t_colleague")
    page = other.get(location).get_data(as_text=True)
    assert last_list_event(db)["total"] == 4, "another user's key searches nothing"
    assert world["refusing"].name not in page.split('class="count"')[0]


def test_search_terms_are_kept_on_the_server_not_in_the_cookie(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "staff")
    client.post("/registrants/", data={"q": "ｼｹﾝ"})
    cookie = client.get_cookie("session")
    assert cookie is not None
    from itsdangerous import base64_decode

    payload = cookie.value.split(".")[0].lstrip(".")
    decoded = base64_decode(payload + "=" * (-len(payload) % 4))
    assert "ｼｹﾝ".encode() not in decoded and "シケン".encode() not in decoded


def test_a_planner_gets_locations_rounded_to_about_100_metres(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], factory: Any
) -> None:
    person = factory.registrant(world["districts"][0], latitude=35.7234567, longitude=139.5412345)
    sign_in(auth, "planner")
    item = client.get(f"/api/v1/registrants/{person.id}").get_json()
    assert (item["latitude"], item["longitude"]) == (35.723, 139.541)
    assert item["location_approximate"] is True


def test_asking_for_someone_one_may_not_see_is_audited(
    client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any]
) -> None:
    sign_in(auth, "partner")
    refusing = world["refusing"].id
    assert client.get(f"/registrants/{refusing}").status_code == 404
    assert client.get(f"/api/v1/registrants/{refusing}").status_code == 404
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "registrant.denied")).all()
    assert [e.object_id for e in denied] == [str(refusing), str(refusing)]


@pytest.mark.parametrize(
    "url",
    [
        "/registrants/99999999999999999999",
        "/registrants/?district=99999999999999999999",
        "/api/v1/registrants/99999999999999999999",
    ],
)
def test_absurd_numbers_get_a_clean_answer_not_a_crash(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], url: str
) -> None:
    sign_in(auth, "staff")
    assert client.get(url).status_code in (200, 404)


@pytest.mark.parametrize(
    "query", ["consent=refused", "need=hearing", "district=abc", "status=deceased", "need=nonsense"]
)
def test_the_api_refuses_filters_a_partner_may_not_use(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any], query: str
) -> None:
    sign_in(auth, "partner")
    response = client.get(f"/api/v1/registrants?{query}")
    assert response.status_code == 400 and "error" in response.get_json()


def test_a_partner_chooses_only_among_the_districts_it_serves(
    client: IsolatedClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    sign_in(auth, "partner")
    page = client.get("/portal/").get_data(as_text=True)
    served, other = world["districts"]
    assert f'value="{served.id}"' in page and f'<option value="{other.id}"' not in page


def test_partners_no_consent_form_names_see_no_one_on_silence(
    app: Flask, client: IsolatedClient, auth: AuthActions, db: Any, world: dict[str, Any],
    factory: Any,
) -> None:
    """Under opt_out, silence shares with the named partner kinds, not with 福祉事業所."""
    provider = factory.organisation(PartnerCategory.WELFARE_PROVIDER, [world["districts"][0]])
    factory.agreement(provider)
    factory.user(Role.PARTNER, "t_provider", organisation=provider)
    app.config["CONSENT_RULE"] = "opt_out"
    try:
        AuthActions(client).login("t_provider")
        assert client.get("/api/v1/registrants").get_json()["total"] == 0
    finally:
        app.config["CONSENT_RULE"] = "opt_in"
