"""User accounts and roles."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, enum_column, utcnow
from .partners import Organisation


class Role(enum.StrEnum):
    ADMIN = "admin"  #: system administrator: users, organisations, audit; no registrant data
    STAFF = "staff"  #: welfare staff (福祉課職員): keeps the register and records consent
    PARTNER = "partner"  #: a user at a partner organisation (避難支援等関係者)
    PLANNER = "planner"  #: drill planner (防災担当): needs and places, no names or contacts


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(Base):
    """Someone who signs in. Flask-Login knows the user by a token that logout replaces."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sign-in name, unique, ASCII.
    username: Mapped[str] = mapped_column(String(60), unique=True)
    #: Name shown in the header and in the audit trail.
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    #: The partner organisation of a partner user; empty for every other role.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    organisation: Mapped[Organisation | None] = relationship()
    #: argon2id hash of the password.
    password_hash: Mapped[str] = mapped_column(String(200))
    #: Identifies the login session; replaced at logout and password change so old cookies die.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    #: Preferred UI language, or empty for the default.
    locale: Mapped[str | None] = mapped_column(String(8))
    #: Deactivated users cannot sign in; rows stay for the audit trail.
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Created by `roster demo`; such accounts exist only in demo mode.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Staff authorised to declare a disaster-time release (49-11(3)); set by an admin.
    may_declare_release: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Set when an admin resets the password: the user must choose a new one first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Base32 secret of the second factor (TOTP, RFC 6238); set while enrolling and after.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: When the second factor was confirmed with a code; empty while enrolling or without one.
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The last TOTP time step accepted: a code of this step or an earlier one is refused.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    # Flask-Login's user protocol.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def get_id(self) -> str:
        return self.session_token

    @property
    def has_totp(self) -> bool:
        """Signs in with a second factor."""
        return self.totp_enabled_at is not None

    def rotate_session_token(self) -> None:
        """End every session this user has open."""
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


class RecoveryCode(Base):
    """A one-time code that stands in for a TOTP code when the phone is not at hand."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the normalised code; the code itself is shown once and never stored.
    digest: Mapped[str] = mapped_column(String(64))
    #: When it was spent; a spent code never works again.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
