"""The Rehab rules at every boundary (jkn_core.programmes.rehab_rules): eligibility 3 vs 4 and 24 vs 25 months,
PBPU/BP only, 12 vs 13 stages, registration day 28 vs 29 and 27 vs 28 February in leap and non-leap years, the
schedule, a missed stage, and reactivation only after the last stage."""

import datetime as dt

import numpy as np
import pytest

from jkn_core.programmes import rehab_rules as r


@pytest.mark.parametrize(("months", "ok", "reason"), [
    (3, False, "too_few_months"), (4, True, None), (24, True, None), (25, False, "too_many_months")])
def test_arrears_window_boundaries(months: int, ok: bool, reason: str | None) -> None:
    assert r.eligible("PBPU", months) is ok
    assert r.eligible("BP", months) is ok
    assert r.eligibility_refusal("PBPU", months) == reason


@pytest.mark.parametrize("segment", ["PPU", "PBI_APBN", "PBI_APBD"])
def test_only_self_paying_segments(segment: str) -> None:
    assert r.eligible(segment, 10) is False
    assert r.eligibility_refusal(segment, 10) == "segment"


def test_eligible_is_vectorised() -> None:
    got = r.eligible(np.array(["PBPU", "BP", "PPU", "PBPU"]), np.array([4, 24, 10, 25]))
    assert got.tolist() == [True, True, False, False]


@pytest.mark.parametrize(("stages", "ok"), [(0, False), (1, True), (12, True), (13, False)])
def test_stage_count_boundaries(stages: int, ok: bool) -> None:
    assert r.valid_stages(stages) is ok
    day = dt.date(2025, 1, 15)
    assert r.enrolment_refusal("PBPU", 10, stages, day) == (None if ok else "stages")


@pytest.mark.parametrize(("day", "open_"), [
    (dt.date(2025, 1, 1), True), (dt.date(2025, 1, 28), True), (dt.date(2025, 1, 29), False),
    (dt.date(2025, 1, 31), False), (dt.date(2025, 4, 30), False),
    # February: 1-27, in a non-leap (2025) and a leap year (2024)
    (dt.date(2025, 2, 27), True), (dt.date(2025, 2, 28), False),
    (dt.date(2024, 2, 27), True), (dt.date(2024, 2, 28), False), (dt.date(2024, 2, 29), False),
])
def test_registration_window(day: dt.date, open_: bool) -> None:
    assert r.registration_open(day) is open_
    assert r.enrolment_refusal("BP", 6, 6, day) == (None if open_ else "registration_closed")
    assert bool(r.registration_open_array(np.array([day.day]), np.array([day.month]))[0]) is open_


def test_refusal_order_and_other_reasons() -> None:
    day = dt.date(2025, 1, 10)
    assert r.enrolment_refusal("PPU", 3, 13, dt.date(2025, 1, 30)) == "segment"  # eligibility first
    assert r.enrolment_refusal("PBPU", 6, 6, day, has_active_plan=True) == "active_plan"
    assert r.enrolment_refusal("PBPU", 6, 6, day, debt_rp=5) == "debt"
    assert r.enrolment_refusal("PBPU", 6, 6, day, debt_rp=210_000) is None


def test_schedule_splits_the_debt_and_starts_in_the_month_of_enrolment() -> None:
    plan = r.schedule(dt.date(2024, 11, 28), 1_000_003, 4)
    assert [p for _, p, _ in plan] == [202411, 202412, 202501, 202502]  # crosses the year
    assert [a for _, _, a in plan] == [250_000, 250_000, 250_000, 250_003]
    assert sum(a for _, _, a in plan) == 1_000_003
    assert r.stage_amounts(420_000, 12) == [35_000] * 12
    assert r.schedule(dt.date(2025, 3, 5), 35_000, 1) == [(1, 202503, 35_000)]


def test_missed_stage() -> None:
    # unpaid during its own month: not missed yet; unpaid after the month's end: missed
    assert r.stage_missed(202501, False, 202501) is False
    assert r.stage_missed(202501, False, 202502) is True
    assert r.stage_missed(202501, True, 202502) is False
    assert r.payment_on_time(202501, dt.date(2025, 1, 31)) is True
    assert r.payment_on_time(202501, dt.date(2025, 2, 1)) is False


def test_reactivation_only_after_the_last_stage() -> None:
    assert r.reactivates(11, 12) is False
    assert r.reactivates(12, 12) is True
    assert r.reactivates(0, 1) is False and r.reactivates(1, 1) is True
    assert r.remaining_rp(1_000_003, 250_000, 4, 3) == 250_003
    assert r.remaining_rp(1_000_003, 250_000, 4, 4) == 0


def test_expected_recovery_of_a_plan_counts_the_next_stage_not_the_debt() -> None:
    got = r.plan_expected_recovery([0.25], [100_000], [35_000])
    assert got.tolist() == [0.75 * 135_000]
