"""Files on disk: the database, its -wal and -shm, and the instance folder are owner-only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from roster.config import PROJECT_DIR, instance_secret
from roster.extensions import make_engine
from roster.files import private_dir, private_tree


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def use(url: str) -> None:
    """Open the database and write to it, so SQLite makes its -wal and -shm."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    engine.dispose()


def start(url: str) -> None:
    """What a worker does at start: make its engine and connect (WAL is set on connect)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()


@pytest.fixture(autouse=True)
def umask() -> Iterator[None]:
    """The usual umask, which would leave new files readable by everyone."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_a_new_sqlite_database_and_its_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "roster.db"
    engine = make_engine(f"sqlite:///{path}")
    conn = engine.connect()
    conn.execute(text("CREATE TABLE t (x INTEGER)"))
    conn.commit()
    names = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    assert all(p.exists() for p in names), "WAL mode makes -wal and -shm"
    assert [mode(p) for p in names] == [0o600] * 3
    assert mode(path.parent) == 0o700
    conn.close()
    engine.dispose()


def test_several_workers_creating_the_database_at_once_all_leave_it_owner_only(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'roster.db'}"
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _i: start(url), range(8)))
    assert mode(tmp_path / "roster.db") == 0o600


def test_a_database_made_by_the_migrations_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "roster.db"
    config = Config()
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{path}")
    command.upgrade(config, "0001")
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_an_existing_world_readable_database_is_tightened_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "roster.db"
    use(f"sqlite:///{path}")
    for p in (path, Path(f"{path}-wal")):
        if p.exists():
            p.chmod(0o644)
    use(f"sqlite:///{path}")
    assert mode(path) == 0o600


def test_a_fresh_instance_folder_and_its_keys_are_owner_only(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance_secret({}, instance, "secret_key")
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600
    assert mode(private_dir(instance / "imports" / "shelters")) == 0o700
    assert mode(instance / "imports") == 0o700


def test_an_open_instance_folder_is_tightened_with_everything_in_it(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    (instance / "agreements").mkdir(parents=True)
    (instance / "imports").mkdir()
    files = [instance / "roster.db", instance / "audit_key", instance / "agreements" / "a.pdf",
             instance / "imports" / "x.csv"]
    for f in files:
        f.write_bytes(b"x")
        f.chmod(0o644)
    for d in (instance, instance / "agreements", instance / "imports"):
        d.chmod(0o755)
    private_tree(instance)
    assert [mode(f) for f in files] == [0o600] * len(files)
    assert {mode(d) for d in (instance, instance / "agreements", instance / "imports")} == {0o700}


def test_the_app_keeps_its_instance_folder_owner_only(app: object) -> None:
    from flask import Flask

    assert isinstance(app, Flask)
    assert mode(Path(app.instance_path)) == 0o700
