"""Bring an older database's SIF tables up to the current schema, in place and idempotently.

The project creates tables with ``create_all`` and has no migration tool; a column added to an existing
table therefore needs this step. :func:`ensure_application_bank` adds ``sif_applications.bank`` to a
database made before it existed and fills each existing application with its officer's bank from
``users`` (the bank the officer belongs to now: the best record there is of who made it). Every SIF
function that reads or writes applications calls it first; after the first call per engine it costs
nothing.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine, inspect, select, text, update

from jkn_core.schema import SifApplication, User

_done: set[str] = set()
_lock = threading.Lock()


def ensure_application_bank(engine: Engine) -> bool:
    """Add and fill ``sif_applications.bank`` when the table lacks it; True when the table was changed."""
    key = engine.url.render_as_string(hide_password=True)
    if key in _done:
        return False
    with _lock:
        if key in _done:
            return False
        changed = False
        with engine.begin() as conn:
            tables = set(inspect(conn).get_table_names())
            if SifApplication.__tablename__ in tables:
                cols = {c["name"] for c in inspect(conn).get_columns(SifApplication.__tablename__)}
                if "bank" not in cols:
                    conn.execute(text("ALTER TABLE sif_applications ADD COLUMN bank VARCHAR(40)"))
                    t, u = SifApplication.__table__, User.__table__
                    conn.execute(update(t).values(
                        bank=select(u.c.bank).where(u.c.username == t.c.officer).scalar_subquery()))
                    changed = True
        _done.add(key)
        return changed


def forget() -> None:
    """Check again on the next call (tests that rebuild a database under the same URL)."""
    with _lock:
        _done.clear()
