"""Collectability of iuran (contributions): billed, collected and collectability % by month, branch or
segment.

collectability % = iuran collected in a month (any bill paid that month) ÷ iuran billed for it
(self-paying segments PBPU/BP, participant share).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, func, select

from jkn_core.kpi.freshness import current_periods
from jkn_core.kpi.view import NATION, Filters, branch_where, held_periods, percent, reader, small_frame
from jkn_core.schema import AggCollection, Branch, Contribution, Family
from jkn_core.scope import Scope


def collectability(engine: Engine, scope: Scope, by: str = "month", period_from: int | None = None,
                   period_to: int | None = None, filters: Filters = NATION,
                   segment: str | None = None) -> pd.DataFrame:
    """Iuran billed and collected and collectability % by ``month``, ``branch`` or ``segment``."""
    if by == "month":
        key_b, key_c = Contribution.period, Contribution.paid_period
    elif by == "branch":
        key_b = key_c = Family.branch_code
    elif by == "segment":
        key_b = key_c = Family.segment
    else:
        raise ValueError("by must be month, branch or segment")
    with reader(engine).connect() as conn:
        held = current_periods(conn)
        ps = held or held_periods(conn)
        period_from = period_from or ps[0]
        period_to = period_to or ps[-1]
        if held:  # monthly facts per branch × regency × segment (jkn_core.kpi.refresh)
            a = AggCollection
            key = {"month": a.period, "branch": a.branch_code, "segment": a.segment}[by]
            conds = [a.period.between(period_from, period_to), branch_where(scope, filters, a.branch_code,
                                                                            a.regency_code)]
            if segment:
                conds.append(a.segment == segment)
            q = (select(key.label("key"), func.sum(a.billed).label("billed"), func.sum(a.collected).label("collected"))
                 .where(*conds).group_by(key).having(func.sum(a.bills) > 0).order_by(key))
        else:
            q = _collectability_base(scope, key_b, key_c, period_from, period_to, filters, segment)
        rows = conn.execute(q).all()
        names = dict(conn.execute(select(Branch.code, Branch.name)).all()) if by == "branch" else {}
    key_name = {"month": "period", "branch": "branch_code"}.get(by, by)
    df = small_frame(rows, [key_name, "billed", "collected"], ints=("billed", "collected"))
    df["collectability_pct"] = percent(df["collected"].to_numpy(), df["billed"].to_numpy())
    if by == "branch":
        df.insert(1, "branch_name", [names.get(c) for c in df["branch_code"]])
    return df


def _collectability_base(scope: Scope, key_b, key_c, period_from: int, period_to: int,  # type: ignore[no-untyped-def]
                         filters: Filters, segment: str | None):
    """Collectability straight from the ledger (used when the aggregates are missing or stale)."""
    base = [scope.clause(Branch.region_code, Branch.code),
            filters.clause(Branch.region_code, Branch.code, Family.regency_code)]
    if segment:
        base.append(Family.segment == segment)
    billed = (select(key_b.label("key"), func.sum(Contribution.billed * Family.weight).label("billed"))
              .join(Family, Family.id == Contribution.family_id).join(Branch, Branch.code == Family.branch_code)
              .where(Contribution.period.between(period_from, period_to), *base).group_by(key_b)).subquery()
    collected = (select(key_c.label("key"), func.sum(Contribution.paid * Family.weight).label("collected"))
                 .join(Family, Family.id == Contribution.family_id).join(Branch, Branch.code == Family.branch_code)
                 .where(Contribution.paid_period.between(period_from, period_to), *base).group_by(key_c)).subquery()
    return (select(billed.c.key, billed.c.billed, func.coalesce(collected.c.collected, 0).label("collected"))
            .outerjoin(collected, collected.c.key == billed.c.key).order_by(billed.c.key))


