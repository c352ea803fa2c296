"""Collection programmes in the demo world (#13): partners, assignments with random holdouts, Rehab plans,
CSR payments, TRUE effects, and the payment channel of every ledger payment.

Runs after the world's tables are assembled (:func:`add_programmes`, called by
:func:`jkn_core.demo.generator.generate`) and draws only from its own random streams
(``np.random.default_rng([seed, 13])`` for the programmes, ``[seed, 13, 2]`` for the channels), so every
table the generator made before keeps its rows for a seed **except** the ledger rows of treated families
from their treatment month on (and those families' ``participants.status``): the effect is written into
the ledger honestly, so the measured uplift (:mod:`jkn_core.programmes.uplift`) reads it from payments.

The process (documented in ``docs/demo-data.md`` §"Collection programmes" and ``docs/programmes.md``):

1. In each of the assignment months of a programme (the last 6 whose outcome window fits in the ledger;
   SMS 12, LPD every one), every eligible self-paying family in arrears not yet assigned to a programme is
   assigned with the programme's monthly rate; a random ``HOLDOUT_SHARE`` (10 %; LPD 50 %, recorded in
   ``programme_settings`` for the Bali branches) of them is held out (assigned, not treated).
2. A treated family that the untreated ledger does not show reactivated at the end of the window is
   *converted* with probability ``conversion`` at a uniform month of the window: it pays every unpaid
   bill of the last 24 months that month, then pays each later month with its own probability of paying
   (1 − its mean true ``p_miss`` while current, from ``truth_family``) until its first miss, after which
   it stays in arrears to the end of the ledger.
3. CSR: the sponsor pays every treated family's arrears in the assignment month (then as in 2).
4. Rehab: a treated family tries to enrol on a uniform day of the month; outside the registration
   window (:func:`jkn_core.programmes.rehab_rules.registration_open_array`) it is refused; otherwise it
   accepts with ``accept`` and chooses 1–12 stages; each month it pays the stage (its share of the
   unpaid bills, oldest first) and the current bill with ``stage_paid``; a missed stage cancels the plan
   (no payment afterwards); cover returns only after the last stage (then as in 2).
5. ``truth_programme_effect.true_effect`` is the EXPECTED uplift of "reactivated (no unpaid bill) at the
   end of the window" over the assigned families (family-weighted), computed from the process above
   and the untreated outcomes — what an unbiased measurement should recover.
6. ``truth_family`` of a treated family whose ledger was rewritten follows the process above after the
   rewrite (:func:`_treated_truth`), so the delinquency oracle stays the truth of the ledger it scores.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd

from jkn_core import months, rules
from jkn_core.programmes import rehab_rules
from jkn_core.programmes.evaluation import load_policy
from jkn_core.schema import SELF_PAYING_SEGMENTS

STREAM = 13  # this stage's random stream: default_rng([seed, STREAM])
HOLDOUT_SHARE = load_policy().default_holdout_share  # jkn_core/programmes/programmes_policy.toml (10 %)
ASSIGN_MONTHS = 6

#: Each programme's eligibility, monthly assignment rate among eligible families, and TRUE effect knob (E).
#: The outcome window (months, assignment month included) and action label: ``programmes_policy.toml``.
PROGRAMMES: dict[str, dict[str, Any]] = {
    "sms": dict(kmin=1, kmax=3, rate=0.15, conversion=0.05, months=12),  # a small effect: a year of assignments
    "call": dict(kmin=2, kmax=12, rate=0.08, conversion=0.10),
    "kader": dict(kmin=3, kmax=24, rate=0.06, conversion=0.15),
    # LPD: Bali's PBPU families 6-11 months behind are few (~30 rows in 6 months): assigned in every month whose
    # window fits, half held out (the Bali branches' programme_settings row), so its interval is informative
    "lpd": dict(kmin=rules.LPD_MIN_MONTHS, kmax=rules.LPD_MAX_MONTHS, rate=0.6, conversion=0.25,
                provinces=rules.LPD_PROVINCES, segments=("PBPU",), months=None, holdout=0.5),
    "csr": dict(kmin=1, kmax=rules.MAX_ARREARS_MONTHS_BILLED, rate=0.03, conversion=1.0,
                provinces=rules.CSR_PROVINCES, kelas=(rules.CSR_KELAS,)),
    "rehab": dict(kmin=rehab_rules.MIN_MONTHS, kmax=rehab_rules.MAX_MONTHS, rate=0.06, conversion=0.35,
                  stage_paid=0.88),
}
#: Order in which a month's eligible families are offered the programmes (a family gets at most one).
ORDER = ("csr", "lpd", "rehab", "kader", "call", "sms")
#: Chosen number of Rehab stages 1..12 (E: fewer stages are likelier; small debts are paid in few).
REHAB_STAGES_P = np.array([12, 10, 10, 9, 8, 9, 6, 5, 5, 4, 4, 8], float) / 90.0
LPD_PER_REGENCY = 3
KADER_FEE_PER_SUCCESS_RP = 25_000  # E
LPD_FEE_RATE = 0.05  # E: share of the Rupiah collected
CSR_SPONSOR = dict(code="CSR-BJB-2024", name="Bank bjb (CSR)")

#: Payment channel mix of a ledger payment (E: no published split; sources in docs/demo-data.md):
#: base shares at the first ledger month, Mobile JKN gaining ``MOBILE_GAIN_PER_MONTH`` from tellers.
CHANNEL_MIX = {"teller": 0.22, "atm_mbanking": 0.33, "ppob": 0.30, "mobile_jkn": 0.10, "unknown": 0.05}
MOBILE_GAIN_PER_MONTH = 0.004
AUTODEBIT_SHARE = 0.95  # payments of an auto-debit family that go through the auto-debit


def add_programmes(tables: dict[str, pd.DataFrame], seed: int, end_period: int, n_months: int) -> None:
    """Add the programme tables to ``tables`` and rewrite the treated families' ledger rows; in place."""
    rng = np.random.default_rng([seed, STREAM])
    fam = tables["families"]
    led = tables["contributions"]
    first = months.shift(end_period, -(n_months - 1))
    periods = np.array([months.shift(first, i) for i in range(n_months)])
    sp = fam[fam["segment"].isin(SELF_PAYING_SEGMENTS)].reset_index(drop=True)
    n, W = len(sp), n_months
    row_of = pd.Series(np.arange(n), index=sp["id"].to_numpy())
    lf = row_of.reindex(led["family_id"].to_numpy()).to_numpy()
    lw = np.searchsorted(periods, led["period"].to_numpy())
    has = np.zeros((n, W), bool)
    has[lf, lw] = True
    paid_at = np.full((n, W), -1, np.int64)  # ledger month index the bill was paid in (-1: unpaid)
    pp = pd.to_numeric(led["paid_period"], errors="coerce").to_numpy()
    ok = ~np.isnan(pp)
    paid_at[lf[ok], lw[ok]] = np.searchsorted(periods, pp[ok].astype(np.int64))
    bill = np.zeros(n, np.int64)
    bill[lf] = led["billed"].to_numpy()
    before = sp["arrears_before_months"].to_numpy()
    weight = sp["weight"].to_numpy(float)
    p_cur = _p_current(tables["truth_family"], row_of, periods, has, paid_at, before, sp)
    base_paid_at = paid_at.copy()
    prov = sp["regency_code"].str[:2].to_numpy()

    assigned = np.zeros(n, bool)
    rows: list[dict[str, Any]] = []
    for name in ORDER:
        spec = PROGRAMMES[name]
        N = _window(name)
        last_w = W - N  # assignment month index whose window ends at the last ledger month
        n_months = spec.get("months", ASSIGN_MONTHS) or last_w  # None: every month whose window fits
        share = spec.get("holdout", HOLDOUT_SHARE)
        for w in range(max(1, last_w - n_months + 1), last_w + 1):
            k = _arrears(has, base_paid_at, before, w - 1)
            elig = has[:, w] & ~assigned & (k >= spec["kmin"]) & (k <= spec["kmax"])
            if "provinces" in spec:
                elig &= np.isin(prov, spec["provinces"])
            if "segments" in spec:
                elig &= sp["segment"].isin(spec["segments"]).to_numpy()
            if "kelas" in spec:
                elig &= sp["kelas"].isin(spec["kelas"]).to_numpy()
            pick = elig & (rng.random(n) < spec["rate"])
            hold = pick & (rng.random(n) < share)
            assigned |= pick
            for f in np.flatnonzero(pick):
                rows.append({"f": int(f), "programme": name, "w": w, "holdout": bool(hold[f]), "k": int(k[f])})
    asg = pd.DataFrame(rows, columns=["f", "programme", "w", "holdout", "k"])
    asg = asg.sort_values(["w", "programme", "f"], kind="stable").reset_index(drop=True)
    asg["id"] = np.arange(1, len(asg) + 1)
    asg["E"] = asg["w"] + asg["programme"].map({p: _window(p) for p in PROGRAMMES}) - 1
    # untreated outcome: no unpaid bill at the end of the window
    asg["y0"] = _unpaid_rows(has, base_paid_at, asg["f"].to_numpy(), asg["E"].to_numpy()) == 0

    csr_rows, plans, stages = [], [], []
    payer = np.full(n, "", dtype=object)  # who paid the conversion (channel override)
    truth = []
    for name in ORDER:
        spec = PROGRAMMES[name]
        sub = asg[asg["programme"] == name]
        if sub.empty:
            continue
        N = _window(name)
        f_all, w_all = sub["f"].to_numpy(), sub["w"].to_numpy()
        y0 = sub["y0"].to_numpy(float)
        pc = p_cur[f_all]
        if name == "rehab":
            dim = np.array([months.last_day(int(periods[w])).day for w in w_all])
            last = np.array([rehab_rules.registration_last_day(int(periods[w]) % 100) for w in w_all])
            s = np.arange(1, 13)
            reach = np.array([(REHAB_STAGES_P * (s <= N) * spec["stage_paid"] ** s * (1 - p) ** np.maximum(N - s, 0)
                               ).sum() for p in pc])
            effect = spec["conversion"] * last / dim * (reach - y0)
        elif name == "csr":
            effect = (1 - pc) ** (N - 1) - y0
        else:
            stay = np.array([np.mean((1 - p) ** (N - 1 - np.arange(N))) for p in pc])
            effect = spec["conversion"] * (1 - y0) * stay
        wts = weight[f_all]
        truth.append({"programme": name, "action": load_policy().of(name).action, "outcome": "reactivated", "window_months": N,
                      "conversion_prob": spec["conversion"],
                      "true_effect": round(float((effect * wts).sum() / wts.sum()), 6)})
        treated = sub[~sub["holdout"]]
        tf, tw = treated["f"].to_numpy(), treated["w"].to_numpy()
        if name == "csr":  # the sponsor pays the arrears (up to 24 months) and the month's bill
            k_now = np.zeros(len(tf), np.int64)
            for w in np.unique(tw):
                k_now[tw == w] = _arrears(has, base_paid_at, before, int(w) - 1)[tf[tw == w]]
            amount = np.minimum(k_now + 1, rules.MAX_ARREARS_MONTHS_BILLED) * bill[tf]
            _convert(rng, paid_at, has, tf, tw, p_cur)
            payer[tf] = "csr"
            csr_rows.extend(zip(treated["id"].astype(int), tf, tw, k_now.astype(int), amount.astype(int),
                                strict=True))
        elif name == "rehab":  # few hundred plans: one at a time (stage by stage)
            for a_id, f, w in zip(treated["id"], tf, tw, strict=True):
                _rehab(rng, spec, paid_at, has, before, bill, p_cur, f, w, W, periods, a_id, plans, stages)
        else:
            conv = ~treated["y0"].to_numpy() & (rng.random(len(tf)) < spec["conversion"])
            c = tw + rng.integers(0, N, len(tf))
            _convert(rng, paid_at, has, tf[conv], c[conv], p_cur)

    _write_tables(tables, sp, asg, periods, paid_at, base_paid_at, has, bill, before, csr_rows, plans, stages,
                  truth, payer, seed)
    _treated_truth(tables["truth_family"], sp["id"].to_numpy(), asg, periods, paid_at, base_paid_at, has, p_cur)


