"""The chain's head is written outside the database, so cutting off the newest events shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from roster.audit import checkpoints
from roster.audit.operations import record_event, record_events
from roster.models import AuditEvent, AuditHead

from .test_audit import tamper


@pytest.fixture()
def checkpoint_file(app: Flask, tmp_path: Path) -> Any:
    original = app.config["AUDIT_CHECKPOINT_FILE"]
    path = tmp_path / "logs" / "checkpoints.log"
    app.config["AUDIT_CHECKPOINT_FILE"] = str(path)
    yield path
    app.config["AUDIT_CHECKPOINT_FILE"] = original


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def commit_events(db: Session, n: int) -> AuditEvent:
    for i in range(n):
        event = record_event(db, "test.event", actor_name="tester", object_id=i)
    db.commit()
    return event


def test_a_commit_that_appended_events_writes_one_line_naming_the_new_head(
    db: Session, checkpoint_file: Path
) -> None:
    last = commit_events(db, 3)
    (line,) = lines(checkpoint_file)
    assert line.endswith(f" seq={last.seq} hash={last.hash}")
    assert checkpoint_file.stat().st_mode & 0o777 == 0o600


def test_a_commit_without_events_writes_no_line(db: Session, checkpoint_file: Path) -> None:
    commit_events(db, 1)
    db.execute(update(AuditHead).values(last_seq=AuditHead.last_seq))
    db.commit()
    db.commit()
    assert len(lines(checkpoint_file)) == 1


def test_a_rolled_back_head_writes_no_line(db: Session, checkpoint_file: Path) -> None:
    savepoint = db.begin_nested()
    record_event(db, "test.event", actor_name="tester")
    savepoint.rollback()
    db.commit()
    assert lines(checkpoint_file) == []


def test_a_bulk_append_writes_the_head_after_its_last_event(
    db: Session, checkpoint_file: Path
) -> None:
    record_events(db, [{"action": "test.bulk", "actor_name": "t", "object_id": i}
                       for i in range(4)])
    db.commit()
    head = db.get(AuditHead, 1)
    assert head is not None
    (line,) = lines(checkpoint_file)
    assert line.endswith(f" seq={head.last_seq} hash={head.last_hash}")


def test_each_request_that_records_an_event_writes_a_line(
    client: Any, auth: Any, db: Session, world: dict[str, Any], checkpoint_file: Path
) -> None:
    auth.login("t_staff")
    client.get(f"/registrants/{world['consenting'].id}")
    client.get("/healthz")
    assert len(lines(checkpoint_file)) == 2


def test_the_same_line_goes_to_syslog_when_asked(
    app: Flask, db: Session, checkpoint_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []

    class Recorder:
        def info(self, fmt: str, line: str) -> None:
            sent.append(fmt % line)

    monkeypatch.setattr(checkpoints, "syslog_logger", lambda: Recorder())
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_SYSLOG", True)
    last = commit_events(db, 1)
    assert sent == [f"roster audit checkpoint {lines(checkpoint_file)[0]}"]
    assert sent[0].endswith(f"seq={last.seq} hash={last.hash}")


def cut_off_newest(db: Session, keep_seq: int) -> None:
    """Delete the events after keep_seq and rewind the head, as someone with database access
    and no audit key can: the chain that is left verifies."""
    kept = db.scalars(select(AuditEvent).where(AuditEvent.seq == keep_seq)).one()
    tamper(db, delete(AuditEvent).where(AuditEvent.seq > keep_seq))
    db.execute(update(AuditHead).values(last_seq=kept.seq, last_hash=kept.hash))


def test_cutting_off_the_newest_events_passes_plain_verify_but_not_the_checkpoints(
    runner: Any, db: Session, checkpoint_file: Path
) -> None:
    kept = commit_events(db, 2)
    cut = commit_events(db, 2)
    cut_off_newest(db, kept.seq)
    plain = runner.invoke(args=["verify-audit"])
    assert plain.exit_code == 0, plain.output
    result = runner.invoke(args=["verify-audit", "--checkpoints", str(checkpoint_file)])
    assert result.exit_code == 1
    assert f"ends at event {kept.seq}" in result.output
    assert f"{checkpoint_file}:2" in result.output and f"event {cut.seq}" in result.output


def test_a_rewritten_head_disagrees_with_its_checkpoint(
    runner: Any, db: Session, checkpoint_file: Path
) -> None:
    """Cut off and write a new event in its place: the number is there, its hash is not."""
    kept = commit_events(db, 1)
    commit_events(db, 1)
    cut_off_newest(db, kept.seq)
    forged = commit_events(db, 1)
    result = runner.invoke(args=["verify-audit", "--checkpoints", str(checkpoint_file)])
    assert result.exit_code == 1
    assert f"event {forged.seq} has another hash" in result.output


def test_an_intact_chain_agrees_with_every_checkpoint(
    runner: Any, db: Session, checkpoint_file: Path
) -> None:
    commit_events(db, 3)
    commit_events(db, 2)
    result = runner.invoke(args=["verify-audit", "--checkpoints", str(checkpoint_file)])
    assert result.exit_code == 0, result.output
    assert "2 checkpoints agree" in result.output


def test_a_garbled_checkpoint_line_is_named(
    runner: Any, db: Session, tmp_path: Path
) -> None:
    garbled = tmp_path / "c.log"
    garbled.write_text("2026-01-01T00:00:00+00:00 seq=1 hash=ab\nnot a line\n")
    result = runner.invoke(args=["verify-audit", "--checkpoints", str(garbled)])
    assert result.exit_code == 1
    assert f"{garbled}:2: not a checkpoint line" in result.output
