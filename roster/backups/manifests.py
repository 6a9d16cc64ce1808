"""The manifest of a backup, what the database holds, and the backup folder's files."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, inspect, select, table, text

MANIFEST = "manifest.json"
#: The dump's file name in the backup folder, per engine.
DUMP_NAMES = {"sqlite": "roster.sqlite3", "postgresql": "roster.pgdump"}


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why in one sentence."""


@dataclass(frozen=True)
class Facts:
    """What a database holds, read in one snapshot."""

    row_counts: dict[str, int]
    alembic_revision: str | None
    audit_head_seq: int
    audit_head_hash: str | None


@dataclass(frozen=True)
class Manifest:
    engine: str
    dump: str
    dump_sha256: str
    dump_bytes: int
    alembic_revision: str | None
    audit_head_seq: int
    audit_head_hash: str | None
    row_counts: dict[str, int]
    app_version: str = field(default_factory=lambda: app_version())
    created_at: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds")
    )
    format: int = 1

    def write(self, folder: Path) -> None:
        body = json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)
        write_private(folder / MANIFEST, (body + "\n").encode())

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            raw: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            return cls(**raw)
        except FileNotFoundError as exc:
            raise BackupError(f"{folder} holds no {MANIFEST}: not a Roster backup") from exc
        except (ValueError, TypeError) as exc:
            raise BackupError(f"{folder / MANIFEST} cannot be read: {exc}") from exc


def app_version() -> str:
    try:
        return version("roster")
    except PackageNotFoundError:
        return "unknown"


def read_facts(conn: Connection) -> Facts:
    """Rows per table, the schema revision and the audit head, through one connection."""
    names = sorted(inspect(conn).get_table_names())
    counts = {name: conn.scalar(select(func.count()).select_from(table(name))) or 0
              for name in names}
    revision = None
    if "alembic_version" in names:
        revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
    head = None
    if "audit_head" in names:
        head = conn.execute(text("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")).first()
    return Facts(counts, revision, head[0] if head else 0, head[1] if head else None)


def make_private_folder(folder: Path) -> None:
    """A new or empty folder readable by its owner only: a backup never overwrites another."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty; name a new folder for each backup")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)


def create_private(path: Path) -> None:
    """An empty file only its owner can read, made before anything is written into it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def write_private(path: Path, data: bytes) -> None:
    create_private(path)
    path.write_bytes(data)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_dump(folder: Path, manifest: Manifest) -> Path:
    """The dump named by the manifest, if its SHA-256 is the manifest's."""
    dump = folder / manifest.dump
    if not dump.is_file():
        raise BackupError(f"the dump {dump} named by the manifest is missing")
    if sha256_of(dump) != manifest.dump_sha256:
        raise BackupError(
            f"the SHA-256 of {dump} differs from the manifest's: the dump was changed or "
            "damaged, and is not restored"
        )
    return dump
