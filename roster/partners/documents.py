"""The signed agreement (PDF): checked, kept once under its SHA-256, and recorded as a version."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import IO

from ..audit.operations import record_event
from ..extensions import DbSession
from ..files import private_dir
from ..models import Agreement, AgreementStatus, User
from ..models.base import utcnow
from .agreements import AgreementClosedError, record_version, snapshot

PDF_MAGIC = b"%PDF-"
DOCUMENT_MAX_BYTES = 20 * 2**20


class DocumentError(Exception):
    """The upload is not a PDF (`not_pdf`), too large (`too_large`) or empty (`empty`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def safe_document_name(name: str | None) -> str:
    """The original file name without folders, control or reserved characters, at most 200."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    base = _UNSAFE_NAME.sub("_", base).strip(" .")
    if not base:
        base = "document.pdf"
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 199 - len(ext)] + dot + ext) if dot and len(ext) <= 5 else base[:200]
    return base


def document_path(directory: Path, sha256: str) -> Path:
    return directory / f"{sha256}.pdf"


def store_document(
    session: DbSession,
    agreement: Agreement,
    stream: IO[bytes],
    filename: str | None,
    directory: Path,
    actor: User,
    max_bytes: int = DOCUMENT_MAX_BYTES,
) -> list[str]:
    """Check the upload is a PDF within the limit, keep it as <sha256>.pdf, record it.

    The file is written to a temporary name in the same folder and renamed, so a reader
    never sees half a file; the same document uploaded twice is kept once.
    """
    if agreement.status is AgreementStatus.TERMINATED:
        raise AgreementClosedError(agreement.id)
    head = _pdf_head(stream)
    private_dir(directory)
    sha256, size = _keep_file(stream, head, directory, max_bytes)
    return _record_document(session, agreement, actor, safe_document_name(filename), sha256, size)


def _pdf_head(stream: IO[bytes]) -> bytes:
    """The upload's first bytes, refused unless they begin a PDF."""
    head = stream.read(len(PDF_MAGIC))
    if not head:
        raise DocumentError("empty")
    if head != PDF_MAGIC:
        raise DocumentError("not_pdf")
    return head


def _keep_file(
    stream: IO[bytes], head: bytes, directory: Path, max_bytes: int
) -> tuple[str, int]:
    """Write the upload to a temporary file and rename it to <sha256>.pdf; its digest, size."""
    digest = hashlib.sha256(head)
    size = len(head)
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(head)
            size = _copy_rest(stream, out, digest, size, max_bytes)
            out.flush()
            os.fsync(out.fileno())
        sha256 = digest.hexdigest()
        os.replace(tmp_name, document_path(directory, sha256))
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return sha256, size


def _copy_rest(
    stream: IO[bytes], out: IO[bytes], digest: hashlib._Hash, size: int, max_bytes: int
) -> int:
    """Copy the rest of the upload into `out` and the digest; the size it reaches. Refused
    (too_large) as soon as it passes max_bytes."""
    while chunk := stream.read(1 << 16):
        size += len(chunk)
        if size > max_bytes:
            raise DocumentError("too_large")
        digest.update(chunk)
        out.write(chunk)
    return size


def _record_document(
    session: DbSession, agreement: Agreement, actor: User, name: str, sha256: str, size: int
) -> list[str]:
    """Set the document on the agreement and record the version (or the upload alone)."""
    before = snapshot(agreement)
    agreement.document_name = name
    agreement.document_sha256 = sha256
    agreement.document_size = size
    agreement.document_uploaded_at = utcnow()
    changed = record_version(session, agreement, actor, "document", before)
    if not changed:
        # The same file again under the same name: record the upload all the same.
        _record_upload(session, agreement, actor)
    return changed


def _record_upload(session: DbSession, agreement: Agreement, actor: User) -> None:
    """Audit an upload that changed none of the agreement's terms."""
    record_event(
        session,
        "agreement.document",
        actor=actor,
        object_type="agreement",
        object_id=agreement.id,
        detail={"organisation": agreement.organisation_id, "changed": []},
    )
