"""Users: create, list, activate and deactivate them, and the OIDC look-up (:func:`scope_for`).

Usernames are stored lower-case (they may be e-mail addresses, which OIDC sign-in maps through
:func:`scope_for`). Every sign-in attempt and user change is written to the audit trail (the username,
never the password). Password hashing lives in :mod:`jkn_core.access.passwords`, sign-in with a
password (throttled) in :mod:`jkn_core.access.signin`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from jkn_core.access.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    verify_password,
)
from jkn_core.access.web_sessions import end_all_for_user
from jkn_core.audit import audit
from jkn_core.schema import ROLES, Branch, Region, User
from jkn_core.scope import Scope, ScopeError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,63}$")
_REGION_ROLES = ("deputi_wilayah", "bank_officer")
_NATIONAL_ROLES = ("direksi", "admin")


def _utcnow() -> dt.datetime:
    """Naive UTC (the ``DateTime`` columns are timezone-less; everything stored is UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def normalise_username(username: str) -> str:
    """A username as stored: stripped and lower-case (``None`` becomes ``""``)."""
    return (username or "").strip().lower()


def _none_if_blank(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _actor(actor: Scope | str) -> Scope | str:
    return actor if isinstance(actor, Scope) else (str(actor).strip() or "system")


def create_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    region_code: str | None = None,
    branch_code: str | None = None,
    bank: str | None = None,
    actor: Scope | str = "system",
    *,
    replace: bool = False,
) -> None:
    """Create (or with ``replace=True`` overwrite) a user; audited as ``user_created``/``user_updated``.

    Raises ``ValueError`` with a readable message on any invalid input, and ``ValueError("user
    exists: ...")`` when the user exists and ``replace`` is false. A ``kantor_cabang`` user's region
    is taken from their branch. Replacing a user with the password they already have keeps the stored
    hash (their open sessions take the new scope at the next interaction); a different password is
    audited as ``password_reset`` and ends their open sessions.
    """
    username = normalise_username(username)
    region_code, branch_code, bank = map(_none_if_blank, (region_code, branch_code, bank))
    if not _USERNAME_RE.match(username):
        raise ValueError(
            "username must be 1..64 characters: letters, digits and . _ @ + - (an e-mail address is fine)"
        )
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"password must be at most {MAX_PASSWORD_LENGTH} characters")
    if bank and role != "bank_officer":
        raise ValueError("only a bank_officer has a bank")
    if bank and len(bank) > 40:
        raise ValueError("bank name must be at most 40 characters")
    if role in _NATIONAL_ROLES and (region_code or branch_code):
        raise ValueError(f"role {role} is national: give neither a region nor a branch")
    if role in _REGION_ROLES:
        if branch_code:
            raise ValueError(f"role {role} is scoped to a region: give --region, not --branch")
        if not region_code:
            raise ValueError(f"role {role} needs a region code (e.g. KW03)")
    if role == "kantor_cabang" and not branch_code:
        raise ValueError("role kantor_cabang needs a branch code (e.g. 0301)")

    with engine.connect() as conn:
        if region_code and role in _REGION_ROLES:
            if conn.execute(select(Region.code).where(Region.code == region_code)).scalar() is None:
                raise ValueError(f"unknown region code {region_code!r}")
        if role == "kantor_cabang":
            branch_region = conn.execute(
                select(Branch.region_code).where(Branch.code == branch_code)
            ).scalar()
            if branch_region is None:
                raise ValueError(f"unknown branch code {branch_code!r}")
            if region_code and region_code != branch_region:
                raise ValueError(f"branch {branch_code} belongs to region {branch_region}, not {region_code}")
            region_code = branch_region
        exists = conn.execute(select(User.username).where(User.username == username)).scalar() is not None
    if exists and not replace:
        raise ValueError(f"user exists: {username!r} (use replace=True / --replace to overwrite)")

    password_hash = old_role = None
    if exists:  # the same password again keeps the stored hash: open sessions survive a scope change
        with engine.connect() as conn:
            old_hash, old_role = conn.execute(select(User.password_hash, User.role)
                                              .where(User.username == username)).one()
        if old_hash and verify_password(password, old_hash):
            password_hash = old_hash
    values = {
        "password_hash": password_hash or hash_password(password),
        "role": role,
        "region_code": region_code,
        "branch_code": branch_code,
        "bank": bank,
        "active": True,
    }
    detail = {
        "user": username,
        "role": role,
        "region_code": region_code,
        "branch_code": branch_code,
        "bank": bank,
    }
    try:
        with engine.begin() as conn:
            if exists:
                conn.execute(update(User).where(User.username == username).values(**values))
                audit(conn, _actor(actor), "user_updated", detail)
                if password_hash is None:  # a new password: every open session of the user ends
                    audit(conn, _actor(actor), "password_reset", {"user": username})
                    end_all_for_user(conn, username, "password_changed")
                elif old_role != role:  # pages and caches of the old role must not survive
                    end_all_for_user(conn, username, "role_changed")
            else:
                conn.execute(insert(User).values(username=username, created_at=_utcnow(), **values))
                audit(conn, _actor(actor), "user_created", detail)
    except IntegrityError as exc:  # created concurrently between the check and the insert
        raise ValueError(f"user exists: {username!r}") from exc


def set_user_active(engine: Engine, username: str, active: bool, actor: Scope | str = "system") -> None:
    """Deactivate (or reactivate) a user; inactive users cannot sign in. Audited."""
    username = normalise_username(username)
    with engine.begin() as conn:
        result = conn.execute(update(User).where(User.username == username).values(active=bool(active)))
        if result.rowcount == 0:
            raise ValueError(f"no such user {username!r}")
        audit(conn, _actor(actor), "user_activated" if active else "user_deactivated", {"user": username})
        if not active:  # every open session of the user ends (at its next click)
            end_all_for_user(conn, username, "deactivated")


def list_users(engine: Engine) -> pd.DataFrame:
    """All users without their password hashes."""
    import pandas as pd

    cols = ["username", "role", "region_code", "branch_code", "bank", "active", "created_at"]
    t = User.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(*(t.c[c] for c in cols)).order_by(t.c.username)).all()
    return pd.DataFrame(rows, columns=cols)


def scope_from_row(row: Any) -> Scope:
    """The :class:`Scope` of a ``users`` row (``ValueError`` when the row does not make a valid scope)."""
    return Scope(
        role=row.role,
        username=row.username,
        region_code=row.region_code,
        branch_code=row.branch_code,
        bank=row.bank,
    )


def scope_for(engine: Engine, username: str) -> Scope:
    """The :class:`Scope` of an active user, looked up by username or e-mail (OIDC sign-in).

    Raises :class:`ScopeError` when there is no such active user. Does not audit: the caller
    writes ``audit(engine, scope, "sign_in", {"method": "oidc"})`` once per session.
    """
    name = normalise_username(username if isinstance(username, str) else "")
    if not name:
        raise ScopeError("no user given")
    with engine.connect() as conn:
        row = conn.execute(select(User.__table__).where(User.username == name)).first()
    if row is None or not row.active:
        raise ScopeError(f"no active user {name!r}; ask an admin to add you")
    try:
        return scope_from_row(row)
    except ValueError as exc:
        raise ScopeError(f"user {name!r} has an invalid record: {exc}") from exc
