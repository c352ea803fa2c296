"""Sessions: the idle time-out, the re-check against the user row at every interaction, the upload limit.

A signed-in session keeps its :class:`~jkn_core.scope.Scope` and the fingerprint of the password hash
it signed in with (:func:`~jkn_core.access.passwords.password_fingerprint`). At every interaction the
app calls :func:`check_session`: one indexed query (the ``users`` primary key, with the recorded
default password from ``meta``), no Argon2. The outcome:

- user gone, deactivated, password changed or reset, or role changed: the session **ends**
  (``ended`` names the reason) and the person is back on the sign-in page;
- region, branch or bank changed (same role): the session **takes the new scope** at once
  (``scope_changed``); every query is scoped by it from this interaction on;
- otherwise the session goes on; ``default_password`` says whether the stored password is still a
  default one (demo or admin reset), which :func:`~jkn_core.access.credentials.must_change_password`
  turns into "change it before any page opens".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from jkn_core.access.defaults import default_kind
from jkn_core.access.passwords import default_password_key, password_fingerprint
from jkn_core.access.users import normalise_username, scope_from_row
from jkn_core.schema import Meta, User
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
    ``"password_changed"``, ``"role_changed"``, ``"invalid_user"``. ``scope`` is the scope to use from
    now on (the user row's), ``scope_changed`` whether it differs from the session's.
    """

    ended: str | None
    scope: Scope | None = None
    scope_changed: bool = False
    default_password: str | None = None

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
    if row is None:
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
