"""Backups restore to the same rows and an intact audit chain; bad restores are refused."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from sqlalchemy import make_url, text
from sqlalchemy.orm import Session

from roster.audit.operations import record_event
from roster.backups import postgres
from roster.backups.manifests import BackupError, Manifest
from roster.backups.operations import backup_database, restore_database
from roster.config import PROJECT_DIR
from roster.extensions import make_engine


def migrate(url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


def load_demo_database(app: Flask, url: str) -> None:
    """A migrated database with a small demo and a few audit events, committed."""
    from roster.demo import load_demo

    migrate(url)
    engine = make_engine(url)
    with app.app_context(), Session(engine) as session:
        load_demo(session, registrants=40, seed=5, password_hash="x")
        for i in range(3):
            record_event(session, "test.event", actor_name="tester", object_id=i)
        session.commit()
    engine.dispose()


@pytest.fixture(scope="module")
def sqlite_demo(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('backup-source') / 'roster.db'}"
    load_demo_database(app, url)
    return url


@pytest.fixture(scope="module")
def postgres_demo(app: Flask, database_url: str) -> Iterator[tuple[str, str]]:
    """Two scratch databases beside the test database: a demo source and an empty target."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL round trip: set ROSTER_TEST_DATABASE_URL to a PostgreSQL URL")
    base = make_url(database_url)
    names = [f"{base.database}_restore_src", f"{base.database}_restore"]
    admin = make_engine(base.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    source, target = (base.set(database=n).render_as_string(hide_password=False) for n in names)
    load_demo_database(app, source)
    yield source, target
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def round_trip(app: Flask, source: str, target: str, folder: Path, **kwargs: Any) -> Any:
    manifest = backup_database(source, folder)
    with app.app_context():
        report = restore_database(target, folder, **kwargs)
    return manifest, report


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_demo_database_comes_back_with_equal_counts_and_an_intact_chain(
    app: Flask, request: pytest.FixtureRequest, tmp_path: Path, engine: str
) -> None:
    if engine == "sqlite":
        source, target = request.getfixturevalue("sqlite_demo"), f"sqlite:///{tmp_path / 'r.db'}"
    else:
        source, target = request.getfixturevalue("postgres_demo")
    manifest, report = round_trip(app, source, target, tmp_path / "backup")
    assert report.ok and report.chain.ok and report.chain.checked >= 3
    assert report.restored.row_counts == manifest.row_counts
    assert manifest.row_counts["registrants"] == 40 and manifest.audit_head_seq >= 3
    assert manifest.engine == engine and manifest.alembic_revision


def test_the_backup_folder_and_its_files_are_private_and_the_manifest_complete(
    sqlite_demo: str, tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    backup_database(sqlite_demo, folder)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()} == {
        "manifest.json": 0o600, "roster.sqlite3": 0o600
    }
    raw = json.loads((folder / "manifest.json").read_text())
    for key in ("created_at", "app_version", "alembic_revision", "engine", "row_counts",
                "audit_head_seq", "audit_head_hash", "dump_sha256"):
        assert raw[key], key


def test_a_backup_never_writes_into_a_folder_that_holds_files(
    sqlite_demo: str, tmp_path: Path
) -> None:
    (tmp_path / "old.txt").write_text("an older backup")
    with pytest.raises(BackupError, match="not empty"):
        backup_database(sqlite_demo, tmp_path)


def test_a_database_holding_rows_is_refused_without_replace(
    app: Flask, sqlite_demo: str, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path / 'r.db'}"
    round_trip(app, sqlite_demo, target, tmp_path / "first")
    before = (tmp_path / "r.db").read_bytes()
    with app.app_context(), pytest.raises(BackupError, match="--replace"):
        restore_database(target, tmp_path / "first")
    assert (tmp_path / "r.db").read_bytes() == before
    with app.app_context():
        assert restore_database(target, tmp_path / "first", replace=True).ok


def test_a_tampered_dump_is_refused_and_nothing_is_restored(
    app: Flask, sqlite_demo: str, tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    backup_database(sqlite_demo, folder)
    dump = folder / "roster.sqlite3"
    data = bytearray(dump.read_bytes())
    data[-100] ^= 0xFF
    dump.write_bytes(bytes(data))
    with app.app_context(), pytest.raises(BackupError, match="SHA-256"):
        restore_database(f"sqlite:///{tmp_path / 'r.db'}", folder)
    assert not (tmp_path / "r.db").exists()


def test_a_backup_of_another_engine_is_refused(
    app: Flask, sqlite_demo: str, tmp_path: Path
) -> None:
    backup_database(sqlite_demo, tmp_path / "backup")
    with app.app_context(), pytest.raises(BackupError, match="sqlite backup"):
        restore_database("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path / "backup")


def test_the_commands_round_trip_and_restore_exits_1_when_counts_differ(
    app: Flask, sqlite_demo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = app.test_cli_runner()
    monkeypatch.setitem(app.config, "DATABASE_URL", sqlite_demo)
    folder = tmp_path / "backup"
    with app.app_context():
        result = runner.invoke(args=["backup", str(folder)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["row_counts"]["registrants"] += 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setitem(app.config, "DATABASE_URL", f"sqlite:///{tmp_path / 'r.db'}")
    with app.app_context():
        result = runner.invoke(args=["restore", str(folder)])
    assert result.exit_code == 1, result.output
    assert "registrants" in result.output and "DIFFERS" in result.output
    assert "audit chain intact" in result.output


def test_a_missing_pg_dump_is_named_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BackupError, match="pg_dump is not on the PATH.*postgresql-client"):
        postgres.find_tool("pg_dump", "")
    with pytest.raises(BackupError, match="backup.pg_bin_dir"):
        postgres.find_tool("pg_dump", "/nonexistent/bin")


def test_the_database_password_stays_out_of_the_command_line() -> None:
    target, env = postgres.libpq_target("postgresql+psycopg://roster:s3cret@db:5433/roster")
    assert target == "postgresql://roster@db:5433/roster"
    assert env["PGPASSWORD"] == "s3cret"


def test_a_manifest_reads_back_as_written(tmp_path: Path) -> None:
    manifest = Manifest(engine="sqlite", dump="roster.sqlite3", dump_sha256="ab", dump_bytes=1,
                        alembic_revision="0006", audit_head_seq=2, audit_head_hash="cd",
                        row_counts={"users": 4})
    manifest.write(tmp_path)
    assert Manifest.read(tmp_path) == manifest
    assert os.stat(tmp_path / "manifest.json").st_mode & 0o777 == 0o600
