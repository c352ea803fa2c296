"""Password changes and resets, the rules a new password must meet, and default (demo or temporary) passwords.

A *default* password is one somebody else chose: a demo user's public password (recorded by
:func:`~jkn_core.access.demo_users.create_demo_users`) or a temporary one an admin set with
:func:`reset_password`. The hash it produced is recorded in the ``meta`` table under
:func:`~jkn_core.access.passwords.default_password_key`; the user's password is still the default
while their stored hash is that very string (a string comparison: no Argon2 per page view). A user
signed in with a default password must change it (see :func:`must_change_password`); the sign-in
page shows a demo password only while it is still the default, and never the admin's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.engine import Connection

from jkn_core.access.defaults import default_kind, record_default_password
from jkn_core.access.demo_users import DEMO_USERS, DemoUser
from jkn_core.access.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    default_password_key,
    hash_password,
    password_fingerprint,
    verify_password,
)
from jkn_core.access.users import normalise_username
from jkn_core.access.web_sessions import end_all_for_user, set_password_fp
from jkn_core.audit import audit
from jkn_core.schema import Meta, User
from jkn_core.scope import Scope

#: Every demo password is public (README, docs): never acceptable as a chosen password.
KNOWN_DEMO_PASSWORDS: frozenset[str] = frozenset(u.password for u in DEMO_USERS)
#: Demo users whose password the sign-in page may show (while still the default). Never the admin.
SHOWABLE_DEMO_ROLES = frozenset({"direksi", "deputi_wilayah", "kantor_cabang", "bank_officer"})


class PasswordRuleError(ValueError):
    """A refused password change; ``code`` names the rule (for a translated message), ``params`` its values.

    Codes: ``too_short``, ``too_long``, ``is_username``, ``demo_password``, ``mismatch``,
    ``wrong_current``, ``unchanged``, ``no_user``.
    """

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def check_new_password(username: str, password: str, repeat: str | None = None) -> None:
    """Raise :class:`PasswordRuleError` unless ``password`` may be chosen by ``username``.

    Rules: at least :data:`MIN_PASSWORD_LENGTH` characters (at most :data:`MAX_PASSWORD_LENGTH`), not
    the username (nor the part of an e-mail before ``@``, in any case), not a known demo password, and
    equal to ``repeat`` when given.
    """
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRuleError("too_short", f"password must be at least {MIN_PASSWORD_LENGTH} characters",
                                n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRuleError("too_long", f"password must be at most {MAX_PASSWORD_LENGTH} characters",
                                n=MAX_PASSWORD_LENGTH)
    name = normalise_username(username)
    folded = password.strip().lower()
    if name and folded in {name, name.split("@", 1)[0]}:
        raise PasswordRuleError("is_username", "password must not be the username")
    if password in KNOWN_DEMO_PASSWORDS or folded in KNOWN_DEMO_PASSWORDS:
        raise PasswordRuleError("demo_password", "password must not be a (public) demo password")
    if repeat is not None and repeat != password:
        raise PasswordRuleError("mismatch", "the two new passwords differ")


def must_change_password(kind: str | None, synthetic: bool) -> bool:
    """Whether a session signed in with a default password of ``kind`` must change it before any page.

    A temporary password set by an admin (``reset``) must always be changed. A demo password must be
    changed on every database that is not a synthetic demo; on a demo database (``synthetic``) its
    users share public passwords on purpose, and the app warns instead of forcing a change (forcing
    it would let the first visitor lock every other visitor out of the demo).
    """
    return kind == "reset" or (kind == "demo" and not synthetic)


def demo_passwords_to_show(engine: Engine) -> list[DemoUser]:
    """The demo users whose password the sign-in page may show: active, not the admin, still the default.

    Two small queries, no Argon2. A demo user whose password was changed (or whose default was never
    recorded, e.g. a database made before this rule) is not listed.
    """
    candidates = [u for u in DEMO_USERS if u.role in SHOWABLE_DEMO_ROLES]
    keys = {default_password_key(u.username): u for u in candidates}
    with engine.connect() as conn:
        rows = {r.username: r for r in conn.execute(
            select(User.username, User.password_hash, User.active, User.role)
            .where(User.username.in_([u.username for u in candidates])))}
        meta = dict(conn.execute(select(Meta.key, Meta.value).where(Meta.key.in_(list(keys)))).all())
    shown = []
    for key, user in keys.items():
        row = rows.get(user.username)
        if row is None or not row.active or row.role != user.role:
            continue
        if default_kind(meta.get(key), row.password_hash) == "demo":
            shown.append(user)
    return shown


def _set_password(conn: Connection, username: str, new_password: str) -> str:
    new_hash = hash_password(new_password)
    conn.execute(update(User).where(User.username == username).values(password_hash=new_hash))
    return new_hash


def change_password(engine: Engine, scope: Scope, current: str, new: str, repeat: str | None = None, *,
                    keep_session: int | None = None) -> str:
    """The signed-in user changes their own password; returns the new session fingerprint.

    Checks the current password (Argon2 verify), then :func:`check_new_password`; a refusal raises
    :class:`PasswordRuleError` and a wrong current password is audited as ``password_change_failed``.
    Audited as ``password_changed``. Every other open session of the user ends at its next
    interaction (their fingerprint no longer matches, and their ``web_sessions`` rows are ended); the
    session ``keep_session`` (the caller's) goes on under the returned fingerprint.
    """
    name = normalise_username(scope.username)
    with engine.connect() as conn:
        row = conn.execute(select(User.password_hash, User.active).where(User.username == name)).first()
    if row is None or not row.active:
        raise PasswordRuleError("no_user", "no such active user")
    if not verify_password(current if isinstance(current, str) else "", row.password_hash):
        audit(engine, scope, "password_change_failed", {"reason": "wrong current password"})
        raise PasswordRuleError("wrong_current", "the current password is wrong")
    check_new_password(name, new, repeat)
    if verify_password(new, row.password_hash):
        raise PasswordRuleError("unchanged", "the new password is the current one")
    with engine.begin() as conn:
        new_hash = _set_password(conn, name, new)
        audit(conn, scope, "password_changed", {"user": name})
        end_all_for_user(conn, name, "password_changed", keep=keep_session)
        if keep_session is not None:
            set_password_fp(conn, keep_session, password_fingerprint(new_hash))
    return password_fingerprint(new_hash)


def reset_password(engine: Engine, username: str, new: str, actor: Scope | str = "system",
                   repeat: str | None = None) -> None:
    """An admin sets a temporary password for ``username``; audited as ``password_reset``.

    The password must meet :func:`check_new_password`. The user's open sessions end at their next
    interaction, and after signing in with the temporary password they must choose their own.
    """
    name = normalise_username(username)
    check_new_password(name, new, repeat)
    with engine.begin() as conn:
        if conn.execute(select(User.username).where(User.username == name)).scalar() is None:
            raise PasswordRuleError("no_user", f"no such user {name!r}")
        new_hash = _set_password(conn, name, new)
        record_default_password(conn, name, new_hash, "reset")
        end_all_for_user(conn, name, "password_changed")
        audit(conn, actor if isinstance(actor, Scope) else (str(actor).strip() or "system"),
              "password_reset", {"user": name})
