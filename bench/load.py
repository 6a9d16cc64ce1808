"""Many users at once: gunicorn on SQLite and on PostgreSQL, driven by locust.

    python bench/load.py [--seconds 60] [--users 20 50] [--pg URL] [--write]

For each database a fresh demo (西東京市, 3,000 fictional registrants) is made: SQLite in a
temporary folder (never instance/), PostgreSQL in the database of --pg (default
$ROSTER_LOAD_DATABASE_URL; without either, SQLite only), whose public schema is dropped and
made again: give it a database of its own. A partner system's API token is issued. Then
gunicorn serves it on 127.0.0.1 as `make run` does (4 workers of 4 threads) while locust
(bench/locustfile.py) runs headless for --seconds with each number of --users: staff
(register list, search by POST, person page, edit with the version check, consent record,
API by session), partners (portal, API by token), planners, and sign-ins throughout. The
largest number of users is run once more against a single worker, to show whether the
audit chain turns every request into a queue. Afterwards the audit chain must verify.

The target is no failed request at all. --write replaces the "## Many users at once"
section of docs/performance.md and keeps every other section.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sections import write_section  # noqa: E402 - bench/sections.py, beside this script

HEADING = "## Many users at once"
BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
#: The PostgreSQL database to load (its public schema is dropped and made again).
PG_URL = os.environ.get("ROSTER_LOAD_DATABASE_URL", "")
REGISTRANTS = 3000
THREADS = 4
WARM_UP = 10


@dataclass(frozen=True)
class Run:
    database: str
    workers: int
    users: int
    requests: int
    failures: int
    per_second: float
    p50: float
    p95: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def roster(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "roster"), *args], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def prepare(url: str, env: dict[str, str]) -> str:
    """A migrated demo database at url; the raw API token of the demo partner."""
    if url.startswith("postgresql"):
        from sqlalchemy import text

        from roster.extensions import make_engine

        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    roster(env, "db", "upgrade")
    roster(env, "demo", "--registrants", str(REGISTRANTS))
    return issue_token(env)


def issue_token(env: dict[str, str]) -> str:
    """A token for the demo partner user, as staff would issue it on the partner's page."""
    code = (
        "from roster import create_app\n"
        "from roster.extensions import db\n"
        "from roster.i18n import local_today\n"
        "from roster.models import User\n"
        "from roster.partners.tokens import issue_token\n"
        "from sqlalchemy import select\n"
        "with create_app().app_context():\n"
        "    s = db.session\n"
        "    user = s.scalar(select(User).where(User.username == 'partner'))\n"
        "    staff = s.scalar(select(User).where(User.username == 'staff'))\n"
        "    _t, raw = issue_token(s, user.organisation, user, 'load', staff, local_today())\n"
        "    s.commit()\n"
        "    print(raw)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1]


@contextmanager
def gunicorn(env: dict[str, str], workers: int, port: int, logs: Path) -> Iterator[str]:
    """The `make run` server with this many workers, until the block ends."""
    command = [
        str(BIN / "gunicorn"), "--workers", str(workers), "--threads", str(THREADS),
        "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--keep-alive", "0",
        "--control-socket", str(logs / f"gunicorn-{port}.ctl"), "roster.wsgi:app",
    ]
    with open(logs / f"gunicorn-{port}.log", "w") as log:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)
        try:
            host = f"http://127.0.0.1:{port}"
            wait_for(host + "/healthz", server)
            yield host
        finally:
            server.terminate()
            server.wait(timeout=60)


def wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 60 s")


def swarm(host: str, users: int, seconds: int, env: dict[str, str], prefix: Path) -> dict[str, str]:
    """Run locust headless; the aggregated row of its statistics (failures and each step's
    figures are printed)."""
    subprocess.run(
        [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", host,
            "--csv", str(prefix), "--only-summary", "--stop-timeout", "30",
        ],
        env=env, check=False, capture_output=True,
    )
    with open(f"{prefix}_stats.csv", newline="") as fh:
        rows = {row["Name"]: row for row in csv.DictReader(fh)}
    failures = Path(f"{prefix}_failures.csv").read_text().strip().splitlines()[1:]
    for line in failures:
        print("  failure:", line, file=sys.stderr)
    for name, row in rows.items():
        print(f"  {name:24} {row['Request Count']:>6} {row['50%']:>6} {row['95%']:>6}",
              file=sys.stderr)
    return rows["Aggregated"]


def warm_up(host: str, users: int, env: dict[str, str], prefix: Path) -> None:
    """Every worker up and through its first requests before the clock starts; whatever is
    cut off when the warm-up stops is not counted."""
    subprocess.run(
        [
            sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
            "-u", str(users), "-r", str(users), "-t", f"{WARM_UP}s", "--host", host,
            "--csv", str(prefix), "--only-summary", "--stop-timeout", "30",
        ],
        env=env, check=False, capture_output=True,
    )


