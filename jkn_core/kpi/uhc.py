"""UHC status by region: each province or regency against the UHC threshold (≥ 95 % of its population
registered, :data:`jkn_core.rules.UHC_THRESHOLD_PCT`) or against its own target where one was imported.

The national target (98 % in 2024) is a target for the nation; a regency is judged by the threshold a
Pemda reaches UHC with, unless the targets table holds a target of its own (level ``province`` or
``regency``, imported by an admin), which then decides its colour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from jkn_core import rules
from jkn_core.kpi.membership import coverage
from jkn_core.kpi.targets import own_targets, status_up_good
from jkn_core.kpi.view import NATION, Filters, latest_period
from jkn_core.scope import Scope

#: The columns of :func:`uhc_status`, in order.
UHC_COLUMNS = ["code", "unit", "population", "participants", "coverage_pct", "uhc_threshold_pct", "target_pct",
               "basis", "reference_pct", "status", "at_uhc", "to_register", "active", "active_pct"]


def uhc_status(engine: Engine, scope: Scope, level: str = "province", period: int | None = None,
               filters: Filters = NATION) -> pd.DataFrame:
    """Per unit of ``level`` (``province`` or ``regency``; ``region``/``branch`` work too): coverage % and
    active %, the UHC threshold, the unit's own imported ``coverage_pct`` target (NaN when none) and:

    - ``basis``: ``target`` when the unit has its own target, else ``uhc``;
    - ``reference_pct``: the figure the colour is judged against (own target, else the UHC threshold);
    - ``status``: :func:`~jkn_core.kpi.targets.status_up_good` of coverage against ``reference_pct``
      (green at or above, amber up to 2 points below, red further below);
    - ``at_uhc``: coverage ≥ the UHC threshold;
    - ``to_register``: people still to register to reach the UHC threshold (0 when reached).
    """
    period = period or latest_period(engine)
    cov = coverage(engine, scope, level, period, filters)
    own = own_targets(engine, "coverage_pct", period // 100, level)
    threshold = rules.UHC_THRESHOLD_PCT
    cov["uhc_threshold_pct"] = threshold
    cov["target_pct"] = cov["code"].map(own).astype(float)
    cov["basis"] = np.where(cov["target_pct"].notna(), "target", "uhc")
    cov["reference_pct"] = cov["target_pct"].fillna(threshold)
    cov["status"] = [status_up_good(None if pd.isna(v) else float(v), float(r))
                     for v, r in zip(cov["coverage_pct"], cov["reference_pct"], strict=True)]
    cov["at_uhc"] = (cov["coverage_pct"] >= threshold).fillna(False).astype(bool)
    needed = np.ceil(cov["population"].to_numpy() * threshold / 100).astype(np.int64)
    cov["to_register"] = np.clip(needed - cov["participants"].to_numpy(), 0, None)
    return cov[UHC_COLUMNS]


def uhc_summary(status: pd.DataFrame) -> dict[str, int]:
    """How many units of a :func:`uhc_status` frame are at UHC, and how many are green / amber / red."""
    counts = status["status"].value_counts()
    return {"units": len(status), "at_uhc": int(status["at_uhc"].sum()),
            **{k: int(counts.get(k, 0)) for k in ("green", "amber", "red", "grey")}}
