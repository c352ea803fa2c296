"""Sessions: the idle time-out, the re-check against the user row at every interaction, the upload limit.

A signed-in session is a row of ``web_sessions`` (:mod:`jkn_core.access.web_sessions`) holding the
user and the fingerprint of the password hash it signed in with
(:func:`~jkn_core.access.passwords.password_fingerprint`). At every interaction the app calls
:func:`check_web_session`: one indexed query (the session's primary key joined with its ``users`` row
and the recorded default password from ``meta``), no Argon2; :func:`resume_web_session` turns the
cookie of a reloaded page (or another server process) back into a session. The outcome:

- user gone, deactivated, password changed or reset, or role changed: the session **ends**
  (``ended`` names the reason) and the person is back on the sign-in page;
- region, branch or bank changed (same role): the session **takes the new scope** at once
  (``scope_changed``); every query is scoped by it from this interaction on;
- the session row ended (sign-out in another tab), idle longer than :data:`SESSION_TIMEOUT_MINUTES`
  or past its absolute lifetime: the session **ends**;
- otherwise the session goes on; ``default_password`` says whether the stored password is still a
  default one (demo or admin reset), which :func:`~jkn_core.access.credentials.must_change_password`
  turns into "change it before any page opens".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine, bindparam, select, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from jkn_core.access.defaults import default_kind
from jkn_core.access.passwords import default_password_key, password_fingerprint
from jkn_core.access.proxies import UNKNOWN
from jkn_core.access.users import normalise_username, scope_from_row
from jkn_core.access.web_sessions import naive_now, session_id_for_token
from jkn_core.audit import audit
from jkn_core.schema import Meta, User, WebSession
from jkn_core.scope import Scope

#: Sign a user out after this many minutes without activity.
SESSION_TIMEOUT_MINUTES = 30
#: Largest upload the import page accepts (match ``server.maxUploadSize`` in .streamlit/config.toml).
MAX_UPLOAD_MB = 50


def session_expired(last_activity: dt.datetime, now: dt.datetime | None = None) -> bool:
    """True when more than :data:`SESSION_TIMEOUT_MINUTES` have passed since ``last_activity``.

    Both datetimes are UTC; naive ones are taken as UTC.
    """
    now = now or dt.datetime.now(dt.UTC)
    if last_activity.tzinfo is None:
        last_activity = last_activity.replace(tzinfo=dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now - last_activity > dt.timedelta(minutes=SESSION_TIMEOUT_MINUTES)


@dataclass(frozen=True)
class SessionCheck:
    """The outcome of :func:`check_session`.

    ``ended`` is ``None`` while the session may go on, else one of ``"no_user"``, ``"deactivated"``,
    ``"password_changed"``, ``"role_changed"``, ``"invalid_user"`` (and for a server-side session
    ``"no_session"``, ``"expired"``, ``"signed_out"`` or the reason its row was ended with). ``scope`` is the scope to use from
    now on (the user row's), ``scope_changed`` whether it differs from the session's.
    """

    ended: str | None
    scope: Scope | None = None
    scope_changed: bool = False
    default_password: str | None = None
    last_seen: dt.datetime | None = None
    cookie_pending: bool = False

    @property
    def ok(self) -> bool:
        return self.ended is None


def session_fingerprint(engine: Engine, username: str) -> str | None:
    """The current password fingerprint of ``username`` (for a session opened by OIDC), or ``None``."""
    with engine.connect() as conn:
        value = conn.execute(select(User.password_hash)
                             .where(User.username == normalise_username(username))).scalar()
    return password_fingerprint(value) if value is not None else None


def check_session(engine: Engine, scope: Scope, fingerprint: str | None) -> SessionCheck:
    """Re-check a signed-in session against the user row (see the module docstring)."""
    name = normalise_username(scope.username)
    key = default_password_key(name)
    with engine.connect() as conn:
        row = conn.execute(
            select(User.username, User.password_hash, User.role, User.region_code, User.branch_code,
                   User.bank, User.active, Meta.value.label("default_entry"))
            .outerjoin(Meta, Meta.key == key)
            .where(User.username == name)
        ).first()
    return judge_user_row(row, scope, fingerprint)


def judge_user_row(row: Any, scope: Scope, fingerprint: str | None) -> SessionCheck:
    """The verdict on a session given its user row (``None``: no such user) and password fingerprint.

    ``row`` has the ``users`` columns and ``default_entry`` (the recorded default password, or None).
    """
    if row is None or row.username is None:
        return SessionCheck("no_user")
    if not row.active:
        return SessionCheck("deactivated")
    if not fingerprint or password_fingerprint(row.password_hash) != fingerprint:
        return SessionCheck("password_changed")
    if row.role != scope.role:
        return SessionCheck("role_changed")
    try:
        current = scope_from_row(row)
    except ValueError:
        return SessionCheck("invalid_user")
    changed = (current.region_code, current.branch_code, current.bank) != (
        scope.region_code, scope.branch_code, scope.bank)
    return SessionCheck(None, scope=current, scope_changed=changed,
                        default_password=default_kind(row.default_entry, row.password_hash))


#: The query of :func:`check_web_session`, built once (it runs at every interaction of every session).
_SESSION_AND_USER = (
    select(WebSession.username.label("session_user"), WebSession.password_fp, WebSession.ended_at,
           WebSession.end_reason, WebSession.expires_at, WebSession.last_seen_at,
           WebSession.token_hash.is_(None).label("cookie_pending"),
           User.username, User.password_hash, User.role, User.region_code, User.branch_code,
           User.bank, User.active, Meta.value.label("default_entry"))
    .select_from(WebSession)
    .outerjoin(User, User.username == WebSession.username)
    .outerjoin(Meta, Meta.key == bindparam("default_key"))
    .where(WebSession.id == bindparam("session_id"))
)


def check_web_session(engine: Engine, session_id: int, scope: Scope,
                      now: dt.datetime | None = None) -> SessionCheck:
    """Re-check a server-side session (``web_sessions`` row ``session_id``) at an interaction.

    One indexed query: the session row by primary key, joined with its user row and the recorded
    default password. The session ends when its row has ended (signed out in another tab, ended by an
    admin's change), is idle longer than :data:`SESSION_TIMEOUT_MINUTES` or older than
    ``ABSOLUTE_LIFETIME_HOURS`` (``"expired"``), belongs to another user, or when the user row says so
    (:func:`judge_user_row`, with the fingerprint the session signed in with). ``last_seen`` and
    ``cookie_pending`` (the browser has not fetched its cookie yet) come back for the caller.
    """
    name = normalise_username(scope.username)
    at = naive_now(now)
    with engine.connect() as conn:
        row = conn.execute(_SESSION_AND_USER, {"session_id": session_id,
                                               "default_key": default_password_key(name)}).first()
    if row is None or row.session_user != name:
        return SessionCheck("no_session")
    if row.ended_at is not None:
        return SessionCheck(row.end_reason or "signed_out")
    if at >= row.expires_at or at - row.last_seen_at > dt.timedelta(minutes=SESSION_TIMEOUT_MINUTES):
        return SessionCheck("expired")
    verdict = judge_user_row(row, scope, row.password_fp)
    return replace(verdict, last_seen=row.last_seen_at, cookie_pending=bool(row.cookie_pending))


@dataclass(frozen=True)
class ResumedSession:
    """The outcome of :func:`resume_web_session`: a scope and session id, or why not (``ended``)."""

    ended: str | None
    session_id: int | None = None
    scope: Scope | None = None
    auth_method: str | None = None
    check: SessionCheck | None = None

    @property
    def ok(self) -> bool:
        return self.ended is None


def resume_web_session(engine: Engine, token: str, now: dt.datetime | None = None, *,
                       client: str | None = None, session_tag: str | None = None) -> ResumedSession:
    """Resume the session whose cookie holds ``token`` (a reload, a new tab, another server process).

    ``ended`` is ``"no_session"`` for an unknown token, else the reason of :func:`check_web_session`.
    A resumed session is audited as ``session_resumed`` with the session's id (``web_session``), the
    client address (``client``, default ``"unknown"``) and the tag of the new browser session
    (``session_tag``, see :func:`jkn_core.access.signin.session_tag`); never the token.
    """
    session_id = session_id_for_token(engine, token)
    if session_id is None:
        return ResumedSession("no_session")
    with engine.connect() as conn:
        row = conn.execute(
            select(WebSession.auth_method, User.username, User.role, User.region_code, User.branch_code,
                   User.bank)
            .select_from(WebSession).outerjoin(User, User.username == WebSession.username)
            .where(WebSession.id == session_id)
        ).first()
    if row is None or row.username is None:
        return ResumedSession("no_user", session_id)
    try:
        scope = scope_from_row(row)
    except ValueError:
        return ResumedSession("invalid_user", session_id)
    check = check_web_session(engine, session_id, scope, now)
    if not check.ok:
        return ResumedSession(check.ended, session_id)
    audit(engine, check.scope, "session_resumed", {"web_session": session_id, "client": client or UNKNOWN,
                                                    "session": session_tag, "method": row.auth_method})
    return ResumedSession(None, session_id, check.scope, row.auth_method, check)


def database_reachable(engine: Engine) -> bool:
    """True when the database answers a trivial query (the app polls this during an outage)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not reachable yet"
        return False
    return True


def is_database_outage(exc: BaseException) -> bool:
    """True for errors that mean "the database cannot be reached" (connection refused or lost, pool
    exhausted), as opposed to a bug: the app then shows a "retrying" state, never the error text."""
    if isinstance(exc, (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)
