"""Account and organisation verbs for administrators and the CLI."""

from __future__ import annotations

from sqlalchemy import select

from ..audit.operations import record_event
from ..auth.operations import set_password
from ..extensions import DbSession
from ..models import District, Organisation, PartnerCategory, Role, User
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
) -> User:
    """Create an account. One created by an admin must choose its own password at first login."""
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise DuplicateNameError(username)
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        organisation=organisation,
        password_hash=hash_password(password),
        is_demo=is_demo,
        must_change_password=actor is not None,
    )
    session.add(user)
    session.flush()
    record_event(
        session,
        "user.create",
        actor=actor,
        actor_name="cli",
        object_type="user",
        object_id=user.id,
        detail={"role": role},
    )
    return user


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


def create_organisation(
    session: DbSession,
    *,
    name: str,
    category: PartnerCategory,
    district_ids: list[int],
    actor: User | None,
) -> Organisation:
    """Add a partner organisation and the districts it serves."""
    if session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
        raise DuplicateNameError(name)
    organisation = Organisation(name=name, category=category)
    organisation.districts = list(
        session.scalars(select(District).where(District.id.in_(district_ids)))
    )
    session.add(organisation)
    session.flush()
    record_event(
        session,
        "organisation.create",
        actor=actor,
        actor_name="cli",
        object_type="organisation",
        object_id=organisation.id,
    )
    return organisation
