"""Passwords: Argon2id hashing, timing-safe verification and the length rules (no users, no database)."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 8
#: Longer inputs are refused before hashing (Argon2 copes, but there is no reason to accept them).
MAX_PASSWORD_LENGTH = 1024

#: Argon2id at OWASP's recommended minimum (m = 19 MiB, t = 2, p = 1): tens of ms per hash here, so a
#: sign-in is cheap for the server and still memory-hard for an attacker. Hashes made with other
#: parameters (the library's old default m = 64 MiB, t = 3, p = 4) are rehashed at the next sign-in.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
#: Read at each call, so a test may swap in cheaper parameters (``monkeypatch.setattr(passwords, "HASHER", ...)``).
HASHER = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM)


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


def password_fingerprint(password_hash: str) -> str:
    """A short digest of a stored hash: it changes whenever the password (or its hash) changes.

    Sessions keep this, not the hash, and compare it with the user row at every interaction; it is
    useless for guessing the password (a digest of a salted Argon2 hash).
    """
    return hashlib.sha256((password_hash or "").encode("utf-8")).hexdigest()[:20]


def default_password_key(username: str) -> str:
    """The ``meta`` key that records a user's default (demo or temporary) password hash (fits 40 chars)."""
    return "pwdefault:" + hashlib.sha256(username.encode("utf-8")).hexdigest()[:24]
