"""Password hashing with argon2id, and the rules a new password must meet."""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l


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


# ---------------------------------------------------------------------------------------------
# What a new password must not be. One check for every place a password is set: the password
# change, an admin's create and reset, and `roster create-user`.
# ---------------------------------------------------------------------------------------------

COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"
#: Runs a person types without thinking: the password must not be a stretch of one of them.
SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")
#: Added at either end of a common password, these do not make it any less common.
DECORATION = string.digits + string.punctuation + string.whitespace
#: A user name shorter than this is no clue to the password, and would refuse too much.
MIN_NAME_IN_PASSWORD = 3


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case (see roster/data/README.md)."""
    return frozenset(COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").split())


def is_common(password: str) -> bool:
    """On the list, ignoring case and digits or punctuation added at either end."""
    lowered = password.lower()
    core = lowered.strip(DECORATION)
    return lowered in common_passwords() or core in common_passwords()


def is_monotonous(password: str) -> bool:
    """Only one or two different characters, a short unit repeated, or a run such as 1234…,
    abcd… or qwer… (forwards or backwards)."""
    lowered = password.lower()
    if len(set(lowered)) <= 2 or re.fullmatch(r"(.{1,4})\1+", lowered, re.DOTALL):
        return True
    for run in SEQUENCES:
        cycle = run * (len(lowered) // len(run) + 2)
        if lowered in cycle or lowered in cycle[::-1]:
            return True
    return False


def password_problem(
    password: str, *, username: str, min_length: int, current_hash: str | None = None
) -> str | None:
    """Why this password may not be set, in the user's language, or None when it may.

    `current_hash` is the password the account has now, a temporary one included: keeping it
    is no change at all.
    """
    name = username.strip().lower()
    if len(password) < min_length:
        return str(_l("Use at least %(n)d characters.", n=min_length))
    if is_common(password):
        return str(_l("This password is on the list of commonly used passwords. Choose one "
                      "that is harder to guess."))
    if len(name) >= MIN_NAME_IN_PASSWORD and name in password.lower():
        return str(_l("The password must not contain the user name."))
    if is_monotonous(password):
        return str(_l("Do not use only repeated or sequential characters (such as aaaa or "
                      "1234)."))
    if current_hash and verify_password(current_hash, password):
        return str(_l("Choose a password different from the current one."))
    return None
