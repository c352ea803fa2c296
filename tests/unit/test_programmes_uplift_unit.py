"""Issue 13, part 2: the uplift interval and the CSR selection as plain functions (no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jkn_core.programmes import csr, uplift
from jkn_core.programmes.evaluation import load_policy


def test_interval_uses_the_effective_sample_size_not_the_weights() -> None:
    # 400 treated rows at 30 %, 100 holdout rows at 20 %, every row weighing 300 families
    one = uplift.diff_ci(400, 400, 120, 100, 100, 20)
    weighted = uplift.diff_ci(400 * 300, 400 * 300 ** 2, 120 * 300, 100 * 300, 100 * 300 ** 2, 20 * 300)
    assert one[2] == weighted[2] == 0.30 - 0.20
    assert np.allclose(one[3:], weighted[3:])  # same rows, same interval whatever they stand for
    assert one[3] < 0.1 < one[4] and one[4] - one[3] > 0.15


def test_interval_stays_open_when_a_small_holdout_has_no_success() -> None:
    rate_t, rate_h, d, lo, hi = uplift.diff_ci(177, 177, 160, 21, 21, 0)
    assert rate_h == 0 and d == rate_t
    assert hi - lo > 0.15  # the plain normal interval would ignore the holdout's uncertainty


def test_empty_holdout_gives_no_interval() -> None:
    assert uplift.diff_ci(10, 10, 5, 0, 0, 0)[2:] == (None, None, None)


def test_policy_windows_and_default_holdout() -> None:
    pol = load_policy()
    assert pol.default_holdout_share == 0.10
    assert pol.of("rehab").window_months == 6 and pol.of("sms").window_months == 3
    assert pol.of("something_new").action == "something_new"


def test_allocation_stays_within_budget_and_prefers_people_per_rupiah() -> None:
    cands = pd.DataFrame({"family_id": [1, 2, 3, 4], "branch_code": "3201", "members": [5, 1, 4, 2],
                          "weight": [1, 1, 1, 1], "debt_rp": [100, 400, 200, 50], "p_pay": [0.9, 0.9, 0.2, 0.8],
                          "arrears_months": [4, 12, 6, 2]})
    out = csr.allocate(cands, 160)
    assert out["chosen"].sum() == 2 and set(out.loc[out["chosen"], "family_id"]) == {1, 4}
    assert out.loc[out["chosen"], "cost_rp"].sum() <= 160
    big = csr.allocate(cands, 160, "largest_debt")
    assert set(big.loc[big["chosen"], "family_id"]) == {4, 1}  # 400 and 200 do not fit: the greedy fill
    assert csr.eligibility_of(None)["provinces"] == ["32", "36"]
    assert csr.eligibility_of('{"kelas": [2, 3]}')["kelas"] == [2, 3]
