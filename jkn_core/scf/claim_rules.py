"""Claim deadlines of BPJS Kesehatan towards hospitals (FKRTL) and the late-payment penalty: the ONE
definition used by the demo generator, the claims import, the directors' KPIs and the SCF line sizing.

Source: **Peraturan BPJS Kesehatan No. 7 Tahun 2018** tentang Pengelolaan Administrasi Klaim Fasilitas
Kesehatan dalam Penyelenggaraan Jaminan Kesehatan. The article numbers below come from the project's
domain reference (``FACTS.md`` §14), which quotes a *secondary* copy of the regulation's text; the official
text was not available to verify them (confidence S, not V):

* Pasal 30 (3): for FKRTL, BPJS issues the *berita acara kelengkapan berkas klaim* (statement that the claim
  file is complete) within **10 days** of receiving the claim;
* Pasal 30 (5): without that statement by then, the file **counts as complete** (on day 10);
* Pasal 32 (1): BPJS pays a verified claim within **15 days** of the completeness statement (or of the
  automatic completeness);
* Pasal 29 (7) (FKTP; the same rule applies to FKRTL): a late payment owes the facility **1 % of the
  amount for each month of delay**.

Days are calendar days (the regulation says "hari"; the FKTP article that says "hari kerja" is not used
here). How a part-month counts is not spelled out in the text we hold; we count **every started month of
delay** (30 days) as one month: 1–30 days late = 1 %, 31–60 days = 2 %. Both are documented choices
(``docs/scf.md``), kept only here.

Pure functions: scalar versions for one claim and vectorised versions (pandas) for a ledger.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

#: Days after receipt within which the completeness statement is due (Pasal 30 (3)); after it, the file
#: is deemed complete (Pasal 30 (5)).
COMPLETENESS_DAYS = 10
#: Days after completeness within which BPJS pays a verified claim (Pasal 32 (1)).
PAYMENT_DAYS = 15
#: Penalty per month of delay, share of the amount due (Pasal 29 (7)).
PENALTY_PER_MONTH = 0.01
#: Days of delay that make one (started) month of delay.
DAYS_PER_MONTH = 30
#: The whole rule in days from receipt: 10 + 15.
RULE_DAYS = COMPLETENESS_DAYS + PAYMENT_DAYS

RETURN_REASONS = ("berkas_tidak_lengkap", "koding_tidak_sesuai", "resume_medis_kurang")
DISPUTE_REASONS = ("dispute_medis", "dispute_koding", "pending_verifikasi")


def complete_on(submitted_on: dt.date, statement_on: dt.date | None) -> dt.date:
    """The date the claim file counts as complete: the statement's date when issued within
    :data:`COMPLETENESS_DAYS` days of receipt, else receipt + 10 days (deemed complete)."""
    deadline = submitted_on + dt.timedelta(days=COMPLETENESS_DAYS)
    if statement_on is None or statement_on > deadline:
        return deadline
    return max(statement_on, submitted_on)


def payment_due(complete: dt.date) -> dt.date:
    """The last day BPJS may pay the verified claim without penalty."""
    return complete + dt.timedelta(days=PAYMENT_DAYS)


def months_late(due: dt.date, paid_on: dt.date) -> int:
    """Started months of delay after ``due`` (0 when paid on or before it)."""
    days = (paid_on - due).days
    return 0 if days <= 0 else math.ceil(days / DAYS_PER_MONTH)


def penalty(amount_rp: float, due: dt.date, paid_on: dt.date) -> int:
    """Rupiah BPJS owes the hospital for paying ``amount_rp`` late: 1 % per started month of delay."""
    return int(round(amount_rp * PENALTY_PER_MONTH * months_late(due, paid_on)))


# --- vectorised (a ledger) ------------------------------------------------------------------------
def _dates(values: pd.Series | np.ndarray) -> pd.Series:
    return pd.to_datetime(pd.Series(values), errors="coerce")


def complete_on_v(submitted_on: pd.Series, statement_on: pd.Series | None = None) -> pd.Series:
    """:func:`complete_on` for columns of dates (NaT statement: deemed complete)."""
    sub = _dates(submitted_on)
    deadline = sub + pd.Timedelta(days=COMPLETENESS_DAYS)
    if statement_on is None:
        return deadline.dt.date
    st = _dates(statement_on).reset_index(drop=True)
    sub, deadline = sub.reset_index(drop=True), deadline.reset_index(drop=True)
    on_time = st.notna() & (st <= deadline)
    return deadline.where(~on_time, st.where(st >= sub, sub)).dt.date


def payment_due_v(complete: pd.Series) -> pd.Series:
    return (_dates(complete) + pd.Timedelta(days=PAYMENT_DAYS)).dt.date


def months_late_v(due: pd.Series, paid_on: pd.Series) -> np.ndarray:
    """Started months of delay (0 when on time or unpaid)."""
    days = (_dates(paid_on).reset_index(drop=True) - _dates(due).reset_index(drop=True)).dt.days
    days = days.fillna(0).clip(lower=0).to_numpy(float)
    return np.ceil(days / DAYS_PER_MONTH).astype(np.int64)


def penalty_v(amount_rp: pd.Series, due: pd.Series, paid_on: pd.Series) -> np.ndarray:
    amount = pd.Series(amount_rp).reset_index(drop=True).fillna(0).to_numpy(float)
    return np.round(amount * PENALTY_PER_MONTH * months_late_v(due, paid_on)).astype(np.int64)
