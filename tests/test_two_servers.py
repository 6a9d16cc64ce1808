"""App servers can be added behind a load balancer: no state that must be shared lives in a
process. Two gunicorn servers on different ports serve one PostgreSQL database; a session, a
saved search and a sign-in pause started on one hold on the other."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, make_url, text

from .test_browser import ROOT, _free_port

BIN = Path(sys.executable).parent


def _fresh_database(base: str) -> str:
    url = make_url(base)
    name = f"{url.database}_two_servers"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def servers(database_url: str) -> Iterator[tuple[str, str]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("two app servers share a PostgreSQL database: set ROSTER_TEST_DATABASE_URL")
    gunicorn = BIN / "gunicorn"
    if not gunicorn.exists() and shutil.which("gunicorn") is None:
        pytest.skip("gunicorn is not installed (pip install -e '.[server]')")
    url = _fresh_database(database_url)
    env = {**os.environ, "ROSTER_DATABASE_URL": url, "ROSTER_SECRET_KEY": "two-servers"}
    env.pop("ROSTER_TEST_DATABASE_URL", None)
    cli = [sys.executable, "-m", "roster.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    subprocess.run([*cli, "demo", "--registrants", "300", "--seed", "3"], env=env, check=True,
                   cwd=ROOT, capture_output=True)  # fmt: skip
    ports = (_free_port(), _free_port())
    procs = [
        subprocess.Popen(
            [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "roster.wsgi:app"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for port in ports
    ]
    bases = tuple(f"http://127.0.0.1:{port}" for port in ports)
    try:
        for base in bases:
            _wait_for(base)
        yield bases[0], bases[1]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)


def _wait_for(base: str) -> None:
    for _ in range(200):
        try:
            if requests.get(f"{base}/healthz", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} did not start")


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _sign_in(browser: requests.Session, base: str, username: str, password: str) -> int:
    token = _csrf(browser.get(f"{base}/login", timeout=10).text)
    answer = browser.post(
        f"{base}/login",
        data={"csrf_token": token, "username": username, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    return answer.status_code


def test_a_session_and_a_saved_search_hold_on_the_other_server(
    servers: tuple[str, str],
) -> None:
    one, other = servers
    browser = requests.Session()
    assert _sign_in(browser, one, "staff", "demo") == 302
    # The session started on one server is good on the other.
    listed = browser.get(f"{other}/registrants/", allow_redirects=False, timeout=30)
    assert listed.status_code == 200
    # A search saved on the other server (the term stays out of the URL: a key stands for it)...
    token = _csrf(listed.text)
    saved = browser.post(f"{other}/registrants/", data={"csrf_token": token, "q": "佐藤"},
                         allow_redirects=False, timeout=30)  # fmt: skip
    assert saved.status_code == 302 and "佐藤" not in saved.headers["Location"]
    key = saved.headers["Location"]
    # ...is found again on the first.
    found = browser.get(f"{one}{key}" if key.startswith("/") else key.replace(other, one),
                        timeout=30)  # fmt: skip
    assert found.status_code == 200 and 'value="佐藤"' in found.text


def test_a_sign_in_pause_started_on_one_server_holds_on_the_other(
    servers: tuple[str, str],
) -> None:
    one, other = servers
    for _ in range(5):
        assert _sign_in(requests.Session(), one, "planner", "wrong") == 200
    # The right password on the other server is refused: the pause is in the database.
    assert _sign_in(requests.Session(), other, "planner", "demo") == 429
