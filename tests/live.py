"""A demo served in its own process, as `make run` does, for the browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .test_browser import ROOT, _free_port


@dataclass(frozen=True)
class LiveDemo:
    url: str
    database: Path
    #: What the `prepare` script printed (e.g. the IDs of what it made).
    prepared: str


@contextmanager
def served_demo(
    folder: Path, *, registrants: int = 400, seed: int = 7, prepare: str | None = None
) -> Iterator[LiveDemo]:
    """A migrated demo of `registrants` people in `folder`, optionally changed by the Python
    script `prepare` (run in the app's environment), served on a free port until the block
    ends."""
    database = folder / "live.db"
    env = dict(os.environ)
    env.pop("ROSTER_TEST_DATABASE_URL", None)
    env["ROSTER_DATABASE_URL"] = f"sqlite:///{database}"
    env["ROSTER_SECRET_KEY"] = "browser-test"
    roster = [sys.executable, "-m", "roster.cli"]
    subprocess.run([*roster, "db", "upgrade"], env=env, check=True, cwd=ROOT)
    subprocess.run([*roster, "demo", "--registrants", str(registrants), "--seed", str(seed)],
                   env=env, check=True, cwd=ROOT, capture_output=True)
    prepared = ""
    if prepare is not None:
        prepared = subprocess.run([sys.executable, "-c", prepare], env=env, check=True,
                                  cwd=ROOT, capture_output=True, text=True).stdout
    port = _free_port()
    proc = subprocess.Popen([*roster, "run", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url)
        yield LiveDemo(url, database, prepared)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _wait_for(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)  # noqa: S310 - local test server
            return
        except OSError:
            time.sleep(0.1)
