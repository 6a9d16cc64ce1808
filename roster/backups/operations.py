"""Back up and restore a database named by its URL; the CLI and the tests call these."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session

from ..audit.operations import ChainReport, verify_chain
from ..extensions import make_engine
from . import postgres, sqlite
from .manifests import (
    DUMP_NAMES,
    BackupError,
    Facts,
    Manifest,
    check_dump,
    make_private_folder,
    read_facts,
    sha256_of,
)


def engine_name(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in DUMP_NAMES:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def backup_database(url: str, folder: Path, pg_bin_dir: str = "") -> Manifest:
    """Write the dump and its manifest into a new folder only the owner can read."""
    engine = engine_name(url)
    make_private_folder(folder)
    dump_file = folder / DUMP_NAMES[engine]
    facts, digest, size = _dump(url, engine, dump_file, pg_bin_dir)
    manifest = Manifest(
        engine=engine,
        dump=dump_file.name,
        dump_sha256=digest,
        dump_bytes=size,
        alembic_revision=facts.alembic_revision,
        audit_head_seq=facts.audit_head_seq,
        audit_head_hash=facts.audit_head_hash,
        row_counts=facts.row_counts,
    )
    manifest.write(folder)
    return manifest


def _dump(url: str, engine: str, dump_file: Path, pg_bin_dir: str) -> tuple[Facts, str, int]:
    """Write the dump with the engine's own means; the facts read with it, its SHA-256 and
    size."""
    if engine == "sqlite":
        facts = sqlite.dump(sqlite_path(url), dump_file)
        return facts, sha256_of(dump_file), dump_file.stat().st_size
    with_engine = make_engine(url)
    try:
        return postgres.dump(with_engine, url, dump_file, pg_bin_dir)
    finally:
        with_engine.dispose()


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    restored: Facts
    chain: ChainReport

    @property
    def differing_tables(self) -> list[str]:
        expected, found = self.manifest.row_counts, self.restored.row_counts
        return sorted(t for t in expected.keys() | found.keys() if expected.get(t) != found.get(t))

    @property
    def ok(self) -> bool:
        head = (self.restored.audit_head_seq, self.restored.audit_head_hash)
        return (
            self.chain.ok
            and not self.differing_tables
            and head == (self.manifest.audit_head_seq, self.manifest.audit_head_hash)
            and self.restored.alembic_revision == self.manifest.alembic_revision
        )


def restore_database(
    url: str, folder: Path, *, replace: bool = False, pg_bin_dir: str = ""
) -> RestoreReport:
    """Check the dump against its manifest, refuse a database holding rows unless `replace`,
    restore, then verify the audit chain (needs the app's audit key) and count the rows."""
    manifest = Manifest.read(folder)
    engine = engine_name(url)
    if manifest.engine != engine:
        raise BackupError(f"this is a {manifest.engine} backup; the database is {engine}")
    dump_file = check_dump(folder, manifest)
    target = make_engine(url)
    try:
        _make_room(target, replace)
        _load(url, engine, target, dump_file, pg_bin_dir)
        return _check(target, manifest)
    finally:
        target.dispose()


def _load(url: str, engine: str, target: Engine, dump_file: Path, pg_bin_dir: str) -> None:
    """Restore the dump with the engine's own means (SQLite's once the target lets go of
    the file)."""
    if engine == "sqlite":
        target.dispose()
        sqlite.restore(dump_file, sqlite_path(url))
    else:
        postgres.restore(dump_file, url, pg_bin_dir)


def _make_room(target: Engine, replace: bool) -> None:
    """Refuse a database that holds rows unless told to replace them. PostgreSQL's schema is
    emptied first (pg_restore creates every table); SQLite's file is overwritten whole."""
    rows = _rows_in(target)
    if rows and not replace:
        raise BackupError(
            f"the database holds {rows:,} rows; restoring would replace them. "
            "Use --replace if that is meant"
        )
    if target.dialect.name == "postgresql":
        postgres.clear_schema(target)


def _rows_in(target: Engine) -> int:
    """Rows in every table but Alembic's own: a migrated, unused database counts as empty."""
    if target.dialect.name == "sqlite" and not Path(target.url.database or "").exists():
        return 0
    try:
        with target.connect() as conn:
            counts = read_facts(conn).row_counts
    except Exception as exc:  # noqa: BLE001 (any driver's "cannot connect")
        raise BackupError(f"cannot open the database to restore into: {exc}") from exc
    return sum(n for name, n in counts.items() if name != "alembic_version")


def _check(target: Engine, manifest: Manifest) -> RestoreReport:
    with target.connect() as conn:
        restored = read_facts(conn)
    with Session(target) as session:
        chain = verify_chain(session)
    return RestoreReport(manifest, restored, chain)
