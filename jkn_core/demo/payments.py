"""Month-by-month payment behaviour of self-paying families (PBPU, BP): bills, arrears, cures, care, actions.

The generative process of ``docs/demo-data.md`` ("payment behaviour"): from January 2014 to the end month
each family misses or pays its bill, cures its arrears, falls ill and gets collection actions; the last
months form the ledger, and the true probability of missing each month's bill is kept for
``truth_family``. The families themselves are made in :mod:`jkn_core.demo.generator`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from jkn_core import rules
from jkn_core.demo.maths import sigmoid
from jkn_core.demo.timeline import START_YEAR, dates_iso, period_of

# --- payment behaviour (E): logits of the generative process, see docs/demo-data.md ------------------
MISS = dict(base=-4.9, kelas3=1.25, kelas2=0.35, member=0.10, log_income=-0.9, young=0.35, old=-0.2,
            recent_missed=0.55, sick_joiner=1.7, auto_debit=-1.9, recent_inpatient=-0.8, latent=1.0)
CURE = dict(base=-0.85, per_month=-0.33, floor_months=36, log_income=0.8, member=-0.08, kelas1=1.4, kelas2=0.8,
            inpatient_now=2.6, latent=-0.7, sms=0.3, telecollecting=0.5, kader_visit=0.8)
ACTION_RATES = dict(sms=0.08, telecollecting=0.05, kader_visit=0.02)
#: Paying after the due date (the 10th) is a habit of the families at hidden risk: the logit of paying
#: late carries the same latent risk and family income as missing (a real ledger shows habitual late
#: payers miss more). The base makes the mean family pay 20 % of its bills late (E).
LATE = dict(base=-1.81, latent=1.5, log_income=-1.2)
INPATIENT_RATE = 0.0045  # per person-month (E)
OUTPATIENT_RATE = 0.05  # per family-month (E)


def simulate(rng: np.random.Generator, fam: pd.DataFrame, latent: np.ndarray, sick_joiner: np.ndarray,
             end_idx: int, ws: int) -> dict[str, Any]:
    """Month-by-month payment process of self-paying families from Jan 2014 to the end month."""
    n = len(fam)
    W = end_idx - ws + 1
    members = fam["members"].to_numpy()
    kelas = fam["kelas"].to_numpy()
    income = fam["income"].to_numpy()
    log_inc = np.log(income)
    reg_idx = fam["reg_idx"].to_numpy()
    age = (START_YEAR + end_idx // 12) - fam["head_birth_year"].to_numpy()
    auto = fam["auto_debit"].to_numpy().astype(float)
    bill = members * np.vectorize(rules.IURAN_PARTICIPANT.get)(kelas)

    static_miss = (MISS["base"] + MISS["kelas3"] * (kelas == 3) + MISS["kelas2"] * (kelas == 2)
                   + MISS["member"] * (members - 1) + MISS["log_income"] * log_inc
                   + MISS["young"] * (age < 30) + MISS["old"] * (age > 55) + MISS["auto_debit"] * auto
                   + MISS["latent"] * latent)
    static_cure = (CURE["base"] + CURE["log_income"] * log_inc + CURE["member"] * (members - 1)
                   + CURE["kelas1"] * (kelas == 1) + CURE["kelas2"] * (kelas == 2) + CURE["latent"] * latent)
    q_inp = 1 - (1 - INPATIENT_RATE) ** members
    p_late = sigmoid(LATE["base"] + LATE["latent"] * latent + LATE["log_income"] * log_inc)

    k = np.zeros(n, dtype=np.int64)  # current arrears streak (months)
    recent_missed = np.zeros(n)
    last_inp = np.full(n, -99)
    paid_amt = np.zeros((n, W), dtype=np.int64)
    paid_idx = np.full((n, W), -1, dtype=np.int64)
    paid_day = np.zeros((n, W), dtype=np.int64)
    truth = np.zeros((n, W + 1))
    arrears_before = np.zeros(n, dtype=np.int64)
    care_rows: list[tuple[np.ndarray, int, str, np.ndarray]] = []
    act_rows: list[tuple[np.ndarray, int, str, np.ndarray]] = []

    def probs(t: int, action_logit: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        tenure = t - reg_idx
        m_logit = (static_miss + MISS["recent_missed"] * recent_missed
                   + MISS["sick_joiner"] * (sick_joiner & (tenure >= 3) & (tenure < 30))
                   + MISS["recent_inpatient"] * ((t - last_inp) <= 3))
        c_logit = static_cure + CURE["per_month"] * np.minimum(k, CURE["floor_months"]) + action_logit
        p_miss_cur = sigmoid(m_logit)
        p_cure_no = sigmoid(c_logit)
        p_cure_inp = sigmoid(c_logit + CURE["inpatient_now"])
        # a current payer who falls ill pays; probability of missing integrates the illness chance
        p_miss_current = (1 - q_inp) * p_miss_cur + q_inp * p_miss_cur * 0.3
        p_stay = 1 - ((1 - q_inp) * p_cure_no + q_inp * p_cure_inp)
        p_true = np.where(k > 0, p_stay, p_miss_current)
        return p_true, p_cure_no, p_cure_inp

    for t in range(0, end_idx + 1):
        registered = reg_idx <= t
        if t == ws:
            arrears_before = k.copy()
        p_true, _, _ = probs(t)
        in_window = t >= ws
        col = t - ws
        if in_window:
            truth[:, col] = p_true
        # collection actions (window only) and their effect on cure
        action_logit = np.zeros(n)
        if in_window:
            ua = rng.random(n)
            sms = (k >= 1) & (k <= 3) & (ua < ACTION_RATES["sms"])
            tele = ~sms & (k >= 2) & (k <= 12) & (ua < ACTION_RATES["sms"] + ACTION_RATES["telecollecting"])
            kader = ~sms & ~tele & (k >= 3) & (ua < sum(ACTION_RATES.values()))
            action_logit = CURE["sms"] * sms + CURE["telecollecting"] * tele + CURE["kader_visit"] * kader
        _, p_cure_no, p_cure_inp = probs(t, action_logit)
        inp = registered & (rng.random(n) < q_inp)
        tenure = t - reg_idx
        inp |= registered & sick_joiner & (tenure < 3) & (rng.random(n) < 0.25)
        u = rng.random(n)
        m_logit_p = p_true  # for current families p_true is the miss probability (integrated)
        miss_now = np.where(inp, u < m_logit_p * 0.3, u < m_logit_p)
        cure_now = np.where(inp, u < p_cure_inp, u < p_cure_no)
        current = registered & (k == 0)
        arrear = registered & (k > 0)
        pays_current = current & ~miss_now
        cures = arrear & cure_now
        if in_window:
            late = rng.random(n) < p_late  # same draws as a constant rate: other tables unchanged
            day = np.where(auto > 0, 5, np.where(late, rng.integers(11, 29, n), rng.integers(1, 11, n)))
            paid_amt[pays_current, col] = bill[pays_current]
            paid_idx[pays_current, col] = t
            paid_day[pays_current, col] = day[pays_current]
            # a cure pays the current bill and every unpaid month still on the ledger (<= 24 months)
            cols = np.arange(W)
            first_unpaid = np.maximum(t - k, t - rules.MAX_ARREARS_MONTHS_BILLED + 1) - ws
            sel = cures[:, None] & (cols[None, :] >= first_unpaid[:, None]) & (cols[None, :] <= col) & (
                paid_idx < 0)
            paid_amt[sel] = np.broadcast_to(bill[:, None], sel.shape)[sel]
            paid_idx[sel] = t
            paid_day[sel] = np.broadcast_to(rng.integers(1, 29, n)[:, None], sel.shape)[sel]
            for name, mask in (("sms", sms), ("telecollecting", tele), ("kader_visit", kader)):
                if mask.any():
                    act_rows.append((np.flatnonzero(mask & registered), t, name, cures[mask & registered]))
            if inp.any():
                care_rows.append((np.flatnonzero(inp), t, "rawat_inap", rng.lognormal(np.log(4_500_000), 0.7, inp.sum())))
            outp = registered & (rng.random(n) < OUTPATIENT_RATE)
            if outp.any():
                care_rows.append((np.flatnonzero(outp), t, "rawat_jalan", rng.lognormal(np.log(150_000), 0.5, outp.sum())))
        # state update
        new_k = np.where(current & miss_now, 1, np.where(arrear & ~cures, k + 1, 0))
        k = np.where(registered, new_k, 0)
        recent_missed = recent_missed * 0.85 + (registered & (k > 0))
        last_inp = np.where(inp, t, last_inp)
    p_next, _, _ = probs(end_idx + 1)
    truth[:, W] = p_next

    # ledger rows for registered months in the window
    fidx, cidx = np.nonzero(reg_idx[:, None] <= (ws + np.arange(W))[None, :])
    pid = paid_idx[fidx, cidx]
    paid = pid >= 0
    periods = period_of(ws + cidx)
    pdate = np.where(paid, dates_iso(np.where(paid, pid, 0), np.maximum(paid_day[fidx, cidx], 1)), None)
    ledger = pd.DataFrame({
        "f": fidx, "period": periods, "billed": bill[fidx], "paid": paid_amt[fidx, cidx],
        "paid_date": pdate, "paid_period": np.where(paid, period_of(np.where(paid, pid, 0)), None),
    })
    ledger["paid_period"] = ledger["paid_period"].astype(object)
    # truth: months in window while registered, plus next month; never certain (a debtor three years in
    # arrears still pays back with a probability below 1e-6, which 6 decimals would round to 1)
    tf, tc = np.nonzero(reg_idx[:, None] <= (ws + np.arange(W + 1))[None, :])
    truth_df = pd.DataFrame({"f": tf, "period": period_of(ws + tc), "p_miss": np.clip(truth[tf, tc], 1e-6, 1 - 1e-6).round(6)})
    care = pd.DataFrame({
        "f": np.concatenate([r[0] for r in care_rows]) if care_rows else np.array([], int),
        "period": np.concatenate([np.full(len(r[0]), period_of(r[1])) for r in care_rows]) if care_rows else [],
        "kind": np.concatenate([np.full(len(r[0]), r[2]) for r in care_rows]) if care_rows else [],
        "cost": np.concatenate([r[3].round().astype(np.int64) for r in care_rows]) if care_rows else [],
    })
    outcomes_other = np.array(["reached", "promised", "refused", "unreachable"])
    a_f, a_p, a_a, a_o = [], [], [], []
    for f_idx, t, name, cured in act_rows:
        a_f.append(f_idx)
        a_p.append(np.full(len(f_idx), period_of(t)))
        a_a.append(np.full(len(f_idx), name))
        other = outcomes_other[rng.integers(0, 4, len(f_idx))]
        a_o.append(np.where(cured, "paid", other))
    actions = pd.DataFrame({
        "f": np.concatenate(a_f) if a_f else np.array([], int),
        "period": np.concatenate(a_p) if a_p else [],
        "action": np.concatenate(a_a) if a_a else [],
        "outcome": np.concatenate(a_o) if a_o else [],
    })
    actions["recorded_by"] = "generator"
    actions["recorded_at"] = (actions["period"].astype(int).astype(str).str[:4] + "-"
                              + actions["period"].astype(int).astype(str).str[4:] + "-15 10:00:00")
    return {"ledger": ledger, "truth": truth_df, "care": care, "actions": actions, "k_end": k,
            "arrears_before": arrears_before}

