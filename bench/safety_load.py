"""Partners reporting at once: 50 clients posting safety reports to gunicorn on PostgreSQL.

    python bench/safety_load.py --pg URL [--clients 50] [--seconds 60] [--write]

A fresh demo is loaded into the database of --pg (default $ROSTER_LOAD_DATABASE_URL; its
public schema is dropped and made again: give it a database of its own), an operation is
started over the demo partner's districts and an API token is issued to the partner. gunicorn
serves the app as `make run` does while --clients threads post reports for --seconds through
POST /api/v1/safety/operations/<id>/reports, each with a new client ID; one post in ten
resends an ID the client already had acknowledged, as a phone does after a lost answer.

Afterwards every acknowledged report must be in the database exactly once: no acknowledged
report lost, none stored twice, no resend stored at all. The target is no error at all.
--write replaces the "## Safety reports under load" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from load import free_port, gunicorn, prepare  # noqa: E402 - beside this script
from sections import write_section  # noqa: E402

HEADING = "## Safety reports under load"
STATUSES = ("safe_home", "evacuated", "needs_help", "unreachable", "injured")
METHODS = ("visit", "phone", "self_or_family")
RESEND_EVERY = 10


@dataclass
class Tally:
    """What the clients saw, shared by the threads (under the lock)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    created: list[str] = field(default_factory=list)  #: client IDs answered 201
    resent: int = 0  #: resends answered 200
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


def start_operation(env: dict[str, str]) -> int:
    """An operation over the demo partner's districts, started as staff: its ID."""
    code = (
        "from roster import create_app\n"
        "from roster.extensions import db\n"
        "from roster.models import User\n"
        "from roster.safety.operations import OperationPlan, start_operation\n"
        "from roster.viewer import viewer_of\n"
        "from sqlalchemy import select\n"
        "with create_app().app_context():\n"
        "    s = db.session\n"
        "    staff = s.scalar(select(User).where(User.username == 'staff'))\n"
        "    partner = s.scalar(select(User).where(User.username == 'partner'))\n"
        "    plan = OperationPlan(name='負荷試験', disaster='負荷試験',\n"
        "                         districts=list(partner.organisation.districts))\n"
        "    op = start_operation(s, viewer_of(staff, s), plan)\n"
        "    s.commit()\n"
        "    print(op.id)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return int(done.stdout.strip().splitlines()[-1])


def call(
    host: str, token: str, method: str, path: str, body: dict | None = None
) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - loopback only
        host + path, data=data, method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read()[:200].decode(errors="replace")}


def partner_people(host: str, token: str, operation: int) -> list[int]:
    ids: list[int] = []
    page = 1
    while True:
        status, body = call(host, token, "GET",
                            f"/api/v1/safety/operations/{operation}/people?page={page}&per_page=500")
        if status != 200:
            raise SystemExit(f"listing the partner's people answered {status}: {body}")
        ids += [item["id"] for item in body["items"]]
        if page >= body["pages"]:
            return ids
        page += 1


def client(host: str, token: str, operation: int, people: list[int], until: float,
           tally: Tally, seed: int) -> None:
    pick = random.Random(seed)
    mine: list[tuple[str, int]] = []
    path = f"/api/v1/safety/operations/{operation}/reports"
    n = 0
    while time.monotonic() < until:
        n += 1
        if mine and n % RESEND_EVERY == 0:
            client_id, person = pick.choice(mine)
            expected = 200
        else:
            client_id, person, expected = str(uuid.uuid4()), pick.choice(people), 201
        body = {"registrant_id": person, "status": pick.choice(STATUSES),
                "method": pick.choice(METHODS), "note": "", "client_id": client_id}
        if body["status"] == "evacuated":
            body["evacuated_to"] = "relatives"
        started = time.perf_counter()
        status, answer = call(host, token, "POST", path, body)
        elapsed = time.perf_counter() - started
        with tally.lock:
            tally.latencies.append(elapsed)
            if status != expected:
                tally.errors.append(f"{status} (expected {expected}): {answer}")
            elif status == 201:
                tally.created.append(client_id)
                mine.append((client_id, person))
            else:
                tally.resent += 1


def stored(env: dict[str, str], operation: int) -> dict[str, int]:
    """client ID -> rows stored under it in the operation."""
    code = (
        "import json\n"
        "from roster import create_app\n"
        "from roster.extensions import db\n"
        "from roster.models import SafetyReport\n"
        "from sqlalchemy import func, select\n"
        "with create_app().app_context():\n"
        "    r = SafetyReport\n"
        f"    q = select(r.client_id, func.count()).where(r.operation_id == {operation})\n"
        "    q = q.where(r.client_id.is_not(None)).group_by(r.client_id)\n"
        "    print(json.dumps(dict(db.session.execute(q).all())))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def check(tally: Tally, rows: dict[str, int]) -> list[str]:
    """What went wrong with what was stored, if anything."""
    problems = []
    lost = [c for c in tally.created if c not in rows]
    doubled = [c for c, n in rows.items() if n != 1]
    unknown = set(rows) - set(tally.created)
    if lost:
        problems.append(f"{len(lost)} acknowledged reports are not stored")
    if doubled:
        problems.append(f"{len(doubled)} client IDs are stored more than once")
    if unknown:
        problems.append(f"{len(unknown)} stored reports were never acknowledged")
    return problems


def section(args: argparse.Namespace, tally: Tally, people: int, problems: list[str]) -> str:
    ms = sorted(x * 1000 for x in tally.latencies)
    p95 = ms[int(len(ms) * 0.95) - 1] if ms else 0.0
    total = len(tally.latencies)
    return "\n".join([
        HEADING, "",
        f"Measured {date.today().isoformat()} by `bench/safety_load.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores (which also run the clients): gunicorn as `make run` serves it, "
        f"on PostgreSQL, {args.clients} partner clients posting reports by API token for "
        f"{args.seconds} s on one operation of {people:,} people; one post in {RESEND_EVERY} "
        "resends a client ID already acknowledged.", "",
        "| posts | per second | created (201) | resends (200) | errors | p50 (ms) | p95 (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {total:,} | {total / args.seconds:.0f} | {len(tally.created):,} | {tally.resent:,} "
        f"| {len(tally.errors)} | {statistics.median(ms) if ms else 0:.0f} | {p95:.0f} |", "",
        "Stored afterwards: " + ("every acknowledged report exactly once, no resend stored."
                                 if not problems else "; ".join(problems) + "."),
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", "--pg", dest="pg", default=os.environ.get("ROSTER_LOAD_DATABASE_URL", "")
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if not args.pg.startswith("postgresql"):
        raise SystemExit("give a PostgreSQL database of its own with --pg")
    env = {**os.environ, "ROSTER_DATABASE_URL": args.pg, "ROSTER_SECRET_KEY": "load"}
    token = prepare(args.pg, env)
    operation = start_operation(env)
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="roster-load-") as tmp, \
            gunicorn(env, args.workers, free_port(), Path(tmp)) as host:
        people = partner_people(host, token, operation)
        until = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client, args=(host, token, operation, people, until,
                                                         tally, i)) for i in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    problems = check(tally, stored(env, operation))
    text = section(args, tally, len(people), problems)
    print(text)
    for error in tally.errors[:10]:
        print("error:", error)
    if args.write:
        write_section(HEADING, text)
    if problems or tally.errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
