"""Membership (kepesertaan) KPIs: coverage % and active % per unit, the coverage trend and its target
path, the segment mix, and the province coverage folded for the map. (Named ``membership`` so that
``kpi.coverage`` stays the function.)

coverage % = participants registered by the end of the month ÷ population of that year;
active % = participants whose status is ``aktif`` ÷ registered (status is as of the last month).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Engine, case, func, select

from jkn_core import indonesia_map
from jkn_core.demo import calibration as ref
from jkn_core.kpi.freshness import current_periods
from jkn_core.kpi.targets import target_for_view
from jkn_core.kpi.view import (
    NATION,
    Filters,
    branch_where,
    level_columns,
    percent,
    periods,
    reader,
    resolve_period,
    small_frame,
    whole_nation,
)
from jkn_core.schema import (
    AggCoverage,
    AggCoverageRegency,
    Branch,
    Participant,
    Population,
    Province,
    Regency,
    Region,
)
from jkn_core.scope import Scope


def coverage(engine: Engine, scope: Scope, level: str = "province", period: int | None = None,
             filters: Filters = NATION) -> pd.DataFrame:
    """Population, participants, active participants, coverage % and uninsured gap per unit of ``level``."""
    code_col, name_col = level_columns(level)
    geo = (select(Regency.code.label("regency_code"), code_col.label("code"), name_col.label("name"))
           .join(Branch, Branch.code == Regency.branch_code).join(Region, Region.code == Branch.region_code)
           .join(Province, Province.code == Regency.province_code)
           .where(scope.clause(Branch.region_code, Branch.code),
                  filters.clause(Branch.region_code, Branch.code, Regency.code))).subquery()
    with reader(engine).connect() as conn:
        period, pre = resolve_period(conn, period)
        pop = (select(Population.regency_code, func.sum(Population.population).label("population"))
               .where(Population.year == select(func.max(Population.year)).where(Population.year <= period // 100)
                      .scalar_subquery())
               .group_by(Population.regency_code)).subquery()
        if pre:  # cumulative monthly facts (jkn_core.kpi.refresh)
            c = AggCoverageRegency
            part = (select(c.regency_code, c.participants.label("participants"), c.active.label("active"))
                    .where(c.period == period)).subquery()
        else:
            part = (select(Participant.regency_code, func.sum(Participant.weight).label("participants"),
                           func.sum(case((Participant.status == "aktif", Participant.weight), else_=0))
                           .label("active"))
                    .where(Participant.registered_period <= period).group_by(Participant.regency_code)).subquery()
        # the uninsured of a unit are those of its regencies: a regency registered above its population does
        # not offset another's gap (a branch with an over-registered kabupaten still shows Kota X's gap)
        pop_r, part_r = func.coalesce(pop.c.population, 0), func.coalesce(part.c.participants, 0)
        q = (select(geo.c.code, geo.c.name.label("unit"),
                    func.sum(pop_r).label("population"),
                    func.sum(part_r).label("participants"),
                    func.sum(func.coalesce(part.c.active, 0)).label("active"),
                    func.sum(case((pop_r > part_r, pop_r - part_r), else_=0)).label("uninsured"))
             .select_from(geo).outerjoin(pop, pop.c.regency_code == geo.c.regency_code)
             .outerjoin(part, part.c.regency_code == geo.c.regency_code)
             .group_by(geo.c.code, geo.c.name).order_by(geo.c.code))
        rows = conn.execute(q).all()
    df = small_frame(rows, ["code", "unit", "population", "participants", "active", "uninsured"],
                     ints=("population", "participants", "active", "uninsured"))
    pop_, part_, act_ = (df[c].to_numpy() for c in ("population", "participants", "active"))
    df["coverage_pct"] = percent(part_, pop_)
    df["active_pct"] = percent(act_, part_)
    df["uninsured"] = df.pop("uninsured")  # last column, as before
    return df


def coverage_trend(engine: Engine, scope: Scope, filters: Filters = NATION) -> pd.DataFrame:
    """Coverage % per month over the history held."""
    with reader(engine).connect() as conn:
        ps = current_periods(conn) or []
        if ps:  # one query over the cumulative monthly facts instead of one coverage() per month
            geo = (select(Regency.code.label("regency_code")).join(Branch, Branch.code == Regency.branch_code)
                   .where(scope.clause(Branch.region_code, Branch.code),
                          filters.clause(Branch.region_code, Branch.code, Regency.code))).subquery()
            c = AggCoverageRegency
            # the whole nation: a plain scan; otherwise primary-key lookups (period, regency) of the IN lists
            whole = whole_nation(scope, filters)
            part = dict(conn.execute(
                select(c.period, func.sum(c.participants))
                .where(*([] if whole else [c.period.in_(ps), c.regency_code.in_(select(geo.c.regency_code))]))
                .group_by(c.period)).all())
            pop_years = dict(conn.execute(
                select(Population.year, func.sum(Population.population))
                .where(*([] if whole else [Population.regency_code.in_(select(geo.c.regency_code))]))
                .group_by(Population.year)).all())
            all_years = sorted(pop_years) or [0]
    if ps:
        years = np.asarray(all_years)
        # the population of the latest year held up to each month's year (0 before the first year)
        at = np.searchsorted(years, np.asarray(ps) // 100, side="right") - 1
        pops = np.array([int(pop_years.get(years[i], 0) or 0) if i >= 0 else 0 for i in at], dtype=np.int64)
        parts = np.array([int(part.get(p, 0) or 0) for p in ps], dtype=np.int64)
        return pd.DataFrame({"period": np.asarray(ps, dtype=np.int64), "population": pops, "participants": parts,
                             "coverage_pct": percent(parts, pops)})
    rows = []
    for p in periods(engine):
        d = coverage(engine, scope, "nation", p, filters)
        if d.empty:  # nothing of this filter within the user's scope
            rows.append({"period": p, "population": 0, "participants": 0, "coverage_pct": float("nan")})
        else:
            rows.append({"period": p, **d.iloc[0][["population", "participants", "coverage_pct"]].to_dict()})
    return pd.DataFrame(rows, columns=["period", "population", "participants", "coverage_pct"])


def coverage_target_path(engine: Engine, scope: Scope, filters: Filters = NATION) -> pd.DataFrame:
    """Coverage target per year held (for the trend-to-UHC chart)."""
    years = sorted({p // 100 for p in periods(engine)})
    return pd.DataFrame({"year": years, "target_pct": [target_for_view(engine, "coverage_pct", y * 100 + 12, scope,
                                                                       filters) for y in years]})


def map_provinces(provinces: pd.DataFrame) -> pd.DataFrame:
    """:func:`coverage` by ``province`` folded into the map's 33 provinces (``iso``), with population,
    participants and uninsured summed and coverage % computed from the sums."""
    folded = indonesia_map.fold_provinces(provinces, ["population", "participants", "uninsured"])
    folded["coverage_pct"] = (folded["participants"] / folded["population"].where(folded["population"] > 0)
                              * 100).round(2)
    return folded


def segment_mix(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> pd.DataFrame:
    """Participants by segment (registered by ``period``) and their share."""
    with reader(engine).connect() as conn:
        period, pre = resolve_period(conn, period)
        if pre:
            c = AggCoverage
            q = (select(c.segment, func.sum(c.participants).label("participants"), func.sum(c.active).label("active"))
                 .where(c.period == period, branch_where(scope, filters, c.branch_code, c.regency_code))
                 .group_by(c.segment))
        else:
            q = (select(Participant.segment, func.sum(Participant.weight).label("participants"),
                        func.sum(case((Participant.status == "aktif", Participant.weight), else_=0)).label("active"))
                 .join(Branch, Branch.code == Participant.branch_code)
                 .where(Participant.registered_period <= period, scope.clause(Branch.region_code, Branch.code),
                        filters.clause(Branch.region_code, Branch.code, Participant.regency_code))
                 .group_by(Participant.segment))
        rows = conn.execute(q).all()
    order = {seg: i for i, seg in enumerate(ref.SEGMENT_MIX_2024)}
    rows = sorted(rows, key=lambda r: (order.get(r[0], len(order)), r[0]))
    part = np.fromiter((int(r[1] or 0) for r in rows), dtype=np.int64, count=len(rows))
    act = np.fromiter((int(r[2] or 0) for r in rows), dtype=np.int64, count=len(rows))
    total = int(part.sum())
    share = np.round(part / total * 100, 2) if total else np.zeros(len(rows))
    return pd.DataFrame({"segment": [r[0] for r in rows], "participants": part, "active": act, "share_pct": share})
