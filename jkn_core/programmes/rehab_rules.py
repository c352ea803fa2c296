"""The Rehab (Rencana Pembayaran Bertahap) rules as pure functions — the one place they are defined.

No database here: plain values in, plain values out (and numpy arrays where a function says so), so the
generator's simulation (:mod:`jkn_core.programmes.simulate`), the lifecycle (:mod:`jkn_core.programmes.rehab`),
the imports and the pages all apply the same rules. The regulation constants come from
:mod:`jkn_core.rules`; sources in ``docs/programmes.md``.

1. **Eligibility**: PBPU/BP families with 4–24 months of arrears (3 is refused, 25 is refused).
2. **Stages**: the family chooses 1–12 stages (one cycle); the debt is split evenly, the last stage
   carries the rounding remainder (``stage_amounts``).
3. **Registration window**: days 1–28 of a month, 1–27 in February (leap years too: 28 Feb 2024 closed).
4. **Schedule**: stage 1 is due in the month of enrolment, stage *k* in the (k−1)-th month after.
   Every month the family pays the stage bill plus the current month's iuran.
5. **Missed stage**: a stage still unpaid after the end of its month cancels the plan.
6. **Reactivation**: only when the last stage is paid (never after a partial plan).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from jkn_core import months, rules
from jkn_core.schema import SELF_PAYING_SEGMENTS

MIN_MONTHS, MAX_MONTHS, MAX_STAGES = rules.REHAB_MIN_MONTHS, rules.REHAB_MAX_MONTHS, rules.REHAB_MAX_STAGES
MIN_STAGES = 1

#: Refusal reasons (codes; the pages translate them with the i18n key ``prog.refuse.<code>``).
REFUSALS = ("segment", "too_few_months", "too_many_months", "stages", "registration_closed", "active_plan",
            "debt")


def arrears_in_range(arrears_months: Any) -> Any:
    """4–24 months of arrears (scalars or numpy arrays, element-wise): Rehab's arrears rule."""
    m = np.asarray(arrears_months)
    out = (m >= MIN_MONTHS) & (m <= MAX_MONTHS)
    return bool(out) if np.ndim(out) == 0 else out


def eligible(segment: Any, arrears_months: Any) -> Any:
    """PBPU/BP with 4–24 months of arrears (scalars or numpy arrays, element-wise)."""
    seg = np.isin(np.asarray(segment), SELF_PAYING_SEGMENTS)
    out = seg & np.asarray(arrears_in_range(arrears_months))
    return bool(out) if np.ndim(out) == 0 else out


def eligibility_refusal(segment: str, arrears_months: int) -> str | None:
    """Why a family may not enrol (``None``: eligible)."""
    if segment not in SELF_PAYING_SEGMENTS:
        return "segment"
    if int(arrears_months) < MIN_MONTHS:
        return "too_few_months"
    if int(arrears_months) > MAX_MONTHS:
        return "too_many_months"
    return None


def valid_stages(stages: Any) -> Any:
    """1–12 stages (scalars or arrays)."""
    s = np.asarray(stages)
    out = (s >= MIN_STAGES) & (s <= MAX_STAGES)
    return bool(out) if np.ndim(out) == 0 else out


def registration_last_day(month: int) -> int:
    """The last day of the month on which a family may register (28; 27 in February)."""
    return rules.rehab_registration_last_day(month)


def registration_open(day: dt.date) -> bool:
    """Registration is open on days 1–28 of a month, 1–27 in February (leap years included)."""
    return day.day <= registration_last_day(day.month)


def registration_open_array(day_of_month: Any, month: Any) -> np.ndarray:
    """:func:`registration_open` over arrays of day-of-month and month numbers."""
    d, m = np.asarray(day_of_month), np.asarray(month)
    return d <= np.where(m == 2, rules.REHAB_REGISTRATION_LAST_DAY_FEBRUARY, rules.REHAB_REGISTRATION_LAST_DAY)


def enrolment_refusal(segment: str, arrears_months: int, stages: int, day: dt.date,
                      has_active_plan: bool = False, debt_rp: int | None = None) -> str | None:
    """The first rule an enrolment breaks (``None``: it may enrol). Order: eligibility, stages, window,
    an already active plan, a debt too small to split into the stages."""
    reason = eligibility_refusal(segment, arrears_months)
    if reason:
        return reason
    if not valid_stages(int(stages)):
        return "stages"
    if not registration_open(day):
        return "registration_closed"
    if has_active_plan:
        return "active_plan"
    if debt_rp is not None and int(debt_rp) < int(stages):
        return "debt"
    return None


def stage_amount(debt_rp: int, stages: int) -> int:
    """The stage bill of stages 1..n−1 (the debt split evenly, rounded down to the Rupiah)."""
    return int(debt_rp) // int(stages)


def stage_amounts(debt_rp: int, stages: int) -> list[int]:
    """Every stage's bill: equal, the last carries the remainder; they sum to the debt."""
    base = stage_amount(debt_rp, stages)
    return [base] * (int(stages) - 1) + [int(debt_rp) - base * (int(stages) - 1)]


def first_period(enrolled_on: dt.date) -> int:
    """Stage 1 is due in the month of enrolment (YYYYMM)."""
    return months.of_date(enrolled_on)


def stage_period(first: int, stage_no: int) -> int:
    """The month (YYYYMM) stage ``stage_no`` (1-based) is due."""
    return months.shift(int(first), int(stage_no) - 1)


def schedule(enrolled_on: dt.date, debt_rp: int, stages: int) -> list[tuple[int, int, int]]:
    """``[(stage_no, period_due, amount_rp), ...]`` of a plan enrolled on ``enrolled_on``."""
    first = first_period(enrolled_on)
    return [(k, stage_period(first, k), amt) for k, amt in enumerate(stage_amounts(debt_rp, stages), start=1)]


def stage_missed(due_period: Any, paid: Any, as_of_period: Any) -> Any:
    """A stage is missed when it is still unpaid after the end of its month (element-wise)."""
    out = (np.asarray(as_of_period) > np.asarray(due_period)) & ~np.asarray(paid, bool)
    return bool(out) if np.ndim(out) == 0 else out


def payment_on_time(due_period: int, paid_on: dt.date) -> bool:
    """A stage payment counts when it is made by the end of the stage's month."""
    return months.of_date(paid_on) <= int(due_period)


def reactivates(stages_paid: Any, stages: Any) -> Any:
    """The family's cover comes back only when every stage is paid (element-wise)."""
    out = np.asarray(stages_paid) >= np.asarray(stages)
    return bool(out) if np.ndim(out) == 0 else out


def remaining_rp(debt_rp: int, stage_amount_rp: int, stages: int, stages_paid: int) -> int:
    """Rupiah still to come of a plan with ``stages_paid`` stages paid (the last carries the remainder)."""
    if stages_paid >= stages:
        return 0
    return int(debt_rp) - int(stage_amount_rp) * int(stages_paid)


def plan_expected_recovery(risk: Any, next_stage_rp: Any, bill_rp: Any) -> np.ndarray:
    """Expected recovery of a family with an active plan: P(pay) × (the next stage + the current month's iuran),
    not the whole debt (element-wise; P(pay) = 1 − risk as in the work queue's ranking)."""
    return (1 - np.asarray(risk, float)) * (np.asarray(next_stage_rp, float) + np.asarray(bill_rp, float))
