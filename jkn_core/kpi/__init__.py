"""KPI queries: coverage, segment mix, collectability, arrears aging, facility capacity.

Every function takes the signed-in user's ``Scope`` and optional drill-down filters (region, branch,
regency), aggregates in SQL through SQLAlchemy (identical on SQLite and PostgreSQL) and returns a
small DataFrame or dict: exactly what a screen shows. Head counts are ``SUM(weight)`` (see schema).

Definitions (also in docs/kpi.md):
- coverage % = participants registered by the end of the month ÷ population of that year;
- active % = participants whose status is ``aktif`` ÷ registered (status is as of the last month);
- collectability % = iuran collected in a month (any bill paid that month) ÷ iuran billed for it
  (self-paying segments PBPU/BP, participant share);
- a family is in arrears at month P when a bill of month ≤ P is unpaid at P; its months in arrears
  count the unpaid months plus, when the streak reaches back to the first ledger month, the months
  it owed before; Rupiah owed is capped at 24 months (Perpres 64/2020 Pasal 42).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, func, literal, select

from jkn_core import rules
from jkn_core.demo import calibration as ref
from jkn_core.kpi import refresh as agg
from jkn_core.schema import (
    AggArrears,
    AggCapacity,
    AggCollection,
    AggCoverage,
    AggCoverageRegency,
    Branch,
    Contribution,
    Facility,
    FacilityMonth,
    Family,
    Meta,
    Participant,
    Population,
    Province,
    Regency,
    Region,
    Target,
)
from jkn_core.scope import Scope

AGING_BUCKETS = [("1-3", 1, 3), ("4-6", 4, 6), ("7-12", 7, 12), ("13-24", 13, 24), (">24", 25, 10_000)]
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
def _reader(engine: Engine) -> Engine:
    """The engine for KPI reads: on PostgreSQL in autocommit (no BEGIN/ROLLBACK round trips around a read;
    each statement sees committed data, and the aggregates are replaced in one transaction). Shares the pool."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def _whole_nation(scope: Scope, filters: Filters) -> bool:
    """True when neither the user's scope nor the drill-down narrows anything."""
    return not (scope.region_code or scope.branch_code or filters.region or filters.branch or filters.regency)


def _branch_where(scope: Scope, filters: Filters, branch_col, regency_col=None):  # type: ignore[no-untyped-def]
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


# --- database facts ---------------------------------------------------------------------------------
def periods(engine: Engine) -> list[int]:
    """Months of history held (YYYYMM, ascending), from the ledger or facility facts."""
    with _reader(engine).connect() as conn:
        return _periods(conn)


def _periods(conn) -> list[int]:  # type: ignore[no-untyped-def]
    held = agg.current_periods(conn)  # recorded by the last refresh: no DISTINCT over the ledger
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


def _resolve(conn, period: int | None) -> tuple[int, bool]:  # type: ignore[no-untyped-def]
    """The month asked for (default: the latest) and whether the aggregates are current and hold it.

    One round trip when the aggregates are current: the per-call cost of the small KPIs is round trips."""
    held = agg.current_periods(conn)
    if period is None:
        ps = held or _periods(conn)
        if not ps:
            raise LookupError("the database holds no monthly data yet")
        period = ps[-1]
    return period, bool(held) and period in held


def _frame(rows, columns: list[str], ints: tuple[str, ...] = ()) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """A small result as a DataFrame built column by column (``ints``: int64, NULL = 0)."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    data = {}
    for name, vals in zip(columns, cols, strict=True):
        if name in ints:
            data[name] = np.fromiter((int(v or 0) for v in vals), dtype=np.int64, count=len(vals))
        else:
            data[name] = list(vals)
    return pd.DataFrame(data, columns=columns)


def _pct(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num ÷ den × 100 rounded to 2 decimals; NaN where den is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.round(np.where(den > 0, num / np.where(den > 0, den, 1) * 100, np.nan), 2)


def is_synthetic(engine: Engine) -> bool:
    with _reader(engine).connect() as conn:
        return conn.execute(select(Meta.value).where(Meta.key == "synthetic")).scalar() == "1"


def hierarchy(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Regions, branches and regencies the scope may see (for drill-down pickers)."""
    q = (select(Region.code.label("region_code"), Region.name.label("region_name"), Branch.code.label("branch_code"),
                Branch.name.label("branch_name"), Regency.code.label("regency_code"),
                Regency.name.label("regency_name"), Province.name.label("province_name"))
         .join(Branch, Branch.region_code == Region.code).join(Regency, Regency.branch_code == Branch.code)
         .join(Province, Province.code == Regency.province_code)
         .where(scope.clause(Branch.region_code, Branch.code)).order_by(Region.code, Branch.code, Regency.code))
    with _reader(engine).connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all())


