"""CSR allocation (#13): which families' arrears a sponsor should pay so that the most PEOPLE are reactivated
and STAY active for its money; the sponsor's payments (audited) and its report (XLSX, PDF).

**Candidates** (:func:`candidates`, one SQL query, aggregated per family): the sponsor's eligibility (JSON
``{"segments": [...], "kelas": [...], "provinces": [...]}``; default class-3 PBPU/BP in Jawa Barat and
Banten, :data:`jkn_core.rules.CSR_PROVINCES`), in arrears at the as-of month (bills of the last 24 months
unpaid at its end). ``debt_rp`` = those bills (what reactivation costs); ``members`` and ``weight`` (a demo
row stands for ``weight`` families, so a row costs ``debt_rp × weight``).

**Probability of paying on** (``p_pay``): the family's own record in the ledger up to the as-of month — the
share of its bills paid in their own month, Laplace-smoothed ``(on time + 1) / (bills + 2)``. A documented
PROXY: the delinquency model's score is *not* used, because for a family in arrears it predicts whether the
family cures next month, not whether it keeps paying once a sponsor has cleared its debt.

**Selection** (:func:`allocate`): a budgeted greedy knapsack on ``members × p_pay ÷ debt`` (expected people
still paying per Rupiah), taking families in that order while they fit in the budget. Baselines for the
benchmark: largest debts first, random order (same budget).

**Benchmark** (:func:`benchmark`, demo databases): each strategy's expected people still active 3 and 6
months after the payment, per Rp 1 miliar, evaluated with the generator's TRUE monthly probability of
missing while current (``truth_family``; evaluation only, never used by the selection).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
from fpdf import FPDF
from sqlalchemy import Engine, and_, case, exists, func, insert, inspect, not_, or_, select

from jkn_core import fmt, months, rules
from jkn_core.audit import audit
from jkn_core.exports import ExportContext, export_filename, export_table
from jkn_core.i18n import t
from jkn_core.memo_pdf import latin1
from jkn_core.schema import (
    SELF_PAYING_SEGMENTS,
    Contribution,
    CsrPayment,
    Family,
    Partner,
    Regency,
    TruthFamily,
)
from jkn_core.scope import Scope, ScopeError

DEFAULT_ELIGIBILITY = {"segments": list(SELF_PAYING_SEGMENTS), "kelas": [rules.CSR_KELAS],
                       "provinces": list(rules.CSR_PROVINCES)}
STRATEGIES = ("proposed", "largest_debt", "random")


def sponsors(engine: Engine) -> pd.DataFrame:
    """The CSR sponsors (partners of kind ``csr_sponsor``)."""
    p = Partner.__table__
    if not inspect(engine).has_table(p.name):
        return pd.DataFrame(columns=["id", "code", "name", "budget_rp", "eligibility"])
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(p.c.id, p.c.code, p.c.name, p.c.budget_rp, p.c.eligibility)
                                         .where(p.c.kind == "csr_sponsor").order_by(p.c.code)).mappings().all(),
                            columns=["id", "code", "name", "budget_rp", "eligibility"])


def budget_of(value: Any) -> int:
    """A sponsor's budget in Rupiah (0 when it has none)."""
    return 0 if value is None or pd.isna(value) else int(value)


def eligibility_of(raw: str | None) -> dict[str, list[Any]]:
    """The sponsor's eligibility rule (the default where it names nothing)."""
    rule = dict(DEFAULT_ELIGIBILITY)
    if raw:
        try:
            given = json.loads(raw)
        except ValueError:
            given = {}
        for key in rule:
            if isinstance(given, dict) and given.get(key):
                rule[key] = list(given[key])
    return rule


def _last_period(engine: Engine) -> int:
    with engine.connect() as conn:
        v = conn.execute(select(func.max(Contribution.period))).scalar()
    if v is None:
        raise LookupError("the ledger is empty")
    return int(v)


