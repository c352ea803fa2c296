"""Arrears (tunggakan) KPIs: the per-family arrears definition (also what :mod:`jkn_core.kpi.refresh`
pre-aggregates), aging buckets, arrears by branch and in total, the Rehab-eligible pool, inpatient
stays and cost, and the estimated denda pelayanan (inpatient penalty) exposure.

A family is in arrears at month P when a bill of month ≤ P is unpaid at P; its months in arrears count
the unpaid months plus, when the streak reaches back to the first ledger month, the months it owed
before; Rupiah owed is capped at 24 months (Perpres 64/2020 Pasal 42).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Engine, case, func, literal, select, union_all

from jkn_core import months, rules
from jkn_core.kpi.view import (
    NATION,
    Filters,
    branch_where,
    period_or_latest,
    periods,
    reader,
    resolve_period,
    small_frame,
)
from jkn_core.schema import SELF_PAYING_SEGMENTS, AggArrears, Branch, CareEvent, Contribution, Family
from jkn_core.scope import Scope

AGING_BUCKETS = [("1-3", 1, 3), ("4-6", 4, 6), ("7-12", 7, 12), ("13-24", 13, 24), (">24", 25, 10_000)]
#: The aging buckets of the Rehab-eligible pool (4–24 months in arrears: 4-6, 7-12, 13-24).
REHAB_BUCKETS = [label for label, lo, hi in AGING_BUCKETS
                 if lo >= rules.REHAB_MIN_MONTHS and hi <= rules.REHAB_MAX_MONTHS]
#: How many months of care events give the average inpatient cost.
INPATIENT_COST_MONTHS = 12


def arrears_families(bind, scope: Scope, period: int, filters: Filters):  # type: ignore[no-untyped-def]
    """Per family in arrears at ``period``: months in arrears and Rupiah owed (capped at 24 months).

    ``bind`` is an Engine or an open Connection (``jkn_core.kpi.refresh`` builds inside its transaction).
    The one-month case of :func:`arrears_family_months` (the same definition).
    """
    return arrears_family_months(bind, scope, [period], filters)


#: The months subquery of :func:`arrears_family_months`. Spark SQL reads its hint (a comment for SQLite and
#: PostgreSQL): the months and the branches are broadcast (jkn_batch disables size-based broadcasts), so the
#: pruned ledger meets the months in a nested loop instead of a cartesian product.
MONTHS_ALIAS = "arrears_months"


def arrears_family_months(bind, scope: Scope, periods: Sequence[int], filters: Filters):  # type: ignore[no-untyped-def]
    """Per family and month P of ``periods`` in arrears at the end of P, in one pass over the ledger:
    ``period`` (P), months in arrears and Rupiah owed (capped at 24 months), and the family's columns.

    THE arrears definition: the dashboard's base-table KPIs (one month), the pre-aggregate ``agg_arrears``
    (every ledger month, :func:`jkn_core.kpi.refresh.arrears_select`) and the Spark batch (the same select
    compiled to Spark SQL). A bill of month <= P is unpaid at P when it is not paid by P; only bills not
    paid in their own month can ever be (the first filter, implied by the others, prunes the ledger before
    it meets the months). ``bind`` is an Engine or an open Connection (asked the first ledger month).
    """
    periods = [int(p) for p in periods]
    if not periods:
        raise ValueError("arrears_family_months needs at least one month")
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            first = conn.execute(select(func.min(Contribution.period))).scalar()
    else:
        first = bind.execute(select(func.min(Contribution.period))).scalar()
    c = Contribution
    if len(periods) == 1:  # a literal month (never grouped by: GROUP BY <integer> is a column position)
        at, keys, months_from = literal(periods[0]), [c.family_id], None
    else:
        months_from = union_all(*[select(literal(p).label("period")) for p in periods]).subquery(MONTHS_ALIAS)
        at = months_from.c.period
        keys = [c.family_id, at]
    unpaid = (select(c.family_id, at.label("period"), func.count().label("n"),
                     # a bill paid after ``period`` was fully owed at ``period``
                     func.sum(case((c.paid_period.is_(None), c.billed - c.paid), else_=c.billed)).label("rp"),
                     func.min(c.period).label("first_p"), func.max(c.billed).label("bill"))
              .select_from(c).join(Family, Family.id == c.family_id).join(Branch, Branch.code == Family.branch_code))
    if months_from is not None:
        unpaid = unpaid.join(months_from, c.period <= at).prefix_with(f"/*+ BROADCAST({MONTHS_ALIAS}, branches) */")
    unpaid = (unpaid.where((c.paid_period.is_(None)) | (c.paid_period > c.period),
                           c.period <= at, (c.paid_period.is_(None)) | (c.paid_period > at),
                           scope.clause(Branch.region_code, Branch.code),
                           filters.clause(Branch.region_code, Branch.code, Family.regency_code))
              .group_by(*keys)).subquery()
    before = case((unpaid.c.first_p == first, Family.arrears_before_months), else_=0)
    months_ = (unpaid.c.n + before).label("months")
    capped_before = case((before > rules.MAX_ARREARS_MONTHS_BILLED - unpaid.c.n,
                          rules.MAX_ARREARS_MONTHS_BILLED - unpaid.c.n), else_=before)
    rp = (unpaid.c.rp + capped_before * unpaid.c.bill).label("rp")
    return (select(unpaid.c.family_id, unpaid.c.period, months_, rp, Family.members, Family.weight,
                   Family.branch_code, Family.segment, Family.kelas, Family.regency_code)
            .join(Family, Family.id == unpaid.c.family_id)).subquery()


def arrears_aging(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> pd.DataFrame:
    """People, families and Rupiah in arrears by age bucket (1–3, 4–6, 7–12, 13–24, > 24 months)."""
    with reader(engine).connect() as conn:
        period, pre = resolve_period(conn, period)
        if pre:
            g = AggArrears
            q = (select(g.bucket.label("bucket"), func.sum(g.people).label("people"),
                        func.sum(g.families).label("families"), func.sum(g.rp).label("rp"))
                 .where(g.period == period, branch_where(scope, filters, g.branch_code, g.regency_code))
                 .group_by(g.bucket))
        else:
            a = arrears_families(conn, scope, period, filters)
            bucket = case(*[(a.c.months.between(lo, hi), label) for label, lo, hi in AGING_BUCKETS], else_=">24")
            q = (select(bucket.label("bucket"), func.sum(a.c.members * a.c.weight).label("people"),
                        func.sum(a.c.weight).label("families"), func.sum(a.c.rp * a.c.weight).label("rp"))
                 .group_by(bucket))
        got = {r[0]: r for r in conn.execute(q).all()}
    rows = [(label, *(got[label][1:] if label in got else (0, 0, 0))) for label, _lo, _hi in AGING_BUCKETS]
    return small_frame(rows, ["bucket", "people", "families", "rp"], ints=("people", "families", "rp"))


def arrears_by_branch(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> pd.DataFrame:
    """People and Rupiah in arrears per branch, with the Rehab-eligible pool (4–24 months)."""
    with reader(engine).connect() as conn:
        period, pre = resolve_period(conn, period)
        if pre:
            g = AggArrears
            rehab_b = g.bucket.in_(REHAB_BUCKETS)
            q = (select(g.branch_code, Branch.name.label("branch_name"), func.sum(g.people).label("people"),
                        func.sum(g.rp).label("rp"), func.sum(case((rehab_b, g.people), else_=0)).label("rehab_people"),
                        func.sum(case((rehab_b, g.rp), else_=0)).label("rehab_rp"))
                 .join(Branch, Branch.code == g.branch_code)
                 .where(g.period == period, scope.clause(Branch.region_code, Branch.code),
                        filters.clause(Branch.region_code, Branch.code, g.regency_code))
                 .group_by(g.branch_code, Branch.name).order_by(g.branch_code))
        else:
            a = arrears_families(conn, scope, period, filters)
            rehab = a.c.months.between(rules.REHAB_MIN_MONTHS, rules.REHAB_MAX_MONTHS)
            q = (select(a.c.branch_code, Branch.name.label("branch_name"),
                        func.sum(a.c.members * a.c.weight).label("people"), func.sum(a.c.rp * a.c.weight).label("rp"),
                        func.sum(case((rehab, a.c.members * a.c.weight), else_=0)).label("rehab_people"),
                        func.sum(case((rehab, a.c.rp * a.c.weight), else_=0)).label("rehab_rp"))
                 .join(Branch, Branch.code == a.c.branch_code).group_by(a.c.branch_code, Branch.name)
                 .order_by(a.c.branch_code))
        rows = conn.execute(q).all()
    return small_frame(rows, ["branch_code", "branch_name", "people", "rp", "rehab_people", "rehab_rp"],
                       ints=("people", "rp", "rehab_people", "rehab_rp"))


def arrears_total(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> dict[str, int]:
    aging = arrears_aging(engine, scope, period, filters)
    return {"people": int(aging["people"].sum()), "families": int(aging["families"].sum()),
            "rp": int(aging["rp"].sum())}



def arrears_by_months(engine: Engine, scope: Scope, period: int, filters: Filters) -> pd.DataFrame:
    """People, families and Rupiah of PBPU/BP in arrears per number of months in arrears
    (:func:`arrears_families`)."""
    a = arrears_families(engine, scope, period, filters)
    q = (select(a.c.months, func.sum(a.c.members * a.c.weight).label("people"),
                func.sum(a.c.weight).label("families"), func.sum(a.c.rp * a.c.weight).label("rp"))
         .where(a.c.segment.in_(SELF_PAYING_SEGMENTS)).group_by(a.c.months).order_by(a.c.months))
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(q).mappings().all(), columns=["months", "people", "families", "rp"])
    return df.astype("int64")


def rehab_pool(engine: Engine, scope: Scope, period: int | None = None, filters: Filters = NATION) -> dict[str, int]:
    """PBPU/BP in arrears 4–24 months, who may join the Rehab instalment programme."""
    period, _ = period_or_latest(engine, period)
    # the ledger holds only PBPU/BP families, and 4–24 months are exactly the aging buckets 4-6, 7-12, 13-24
    d = arrears_aging(engine, scope, period, filters)
    d = d[d["bucket"].isin(REHAB_BUCKETS)]
    return {"people": int(d["people"].sum()), "families": int(d["families"].sum()), "rp": int(d["rp"].sum())}


def inpatient_stats(engine: Engine, scope: Scope, period: int | None = None,
                    filters: Filters = NATION) -> dict[str, float]:
    """Average inpatient cost (Rp per stay) and inpatient stays per person-month, from
    ``care_events`` of the :data:`INPATIENT_COST_MONTHS` months up to ``period`` (weighted).

    The rate's denominator is the people of the self-paying (PBPU/BP) families: the population whose care
    events the database holds and who can fall into arrears (dividing by every segment's people made the
    rate, and the denda pelayanan exposure built on it, about 6 times too low)."""
    period, _ = period_or_latest(engine, period)
    start = months.shift(period, -(INPATIENT_COST_MONTHS - 1))
    q = (select(func.sum(Family.weight).label("stays"), func.sum(CareEvent.cost * Family.weight).label("cost"))
         .select_from(CareEvent).join(Family, Family.id == CareEvent.family_id)
         .join(Branch, Branch.code == Family.branch_code)
         .where(CareEvent.kind == "rawat_inap", CareEvent.period.between(start, period),
                scope.clause(Branch.region_code, Branch.code),
                filters.clause(Branch.region_code, Branch.code, Family.regency_code)))
    pq = (select(func.sum(Family.members * Family.weight)).join(Branch, Branch.code == Family.branch_code)
          .where(Family.segment.in_(SELF_PAYING_SEGMENTS), scope.clause(Branch.region_code, Branch.code),
                 filters.clause(Branch.region_code, Branch.code, Family.regency_code)))
    with engine.connect() as conn:
        row = conn.execute(q).mappings().one()
        people = conn.execute(pq).scalar() or 0
    stays, cost = int(row["stays"] or 0), int(row["cost"] or 0)
    n_months = len([p for p in periods(engine) if start <= p <= period]) or 1
    return {"avg_cost": cost / stays if stays else 0.0, "stays": float(stays),
            "rate_per_person_month": stays / (people * n_months) if people else 0.0}


def penalty_per_stay(months: int, avg_cost: float) -> float:
    """Perpres 64/2020: 5 % × months in arrears (at most 12) × cost, at most Rp 30 juta."""
    return min(rules.PENALTY_RATE * min(months, rules.PENALTY_MAX_MONTHS) * avg_cost, rules.PENALTY_MAX_RP)


def penalty_exposure(engine: Engine, scope: Scope, period: int | None = None,
                     filters: Filters = NATION) -> pd.DataFrame:
    """Estimated 5 % inpatient penalty if everyone in arrears reactivated, per months in arrears.

    expected stays = people × inpatient stays per person-month × 1.5 months (the 45-day window);
    exposure = expected stays × :func:`penalty_per_stay` (average inpatient cost of the scope).
    The last row (``months`` = 0) is the total.
    """
    period, _ = period_or_latest(engine, period)
    stats = inpatient_stats(engine, scope, period, filters)
    d = arrears_by_months(engine, scope, period, filters)
    d["months_counted"] = d["months"].clip(upper=rules.PENALTY_MAX_MONTHS)
    d["penalty_per_stay"] = [penalty_per_stay(int(m), stats["avg_cost"]) for m in d["months"]]
    d["expected_stays"] = d["people"] * stats["rate_per_person_month"] * rules.PENALTY_WINDOW_MONTHS
    d["exposure_rp"] = (d["expected_stays"] * d["penalty_per_stay"]).round(0)
    d = d[["months", "people", "months_counted", "penalty_per_stay", "expected_stays", "exposure_rp"]]
    total = {"months": 0, "people": int(d["people"].sum()), "months_counted": 0,
             "penalty_per_stay": float("nan"), "expected_stays": float(d["expected_stays"].sum()),
             "exposure_rp": float(d["exposure_rp"].sum())}
    d = pd.concat([d, pd.DataFrame([total])], ignore_index=True)
    d.attrs.update(avg_inpatient_cost=stats["avg_cost"], rate_per_person_month=stats["rate_per_person_month"])
    return d


