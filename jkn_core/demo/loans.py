"""SIF loans of the demo: loans to clinics and doctor practices with their true default probabilities.

Feeds ``sif_loans``, ``truth_loan`` and ``truth_facility``; the loan assessment itself is :mod:`jkn_core.sif`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jkn_core.demo.maths import sigmoid
from jkn_core.demo.timeline import START_YEAR, period_of


def sif_loans(rng: np.random.Generator, fac: pd.DataFrame, fm: pd.DataFrame, ws: int, end_idx: int
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """SIF loans to clinics and doctor practices, with true default probabilities (E).

    True log-odds of default over 12 months rise with: DPP (single doctor), weak accreditation, short
    contract history, contract ending within the tenor, over-capacity (> 5,000 per doctor), falling
    registrations, poor KBK, low regional income, and the instalment's share of capitation income.
    """
    elig = fac[fac["type"].isin(["klinik_pratama", "dpp"])].copy()
    codes = elig["code"].to_numpy()

    def matrix(col: str) -> np.ndarray:
        return fm.pivot_table(index="facility_code", columns="period", values=col, aggfunc="sum").reindex(
            codes).to_numpy(float)

    reg_m, cap_m, kbk_m = matrix("registered"), matrix("capitation_paid"), matrix("kbk_pct")
    kbk_cum = np.cumsum(kbk_m, axis=1) / np.arange(1, kbk_m.shape[1] + 1)  # mean KBK up to each month
    n = len(elig)
    acc_good = elig["accreditation"].isin(["paripurna", "utama"]).to_numpy()
    years = elig["renewals"].to_numpy()
    doctors = elig["doctors"].clip(lower=1).to_numpy()
    static = (-3.0 + 0.6 * (elig["type"].to_numpy() == "dpp") - 0.6 * acc_good - 0.09 * years
              + rng.normal(0, 0.35, n))

    def logit_as_of(rows: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Facility log-odds from what is known at the end of window month ``col`` (no later data)."""
        now = reg_m[rows, col]
        before = reg_m[rows, np.maximum(col - 6, 0)]
        trend = (now - before) / np.maximum(before, 1)
        return (static[rows] + 0.8 * (now / doctors[rows] > 5000) - 2.0 * np.clip(2 * trend, -0.5, 0.5)
                - 0.08 * (kbk_cum[rows, col] - 95))

    contract_end_idx = pd.to_datetime(elig["contract_end"]).dt.year.to_numpy() * 12 + pd.to_datetime(
        elig["contract_end"]).dt.month.to_numpy() - 1 - START_YEAR * 12
    last_col = reg_m.shape[1] - 1
    base_logit = logit_as_of(np.arange(n), np.full(n, last_col))
    # one loan for about 85 % of eligible facilities, booked in the first 12 months of the window
    book = rng.random(n) < 0.85
    idx = np.flatnonzero(book)
    start = ws + 11 - rng.integers(0, 6, len(idx))
    tenor = rng.choice([12, 18, 24, 36], len(idx), p=[0.3, 0.25, 0.3, 0.15])
    rate = rng.choice([9.5, 10.5, 11.5, 12.5], len(idx))
    known = start - ws - 1  # the last month before the loan starts
    cap_income = np.maximum(cap_m[idx, known], 1)
    share = rng.uniform(0.1, 0.6, len(idx))
    inst = cap_income * share
    r = rate / 1200
    amount = np.round(inst * (1 - (1 + r) ** -tenor) / r / 1e6) * 1e6
    amount = np.maximum(amount, 10_000_000).astype(np.int64)
    inst = amount * r / (1 - (1 + r) ** -tenor)
    ratio = inst / cap_income
    beyond = (start + tenor) > contract_end_idx[idx]
    logit_loan = logit_as_of(idx, known) + 2.2 * (np.minimum(ratio, 1.5) - 0.3) + 0.7 * beyond
    pd12 = sigmoid(logit_loan)
    defaulted = rng.random(len(idx)) < pd12
    d_month = start + rng.integers(3, 13, len(idx))
    d_month = np.minimum(d_month, end_idx)
    refs = np.array([f"SIF-{period_of(s)}-{i:05d}" for i, s in enumerate(start)])
    loans = pd.DataFrame({
        "loan_ref": refs, "facility_code": elig["code"].to_numpy()[idx], "bank": "Bank bjb",
        "start_period": period_of(start), "amount": amount, "tenor_months": tenor, "rate_pct": rate,
        "defaulted": defaulted.astype(int), "default_period": np.where(defaulted, period_of(d_month), None),
        "days_past_due": np.where(defaulted, 90 + rng.integers(0, 200, len(idx)),
                                  rng.choice([0, 0, 0, 0, 0, 15, 45], len(idx))),
    })
    loans["default_period"] = loans["default_period"].astype(object)
    truth_loan = pd.DataFrame({"loan_ref": refs, "pd_true": pd12.round(6)})
    truth_fac = pd.DataFrame({"facility_code": elig["code"], "pd_12m": sigmoid(base_logit).round(6)})
    return loans, truth_loan, truth_fac
