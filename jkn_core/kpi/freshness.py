"""The freshness mark of the pre-aggregates: written by :mod:`jkn_core.kpi.refresh`, read by every KPI.

A row ``aggregates_state`` in ``meta`` holds ``import:<id>|<months>``: the newest ``import`` audit row
the aggregates include and the ledger months they hold. The aggregates are current while no newer
import exists. Nothing here writes; the rebuilds are in :mod:`jkn_core.kpi.refresh`.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from jkn_core.audit import IMPORT_WRITTEN
from jkn_core.schema import AuditLog, Meta

META_KEY = "aggregates_state"


def last_import_id():  # type: ignore[no-untyped-def]
    """Scalar subquery: the id of the newest ``import`` audit row (NULL when none)."""
    return select(func.max(AuditLog.id)).where(AuditLog.action == IMPORT_WRITTEN).scalar_subquery()


def state_mark(last: int | None) -> str:
    """The mark part of the state for the import audit id ``last`` (None: no import yet)."""
    return f"import:{last}" if last is not None else "import:none"


def current_periods(conn: Connection) -> list[int] | None:
    """The ledger months the aggregates hold, or None when they are missing or stale."""
    row = conn.execute(select(select(Meta.value).where(Meta.key == META_KEY).scalar_subquery(),
                              last_import_id())).first()  # one round trip
    state = row[0] if row else None
    if state is None:
        return None
    mark, _, ps = state.partition("|")
    if mark != state_mark(row[1]):
        return None
    return [int(p) for p in ps.split(",") if p]


def usable(conn: Connection) -> bool:
    """True when the aggregates were built and no import has run since without refreshing them."""
    return current_periods(conn) is not None


# --- the data version: what a cache of any figure read from the database is keyed on -----------------------
#: ``meta`` keys whose value moves when the data behind the figures is rebuilt outside an import (the demo
#: generator writes ``generated_at`` and ``seed``; the aggregates refresh writes :data:`META_KEY`).
VERSION_META_KEYS = ("generated_at", "seed", META_KEY)


def data_version(conn: Connection) -> str:
    """A short string that changes whenever the data behind a figure can have changed, in one round trip.

    It holds the newest committed-import audit id (every import of any table writes one, whichever process
    ran it), the demo generator's ``generated_at`` and seed (a rebuilt demo), and the aggregates' freshness
    mark (a refresh). Caches of KPI results (``pages/directors_view.py``) and of the SIF portfolio key on it
    together with the database URL, so an import invalidates them at the next page run in every process,
    without waiting for a time-to-live. Reading it costs one query of index probes (~0.2 ms on SQLite).
    """
    cols = [select(Meta.value).where(Meta.key == key).scalar_subquery() for key in VERSION_META_KEYS]
    row = conn.execute(select(last_import_id(), *cols)).first()
    last, generated, seed, state = row if row is not None else (None, None, None, None)
    agg = (state or "").partition("|")[0]
    return f"import:{last}|gen:{generated}|seed:{seed}|agg:{agg}"
