"""Bring an older database's people tables up to the current schema, in place and idempotently.

The project creates tables with ``create_all`` and has no migration tool (see also
:mod:`jkn_core.sif.upgrade`). A modelling extract need not carry a person's identity: ``participants.nik``,
``name``, ``birth_date`` and ``fktp_code`` and ``families.head_birth_year`` became optional
(:data:`OPTIONAL_COLUMNS`). A database made before that still has them ``NOT NULL``;
:func:`ensure_optional_columns` drops those constraints:

- PostgreSQL: ``ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL`` (transactional);
- SQLite (no ``ALTER COLUMN``): the table's definition in ``sqlite_schema`` loses the ``NOT NULL`` of
  those columns, the procedure SQLite documents for removing a ``NOT NULL`` constraint (the stored rows
  do not change, so nothing is copied; ``writable_schema`` and a ``schema_version`` bump, in one
  transaction, then ``PRAGMA integrity_check``).

It runs from :func:`jkn_core.db.create_schema`, at the dashboard's start (``pages/common.database_ready``)
and before a participants or families import; after the first call per engine it costs nothing.
"""

from __future__ import annotations

import re
import threading

from sqlalchemy import Engine, inspect

#: Columns that may be NULL (empty) since modelling extracts are importable, by table.
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "participants": ("nik", "name", "birth_date", "fktp_code"),
    "families": ("head_birth_year",),
}

#: Columns added to a table after databases were made with it (the channel of a payment, #13): table ->
#: ((column, SQL type), ...); added empty (NULL) by :func:`ensure_optional_columns`.
ADDED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "contributions": (("channel", "VARCHAR(16)"),),
}

_done: set[str] = set()
_lock = threading.Lock()


def _add_missing_columns(engine: Engine) -> bool:
    """Add :data:`ADDED_COLUMNS` to the tables that lack them; True when one was added."""
    added = False
    with engine.begin() as conn:
        insp = inspect(conn)
        tables = set(insp.get_table_names())
        for table, cols in ADDED_COLUMNS.items():
            if table not in tables:
                continue
            have = {c["name"] for c in insp.get_columns(table)}
            for col, sql_type in cols:
                if col not in have:
                    conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {col} {sql_type}")
                    added = True
    return added


def _not_null(engine: Engine) -> dict[str, list[str]]:
    """The :data:`OPTIONAL_COLUMNS` that are still ``NOT NULL`` in the database, by table."""
    out: dict[str, list[str]] = {}
    insp = inspect(engine)
    tables = set(insp.get_table_names())
    for table, cols in OPTIONAL_COLUMNS.items():
        if table not in tables:
            continue
        nullable = {c["name"]: c["nullable"] for c in insp.get_columns(table)}
        strict = [c for c in cols if c in nullable and not nullable[c]]
        if strict:
            out[table] = strict
    return out


def _sqlite_drop_not_null(engine: Engine, todo: dict[str, list[str]]) -> None:
    """Remove ``NOT NULL`` from the columns ``todo`` in SQLite's stored table definitions (one transaction)."""
    raw = engine.raw_connection()
    try:
        con = raw.driver_connection
        old_level = con.isolation_level
        con.isolation_level = None  # explicit BEGIN / COMMIT below
        cur = con.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE")
            version = cur.execute("PRAGMA schema_version").fetchone()[0]
            cur.execute("PRAGMA writable_schema=ON")
            for table, cols in todo.items():
                sql = cur.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()[0]
                for col in cols:
                    sql = re.sub(rf'(\b"?{re.escape(col)}"?\s+[A-Za-z]+(?:\(\d+\))?)\s+NOT NULL\b', r"\1", sql, count=1)
                cur.execute("UPDATE sqlite_master SET sql=? WHERE type='table' AND name=?", (sql, table))
            cur.execute(f"PRAGMA schema_version={int(version) + 1}")
            cur.execute("PRAGMA writable_schema=OFF")
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            cur.execute("PRAGMA writable_schema=OFF")
            raise
        finally:
            con.isolation_level = old_level
        check = con.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":  # pragma: no cover - would mean a corrupt database before the upgrade
            raise RuntimeError(f"database integrity check after the schema upgrade: {check}")
    finally:
        raw.close()


def ensure_optional_columns(engine: Engine) -> bool:
    """Add :data:`ADDED_COLUMNS` and make :data:`OPTIONAL_COLUMNS` nullable where they are not yet; True when
    the schema was changed."""
    key = engine.url.render_as_string(hide_password=True)
    if key in _done:
        return False
    with _lock:
        if key in _done:
            return False
        added = _add_missing_columns(engine)
        todo = _not_null(engine)
        if todo:
            if engine.dialect.name == "sqlite":
                _sqlite_drop_not_null(engine, todo)
            else:
                with engine.begin() as conn:
                    for table, cols in todo.items():
                        for col in cols:
                            conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {col} DROP NOT NULL")
        _done.add(key)
        return added or bool(todo)


def forget() -> None:
    """Check again on the next call (tests that rebuild a database under the same URL)."""
    with _lock:
        _done.clear()
