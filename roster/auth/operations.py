"""Authentication verbs: they check, change and audit, and the view commits."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import AuditEvent, User
from ..models.base import utcnow
from ..passwords import hash_password, verify_password, verify_unknown_user

#: Failed sign-ins for one user name within the window before further tries are refused.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


class TooManyFailuresError(Exception):
    """Sign-in for this user name is paused after repeated failures."""


def recent_failures(session: DbSession, username: str) -> int:
    """Failed sign-ins for this name in the window, read from the audit trail."""
    since = utcnow() - FAILURE_WINDOW
    query = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "login.failed",
        AuditEvent.actor_name == username,
        AuditEvent.occurred_at >= since,
    )
    return session.scalar(query) or 0


def authenticate(session: DbSession, username: str, password: str) -> User | None:
    """The active user with this name and password, or None; both outcomes are audited.

    After MAX_FAILURES failures within FAILURE_WINDOW the name is paused: even the right
    password is refused until the window has passed, which stops password guessing.
    """
    username = username.strip()[:60]
    if recent_failures(session, username) >= MAX_FAILURES:
        record_event(session, "login.paused", actor_name=username or "-")
        raise TooManyFailuresError(username)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_unknown_user(password)
    if (
        user is None
        or not user.is_active_account
        or not verify_password(user.password_hash, password)
    ):
        record_event(session, "login.failed", actor_name=username or "-")
        return None
    user.last_login_at = utcnow()
    record_event(session, "login", actor=user)
    return user


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