# --- coverage --------------------------------------------------------------------------------------
def _level_cols(level: str):  # type: ignore[no-untyped-def]
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


def coverage(engine: Engine, scope: Scope, level: str = "province", period: int | None = None,
             filters: Filters = NATION) -> pd.DataFrame:
    """Population, participants, active participants, coverage % and uninsured gap per unit of ``level``."""
    code_col, name_col = _level_cols(level)
    geo = (select(Regency.code.label("regency_code"), code_col.label("code"), name_col.label("name"))
           .join(Branch, Branch.code == Regency.branch_code).join(Region, Region.code == Branch.region_code)
           .join(Province, Province.code == Regency.province_code)
           .where(scope.clause(Branch.region_code, Branch.code),
                  filters.clause(Branch.region_code, Branch.code, Regency.code))).subquery()
    with _reader(engine).connect() as conn:
        period, pre = _resolve(conn, period)
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
        q = (select(geo.c.code, geo.c.name.label("unit"),
                    func.sum(func.coalesce(pop.c.population, 0)).label("population"),
                    func.sum(func.coalesce(part.c.participants, 0)).label("participants"),
                    func.sum(func.coalesce(part.c.active, 0)).label("active"))
             .select_from(geo).outerjoin(pop, pop.c.regency_code == geo.c.regency_code)
             .outerjoin(part, part.c.regency_code == geo.c.regency_code)
             .group_by(geo.c.code, geo.c.name).order_by(geo.c.code))
        rows = conn.execute(q).all()
    df = _frame(rows, ["code", "unit", "population", "participants", "active"],
                ints=("population", "participants", "active"))
    pop_, part_, act_ = (df[c].to_numpy() for c in ("population", "participants", "active"))
    df["coverage_pct"] = _pct(part_, pop_)
    df["active_pct"] = _pct(act_, part_)
    df["uninsured"] = np.clip(pop_ - part_, 0, None)
    return df


def coverage_trend(engine: Engine, scope: Scope, filters: Filters = NATION) -> pd.DataFrame:
    """Coverage % per month over the history held."""
    with _reader(engine).connect() as conn:
        ps = agg.current_periods(conn) or []
        if ps:  # one query over the cumulative monthly facts instead of one coverage() per month
            geo = (select(Regency.code.label("regency_code")).join(Branch, Branch.code == Regency.branch_code)
                   .where(scope.clause(Branch.region_code, Branch.code),
                          filters.clause(Branch.region_code, Branch.code, Regency.code))).subquery()
            c = AggCoverageRegency
            # the whole nation: a plain scan; otherwise primary-key lookups (period, regency) of the IN lists
            whole = _whole_nation(scope, filters)
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
                             "coverage_pct": _pct(parts, pops)})
    rows = []
    for p in periods(engine):
        d = coverage(engine, scope, "nation", p, filters)
        if d.empty:  # nothing of this filter within the user's scope
            rows.append({"period": p, "population": 0, "participants": 0, "coverage_pct": float("nan")})
        else:
            rows.append({"period": p, **d.iloc[0][["population", "participants", "coverage_pct"]].to_dict()})
    return pd.DataFrame(rows, columns=["period", "population", "participants", "coverage_pct"])


