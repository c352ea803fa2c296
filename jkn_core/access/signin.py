"""Sign-in with a password: throttled, audited with the client address and session, rehashed when due.

:func:`sign_in` is what the app calls; :func:`authenticate` is the short form (a :class:`Scope` or
``None``) used by scripts and tests. Throttling rules are in :mod:`jkn_core.access.throttle`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select, update

from jkn_core.access.defaults import default_kind, record_default_password
from jkn_core.access.passwords import (
    default_password_key,
    dummy_hash,
    hash_password,
    needs_rehash,
    password_fingerprint,
    verify_password,
)
from jkn_core.access.throttle import UNKNOWN_CLIENT, naive_utc, throttle_state
from jkn_core.access.users import normalise_username, scope_from_row
from jkn_core.access.web_sessions import OpenedSession, ensure_table, open_session
from jkn_core.audit import audit
from jkn_core.schema import Meta, User
from jkn_core.scope import Scope


@dataclass(frozen=True)
class SignInResult:
    """The outcome of one sign-in attempt.

    ``scope`` is set on success, with ``fingerprint`` (see :func:`password_fingerprint`) to keep in the
    session and ``default_password`` (``"demo"``/``"reset"``/``None``). ``locked_until`` (naive UTC) is
    set when the attempt was refused by the throttle (the password was not even checked). ``session``
    is the server-side session opened on success when :func:`sign_in` was asked to open one.
    """

    scope: Scope | None = None
    fingerprint: str | None = None
    default_password: str | None = None
    locked_until: dt.datetime | None = None
    session: OpenedSession | None = None  # the web session opened with the sign-in (``session_method``)

    @property
    def ok(self) -> bool:
        return self.scope is not None

    def locked_minutes(self, now: dt.datetime | None = None) -> int:
        """Whole minutes (at least 1) until the lock ends; 0 when not locked."""
        if self.locked_until is None:
            return 0
        return max(1, -(-int((self.locked_until - naive_utc(now)).total_seconds()) // 60))


def session_tag(session_id: str | None) -> str | None:
    """A digest of a Streamlit session id for the audit trail (ties rows of one session, cannot resume it)."""
    if not session_id:
        return None
    return hashlib.sha256(str(session_id).encode("utf-8")).hexdigest()[:16]


def sign_in(engine: Engine, username: str, password: str, *, client: str | None = None,
            session_id: str | None = None, now: dt.datetime | None = None,
            sleep: Callable[[float], None] = time.sleep, session_method: str | None = None) -> SignInResult:
    """Check a username and password, throttled per username and client address.

    Audits ``sign_in`` / ``sign_in_failed`` (username typed, reason, client address, session tag; never
    the password) or ``sign_in_locked``. An unknown user costs the same Argon2 verify as a known one,
    and is throttled the same way, so neither timing nor the lock message tells which usernames exist.
    On success a hash made with older Argon2 parameters is rehashed (and a recorded default follows it).
    With ``session_method`` (``"password"``), a success also opens the server-side web session
    (:func:`jkn_core.access.web_sessions.open_session`) in the transaction of the ``sign_in`` audit row:
    one commit instead of two, on the path every user takes (BENCHMARKS.md, "Load").
    """
    name = normalise_username(username if isinstance(username, str) else "")[:64]
    password = password if isinstance(password, str) else ""
    where = {"client": client or UNKNOWN_CLIENT, "session": session_tag(session_id)}
    throttle = throttle_state(engine, name or "anonymous", where["client"], now)
    if throttle.locked:
        audit(engine, name or "anonymous", "sign_in_locked",
              {**where, "until": throttle.locked_until.isoformat(timespec="seconds") + "Z"})
        return SignInResult(locked_until=throttle.locked_until)
    if throttle.delay_s:
        sleep(throttle.delay_s)

    key = default_password_key(name) if name else None
    row = meta_value = None
    if name:
        with engine.connect() as conn:
            row = conn.execute(select(User.__table__).where(User.username == name)).first()
            meta_value = conn.execute(select(Meta.value).where(Meta.key == key)).scalar()
    if row is None:
        verify_password(password, dummy_hash())
        audit(engine, name or "anonymous", "sign_in_failed", {**where, "method": "password",
                                                               "reason": "unknown user"})
        return SignInResult()
    if not verify_password(password, row.password_hash):
        audit(engine, name, "sign_in_failed", {**where, "method": "password", "reason": "wrong password"})
        return SignInResult()
    if not row.active:
        audit(engine, name, "sign_in_failed", {**where, "method": "password", "reason": "inactive user"})
        return SignInResult()
    try:
        scope = scope_from_row(row)
    except ValueError as exc:  # a user row that no longer makes a valid scope
        audit(engine, name, "sign_in_failed", {**where, "method": "password",
                                               "reason": f"invalid user record: {exc}"})
        return SignInResult()

    password_hash = row.password_hash
    kind = default_kind(meta_value, password_hash)
    if needs_rehash(password_hash):  # hashing parameters changed since
        password_hash = hash_password(password)
        with engine.begin() as conn:
            conn.execute(update(User).where(User.username == name, User.password_hash == row.password_hash)
                         .values(password_hash=password_hash))
            if kind:  # still the same default password, under its new hash
                record_default_password(conn, name, password_hash, kind)
            current = conn.execute(select(User.password_hash).where(User.username == name)).scalar()
        password_hash = current or password_hash  # another process may have rehashed first
    fingerprint = password_fingerprint(password_hash)
    detail = {**where, "method": "password", **({"default_password": kind} if kind else {})}
    if session_method is None:
        audit(engine, scope, "sign_in", detail)
        return SignInResult(scope=scope, fingerprint=fingerprint, default_password=kind)
    ensure_table(engine)  # before the transaction (it may create the table on another connection)
    with engine.begin() as conn:
        audit(conn, scope, "sign_in", detail)
        opened = open_session(conn, scope.username, fingerprint, session_method, client=client, now=now)
    return SignInResult(scope=scope, fingerprint=fingerprint, default_password=kind, session=opened)


def authenticate(engine: Engine, username: str, password: str) -> Scope | None:
    """The user's :class:`Scope` when the password is right and the user active, else ``None``.

    :func:`sign_in` without a client address or session (scripts, tests): the same checks, throttle
    and audit rows.
    """
    return sign_in(engine, username, password).scope
