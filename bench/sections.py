"""docs/performance.md is written by several benchmarks, each owning one "## " section."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"


def replace_section(text: str, heading: str, section: str) -> str:
    """text with the section under `heading` (up to the next "## " heading) replaced by
    `section` (which starts with that heading), or with `section` appended."""
    section = section.strip("\n") + "\n"
    start = text.find(f"\n{heading}\n")
    if start < 0:
        return text.rstrip("\n") + "\n\n" + section
    end = text.find("\n## ", start + 1)
    head = text[: start + 1]
    return head + section if end < 0 else head + section + "\n" + text[end + 1 :]


def write_section(heading: str, section: str) -> None:
    """Replace (or add) one section of docs/performance.md, keeping every other."""
    current = DOC.read_text() if DOC.exists() else ""
    DOC.write_text(replace_section(current, heading, section))


def sizes_parser(description: str) -> argparse.ArgumentParser:
    """The arguments of a benchmark that times a small register against a large one in the
    same run (a ratio, never an absolute number): --small, --large, --rounds, --write."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="write docs/performance.md")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to time on (e.g. postgresql+psycopg://postgres@127.0.0.1/bench):"
        " each size gets its own database, named after this one with the size appended",
    )
    parser.add_argument(
        "--reuse", action="store_true",
        help="reuse a size's database when it is already there (SQLite: in --workdir)",
    )  # fmt: skip
    parser.add_argument("--workdir", type=Path, help="where SQLite databases are kept")
    return parser


def database_for(size: int, workdir: Path, server: str | None) -> tuple[str, bool]:
    """The URL of the database for `size` people, and whether it already holds a register:
    a SQLite file in workdir, or on a PostgreSQL server a database named after the server
    URL's with the size appended."""
    if not server:
        path = workdir / f"bench-{size}.db"
        return f"sqlite:///{path}", path.exists()
    url = make_url(server)
    name = f"{url.database or 'bench'}_{size}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        there = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), bool(there)


def fresh_postgresql(url: str) -> None:
    """An empty database at url (dropped first if it is there)."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def build_demo(
    size: int, workdir: Path, server: str | None = None, reuse: bool = False
) -> tuple[str, float, int]:
    """A migrated demo database of `size` people: its URL, load seconds and peak RSS (kB);
    (url, 0, 0) when reused."""
    url, there = database_for(size, workdir, server)
    if there and reuse:
        return url, 0.0, 0
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        fresh_postgresql(url)
    env = {**os.environ, "ROSTER_DATABASE_URL": url}
    cli = [sys.executable, "-m", "roster.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, cwd=ROOT)
    started = time.perf_counter()
    child = subprocess.Popen(
        [*cli, "demo", "--registrants", str(size), "--seed", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"roster demo failed for {size}")
    return url, time.perf_counter() - started, usage.ru_maxrss


def write_for_database(url: str, heading: str, text: str, size: int | None = None) -> None:
    """Write a benchmark's section, headed as it is for SQLite and with the database's name
    (and the large size, when given) beside the heading for another, so each database and
    size keeps its own section."""
    database = database_name(url)
    beside = database.split()[0] + (f", {size:,}" if size else "")
    named = heading if database == "SQLite" else f"{heading} ({beside})"
    write_section(named, text.replace(heading, named, 1))


def database_name(url: str) -> str:
    """SQLite or PostgreSQL with its version, for a report's heading."""
    if url.startswith("sqlite"):
        return "SQLite"
    engine = create_engine(url)
    with engine.connect() as connection:
        version = connection.scalar(text("SHOW server_version"))
    engine.dispose()
    return f"PostgreSQL {str(version).split()[0]}"
