"""The directors' overview: the headline KPI cards (value, target, last month, last year, status), the
one-call summary of what the database holds for a scope, and the branch league table.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, case, func, select

from jkn_core import months
from jkn_core.kpi import targets
from jkn_core.kpi.arrears import AGING_BUCKETS, arrears_by_branch, arrears_families, arrears_total
from jkn_core.kpi.contributions import collectability
from jkn_core.kpi.facilities import capacity, contracted_facilities
from jkn_core.kpi.membership import coverage
from jkn_core.kpi.view import (
    NATION,
    Filters,
    aggregates_hold,
    branch_where,
    hierarchy,
    period_or_latest,
    periods,
    reader,
)
from jkn_core.schema import SELF_PAYING_SEGMENTS, AggArrears, AggCoverage, Branch, Participant, Regency
from jkn_core.scope import Scope


# --- the headline KPIs ---------------------------------------------------------------------------
def _month_values(engine: Engine, scope: Scope, period: int, filters: Filters) -> dict[str, float | None]:
    """The values of the :data:`CARDS` for one month (None where the view holds nothing)."""
    cov = coverage(engine, scope, "nation", period, filters)
    col = collectability(engine, scope, "month", period, period, filters)
    arr = arrears_total(engine, scope, period, filters)
    cap = capacity(engine, scope, "nation", period, filters)
    fac = contracted_facilities(engine, scope, period, filters)
    c = cov.iloc[0] if len(cov) else None
    k = cap.iloc[0] if len(cap) else None
    coll = col.loc[col["period"] == period, "collectability_pct"] if len(col) else pd.Series(dtype=float)
    return {
        "participants": float(c["participants"]) if c is not None else None,
        "coverage_pct": float(c["coverage_pct"]) if c is not None else None,
        "active_pct": float(c["active_pct"]) if c is not None else None,
        "collectability_pct": float(coll.iloc[0]) if len(coll) and not pd.isna(coll.iloc[0]) else None,
        "arrears_rp": float(arr["rp"]),
        "arrears_people": float(arr["people"]),
        "fktp": float(fac["fktp"]),
        "fkrtl": float(fac["fkrtl"]),
        "participants_per_doctor": (float(k["participants_per_doctor"])
                                    if k is not None and not pd.isna(k["participants_per_doctor"]) else None),
    }


#: card key -> (unit, kind of status, target KPI name in the targets table)
CARDS: dict[str, tuple[str, str, str | None]] = {
    "participants": ("people", "info", None),
    "coverage_pct": ("pct", "up_good", "coverage_pct"),
    "active_pct": ("pct", "up_good", "active_pct"),
    "collectability_pct": ("pct", "up_good", "collectability_pct"),
    "arrears_rp": ("rp", "down_good", None),
    "arrears_people": ("people", "down_good", None),
    "fktp": ("count", "info", None),
    "fkrtl": ("count", "info", None),
    "participants_per_doctor": ("ratio", "max", "participants_per_doctor"),
}


def overview_cards(engine: Engine, scope: Scope, period: int | None = None,
                   filters: Filters = NATION) -> pd.DataFrame:
    """One row per headline KPI: value, target, last month, last year, changes and status colour.

    ``target`` for arrears is the yearly reduction target (``arrears_reduction_pct``, % fewer Rupiah
    than a year before); its status still turns red whenever arrears rose against last month.
    """
    period, ps = period_or_latest(engine, period)
    now = _month_values(engine, scope, period, filters)
    pm, py = months.shift(period, -1), months.shift(period, -12)
    last_m = _month_values(engine, scope, pm, filters) if pm in ps else {}
    last_y = _month_values(engine, scope, py, filters) if py in ps else {}
    reduction = targets.target_for_view(engine, "arrears_reduction_pct", period, scope, filters)
    rows = []
    for key, (unit, kind, tkpi) in CARDS.items():
        v, m, y = now.get(key), last_m.get(key), last_y.get(key)
        tgt = targets.target_for_view(engine, tkpi, period, scope, filters) if tkpi else None
        if kind == "up_good":
            status = targets.status_up_good(v, tgt)
        elif kind == "max":
            status = targets.status_max(v, tgt)
        elif kind == "down_good":
            status = targets.status_down_good(v, m)
            if status != targets.RED and reduction is not None and y:
                # falling month on month but behind the yearly reduction target: amber
                if (y - v) / y * 100 < reduction:
                    status = targets.AMBER
            tgt = y * (1 - reduction / 100) if (reduction is not None and y) else None
        else:
            status = targets.GREY
        rows.append({"kpi": key, "unit": unit, "value": v, "target": tgt, "last_month": m, "last_year": y,
                     "change_month": (v - m) if v is not None and m is not None else None,
                     "change_year": (v - y) if v is not None and y is not None else None,
                     "status": status, "period": period})
    return pd.DataFrame(rows)


# --- the one-call summary (CLI, overview) ------------------------------------------------------------
def summary(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> dict[str, float | int]:
    """What the database holds for the scope: the numbers of ``python -m jkn_core summary``."""
    ps = periods(engine)
    if not ps and period is None:
        raise LookupError("the database holds no monthly data yet")
    period = period or ps[-1]
    cov_df = coverage(engine, scope, "nation", period, filters)
    cap_df = capacity(engine, scope, "nation", period, filters)
    # a scope and drill-down that share nothing (e.g. another region's branch) hold nothing: zeros
    cov = cov_df.iloc[0] if len(cov_df) else pd.Series(0, index=cov_df.columns).astype(object).fillna(0)
    cap = cap_df.iloc[0] if len(cap_df) else pd.Series(0, index=cap_df.columns).astype(object).fillna(0)
    arr = arrears_total(engine, scope, period, filters)
    h = hierarchy(engine, scope)
    if filters.region:
        h = h[h["region_code"] == filters.region]
    if filters.branch:
        h = h[h["branch_code"] == filters.branch]
    if filters.regency and len(h):
        h = h[h["regency_code"] == filters.regency]
    with reader(engine).connect() as conn:
        n_prov = conn.execute(select(func.count(func.distinct(Regency.province_code)))
                              .where(Regency.code.in_(h["regency_code"].tolist() or [""]))).scalar()
    return {
        "period": period,
        "population": int(cov["population"]),
        "participants": int(cov["participants"]),
        "active_participants": int(cov["active"]),
        "coverage_pct": float(cov["coverage_pct"]),
        "active_pct": float(cov["active_pct"]),
        "fktp": int(cap["fktp"]),
        "fkrtl": int(cap["fkrtl"]),
        "doctors": int(cap["doctors"]),
        "participants_per_doctor": float(cap["participants_per_doctor"]),
        "provinces": int(n_prov or 0),
        "branches": int(h["branch_code"].nunique()),
        "regencies": int(h["regency_code"].nunique()),
        "arrears_people": arr["people"],
        "arrears_rp": arr["rp"],
        "months": len(ps),
    }


# --- branch league table -------------------------------------------------------------------------
def _self_paying_people(engine: Engine, scope: Scope, period: int, filters: Filters, pre: bool) -> pd.DataFrame:
    if pre:  # cumulative participants per month × branch × segment (jkn_core.kpi.refresh)
        c = AggCoverage
        q = (select(c.branch_code, func.sum(c.participants).label("self_paying"))
             .where(c.period == period, c.segment.in_(SELF_PAYING_SEGMENTS),
                    branch_where(scope, filters, c.branch_code, c.regency_code))
             .group_by(c.branch_code))
        with engine.connect() as conn:
            return pd.DataFrame(conn.execute(q).all(), columns=["branch_code", "self_paying"])
    q = (select(Participant.branch_code, func.sum(Participant.weight).label("self_paying"))
         .join(Branch, Branch.code == Participant.branch_code)
         .where(Participant.registered_period <= period, Participant.segment.in_(SELF_PAYING_SEGMENTS),
                scope.clause(Branch.region_code, Branch.code),
                filters.clause(Branch.region_code, Branch.code, Participant.regency_code))
         .group_by(Participant.branch_code))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=["branch_code", "self_paying"])


def _par_people(engine: Engine, scope: Scope, period: int, filters: Filters, pre: bool) -> pd.DataFrame:
    if pre:  # more than 3 months = every aging bucket above 1-3
        g = AggArrears
        over3 = [label for label, lo, _hi in AGING_BUCKETS if lo > 3]
        q = (select(g.branch_code, func.sum(case((g.bucket.in_(over3), g.people), else_=0)).label("par_people"))
             .where(g.period == period, branch_where(scope, filters, g.branch_code, g.regency_code))
             .group_by(g.branch_code))
        with engine.connect() as conn:
            return pd.DataFrame(conn.execute(q).all(), columns=["branch_code", "par_people"])
    a = arrears_families(engine, scope, period, filters)
    q = (select(a.c.branch_code, func.sum(case((a.c.months > 3, a.c.members * a.c.weight), else_=0))
                .label("par_people")).group_by(a.c.branch_code))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=["branch_code", "par_people"])


def branch_league(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> pd.DataFrame:
    """Per branch: collectability of the month vs target, arrears (people, Rp, change vs last month),
    PAR 3 (% of PBPU/BP participants in families more than 3 months in arrears), Rehab pool, and a
    traffic light (:func:`league_light`). Sorted worst first (highest PAR 3)."""
    period, ps = period_or_latest(engine, period)
    f = Filters(region=filters.region, branch=filters.branch)  # branches are whole units
    col = collectability(engine, scope, "branch", period, period, f)
    arr = arrears_by_branch(engine, scope, period, f)
    pm = months.shift(period, -1)
    prev = (arrears_by_branch(engine, scope, pm, f)[["branch_code", "rp"]].rename(columns={"rp": "rp_prev"})
            if pm in ps else pd.DataFrame(columns=["branch_code", "rp_prev"]))
    pre = aggregates_hold(engine, period)  # both head counts read the aggregates when they are current
    sp = _self_paying_people(engine, scope, period, f, pre)
    par = _par_people(engine, scope, period, f, pre)
    cols = ["branch_code", "branch_name", "status", "collectability_pct", "target_pct", "billed", "collected",
            "self_paying", "arrears_people", "arrears_rp", "arrears_change_pct", "par_people", "par3_pct",
            "rehab_people", "rehab_rp"]
    if col.empty and arr.empty:  # nothing in scope (e.g. a drill-down outside the user's units)
        return pd.DataFrame(columns=cols)
    df = (col[["branch_code", "branch_name", "billed", "collected", "collectability_pct"]]
          .merge(arr.drop(columns=["branch_name"]), on="branch_code", how="outer")
          .merge(prev, on="branch_code", how="left").merge(sp, on="branch_code", how="left")
          .merge(par, on="branch_code", how="left"))
    if df["branch_name"].isna().any():
        with engine.connect() as conn:
            names = dict(conn.execute(select(Branch.code, Branch.name)).all())
        df["branch_name"] = df["branch_name"].fillna(df["branch_code"].map(names))
    for c in ("billed", "collected", "people", "rp", "rehab_people", "rehab_rp", "self_paying", "par_people"):
        df[c] = df[c].fillna(0).astype("int64")
    df["target_pct"] = [targets.target(engine, "collectability_pct", period // 100, "branch", b)
                        for b in df["branch_code"]]
    df["arrears_change_pct"] = ((df["rp"] - df["rp_prev"]) / df["rp_prev"].where(df["rp_prev"] > 0) * 100).round(2)
    df["par3_pct"] = (df["par_people"] / df["self_paying"].where(df["self_paying"] > 0) * 100).round(2)
    df["status"] = [targets.league_light(None if pd.isna(c) else float(c), t, None if pd.isna(a) else a / 100)
                    for c, t, a in zip(df["collectability_pct"], df["target_pct"], df["arrears_change_pct"],
                                       strict=True)]
    df = df.drop(columns=["rp_prev"]).rename(columns={"people": "arrears_people", "rp": "arrears_rp"})
    return df[cols].sort_values(["par3_pct", "branch_code"], ascending=[False, True],
                                na_position="last").reset_index(drop=True)