def candidates(engine: Engine, scope: Scope, eligibility: dict[str, list[Any]] | None = None,
               as_of: int | None = None) -> pd.DataFrame:
    """Eligible families in arrears at ``as_of`` (default: the last ledger month) with their debt, members,
    weight and ``p_pay`` (see the module). Scoped by the family's branch."""
    rule = eligibility or DEFAULT_ELIGIBILITY
    as_of = as_of or _last_period(engine)
    f, c, r = Family.__table__, Contribution.__table__, Regency.__table__
    window = and_(c.c.period <= as_of, c.c.period > as_of - 200)
    unpaid = and_(window, or_(c.c.paid_period.is_(None), c.c.paid_period > as_of))
    stmt = (select(f.c.id.label("family_id"), f.c.branch_code, f.c.members, f.c.weight, f.c.kelas,
                   func.sum(case((unpaid, 1), else_=0)).label("arrears_months"),
                   func.sum(case((unpaid, c.c.billed), else_=0)).label("debt_rp"),
                   func.sum(case((and_(c.c.period <= as_of, c.c.paid_period == c.c.period), 1), else_=0)).label("on_time"),
                   func.sum(case((c.c.period <= as_of, 1), else_=0)).label("bills"))
            .select_from(f.join(c, c.c.family_id == f.c.id).join(r, r.c.code == f.c.regency_code))
            .where(scope.clause(branch_col=f.c.branch_code), f.c.segment.in_(rule["segments"]),
                   f.c.kelas.in_([int(k) for k in rule["kelas"]]), r.c.province_code.in_(rule["provinces"]))
            .group_by(f.c.id, f.c.branch_code, f.c.members, f.c.weight, f.c.kelas))
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all(),
                          columns=["family_id", "branch_code", "members", "weight", "kelas", "arrears_months",
                                   "debt_rp", "on_time", "bills"])
    df = df[df["arrears_months"] > 0].reset_index(drop=True)
    for col in ("members", "weight", "arrears_months", "debt_rp", "on_time", "bills"):
        df[col] = df[col].astype(np.int64)
    df["p_pay"] = (df["on_time"] + 1) / (df["bills"] + 2)
    df["as_of"] = as_of
    return df


