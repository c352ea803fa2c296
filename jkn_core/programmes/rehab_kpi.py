"""Rehab KPIs (SQL aggregation, scoped): a branch's plans by state; for directors enrolments, completion rate,
reactivated people, Rupiah recovered, by branch, and the cash forecast of the stages still to come.

Head counts follow the schema's convention (``SUM(weight)``): a plan generated or imported on a demo family
row stands for the family's weight; a plan a user enrolled on the dashboard (``enrolled_by`` set) for one
family. States are defined once in :func:`jkn_core.programmes.rehab.plan_rows`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine, case, func, select

from jkn_core.collection.branch_scope import branch_for
from jkn_core.programmes import rehab
from jkn_core.schema import Branch, Family, RehabPayment, RehabPlan
from jkn_core.scope import Scope


def plan_weight() -> Any:
    """SQL: real families one plan row stands for."""
    return case((RehabPlan.enrolled_by.is_not(None), 1), else_=Family.weight)


def branch_counts(engine: Engine, scope: Scope, branch_code: str | None = None,
                  on: dt.date | None = None) -> dict[str, int]:
    """Plans of the branch per state on ``on`` (every state of :data:`rehab.STATES`, 0 when none)."""
    branch = branch_for(scope, branch_code)
    on = on or rehab.default_day(engine)
    rows = rehab.plan_rows(on).subquery()
    q = (select(rows.c.state, func.count()).where(rows.c.branch_code == branch).group_by(rows.c.state))
    with engine.connect() as conn:
        got = {s: int(n) for s, n in conn.execute(q)}
    return {s: got.get(s, 0) for s in rehab.STATES}


def _scoped(q: Any, scope: Scope) -> Any:
    return (q.join(Family, Family.id == RehabPlan.family_id).join(Branch, Branch.code == RehabPlan.branch_code)
            .where(scope.clause(Branch.region_code, Branch.code)))


def director_kpis(engine: Engine, scope: Scope, period_from: int | None = None,
                  period_to: int | None = None) -> dict[str, Any]:
    """Enrolments (families), active, completed, cancelled, completion rate (completed ÷ plans that ended),
    reactivated people (members of completed plans' families), Rupiah recovered (stage payments made) and
    Rupiah still to come (unpaid stages of active plans); plans enrolled in ``period_from``..``period_to``."""
    scope.require("sees_kpis")
    w = plan_weight()

    def total(cond: Any, value: Any = None) -> Any:
        return func.coalesce(func.sum(case((cond, (value if value is not None else 1) * w), else_=0)), 0)

    q = _scoped(select(func.coalesce(func.sum(w), 0), total(RehabPlan.status == "active"),
                       total(RehabPlan.status == "completed"), total(RehabPlan.status == "cancelled"),
                       total(RehabPlan.status == "completed", Family.members)).select_from(RehabPlan), scope)
    paid = _scoped(select(func.coalesce(func.sum(RehabPayment.amount_rp * w), 0)).select_from(RehabPlan)
                   .join(RehabPayment, RehabPayment.plan_id == RehabPlan.id), scope)
    due = _scoped(select(func.coalesce(func.sum(RehabPayment.amount_rp * w), 0)).select_from(RehabPlan)
                  .join(RehabPayment, RehabPayment.plan_id == RehabPlan.id), scope)
    paid = paid.where(RehabPayment.paid_on.is_not(None))
    due = due.where(RehabPayment.paid_on.is_(None), RehabPlan.status == "active")
    conds = []
    if period_from:
        conds.append(RehabPlan.first_period >= int(period_from))
    if period_to:
        conds.append(RehabPlan.first_period <= int(period_to))
    q, paid, due = (x.where(*conds) for x in (q, paid, due))
    with engine.connect() as conn:
        enrolled, active, completed, cancelled, people = (int(v) for v in conn.execute(q).one())
        recovered = int(conn.execute(paid).scalar_one())
        to_come = int(conn.execute(due).scalar_one())
    ended = completed + cancelled
    return {"enrolled": enrolled, "active": active, "completed": completed, "cancelled": cancelled,
            "completion_rate": (completed / ended) if ended else None, "reactivated_people": people,
            "recovered_rp": recovered, "to_come_rp": to_come}


def by_branch(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Per branch in scope: enrolments, completed, cancelled, completion rate and Rupiah recovered."""
    scope.require("sees_kpis")
    w = plan_weight()
    paid = (select(RehabPayment.plan_id, func.sum(RehabPayment.amount_rp).label("rp"))
            .where(RehabPayment.paid_on.is_not(None)).group_by(RehabPayment.plan_id).subquery())
    q = _scoped(select(Branch.code.label("branch_code"), Branch.name.label("branch_name"),
                       func.sum(w).label("enrolled"),
                       func.sum(case((RehabPlan.status == "completed", w), else_=0)).label("completed"),
                       func.sum(case((RehabPlan.status == "cancelled", w), else_=0)).label("cancelled"),
                       func.coalesce(func.sum(paid.c.rp * w), 0).label("recovered_rp"))
                .select_from(RehabPlan).outerjoin(paid, paid.c.plan_id == RehabPlan.id), scope)
    q = q.group_by(Branch.code, Branch.name).order_by(func.sum(w).desc(), Branch.code)
    with engine.connect() as conn:
        out = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=list(q.selected_columns.keys()))
    for c in ("enrolled", "completed", "cancelled", "recovered_rp"):
        out[c] = out[c].astype("int64")
    ended = out["completed"] + out["cancelled"]
    out["completion_rate"] = (out["completed"] / ended.where(ended > 0)).astype(float)
    return out


def cash_forecast(engine: Engine, scope: Scope, from_period: int | None = None) -> pd.DataFrame:
    """Rupiah of the stages still to come per month (``period``, ``plans``, ``scheduled_rp``): unpaid stages of
    active plans due from ``from_period`` (default: the current month) on."""
    scope.require("sees_kpis")
    start = int(from_period or rehab.current_period(engine))
    w = plan_weight()
    q = _scoped(select(RehabPayment.period, func.sum(w).label("plans"),
                       func.sum(RehabPayment.amount_rp * w).label("scheduled_rp"))
                .select_from(RehabPlan).join(RehabPayment, RehabPayment.plan_id == RehabPlan.id), scope)
    q = (q.where(RehabPlan.status == "active", RehabPayment.paid_on.is_(None), RehabPayment.period >= start)
         .group_by(RehabPayment.period).order_by(RehabPayment.period))
    with engine.connect() as conn:
        out = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=["period", "plans", "scheduled_rp"])
    return out.astype({"period": "int64", "plans": "int64", "scheduled_rp": "int64"})
