"""The people bench/load.py sends at the server: staff, partners and planners at once.

Every user signs in through the login form (CSRF token and all) and works with a short
pause between steps. A 409 on an edit is the version check doing its job, not an error;
everything else but a 2xx or an expected redirect counts as a failure.

Settings come from the environment: ROSTER_DEMO_PASSWORD, ROSTER_LOAD_TOKEN (a partner
system's API token) and ROSTER_LOAD_PEOPLE (registrant IDs run from 1 to this).
"""

from __future__ import annotations

import os
import random
import re
from html.parser import HTMLParser
from typing import Any

from locust import HttpUser, between, task
from locust.clients import HttpSession

PASSWORD = os.environ.get("ROSTER_DEMO_PASSWORD", "demo")
TOKEN = os.environ.get("ROSTER_LOAD_TOKEN", "")
PEOPLE = int(os.environ.get("ROSTER_LOAD_PEOPLE", "3000"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SEARCHES = ("山", "田", "佐藤", "ス", "タナカ", "中町", "谷戸町")


class FormFields(HTMLParser):
    """What a browser would send for the page's main form: inputs, chosen options, text."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, Any] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_of(html: str) -> dict[str, Any]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""


class Member(HttpUser):
    """Someone with a demo login; signs in at the start and again about once in 40 steps
    (a sign-in costs a deliberately slow argon2id hash)."""

    abstract = True
    wait_time = between(0.5, 1.5)
    username = ""

    def on_start(self) -> None:
        self.sign_in()

    @task(1)
    def sign_in(self) -> None:
        self.client.cookies.clear()
        page = self.client.get("/login", name="sign-in form")
        data = {"csrf_token": csrf_of(page.text), "username": self.username, "password": PASSWORD}
        with self.client.post(
            "/login", data=data, name="sign-in", allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in answered {answer.status_code} {answer.error or ''}")

    def person(self) -> int:
        return random.randint(1, PEOPLE)  # noqa: S311 - a load pattern, not a secret


class Staff(Member):
    """Welfare staff: the register, searches, people, edits and consent records."""

    weight = 6
    username = "staff"

    @task(12)
    def register(self) -> None:
        self.client.get("/registrants/", name="register list")

    @task(6)
    def search(self) -> None:
        page = self.client.get("/registrants/", name="register list")
        # The term travels in the POST body; the list's URL carries only an opaque key.
        self.client.post(
            "/registrants/",
            data={"csrf_token": csrf_of(page.text), "q": random.choice(SEARCHES)},  # noqa: S311
            name="search",
        )

    @task(12)
    def person_page(self) -> None:
        self.client.get(f"/registrants/{self.person()}", name="person page")

    @task(3)
    def edit(self) -> None:
        person = self.person()
        page = self.client.get(f"/registrants/{person}/edit", name="edit form")
        data = form_of(page.text)
        data["phone"] = f"042-4{random.randint(0, 99):02d}-{random.randint(0, 9999):04d}"  # noqa: S311
        with self.client.post(
            f"/registrants/{person}/edit", data=data, name="edit save",
            allow_redirects=False, catch_response=True,
        ) as answer:
            if answer.status_code in (302, 409):  # 409: someone saved it first
                answer.success()
            else:
                answer.failure(f"edit answered {answer.status_code} {answer.error or ''}")

    @task(3)
    def consent(self) -> None:
        person = self.person()
        page = self.client.get(f"/registrants/{person}/consent/new", name="consent form")
        data = {
            "csrf_token": csrf_of(page.text), "purpose": "register_sharing",
            "state": "consented", "method": "visit", "decided_on": "2026-10-01",
            "scope": ["minsei_iin"], "form_version": "ja-2026-04",
        }
        with self.client.post(
            f"/registrants/{person}/consent/new", data=data, name="consent record",
            allow_redirects=False, catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"consent answered {answer.status_code} {answer.error or ''}")

    @task(3)
    def api(self) -> None:
        self.client.get("/api/v1/registrants?per_page=50", name="API list (session)")


class Partner(Member):
    """A 民生委員: their list in the portal, and their organisation's system on the API."""

    weight = 3
    username = "partner"

    def on_start(self) -> None:
        super().on_start()
        # The organisation's system: a client of its own, with no session cookie.
        self.system = HttpSession(self.host, self.environment.events.request, self)

    @task(24)
    def portal(self) -> None:
        self.client.get("/portal/", name="partner portal")

    @task(16)
    def api_token(self) -> None:
        if TOKEN:
            self.system.get(
                "/api/v1/registrants?per_page=50", name="API list (token)",
                headers={"Authorization": f"Bearer {TOKEN}"},
            )


class Planner(Member):
    """A drill planner: the pseudonymous register."""

    weight = 1
    username = "planner"

    @task(40)
    def register(self) -> None:
        self.client.get("/registrants/", name="register list")
