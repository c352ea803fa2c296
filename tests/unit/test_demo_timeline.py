"""The demo generator's month index (months since January 2014) and its helpers: no database."""

from __future__ import annotations

import numpy as np

from jkn_core.demo.maths import largest_remainder, split_int
from jkn_core.demo.timeline import dates_iso, index_of, period_of


def test_month_index_starts_in_january_2014_and_round_trips() -> None:
    assert period_of(0) == 201401 and type(period_of(0)) is int
    assert index_of(201401) == 0 and index_of(202412) == 131
    np.testing.assert_array_equal(period_of(np.array([11, 12, 131])), [201412, 201501, 202412])
    assert all(period_of(index_of(p)) == p for p in (201401, 201912, 202002, 202412, 202501))


def test_dates_iso() -> None:
    assert dates_iso(np.array([0, 131]), np.array([1, 28])).tolist() == ["2014-01-01", "2024-12-28"]


def test_integer_splits_add_up() -> None:
    assert split_int(10, 3).tolist() == [4, 3, 3]
    out = largest_remainder(np.array([1.0, 1.0, 1.0]), 10)
    assert out.sum() == 10 and sorted(out.tolist()) == [3, 3, 4]
