"""Files on disk readable by their owner only: the instance folder, keys, uploads, documents
and the SQLite database with its -wal and -shm.

Names and needs are in every one of them, so nothing is left to the process's umask:
folders are made 0700 and files 0600, and an instance folder found open to others (an old
install, a copy made by hand) is tightened at start-up.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

#: The access bits that let anyone but the owner in.
OTHERS = stat.S_IRWXG | stat.S_IRWXO


def private_dir(path: Path) -> Path:
    """The folder, made with any missing parents as owner-only (0700); returns it."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another worker made it first
            folder.mkdir(mode=0o700)
        _tighten(folder)
    return path


def private_tree(root: Path) -> None:
    """Make root owner-only, creating it if needed, and take others' access off all in it."""
    private_dir(root)
    _tighten(root)
    for folder, _dirs, names in os.walk(root):
        _tighten(Path(folder))
        for name in names:
            _tighten(Path(folder) / name)


def private_file(path: Path) -> None:
    """Create the file empty with 0600 if it is missing (atomically: several workers may
    start at once), and take others' access off it if it exists."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except FileNotFoundError:
        return
    _tighten(path)


def _tighten(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISLNK(mode) and mode & OTHERS:
        os.chmod(path, stat.S_IMODE(mode) & ~OTHERS)
