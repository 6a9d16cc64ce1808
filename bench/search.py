"""Search timings the way calls come in, at a small and a large register, in one run.

    python bench/search.py [--small 2000] [--large 200000] [--rounds 5] [--write]

Each size gets its own SQLite demo database (built as bench/register_list.py builds them).
Each search is typed as staff type it (POST, then the list page behind the key); the figure
is the server time of the list page through the whole app. The terms come from one person
in the middle of each register, so both sizes search for the same kind of thing: a phone
number in another form than stored, a given name alone, a part of the name, a part of the
reading and a part of the address. --write replaces the search section of
docs/performance.md.
"""

from __future__ import annotations

import os
import platform
import re
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

from register_list import signed_in  # noqa: E402 - bench/register_list.py, beside this
from sections import (  # noqa: E402 - bench/sections.py, beside this script
    build_demo,
    database_name,
    sizes_parser,
    write_for_database,
)

from roster import create_app  # noqa: E402
from roster.extensions import db  # noqa: E402

HEADING = "## Search"
REQUESTS_PER_ROUND = 6
TARGET_RATIO = 2.0
WIDE = str.maketrans("0123456789-", "０１２３４５６７８９－")


def terms(app: Any) -> dict[str, str]:
    """scenario -> what staff type, from the person in the middle of the register."""
    from sqlalchemy import func, select

    from roster.models import Registrant

    with app.app_context():
        middle = (db.session.scalar(select(func.count(Registrant.id))) or 1) // 2
        person = db.session.scalars(
            select(Registrant)
            .where(Registrant.phone.is_not(None))
            .order_by(Registrant.id)
            .offset(middle // 2)
        ).first()
        assert person is not None
        family, given = person.name.split(maxsplit=1)
        town = re.sub(r"[0-9-]+$", "", person.address_key)
        return {
            "full name": person.name,
            "common family name (佐藤)": "佐藤",
            "phone, digits only": person.phone_key,
            "phone, full-width with dashes": (person.phone or "").translate(WIDE),
            "given name alone": given,
            "part of the name": (family[-1] + given[:1]),
            "part of the reading": person.kana_key[2:5],
            "part of the address": town[1:],
        }


def measure_round(url: str, timings: dict[str, list[float]], counts: dict[str, str]) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    client = signed_in(app, "staff")
    for name, q in terms(app).items():
        target = str(client.post("/registrants/", data={"q": q}).headers["Location"])
        page = client.get(target)  # warm the page cache for this query
        counts[name] = count_shown(page.get_data(as_text=True))
        for _ in range(REQUESTS_PER_ROUND):
            started = time.perf_counter()
            response = client.get(target)
            timings[name].append(time.perf_counter() - started)
            assert response.status_code == 200, (name, response.status_code)
    db.session.remove()
    if db.engine is not None:
        db.engine.dispose()


def count_shown(html: str) -> str:
    """How many people the page says match ("1,000+" when it stopped counting)."""
    found = re.search(r'class="count">([^<]*)<', html)
    if not found:
        return "?"
    number = re.search(r"[\d,]+", found.group(1))
    capped = "超" in found.group(1) or "More than" in found.group(1)
    return (number.group(0) if number else "?") + ("+" if capped else "")


NOTES = """How the search is answered (`roster/registrants/search_keys.py` and `ranked.py`):

- Whole and prefix matches read an index each: the name, the given name alone
  (`given_key`), the family name alone and its reading (indexes on the expression), the
  reading and the given name's reading, the address after the municipality, the phone and
  mobile numbers as digits (`phone_key`, `mobile_key`) and the resident ID, each indexed with
  the status and the reading (on PostgreSQL with the ID as well, so no table row is read
  before the page). A typed number (digits with any dashes, brackets or spaces, in either
  width) searches only the phones and the resident ID. A number without its area code (six
  digits or more, not starting with 0: 461-3333, as callers often give it) is matched at the
  end of the stored numbers, which reads the phone indexes whole: the one number search that
  grows with the register (not timed here).
- A part of a name, reading or address is found through its two-character pieces: the
  table `registrant_grams` holds the bigrams of each person's name, reading and address keys
  (runs of digits left out; about 12 rows per person), kept by the same session hooks that
  keep the change history. Up to three pieces of the search are looked up and intersected,
  and the candidates are confirmed on the keys the viewer may see. So no search reads the
  whole register, except a single character, which has no piece and reads the keys. The
  same table serves PostgreSQL: it answers from a b-tree index on both databases, within 2×
  here, and needs no extension (`pg_trgm` must be created by a superuser, which a managed
  database does not always allow).
- The demo draws names from fixed lists, so a given name shared by 12 people at 2,000 is
  shared by about 600 at 200,000, and 佐藤 by 68 and about 7,000. The page is read rank by rank
  (whole matches, the family name alone included, then starts, then parts), each key asked
  for the first rows of the page in reading order, so a common name reads a page of its
  index, not every match; the count reads each key to 1,000 (`SEARCH_COUNT_CAP`) at most and
  then asks staff to narrow the search. A phone number, as a call gives it, matches one
  person at any size. What still grows is a search found only through its parts (a piece of
  a town's name: everyone in that town), whose candidates are counted to the cap and sorted.
- The register-list table at the top of this file times the same searches among its other
  pages."""


def report(
    sizes: tuple[int, int],
    results: dict[int, dict[str, list[float]]],
    counts: dict[int, dict[str, str]],
    rounds: int,
    database: str = "SQLite",
) -> str:
    small, large = sizes
    lines = [
        HEADING,
        "",
        f"Measured {date.today().isoformat()} by `bench/search.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {database}. Server time "
        f"of the list page behind a search, median of {rounds} alternating rounds × "
        f"{REQUESTS_PER_ROUND} requests; the terms come from a person in the middle of each "
        f"demo register. Target: {large:,} within {TARGET_RATIO:g}× of {small:,}.",
        "",
        f"| search | {small:,} (ms) | {large:,} (ms) | ratio | within {TARGET_RATIO:g}× "
        f"| found at {small:,} | found at {large:,} |",
        "|---|---:|---:|---:|:---:|---:|---:|",
    ]
    for name in results[small]:
        a = statistics.median(results[small][name]) * 1000
        b = statistics.median(results[large][name]) * 1000
        ok = "yes" if b / a <= TARGET_RATIO else "**no**"
        lines.append(
            f"| {name} | {a:.1f} | {b:.1f} | {b / a:.2f} | {ok} "
            f"| {counts[small][name]} | {counts[large][name]} |"
        )
    lines += ["", NOTES, "", "Re-run: `.venv/bin/python bench/search.py --write`.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = sizes_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    sizes = (args.small, args.large)
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        urls = {s: build_demo(s, workdir, args.database_url, args.reuse)[0] for s in sizes}
        results: dict[int, dict[str, list[float]]] = {s: defaultdict(list) for s in sizes}
        counts: dict[int, dict[str, str]] = {s: {} for s in sizes}
        for _ in range(args.rounds):
            for size in sizes:
                measure_round(urls[size], results[size], counts[size])
        text = report(sizes, results, counts, args.rounds, database_name(urls[sizes[0]]))
    print(text)
    if args.write:
        write_for_database(urls[sizes[0]], HEADING, text, size=sizes[1])


if __name__ == "__main__":
    main()