def _treated_truth(truth: pd.DataFrame, fid: np.ndarray, asg: pd.DataFrame, periods: np.ndarray,
                   paid_at: np.ndarray, base_paid_at: np.ndarray, has: np.ndarray, p_cur: np.ndarray) -> None:
    """Keep ``truth_family`` the truth of the ledger it describes: a treated family whose ledger the programme
    rewrote (from month ``c``, its conversion or first Rehab stage) follows the pay-on process after ``c``:
    it misses month ``m`` with probability ``p_cur`` while it has missed nothing since ``c``, and surely
    (1 − 10⁻⁶, as the generator clips every truth) once it has (it then stays in arrears, :func:`_pay_on`).
    In place; the untreated months keep the
    untreated process's probabilities (the month ``c`` itself too: a conversion is a rare event there).
    Without this, the oracle of the delinquency card would be scored against probabilities of a ledger that
    no longer exists (measured: the ``behind_1_3`` oracle fell below the model by 0.09)."""
    f = np.unique(asg.loc[~asg["holdout"], "f"].to_numpy())
    if not len(f):
        return
    changed = (paid_at[f] != base_paid_at[f]) & has[f]
    keep = changed.any(axis=1)
    f, changed = f[keep], changed[keep]
    # c: the month the programme's first payment happened (the conversion pays old bills IN month c, so
    # their columns are earlier than c); a ledger where the programme only removed payments: its first change
    new_paid = np.where(changed & (paid_at[f] >= 0), paid_at[f], np.iinfo(np.int64).max)
    c = np.where(new_paid.min(axis=1) < np.iinfo(np.int64).max, new_paid.min(axis=1), changed.argmax(axis=1))
    cols = np.arange(has.shape[1])[None, :]
    after = (cols > c[:, None]) & has[f]
    miss = after & (paid_at[f] != cols)
    missed_before = (np.cumsum(miss, axis=1) - miss) > 0
    # kept inside (0, 1) as every truth row (jkn_core.demo.payments clips the same way)
    p = np.clip(np.where(missed_before, 1.0, p_cur[f][:, None]), 1e-6, 1 - 1e-6).round(6)
    fi, wi = np.nonzero(after)
    upd = pd.Series(p[fi, wi], index=pd.MultiIndex.from_arrays([fid[f[fi]], periods[wi]]))
    idx = pd.MultiIndex.from_arrays([truth["family_id"].to_numpy(), truth["period"].to_numpy()])
    hit = idx.isin(upd.index)
    truth.loc[hit, "p_miss"] = upd.reindex(idx[hit]).to_numpy()


