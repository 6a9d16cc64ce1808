"""The second factor: TOTP codes (RFC 6238) from an authenticator app, and recovery codes.

Verbs here check, change and audit; the view commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from ..audit.operations import record_event
from ..extensions import DbSession
from ..models import RecoveryCode, Role, User
from ..models.base import utcnow

#: The name an authenticator app shows above the code.
ISSUER = "Roster"
#: Recovery codes given at a time.
RECOVERY_CODES = 10
#: Letters and digits no one misreads on paper (no 0/o, 1/l/i).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
#: Roles that must use a second factor when security.require_totp is on.
REQUIRED_ROLES = frozenset({Role.ADMIN, Role.STAFF})


class FactorRequiredError(Exception):
    """This account may not turn its second factor off."""


class WrongCodeError(Exception):
    """The code is not the current one (or it was used already)."""


def totp_required(user: User) -> bool:
    """Whether this account must sign in with a second factor. Demo logins never must."""
    return (
        bool(current_app.config["REQUIRE_TOTP"])
        and user.role in REQUIRED_ROLES
        and not user.is_demo
    )


def must_enrol(user: User) -> bool:
    """Required to have a second factor and has none yet: nothing else until it is set up."""
    return totp_required(user) and not user.has_totp


def normalised(code: str) -> str:
    """What was typed, without spaces or hyphens, full-width digits made ASCII, lower case."""
    text = unicodedata.normalize("NFKC", code)
    return "".join(ch for ch in text if ch not in " -\t").lower()


# ---------------------------------------------------------------------------------------------
# Enrolment.
# ---------------------------------------------------------------------------------------------


def start_enrolment(user: User) -> None:
    """Give the user a new secret to scan; it does nothing until confirmed with a code."""
    if not user.has_totp:
        user.totp_secret = pyotp.random_base32()
        user.totp_last_step = None


def provisioning_uri(user: User) -> str:
    assert user.totp_secret is not None
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_data_uri(user: User) -> str:
    """The enrolment QR code as an SVG data: URI (the page's CSP allows data: images only)."""
    return str(segno.make(provisioning_uri(user), error="m").svg_data_uri(scale=5, border=2))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(session: DbSession, user: User, code: str) -> list[str]:
    """Switch the factor on once the app shows the right code; give out recovery codes."""
    if user.totp_secret is None or user.has_totp or not accept_totp(session, user, code):
        raise WrongCodeError(user.username)
    user.totp_enabled_at = utcnow()
    codes = replace_recovery_codes(session, user)
    record_event(session, "totp.enrol", actor=user, object_type="user", object_id=user.id)
    return codes


def disable(session: DbSession, user: User, code: str) -> None:
    """Turn one's own second factor off, with a current code; not where it is required."""
    if totp_required(user):
        raise FactorRequiredError(user.username)
    if not accept_code(session, user, code):
        raise WrongCodeError(user.username)
    _forget_factor(session, user)
    record_event(session, "totp.disable", actor=user, object_type="user", object_id=user.id)


def reset(session: DbSession, user: User, actor: User) -> None:
    """An admin takes away a user's factor (a lost phone): their sessions end, and where it is
    required they must enrol again at their next sign-in."""
    _forget_factor(session, user)
    user.rotate_session_token()
    record_event(session, "totp.reset", actor=actor, object_type="user", object_id=user.id)


def _forget_factor(session: DbSession, user: User) -> None:
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# ---------------------------------------------------------------------------------------------
# Codes.
# ---------------------------------------------------------------------------------------------


def matching_step(secret: str, code: str) -> int | None:
    """The time step (30 s) whose code this is, allowing one step either way for clock drift."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(utcnow())
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept_totp(session: DbSession, user: User, code: str) -> bool:
    """A TOTP code of a later step than the last one accepted. The step is claimed by one
    UPDATE, so the same code sent twice at once is still accepted only once."""
    typed = normalised(code)
    if user.totp_secret is None or len(typed) != 6 or not typed.isdigit():
        return False
    step = matching_step(user.totp_secret, typed)
    if step is None:
        return False
    claimed = session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def recovery_digest(code: str) -> str:
    return hashlib.sha256(normalised(code).encode()).hexdigest()


def new_recovery_code() -> str:
    text = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
    return f"{text[:5]}-{text[5:]}"


def replace_recovery_codes(session: DbSession, user: User) -> list[str]:
    """A fresh set of recovery codes; the old ones stop working. Only digests are kept."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, digest=recovery_digest(c)) for c in codes)
    session.flush()
    return codes


def spend_recovery_code(session: DbSession, user: User, code: str) -> bool:
    """Accept an unspent recovery code once: the UPDATE that marks it spent is the check."""
    if not user.has_totp or not normalised(code) or not _mark_spent(session, user, code):
        return False
    record_event(
        session,
        "totp.recovery_used",
        actor=user,
        object_type="user",
        object_id=user.id,
        detail={"left": recovery_codes_left(session, user)},
    )
    return True


def _mark_spent(session: DbSession, user: User, code: str) -> bool:
    """Mark the user's code spent if it is theirs and still unspent; whether it was."""
    spent = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.digest == recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return bool(spent.rowcount == 1)  # type: ignore[attr-defined]


def accept_code(session: DbSession, user: User, code: str) -> bool:
    """A current TOTP code, or else an unspent recovery code (which is then spent)."""
    return accept_totp(session, user, code) or spend_recovery_code(session, user, code)


def recovery_codes_left(session: DbSession, user: User) -> int:
    return (
        session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def regenerate_recovery_codes(session: DbSession, user: User, code: str) -> list[str]:
    """New recovery codes for a user who proves, with a current TOTP code, to hold the app."""
    if not user.has_totp or not accept_totp(session, user, code):
        raise WrongCodeError(user.username)
    codes = replace_recovery_codes(session, user)
    record_event(
        session, "totp.recovery_codes", actor=user, object_type="user", object_id=user.id
    )
    return codes
