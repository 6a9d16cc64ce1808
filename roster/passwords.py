"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


def hasher() -> PasswordHasher:
    """argon2id with the library's defaults, or cheaper parameters when a test asks for them."""
    if has_app_context() and current_app.config.get("ARGON2_FAST"):
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A fixed hash to verify against when the user does not exist, so timing does not tell.
_DUMMY: dict[str, str] = {}


def verify_unknown_user(password: str) -> None:
    key = "fast" if has_app_context() and current_app.config.get("ARGON2_FAST") else "std"
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-password")
    verify_password(_DUMMY[key], password)
