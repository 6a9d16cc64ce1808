"""Register list and search timings at a small and a large register, in one run.

    python bench/register_list.py [--small 2000] [--large 200000] [--rounds 5] [--write]

Each size gets its own SQLite database, built by the migrations and `roster demo` in a child
process whose peak RSS is recorded. Requests go through the whole app in-process (routing,
access rule, query, template, audit write and commit): the figure is server time per request.
Sizes are measured in alternating rounds so machine noise falls on both alike; the result is
the median per scenario and the ratio large / small. --write replaces docs/performance.md.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sections import DOC, build_demo, database_name, sizes_parser, write_section  # noqa: E402

from roster import create_app  # noqa: E402
from roster.extensions import db  # noqa: E402

NOTES = """## Reading the figures

- Every page is a bounded amount of work. A page's people come from an index walk that stops
  at the page; what would grow with the register is counting and sorting everyone who matches,
  and each of those is bounded:
  - The list's total, when it is filtered by nothing but status and district (the first page,
    a district, page 20, a sort), is added up from counters kept per district, status, score
    and plan state (`priority_counts`, `roster/priority/stored.py`), refreshed in the
    transaction of every change; a partner's from counters per district, status, consent
    state and scope (`sharing_counts`) under the access rule's own condition. Other filters
    count the matching index entries (`count(*)`, which PostgreSQL answers from the index).
  - A search is read rank by rank (`roster/registrants/ranked.py`): the register number, then
    keys matched whole and the family name alone, then the starts, then the parts, each key
    asked on its own for the first rows of the page in the list's order (an index on the key,
    the status and the reading hands over a whole match in reading order, so 佐藤 at a million
    reads a page, not 35,000 people); a rank is read only when the ranks before it leave room.
    A search counts to 1,000 (`SEARCH_COUNT_CAP`), each key read to that at most, and then asks
    to narrow the search; the parts of the keys (two-character pieces) are looked at only when
    the whole keys and their starts are fewer than 1,000.
- The plan queue walks an index on each person's stored score (`in_queue`, score, ID) and its
  coverage table adds up the same counters: neither scores anyone per request. A test holds the
  stored score to the reference computation after every kind of change.
- Counts and pages come from composite indexes that carry the status, consent state and
  reading (see `roster/models/registrants.py`); the partner rule reads a cached scope bitmask
  instead of probing the consent history per person. `roster demo` refreshes the planner's
  statistics (ANALYZE, and on PostgreSQL VACUUM ANALYZE); run `roster db analyze` after other
  bulk loads.