def allocate(cands: pd.DataFrame, budget_rp: float, strategy: str = "proposed", seed: int = 13) -> pd.DataFrame:
    """The candidates in the strategy's order with ``chosen`` (fits in the budget, greedily) and
    ``cost_rp`` (= debt × weight). ``proposed``: members × p_pay ÷ debt, highest first; ``largest_debt``;
    ``random`` (seeded)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}")
    df = cands.copy()
    df["cost_rp"] = df["debt_rp"] * df["weight"]
    df["value"] = df["members"] * df["p_pay"] / df["debt_rp"].clip(lower=1)
    if strategy == "proposed":
        df = df.sort_values(["value", "family_id"], ascending=[False, True], kind="stable")
    elif strategy == "largest_debt":
        df = df.sort_values(["debt_rp", "family_id"], ascending=[False, True], kind="stable")
    else:
        df = df.iloc[np.random.default_rng(seed).permutation(len(df))]
    df = df.reset_index(drop=True)
    # greedy fill: take each family whose cost still fits (vectorised: cumulative sum with skips is done in
    # a few passes: the first pass takes the prefix that fits, later passes fill what is left)
    chosen = np.zeros(len(df), bool)
    left = float(budget_rp)
    cost = df["cost_rp"].to_numpy(float)
    for _ in range(20):
        free = np.flatnonzero(~chosen & (cost <= left))
        if not len(free):
            break
        take = free[np.cumsum(cost[free]) <= left]
        if not len(take):
            break
        chosen[take] = True
        left -= cost[take].sum()
    df["chosen"] = chosen
    return df


def _p_miss_current(engine: Engine, family_ids: list[int]) -> pd.Series:
    """Per family: the TRUE mean probability of missing a month while current (truth_family over the months
    after a bill paid in its own month); evaluation only."""
    tf, c = TruthFamily.__table__, Contribution.__table__
    prev = months.months_before_sql(tf.c.period, 1)
    stmt = (select(tf.c.family_id, func.avg(tf.c.p_miss).label("p"))
            .select_from(tf.join(c, and_(c.c.family_id == tf.c.family_id, c.c.period == prev)))
            .where(c.c.paid_period == c.c.period, tf.c.family_id.in_(family_ids))
            .group_by(tf.c.family_id))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return pd.Series({int(r[0]): float(r[1]) for r in rows}, dtype=float)


def benchmark(engine: Engine, scope: Scope, budget_rp: float, eligibility: dict[str, list[Any]] | None = None,
              as_of: int | None = None, seed: int = 13) -> pd.DataFrame:
    """Each strategy's families, people and Rupiah paid for, and the expected people still active after 3
    and 6 months (true probabilities of the demo), also per Rp 1 miliar."""
    cands = candidates(engine, scope, eligibility, as_of)
    if cands.empty:
        return pd.DataFrame()
    pm = _p_miss_current(engine, cands["family_id"].tolist()[:200000])
    fill = pm.mean() if len(pm) else 0.1
    rows = []
    for strategy in STRATEGIES:
        d = allocate(cands, budget_rp, strategy, seed)
        d = d[d["chosen"]]
        p = d["family_id"].map(pm).fillna(fill).to_numpy()
        people = (d["members"] * d["weight"]).to_numpy(float)
        spent = float(d["cost_rp"].sum())
        row = {"strategy": strategy, "families": int(d["weight"].sum()), "people_reactivated": people.sum(),
               "spent_rp": spent}
        for k in (3, 6):
            row[f"active_after_{k}"] = float((people * (1 - p) ** k).sum())
            row[f"active_after_{k}_per_miliar"] = row[f"active_after_{k}"] / (spent / 1e9) if spent else 0.0
        row["reactivated_per_miliar"] = people.sum() / (spent / 1e9) if spent else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


# --- payments and the sponsor's report ------------------------------------------------------------------
def record_payments(engine: Engine, scope: Scope, sponsor_id: int, chosen: pd.DataFrame, period: int,
                    status: str = "paid") -> int:
    """Record the sponsor's payment (or proposal) of the chosen families' arrears; one audit row. Only an
    admin or the families' own branch team may; every family must be in the scope."""
    if scope.role not in ("admin", "kantor_cabang"):
        raise ScopeError(f"role {scope.role} may not record CSR payments")
    if status not in ("paid", "proposed"):
        raise ValueError("status must be paid or proposed")
    if chosen.empty:
        return 0
    if scope.branch_code and (chosen["branch_code"] != scope.branch_code).any():
        raise ScopeError("a family outside the branch")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [{"partner_id": int(sponsor_id), "family_id": int(r.family_id), "branch_code": r.branch_code,
             "assignment_id": None, "period": int(period), "arrears_months": int(r.arrears_months),
             "amount_rp": int(r.debt_rp), "status": status, "created_by": scope.username, "created_at": now}
            for r in chosen.itertuples()]
    with engine.begin() as conn:
        conn.execute(insert(CsrPayment.__table__), rows)
        audit(conn, scope, "csr_payment", {"sponsor_id": int(sponsor_id), "status": status, "families": len(rows),
                                           "amount_rp": int(chosen["debt_rp"].sum()), "period": int(period)})
    return len(rows)


