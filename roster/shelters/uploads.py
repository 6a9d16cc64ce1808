"""A shelter upload waiting between its preview and its apply, as the registrant import does.

The files wait in a folder named by a random token under the upload directory
(IMPORT_UPLOAD_DIR or instance/imports, then shelters/), readable by their owner only, and
are deleted after the apply or after two hours. The browser gets only the token. Files are
stored as 0.csv, 1.geojson, ...; their uploaded names are kept in meta.json for the report.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import abort, current_app

from ..files import private_dir
from ..uploads import WAITING_MAX_AGE, WAITING_TOKEN


@dataclass(frozen=True)
class StoredUpload:
    token: str
    folder: Path
    user_id: int
    format: str
    city: str | None
    source: str | None
    #: The stored file paths, in upload order, and the name each was uploaded under.
    files: list[Path]
    names: dict[str, str]
    mapping: bytes | None

    def name_of(self, path: str) -> str:
        """The uploaded name of a stored file (for error reports)."""
        return self.names.get(Path(path).name, Path(path).name) if path else ""


def root() -> Path:
    configured = current_app.config.get("IMPORT_UPLOAD_DIR")
    base = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    return private_dir(base / "shelters")


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def store(
    user_id: int,
    files: list[tuple[str, bytes]],
    format: str,
    city: str | None,
    source: str | None,
    mapping: bytes | None,
) -> str:
    """Keep (name, data) files and the choices for the apply; returns the token."""
    token = secrets.token_urlsafe(32)
    folder = root() / token
    folder.mkdir(mode=0o700)
    names = _store_files(folder, files)
    if mapping is not None:
        _write_private(folder / "mapping.toml", mapping)
    meta = {"user": user_id, "format": format, "city": city, "source": source, "names": names}
    _write_private(folder / "meta.json", json.dumps(meta, ensure_ascii=False).encode())
    return token


def _store_files(folder: Path, files: list[tuple[str, bytes]]) -> dict[str, str]:
    """Write each file as its position and suffix (0.csv, 1.bin for an odd suffix);
    stored name -> uploaded name."""
    names = {}
    for index, (name, data) in enumerate(files):
        suffix = Path(name).suffix.lower()
        if not re.fullmatch(r"\.[a-z]{1,8}", suffix):
            suffix = ".bin"
        stored = f"{index}{suffix}"
        _write_private(folder / stored, data)
        names[stored] = name
    return names


def load(token: str, user_id: int) -> StoredUpload:
    """This user's upload under this token, or 404 (unknown, expired, applied, another's)."""
    if not WAITING_TOKEN.fullmatch(token):
        abort(404)
    folder = root() / token
    meta = _meta(folder, user_id)
    mapping_path = folder / "mapping.toml"
    return StoredUpload(
        token=token,
        folder=folder,
        user_id=user_id,
        format=meta["format"],
        city=meta.get("city"),
        source=meta.get("source"),
        files=[folder / name for name in meta["names"]],
        names=meta["names"],
        mapping=mapping_path.read_bytes() if mapping_path.exists() else None,
    )


def _meta(folder: Path, user_id: int) -> dict[str, Any]:
    """The upload's meta.json when it is this user's and not expired; 404 otherwise."""
    try:
        meta = json.loads((folder / "meta.json").read_bytes())
        if time.time() - (folder / "meta.json").stat().st_mtime > WAITING_MAX_AGE:
            abort(404)
    except FileNotFoundError:
        abort(404)
    if meta.get("user") != user_id:
        abort(404)
    return meta


def delete(token: str) -> None:
    if WAITING_TOKEN.fullmatch(token):
        shutil.rmtree(root() / token, ignore_errors=True)


def remove_expired() -> None:
    limit = time.time() - WAITING_MAX_AGE
    with os.scandir(root()) as entries:
        for entry in entries:
            with contextlib.suppress(FileNotFoundError):
                if entry.is_dir() and entry.stat().st_mtime < limit:
                    shutil.rmtree(entry.path, ignore_errors=True)


@contextlib.contextmanager
def claimed(token: str) -> Iterator[None]:
    """One apply per upload: meta.json is renamed away, and back if the apply fails."""
    folder = root() / token
    waiting, claim = folder / "meta.json", folder / "meta.claimed"
    try:
        os.rename(waiting, claim)
    except FileNotFoundError:
        abort(404)
    try:
        yield
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.rename(claim, waiting)
        raise
