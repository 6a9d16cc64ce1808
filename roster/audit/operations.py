"""Writing and checking the audit hash chain."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import insert, select, update

from ..extensions import DbSession
from ..models import AuditEvent, AuditHead, User
from ..models.audit import GENESIS_HASH
from ..models.base import utcnow


def canonical_detail(detail: dict[str, Any] | None) -> str:
    return json.dumps(
        detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )


def event_hash(
    key: bytes,
    seq: int,
    occurred_at: datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str | None,
    object_id: str | None,
    ip_address: str | None,
    detail: str,
    prev_hash: str,
) -> str:
    """HMAC-SHA-256, under the audit key, of every field of an event and the previous hash."""
    fields = [
        str(seq),
        occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        str(actor_id or ""),
        actor_name,
        action,
        object_type or "",
        object_id or "",
        ip_address or "",
        detail,
        prev_hash,
    ]
    return hmac.new(key, "\x1f".join(fields).encode(), hashlib.sha256).hexdigest()


def client_address() -> str | None:
    return request.remote_addr if has_request_context() else None


def _locked_head(session: DbSession) -> AuditHead:
    """The chain's head row, locked for this transaction (made at the genesis hash if the
    chain is empty) and read as it is now."""
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq))
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1)).one_or_none()
    if head is None:
        head = AuditHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    else:
        session.refresh(head)
    return head


def record_event(
    session: DbSession,
    action: str,
    *,
    actor: User | None = None,
    actor_name: str | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append an event to the chain. The UPDATE on the head row serialises writers."""
    head = _locked_head(session)
    event = AuditEvent(
        **_event_row(
            head.last_seq + 1,
            head.last_hash,
            action,
            actor,
            actor_name,
            object_type,
            object_id,
            detail,
            ip_address,
        )
    )
    return _append(session, head, event)


def _append(session: DbSession, head: AuditHead, event: AuditEvent) -> AuditEvent:
    """Hash the event onto the chain, write it and move the locked head on to it."""
    event.hash = hash_of(event)
    session.add(event)
    head.last_seq, head.last_hash = event.seq, event.hash
    session.info["audit_head"] = (event.seq, event.hash)  # for audit.checkpoints, at commit
    session.flush()
    return event


def audit_key() -> bytes:
    return str(current_app.config["AUDIT_KEY"]).encode()


def record_events(session: DbSession, events: list[dict[str, Any]]) -> None:
    """Append many events at once (an import): one head lock, hashes chained in memory,
    one bulk insert. Each dict holds the keyword arguments of record_event()."""
    if not events:
        return
    first = record_event(session, **events[0])
    rows = _chained_rows(first, events[1:])
    seq, prev_hash = (rows[-1]["seq"], rows[-1]["hash"]) if rows else (first.seq, first.hash)
    if rows:
        session.execute(insert(AuditEvent), rows)
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(last_seq=seq, last_hash=prev_hash)
    )
    session.info["audit_head"] = (seq, prev_hash)  # for audit.checkpoints, at commit
    session.expire_all()


def _chained_rows(after: AuditEvent, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of the events that follow `after`, each hashed onto the one before."""
    prev_hash, seq, key = after.hash, after.seq, audit_key()
    rows = []
    for spec in events:
        seq += 1
        row = _event_row(seq, prev_hash, **spec)
        row["hash"] = event_hash(key, *(row[f] for f in HASHED_FIELDS))
        rows.append(row)
        prev_hash = row["hash"]
    return rows


#: The fields event_hash() takes after the key, in order.
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "ip_address",
    "detail",
    "prev_hash",
)


def _event_row(
    seq: int,
    prev_hash: str,
    action: str,
    actor: User | None = None,
    actor_name: str | None = None,
    object_type: str | None = None,
    object_id: int | str | None = None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> dict[str, Any]:
    return {
        "seq": seq,
        # Microsecond precision survives every backend, so the hash recomputes exactly.
        "occurred_at": utcnow(),
        "actor_id": actor.id if actor else None,
        "actor_name": actor.username if actor else (actor_name or "-"),
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "ip_address": ip_address or client_address(),
        "detail": canonical_detail(detail),
        "prev_hash": prev_hash,
    }


def hash_of(event: AuditEvent) -> str:
    return event_hash(
        audit_key(),
        event.seq,
        event.occurred_at,
        event.actor_id,
        event.actor_name,
        event.action,
        event.object_type,
        event.object_id,
        event.ip_address,
        event.detail,
        event.prev_hash,
    )


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS_HASH


def iter_events(session: DbSession, batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: DbSession) -> ChainReport:
    """Recompute every hash; name the first event that was altered, removed or is missing."""
    head = session.get(AuditHead, 1)
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for event in iter_events(session):
        if event.seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"event {expected_seq} is missing")
        if event.prev_hash != prev_hash:
            return ChainReport(False, checked, event.seq, "does not follow the event before it")
        if hash_of(event) != event.hash:
            return ChainReport(False, checked, event.seq, "its content was altered")
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq != checked or head_hash != prev_hash:
        return ChainReport(False, checked, checked + 1, "events after it were removed")
    return ChainReport(True, checked, head_seq=head_seq, head_hash=head_hash)
