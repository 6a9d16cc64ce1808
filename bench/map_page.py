"""The staff map frame for a large register: document size and server time, against the same
map with no people in the same run.

    python bench/map_page.py [--registrants 100000] [--rounds 5] [--db PATH] [--write]

A temporary SQLite database is built by the migrations and `roster demo` (西東京市, its real
shelters, fictional people), then the synthetic flood and landslide layers are imported with
`roster import-hazard` (flags and assignments computed). --db reuses such a database.

Each round requests, in alternating order so machine noise falls on both alike:
- the staff map frame (/maps/frame) through the whole app: login check, the access rule's
  query of every active person's point, the compact point payload, folium's rendering of
  shelters, hazard layers and district outlines, the inline-script hashes for the CSP, and
  the audit write and commit;
- the planner's frame (pseudonymous points, coarse, shuffled, made-up IDs);
- the baseline: the same folium map with no people (shelters, hazard layers, districts),
  rendered in-process.
The result is the median per step, the ratio frame / baseline, and the document sizes
(targets: at most 3 MB and 1 s for the staff frame). --write replaces the "## Map page"
section of docs/performance.md and keeps every other section.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sections import write_section  # noqa: E402 - bench/sections.py, beside this script

from roster import create_app  # noqa: E402
from roster.extensions import db  # noqa: E402

HEADING = "## Map page"
TARGET_BYTES = 3 * 2**20
TARGET_SECONDS = 1.0


def build(registrants: int, workdir: Path) -> str:
    """A migrated demo database with the synthetic hazard layers; its URL."""
    url = f"sqlite:///{workdir / f'map-{registrants}.db'}"
    env = {**os.environ, "ROSTER_DATABASE_URL": url}
    cli = [sys.executable, "-m", "roster.cli"]
    quiet = {
        "env": env,
        "check": True,
        "cwd": ROOT,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
    }
    subprocess.run([*cli, "db", "upgrade"], **quiet)  # type: ignore[call-overload]
    subprocess.run([*cli, "demo", "--registrants", str(registrants), "--seed", "1"], **quiet)  # type: ignore[call-overload]
    for name in ("flood", "landslide"):
        data = ROOT / "geo" / "data" / f"synthetic_{name}_nishitokyo.geojson"
        subprocess.run([*cli, "import-hazard", str(data), "--kind", name, "--synthetic"], **quiet)  # type: ignore[call-overload]
    return url


def signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "demo"})
    assert response.status_code == 302, f"login {username} failed"
    return client


def baseline(app: Any) -> Callable[[], str]:
    """The frame's map with no people: everything else the view draws, rendered alike."""
    from roster.hazards.names import SHELTER_KIND_NAMES
    from roster.maps.areas import hazard_overlays
    from roster.maps.build import render_map, tiles_from_config
    from roster.maps.districts import bounds, district_cells
    from roster.maps.points import Points
    from roster.maps.shelters import shelter_collections
    from roster.maps.views import frame_texts

    nobody = Points(
        identified=True, lat=np.zeros(0), lon=np.zeros(0), ids=np.zeros(0, dtype=np.int64)
    )

    def render() -> str:
        with app.test_request_context("/maps/frame"):
            rendered = render_map(
                points=nobody,
                shelters=shelter_collections(db.session, "flood", with_load=True),
                shelter_names=SHELTER_KIND_NAMES,
                overlays=hazard_overlays(db.session),
                hazard_kinds={"flood"},
                districts=district_cells(db.session),
                bounds=bounds(db.session, nobody),
                tiles=tiles_from_config(app.config["MAP_TILES"]),
                texts=frame_texts(nobody),
                person_url="/maps/people/",
            )
            db.session.remove()
            return rendered.html

    return render


