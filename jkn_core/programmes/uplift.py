"""Measured effect of every programme and action: treated vs randomly held-out families (#13).

For each ``partner_assignments.programme`` (its action label and outcome window from
``programmes_policy.toml``), over the assignments whose window has ended by the last ledger month:

- **outcome** of an assigned family, read from the ledger (``contributions``), never from the assignment's
  own status: ``reactivated`` = no bill of the 24 months up to the window's last month still unpaid at the
  end of that month; ``paid`` = at least one bill paid inside the window (the assignment month included).
- **rates** of the treated and the held-out families, **weighted by the family weight** (a demo row stands
  for ~300 families; real data has weight 1): ``Σ w·y / Σ w``.
- **uplift** = treated rate − holdout rate, with the Agresti–Caffo interval of a difference of two
  independent proportions (each arm's rate computed with one success and one failure added: the plain normal
  interval collapses when a small holdout has a rate of 0 or 1). Each rate's variance uses the
  **effective sample size** ``n_eff = (Σ w)² / Σ w²`` (Kish): the randomisation was done per ROW, so the
  independent units are the rows, not the Σ w families they stand for — treating Σ w as the sample size
  would make the interval √300 ≈ 17 times too narrow. With equal weights ``n_eff`` is the row count.
- **simultaneous 95 %**: the dashboard and the CLI compare all k programmes of a report at once, so their
  intervals are Bonferroni-adjusted (z = Φ⁻¹(1 − 0.05 / 2k), 2.64 for six): with 95 % confidence EVERY
  programme's true uplift lies inside its interval. Six separate 95 % intervals would all hold only about
  three times in four even for an unbiased estimator (measured over seeds in docs/programmes.md). ``z=``
  gives the plain per-programme interval (1.96) where one programme is looked at alone.
- **cost per reactivated person** = the treated families' cost (partner fees ``fee_rp``, CSR money from
  ``csr_payments``, staff minutes × ``staff_hour_rp``; all × family weight) ÷ the EXTRA people reactivated
  (uplift × people in the treated families, Σ w · members). Empty when the uplift is not above zero.

Every query obeys the scope (the assignment's branch). On a demo database ``true_effect`` comes from
``truth_programme_effect`` (the generator's expected uplift over all branches; evaluation only).
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, case, exists, func, inspect, literal, not_, or_, select

from jkn_core import months
from jkn_core.programmes.evaluation import OUTCOMES, load_policy
from jkn_core.schema import (
    Contribution,
    CsrPayment,
    Family,
    Meta,
    PartnerAssignment,
    TruthProgrammeEffect,
)
from jkn_core.scope import Scope

COLUMNS = ["programme", "action", "outcome", "window_months", "n_treated", "n_holdout", "families_treated",
           "people_treated", "rate_treated", "rate_holdout", "uplift", "ci_low", "ci_high", "extra_people",
           "cost_rp", "cost_per_reactivation_rp", "true_effect", "ci_z"]


def simultaneous_z(k: int, z_single: float) -> float:
    """The normal quantile that makes k intervals hold together at the confidence ``z_single`` gives one
    (Bonferroni): 1.96 and k = 6 -> 2.64; k <= 1 -> ``z_single``."""
    if k <= 1:
        return z_single
    alpha = 2 * (1 - NormalDist().cdf(z_single))
    return NormalDist().inv_cdf(1 - alpha / (2 * k))


def diff_ci(sw_t: float, sw2_t: float, swy_t: float, sw_h: float, sw2_h: float, swy_h: float,
            z: float = 1.96) -> tuple[float | None, float | None, float | None, float | None, float | None]:
    """(rate treated, rate holdout, uplift, ci low, ci high) from the weighted sums of each arm
    (Σw, Σw², Σw·y); None where an arm is empty."""
    if sw_t <= 0 or sw_h <= 0:
        return (swy_t / sw_t if sw_t > 0 else None, swy_h / sw_h if sw_h > 0 else None, None, None, None)
    p_t, p_h = swy_t / sw_t, swy_h / sw_h
    n_t, n_h = sw_t ** 2 / sw2_t, sw_h ** 2 / sw2_h
    # Agresti-Caffo: one success and one failure added to each arm (in effective-sample units)
    a_t, a_h = (p_t * n_t + 1) / (n_t + 2), (p_h * n_h + 1) / (n_h + 2)
    se = math.sqrt(a_t * (1 - a_t) / (n_t + 2) + a_h * (1 - a_h) / (n_h + 2))
    center = a_t - a_h
    return p_t, p_h, p_t - p_h, center - z * se, center + z * se


def last_ledger_period(engine: Engine) -> int | None:
    with engine.connect() as conn:
        v = conn.execute(select(func.max(Contribution.period))).scalar()
    return int(v) if v is not None else None


def _window_end(a: Any, periods: list[int], programmes: list[str]) -> Any:
    """SQL: the last month of each assignment's outcome window (from its programme's window length)."""
    pol = load_policy()
    whens = [(and_(a.c.programme == prog, a.c.period == p), months.shift(p, pol.of(prog).window_months - 1))
             for prog in programmes for p in periods]
    return case(*whens, else_=literal(999912)) if whens else literal(999912)


def measure(engine: Engine, scope: Scope, outcome: str = "reactivated", z: float | None = None) -> pd.DataFrame:
    """One row per programme with finished windows: counts, weighted rates, uplift and its SIMULTANEOUS 95 %
    interval over the programmes measured (``z``: a fixed normal quantile instead, e.g. 1.96 for one
    programme's own interval; the quantile used is in ``ci_z``), costs, cost per extra reactivated person
    and (demo) the true effect. Columns :data:`COLUMNS`."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    pol = load_policy()
    last = last_ledger_period(engine)
    a = PartnerAssignment.__table__
    if last is None or not inspect(engine).has_table(a.name):
        return pd.DataFrame(columns=COLUMNS)
    f, c = Family.__table__, Contribution.__table__
    where = scope.clause(branch_col=a.c.branch_code)
    with engine.connect() as conn:
        keys = conn.execute(select(a.c.programme, a.c.period).where(where).distinct()).all()
    if not keys:
        return pd.DataFrame(columns=COLUMNS)
    programmes = sorted({k[0] for k in keys})
    periods = sorted({int(k[1]) for k in keys})
    end = _window_end(a, periods, programmes)
    if outcome == "reactivated":
        y = not_(exists().where(c.c.family_id == a.c.family_id, c.c.period <= end, c.c.period > end - 200,
                                or_(c.c.paid_period.is_(None), c.c.paid_period > end)))
    else:
        y = exists().where(c.c.family_id == a.c.family_id, c.c.paid > 0, c.c.paid_period >= a.c.period,
                           c.c.paid_period <= end)
    yv = case((y, 1), else_=0)
    w = f.c.weight
    cp = CsrPayment.__table__
    csr_money = (select(func.coalesce(func.sum(cp.c.amount_rp), 0)).where(cp.c.assignment_id == a.c.id)
                 .scalar_subquery()) if inspect(engine).has_table(cp.name) else literal(0)
    stmt = (select(a.c.programme, a.c.holdout, func.count().label("n"), func.sum(w).label("sw"),
                   func.sum(w * w).label("sw2"), func.sum(w * yv).label("swy"),
                   func.sum(w * f.c.members).label("people"), func.sum(w * a.c.fee_rp).label("fees"),
                   func.sum(w * csr_money).label("csr"))
            .select_from(a.join(f, f.c.id == a.c.family_id))
            .where(where, end <= last)
            .group_by(a.c.programme, a.c.holdout))
    with engine.connect() as conn:
        agg = pd.DataFrame(conn.execute(stmt).mappings().all())
    truth = _truth(engine, outcome)
    rows = []
    if agg.empty:
        return pd.DataFrame(columns=COLUMNS)
    agg["holdout"] = agg["holdout"].astype(bool)
    both = agg.groupby("programme")["holdout"].nunique()
    z_used = z or simultaneous_z(int((both == 2).sum()), pol.z)
    for prog in sorted(agg["programme"].unique()):
        pp = pol.of(prog)
        t = agg[(agg["programme"] == prog) & ~agg["holdout"]]
        h = agg[(agg["programme"] == prog) & agg["holdout"]]

        def s(df: pd.DataFrame, col: str) -> float:
            return float(df[col].fillna(0).sum()) if len(df) else 0.0

        p_t, p_h, d, lo, hi = diff_ci(s(t, "sw"), s(t, "sw2"), s(t, "swy"), s(h, "sw"), s(h, "sw2"), s(h, "swy"),
                                      z_used)
        cost = s(t, "fees") + s(t, "csr") + pp.staff_minutes / 60.0 * pol.staff_hour_rp * s(t, "sw")
        extra = d * s(t, "people") if d is not None else None
        rows.append({
            "programme": prog, "action": pp.action, "outcome": outcome, "window_months": pp.window_months,
            "n_treated": int(s(t, "n")), "n_holdout": int(s(h, "n")), "families_treated": s(t, "sw"),
            "people_treated": s(t, "people"), "rate_treated": p_t, "rate_holdout": p_h, "uplift": d,
            "ci_low": lo, "ci_high": hi, "extra_people": extra, "cost_rp": cost,
            "cost_per_reactivation_rp": (cost / extra) if extra and extra > 0 and outcome == "reactivated" else None,
            "true_effect": truth.get((prog, pp.action)), "ci_z": z_used,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _truth(engine: Engine, outcome: str) -> dict[tuple[str, str], float]:
    """The generator's true effects (demo databases only: ``meta.synthetic = 1``)."""
    t = TruthProgrammeEffect.__table__
    if not inspect(engine).has_table(t.name):
        return {}
    with engine.connect() as conn:
        synthetic = conn.execute(select(Meta.value).where(Meta.key == "synthetic")).scalar()
        if synthetic != "1":
            return {}
        rows = conn.execute(select(t.c.programme, t.c.action, t.c.true_effect).where(t.c.outcome == outcome)).all()
    return {(r[0], r[1]): float(r[2]) for r in rows}


def as_records(frame: pd.DataFrame, with_truth: bool) -> list[dict[str, Any]]:
    """The CLI's ``--json`` objects: ``programme``, ``action``, ``n_treated``, ``n_holdout``, ``uplift``,
    ``ci_low``, ``ci_high``, ``cost_per_reactivation_rp`` (and ``true_effect`` on a demo database), plus
    ``outcome``, ``window_months``, ``rate_treated``, ``rate_holdout`` and ``ci_z`` (the normal quantile of the
    simultaneous interval)."""
    out = []
    for r in frame.to_dict("records"):
        rec: dict[str, Any] = {k: _plain(r[k]) for k in (
            "programme", "action", "n_treated", "n_holdout", "uplift", "ci_low", "ci_high",
            "cost_per_reactivation_rp", "outcome", "window_months", "rate_treated", "rate_holdout", "ci_z")}
        if rec["cost_per_reactivation_rp"] is not None:
            rec["cost_per_reactivation_rp"] = int(round(rec["cost_per_reactivation_rp"]))
        if with_truth:
            rec["true_effect"] = _plain(r["true_effect"])
        out.append(rec)
    return out


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):
        v = v.item()
    return round(v, 6) if isinstance(v, float) else v
