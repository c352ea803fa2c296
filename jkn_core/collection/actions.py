"""Collection programme rules as small vectorised functions: which action a family gets, and what it is worth.

No database and no scope here: every function takes plain values or arrays (the queue in
:mod:`jkn_core.collection.work_queue` applies them to its frame). The regulation constants (Rehab
windows and stages, LPD, CSR) come from :mod:`jkn_core.rules`; the thresholds below are this project's.

Action rules (``recommend_actions``; sources in ``docs/collections.md``), first matching rule wins:

1. **LPD** partner (Bali, province 51): PBPU families with 6–11 months of arrears.
2. **Bank CSR** sponsorship candidate: class-3 PBPU/BP families in West Java (32) or Banten (36) with at
   least 4 months of arrears and high risk (they are unlikely to cure on their own).
3. **Rehab** instalment offer: PBPU/BP with 4–24 months of arrears, at most 12 stages, while registration
   is open (days 1–28 of a month, 1–27 in February); on the closed days: telecollecting, to prepare it.
4. **Kader JKN home visit**: more than 24 months of arrears (beyond Rehab), or high risk with 1–3 months.
5. **Telecollecting**: 1–3 months of arrears and medium risk.
6. **SMS / Mobile JKN reminder**: low risk and early arrears (1–3 months), or a current payer.
7. **Auto-debit enrolment**: current payers who are often late (3+ late or missed bills in the last 12
   months) and not yet on auto-debit.

Ranking: expected recovery = P(pay next month) × Rupiah recoverable. For a family in arrears, paying
means curing: the whole arrears (counted up to 24 months) come in, and P(pay) = 1 − risk (the model's
no-contact probability, a conservative floor since a contact only raises it). For a current payer
queued for auto-debit the money at stake is the next bill, lost with probability ``risk``: expected
recovery = risk × bill. Ordering by this value spends the week's contacts where the most Rupiah is
expected to come back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from jkn_core import rules
from jkn_core.programmes import rehab_rules
from jkn_core.schema import SELF_PAYING_SEGMENTS

#: Actions a collector can take (and record), in the order the page offers them.
ACTIONS = ("sms", "telecollecting", "kader_visit", "rehab", "lpd", "csr", "auto_debit")
#: Outcomes a collector can record for an action.
OUTCOMES = ("reached", "promised", "paid", "refused", "rehab_registered", "unreachable")
#: Outcomes that cure the arrears (counted as "cured" in the rates, "paid" in the features).
CURED_OUTCOMES = ("paid", "rehab_registered")

LOW_RISK = 0.5  # below: a reminder is enough for early arrears
HIGH_RISK = 0.9  # at or above: unlikely to cure alone
#: Late or missed bills in the last 12 months from which a current payer counts as "often late".
OFTEN_LATE = 3


def rehab_registration_open(day: dt.date) -> bool:
    """Rehab registration in Mobile JKN: days 1–28 of a month, 1–27 in February
    (:func:`jkn_core.programmes.rehab_rules.registration_open`, the one definition)."""
    return rehab_rules.registration_open(day)


def rehab_eligible(segment: Any, months: Any) -> Any:
    """PBPU/BP with 4–24 months of arrears, element-wise over arrays
    (:func:`jkn_core.programmes.rehab_rules.eligible`, the one definition)."""
    return np.asarray(rehab_rules.eligible(np.asarray(segment), np.asarray(months)), bool)


def rehab_stages(months: Any) -> Any:
    """Instalment stages offered: one per month of arrears, at most the rule's 12 (0 when the arrears are
    outside Rehab's 4–24 months; eligibility from :mod:`jkn_core.programmes.rehab_rules`)."""
    m = np.asarray(months)
    return np.where(rehab_rules.arrears_in_range(m), np.minimum(m, rehab_rules.MAX_STAGES), 0)


def lpd_candidate(segment: Any, province_code: Any, months: Any) -> Any:
    """Bali's LPD village credit partners collect from PBPU with 6–11 months of arrears."""
    m = np.asarray(months)
    return ((np.asarray(segment) == "PBPU") & np.isin(np.asarray(province_code), rules.LPD_PROVINCES)
            & (m >= rules.LPD_MIN_MONTHS) & (m <= rules.LPD_MAX_MONTHS))


def csr_candidate(segment: Any, kelas: Any, province_code: Any) -> Any:
    """Class-3 PBPU/BP in West Java or Banten (bank CSR funds pay their arrears)."""
    return (np.isin(np.asarray(segment), SELF_PAYING_SEGMENTS) & (np.asarray(kelas) == rules.CSR_KELAS)
            & np.isin(np.asarray(province_code), rules.CSR_PROVINCES))


def auto_debit_candidate(often_late: Any, auto_debit: Any) -> Any:
    """Often-late payers not yet on auto-debit (vectorised over arrays)."""
    return np.asarray(often_late, bool) & ~np.asarray(auto_debit, bool)


def recommend_actions(frame: pd.DataFrame, on: dt.date | None = None) -> pd.Series:
    """The recommended action per row of ``frame`` (columns: segment, kelas, province_code,
    arrears_months, risk, often_late, auto_debit). See the module docstring for the order."""
    on = on or dt.date.today()
    k = frame["arrears_months"].to_numpy()
    risk = frame["risk"].to_numpy(float)
    seg, prov = frame["segment"].to_numpy(), frame["province_code"].to_numpy()
    rehab = rehab_eligible(seg, k)
    conds = [
        lpd_candidate(seg, prov, k),
        csr_candidate(seg, frame["kelas"].to_numpy(), prov) & (k >= rehab_rules.MIN_MONTHS) & (risk >= HIGH_RISK),
        rehab & rehab_registration_open(on),
        rehab,  # registration closed today: call now, register from the 1st
        k > rehab_rules.MAX_MONTHS,
        (k >= 1) & (risk >= HIGH_RISK),
        (k >= 1) & (risk >= LOW_RISK),
        k >= 1,
        auto_debit_candidate(frame["often_late"].to_numpy(), frame["auto_debit"].to_numpy()),
    ]
    choices = ["lpd", "csr", "rehab", "telecollecting", "kader_visit", "kader_visit", "telecollecting", "sms",
               "auto_debit"]
    return pd.Series(np.select(conds, choices, default="sms"), index=frame.index, name="action")


def capacity(collectors: int, contacts_per_day: int, days: int = 5) -> int:
    """Contacts the team can make in the period (a working week by default)."""
    return max(0, int(collectors)) * max(0, int(contacts_per_day)) * max(0, int(days))


def expected_recovery(arrears_months: Any, arrears_rp: Any, bill_rp: Any, risk: Any) -> np.ndarray:
    """P(pay) × Rupiah recoverable (see the module docstring)."""
    k = np.asarray(arrears_months)
    r = np.asarray(risk, float)
    return np.where(k >= 1, (1 - r) * np.asarray(arrears_rp, float), r * np.asarray(bill_rp, float))