- PostgreSQL's figures, at 200,000 and 1,000,000, are in their own sections below
  (`--database-url`)."""

PG_NOTES = """Each size is its own PostgreSQL database on the same server, loaded by `roster demo`
(which ends with VACUUM ANALYZE); requests go through the whole app in-process, as for SQLite
above, and the same notes apply."""

REQUESTS_PER_ROUND = 6
TARGET_RATIO = 2.0


def scenarios(app: Any) -> dict[str, tuple[str, str]]:
    """name -> (user, path). Searches are stored first, as the search box does."""
    return {
        "list, first page": ("staff", "/registrants/"),
        "list, page 20": ("staff", "/registrants/?page=20"),
        "filter: district": ("staff", "/registrants/?district=5"),
        "filter: need + consent": ("staff", "/registrants/?need=wheelchair&consent=consented"),
        "search: full name": ("staff", f"search:{full_name(app)}"),
        "search: common family name": ("staff", "search:佐藤"),
        "search: kana": ("staff", "search:さとう"),
        "search: address": ("staff", "search:田無町2"),
        "sort: date of birth, desc": ("staff", "/registrants/?sort=birth_date&dir=desc"),
        "partner portal": ("partner", "/portal/"),
        "plan queue, first page": ("staff", "/priority/"),
        "plan coverage": ("staff", "/priority/coverage"),
        "API, 100 per page": ("staff", "/api/v1/registrants?per_page=100"),
    }


def full_name(app: Any) -> str:
    """The name of a person in the middle of the register, to search for as staff do."""
    from sqlalchemy import func, select

    from roster.models import Registrant

    with app.app_context():
        middle = (db.session.scalar(select(func.count(Registrant.id))) or 1) // 2
        name = db.session.scalar(select(Registrant.name).order_by(Registrant.id).offset(middle))
    return str(name)


def signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "demo"})
    assert response.status_code == 302, f"login {username} failed"
    return client


def resolve(client: Any, path: str) -> str:
    if not path.startswith("search:"):
        return path
    response = client.post("/registrants/", data={"q": path.removeprefix("search:")})
    return str(response.headers["Location"])


def measure_round(url: str, timings: dict[str, list[float]]) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    clients = {u: signed_in(app, u) for u in ("staff", "partner")}
    for name, (user, path) in scenarios(app).items():
        client = clients[user]
        target = resolve(client, path)
        client.get(target)  # warm the page cache for this query
        for _ in range(REQUESTS_PER_ROUND):
            started = time.perf_counter()
            response = client.get(target)
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 200, (name, response.status_code)
    db.session.remove()
    if db.engine is not None:
        db.engine.dispose()


def report(
    sizes: tuple[int, int],
    loads: dict[int, tuple[float, int]],
    results: dict[int, dict[str, list[float]]],
    rounds: int,
    database: str = "SQLite",
) -> str:
    small, large = sizes
    lines = [
        "# Performance"
        if database == "SQLite"
        else f"## {database}: register and plan pages, {small:,} against {large:,}",
        "",
        f"Measured {date.today().isoformat()} by `bench/register_list.py` on {platform.machine()}"
        f", {os.cpu_count()} cores, Python {platform.python_version()}, {database}.",
        f"Server time per request through the whole app (access rule, query, template, audit "
        f"write), median of {rounds} alternating rounds × {REQUESTS_PER_ROUND} requests.",
        f"Target: the {large:,}-registrant case within {TARGET_RATIO:g}× the {small:,} case.",
        "",
        f"| scenario | {small:,} (ms) | {large:,} (ms) | ratio | within {TARGET_RATIO:g}× |",
        "|---|---:|---:|---:|:---:|",
    ]
    for name in results[small]:
        a = statistics.median(results[small][name]) * 1000
        b = statistics.median(results[large][name]) * 1000
        ok = "yes" if b / a <= TARGET_RATIO else "**no**"
        lines.append(f"| {name} | {a:.1f} | {b:.1f} | {b / a:.2f} | {ok} |")
    if loads:  # reused databases were not loaded
        lines += [
            "",
            "Loading the demo (`roster demo`, a child process; peak RSS from the kernel):",
            "",
            "| registrants | load time (s) | peak RSS (MB) | target |",
            "|---:|---:|---:|---|",
        ]
    else:
        lines += ["", "The databases were loaded before this run (`--reuse`); see *Loading the "
                  "demo* below for load times."]  # fmt: skip
    for size, (seconds, rss_kb) in loads.items():
        target = "under 1,024 MB" + (" and 60 s" if size == 200_000 else "")
        lines.append(f"| {size:,} | {seconds:.1f} | {rss_kb / 1024:.0f} | {target} |")
    lines += ["", NOTES, "", "Re-run: `make bench` (or the command above with `--write`).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = sizes_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    sizes = (args.small, args.large)
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        built = {s: build_demo(s, workdir, args.database_url, args.reuse) for s in sizes}
        results: dict[int, dict[str, list[float]]] = {s: defaultdict(list) for s in sizes}
        for _ in range(args.rounds):
            for size in sizes:
                measure_round(built[size][0], results[size])
        database = database_name(built[sizes[0]][0])
        loads = {s: built[s][1:] for s in sizes if built[s][1]}
        text = report(sizes, loads, results, args.rounds, database)
    print(text)
    if args.write and database != "SQLite":
        write_section(text.splitlines()[0], text.replace(NOTES, PG_NOTES))
    elif args.write:
        # The register-list part is the head of the file, up to the first section another
        # benchmark writes; those sections are kept.
        current = DOC.read_text() if DOC.exists() else ""
        start = current.find("\n## Eligibility import")
        DOC.write_text(text.rstrip("\n") + "\n" + (current[start:] if start >= 0 else ""))


if __name__ == "__main__":
    main()
