"""The view every KPI is asked for: drill-down :class:`Filters`, the months held, the scope and drill-down
WHERE helpers, level columns, the hierarchy for pickers, URL parameters, and small frame/percent helpers.

No KPI is computed here; the KPI modules (coverage, arrears, ...) build on these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from time import monotonic
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, literal, select

from jkn_core.db import meta_writes
from jkn_core.kpi.freshness import current_periods
from jkn_core.kpi.freshness import data_version as freshness_version
from jkn_core.schema import Branch, Contribution, FacilityMonth, Meta, Province, Regency, Region
from jkn_core.scope import Scope

LEVELS = ("region", "province", "branch", "regency")


@dataclass(frozen=True)
class Filters:
    """Drill-down: nation → region (kedeputian wilayah) → branch → regency."""

    region: str | None = None
    branch: str | None = None
    regency: str | None = None

    def clause(self, region_col, branch_col, regency_col=None):  # type: ignore[no-untyped-def]
        conds = []
        if self.region:
            conds.append(region_col == self.region)
        if self.branch:
            conds.append(branch_col == self.branch)
        if self.regency and regency_col is not None:
            conds.append(regency_col == self.regency)
        return and_(*conds) if conds else literal(True)


NATION = Filters()


@lru_cache(maxsize=16)
def reader(engine: Engine) -> Engine:
    """The engine for KPI reads: on PostgreSQL in autocommit (no BEGIN/ROLLBACK round trips around a read;
    each statement sees committed data, and the aggregates are replaced in one transaction). Shares the pool."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


# --- scope and drill-down -----------------------------------------------------------------------------
def whole_nation(scope: Scope, filters: Filters) -> bool:
    """True when neither the user's scope nor the drill-down narrows anything."""
    return not (scope.region_code or scope.branch_code or filters.region or filters.branch or filters.regency)


def branch_where(scope: Scope, filters: Filters, branch_col, regency_col=None):  # type: ignore[no-untyped-def]
    """Scope and drill-down on a table that carries a branch code: no join to ``branches`` unless a region
    is asked for (then a subquery of the region's branches)."""
    conds = [scope.clause(None, branch_col)]
    if filters.region:
        conds.append(branch_col.in_(select(Branch.code).where(Branch.region_code == filters.region)))
    if filters.branch:
        conds.append(branch_col == filters.branch)
    if filters.regency and regency_col is not None:
        conds.append(regency_col == filters.regency)
    return and_(*conds)


def level_columns(level: str):  # type: ignore[no-untyped-def]
    """The (code, name) columns of a unit of ``level`` (one of :data:`LEVELS` or ``nation``)."""
    if level == "region":
        return Region.code, Region.name
    if level == "province":
        return Province.code, Province.name
    if level == "branch":
        return Branch.code, Branch.name
    if level == "regency":
        return Regency.code, Regency.name
    if level == "nation":
        return literal("ID"), literal("Indonesia")
    raise ValueError(f"level must be one of {LEVELS} or 'nation'")


# --- the months held ---------------------------------------------------------------------------------
def periods(engine: Engine) -> list[int]:
    """Months of history held (YYYYMM, ascending), from the ledger or facility facts."""
    with reader(engine).connect() as conn:
        return held_periods(conn)


def held_periods(conn) -> list[int]:  # type: ignore[no-untyped-def]
    """:func:`periods` on an open connection."""
    held = current_periods(conn)  # recorded by the last refresh: no DISTINCT over the ledger
    if held:
        return held
    rows = conn.execute(select(Contribution.period).distinct().order_by(Contribution.period)).scalars().all()
    if not rows:
        rows = conn.execute(select(FacilityMonth.period).distinct().order_by(FacilityMonth.period)).scalars().all()
    return [int(r) for r in rows]


def latest_period(engine: Engine) -> int:
    ps = periods(engine)
    if not ps:
        raise LookupError("the database holds no monthly data yet")
    return ps[-1]


def resolve_period(conn, period: int | None) -> tuple[int, bool]:  # type: ignore[no-untyped-def]
    """The month asked for (default: the latest) and whether the aggregates are current and hold it.

    One round trip when the aggregates are current: the per-call cost of the small KPIs is round trips."""
    held = current_periods(conn)
    if period is None:
        ps = held or held_periods(conn)
        if not ps:
            raise LookupError("the database holds no monthly data yet")
        period = ps[-1]
    return period, bool(held) and period in held


def period_or_latest(engine: Engine, period: int | None) -> tuple[int, list[int]]:
    """``period`` when it is held, else the latest month held; and the months held."""
    ps = periods(engine)
    if not ps:
        raise LookupError("the database holds no monthly data yet")
    return (period if period in ps else ps[-1]), ps


