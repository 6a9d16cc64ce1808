"""Account verbs for administrators and the CLI."""

from __future__ import annotations

from sqlalchemy import select

from ..audit.operations import record_event
from ..auth.operations import set_password
from ..extensions import DbSession
from ..models import Organisation, Role, User
from ..passwords import hash_password


class DuplicateNameError(Exception):
    """The name is taken."""


def create_user(
    session: DbSession,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    organisation: Organisation | None = None,
    actor: User | None = None,
    is_demo: bool = False,
    may_declare_release: bool = False,
) -> User:
    """Create an account. One created by an admin must choose its own password at first login."""
    _check_new_account(session, username, role, may_declare_release)
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        organisation=organisation,
        password_hash=hash_password(password),
        is_demo=is_demo,
        must_change_password=actor is not None,
        may_declare_release=may_declare_release,
    )
    session.add(user)
    session.flush()
    _record_creation(session, user, actor)
    return user


def _check_new_account(
    session: DbSession, username: str, role: Role, may_declare_release: bool
) -> None:
    """Refuse a name that is taken, and the authority to declare a release for anyone but
    staff."""
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise DuplicateNameError(username)
    if may_declare_release and role is not Role.STAFF:
        raise ValueError("only staff may declare a disaster-time release")


def _record_creation(session: DbSession, user: User, actor: User | None) -> None:
    """Audit the new account, by its admin or (with no actor) by the CLI."""
    record_event(
        session,
        "user.create",
        actor=actor,
        actor_name="cli",
        object_type="user",
        object_id=user.id,
        detail={"role": user.role, "may_declare_release": user.may_declare_release},
    )


def reset_password(session: DbSession, user: User, password: str, actor: User) -> None:
    """Give a user a temporary password; their sessions end and they must change it."""
    set_password(session, user, password, actor=actor)


def set_active(session: DbSession, user: User, active: bool, actor: User) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    user.is_active_account = active
    user.rotate_session_token()
    record_event(
        session,
        "user.activate" if active else "user.deactivate",
        actor=actor,
        object_type="user",
        object_id=user.id,
    )


class NotStaffError(Exception):
    """Only welfare staff can hold the authority to declare a release."""


def set_release_authority(session: DbSession, user: User, allowed: bool, actor: User) -> None:
    """Authorise a staff member to declare disaster-time releases (49-11(3)), or withdraw it.
    It takes effect on the user's next request."""
    if allowed and user.role is not Role.STAFF:
        raise NotStaffError(user.username)
    user.may_declare_release = allowed
    record_event(
        session,
        "user.release_authority",
        actor=actor,
        object_type="user",
        object_id=user.id,
        detail={"allowed": allowed},
    )
