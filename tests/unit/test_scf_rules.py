"""Claim rules of Peraturan BPJS Kesehatan 7/2018 at their boundaries, and SCF line sizing and grading."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from jkn_core.scf import claim_rules as rules
from jkn_core.scf import policy as scf_policy

RECEIVED = dt.date(2024, 3, 1)


def test_completeness_statement_on_day_10_counts_day_11_is_too_late() -> None:
    day10 = RECEIVED + dt.timedelta(days=10)
    day11 = RECEIVED + dt.timedelta(days=11)
    assert rules.complete_on(RECEIVED, day10) == day10
    # on day 11 the statement is late: the file already counted as complete on day 10
    assert rules.complete_on(RECEIVED, day11) == day10
    assert rules.complete_on(RECEIVED, None) == day10
    assert rules.complete_on(RECEIVED, RECEIVED + dt.timedelta(days=4)) == RECEIVED + dt.timedelta(days=4)


def test_payment_on_day_15_is_on_time_day_16_is_late() -> None:
    complete = dt.date(2024, 3, 11)
    due = rules.payment_due(complete)
    assert due == complete + dt.timedelta(days=15)
    assert rules.penalty(1_000_000_000, due, complete + dt.timedelta(days=15)) == 0
    assert rules.months_late(due, complete + dt.timedelta(days=16)) == 1
    assert rules.penalty(1_000_000_000, due, complete + dt.timedelta(days=16)) == 10_000_000


def test_penalty_is_one_percent_per_month_late() -> None:
    due = dt.date(2024, 4, 1)
    amount = 2_500_000_000
    one = due + dt.timedelta(days=30)  # the whole first month
    two = due + dt.timedelta(days=31)  # into the second month
    assert rules.penalty(amount, due, one) == 25_000_000
    assert rules.penalty(amount, due, two) == 50_000_000
    assert rules.penalty(amount, due, due + dt.timedelta(days=60)) == 50_000_000
    assert rules.penalty(amount, due, due - dt.timedelta(days=3)) == 0


def test_vectorised_rules_match_the_scalar_ones() -> None:
    sub = pd.Series(pd.to_datetime(["2024-03-01"] * 4))
    stmt = pd.Series(pd.to_datetime(["2024-03-05", "2024-03-11", "2024-03-12", None]))
    comp = rules.complete_on_v(sub, stmt)
    expected = [rules.complete_on(RECEIVED, None if pd.isna(s) else s.date()) for s in stmt]
    assert list(comp) == expected
    due = rules.payment_due_v(comp)
    paid = pd.Series([d + dt.timedelta(days=k) for d, k in zip(due, (0, 1, 30, 31), strict=True)])
    pen = rules.penalty_v(pd.Series([100_000_000] * 4), due, paid)
    assert list(pen) == [rules.penalty(100_000_000, d, p) for d, p in zip(due, paid, strict=True)]
    assert list(pen) == [0, 1_000_000, 1_000_000, 2_000_000]


def test_line_is_the_advance_rate_of_the_receivable_and_the_what_if_moves_it() -> None:
    policy = scf_policy.load_policy()
    low = scf_policy.propose(10_000_000_000, 0, 0.005, policy, advance_rate=0.6)
    high = scf_policy.propose(10_000_000_000, 0, 0.005, policy, advance_rate=0.9)
    assert low["limit_rp"] == 6_000_000_000 and high["limit_rp"] == 9_000_000_000
    assert high["discount_rp"] > low["discount_rp"]
    assert low["tenor_days"] == max(policy.min_tenor_days, rules.RULE_DAYS)
    assert scf_policy.tenor_days(200, policy) == policy.max_tenor_days
    with pytest.raises(ValueError):
        scf_policy.line_limit(1_000_000_000, 0.95, policy)


def test_grades_and_decisions_follow_the_policy() -> None:
    policy = scf_policy.load_policy()
    assert scf_policy.grade(0.0099, policy) == "A"
    assert scf_policy.grade(0.01, policy) == "B"
    assert scf_policy.grade(0.5, policy) == "E"
    assert scf_policy.propose(5_000_000_000, 0, 0.07, policy)["decision"] == "refer"
    assert scf_policy.propose(5_000_000_000, 0, 0.2, policy)["decision"] == "decline"
    # a receivable too small for the minimum line is declined whatever the grade
    assert scf_policy.propose(10_000_000, 0, 0.001, policy)["decision"] == "decline"
