"""The SCF book of a bank: lines, their utilisation, drawdowns repaid by BPJS payments, overdue advances and
their OJK collectability (POJK 40/2019, :func:`jkn_core.scf.policy.ojk_class`).

Lines and drawdowns belong to a bank: a bank officer sees their own bank's lines in their bank's market
(:meth:`Scope.clause` and :meth:`Scope.bank_clause`); national roles see all. Aggregation in SQL.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, case, func, select

from jkn_core.scf.features import latest_period
from jkn_core.scf.policy import ojk_class, ojk_classes
from jkn_core.schema import Branch, Facility
from jkn_core.schema_claims import ScfDrawdown, ScfLine
from jkn_core.scope import Scope


def as_of_date(engine: Engine) -> dt.date | None:
    """The last day of the latest month of claims data (the book's reporting date)."""
    end = latest_period(engine)
    if end is None:
        return None
    return (pd.Timestamp(f"{end}01") + pd.offsets.MonthEnd(0)).date()


def lines(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Per SCF line in scope: hospital, bank, limit, outstanding (drawn, not repaid), utilisation, drawdowns,
    repaid, overdue amount, days past due of the oldest overdue advance and its OJK class."""
    scope.require("sees_sif")
    on = as_of_date(engine)
    if on is None:
        return pd.DataFrame()
    ln, d, f, b = ScfLine.__table__, ScfDrawdown.__table__, Facility.__table__, Branch.__table__
    open_ = d.c.repaid_on.is_(None)
    overdue = open_ & (d.c.due_on < on)
    q = (select(ln.c.id.label("line_id"), ln.c.facility_code, f.c.name.label("facility_name"),
                b.c.name.label("branch_name"), ln.c.bank, ln.c.status, ln.c.limit_rp, ln.c.opened_period,
                func.count(d.c.id).label("drawdowns"), func.coalesce(func.sum(d.c.amount_rp), 0).label("drawn_rp"),
                func.coalesce(func.sum(d.c.repaid_rp), 0).label("repaid_rp"),
                func.coalesce(func.sum(case((open_, d.c.amount_rp), else_=0)), 0).label("outstanding_rp"),
                func.coalesce(func.sum(case((overdue, d.c.amount_rp), else_=0)), 0).label("overdue_rp"),
                func.min(case((overdue, d.c.due_on), else_=None)).label("oldest_due"))
         .select_from(ln.join(f, f.c.code == ln.c.facility_code).join(b, b.c.code == f.c.branch_code)
                      .outerjoin(d, d.c.line_id == ln.c.id))
         .where(scope.clause(b.c.region_code, f.c.branch_code), scope.bank_clause(ln.c.bank))
         .group_by(ln.c.id, ln.c.facility_code, f.c.name, b.c.name, ln.c.bank, ln.c.status, ln.c.limit_rp,
                   ln.c.opened_period)
         .order_by(ln.c.id))
    with engine.connect() as conn:
        df = pd.DataFrame([dict(r) for r in conn.execute(q).mappings().all()])
    if df.empty:
        return df
    for col in ("drawn_rp", "repaid_rp", "outstanding_rp", "overdue_rp", "limit_rp"):
        df[col] = pd.to_numeric(df[col]).astype("int64")
    oldest = pd.to_datetime(df["oldest_due"])
    df["days_past_due"] = (pd.Timestamp(on) - oldest).dt.days.fillna(0).clip(lower=0).astype(int)
    df["ojk_class"] = ojk_classes(df["days_past_due"].to_numpy())
    df["utilisation"] = (df["outstanding_rp"] / df["limit_rp"].where(df["limit_rp"] > 0)).astype(float)
    return df.drop(columns=["oldest_due"])


def summary(book: pd.DataFrame) -> dict[str, float]:
    """Totals of :func:`lines`: lines, limits, outstanding, utilisation, overdue, share of lines Kol-3 or worse."""
    if book.empty:
        return {"lines": 0, "limit_rp": 0, "outstanding_rp": 0, "utilisation": float("nan"), "overdue_rp": 0,
                "repaid_rp": 0, "npl_share": float("nan")}
    npl = book["ojk_class"].isin(["Kol-3", "Kol-4", "Kol-5"])
    return {"lines": int(len(book)), "limit_rp": int(book["limit_rp"].sum()),
            "outstanding_rp": int(book["outstanding_rp"].sum()),
            "utilisation": float(book["outstanding_rp"].sum() / max(1, book["limit_rp"].sum())),
            "overdue_rp": int(book["overdue_rp"].sum()), "repaid_rp": int(book["repaid_rp"].sum()),
            "npl_share": float(npl.mean())}


def by_ojk_class(book: pd.DataFrame) -> pd.DataFrame:
    """Lines and outstanding per OJK class (Kol-1 .. Kol-5), with the class's Indonesian name."""
    rows = []
    for code in ("Kol-1", "Kol-2", "Kol-3", "Kol-4", "Kol-5"):
        sel = book[book["ojk_class"] == code] if not book.empty else book
        days = {"Kol-1": 0, "Kol-2": 1, "Kol-3": 91, "Kol-4": 121, "Kol-5": 181}[code]
        rows.append({"ojk_class": code, "name": ojk_class(days)[1], "lines": int(len(sel)),
                     "outstanding_rp": int(sel["outstanding_rp"].sum()) if len(sel) else 0})
    return pd.DataFrame(rows)


def drawdowns_by_month(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Per service month: advances drawn and repaid by BPJS payments (Rupiah), in scope."""
    scope.require("sees_sif")
    ln, d, f, b = ScfLine.__table__, ScfDrawdown.__table__, Facility.__table__, Branch.__table__
    q = (select(d.c.service_period, func.sum(d.c.amount_rp).label("drawn_rp"),
                func.sum(d.c.repaid_rp).label("repaid_rp"))
         .select_from(d.join(ln, ln.c.id == d.c.line_id).join(f, f.c.code == ln.c.facility_code)
                      .join(b, b.c.code == f.c.branch_code))
         .where(scope.clause(b.c.region_code, f.c.branch_code), scope.bank_clause(ln.c.bank))
         .group_by(d.c.service_period).order_by(d.c.service_period))
    with engine.connect() as conn:
        df = pd.DataFrame([dict(r) for r in conn.execute(q).mappings().all()],
                          columns=["service_period", "drawn_rp", "repaid_rp"])
    for col in ("drawn_rp", "repaid_rp"):
        df[col] = pd.to_numeric(df[col]).fillna(0).astype("int64")
    return df