def measure(
    database: str, url: str, args: argparse.Namespace, workdir: Path
) -> list[Run]:
    env = {
        **os.environ,
        "ROSTER_DATABASE_URL": url,
        "ROSTER_SECRET_KEY": secrets.token_urlsafe(32),
        "ROSTER_AUDIT_KEY": secrets.token_urlsafe(32),
        "ROSTER_DEMO_PASSWORD": "demo",
        "ROSTER_LOAD_PEOPLE": str(REGISTRANTS),
    }
    print(f"{database}: loading the demo", file=sys.stderr)
    env["ROSTER_LOAD_TOKEN"] = prepare(url, env)
    plan = [(4, users) for users in args.users] + [(1, max(args.users))]
    runs = []
    for workers, users in plan:
        print(f"{database}: {users} users, {workers} worker(s)", file=sys.stderr)
        with gunicorn(env, workers, free_port(), workdir) as host:
            # Every worker up and through its first requests before the clock starts.
            warm_up(host, users, env, workdir / "warm-up")
            row = swarm(host, users, args.seconds, env, workdir / f"{database}-{workers}-{users}")
        runs.append(
            Run(database, workers, users, int(row["Request Count"]), int(row["Failure Count"]),
                float(row["Requests/s"]), float(row["50%"]), float(row["95%"]))
        )
        print(f"  {runs[-1]}", file=sys.stderr)
    print(roster(env, "verify-audit").strip(), file=sys.stderr)
    return runs


def section(runs: list[Run], seconds: int) -> str:
    lines = [
        HEADING,
        "",
        f"`make load` (bench/load.py), {date.today().isoformat()}, Python "
        f"{platform.python_version()}, on a machine with **two cores** shared with other work, "
        "which also runs locust itself: the figures are a floor, not a capacity.",
        "",
        f"gunicorn on 127.0.0.1 as `make run` serves ({THREADS} threads per worker), the demo "
        f"with {REGISTRANTS:,} fictional registrants, {seconds} s per line. Users mix staff "
        "(register list, search by POST, person page, edit with the version check, consent "
        "record, API by session), partners (portal, API by token) and planners, 6 : 3 : 1, "
        "each pausing 0.5–1.5 s between steps and signing in again about once in 40 steps "
        "(a sign-in is an argon2id hash of 64 MiB, about 0.6 s of CPU here). Every page "
        "that shows people writes its audit event. A 409 on an edit (someone saved first) is "
        "counted as an answer; anything else but success is a failure. The target is none. "
        "With about a second's pause per step, n users ask for at most about n requests/s: "
        "the server keeps up while requests/s stays near the number of users.",
        "",
        "| database | workers | users | requests | failed | requests/s | p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.database} | {r.workers} | {r.users} | {r.requests:,} | {r.failures} | "
            f"{r.per_second:.1f} | {r.p50:.0f} | {r.p95:.0f} |"
        )
    lines += ["", *scaling(runs), "", CPU_BOUND, ""]
    return "\n".join(lines)


#: What the 4-against-1 comparison can show on a small machine.
CPU_BOUND = (
    "On two cores the server is bound by the CPU at 50 users (each sign-in's hash takes about "
    "0.6 s of it), so four workers cannot answer four times as much here, and on a machine "
    "shared with other work they may answer no more than one. What the comparison must show "
    "is that they are not held back by one another: the audit chain does not make a queue "
    "of the requests, as each holds the write lock (SQLite) or the audit head's row "
    "(PostgreSQL) only from its audit event to its commit, never while it reads or renders. "
    "With more cores the workers have room to scale."
)


def scaling(runs: list[Run]) -> list[str]:
    """One sentence per database: the throughput of 4 workers against 1, same users."""
    said = []
    for database in dict.fromkeys(r.database for r in runs):
        ones = [r for r in runs if r.database == database and r.workers == 1]
        if not ones:
            continue
        one = ones[0]
        four = next(r for r in runs if r.database == database and r.workers == 4
                    and r.users == one.users)
        said.append(
            f"{database}, {one.users} users: 4 workers answered {four.per_second:.1f} "
            f"requests/s, 1 worker {one.per_second:.1f} ({four.per_second / one.per_second:.2f}×; "
            f"p95 {four.p95:.0f} against {one.p95:.0f} ms)."
        )
    return said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--users", type=int, nargs="+", default=[20, 50])
    parser.add_argument(
        "--database-url", "--pg", dest="pg", default=PG_URL,
        help="PostgreSQL URL (its schema is reset)",
    )
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roster-load-") as tmp:
        workdir = Path(tmp)
        runs = measure("SQLite", f"sqlite:///{workdir / 'roster.db'}", args, workdir)
        if args.pg:
            runs += measure("PostgreSQL", args.pg, args, workdir)
    text = section(runs, args.seconds)
    print(text)
    if args.write:
        write_section(HEADING, text)
    if any(r.failures for r in runs):
        raise SystemExit("some requests failed")


if __name__ == "__main__":
    main()
