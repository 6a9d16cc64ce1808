"""Authentication verbs: they check, change and audit, and the view commits."""

from __future__ import annotations

from sqlalchemy import select

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import User
from ..models.base import utcnow
from ..passwords import hash_password, verify_password, verify_unknown_user


def authenticate(session: DbSession, username: str, password: str) -> User | None:
    """The active user with this name and password, or None; both outcomes are audited."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        verify_unknown_user(password)
    if (
        user is None
        or not user.is_active_account
        or not verify_password(user.password_hash, password)
    ):
        record_event(session, "login.failed", actor_name=username.strip()[:60] or "-")
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
