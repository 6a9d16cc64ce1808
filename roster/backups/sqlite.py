"""SQLite: the online backup API of Python's sqlite3, in both directions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine
from tqdm import tqdm

from .manifests import BackupError, Facts, create_private, read_facts

#: Pages copied per step; between steps the app's writers may go on.
PAGES_PER_STEP = 1024


def copy_database(source: Path, target: Path, what: str) -> None:
    """Copy page by page while others may write; the result is one consistent state."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with tqdm(desc=what, unit="page", disable=None) as bar:

            def step(_status: int, remaining: int, total: int) -> None:
                bar.total = total
                bar.n = total - remaining
                bar.refresh()

            src.backup(dst, pages=PAGES_PER_STEP, progress=step)
        # The copy stands alone: no -wal or -shm file beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite copy failed: {exc}") from exc
    finally:
        dst.close()
        src.close()


def dump(database: Path, dump_file: Path) -> Facts:
    """Copy the live database to dump_file and read the facts from the copy itself."""
    if not database.is_file():
        raise BackupError(f"the database file {database} does not exist")
    create_private(dump_file)
    copy_database(database, dump_file, "backup")
    return facts_of(dump_file)


def facts_of(path: Path) -> Facts:
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            return read_facts(conn)
    finally:
        engine.dispose()


def restore(dump_file: Path, database: Path) -> None:
    """Overwrite the database with the dump, page by page."""
    if not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        create_private(database)
    copy_database(dump_file, database, "restore")
