"""The uploaded export, waiting between its dry run and its apply.

The file waits in the instance folder under a random token, readable by its owner only; the
token is all the browser gets. It is deleted once applied or refused, and in any case after
two hours (uploads.WAITING_MAX_AGE). It holds personal data: it is never logged or put in a URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import abort, current_app
from flask_login import current_user

from ..files import private_dir
from ..uploads import WAITING_MAX_AGE, WAITING_TOKEN


@dataclass(frozen=True)
class Upload:
    """A file waiting between its dry run and its apply."""

    token: str
    data: bytes
    #: The kind of file, e.g. ".csv".
    suffix: str
    encoding: str | None
    mapping: Path | None
    #: Staff asked to keep a refused file (for its error report) until it expires.
    keep: bool = False
    #: The name it was uploaded under, for the import batch.
    name: str = "-"


def upload_dir() -> Path:
    """instance/imports, or IMPORT_UPLOAD_DIR when set (tests use a temporary folder)."""
    configured = current_app.config.get("IMPORT_UPLOAD_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    return private_dir(folder)


def _path(token: str, kind: str) -> Path:
    return upload_dir() / f"{token}.{kind}"


def _write_private(path: Path, data: bytes) -> None:
    """Create the file readable and writable by its owner only, from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def store_upload(
    data: bytes,
    suffix: str,
    encoding: str | None,
    mapping: str | None,
    keep: bool = False,
    name: str = "-",
) -> str:
    """Keep the upload for the apply; the token is all the browser gets."""
    token = secrets.token_urlsafe(32)
    _write_private(_path(token, "bin"), data)
    if mapping is not None:
        _write_private(_path(token, "toml"), mapping.encode("utf-8"))
    _write_private(_path(token, "json"), _meta(suffix, encoding, keep, name))
    return token


def _meta(suffix: str, encoding: str | None, keep: bool, name: str) -> bytes:
    """What the apply needs to know of the upload besides its bytes, and whose it is."""
    meta = {
        "user": current_user.id,
        "suffix": suffix,
        "encoding": encoding or None,
        "keep": keep,
        "name": name,
    }
    return json.dumps(meta).encode("utf-8")


def load_upload(token: str) -> Upload:
    """This user's upload under this token, or 404: unknown, expired, applied or another's."""
    if not WAITING_TOKEN.fullmatch(token):
        abort(404)
    meta, data = _read_waiting(token)
    if meta.get("user") != current_user.id:
        abort(404)
    mapping = _path(token, "toml")
    return Upload(
        token,
        data,
        meta["suffix"],
        meta["encoding"],
        mapping if mapping.exists() else None,
        bool(meta.get("keep")),
        str(meta.get("name") or "-"),
    )


def _read_waiting(token: str) -> tuple[dict[str, Any], bytes]:
    """The upload's meta and bytes, or 404 when they are gone or older than WAITING_MAX_AGE."""
    try:
        meta = json.loads(_path(token, "json").read_bytes())
        data_path = _path(token, "bin")
        if time.time() - data_path.stat().st_mtime > WAITING_MAX_AGE:
            abort(404)
        return meta, data_path.read_bytes()
    except FileNotFoundError:
        abort(404)


def delete_upload(token: str) -> None:
    for kind in ("bin", "claimed", "toml", "json"):
        _path(token, kind).unlink(missing_ok=True)


def remove_expired() -> None:
    """Delete every upload older than WAITING_MAX_AGE, whoever left it."""
    limit = time.time() - WAITING_MAX_AGE
    with os.scandir(upload_dir()) as entries:
        for entry in entries:
            with contextlib.suppress(FileNotFoundError):  # another request got there first
                if entry.is_file() and entry.stat().st_mtime < limit:
                    os.unlink(entry.path)


@contextlib.contextmanager
def claimed(token: str) -> Iterator[None]:
    """Only one apply per upload: the file is renamed away, and back if the apply fails."""
    waiting, claim = _path(token, "bin"), _path(token, "claimed")
    try:
        os.rename(waiting, claim)
    except FileNotFoundError:
        abort(404)  # applied (or being applied) by another request
    try:
        yield
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.rename(claim, waiting)
        raise
