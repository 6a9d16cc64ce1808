"""The chain's head, written outside the database after every commit that moved it.

Whoever can write to the database can delete the newest events and rewind the head row, and
the chain alone cannot show it. A line per commit in a file the database cannot reach (and,
if configured, in syslog) names the head as it was; `roster verify-audit --checkpoints`
then notices a chain that ends before the last line, or that disagrees with any line.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..extensions import DbSession, db
from ..models import AuditEvent

#: session.info key under which record_event() leaves the head it made: (seq, hash).
HEAD_KEY = "audit_head"
#: Checkpoints looked up per query when verifying.
BATCH = 1000

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    """Listen to the app's sessions once, however many apps a process makes."""
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_soft_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    # A savepoint's release is not yet a commit: the head may still be rolled back with the
    # transaction around it.
    if session.in_nested_transaction() or HEAD_KEY not in session.info:
        return
    seq, digest = session.info.pop(HEAD_KEY)
    if has_app_context():
        write_checkpoint(seq, digest)


def _after_rollback(session: Session, _previous: Any) -> None:
    # Never write a head that was rolled back: a checkpoint the chain lacks is a false alarm.
    # Losing one is harmless, as the next commit writes a newer head.
    session.info.pop(HEAD_KEY, None)


def checkpoint_line(seq: int, digest: str, at: datetime | None = None) -> str:
    """One line: the UTC time, the head's sequence number and its hash."""
    when = (at or datetime.now(UTC)).isoformat(timespec="microseconds")
    return f"{when} seq={seq} hash={digest}\n"


def write_checkpoint(seq: int, digest: str) -> None:
    """Append the line to the checkpoint file (and syslog). The commit has happened, so a
    failure here is logged, not raised: the request's work is saved either way."""
    line = checkpoint_line(seq, digest)
    try:
        append_line(Path(current_app.config["AUDIT_CHECKPOINT_FILE"]), line)
    except OSError as exc:
        log.error("audit checkpoint not written: %s", exc)
    if current_app.config["AUDIT_CHECKPOINT_SYSLOG"]:
        syslog_logger().info("roster audit checkpoint %s", line.rstrip("\n"))


def append_line(path: Path, line: str) -> None:
    """One write() with O_APPEND: lines of several workers never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


@cache
def syslog_logger() -> logging.Logger:
    """A logger that sends to the local syslog daemon (its socket, or UDP port 514)."""
    address: str | tuple[str, int] = ("localhost", 514)
    if os.path.exists("/dev/log"):
        address = "/dev/log"
    logger = logging.getLogger("roster.audit.checkpoint")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(logging.handlers.SysLogHandler(address=address))
    return logger


@dataclass(frozen=True)
class Checkpoint:
    source: str
    line_no: int
    written_at: str
    seq: int
    hash: str


class CheckpointFormatError(ValueError):
    """A checkpoint line cannot be read; the message names file and line."""


def read_checkpoints(paths: Iterable[Path]) -> Iterator[Checkpoint]:
    """Every line of every file, in order. Blank lines are skipped; a garbled one is refused."""
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, 1):
                if line.strip():
                    yield parse_line(str(path), line_no, line)


def parse_line(source: str, line_no: int, line: str) -> Checkpoint:
    parts = line.split()
    try:
        when, seq, digest = parts
        if not (seq.startswith("seq=") and digest.startswith("hash=")):
            raise ValueError
        return Checkpoint(source, line_no, when, int(seq[4:]), digest[5:])
    except ValueError as exc:
        raise CheckpointFormatError(f"{source}:{line_no}: not a checkpoint line") from exc


@dataclass(frozen=True)
class CheckpointReport:
    ok: bool
    checked: int
    reason: str = ""
    checkpoint: Checkpoint | None = None


def verify_checkpoints(
    session: DbSession, head_seq: int, checkpoints: Iterable[Checkpoint]
) -> CheckpointReport:
    """Every checkpoint must name an event of the chain with that very hash, and the chain's
    head must not be behind any checkpoint. Call after verify_chain() found the chain whole."""
    checked = 0
    for batch in _batches(checkpoints):
        seqs = {c.seq for c in batch}
        rows = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(seqs))
        )
        known = {seq: digest for seq, digest in rows}
        for point in batch:
            bad = _mismatch(point, head_seq, known.get(point.seq))
            if bad:
                return CheckpointReport(False, checked, bad, point)
            checked += 1
    return CheckpointReport(True, checked)


def _mismatch(point: Checkpoint, head_seq: int, found: str | None) -> str:
    if point.seq > head_seq:
        return f"the chain ends at event {head_seq}: events after it were cut off"
    if found != point.hash:
        return f"event {point.seq} has another hash: the chain was rewritten from there"
    return ""


def _batches(checkpoints: Iterable[Checkpoint]) -> Iterator[list[Checkpoint]]:
    batch: list[Checkpoint] = []
    for point in checkpoints:
        batch.append(point)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
