"""Authentication verbs: they check, change and audit, and the view commits."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import NoReturn

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select, text

from ..audit.operations import audit_key, client_address, record_event
from ..extensions import DbSession, write_lock
from ..models import AuditEvent, User
from ..models.base import utcnow
from ..passwords import hash_password, verify_password, verify_unknown_user
from ..registrants.searches import forget_expired_searches
from .totp import accept_code

#: Failed sign-ins within the window before further tries are refused: per account, and
#: (higher, as an office shares one address) per client address.
MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 30
FAILURE_WINDOW = timedelta(minutes=15)
#: A name that is no account is logged as this prefix and a keyed digest of what was typed:
#: the typed text may be a password, yet repeated guesses at one name still add up.
UNKNOWN_PREFIX = "?"


#: Session key of the marker the password step leaves for the code step, and its lifetime.
PENDING = "second_factor"
PENDING_SECONDS = 300


class TooManyFailuresError(Exception):
    """Sign-in is paused for this account or address after repeated failures."""


class InactiveAccountError(Exception):
    """The password was right but the account is deactivated."""


def recent_failures(
    session: DbSession, *, username: str | None = None, ip_address: str | None = None
) -> int:
    """Failed sign-ins in the window for an account or an address, from the audit trail."""
    query = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "login.failed", AuditEvent.occurred_at >= utcnow() - FAILURE_WINDOW
    )
    if username is not None:
        query = query.where(AuditEvent.actor_name == username)
    if ip_address is not None:
        query = query.where(AuditEvent.ip_address == ip_address)
    return session.scalar(query) or 0


def logged_name(typed: str, user: User | None) -> str:
    """The account's name, or a keyed digest of a name that is no account."""
    if user is not None:
        return user.username
    digest = hmac.new(audit_key(), typed.encode(), hashlib.sha256).hexdigest()[:16]
    return UNKNOWN_PREFIX + digest


def _paused(session: DbSession, name: str) -> bool:
    """Whether this name, or this client address, has failed too often of late. Unknown names
    pause exactly like real ones, so the answer never tells which names exist."""
    address = client_address()
    by_address = address is not None and (
        recent_failures(session, ip_address=address) >= MAX_FAILURES_PER_ADDRESS
    )
    return by_address or recent_failures(session, username=name) >= MAX_FAILURES


def _serialise_attempts(session: DbSession, name: str) -> None:
    """Make attempts on one name wait for each other, so a burst of parallel guesses cannot
    all read the failure count before any of them is written. Held until the commit."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": "login:" + name}
        )
    else:
        # SQLite has one writer at a time: taking the write lock now queues the attempts.
        write_lock(session)


def authenticate(session: DbSession, username: str, password: str) -> User | None:
    """The active user with this name and password, or None; every outcome is audited.

    After MAX_FAILURES failures for an account (or MAX_FAILURES_PER_ADDRESS from one address)
    within FAILURE_WINDOW, sign-in is paused: even the right password is refused until the
    window has passed. Names that are no account are logged by keyed digest (logged_name).

    The password hash is checked before the lock on attempts is taken, so a slow hash never
    holds up other writers; the count is then read again under the lock, and its answer
    decides, so parallel guesses still stop at the limit. A paused name is refused before
    hashing, as hashing for an attacker who is already paused only costs the server.
    """
    typed = username.strip()[:60]
    user = session.scalar(select(User).where(User.username == typed))
    name = logged_name(typed, user)
    if _paused(session, name):
        return _refuse_paused(session, name)
    if user is None:
        verify_unknown_user(password)
    checked = user.password_hash if user is not None else None
    verified = checked is not None and verify_password(checked, password)
    _serialise_attempts(session, name)
    if _paused(session, name):
        return _refuse_paused(session, name)
    if user is not None:
        # The account as it is now, under the lock: a password changed or an account
        # deactivated meanwhile counts.
        session.refresh(user)
        verified = verified and user.password_hash == checked
    return _outcome(session, name, user if verified else None)


def _outcome(session: DbSession, name: str, user: User | None) -> User | None:
    """Record how the attempt ended: failed (no such user or a wrong password: `user` None),
    an inactive account, a password awaiting its second factor, or signed in."""
    if user is None:
        record_event(session, "login.failed", actor_name=name)
        return None
    if not user.is_active_account:
        record_event(session, "login.inactive", actor_name=name)
        raise InactiveAccountError(name)
    if user.has_totp:
        # Not signed in yet: the code step (verify_second_factor) completes it.
        record_event(session, "login.password", actor=user)
    else:
        complete_login(session, user)
    return user


def complete_login(session: DbSession, user: User) -> None:
    """Every factor checked: stamp and audit the sign-in."""
    user.last_login_at = utcnow()
    forget_expired_searches(session)
    # Last, so the audit head is locked (PostgreSQL) only from here to the commit.
    record_event(session, "login", actor=user)


def verify_second_factor(session: DbSession, user: User, code: str) -> bool:
    """The sign-in's second step: a TOTP code, or a recovery code (then spent).

    A wrong or replayed code is a failed sign-in like a wrong password, so it counts towards
    the same pause (MAX_FAILURES per account in FAILURE_WINDOW): six digits cannot be tried
    one after another.
    """
    _serialise_attempts(session, user.username)
    if _paused(session, user.username):
        _refuse_paused(session, user.username)
    if accept_code(session, user, code):
        complete_login(session, user)
        return True
    record_event(session, "login.failed", actor_name=user.username, detail={"step": "code"})
    return False


def _marker_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="roster.second-factor")


def pending_marker(user: User) -> str:
    """A signed, timed note that this account passed the password step. It names the account
    by its session token, so a sign-out everywhere or a reset voids it too."""
    return _marker_signer().dumps(user.session_token)


def pending_user(session: DbSession, marker: object) -> User | None:
    """The active account a marker younger than PENDING_SECONDS names, or None."""
    if not isinstance(marker, str):
        return None
    try:
        token = _marker_signer().loads(marker, max_age=PENDING_SECONDS)
    except BadSignature:  # SignatureExpired is one too
        return None
    return session.scalar(
        select(User).where(User.session_token == str(token), User.is_active_account.is_(True))
    )


def _refuse_paused(session: DbSession, name: str) -> NoReturn:
    """Record a refused attempt on a paused name or address, and refuse it."""
    _serialise_attempts(session, name)
    record_event(session, "login.paused", actor_name=name)
    raise TooManyFailuresError(name)


def log_out(session: DbSession, user: User) -> None:
    """End every session of the user by replacing the token their cookies carry."""
    user.rotate_session_token()
    record_event(session, "logout", actor=user)


def set_password(session: DbSession, user: User, password: str, *, actor: User) -> None:
    """Store a new password and end the user's other sessions."""
    user.password_hash = hash_password(password)
    user.rotate_session_token()
    user.must_change_password = actor.id != user.id
    action = "password.change" if actor.id == user.id else "password.reset"
    record_event(session, action, actor=actor, object_type="user", object_id=user.id)