def sponsor_report(engine: Engine, scope: Scope, sponsor_id: int) -> pd.DataFrame:
    """Per payment month: families and people paid for, Rupiah, reactivated (no unpaid bill at the end of the
    payment month), still active 3 and 6 months later (None while that month is not in the ledger yet).
    Weighted; scoped by the family's branch."""
    cp, c, f = CsrPayment.__table__, Contribution.__table__, Family.__table__
    last = _last_period(engine)
    with engine.connect() as conn:
        periods = sorted(int(p) for p in conn.execute(
            select(cp.c.period).where(cp.c.partner_id == sponsor_id, cp.c.status == "paid").distinct()).scalars())
    if not periods:
        return pd.DataFrame(columns=["period", "families", "people", "amount_rp", "reactivated", "active_3",
                                     "active_6"])

    def active_at(shift: int) -> Any:
        end = case(*[(cp.c.period == p, months.shift(p, shift)) for p in periods], else_=999912)
        ok = not_(exists().where(c.c.family_id == cp.c.family_id, c.c.period <= end, c.c.period > end - 200,
                                 or_(c.c.paid_period.is_(None), c.c.paid_period > end)))
        return func.sum(case((ok, f.c.weight * f.c.members), else_=0)), end

    cols = []
    for shift, name in ((0, "reactivated"), (3, "active_3"), (6, "active_6")):
        expr, _ = active_at(shift)
        cols.append(expr.label(name))
    stmt = (select(cp.c.period, func.sum(f.c.weight).label("families"),
                   func.sum(f.c.weight * f.c.members).label("people"),
                   func.sum(f.c.weight * cp.c.amount_rp).label("amount_rp"), *cols)
            .select_from(cp.join(f, f.c.id == cp.c.family_id))
            .where(cp.c.partner_id == sponsor_id, cp.c.status == "paid", scope.clause(branch_col=cp.c.branch_code))
            .group_by(cp.c.period).order_by(cp.c.period))
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all())
    if df.empty:
        return pd.DataFrame(columns=["period", "families", "people", "amount_rp", "reactivated", "active_3",
                                     "active_6"])
    for shift, name in ((3, "active_3"), (6, "active_6")):
        df[name] = [v if months.shift(int(p), shift) <= last else None for p, v in zip(df["period"], df[name],
                                                                                          strict=True)]
    return df


def report_xlsx(engine: Engine, scope: Scope, sponsor_name: str, report: pd.DataFrame, lang: str = "id") -> bytes:
    """The sponsor's report as XLSX (through :func:`jkn_core.exports.export_table`: audited)."""
    ctx = ExportContext(t("csr_report_title", lang), lang, int(report["period"].max()) if len(report) else None,
                        sponsor_name)
    return export_table(engine, scope, report, "csr_report", "xlsx", ctx)


def report_filename(sponsor_name: str, report: pd.DataFrame, fmt_: str, lang: str = "id") -> str:
    return export_filename("csr_report", fmt_, ExportContext(t("csr_report_title", lang), lang,
                                                            int(report["period"].max()) if len(report) else None,
                                                            sponsor_name))


def report_pdf(engine: Engine, scope: Scope, sponsor_name: str, report: pd.DataFrame, lang: str = "id") -> bytes:
    """The sponsor's report as PDF; writes an ``export`` audit row like every download."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 9, latin1(f"{t('csr_report_title', lang)}: {sponsor_name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 5, latin1(t("csr_report_note", lang)))
    pdf.ln(2)
    heads = [t("csr_col_period", lang), t("csr_col_families", lang), t("csr_col_people", lang),
             t("csr_col_amount", lang), t("csr_col_reactivated", lang), t("csr_col_active_3", lang),
             t("csr_col_active_6", lang)]
    widths = [26, 24, 24, 34, 28, 27, 27]
    pdf.set_font("Helvetica", "B", 8)
    for h, w in zip(heads, widths, strict=True):
        pdf.cell(w, 6, latin1(h), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 8)
    dash = "-"
    for r in report.itertuples():
        vals = [fmt.period_label(int(r.period), lang), fmt.number(r.families, 0, lang), fmt.number(r.people, 0, lang),
                fmt.rupiah(r.amount_rp, lang), fmt.number(r.reactivated, 0, lang),
                dash if r.active_3 is None or pd.isna(r.active_3) else fmt.number(r.active_3, 0, lang),
                dash if r.active_6 is None or pd.isna(r.active_6) else fmt.number(r.active_6, 0, lang)]
        for v, w in zip(vals, widths, strict=True):
            pdf.cell(w, 6, latin1(v), border=1)
        pdf.ln()
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 7)
    pdf.cell(0, 4, latin1(f"{t('csr_generated', lang)}: {fmt.now_wib(lang)} - {scope.username}"))
    data = bytes(pdf.output())
    audit(engine, scope, "export", {"what": "csr_report", "format": "pdf", "rows": len(report),
                                    "sponsor": sponsor_name})
    return data
