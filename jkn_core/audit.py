"""The audit trail: ``audit_log`` is append-only; :func:`audit` writes one row, :func:`read_audit` reads (admins).

Every sign-in, user change, import, export and model run is written here; nothing in the product
updates or deletes a row. Details are stored as JSON with keys that look like secrets removed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.engine import Connection

from jkn_core.schema import AuditLog
from jkn_core.scope import Scope, ScopeError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: The action of a committed import. The pre-aggregates' freshness mark (jkn_core.kpi.freshness) follows the
#: newest row of this action, so a rejected import or a dry run is logged under another action.
IMPORT_WRITTEN = "import"

#: Keys never written to an audit detail, whatever a caller passes.
_SECRET_KEYS = ("password", "passwd", "secret", "token", "hash")


def _scrub(detail: Any) -> Any:
    if isinstance(detail, Mapping):
        return {
            str(k): ("[removed]" if any(s in str(k).lower() for s in _SECRET_KEYS) else _scrub(v))
            for k, v in detail.items()
        }
    if isinstance(detail, (list, tuple)):
        return [_scrub(v) for v in detail]
    return detail


def _detail_json(detail: Mapping[str, Any] | str | None) -> str | None:
    if detail is None:
        return None
    if isinstance(detail, str):
        detail = {"note": detail}
    return json.dumps(_scrub(detail), default=str, ensure_ascii=False, sort_keys=True)


def audit(
    engine_or_conn: Engine | Connection,
    scope_or_username: Scope | str,
    action: str,
    detail: Mapping[str, Any] | str | None = None,
) -> None:
    """Append one row to ``audit_log``.

    With a :class:`Connection` the row joins the caller's transaction (it is kept only if that
    commits); with an :class:`Engine` it is committed at once. ``detail`` is stored as a JSON object
    (a string becomes ``{"note": ...}``); keys that look like secrets are dropped.
    """
    action = (action or "").strip()
    if not action or len(action) > 40:
        raise ValueError("audit action must be 1..40 characters")
    if isinstance(scope_or_username, Scope):
        username, scope_text = scope_or_username.username, scope_or_username.describe()
    else:
        username, scope_text = str(scope_or_username or "anonymous"), "unauthenticated"
    row = {
        "at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "username": username[:64],
        "action": action,
        "scope": scope_text[:80],
        "detail": _detail_json(detail),
    }
    if isinstance(engine_or_conn, Connection):
        engine_or_conn.execute(_audit_insert(engine_or_conn, row))
    else:
        with engine_or_conn.begin() as conn:
            conn.execute(_audit_insert(conn, row))


def _audit_insert(conn: Connection, row: dict[str, Any]) -> Any:
    stmt = insert(AuditLog).values(**row)
    if conn.dialect.name == "sqlite":
        # ``audit_log.id`` is a BIGINT primary key, which SQLite does not auto-number (only an
        # INTEGER primary key is a rowid alias). One INSERT holding SQLite's write lock takes
        # MAX(id)+1 atomically; PostgreSQL numbers the row itself.
        t = AuditLog.__table__
        stmt = stmt.values(id=select(func.coalesce(func.max(t.c.id), 0) + 1).scalar_subquery())
    return stmt


def read_audit(engine: Engine, scope: Scope, limit: int = 500, action: str | None = None) -> pd.DataFrame:
    """The newest ``limit`` audit rows (optionally of one action). Admins only."""
    import pandas as pd

    if scope.role != "admin":
        raise ScopeError(f"role {scope.role} may not read the audit log")
    limit = max(1, min(int(limit), 100_000))
    t = AuditLog.__table__
    stmt = select(t.c.id, t.c.at, t.c.username, t.c.action, t.c.scope, t.c.detail)
    if action:
        stmt = stmt.where(t.c.action == action)
    stmt = stmt.order_by(t.c.at.desc(), t.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return pd.DataFrame(rows, columns=["id", "at", "username", "action", "scope", "detail"])
