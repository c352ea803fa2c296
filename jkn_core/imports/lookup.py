"""Reading rows of the database by key for the importer: :func:`lookup` and :func:`existing_rows`, chunked.

Used by the checks against the database and by the writer; both dialects (SQLite and PostgreSQL) are
handled here. Nothing here writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import any_, bindparam, select
from sqlalchemy.engine import Connection

from jkn_core.schema import Base


def max_params(conn: Connection) -> int:
    """How many bound parameters one statement may carry on this connection's database."""
    if conn.dialect.name == "sqlite":
        return 30_000 if sqlite3.sqlite_version_info >= (3, 32) else 900
    return 30_000


def in_values(conn: Connection, column: Any, values: list[Any]) -> Any:
    """``column IN values``: one array parameter on PostgreSQL (``= ANY``), a plain IN elsewhere."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def lookup(
    conn: Connection, table: str, column: str, values: set[Any] | list[Any], extra: Sequence[str] = ()
) -> dict[Any, tuple[Any, ...]]:
    """Rows of ``table`` whose ``column`` is in ``values``: {value: (extra columns...)}."""
    t = Base.metadata.tables[table]
    values = sorted(values)
    per = max_params(conn)
    out: dict[Any, tuple[Any, ...]] = {}
    for start in range(0, len(values), per):
        chunk = values[start : start + per]
        stmt = select(t.c[column], *[t.c[c] for c in extra]).where(in_values(conn, t.c[column], chunk))
        for row in conn.execute(stmt):
            out[row[0]] = tuple(row[1:])
    return out


def existing_rows(
    conn: Connection, table: str, key: Sequence[str], columns: Sequence[str], keys: list[tuple[Any, ...]]
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Existing rows by natural key: {key: (columns...)} for the keys present in the database.

    A composite key is matched per column (``a IN (...) AND b IN (...)``, a superset filtered here):
    portable, index-friendly, and free of huge row-value lists that PostgreSQL's parser rejects.
    """
    t = Base.metadata.tables[table]
    kcols = [t.c[k] for k in key]
    per = max(1, max_params(conn) // len(key))
    wanted = set(keys)
    out: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for start in range(0, len(keys), per):
        chunk = keys[start : start + per]
        conds = [in_values(conn, col, sorted({k[j] for k in chunk})) for j, col in enumerate(kcols)]
        for row in conn.execute(select(*kcols, *[t.c[c] for c in columns]).where(*conds)):
            k = tuple(row[: len(key)])
            if k in wanted:
                out[k] = tuple(row[len(key) :])
    return out
