"""Server-side sign-in sessions in the database: open, hand the cookie over, resume, touch, end.

A signed-in browser holds one cookie, :data:`COOKIE_NAME` (``jkn_session``), whose value is a random
token (256 bits, ``secrets.token_urlsafe``); the table ``web_sessions`` keeps only its SHA-256, so a
copy of the database does not let anyone resume a session. Every server process reads the same rows:
a second Streamlit process behind a load balancer resumes a session from the cookie alone.

Life of a session:

1. :func:`open_session` after a successful sign-in (password or OIDC): a row with the user, the
   password fingerprint it signed in with, the method and client address, and a one-time **handoff
   code** (returned; only its hash is stored, valid :data:`HANDOFF_SECONDS`).
2. The browser trades the code for the cookie: it fetches ``/_jkn/session/adopt?code=...``
   (``serve.py``), which calls :func:`adopt_handoff`: the code is used up, a fresh token is made, its
   hash stored, and the response sets the cookie (``HttpOnly``, ``SameSite=Strict``, ``Secure`` over
   https). The token never appears in a page, a URL or a log.
3. Every interaction re-checks the row joined with the user row
   (:func:`jkn_core.access.session.check_web_session`, one indexed query) and :func:`touch` records the
   activity at most every :data:`TOUCH_EVERY_SECONDS`.
4. A reload (or a link opened in another tab) starts a new Streamlit session that reads the cookie and
   resumes the row (:func:`jkn_core.access.session.resume_web_session`).
5. The session ends: sign-out (:func:`end_session`), idle for ``SESSION_TIMEOUT_MINUTES``, older than
   :data:`ABSOLUTE_LIFETIME_HOURS`, or :func:`end_all_for_user` when the user is deactivated, their
   password changed or reset, or their role changed. An ended row stays (``ended_at``, ``end_reason``)
   as a record; every open tab of that session is signed out at its next click.

Nothing here imports streamlit; the cookie itself is set by ``serve.py`` and read by ``pages/common.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, inspect, select, update
from sqlalchemy.engine import Connection

from jkn_core.schema import WebSession

#: Name of the cookie that carries the session token (its only content is the random token).
COOKIE_NAME = "jkn_session"
#: A session ends this many hours after sign-in, however active (the idle limit is SESSION_TIMEOUT_MINUTES).
ABSOLUTE_LIFETIME_HOURS = 12
#: Record the activity of a session at most this often (keeps a click to one read, mostly).
TOUCH_EVERY_SECONDS = 60
#: Seconds the browser has to trade the one-time handoff code for the cookie after sign-in.
HANDOFF_SECONDS = 120
#: Why a session ended (``web_sessions.end_reason``).
END_REASONS = ("signed_out", "expired", "deactivated", "password_changed", "role_changed", "no_user",
               "invalid_user", "replaced")


def naive_now(now: dt.datetime | None = None) -> dt.datetime:
    """``now`` (default: the current time) as naive UTC, like every ``DateTime`` column."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(dt.UTC).replace(tzinfo=None) if now.tzinfo else now


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a token or handoff code: what the table stores instead of the secret."""
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def looks_like_token(value: object) -> bool:
    """True for a plausible token (a cookie holding anything else is ignored without a query)."""
    return isinstance(value, str) and 20 <= len(value) <= 128 and value.replace("-", "").replace("_", "").isalnum()


_TABLE_READY: set[str] = set()


def ensure_table(engine: Engine, *, recheck: bool = False) -> None:
    """Create ``web_sessions`` when the database predates it (checked once per engine and process,
    unless ``recheck``)."""
    key = str(engine.url)
    if key in _TABLE_READY and not recheck:
        return
    WebSession.__table__.create(engine, checkfirst=True)
    _TABLE_READY.add(key)


@dataclass(frozen=True)
class OpenedSession:
    """A new session: its row ``id`` (kept in the Streamlit session) and the one-time handoff code."""

    id: int
    handoff_code: str


def open_session(engine_or_conn: Engine | Connection, username: str, password_fp: str, method: str, *,
                 client: str | None = None, now: dt.datetime | None = None) -> OpenedSession:
    """Open a session for ``username`` (already signed in); returns its id and the handoff code.

    With a :class:`Connection` the row joins the caller's transaction (the sign-in's audit row:
    :func:`jkn_core.access.signin.sign_in`), and the caller has made sure the table exists
    (:func:`ensure_table`); with an :class:`Engine` it is committed at once."""
    at = naive_now(now)
    code = secrets.token_urlsafe(32)
    stmt = WebSession.__table__.insert().values(
        username=username, auth_method=method, password_fp=password_fp or "",
        client=(client or "unknown")[:64], created_at=at, last_seen_at=at,
        expires_at=at + dt.timedelta(hours=ABSOLUTE_LIFETIME_HOURS),
        handoff_hash=token_hash(code), handoff_expires_at=at + dt.timedelta(seconds=HANDOFF_SECONDS),
    )
    if isinstance(engine_or_conn, Connection):
        new_id = engine_or_conn.execute(stmt).inserted_primary_key[0]
    else:
        ensure_table(engine_or_conn)
        with engine_or_conn.begin() as conn:
            new_id = conn.execute(stmt).inserted_primary_key[0]
    return OpenedSession(int(new_id), code)


def adopt_handoff(engine: Engine, code: str, now: dt.datetime | None = None) -> tuple[str, int] | None:
    """Trade a handoff code for a new cookie token: ``(token, seconds the cookie may live)`` or ``None``.

    The code works once, within :data:`HANDOFF_SECONDS`, for a session that has not ended.
    """
    if not looks_like_token(code):
        return None
    ensure_table(engine)
    at = naive_now(now)
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        done = conn.execute(update(WebSession).where(
            WebSession.handoff_hash == token_hash(code), WebSession.handoff_expires_at >= at,
            WebSession.ended_at.is_(None), WebSession.expires_at > at,
        ).values(token_hash=token_hash(token), handoff_hash=None, handoff_expires_at=None))
        if done.rowcount != 1:
            return None
        expires = conn.execute(select(WebSession.expires_at)
                               .where(WebSession.token_hash == token_hash(token))).scalar_one()
    return token, max(1, int((expires - at).total_seconds()))


def session_id_for_token(engine: Engine, token: str) -> int | None:
    """The id of the session whose cookie holds ``token`` (ended or not), or ``None``."""
    if not looks_like_token(token):
        return None
    ensure_table(engine)
    with engine.connect() as conn:
        found = conn.execute(select(WebSession.id).where(WebSession.token_hash == token_hash(token))).scalar()
    return int(found) if found is not None else None


def touch(engine: Engine, session_id: int, last_seen: dt.datetime, now: dt.datetime | None = None) -> bool:
    """Record activity when the last record is :data:`TOUCH_EVERY_SECONDS` old or more; True if written."""
    at = naive_now(now)
    if at - naive_now(last_seen) < dt.timedelta(seconds=TOUCH_EVERY_SECONDS):
        return False
    with engine.begin() as conn:
        conn.execute(update(WebSession).where(WebSession.id == session_id, WebSession.ended_at.is_(None))
                     .values(last_seen_at=at))
    return True


def set_password_fp(conn: Connection, session_id: int, password_fp: str) -> None:
    """The session's user changed their password in this session: it goes on under the new fingerprint
    (in the caller's transaction, the one that changes the password)."""
    if inspect(conn).has_table(WebSession.__tablename__):
        conn.execute(update(WebSession).where(WebSession.id == session_id, WebSession.ended_at.is_(None))
                     .values(password_fp=password_fp))


def end_session(engine_or_conn: Engine | Connection, session_id: int, reason: str,
                now: dt.datetime | None = None) -> bool:
    """End one session (sign-out, time-out, ...); True when it was open. Its cookie stops working."""
    stmt = (update(WebSession).where(WebSession.id == session_id, WebSession.ended_at.is_(None))
            .values(ended_at=naive_now(now), end_reason=reason[:32], handoff_hash=None))
    if isinstance(engine_or_conn, Connection):
        return engine_or_conn.execute(stmt).rowcount == 1
    with engine_or_conn.begin() as conn:
        return conn.execute(stmt).rowcount == 1


def end_all_for_user(conn: Connection, username: str, reason: str, *, keep: int | None = None,
                     now: dt.datetime | None = None) -> int:
    """End every open session of ``username`` (but ``keep``), in the caller's transaction; how many ended.

    Called where the user row changes: deactivation, password change or reset, role change. A database
    made before sessions were kept (no ``web_sessions`` table) has none to end.
    """
    if not inspect(conn).has_table(WebSession.__tablename__):
        return 0
    stmt = (update(WebSession).where(WebSession.username == username, WebSession.ended_at.is_(None))
            .values(ended_at=naive_now(now), end_reason=reason[:32], handoff_hash=None))
    if keep is not None:
        stmt = stmt.where(WebSession.id != keep)
    return conn.execute(stmt).rowcount
