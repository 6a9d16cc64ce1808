"""Consent verbs. Records are only ever added; the registrant's cached state follows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..access.consent import latest
from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import (
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    ConsentScope,
    ConsentState,
    PartnerCategory,
    Registrant,
    User,
)
from ..models.partners import scope_mask

#: The purposes whose 同意 names the partners it covers: without one it would share with no one.
SCOPED_PURPOSES = frozenset({ConsentPurpose.REGISTER_SHARING, ConsentPurpose.PLAN_SHARING})

#: What every screen says when a 同意 to sharing names no partner.
MISSING_SCOPE = _l("Tick at least one partner the person agreed to.")


class ConsentRefused(ValueError):
    """An answer that contradicts itself; nothing was recorded."""


def lacks_scope(
    purpose: ConsentPurpose, state: ConsentState, scope: frozenset[PartnerCategory]
) -> bool:
    """A 同意 to sharing with no partner: the one check every recording path makes, so that
    no screen, import or call can store a consent that the dashboard counts and no one gets."""
    return purpose in SCOPED_PURPOSES and state is ConsentState.CONSENTED and not scope


@dataclass(frozen=True)
class ConsentAnswer:
    """What staff record from a form, a visit or a call."""

    purpose: ConsentPurpose
    state: ConsentState
    method: ConsentMethod
    decided_on: date
    scope: frozenset[PartnerCategory] = frozenset()
    notice_sent_on: date | None = None
    form_version: str | None = None
    proxy_name: str | None = None
    proxy_relation: str | None = None
    note: str | None = None


def record_consent(
    session: DbSession, registrant: Registrant, answer: ConsentAnswer, actor: User
) -> ConsentRecord:
    """Append a consent record, refresh the registrant's current state, and audit it.

    The registrant's row is locked first, so two answers saved at once are applied in turn
    and the cached state always follows the full history. A 同意 to sharing without a scope
    is refused (ConsentRefused) before anything is written.
    """
    if lacks_scope(answer.purpose, answer.state, answer.scope):
        raise ConsentRefused(str(MISSING_SCOPE))
    session.execute(select(Registrant.id).where(Registrant.id == registrant.id).with_for_update())
    record = _new_record(registrant, answer, actor)
    session.add(record)
    session.flush()
    if answer.purpose is ConsentPurpose.REGISTER_SHARING:
        refresh_current_consent(session, registrant)
    _audit(session, record, actor)
    return record


def _audit(session: DbSession, record: ConsentRecord, actor: User) -> None:
    record_event(
        session,
        "consent.record",
        actor=actor,
        object_type="registrant",
        object_id=record.registrant_id,
        detail={"consent_record": record.id, "purpose": record.purpose, "state": record.state},
    )


def _new_record(registrant: Registrant, answer: ConsentAnswer, actor: User) -> ConsentRecord:
    return ConsentRecord(
        registrant_id=registrant.id,
        purpose=answer.purpose,
        state=answer.state,
        method=answer.method,
        decided_on=answer.decided_on,
        notice_sent_on=answer.notice_sent_on,
        form_version=answer.form_version,
        proxy_name=answer.proxy_name,
        proxy_relation=answer.proxy_relation,
        note=answer.note,
        recorded_by=actor,
        scope_rows=[ConsentScope(category=c) for c in sorted(answer.scope)],
    )


def history(session: DbSession, registrant_id: int) -> list[ConsentRecord]:
    """Every consent record of the registrant, newest decision first."""
    rows = session.scalars(
        select(ConsentRecord).where(ConsentRecord.registrant_id == registrant_id)
    ).all()
    return sorted(rows, key=lambda r: (r.decided_on, r.id), reverse=True)


def refresh_current_consent(session: DbSession, registrant: Registrant) -> None:
    """Derive the register-sharing state from the records and store it on the registrant.

    A Core UPDATE keeps the registrant's optimistic-lock version unchanged, so recording
    consent never turns someone's open edit form stale.
    """
    record = latest(_register_sharing_records(session, registrant.id))
    state = record.state if record else ConsentState.UNCONFIRMED
    session.execute(
        update(Registrant)
        .where(Registrant.id == registrant.id)
        .values(
            consent_state=state,
            consent_scope=scope_mask(record.scope) if record else 0,
            current_consent_id=record.id if record else None,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(registrant, ["consent_state", "consent_scope", "current_consent_id"])


def _register_sharing_records(session: DbSession, registrant_id: int) -> list[ConsentRecord]:
    return list(
        session.scalars(
            select(ConsentRecord).where(
                ConsentRecord.registrant_id == registrant_id,
                ConsentRecord.purpose == ConsentPurpose.REGISTER_SHARING,
            )
        )
    )
