"""Numbers in URLs: huge, negative, zero or not numbers at all, never an error page (500).

Every route of the app, as every role, with each bad value in place of each number in its
path and of each number its views read from the query string: the answer is 400 or 404,
or the page with the bad value ignored.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

import roster

from .conftest import AuthActions, IsolatedClient
from .test_access import ROLES, URLS, app_rules, sign_in

BAD = ("999999999999999999999", "-1", "0", "x1")
#: Query parameters read as numbers outside roster.web.arg_int (the API's own checks).
API_NUMBERS = {"page", "per_page", "district"}
NUMBER_IN_PATH = re.compile(r"^<(id|int)(\([^)]*\))?:\w+>$")


def numbers_read() -> set[str]:
    """Every query parameter a view reads as a number: the names given to arg_int."""
    source = "\n".join(p.read_text() for p in Path(roster.__file__).parent.rglob("*.py"))
    return set(re.findall(r'arg_int\(\s*"(\w+)"', source)) | API_NUMBERS


def test_views_read_query_numbers_only_through_arg_int() -> None:
    """One place turns query text into a number; `type=int` lets 10**21 through."""
    for path in Path(roster.__file__).parent.rglob("*.py"):
        if path.name == "web.py":  # arg_int itself
            continue
        text = path.read_text()
        assert not re.search(r"args\.get\([^)]*type=", text), path
        assert "bounded_int(request.args" not in text, path
    assert {"page", "district"} <= numbers_read()


def bad_paths(rule: str, url: str) -> list[str]:
    """The URL with each number of the rule's path replaced by each bad value."""
    rule_parts, url_parts = rule.split("/"), url.split("?")[0].split("/")
    if len(rule_parts) != len(url_parts):
        return []
    found = []
    for i, part in enumerate(rule_parts):
        if NUMBER_IN_PATH.match(part):
            for value in BAD:
                found.append("/".join([*url_parts[:i], value, *url_parts[i + 1 :]]))
    return found


def bad_queries(url: str) -> list[str]:
    """The URL with every numeric parameter bad at once, then each one huge on its own."""
    glue = "&" if "?" in url else "?"
    names = sorted(numbers_read())
    together = [url + glue + "&".join(f"{n}={v}" for n in names) for v in BAD]
    return together + [f"{url}{glue}{n}={BAD[0]}" for n in names]


@pytest.mark.parametrize("rule", sorted(URLS))
def test_no_bad_number_in_a_url_answers_500(
    app: Flask, client: IsolatedClient, auth: AuthActions, place: dict[str, Any], rule: str
) -> None:
    post_only = app_rules(app)[rule] == {"POST"}
    url = URLS[rule](place)
    for role in ROLES:
        auth.logout()
        sign_in(auth, role)
        urls = bad_paths(rule, url)
        # Query numbers matter only where the view itself runs: not behind a refusal.
        if not post_only and client.get(url).status_code == 200:
            urls += bad_queries(url)
        for bad in urls:
            response = client.post(bad) if post_only else client.get(bad)
            assert response.status_code < 500, (role, bad)
