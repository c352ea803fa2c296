"""Passwords: Argon2id hashing, timing-safe verification and the length rules (no users, no database)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 8
#: Longer inputs are refused before hashing (Argon2 copes, but there is no reason to accept them).
MAX_PASSWORD_LENGTH = 1024

#: Argon2id with the library's (RFC 9106) defaults. Read at each call, so a test may swap in cheaper
#: parameters (``monkeypatch.setattr(passwords, "HASHER", ...)``).
HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An Argon2id hash (``$argon2id$...``) with a fresh random salt."""
    if not isinstance(password, str) or not password:
        raise ValueError("password must be a non-empty string")
    return HASHER.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """True when ``password`` matches ``password_hash`` (the library's timing-safe verify)."""
    if not isinstance(password, str) or not isinstance(password_hash, str) or not password_hash:
        return False
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when ``password_hash`` was made with weaker parameters than :data:`HASHER` uses now."""
    return HASHER.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so both paths take as long."""
    return HASHER.hash("no-such-user-dummy-password")
