"""Safety confirmation at a small and a large register, in one run.

    python bench/safety_pages.py [--small 2000] [--large 200000] [--rounds 5] [--write]

For each size a demo database is built (bench/sections.py's build_demo: migrations and
`roster demo` in a child process). Then an operation is started over whole districts, the
partner's first, until it holds a quarter of the register (50,000 people at 200,000), and two
reports per person of it are written in bulk (100,000 at 200,000), a third of them still
unconfirmed or unreachable. Requests go through the whole app in-process: the staff board, its
30-second refresh, the partner's phone page and the API list of the partner's people. Sizes
alternate round by round; the figure is the median, the ratio large / small.
--write replaces the "## Safety confirmation" section of docs/performance.md.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from register_list import signed_in  # noqa: E402 - beside this script
from sections import build_demo, sizes_parser, write_for_database  # noqa: E402

from roster import create_app  # noqa: E402
from roster.extensions import db  # noqa: E402

HEADING = "## Safety confirmation"
REQUESTS_PER_ROUND = 6
TARGET_RATIO = 2.0
NOTES = """Reading the figures:

- The operation grows with the register (533 people at 2,000, about 52,000 at 200,000, a
  hundred times more) while the pages stay under a second. The API and the phone page read one
  page of the partner's people (30 cards, the unconfirmed first, ordered and counted in SQL);
  the phone page's remaining growth is its two counts (people, confirmed) over the partner's
  share of the operation, a few thousand people at 200,000.
- The staff board counts every person of the operation by district and by organisation, from
  each person's latest report (one index seek per person), and lists the band A people not
  reached: its work is proportional to the operation, not to the page. Flat boards for
  operations of 50,000 people need counts kept as reports arrive (a running tally per
  operation, district and status), which is not built; at 200,000 registrants the board
  answers in about 0.7 s and its 30-second refresh in about 0.55 s."""
#: The operation's share of the register, and reports per person in it.
SHARE = 0.25
REPORTS_PER_PERSON = 2


def app_for(url: str) -> Any:
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})


def set_up(url: str) -> tuple[int, int, int]:
    """Start the operation and write its reports: (operation id, people, reports)."""
    app = app_for(url)
    with app.app_context():
        operation, people = _start(db.session)
        reports = _write_reports(db.session, operation, people)
        db.session.commit()
        found = (operation.id, len(people), reports)
    db.engine.dispose()
    return found


def _start(session: Any) -> tuple[Any, list[int]]:
    from sqlalchemy import func, select

    from roster.models import District, Registrant, RegistrantStatus, User
    from roster.safety.operations import OperationPlan, start_operation
    from roster.viewer import viewer_of

    staff = session.scalar(select(User).where(User.username == "staff"))
    partner = session.scalar(select(User).where(User.username == "partner"))
    own = {d.id for d in partner.organisation.districts}
    sizes = dict(
        session.execute(
            select(Registrant.district_id, func.count())
            .where(Registrant.status == RegistrantStatus.ACTIVE)
            .group_by(Registrant.district_id)
        ).all()
    )
    wanted = SHARE * sum(sizes.values())
    chosen: list[int] = []
    for district_id in sorted(sizes, key=lambda d: (d not in own, d)):
        if sum(sizes[d] for d in chosen) >= wanted:
            break
        chosen.append(district_id)
    districts = list(session.scalars(select(District).where(District.id.in_(chosen))))
    plan = OperationPlan(name="ベンチマーク", disaster="ベンチマーク", districts=districts)
    operation = start_operation(session, viewer_of(staff, session), plan)
    people = list(
        session.scalars(
            select(Registrant.id).where(
                Registrant.district_id.in_(chosen), Registrant.status == RegistrantStatus.ACTIVE
            )
        )
    )
    return operation, people


def _write_reports(session: Any, operation: Any, people: list[int]) -> int:
    from sqlalchemy import insert, select

    from roster.models import ReportMethod, SafetyReport, SafetyStatus, User

    staff_id = session.scalar(select(User.id).where(User.username == "staff"))
    pick = random.Random(1)
    statuses = [s for s in SafetyStatus if s is not SafetyStatus.DECEASED]
    start = operation.started_at
    rows = [
        {
            "operation_id": operation.id,
            "registrant_id": person,
            "status": pick.choice(statuses),
            "method": ReportMethod.PHONE,
            "note": "",
            "reported_by_id": staff_id,
            "reported_at": start + timedelta(minutes=pick.randrange(600)),
        }
        for _ in range(REPORTS_PER_PERSON)
        for person in people
    ]
    for i in range(0, len(rows), 10_000):
        session.execute(insert(SafetyReport), rows[i : i + 10_000])
    return len(rows)


def scenarios(operation_id: int) -> dict[str, tuple[str, str]]:
    return {
        "staff board": ("staff", f"/safety/{operation_id}"),
        "staff board, 30 s refresh": ("staff", f"/safety/{operation_id}/board.json"),
        "partner phone page": ("partner", f"/portal/safety/{operation_id}"),
        "API, partner's people": (
            "partner",
            f"/api/v1/safety/operations/{operation_id}/people?per_page=100",
        ),
    }


def measure_round(url: str, operation_id: int, timings: dict[str, list[float]]) -> None:
    app = app_for(url)
    clients = {u: signed_in(app, u) for u in ("staff", "partner")}
    for name, (user, path) in scenarios(operation_id).items():
        client = clients[user]
        client.get(path)  # warm the page cache for this query
        for _ in range(REQUESTS_PER_ROUND):
            started = time.perf_counter()
            response = client.get(path)
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 200, (name, response.status_code)
    db.session.remove()
    if db.engine is not None:
        db.engine.dispose()


def report(
    sizes: tuple[int, int],
    made: dict[int, tuple[int, int, int]],
    results: dict[int, dict[str, list[float]]],
    rounds: int,
) -> str:
    small, large = sizes
    lines = [
        HEADING,
        "",
        f"Measured {date.today().isoformat()} by `bench/safety_pages.py` on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite. An operation over {made[large][1]:,} people with {made[large][2]:,} reports "
        f"at {large:,} registrants, against {made[small][1]:,} people and "
        f"{made[small][2]:,} reports at {small:,}; median of {rounds} alternating rounds × "
        f"{REQUESTS_PER_ROUND} requests through the whole app.",
        "",
        f"| scenario | {small:,} (ms) | {large:,} (ms) | ratio | within {TARGET_RATIO:g}× |",
        "|---|---:|---:|---:|:---:|",
    ]
    for name in results[small]:
        a = statistics.median(results[small][name]) * 1000
        b = statistics.median(results[large][name]) * 1000
        ok = "yes" if b / a <= TARGET_RATIO else "**no**"
        lines.append(f"| {name} | {a:.1f} | {b:.1f} | {b / a:.2f} | {ok} |")
    lines += ["", NOTES, "", "Re-run: `python bench/safety_pages.py --write`.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = sizes_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    sizes = (args.small, args.large)
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        urls = {s: build_demo(s, workdir, args.database_url, args.reuse)[0] for s in sizes}
        made = {size: set_up(urls[size]) for size in sizes}
        results: dict[int, dict[str, list[float]]] = {s: defaultdict(list) for s in sizes}
        for _ in range(args.rounds):
            for size in sizes:
                measure_round(urls[size], made[size][0], results[size])
        text = report(sizes, made, results, args.rounds)
    print(text)
    if args.write:
        write_for_database(urls[sizes[0]], HEADING, text)


if __name__ == "__main__":
    main()