def _window(programme: str) -> int:
    """Months of the programme's outcome window (the evaluation policy's, so the truth and the measurement
    use the same window)."""
    return load_policy().of(programme).window_months


# --- ledger state -----------------------------------------------------------------------------------
def _arrears(has: np.ndarray, paid_at: np.ndarray, before: np.ndarray, w: int) -> np.ndarray:
    """Months in arrears at the end of ledger month ``w`` (the unpaid bills so far, plus the months before
    the ledger while no bill has been paid)."""
    if w < 0:
        return before.copy()
    cols = has[:, : w + 1]
    unpaid = cols & ((paid_at[:, : w + 1] < 0) | (paid_at[:, : w + 1] > w))
    cnt = unpaid.sum(axis=1)
    return cnt + np.where(cnt == cols.sum(axis=1), before, 0)


def _unpaid_rows(has: np.ndarray, paid_at: np.ndarray, f: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Per (family row ``f``, month ``e``): ledger bills up to month ``e`` still unpaid at the end of ``e``."""
    cols = np.arange(has.shape[1])[None, :]
    e = np.asarray(e)[:, None]
    h, p = has[f] & (cols <= e), paid_at[f]
    return (h & ((p < 0) | (p > e))).sum(axis=1)


def _p_current(truth: pd.DataFrame, row_of: pd.Series, periods: np.ndarray, has: np.ndarray,
               paid_at: np.ndarray, before: np.ndarray, sp: pd.DataFrame) -> np.ndarray:
    """Each family's probability of missing a month while current: its mean true ``p_miss`` over the ledger
    months it started current (the mean of its class where it never was)."""
    n, W = has.shape
    current = np.zeros((n, W), bool)
    for w in range(W):
        current[:, w] = has[:, w] & (_arrears(has, paid_at, before, w - 1) == 0)
    tf = row_of.reindex(truth["family_id"].to_numpy()).to_numpy()
    tw = np.searchsorted(periods, truth["period"].to_numpy())
    keep = ~np.isnan(tf) & (tw < W)
    tf, tw, pm = tf[keep].astype(np.int64), tw[keep], truth["p_miss"].to_numpy()[keep]
    cur = current[tf, tw]
    s = np.bincount(tf[cur], pm[cur], minlength=n)
    c = np.bincount(tf[cur], minlength=n)
    out = np.where(c > 0, s / np.maximum(c, 1), np.nan)
    kelas = sp["kelas"].to_numpy()
    for kl in (1, 2, 3):
        m = kelas == kl
        fill = np.nanmean(out[m]) if np.isfinite(out[m]).any() else 0.1
        out[m & np.isnan(out)] = fill
    return np.clip(out, 0.001, 0.9)


def _pay_on(rng: np.random.Generator, paid_at: np.ndarray, has: np.ndarray, f: np.ndarray, start: np.ndarray,
            p_cur: np.ndarray) -> None:
    """From month ``start`` on, each family (rows ``f``, distinct) pays each bill in its month until its
    first miss (probability ``p_cur`` a month), then nothing to the end of the ledger."""
    f, start = np.asarray(f, np.int64), np.asarray(start, np.int64)
    if not len(f):
        return
    W = has.shape[1]
    cols = np.arange(W)[None, :]
    after = (cols >= start[:, None]) & has[f]
    miss = after & (rng.random((len(f), W)) < p_cur[f][:, None])
    missed = np.cumsum(miss, axis=1) > 0
    block = paid_at[f]
    block[after] = -1
    ok = after & ~missed
    block[ok] = np.broadcast_to(cols, block.shape)[ok]
    paid_at[f] = block


def _convert(rng: np.random.Generator, paid_at: np.ndarray, has: np.ndarray, f: np.ndarray, c: np.ndarray,
             p_cur: np.ndarray) -> None:
    """Each family (rows ``f``) pays every unpaid bill of the last 24 months in its month ``c``, then pays
    on (:func:`_pay_on`)."""
    f, c = np.asarray(f, np.int64), np.asarray(c, np.int64)
    if not len(f):
        return
    cols = np.arange(has.shape[1])[None, :]
    block = paid_at[f]
    win = has[f] & (cols <= c[:, None]) & (cols > c[:, None] - rules.MAX_ARREARS_MONTHS_BILLED)
    due = win & ((block < 0) | (block > c[:, None]))
    block[due] = np.broadcast_to(c[:, None], block.shape)[due]
    paid_at[f] = block
    _pay_on(rng, paid_at, has, f, c + 1, p_cur)


def _rehab(rng: np.random.Generator, spec: dict[str, Any], paid_at: np.ndarray, has: np.ndarray,
           before: np.ndarray, bill: np.ndarray, p_cur: np.ndarray, f: int, w: int, W: int,
           periods: np.ndarray, a_id: int, plans: list, stages: list) -> None:
    """One family offered Rehab in ledger month ``w``: enrolment (window, acceptance), stages, ledger."""
    period = int(periods[w])
    day = int(rng.integers(1, months.last_day(period).day + 1))
    accept = rng.random() < spec["conversion"]
    n_st = int(rng.choice(np.arange(1, 13), p=REHAB_STAGES_P))
    if not rehab_rules.registration_open_array(day, period % 100) or not accept:
        return
    k = int(_arrears(has[f:f + 1], paid_at[f:f + 1], before[f:f + 1], w - 1)[0])  # this family's row only
    arrears_months = min(k, rules.MAX_ARREARS_MONTHS_BILLED)
    debt = arrears_months * int(bill[f])
    enrolled = dt.date(period // 100, period % 100, day)
    lo = max(0, w - rules.MAX_ARREARS_MONTHS_BILLED)
    old = [j for j in range(lo, w) if has[f, j] and (paid_at[f, j] < 0 or paid_at[f, j] >= w)]
    # stage i pays its share of the unpaid bills, oldest first; the last stage always pays the last ones (with
    # fewer bills than stages the first stages pay none), so the ledger shows no arrears before the last stage
    bounds = (np.arange(n_st + 1) * len(old)) // n_st
    chunks = [np.array(old[bounds[i]:bounds[i + 1]], dtype=np.int64) for i in range(n_st)]
    amounts = rehab_rules.stage_amounts(debt, n_st)
    for j in range(lo, W):  # the plan replaces the untreated months from enrolment on
        if j >= w and has[f, j]:
            paid_at[f, j] = -1
    for j in old:
        paid_at[f, j] = -1
    status, ended = "active", None
    plan_id = len(plans) + 1
    for i in range(n_st):
        m = w + i
        if m >= W:  # due after the last ledger month: still to come
            stages.append((plan_id, i + 1, months.shift(period, i), None, amounts[i]))
            continue
        ok = rng.random() < spec["stage_paid"]
        pay_day = min(day, 28) if i == 0 else int(rng.integers(1, 29))
        stages.append((plan_id, i + 1, int(periods[m]), dt.date(int(periods[m]) // 100, int(periods[m]) % 100,
                                                                  pay_day) if ok else None, amounts[i]))
        if not ok:
            status, ended = "cancelled", int(periods[m])
            break
        paid_at[f, chunks[i]] = m
        if has[f, m]:
            paid_at[f, m] = m
    else:
        if w + n_st - 1 < W:
            status, ended = "completed", int(periods[w + n_st - 1])
            _pay_on(rng, paid_at, has, np.array([f]), np.array([w + n_st]), p_cur)
    plans.append((plan_id, f, enrolled, arrears_months, debt, n_st, rehab_rules.stage_amount(debt, n_st), period,
                  status, ended, int(a_id)))


# --- tables -----------------------------------------------------------------------------------------
def _write_tables(tables: dict[str, pd.DataFrame], sp: pd.DataFrame, asg: pd.DataFrame, periods: np.ndarray,
                  paid_at: np.ndarray, base_paid_at: np.ndarray, has: np.ndarray, bill: np.ndarray,
                  before: np.ndarray, csr_rows: list, plans: list, stages: list, truth: list,
                  payer: np.ndarray, seed: int) -> None:
    n, W = has.shape
    fid = sp["id"].to_numpy()
    branch = sp["branch_code"].to_numpy()
    end_w = W - 1
    # --- partners -----------------------------------------------------------------------------------
    reg = tables["regencies"]
    brs = tables["branches"]
    partners: list[dict[str, Any]] = []
    for _, r in reg[reg["province_code"].isin(rules.LPD_PROVINCES)].sort_values("code").iterrows():
        for i in range(1, LPD_PER_REGENCY + 1):
            partners.append(dict(kind="lpd", code=f"LPD-{r['code'].replace('.', '')}-{i:02d}",
                                 name=f"LPD Desa Adat {r['name']} {i}", branch_code=r["branch_code"],
                                 province_code=r["province_code"], territory=f"Desa adat {i}, {r['name']}",
                                 capacity=None, fee_rule="share_of_collected", fee_rate=LPD_FEE_RATE,
                                 fee_per_success_rp=None, budget_rp=None, period_from=None, period_to=None,
                                 eligibility=None, active=True, regency=r["code"]))
    for _, b in brs.sort_values("code").iterrows():
        partners.append(dict(kind="kader", code=f"KADER-{b['code']}", name=f"Kader JKN KC {b['name']}",
                             branch_code=b["code"], province_code=b["province_code"], territory=None,
                             capacity=2000, fee_rule="per_success", fee_rate=None,
                             fee_per_success_rp=KADER_FEE_PER_SUCCESS_RP, budget_rp=None, period_from=None,
                             period_to=None, eligibility=None, active=True, regency=None))
    has_csr = brs["province_code"].isin(rules.CSR_PROVINCES).any()
    if has_csr:
        partners.append(dict(kind="csr_sponsor", code=CSR_SPONSOR["code"], name=CSR_SPONSOR["name"],
                             branch_code=None, province_code=None, territory="Jawa Barat, Banten", capacity=None,
                             fee_rule="none", fee_rate=None, fee_per_success_rp=None, budget_rp=0,
                             period_from=int(periods[0]), period_to=int(periods[-1]),
                             eligibility=json.dumps({"segments": list(SELF_PAYING_SEGMENTS),
                                                     "kelas": [rules.CSR_KELAS],
                                                     "provinces": list(rules.CSR_PROVINCES)}),
                             active=True, regency=None))
    pt = pd.DataFrame(partners)
    pt.insert(0, "id", np.arange(1, len(pt) + 1))
    kader_of = dict(zip(pt.loc[pt["kind"] == "kader", "branch_code"], pt.loc[pt["kind"] == "kader", "id"],
                        strict=True))
    csr_id = int(pt.loc[pt["kind"] == "csr_sponsor", "id"].iloc[0]) if has_csr else None
    lpd = pt[pt["kind"] == "lpd"]
    # --- assignments --------------------------------------------------------------------------------
    f = asg["f"].to_numpy()
    w = asg["w"].to_numpy()
    E = asg["E"].to_numpy()
    prog = asg["programme"].to_numpy()
    partner = np.full(len(asg), None, dtype=object)
    partner[prog == "kader"] = [kader_of.get(b) for b in branch[f[prog == "kader"]]]
    if has_csr:
        partner[prog == "csr"] = csr_id
    if len(lpd):
        lpd_rng = np.random.default_rng([seed, STREAM, 1])
        for i in np.flatnonzero(prog == "lpd"):
            cand = lpd[lpd["regency"] == sp["regency_code"].iat[f[i]]]
            cand = cand if len(cand) else lpd
            partner[i] = int(cand["id"].iat[int(lpd_rng.integers(0, len(cand)))])
    # what each assigned family paid in its window (Rupiah of the ledger row), and the treated's status
    pa = paid_at[f]
    got = has[f] & (pa >= w[:, None]) & (pa <= E[:, None])
    collected = got.sum(axis=1) * bill[f]
    first_pay = np.where(got, pa, W).min(axis=1)
    react = (_unpaid_rows(has, paid_at, f, E) == 0) & got.any(axis=1)
    hold = asg["holdout"].to_numpy()
    status = np.where(hold, "assigned", np.where(react, "reactivated", np.where(got.any(axis=1), "paid",
                                                                                  "contacted"))).astype(object)
    status_period = np.where(~hold & got.any(axis=1), periods[np.minimum(first_pay, W - 1)], periods[w]).astype(object)
    fee = np.zeros(len(asg), np.int64)
    fee[prog == "lpd"] = np.round(collected[prog == "lpd"] * LPD_FEE_RATE).astype(np.int64)
    fee[(prog == "kader") & (status == "reactivated")] = KADER_FEE_PER_SUCCESS_RP
    fee[hold] = 0
    pt = pt.drop(columns="regency")
    for col in ("capacity", "fee_per_success_rp", "budget_rp", "period_from", "period_to"):
        pt[col] = pt[col].astype("Int64")  # integers with NULLs (not floats: PostgreSQL's COPY is strict)
    tables["partners"] = pt
    tables["partner_assignments"] = pd.DataFrame({
        "id": asg["id"], "family_id": fid[f], "branch_code": branch[f], "programme": prog, "partner_id": partner,
        "period": periods[w], "holdout": asg["holdout"].astype(int), "status": status,
        "status_period": status_period, "collected_rp": collected, "fee_rp": fee, "assigned_by": "generator",
        "assigned_at": [f"{p // 100:04d}-{p % 100:02d}-02 09:00:00" for p in periods[w]],
    })
    # --- rehab plans and stage payments ----------------------------------------------------------------
    pl = pd.DataFrame(plans, columns=["id", "f", "enrolled_on", "arrears_months", "debt_rp", "stages",
                                      "stage_amount_rp", "first_period", "status", "ended_period",
                                      "assignment_id"])
    tables["rehab_plans"] = pd.DataFrame({
        "id": pl["id"], "family_id": fid[pl["f"].to_numpy(np.int64)], "branch_code": branch[pl["f"].to_numpy(np.int64)],
        "enrolled_on": pl["enrolled_on"].astype(str), "arrears_months": pl["arrears_months"],
        "debt_rp": pl["debt_rp"], "stages": pl["stages"], "stage_amount_rp": pl["stage_amount_rp"],
        "first_period": pl["first_period"], "status": pl["status"], "ended_period": pl["ended_period"].astype("Int64"),
        "assignment_id": pl["assignment_id"]})
    st = pd.DataFrame(stages, columns=["plan_id", "stage_no", "period", "paid_on", "amount_rp"])
    ch_rng = np.random.default_rng([seed, STREAM, 3])
    st_ch = _draw_channels(ch_rng, st["period"].to_numpy(), np.zeros(len(st), bool), int(periods[0]))
    tables["rehab_payments"] = pd.DataFrame({
        "id": np.arange(1, len(st) + 1), "plan_id": st["plan_id"], "stage_no": st["stage_no"], "period": st["period"],
        "paid_on": st["paid_on"].map(lambda d: d.isoformat() if d is not None else None).astype(object),
        "amount_rp": st["amount_rp"], "channel": np.where(st["paid_on"].notna(), st_ch, None)})
    # --- CSR payments ---------------------------------------------------------------------------------
    cs = pd.DataFrame(csr_rows, columns=["assignment_id", "f", "w", "arrears_months", "amount_rp"])
    tables["csr_payments"] = pd.DataFrame({
        "id": np.arange(1, len(cs) + 1), "partner_id": csr_id, "family_id": fid[cs["f"].to_numpy(np.int64)],
        "branch_code": branch[cs["f"].to_numpy(np.int64)], "assignment_id": cs["assignment_id"],
        "period": periods[cs["w"].to_numpy(np.int64)],
        "arrears_months": cs["arrears_months"], "amount_rp": cs["amount_rp"], "status": "paid",
        "created_by": "generator",
        "created_at": [f"{p // 100:04d}-{p % 100:02d}-05 10:00:00" for p in periods[cs["w"].to_numpy(np.int64)]]})
    if has_csr and len(cs):  # the sponsor's budget: what it spent (weighted), rounded up to Rp 1 miliar
        spent = float((cs["amount_rp"].to_numpy() * sp["weight"].to_numpy()[cs["f"].to_numpy(np.int64)]).sum())
        tables["partners"].loc[tables["partners"]["id"] == csr_id, "budget_rp"] = int(np.ceil(spent / 1e9)) * 10**9
    # the holdout shares the simulation used where they differ from the policy's default (per branch, as a
    # branch team would set them: jkn_core.programmes.evaluation.set_holdout_share)
    tables["programme_settings"] = pd.DataFrame(
        [{"branch_code": b, "programme": name, "holdout_share": float(spec["holdout"]), "updated_by": "generator",
          "updated_at": f"{periods[0] // 100:04d}-{periods[0] % 100:02d}-01 08:00:00"}
         for name, spec in PROGRAMMES.items() if "holdout" in spec
         for b in sorted(set(brs.loc[brs["province_code"].isin(spec.get("provinces", brs["province_code"])), "code"]))],
        columns=["branch_code", "programme", "holdout_share", "updated_by", "updated_at"])
    tables["truth_programme_effect"] = pd.DataFrame(truth, columns=["programme", "action", "outcome",
                                                                    "window_months", "conversion_prob",
                                                                    "true_effect"])
    # --- ledger: treated families' rows, then channels on every payment --------------------------------
    led = tables["contributions"]
    changed = np.flatnonzero((paid_at != base_paid_at).any(axis=1))
    lf = pd.Series(np.arange(n), index=fid).reindex(led["family_id"].to_numpy()).to_numpy()
    lw = np.searchsorted(periods, led["period"].to_numpy())
    sel = np.isin(lf, changed)
    new_at = paid_at[lf[sel].astype(np.int64), lw[sel]]
    led = led.copy()
    old_date = led.loc[sel, "paid_date"].to_numpy()
    old_pp = pd.to_numeric(led.loc[sel, "paid_period"], errors="coerce").to_numpy()
    day_rng = np.random.default_rng([seed, STREAM, 4])
    days = day_rng.integers(1, 29, int(sel.sum()))
    new_pp = np.where(new_at >= 0, periods[np.maximum(new_at, 0)], -1)
    same = (new_pp == np.nan_to_num(old_pp, nan=-1).astype(np.int64))
    iso = (pd.Series(new_pp // 100).astype(str).str.cat([pd.Series(new_pp % 100).map("{:02d}".format),
                                                          pd.Series(days).map("{:02d}".format)], sep="-"))
    new_date = np.where(same, old_date, np.where(new_at >= 0, iso.to_numpy(), None))
    led.loc[sel, "paid"] = np.where(new_at >= 0, led.loc[sel, "billed"].to_numpy(), 0)
    led.loc[sel, "paid_date"] = new_date
    pp_col = led["paid_period"].astype(object).to_numpy().copy()
    pp_col[np.flatnonzero(sel)] = np.where(new_at >= 0, new_pp, None)
    led["paid_period"] = pp_col
    # channels (own stream): auto-debit families mostly through the auto-debit; CSR conversions by teller
    auto = sp["auto_debit"].to_numpy().astype(bool)[lf.astype(np.int64)]
    chan = _draw_channels(np.random.default_rng([seed, STREAM, 2]), led["period"].to_numpy(), auto, int(periods[0]))
    led["channel"] = np.where(led["paid"].to_numpy() > 0, chan, None)
    if len(cs):  # the bills the sponsor paid: through the sponsor bank's teller
        key = pd.MultiIndex.from_arrays([fid[cs["f"].to_numpy(np.int64)], periods[cs["w"].to_numpy(np.int64)]])
        rows = pd.MultiIndex.from_arrays([led["family_id"].to_numpy(),
                                          pd.to_numeric(led["paid_period"], errors="coerce").fillna(-1).astype(np.int64)])
        led.loc[rows.isin(key), "channel"] = "teller"
    tables["contributions"] = led
    # --- statuses of the changed families ---------------------------------------------------------------
    k_end = _arrears(has, paid_at, before, end_w)
    ch_ids = fid[changed]
    pt_ = tables["participants"]
    m = pt_["family_id"].isin(ch_ids).to_numpy()
    arrears_end = pd.Series(k_end[changed], index=ch_ids).reindex(pt_.loc[m, "family_id"]).to_numpy()
    cur = pt_.loc[m, "status"].to_numpy()
    pt_ = pt_.copy()
    pt_.loc[m, "status"] = np.where(arrears_end > 0, "nonaktif_tunggakan",
                                    np.where(cur == "nonaktif_tunggakan", "aktif", cur))
    tables["participants"] = pt_


def _draw_channels(rng: np.random.Generator, period: np.ndarray, auto: np.ndarray, first: int) -> np.ndarray:
    """A channel per payment: ``CHANNEL_MIX`` with Mobile JKN gaining ground each month; auto-debit families
    mostly through the auto-debit."""
    names = list(CHANNEL_MIX)
    base = np.array([CHANNEL_MIX[c] for c in names])
    mi = months.index(period.astype(np.int64)) - months.index(first)
    gain = MOBILE_GAIN_PER_MONTH * np.asarray(mi, float)
    shares = np.tile(base, (len(period), 1))
    shares[:, names.index("mobile_jkn")] += gain
    shares[:, names.index("teller")] -= gain
    cum = np.cumsum(shares, axis=1)
    u = rng.random(len(period))
    out = np.asarray(names, dtype=object)[np.minimum((u[:, None] > cum).sum(axis=1), len(names) - 1)]
    ua = rng.random(len(period))
    return np.where(auto & (ua < AUTODEBIT_SHARE), "autodebit", out)