def segment_mix(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> pd.DataFrame:
    """Participants by segment (registered by ``period``) and their share."""
    with _reader(engine).connect() as conn:
        period, pre = _resolve(conn, period)
        if pre:
            c = AggCoverage
            q = (select(c.segment, func.sum(c.participants).label("participants"), func.sum(c.active).label("active"))
                 .where(c.period == period, _branch_where(scope, filters, c.branch_code, c.regency_code))
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


# --- collectability --------------------------------------------------------------------------------
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
    with _reader(engine).connect() as conn:
        held = agg.current_periods(conn)
        ps = held or _periods(conn)
        period_from = period_from or ps[0]
        period_to = period_to or ps[-1]
        if held:  # monthly facts per branch × regency × segment (jkn_core.kpi.refresh)
            a = AggCollection
            key = {"month": a.period, "branch": a.branch_code, "segment": a.segment}[by]
            conds = [a.period.between(period_from, period_to), _branch_where(scope, filters, a.branch_code,
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
    df = _frame(rows, [key_name, "billed", "collected"], ints=("billed", "collected"))
    df["collectability_pct"] = _pct(df["collected"].to_numpy(), df["billed"].to_numpy())
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


# --- arrears ---------------------------------------------------------------------------------------
def _arrears_families(bind, scope: Scope, period: int, filters: Filters):  # type: ignore[no-untyped-def]
    """Per family in arrears at ``period``: months in arrears and Rupiah owed (capped at 24 months).

    ``bind`` is an Engine or an open Connection (``jkn_core.kpi.refresh`` builds inside its transaction).
    """
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            first = conn.execute(select(func.min(Contribution.period))).scalar()
    else:
        first = bind.execute(select(func.min(Contribution.period))).scalar()
    unpaid = (select(Contribution.family_id, func.count().label("n"),
                     # a bill paid after ``period`` was fully owed at ``period``
                     func.sum(case((Contribution.paid_period.is_(None), Contribution.billed - Contribution.paid),
                                   else_=Contribution.billed)).label("rp"),
                     func.min(Contribution.period).label("first_p"), func.max(Contribution.billed).label("bill"))
              .join(Family, Family.id == Contribution.family_id).join(Branch, Branch.code == Family.branch_code)
              .where(Contribution.period <= period,
                     (Contribution.paid_period.is_(None)) | (Contribution.paid_period > period),
                     scope.clause(Branch.region_code, Branch.code),
                     filters.clause(Branch.region_code, Branch.code, Family.regency_code))
              .group_by(Contribution.family_id)).subquery()
    before = case((unpaid.c.first_p == first, Family.arrears_before_months), else_=0)
    months = (unpaid.c.n + before).label("months")
    capped_before = case((before > rules.MAX_ARREARS_MONTHS_BILLED - unpaid.c.n,
                          rules.MAX_ARREARS_MONTHS_BILLED - unpaid.c.n), else_=before)
    rp = (unpaid.c.rp + capped_before * unpaid.c.bill).label("rp")
    return (select(unpaid.c.family_id, months, rp, Family.members, Family.weight, Family.branch_code,
                   Family.segment, Family.kelas, Family.regency_code)
            .join(Family, Family.id == unpaid.c.family_id)).subquery()


def arrears_aging(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> pd.DataFrame:
    """People, families and Rupiah in arrears by age bucket (1–3, 4–6, 7–12, 13–24, > 24 months)."""
    with _reader(engine).connect() as conn:
        period, pre = _resolve(conn, period)
        if pre:
            g = AggArrears
            q = (select(g.bucket.label("bucket"), func.sum(g.people).label("people"),
                        func.sum(g.families).label("families"), func.sum(g.rp).label("rp"))
                 .where(g.period == period, _branch_where(scope, filters, g.branch_code, g.regency_code))
                 .group_by(g.bucket))
        else:
            a = _arrears_families(conn, scope, period, filters)
            bucket = case(*[(a.c.months.between(lo, hi), label) for label, lo, hi in AGING_BUCKETS], else_=">24")
            q = (select(bucket.label("bucket"), func.sum(a.c.members * a.c.weight).label("people"),
                        func.sum(a.c.weight).label("families"), func.sum(a.c.rp * a.c.weight).label("rp"))
                 .group_by(bucket))
        got = {r[0]: r for r in conn.execute(q).all()}
    rows = [(label, *(got[label][1:] if label in got else (0, 0, 0))) for label, _lo, _hi in AGING_BUCKETS]
    return _frame(rows, ["bucket", "people", "families", "rp"], ints=("people", "families", "rp"))


def arrears_by_branch(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> pd.DataFrame:
    """People and Rupiah in arrears per branch, with the Rehab-eligible pool (4–24 months)."""
    with _reader(engine).connect() as conn:
        period, pre = _resolve(conn, period)
        if pre:
            g = AggArrears
            rehab_b = g.bucket.in_([label for label, lo, hi in AGING_BUCKETS
                                     if lo >= rules.REHAB_MIN_MONTHS and hi <= rules.REHAB_MAX_MONTHS])
            q = (select(g.branch_code, Branch.name.label("branch_name"), func.sum(g.people).label("people"),
                        func.sum(g.rp).label("rp"), func.sum(case((rehab_b, g.people), else_=0)).label("rehab_people"),
                        func.sum(case((rehab_b, g.rp), else_=0)).label("rehab_rp"))
                 .join(Branch, Branch.code == g.branch_code)
                 .where(g.period == period, scope.clause(Branch.region_code, Branch.code),
                        filters.clause(Branch.region_code, Branch.code, g.regency_code))
                 .group_by(g.branch_code, Branch.name).order_by(g.branch_code))
        else:
            a = _arrears_families(conn, scope, period, filters)
            rehab = a.c.months.between(rules.REHAB_MIN_MONTHS, rules.REHAB_MAX_MONTHS)
            q = (select(a.c.branch_code, Branch.name.label("branch_name"),
                        func.sum(a.c.members * a.c.weight).label("people"), func.sum(a.c.rp * a.c.weight).label("rp"),
                        func.sum(case((rehab, a.c.members * a.c.weight), else_=0)).label("rehab_people"),
                        func.sum(case((rehab, a.c.rp * a.c.weight), else_=0)).label("rehab_rp"))
                 .join(Branch, Branch.code == a.c.branch_code).group_by(a.c.branch_code, Branch.name)
                 .order_by(a.c.branch_code))
        rows = conn.execute(q).all()
    return _frame(rows, ["branch_code", "branch_name", "people", "rp", "rehab_people", "rehab_rp"],
                  ints=("people", "rp", "rehab_people", "rehab_rp"))


def arrears_total(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> dict[str, int]:
    aging = arrears_aging(engine, scope, period, filters)
    return {"people": int(aging["people"].sum()), "families": int(aging["families"].sum()),
            "rp": int(aging["rp"].sum())}


# --- facilities and capacity -----------------------------------------------------------------------
def capacity(engine: Engine, scope: Scope, level: str = "branch", period: int | None = None,
             filters: Filters = NATION) -> pd.DataFrame:
    """FKTP and FKRTL counts, doctors, registered participants and participants per doctor per unit."""
    code_col, name_col = _level_cols(level)
    with _reader(engine).connect() as conn:
        period, pre = _resolve(conn, period)
        if pre:  # per regency × branch facts of the month (jkn_core.kpi.refresh)
            c = AggCapacity
            q = (select(code_col.label("code"), name_col.label("unit"), func.sum(c.fktp).label("fktp"),
                        func.sum(c.fkrtl).label("fkrtl"), func.sum(c.doctors).label("doctors"),
                        func.sum(c.registered).label("registered"),
                        func.sum(c.capitation_paid).label("capitation_paid"))
                 .select_from(c).join(Branch, Branch.code == c.branch_code))
            # only the joins the level's names need (the aggregate carries branch and regency codes)
            if level in ("regency", "province"):
                q = q.join(Regency, Regency.code == c.regency_code)
            if level == "province":
                q = q.join(Province, Province.code == Regency.province_code)
            if level == "region":
                q = q.join(Region, Region.code == Branch.region_code)
            q = (q.where(c.period == period, scope.clause(Branch.region_code, Branch.code),
                         filters.clause(Branch.region_code, Branch.code, c.regency_code))
                 .group_by(code_col, name_col).order_by(code_col))
        else:
            fm = FacilityMonth.__table__  # joined on its primary key (facility_code, period): no subquery to build
            is_fktp = Facility.level == "FKTP"
            gp = case((rules.is_gp_fktp(Facility.level, Facility.type), Facility.doctors), else_=0)
            panel = case((rules.is_gp_fktp(Facility.level, Facility.type), func.coalesce(fm.c.registered, 0)), else_=0)
            q = (select(code_col.label("code"), name_col.label("unit"),
                        func.sum(case((is_fktp, 1), else_=0)).label("fktp"),
                        func.sum(case((Facility.level == "FKRTL", 1), else_=0)).label("fkrtl"),
                        func.sum(gp).label("doctors"), func.sum(panel).label("registered"),
                        func.sum(func.coalesce(fm.c.capitation_paid, 0)).label("capitation_paid"))
                 .select_from(Facility).join(Regency, Regency.code == Facility.regency_code)
                 .join(Branch, Branch.code == Facility.branch_code).join(Region, Region.code == Branch.region_code)
                 .join(Province, Province.code == Regency.province_code)
                 .outerjoin(fm, and_(fm.c.facility_code == Facility.code, fm.c.period == period))
                 .where(scope.clause(Branch.region_code, Branch.code),
                        filters.clause(Branch.region_code, Branch.code, Regency.code))
                 .group_by(code_col, name_col).order_by(code_col))
        rows = conn.execute(q).all()
    df = _frame(rows, ["code", "unit", "fktp", "fkrtl", "doctors", "registered", "capitation_paid"],
                ints=("fktp", "fkrtl", "doctors", "registered", "capitation_paid"))
    reg, docs = df["registered"].to_numpy(), df["doctors"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ppd = np.round(np.where(docs > 0, reg / np.where(docs > 0, docs, 1), np.nan), 0)
    df["participants_per_doctor"] = ppd
    df["over_norm"] = ppd > rules.PARTICIPANTS_PER_DOCTOR_NORM
    return df


# --- targets ---------------------------------------------------------------------------------------
def target(engine: Engine, kpi: str, year: int, level: str = "national", code: str = "") -> float | None:
    """The target of a KPI for a unit and year; falls back to the national target, then the latest year."""
    with _reader(engine).connect() as conn:
        for lv, cd in ((level, code), ("national", "")):
            row = conn.execute(select(Target.target).where(Target.kpi == kpi, Target.level == lv, Target.code == cd,
                                                           Target.year <= year)
                               .order_by(Target.year.desc()).limit(1)).scalar()
            if row is not None:
                return float(row)
    return None


# --- the one-call summary (CLI, overview) ------------------------------------------------------------
def summary(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> dict[str, float | int]:
    """What the database holds for the scope: the numbers of ``python -m jkn_core summary``."""
    ps = periods(engine)
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
    with _reader(engine).connect() as conn:
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
