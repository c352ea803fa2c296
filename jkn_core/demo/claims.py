"""Hospital (FKRTL) claims, hospital distress and the banks' SCF book of the demo.

Feeds ``claims``, ``truth_hospital``, ``scf_lines`` and ``scf_drawdowns``. Draws from its OWN random stream
``np.random.default_rng([seed, 14])`` and reads only the already-built ``facilities`` frame, so adding this
stage leaves every other table of a seed unchanged. The process (documented in ``docs/scf.md`` and
``docs/demo-data.md``, "Hospital claims and SCF"):

1. **Hospital class** (A/B/C/D) per hospital from :data:`CLASS_SHARE` by ownership (demo assumption E).
2. **Claim size**: a hospital's mean monthly claim is log-normal around :data:`CLASS_MEDIAN_RP` of its class,
   rescaled so that the national sum of a year's claims equals :data:`FKRTL_BENEFIT_RP_2024` × the share of
   hospitals in the demo (reference figure ``fkrtl_benefit_rp`` in ``jkn_core/data/reference_figures.csv``);
   month-to-month noise σ 0.08 and a mild seasonality.
3. **Distress**: every hospital has a base risk (ownership, class, a hospital term σ 0.25) and
   :data:`TROUBLE_SHARE` of them head into liquidity trouble from an onset month, their stress rising by a
   slope per month. The monthly default hazard is ``sigmoid(HAZARD_INTERCEPT + stress)``; the true
   probability of a default in the 6 months after each month goes to ``truth_hospital``.
4. **Traces**: stress shows in the claims, with noise: more of the amount disputed and returned, later
   submission, a shrinking claim volume.
5. **BPJS side**: the completeness statement comes 3-14 days after receipt (after day 10 the file is deemed
   complete), payment 6-15 days later, slower in :data:`SLOW_MONTHS` and in the provinces of
   :data:`SLOW_PROVINCES`; deadlines and penalties from :mod:`jkn_core.scf.claim_rules`. A claim not paid by
   the last day of the last month is unpaid (claims payable).
6. **SCF book**: the banks of :mod:`jkn_core.bank_markets` lend to :data:`SCF_UPTAKE` of their market's
   hospitals (one bank per hospital); each line advances ``advance_rate`` of every month's verified claims,
   repaid by BPJS's payment. A hospital with a line that defaults stops repaying: the line is in default.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jkn_core import bank_markets
from jkn_core.demo.maths import sigmoid
from jkn_core.demo.timeline import index_of, period_of
from jkn_core.scf import claim_rules as rules

STREAM = 14  # this stage's rng stream: default_rng([seed, 14])
#: National benefit costs of referral care (FKRTL) in 2024, Rupiah (see reference_figures.csv; confidence U).
FKRTL_BENEFIT_RP_2024 = 150_000_000_000_000
#: Share of hospitals by class within an ownership (E).
CLASS_SHARE = {"swasta": (0.02, 0.20, 0.55, 0.23), "pemerintah": (0.05, 0.30, 0.50, 0.15),
               "tni_polri": (0.04, 0.25, 0.45, 0.26)}
CLASSES = ("A", "B", "C", "D")
#: Median monthly claim by class before rescaling (relative sizes, E).
CLASS_MEDIAN_RP = {"A": 60e9, "B": 12e9, "C": 3.5e9, "D": 1.2e9}
TROUBLE_SHARE = 0.10
HAZARD_INTERCEPT = -7.6
BASE_RISK = {"swasta": 0.35, "pemerintah": 0.0, "tni_polri": -0.35}
CLASS_RISK = {"A": -0.4, "B": -0.1, "C": 0.15, "D": 0.45}
#: Months (of the year) in which BPJS pays slower (E): fiscal-year end and the first months of a year.
SLOW_MONTHS = (1, 2, 12)
#: Provinces where verification and payment take longer (E): the eastern provinces.
SLOW_PROVINCES = ("81", "82", "91", "92", "93", "94", "95", "96", "53")
#: Share of a market's hospitals with an SCF line (E), by ownership.
SCF_UPTAKE = {"swasta": 0.75, "pemerintah": 0.45, "tni_polri": 0.25}
HORIZON = 6  # months of the default probability and of the SCF label


def _p_horizon(hazard: np.ndarray, horizon: int = HORIZON) -> np.ndarray:
    """P(default in months t+1..t+horizon) for each column t of a hospitals × months hazard matrix
    (months beyond the matrix continue at the last month's hazard)."""
    h, m = hazard.shape
    ext = np.concatenate([hazard, np.repeat(hazard[:, -1:], horizon, axis=1)], axis=1)
    logsurv = np.log1p(-ext)
    cum = np.concatenate([np.zeros((h, 1)), np.cumsum(logsurv, axis=1)], axis=1)
    return 1 - np.exp(cum[:, 1 + horizon: m + 1 + horizon] - cum[:, 1:m + 1])


def hospital_claims(seed: int, facilities: pd.DataFrame, end_period: int, months: int) -> dict[str, pd.DataFrame]:
    """The four tables of the hospital stage, for the FKRTL of ``facilities`` over the ``months`` months
    ending ``end_period``."""
    rng = np.random.default_rng([seed, STREAM])
    hosp = facilities.loc[facilities["type"] == "rumah_sakit", ["code", "ownership", "regency_code"]]
    hosp = hosp.sort_values("code").reset_index(drop=True)
    n, m = len(hosp), months
    first_idx = index_of(end_period) - m + 1
    periods = np.asarray(period_of(np.arange(first_idx, first_idx + m)))
    own = hosp["ownership"].to_numpy()
    prov = hosp["regency_code"].str[:2].to_numpy()
    # 1. class
    cls = np.empty(n, dtype=object)
    for o, shares in CLASS_SHARE.items():
        sel = np.flatnonzero(own == o)
        cls[sel] = rng.choice(CLASSES, len(sel), p=shares)
    # 2. size, rescaled to the national benefit cost (share of the nation's hospitals in the demo)
    median = np.array([CLASS_MEDIAN_RP[c] for c in cls])
    size = median * rng.lognormal(0, 0.5, n)
    from jkn_core.demo import calibration as ref
    national_share = min(1.0, n / ref.FKRTL_TOTAL_2024)
    size *= FKRTL_BENEFIT_RP_2024 / 12 * national_share / max(size.sum(), 1.0)
    # 3. distress
    base = (np.array([BASE_RISK.get(o, 0.0) for o in own]) + np.array([CLASS_RISK[c] for c in cls])
            + rng.normal(0, 0.25, n))
    trouble = rng.random(n) < TROUBLE_SHARE
    onset = rng.integers(-6, m - 3, n)
    slope = rng.uniform(0.25, 0.6, n) * trouble
    t = np.arange(m)[None, :]
    over = np.clip(t - onset[:, None], 0, None) * slope[:, None]  # the trouble's excess stress
    over = np.minimum(over, 5.0)
    stress = base[:, None] + over
    hazard = sigmoid(HAZARD_INTERCEPT + stress)
    # default month (first month whose draw falls under the hazard); m = none in the window
    draws = rng.random((n, m))
    hit = draws < hazard
    default_at = np.where(hit.any(axis=1), hit.argmax(axis=1), m)
    truth = pd.DataFrame({"facility_code": np.repeat(hosp["code"].to_numpy(), m),
                          "period": np.tile(periods, n), "p_default": _p_horizon(hazard).ravel()})
    # 4. traces (hospital × service month)
    season = 1 + 0.04 * np.sin(2 * np.pi * (periods % 100) / 12)
    volume = size[:, None] * season[None, :] * np.exp(-0.10 * over + rng.normal(0, 0.08, (n, m)))
    submitted = np.round(volume, -3).astype(np.int64)
    base_trace = 0.6 * (base[:, None] - base.mean())
    dispute_share = sigmoid(-3.3 + base_trace + 0.45 * over + rng.normal(0, 0.25, (n, m)))
    return_share = sigmoid(-3.6 + base_trace + 0.35 * over + rng.normal(0, 0.25, (n, m)))
    disputed = np.round(submitted * dispute_share, -3).astype(np.int64)
    returned = np.round(submitted * return_share, -3).astype(np.int64)
    verified = submitted - disputed - returned
    submit_delay = np.clip(np.round(rng.normal(8, 3, (n, m)) + 2.0 * over), 1, 60).astype(int)
    # 5. BPJS side: dates
    month_of = periods % 100
    slow = np.isin(month_of, SLOW_MONTHS)[None, :] * 1.0 + np.isin(prov, SLOW_PROVINCES)[:, None] * 1.0
    statement = rng.integers(3, 15, (n, m)) + (slow * rng.integers(0, 4, (n, m))).astype(int)
    pay_after = (rng.integers(6, 16, (n, m)) + slow * rng.gamma(1.2, 9.0, (n, m))).round().astype(int)
    next_month_start = pd.to_datetime(pd.Series(period_of(np.arange(first_idx + 1, first_idx + m + 1))).astype(str)
                                      + "01", format="%Y%m%d").to_numpy()
    sub_on = next_month_start[None, :] + (submit_delay - 1).astype("timedelta64[D]")
    stat_on = sub_on + statement.astype("timedelta64[D]")
    deadline = sub_on + np.timedelta64(rules.COMPLETENESS_DAYS, "D")
    comp_on = np.where(stat_on <= deadline, stat_on, deadline)  # claim_rules.complete_on, vectorised
    due_on = comp_on + np.timedelta64(rules.PAYMENT_DAYS, "D")
    paid_on = comp_on + pay_after.astype("timedelta64[D]")
    data_end = (pd.Timestamp(str(end_period) + "01") + pd.offsets.MonthEnd(0)).to_datetime64()
    unpaid = paid_on > data_end
    keep = sub_on <= data_end  # claims BPJS has received by the end of the data
    flat = pd.DataFrame({
        "facility_code": np.repeat(hosp["code"].to_numpy(), m), "service_period": np.tile(periods, n),
        "hospital_class": np.repeat(cls, m), "submitted_on": sub_on.ravel(),
        "amount_submitted_rp": submitted.ravel(), "amount_verified_rp": verified.ravel(),
        "returned_rp": returned.ravel(), "disputed_rp": disputed.ravel(),
        "complete_on": comp_on.ravel(), "payment_due_on": due_on.ravel(), "paid_on": paid_on.ravel(),
        "_unpaid": unpaid.ravel(), "_keep": keep.ravel(),
    })
    flat = flat[flat["_keep"]].reset_index(drop=True)
    rr = rng.integers(0, len(rules.RETURN_REASONS), len(flat))
    dr = rng.integers(0, len(rules.DISPUTE_REASONS), len(flat))
    flat["return_reason"] = np.where(flat["returned_rp"] > 0, np.asarray(rules.RETURN_REASONS)[rr], None)
    flat["dispute_reason"] = np.where(flat["disputed_rp"] > 0, np.asarray(rules.DISPUTE_REASONS)[dr], None)
    flat.loc[flat["_unpaid"], "paid_on"] = pd.NaT
    flat["amount_paid_rp"] = np.where(flat["_unpaid"], 0, flat["amount_verified_rp"]).astype(np.int64)
    flat["days_to_payment"] = (flat["paid_on"] - flat["submitted_on"]).dt.days.astype("Int64")
    flat["penalty_rp"] = rules.penalty_v(flat["amount_paid_rp"], flat["payment_due_on"], flat["paid_on"])
    for col in ("submitted_on", "complete_on", "payment_due_on", "paid_on"):
        flat[col] = flat[col].dt.date.astype(object).where(flat[col].notna(), None)
    claims = flat[["facility_code", "service_period", "hospital_class", "submitted_on", "amount_submitted_rp",
                   "amount_verified_rp", "returned_rp", "return_reason", "disputed_rp", "dispute_reason",
                   "complete_on", "payment_due_on", "paid_on", "amount_paid_rp", "days_to_payment", "penalty_rp"]]
    lines, drawdowns = _scf_book(rng, hosp, own, prov, periods, default_at, claims)
    return {"claims": claims, "truth_hospital": truth, "scf_lines": lines, "scf_drawdowns": drawdowns}


def _scf_book(rng: np.random.Generator, hosp: pd.DataFrame, own: np.ndarray, prov: np.ndarray,
              periods: np.ndarray, default_at: np.ndarray, claims: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SCF lines (one bank per hospital of a market) and their monthly drawdowns."""
    n, m = len(hosp), len(periods)
    lenders = [bank_markets.banks_in(p) for p in prov]
    pick = rng.random(n)
    uptake = np.array([SCF_UPTAKE.get(o, 0.3) for o in own])
    has = (rng.random(n) < uptake) & np.array([len(b) > 0 for b in lenders])
    bank = np.array([b[int(u * len(b))] if b else None for b, u in zip(lenders, pick, strict=True)], dtype=object)
    # 70 % of lines exist before the window, the rest open in its first 18 months
    opened_i = np.where(rng.random(n) < 0.7, 0, rng.integers(1, max(2, m - 5), n))
    idx = np.flatnonzero(has)
    defaulted = default_at[idx] < m
    default_i = default_at[idx]
    # a default before the line opened: the bank would not have opened it
    ok = ~(defaulted & (default_i < opened_i[idx]))
    idx, defaulted, default_i = idx[ok], defaulted[ok], default_i[ok]
    adv = np.round(rng.choice([0.7, 0.75, 0.8], len(idx)), 2)
    rate = np.round(rng.normal(10.0, 0.5, len(idx)), 2)
    mean_claim = claims.groupby("facility_code")["amount_verified_rp"].mean()
    codes = hosp["code"].to_numpy()[idx]
    limit = (mean_claim.reindex(codes).fillna(0).to_numpy() * adv * 2 / 1e6).round() * 1e6
    lines = pd.DataFrame({"id": np.arange(1, len(idx) + 1), "facility_code": codes, "bank": bank[idx],
                          "opened_period": periods[opened_i[idx]], "limit_rp": limit.astype(np.int64),
                          "advance_rate": adv, "rate_pct": rate,
                          "status": np.where(defaulted, "default", "active"),
                          "defaulted_period": np.where(defaulted, periods[np.minimum(default_i, m - 1)], None)})
    # drawdowns: every verified month of claims from the line's opening up to its default
    d = claims.merge(lines[["id", "facility_code", "opened_period", "advance_rate", "defaulted_period"]],
                     on="facility_code")
    d = d[(d["service_period"] >= d["opened_period"])
          & (d["defaulted_period"].isna() | (d["service_period"] <= d["defaulted_period"].fillna(0)))]
    in_default = d["defaulted_period"].notna() & (d["service_period"] >= d["defaulted_period"].fillna(0) - 1)
    repaid = ~in_default & d["paid_on"].notna()
    dd = pd.DataFrame({
        "id": np.arange(1, len(d) + 1), "line_id": d["id"].to_numpy(), "service_period": d["service_period"].to_numpy(),
        "drawn_on": d["complete_on"].to_numpy(),
        "amount_rp": (d["amount_verified_rp"].to_numpy() * d["advance_rate"].to_numpy()).round(-3).astype(np.int64),
        "due_on": d["payment_due_on"].to_numpy(),
        "repaid_on": np.where(repaid, d["paid_on"], None),
    })
    dd["repaid_rp"] = np.where(repaid.to_numpy(), dd["amount_rp"], 0).astype(np.int64)
    return lines, dd
