"""Hospital (FKRTL) claims KPIs for directors: claims payable (verified, unpaid) by branch and month, days from
submission to payment against the 10 + 15 day rule (:mod:`jkn_core.scf.claim_rules`), share paid late, penalty
owed, dispute and return rates; a branch's hospitals and one hospital's months (drill-down).

Every function aggregates in SQL (same result on SQLite and PostgreSQL) and applies the caller's scope
(region, branch or a bank's market) through the hospital's branch. No participant row is read.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, case, func, select

from jkn_core.scf.claim_rules import RULE_DAYS
from jkn_core.schema import Branch, Facility
from jkn_core.schema_claims import Claim
from jkn_core.scope import Scope

COLUMNS = ["claims", "submitted_rp", "verified_rp", "disputed_rp", "returned_rp", "payable_rp", "paid_claims",
           "mean_days_to_payment", "late_claims", "penalty_rp", "share_late", "dispute_rate", "return_rate"]


def _measures() -> list:  # type: ignore[type-arg]
    c = Claim.__table__.c
    unpaid = c.paid_on.is_(None)
    late = c.paid_on > c.payment_due_on
    return [
        func.count().label("claims"),
        func.sum(c.amount_submitted_rp).label("submitted_rp"),
        func.sum(c.amount_verified_rp).label("verified_rp"),
        func.sum(c.disputed_rp).label("disputed_rp"),
        func.sum(c.returned_rp).label("returned_rp"),
        func.sum(case((unpaid, c.amount_verified_rp), else_=0)).label("payable_rp"),
        func.count(c.paid_on).label("paid_claims"),
        func.avg(c.days_to_payment * 1.0).label("mean_days_to_payment"),
        func.sum(case((late, 1), else_=0)).label("late_claims"),
        func.sum(c.penalty_rp).label("penalty_rp"),
    ]


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    for col in ("claims", "submitted_rp", "verified_rp", "disputed_rp", "returned_rp", "payable_rp",
                "paid_claims", "late_claims", "penalty_rp"):
        df[col] = pd.to_numeric(df[col]).fillna(0).astype("int64")
    df["mean_days_to_payment"] = pd.to_numeric(df["mean_days_to_payment"]).astype(float)
    df["share_late"] = (df["late_claims"] / df["paid_claims"].where(df["paid_claims"] > 0)).astype(float)
    df["dispute_rate"] = (df["disputed_rp"] / df["submitted_rp"].where(df["submitted_rp"] > 0)).astype(float)
    df["return_rate"] = (df["returned_rp"] / df["submitted_rp"].where(df["submitted_rp"] > 0)).astype(float)
    return df


def _base(scope: Scope, period_from: int | None, period_to: int | None, keys: list):  # type: ignore[no-untyped-def,type-arg]
    c, f, b = Claim.__table__, Facility.__table__, Branch.__table__
    q = (select(*keys, *_measures())
         .select_from(c.join(f, f.c.code == c.c.facility_code).join(b, b.c.code == f.c.branch_code))
         .where(scope.clause(b.c.region_code, f.c.branch_code)))
    if period_from is not None:
        q = q.where(c.c.service_period >= period_from)
    if period_to is not None:
        q = q.where(c.c.service_period <= period_to)
    return q.group_by(*keys).order_by(*keys)


def _read(engine: Engine, q, keys: list[str]) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    scope_cols = keys + COLUMNS[:10]
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(q).mappings().all(), columns=scope_cols)
    return _finish(df)


def claims_periods(engine: Engine, scope: Scope) -> list[int]:
    """Service months of the claims in scope, oldest first."""
    c, f, b = Claim.__table__, Facility.__table__, Branch.__table__
    q = (select(c.c.service_period).distinct()
         .select_from(c.join(f, f.c.code == c.c.facility_code).join(b, b.c.code == f.c.branch_code))
         .where(scope.clause(b.c.region_code, f.c.branch_code)).order_by(c.c.service_period))
    with engine.connect() as conn:
        return [int(p) for p in conn.execute(q).scalars()]


def claims_by_branch(engine: Engine, scope: Scope, period_from: int | None = None,
                     period_to: int | None = None) -> pd.DataFrame:
    """Per Kantor Cabang: claims, amounts, payable (verified, unpaid), days to payment, late, penalty, rates."""
    b = Branch.__table__
    keys = [b.c.code.label("branch_code"), b.c.name.label("branch_name")]
    return _read(engine, _base(scope, period_from, period_to, keys), ["branch_code", "branch_name"])


def claims_by_month(engine: Engine, scope: Scope, branch_code: str | None = None) -> pd.DataFrame:
    """Per service month (of one branch when given): the same measures."""
    c = Claim.__table__
    q = _base(scope, None, None, [c.c.service_period])
    if branch_code:
        q = q.where(Facility.__table__.c.branch_code == branch_code)
    return _read(engine, q, ["service_period"])


def claims_totals(engine: Engine, scope: Scope, period_from: int | None = None,
                  period_to: int | None = None, branch_code: str | None = None) -> dict[str, float]:
    """The measures over everything in scope (one branch when given), plus the rule in days."""
    q = _base(scope, period_from, period_to, [])
    if branch_code:
        q = q.where(Facility.__table__.c.branch_code == branch_code)
    df = _read(engine, q, [])
    out = df.iloc[0].to_dict() if len(df) else dict.fromkeys(COLUMNS, 0)
    out["rule_days"] = RULE_DAYS
    return out


def hospitals_of_branch(engine: Engine, scope: Scope, branch_code: str, period_from: int | None = None,
                        period_to: int | None = None) -> pd.DataFrame:
    """Per hospital of one branch: the measures (drill-down from a branch)."""
    f = Facility.__table__
    keys = [f.c.code.label("facility_code"), f.c.name.label("facility_name")]
    q = _base(scope, period_from, period_to, keys).where(f.c.branch_code == branch_code)
    return _read(engine, q, ["facility_code", "facility_name"])


def hospital_months(engine: Engine, scope: Scope, facility_code: str) -> pd.DataFrame:
    """One hospital's claims per service month (the ledger rows, in scope only)."""
    c, f, b = Claim.__table__, Facility.__table__, Branch.__table__
    q = (select(c.c.service_period, c.c.submitted_on, c.c.amount_submitted_rp, c.c.amount_verified_rp,
                c.c.returned_rp, c.c.return_reason, c.c.disputed_rp, c.c.dispute_reason, c.c.complete_on,
                c.c.payment_due_on, c.c.paid_on, c.c.amount_paid_rp, c.c.days_to_payment, c.c.penalty_rp)
         .select_from(c.join(f, f.c.code == c.c.facility_code).join(b, b.c.code == f.c.branch_code))
         .where(c.c.facility_code == facility_code, scope.clause(b.c.region_code, f.c.branch_code))
         .order_by(c.c.service_period))
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    cols = ["service_period", "submitted_on", "amount_submitted_rp", "amount_verified_rp", "returned_rp",
            "return_reason", "disputed_rp", "dispute_reason", "complete_on", "payment_due_on", "paid_on",
            "amount_paid_rp", "days_to_payment", "penalty_rp"]
    return pd.DataFrame([dict(r) for r in rows], columns=cols)