def timed(step: Callable[[], Any]) -> tuple[float, Any]:
    """The step's time, after a full garbage collection: otherwise a collection that earlier
    steps made due falls on whichever step happens to allocate next (with 100,000 points in
    memory, about 100 ms), and the figures move by a quarter between two runs of the same
    code."""
    gc.collect()
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def measure(url: str, rounds: int) -> tuple[dict[str, list[float]], dict[str, int], int]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    staff, planner = signed_in(app, "staff"), signed_in(app, "planner")

    def frame(client: Any) -> Callable[[], bytes]:
        def get() -> bytes:
            response = client.get("/maps/frame")
            assert response.status_code == 200, response.status_code
            return bytes(response.data)

        return get

    steps: dict[str, Callable[[], Any]] = {
        "staff frame": frame(staff),
        "planner frame": frame(planner),
        "baseline (no people)": baseline(app),
    }
    sizes: dict[str, int] = {}
    for name, step in steps.items():  # warm up, and the sizes
        body = step()
        sizes[name] = len(body if isinstance(body, bytes) else body.encode())
    timings: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for number in range(rounds):
        for name in names if number % 2 == 0 else names[::-1]:
            seconds, _ = timed(steps[name])
            timings[name].append(seconds)
    with app.app_context():
        from sqlalchemy import func, select

        from roster.models import Registrant, RegistrantStatus

        active = (
            db.session.scalar(
                select(func.count(Registrant.id)).where(
                    Registrant.status == RegistrantStatus.ACTIVE
                )
            )
            or 0
        )
        db.session.remove()
    if db.engine is not None:
        db.engine.dispose()
    return timings, sizes, int(active)


def report(
    registrants: int,
    active: int,
    timings: dict[str, list[float]],
    sizes: dict[str, int],
    rounds: int,
) -> str:
    median = {name: statistics.median(values) for name, values in timings.items()}
    base = median["baseline (no people)"]
    staff_ok = sizes["staff frame"] <= TARGET_BYTES and median["staff frame"] <= TARGET_SECONDS
    per_person = (sizes["staff frame"] - sizes["baseline (no people)"]) / max(active, 1)
    lines = [
        HEADING,
        "",
        f"Measured {date.today().isoformat()} by `bench/map_page.py` on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite: the demo with "
        f"{registrants:,} registrants ({active:,} active, all drawn), its 78 real places and "
        "the synthetic flood and landslide layers, tiles as configured. Server time per "
        f"request through the whole app, median of {rounds} alternating rounds, each step "
        "timed after a full garbage collection.",
        f"Target: the staff frame at most {TARGET_BYTES // 2**20} MB and {TARGET_SECONDS:g} s.",
        "",
        "| document | size (MB) | server time (ms) | ratio to the baseline |",
        "|---|---:|---:|---:|",
    ]
    for name in timings:
        lines.append(
            f"| {name} | {sizes[name] / 2**20:.2f} | {median[name] * 1000:.0f} | "
            f"{median[name] / base:.1f}× |"
        )
    lines += [
        "",
        f"Staff frame within target: **{'yes' if staff_ok else 'no'}**.",
        "",
        "The people's points are the only part that grows with the register. They go into the "
        "document as integer rows `[dy, dx, register number]`: offsets from the map's origin "
        "in 1e-5 degree (about 1 m; coordinates rounded to 5 decimals), so a person takes "
        f"{per_person:.1f} bytes instead of about 30 as `[lat, lon, id]`, and the cluster "
        "adds them in one `addLayers` call. The rest of the request is one column query "
        "through the access rule (no ORM objects), `json.dumps` of an integer array, folium's "
        "template, and a SHA-256 of each inline script for the frame's Content-Security-"
        "Policy. Planners' points are coarse (1e-3 degree) and shuffled, with made-up IDs. "
        "The baseline is what every map pays whatever the register's size: shelters, hazard "
        "outlines (simplified by 5 m), the approximate district outlines (Voronoi cells, "
        "computed once per set of district points) and folium itself.",
        "",
        "Re-run: `.venv/bin/python bench/map_page.py --write` (add `--db PATH` to reuse a "
        "database built before).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrants", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", type=Path, help="reuse this demo database (SQLite file)")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="roster-map-bench-") as folder:
        if args.db is not None:
            if not args.db.exists():
                args.db.parent.mkdir(parents=True, exist_ok=True)
                built = build(args.registrants, args.db.parent)
                Path(built.removeprefix("sqlite:///")).rename(args.db)
            url = f"sqlite:///{args.db.resolve()}"
        else:
            url = build(args.registrants, Path(folder))
        timings, sizes, active = measure(url, args.rounds)
    text = report(args.registrants, active, timings, sizes, args.rounds)
    print(text)
    if args.write:
        write_section(HEADING, text)


if __name__ == "__main__":
    main()