def aggregates_hold(engine: Engine, period: int) -> bool:
    """True when the pre-aggregates are current and hold ``period``."""
    with engine.connect() as conn:
        return resolve_period(conn, period)[1]


# --- database facts ------------------------------------------------------------------------------------
#: Seconds a database's "synthetic" mark is remembered: the app reads it several times per click (sign-in
#: page, sidebar, banner, brief) and it changes only when ``init`` or ``demo`` rebuilds the database.
SYNTHETIC_TTL_S = 5.0
_synthetic_seen: dict[str, tuple[float, int, bool]] = {}
#: Each engine's URL as the key above, rendered once per engine (rendering it costs more than the lookup).
_url_keys: WeakKeyDictionary[Engine, str] = WeakKeyDictionary()


def is_synthetic(engine: Engine) -> bool:
    """Whether the database holds the synthetic demo (``meta.synthetic == "1"``).

    Remembered per database URL for :data:`SYNTHETIC_TTL_S` seconds; a ``set_meta`` in this process
    (``init``, ``demo``, a test) forgets it at once (:func:`jkn_core.db.meta_writes`)."""
    key = _url_keys.get(engine)
    if key is None:
        key = _url_keys[engine] = engine.url.render_as_string(hide_password=False)
    now, writes = monotonic(), meta_writes()
    seen = _synthetic_seen.get(key)
    if seen is not None and seen[1] == writes and now - seen[0] < SYNTHETIC_TTL_S:
        return seen[2]
    with reader(engine).connect() as conn:
        value = conn.execute(select(Meta.value).where(Meta.key == "synthetic")).scalar() == "1"
    _synthetic_seen[key] = (now, writes, value)
    return value


def data_version(engine: Engine) -> str:
    """The data version (:func:`jkn_core.kpi.freshness.data_version`): caches of figures key on it."""
    with reader(engine).connect() as conn:
        return freshness_version(conn)


def hierarchy(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Regions, branches and regencies the scope may see (for drill-down pickers)."""
    q = (select(Region.code.label("region_code"), Region.name.label("region_name"), Branch.code.label("branch_code"),
                Branch.name.label("branch_name"), Regency.code.label("regency_code"),
                Regency.name.label("regency_name"), Province.name.label("province_name"))
         .join(Branch, Branch.region_code == Region.code).join(Regency, Regency.branch_code == Branch.code)
         .join(Province, Province.code == Regency.province_code)
         .where(scope.clause(Branch.region_code, Branch.code)).order_by(Region.code, Branch.code, Regency.code))
    with reader(engine).connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all())


# --- the drill-down in a URL ---------------------------------------------------------------------------
def clean_filters(hier: pd.DataFrame, region: str | None = None, branch: str | None = None,
                  regency: str | None = None) -> Filters:
    """Filters from (URL) codes, kept only where the scope's hierarchy holds them and they nest.

    A code the user may not see, or that does not belong to the level above, is dropped, so a link
    from someone with a wider scope opens the widest view this user may have.
    """
    h = hier
    region = region if region and region in set(h["region_code"]) else None
    if region:
        h = h[h["region_code"] == region]
    branch = branch if branch and branch in set(h["branch_code"]) else None
    if branch:
        h = h[h["branch_code"] == branch]
        region = region or str(h["region_code"].iloc[0])
    regency = regency if regency and regency in set(h["regency_code"]) else None
    if regency:
        row = h[h["regency_code"] == regency].iloc[0]
        branch, region = str(row["branch_code"]), str(row["region_code"])
    return Filters(region=region, branch=branch, regency=regency)


def filters_to_params(filters: Filters, period: int | None = None) -> dict[str, str]:
    """The URL query parameters that reopen a view."""
    out = {k: v for k, v in (("region", filters.region), ("branch", filters.branch),
                             ("regency", filters.regency)) if v}
    if period:
        out["period"] = str(period)
    return out


def params_get(params: Mapping[str, Any], key: str) -> str | None:
    """A single query-parameter value (Streamlit returns the last one for repeated keys)."""
    v = params.get(key)
    if isinstance(v, list):
        v = v[-1] if v else None
    return str(v) if v not in (None, "") else None


# --- small result helpers ------------------------------------------------------------------------------
def small_frame(rows, columns: list[str], ints: tuple[str, ...] = ()) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """A small result as a DataFrame built column by column (``ints``: int64, NULL = 0)."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    data = {}
    for name, vals in zip(columns, cols, strict=True):
        if name in ints:
            data[name] = np.fromiter((int(v or 0) for v in vals), dtype=np.int64, count=len(vals))
        else:
            data[name] = list(vals)
    return pd.DataFrame(data, columns=columns)


def percent(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num ÷ den × 100 rounded to 2 decimals; NaN where den is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.round(np.where(den > 0, num / np.where(den > 0, den, 1) * 100, np.nan), 2)
