"""API tokens for partner systems: issued by staff, kept only as a SHA-256 digest, scoped to
the agreement in force when issued, and revocable.

A token acts as its partner user on /api/ only, and only while its user is active and its
agreement is still the one in force: a new agreement, or the old one ending, stops it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access.rule import agreement_in_force
from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import ApiToken, Organisation, Role, User
from ..models.base import utcnow

TOKEN_PREFIX = "rt_"  # noqa: S105 - the public marker every token starts with
#: How many leading characters are kept to tell tokens apart; far too few to use one.
SHOWN_PREFIX = 8


class NoAgreementError(Exception):
    """The organisation has no agreement in force: there is nothing a token could open."""


class NotAPartnerError(Exception):
    """The chosen user is not an active partner user of this organisation."""


class AlreadyRevokedError(Exception):
    pass


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_users(session: DbSession, organisation: Organisation) -> list[User]:
    """The organisation's active partner users: those a token may act as."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.organisation_id == organisation.id,
                User.role == Role.PARTNER,
                User.is_active_account.is_(True),
            )
            .order_by(User.display_name, User.username)
        )
    )


def issue_token(
    session: DbSession,
    organisation: Organisation,
    user: User,
    label: str,
    actor: User,
    today: date,
) -> tuple[ApiToken, str]:
    """Make a token for `user`, scoped to the agreement in force. The token itself is returned
    once, to be shown once; only its digest and first characters are stored."""
    _check_partner(user, organisation)
    agreement = agreement_in_force(session, organisation.id, today)
    if agreement is None:
        raise NoAgreementError(organisation.id)
    token, raw = _store_token(session, user, agreement.id, label, actor)
    _audit_issue(session, token, organisation, actor)
    return token, raw


def _audit_issue(
    session: DbSession, token: ApiToken, organisation: Organisation, actor: User
) -> None:
    record_event(
        session,
        "token.issue",
        actor=actor,
        object_type="api_token",
        object_id=token.id,
        detail={
            "organisation": organisation.id,
            "user": token.user_id,
            "agreement": token.agreement_id,
        },
    )


def _store_token(
    session: DbSession, user: User, agreement_id: int, label: str, actor: User
) -> tuple[ApiToken, str]:
    """A new token for `user` under the agreement: the row (digest and prefix only), and the
    token itself."""
    raw = new_token()
    token = ApiToken(
        user_id=user.id,
        agreement_id=agreement_id,
        label=label,
        prefix=raw[:SHOWN_PREFIX],
        digest=digest(raw),
        created_by_id=actor.id,
    )
    session.add(token)
    session.flush()
    return token, raw


def _check_partner(user: User, organisation: Organisation) -> None:
    """Refuse (NotAPartnerError) a user who is not an active partner user of `organisation`."""
    if user.role is not Role.PARTNER or user.organisation_id != organisation.id:
        raise NotAPartnerError(user.id)
    if not user.is_active_account:
        raise NotAPartnerError(user.id)


def revoke_token(session: DbSession, token: ApiToken, actor: User) -> None:
    if token.revoked_at is not None:
        raise AlreadyRevokedError(token.id)
    token.revoked_at = utcnow()
    token.revoked_by_id = actor.id
    session.flush()
    record_event(
        session,
        "token.revoke",
        actor=actor,
        object_type="api_token",
        object_id=token.id,
        detail={"user": token.user_id, "agreement": token.agreement_id},
    )


def organisation_tokens(session: DbSession, organisation_id: int) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .join(User, User.id == ApiToken.user_id)
            .where(User.organisation_id == organisation_id)
            .options(selectinload(ApiToken.user), selectinload(ApiToken.agreement))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def authenticate(session: DbSession, raw: str, today: date) -> tuple[User, ApiToken] | None:
    """The user a presented token acts as, or None.

    Valid only when the token is not revoked, its user is an active partner, and its
    agreement is the one in force for the user's organisation today.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.digest == digest(raw)))
    if token is None or token.revoked_at is not None:
        return None
    user = _acting_partner(session, token)
    if user is None or user.organisation_id is None:
        return None
    in_force = agreement_in_force(session, user.organisation_id, today)
    if in_force is None or in_force.id != token.agreement_id:
        return None
    return user, token


def _acting_partner(session: DbSession, token: ApiToken) -> User | None:
    """The token's user, if still an active partner user; else None."""
    user = session.get(User, token.user_id)
    if user is None or not user.is_active_account or user.role is not Role.PARTNER:
        return None
    return user
