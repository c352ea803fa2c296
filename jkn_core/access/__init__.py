"""Who sees what: users, passwords, sign-in, the page registry and the audit trail.

- Passwords are hashed with Argon2id (``argon2.PasswordHasher``: salted, deliberately slow) and
  checked with the library's own verify, never by comparing hashes.
- :func:`authenticate` turns a username and password into a :class:`~jkn_core.scope.Scope`; every
  attempt, good or bad, is written to ``audit_log`` (the username, never the password).
- :data:`PAGES` is the page registry as data (page key -> roles allowed); the app asks
  :func:`allowed_pages` what to show and :func:`require_page` before rendering a page.
- ``audit_log`` is append-only: this module writes (:func:`audit`) and reads (:func:`read_audit`,
  admins only) and offers nothing that updates or deletes.
- ``python -m jkn_core users add|list|deactivate|activate`` manages users from the shell.

Usernames are stored lower-case (they may be e-mail addresses, which OIDC sign-in maps through
:func:`scope_for`). This module never imports streamlit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from jkn_core.audit import audit, read_audit
from jkn_core.schema import ROLES, Branch, Region, User
from jkn_core.scope import Scope, ScopeError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DEMO_USERS",
    "MAX_UPLOAD_MB",
    "MIN_PASSWORD_LENGTH",
    "PAGES",
    "ROLES",
    "SESSION_TIMEOUT_MINUTES",
    "DemoUser",
    "ScopeError",
    "allowed_pages",
    "audit",
    "authenticate",
    "create_demo_users",
    "create_user",
    "hash_password",
    "list_users",
    "read_audit",
    "require_page",
    "scope_for",
    "session_expired",
    "set_user_active",
    "verify_password",
]

# --- session hygiene ------------------------------------------------------------------------------
#: Sign a user out after this many minutes without activity.
SESSION_TIMEOUT_MINUTES = 30
#: Largest upload the import page accepts (match ``server.maxUploadSize`` in .streamlit/config.toml).
MAX_UPLOAD_MB = 50
MIN_PASSWORD_LENGTH = 8
#: Longer inputs are refused before hashing (Argon2 copes, but there is no reason to accept them).
MAX_PASSWORD_LENGTH = 1024

_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,63}$")
_REGION_ROLES = ("deputi_wilayah", "bank_officer")
_NATIONAL_ROLES = ("direksi", "admin")


def _utcnow() -> dt.datetime:
    """Naive UTC (the ``DateTime`` columns are timezone-less; everything stored is UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


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


# --- passwords ------------------------------------------------------------------------------------
_HASHER = PasswordHasher()  # Argon2id with the library's (RFC 9106) defaults


def hash_password(password: str) -> str:
    """An Argon2id hash (``$argon2id$...``) with a fresh random salt."""
    if not isinstance(password, str) or not password:
        raise ValueError("password must be a non-empty string")
    return _HASHER.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """True when ``password`` matches ``password_hash`` (the library's timing-safe verify)."""
    if not isinstance(password, str) or not isinstance(password_hash, str) or not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so both paths take as long."""
    return _HASHER.hash("no-such-user-dummy-password")


# --- users ----------------------------------------------------------------------------------------
def normalise_username(username: str) -> str:
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
    is taken from their branch.
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

    values = {
        "password_hash": hash_password(password),
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


def list_users(engine: Engine) -> pd.DataFrame:
    """All users without their password hashes."""
    import pandas as pd

    cols = ["username", "role", "region_code", "branch_code", "bank", "active", "created_at"]
    t = User.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(*(t.c[c] for c in cols)).order_by(t.c.username)).all()
    return pd.DataFrame(rows, columns=cols)


def _scope_from_row(row: Any) -> Scope:
    return Scope(
        role=row.role,
        username=row.username,
        region_code=row.region_code,
        branch_code=row.branch_code,
        bank=row.bank,
    )


def authenticate(engine: Engine, username: str, password: str) -> Scope | None:
    """The user's :class:`Scope` when the password is right and the user active, else ``None``.

    Audits ``sign_in`` or ``sign_in_failed`` (username and reason, never the password). Unknown
    users cost the same Argon2 verify as known ones, so timing does not reveal which exist.
    """
    name = normalise_username(username if isinstance(username, str) else "")
    row = None
    if name:
        with engine.connect() as conn:
            row = conn.execute(select(User.__table__).where(User.username == name)).first()

    if row is None:
        verify_password(password or "", _dummy_hash())
        audit(engine, name or "anonymous", "sign_in_failed", {"reason": "unknown user"})
        return None
    ok = verify_password(password if isinstance(password, str) else "", row.password_hash)
    if not ok:
        audit(engine, name, "sign_in_failed", {"reason": "wrong password"})
        return None
    if not row.active:
        audit(engine, name, "sign_in_failed", {"reason": "inactive user"})
        return None
    try:
        scope = _scope_from_row(row)
    except ValueError as exc:  # a user row that no longer makes a valid scope
        audit(engine, name, "sign_in_failed", {"reason": f"invalid user record: {exc}"})
        return None

    if _HASHER.check_needs_rehash(row.password_hash):  # hashing parameters were raised since
        with engine.begin() as conn:
            conn.execute(
                update(User).where(User.username == name).values(password_hash=hash_password(password))
            )
    audit(engine, scope, "sign_in", {"method": "password"})
    return scope


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
        return _scope_from_row(row)
    except ValueError as exc:
        raise ScopeError(f"user {name!r} has an invalid record: {exc}") from exc


# --- page registry --------------------------------------------------------------------------------
_DIRECTORS = frozenset({"direksi", "deputi_wilayah", "kantor_cabang", "admin"})

#: page key -> roles allowed to open it. The app's navigation is built from this.
PAGES: dict[str, frozenset[str]] = {
    "overview": _DIRECTORS,
    "coverage": _DIRECTORS,
    "arrears": _DIRECTORS,
    "capacity": _DIRECTORS | {"bank_officer"},
    "work_queue": frozenset({"kantor_cabang", "admin"}),
    "model_delinquency": frozenset({"kantor_cabang", "admin", "direksi"}),
    "sif_officer": frozenset({"bank_officer", "admin"}),
    "sif_portfolio": frozenset({"bank_officer", "admin"}),
    "model_sif": frozenset({"bank_officer", "admin"}),
    "admin_users": frozenset({"admin"}),
    "admin_import": frozenset({"admin"}),
    "admin_audit": frozenset({"admin"}),
    "admin_targets": frozenset({"admin"}),
}


def allowed_pages(scope: Scope) -> list[str]:
    """Page keys this scope may open, in registry order."""
    return [key for key, roles in PAGES.items() if scope.role in roles]


def require_page(scope: Scope, page_key: str) -> None:
    """Raise :class:`ScopeError` unless the scope may open ``page_key`` (unknown keys are refused)."""
    roles = PAGES.get(page_key)
    if roles is None:
        raise ScopeError(f"unknown page {page_key!r}")
    if scope.role not in roles:
        raise ScopeError(f"role {scope.role} may not open page {page_key!r}")


# --- demo users -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    region_code: str | None = None
    branch_code: str | None = None
    bank: str | None = None
    label: str = ""


#: One demo user per role. The passwords are public: demo databases only, never production.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("direksi", "direksi-demo", "direksi", label="Direksi (national)"),
    DemoUser("deputi", "deputi-demo", "deputi_wilayah", region_code="KW03", label="Deputi Wilayah III"),
    DemoUser("cabang", "cabang-demo", "kantor_cabang", branch_code="0301", label="Kantor Cabang Palembang"),
    DemoUser(
        "bank", "bank-demo", "bank_officer", region_code="KW05", bank="Bank bjb", label="Bank bjb officer"
    ),
    DemoUser("admin", "admin-demo", "admin", label="Administrator"),
)


def create_demo_users(engine: Engine, log: Callable[[str], None] | None = None) -> list[str]:
    """Create the :data:`DEMO_USERS` that are missing; returns the usernames created.

    Users whose region or branch is not in this (possibly small) world are skipped. Passwords are
    never logged.
    """
    log = log or (lambda _msg: None)
    with engine.connect() as conn:
        existing = set(conn.execute(select(User.username)).scalars())
        regions = set(conn.execute(select(Region.code)).scalars())
        branches = set(conn.execute(select(Branch.code)).scalars())
    created: list[str] = []
    for u in DEMO_USERS:
        if u.username in existing:
            continue
        if u.region_code and u.region_code not in regions:
            log(f"demo user {u.username}: region {u.region_code} not in this world, skipped")
            continue
        if u.branch_code and u.branch_code not in branches:
            log(f"demo user {u.username}: branch {u.branch_code} not in this world, skipped")
            continue
        create_user(
            engine, u.username, u.password, u.role, u.region_code, u.branch_code, u.bank, actor="demo"
        )
        created.append(u.username)
    if created:
        log(f"demo users created: {', '.join(created)} (passwords: see docs/access.md)")
    return created
