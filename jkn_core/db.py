"""The one place the database is reached: engines, bulk writes, schema creation."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import Connection

from jkn_core import config
from jkn_core.schema import Base, Meta, Participant
from jkn_core.schema_claims import Claim as Claim  # noqa: F401 - registers the hospital claims tables (#14)

# numpy scalars reach SQLite through bulk_insert (pandas' itertuples yields numpy.int64 for a nullable Int64
# column): without an adapter sqlite3 stores them as 8-byte BLOBs, not integers. Registered once, for every
# connection of the process (PostgreSQL's COPY converts them itself).
for _int_type in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64):
    sqlite3.register_adapter(_int_type, int)
for _float_type in (np.float32, np.float64):
    sqlite3.register_adapter(_float_type, float)
sqlite3.register_adapter(np.bool_, bool)


def make_engine(url: str | None = None) -> Engine:
    """A new engine for ``url`` (default ``config.database_url()``); SQLite gets WAL and foreign keys."""
    url = url or config.database_url()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            config.DATA_DIR.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _rec: Any) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA cache_size=-200000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str | None = None) -> Engine:
    """A shared engine per URL (default: ``config.database_url()``, read at each call)."""
    return _shared_engine(url or config.database_url())


@lru_cache(maxsize=8)
def _shared_engine(url: str) -> Engine:
    return make_engine(url)


def create_schema(engine: Engine) -> None:
    """Create every table that does not exist yet; bring older tables' optional columns up to date."""
    from jkn_core.schema_upgrade import ensure_optional_columns

    Base.metadata.create_all(engine)
    ensure_optional_columns(engine)


def drop_schema(engine: Engine) -> None:
    """Drop every table of the schema (the demo generator rebuilds from scratch)."""
    Base.metadata.drop_all(engine)


#: ``meta`` key written by ``python -m jkn_core init`` (value: the UTC time of the init).
INITIALISED_KEY = "initialised"


def is_populated(engine: Engine) -> bool:
    """True when the database is in use: it holds participants, or ``init`` has set it up.

    False for a missing schema or an empty one, which is what the dashboard's first start reads as
    "build the demo here". A database made by ``python -m jkn_core init`` holds no participants until
    the first import but is marked in ``meta`` (:data:`INITIALISED_KEY`), so it is never overwritten
    by the demo.

    Only a missing table reads as "not populated"; any other database error (a server outage, a lock
    time-out) is raised, never taken as an empty database that the demo may replace.
    """
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        if Meta.__tablename__ in tables and conn.execute(
            select(Meta.value).where(Meta.key == INITIALISED_KEY)
        ).first() is not None:
            return True
        return Participant.__tablename__ in tables and (
            conn.execute(select(Participant.id).limit(1)).first() is not None
        )


#: Bumped by every :func:`set_meta` in this process: short-lived caches of ``meta`` facts
#: (``kpi.is_synthetic``) compare it, so a write in this process is seen at once (other processes
#: see it within their cache's few seconds).
_META_WRITES = [0]


def meta_writes() -> int:
    """How many :func:`set_meta` calls this process has made (a cache-invalidation counter)."""
    return _META_WRITES[0]


def set_meta(conn: Connection, values: dict[str, Any]) -> None:
    """Write ``values`` into the ``meta`` key/value table (each key replaced), in the caller's transaction."""
    _META_WRITES[0] += 1
    table = Meta.__table__
    for key, value in values.items():
        conn.execute(table.delete().where(table.c.key == key))
        conn.execute(table.insert().values(key=key, value=str(value)))


def frame_rows(frame: Any, chunk: int = 100_000) -> Iterator[tuple]:
    """A pandas frame's rows for :func:`bulk_insert`: tuples of Python values, as ``itertuples(index=False,
    name=None)`` gives them, but made column by column (``tolist``, in chunks): iterating a pandas string
    column value by value is ~7x slower (1.7 million ledger rows in the demo build)."""
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start:start + chunk]
        yield from zip(*(part.iloc[:, k].tolist() for k in range(part.shape[1])), strict=True)


def bulk_insert(conn: Connection, table_name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert many rows fast: COPY on PostgreSQL, executemany on the DB-API cursor elsewhere.

    ``rows`` is an iterable of tuples in ``columns`` order (None for NULL). Runs inside the caller's
    transaction, so a failure leaves nothing behind.
    """
    dialect = conn.dialect.name
    raw = conn.connection.dbapi_connection
    cols = ", ".join(columns)
    n = 0
    if dialect == "postgresql":
        cur = raw.cursor()
        with cur.copy(f"COPY {table_name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n
    placeholders = ", ".join("?" for _ in columns)
    cur = raw.cursor()
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= 50_000:
            cur.executemany(f"INSERT INTO {table_name} ({cols}) VALUES ({placeholders})", batch)
            n += len(batch)
            batch = []
    if batch:
        cur.executemany(f"INSERT INTO {table_name} ({cols}) VALUES ({placeholders})", batch)
        n += len(batch)
    return n


def analyze(engine: Engine) -> None:
    """Refresh planner statistics after a bulk load."""
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


