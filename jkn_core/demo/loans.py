"""SIF loans of the demo: a loan book per bank in the bank's market, with the loans' true default probabilities.

Feeds ``sif_loans``, ``truth_loan`` and ``truth_facility``; the loan assessment itself is :mod:`jkn_core.sif`.

The book (documented in docs/sif.md, "The demo's loan book"):

* **Who lends where**: the bank markets of :mod:`jkn_core.bank_markets` (Bank bjb in Jawa Barat and Banten,
  Bank DKI, Bank Jateng and Bank Jatim in their provinces, Bank Mandiri on Java, BRI outside Java, BSI in
  Aceh; no lender in NTT, Maluku and Papua). A facility's province is the first two digits of its Kemendagri regency code (from the
  ``facilities`` table, never invented here).
* **Uptake** (:data:`UPTAKE`): the share of the eligible FKTP of a bank's market that borrow from it over
  the demo's 24 months (scaled to the window's length); where two banks share a province a facility
  borrows from at most one of them. A repaid loan is followed by another one with :data:`REPEAT_SHARE`.
* **When**: loan starts are spread over the whole window (from its second month: the bank decides on
  the month before the start), only while the facility meets the bank's policy
  (``jkn_core/sif/sif_policy.toml``) at the decision: at least ``min_contract_months`` under contract,
  capitation paid in the month before the start, at most ``max_participants_per_doctor``, a tenor that
  ends within the contract (plus the margin after enough renewals).
* **Size**: the clinic asks for what its purpose costs (:data:`REQUEST_MEDIAN`, log-normal); the bank
  lends the smaller of that and the policy's maximum loan (instalment at most ``max_instalment_share``
  = 30 % of the capitation paid in the month before the start), rounded down to ``amount_step``; a
  request whose maximum falls below ``min_amount`` is declined (no loan). So every loan is within policy
  at origination; later months move capitation and a share of loans breaches the limit (measured in
  docs/sif.md).
* **Outcome**: a true 12-month PD from what is known at the decision (the clinic's management shows in its
  KBK indicators) plus a small facility-level term no data shows; a default falls 2-12 months after the start (within the tenor). A default after the last month
  has not happened yet: that loan is current in ``sif_loans``. The model learns only from loans whose
  first 12 months are over (:func:`jkn_core.sif.model.train`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jkn_core import bank_markets
from jkn_core.demo.maths import sigmoid
from jkn_core.demo.timeline import START_YEAR, period_of
from jkn_core.sif import policy as credit

#: Share of the eligible FKTP of a bank's market that ask the bank for a loan over 24 months (E: assumptions;
#: no published figure gives a SIF book's size). Where Bank Mandiri shares a Java province with the regional
#: bank, 95 % of the eligible clinics ask one of the two, as outside Java (BRI, BSI). The book is this large so
#: that the model learns from ~3,400 loans with a year of outcome (issue 16 item 6; docs/sif.md).
UPTAKE: dict[str, float] = {"Bank bjb": 0.75, "Bank Jateng": 0.75, "Bank Jatim": 0.75, "Bank DKI": 0.75,
                            "BRI": 0.95, "BSI": 0.95, "Bank Mandiri": 0.20}
#: Annual rate each bank charges (%, E; jittered by up to 0.5 point per loan).
BANK_RATE: dict[str, float] = {"Bank bjb": 11.0, "Bank Jateng": 11.0, "Bank Jatim": 10.75, "Bank DKI": 11.0,
                               "BRI": 10.75, "BSI": 11.5, "Bank Mandiri": 10.5}
#: Median amount asked for, by facility type (Rp, E): clinic equipment or renovation; a practice's equipment.
REQUEST_MEDIAN: dict[str, float] = {"klinik_pratama": 350_000_000, "dpp": 90_000_000}
REQUEST_SIGMA = 0.6
#: Tenors asked for (months) and their shares, by facility type (E).
TENORS = np.array([12, 24, 36, 48, 60])
TENOR_P: dict[str, list[float]] = {"klinik_pratama": [0.15, 0.3, 0.3, 0.15, 0.1], "dpp": [0.35, 0.4, 0.2, 0.05, 0.0]}
#: Chance that a facility that repaid its loan takes another one (E).
REPEAT_SHARE = 0.8
#: Facility-level log-odds no data shows (σ, E): what stays hidden of a clinic's management once its KBK
#: record is known (:data:`QUALITY_WEIGHTS`).
HIDDEN_SIGMA = 0.15
#: True effects (E) are those of a typical SME credit scorecard's strength (oracle ROC AUC ≈ 0.79 on the
#: loans; the earlier book's 0.70 left a model on a few hundred defaults mostly noise): docs/demo-data.md §10.
#: How a clinic's management shows in its KBK indicators (E): log-odds per unit of log of the 13-month mean of
#: each monthly indicator against the demo's typical clinic (:data:`QUALITY_TYPICAL`). Few contacts per
#: 1,000 participants, many non-specialist referrals and few controlled Prolanis patients mark a clinic that
#: is run less well - also as a business. This is the facility term an earlier book kept out of every table
#: (σ 0.35): distress that leaves no trace cannot be scored; here it leaves one.
QUALITY_WEIGHTS: dict[str, float] = {"contact_rate_pm": -0.8, "rrns_pct": 0.4, "rppt_pct": -0.48}
QUALITY_TYPICAL: dict[str, float] = {"contact_rate_pm": 140.0, "rrns_pct": 1.2, "rppt_pct": 3.5}
#: Months of facility data the bank's decision looks back on (the decision month and the 12 before it, as the
#: features do: :mod:`jkn_core.sif.features`).
LOOKBACK_MONTHS = 13
#: The loan book's own random stream: ``default_rng([seed, LOANS_STREAM])`` - the loans are drawn apart from
#: every other table, so a change here moves no participant, contribution or facility of a seed.
LOANS_STREAM = 6


def _month_index(dates: pd.Series) -> np.ndarray:
    d = pd.to_datetime(dates)
    return (d.dt.year * 12 + d.dt.month - 1 - START_YEAR * 12).to_numpy()


def _trailing_mean(m: np.ndarray, k: int, fill: float) -> np.ndarray:
    """Mean of the last ``k`` months up to each month (missing months left out; ``fill`` where none)."""
    have = ~np.isnan(m)
    csum = np.cumsum(np.where(have, m, 0.0), axis=1)
    cnt = np.cumsum(have, axis=1).astype(float)
    csum[:, k:] = csum[:, k:] - csum[:, :-k]
    cnt[:, k:] = cnt[:, k:] - cnt[:, :-k]
    return np.where(cnt > 0, csum / np.maximum(cnt, 1), fill)


def own_stream(rng: np.random.Generator) -> np.random.Generator:
    """The loan book's random stream, derived from the world's seed without drawing from ``rng``."""
    entropy = rng.bit_generator.seed_seq.entropy  # the seed the world was built with
    return np.random.default_rng([int(entropy), LOANS_STREAM]) if entropy is not None else rng


def sif_loans(rng: np.random.Generator, fac: pd.DataFrame, fm: pd.DataFrame, ws: int, end_idx: int
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The SIF loan book per bank market, with true default probabilities (E).

    True log-odds of default over 12 months rise with: DPP (single doctor), weak accreditation, short
    contract history, a tenor running past the contract, falling registrations, poor KBK payment, a clinic's
    management as its KBK indicators show it (:data:`QUALITY_WEIGHTS`) and the instalment's share of capitation
    income; plus a small facility-level term no data shows (:data:`HIDDEN_SIGMA`). Draws only from the book's
    own stream (:func:`own_stream`).
    """
    rng = own_stream(rng)
    policy = credit.load_policy()
    elig = fac[fac["type"].isin(policy.eligible_types)].reset_index(drop=True)
    codes = elig["code"].to_numpy()
    n = len(elig)

    def matrix(col: str) -> np.ndarray:
        return fm.pivot_table(index="facility_code", columns="period", values=col, aggfunc="sum").reindex(
            codes).to_numpy(float)

    reg_m, cap_m = np.nan_to_num(matrix("registered")), np.nan_to_num(matrix("capitation_paid"))
    # the 13-month means the bank sees at each month (months before the contract are not in the data)
    kbk_mean = _trailing_mean(matrix("kbk_pct"), LOOKBACK_MONTHS, 95.0)
    quality = sum(w * np.log(_trailing_mean(matrix(col), LOOKBACK_MONTHS, QUALITY_TYPICAL[col])
                             .clip(min=1e-3) / QUALITY_TYPICAL[col]) for col, w in QUALITY_WEIGHTS.items())
    width = reg_m.shape[1]
    ftype = elig["type"].to_numpy()
    acc_good = elig["accreditation"].isin(["paripurna", "utama"]).to_numpy()
    years = elig["renewals"].to_numpy()
    doctors = elig["doctors"].clip(lower=1).to_numpy()
    static = (-2.0 + 0.96 * (ftype == "dpp") - 0.96 * acc_good - 0.144 * years + rng.normal(0, HIDDEN_SIGMA, n))

    def logit_as_of(rows: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Facility log-odds from what is known at the end of window month ``col`` (no later data)."""
        now = reg_m[rows, col]
        before = reg_m[rows, np.maximum(col - 6, 0)]
        trend = (now - before) / np.maximum(before, 1)
        return (static[rows] + 1.28 * (now / doctors[rows] > 5000) - 3.2 * np.clip(2 * trend, -0.5, 0.5)
                - 0.128 * (kbk_mean[rows, col] - 95) + quality[rows, col])

    c_start = _month_index(elig["contract_start"])
    c_end = _month_index(elig["contract_end"])
    margin = np.where(years >= policy.renewals_for_margin, policy.tenor_margin_months, 0)
    base_logit = logit_as_of(np.arange(n), np.full(n, width - 1))

    # --- which bank (at most one per facility), from the markets of the facility's province -----------
    province = elig["regency_code"].astype(str).str[:2].to_numpy()
    scale = width / 24
    bank = np.full(n, None, dtype=object)
    draw = rng.random(n)
    for prov in np.unique(province):
        rows = np.flatnonzero(province == prov)
        lo = np.zeros(len(rows))
        for b in bank_markets.banks_in(str(prov)):
            hi = lo + min(1.0, UPTAKE.get(b, 0.0) * scale)
            bank[rows[(draw[rows] >= lo) & (draw[rows] < hi)]] = b
            lo = hi

    # --- origination under the policy --------------------------------------------------------------
    def qualifies(i: int, s: int) -> int:
        """Longest tenor the policy allows for a start at window month ``s`` (0: the bank declines)."""
        k = s - 1  # the month the bank decides on
        if k < 0 or cap_m[i, k] <= 0 or s + ws - c_start[i] < policy.min_contract_months:
            return 0
        if reg_m[i, k] / doctors[i] > policy.max_participants_per_doctor:
            return 0
        return max(0, min(policy.max_tenor_months, c_end[i] - (s + ws) + margin[i]))

    rows_out: list[tuple] = []
    for i in np.flatnonzero(bank != None):  # noqa: E711 - numpy element-wise comparison
        s = int(rng.integers(1, width))
        while s < width:
            t_max = qualifies(i, s)
            t_ask = int(rng.choice(TENORS, p=TENOR_P[ftype[i]]))
            tenor = min(t_ask, t_max) // 6 * 6
            ask = REQUEST_MEDIAN[ftype[i]] * rng.lognormal(0, REQUEST_SIGMA)
            rate = BANK_RATE[bank[i]] + float(rng.choice([-0.5, -0.25, 0.0, 0.25, 0.5]))
            if tenor < policy.min_tenor_months:
                break  # declined: no tenor within the contract
            facts_cap = cap_m[i, s - 1]
            top = credit.principal_for(policy.max_instalment_share * facts_cap, rate, tenor)
            amount = np.floor(min(ask, top, policy.max_amount) / policy.amount_step) * policy.amount_step
            if amount < policy.min_amount:
                break  # declined: the capitation cannot carry the smallest loan
            rows_out.append((i, s, tenor, rate, int(amount)))
            end = s + tenor  # first month after the last instalment
            if end >= width or rng.random() >= REPEAT_SHARE:
                break
            s = end + int(rng.integers(0, 3))

    if not rows_out:
        empty = pd.DataFrame(columns=["loan_ref", "facility_code", "bank", "start_period", "amount", "tenor_months",
                                      "rate_pct", "defaulted", "default_period", "days_past_due"])
        return (empty, pd.DataFrame(columns=["loan_ref", "pd_true"]),
                pd.DataFrame({"facility_code": codes, "pd_12m": sigmoid(base_logit).round(6)}))
    arr = np.array(rows_out, dtype=object)
    idx = arr[:, 0].astype(int)
    s_col = arr[:, 1].astype(int)
    tenor = arr[:, 2].astype(int)
    rate = arr[:, 3].astype(float)
    amount = arr[:, 4].astype(np.int64)
    known = s_col - 1
    cap_income = np.maximum(cap_m[idx, known], 1)
    ratio = credit.instalments(amount, rate, tenor) / cap_income
    start = ws + s_col
    beyond = (start + tenor - 1) > c_end[idx]
    logit_loan = logit_as_of(idx, known) + 3.52 * (np.minimum(ratio, 1.5) - 0.3) + 1.12 * beyond
    pd12 = sigmoid(logit_loan)
    m = len(idx)
    d_month = start + np.array([rng.integers(2, min(t, 12) + 1) for t in tenor])
    hit = rng.random(m) < pd12
    # a loan whose repaid predecessor defaulted would not exist: the loop only chains after a repayment,
    # so drop a later loan of a facility whose earlier loan defaults
    order = np.lexsort((start, idx))
    keep = np.ones(m, dtype=bool)
    for a, b in zip(order[:-1], order[1:], strict=True):
        if idx[a] == idx[b] and (hit[a] or not keep[a]):
            keep[b] = False
    defaulted = hit & (d_month <= end_idx)  # a default after the last month has not happened yet
    active = (start + tenor - 1) >= end_idx
    dpd_current = np.where(rng.random(m) < 0.08, rng.integers(1, 31, m),
                           np.where(rng.random(m) < 0.03, rng.integers(31, 91, m), 0))
    dpd = np.where(defaulted, np.minimum(91 + 30 * (end_idx - d_month) + rng.integers(0, 30, m), 540),
                   np.where(active, dpd_current, 0))
    loans = pd.DataFrame({
        "facility_code": codes[idx], "bank": bank[idx].astype(str), "start_period": period_of(start),
        "amount": amount, "tenor_months": tenor, "rate_pct": rate, "defaulted": defaulted.astype(int),
        "default_period": np.where(defaulted, period_of(d_month), None), "days_past_due": dpd,
        "pd_true": pd12.round(6),
    })[keep].sort_values(["start_period", "facility_code"]).reset_index(drop=True)
    loans.insert(0, "loan_ref", [f"SIF-{p}-{i:05d}" for i, p in enumerate(loans["start_period"])])
    loans["default_period"] = loans["default_period"].astype(object)
    truth_loan = loans[["loan_ref", "pd_true"]].copy()
    truth_fac = pd.DataFrame({"facility_code": codes, "pd_12m": sigmoid(base_logit).round(6)})
    return loans.drop(columns="pd_true"), truth_loan, truth_fac
