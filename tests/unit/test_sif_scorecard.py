"""SIF scorecard without a database: stored bands are ``(low, high]``, OptBinning's optimal edges keep the
forced policy edges with the same convention, and a fitted scorecard is plain data whose points add up to
its score within rounding."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jkn_core import sif
from jkn_core.sif import policy as credit
from jkn_core.sif import scorecard


def test_a_value_on_an_edge_falls_in_the_band_below() -> None:
    spec = {"numeric": {"kbk_pct": {"edges": [92.5, 95.0], "fill": 93.0}}, "categorical": {}}
    df = pd.DataFrame({"kbk_pct": [90.0, 92.5, 92.6, 95.0, 99.0, np.nan]})
    idx = scorecard.Binner(spec).bin_index(df, "kbk_pct")
    assert idx.tolist() == [0, 0, 1, 1, 2, 1]


def test_optimal_edges_keep_the_forced_edge_and_its_side() -> None:
    rng = np.random.default_rng(7)
    x = np.round(rng.uniform(500, 8000, 4000))
    x[:200] = 5000.0  # many facilities exactly on the 1 : 5,000 norm
    y = (rng.uniform(size=len(x)) < np.where(x > 5000, 0.25, 0.05)).astype(int)
    edges = scorecard.optimal_edges(x, y, "participants_per_doctor")
    assert 5000.0 in edges and edges == sorted(edges)
    band = np.searchsorted(edges, [5000.0, 5001.0], side="left")
    assert band[0] < band[1]  # 5,000 meets the norm, 5,001 does not


def _loans(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f: rng.normal(size=n) for f in sif.NUMERIC})
    df["participants_per_doctor"] = rng.uniform(1000, 7000, n)
    df["kbk_pct"] = rng.choice([90.0, 92.5, 95.0, 100.0], n)
    df["tenor_beyond_contract"] = rng.choice([0, 0, 0, 3], n)
    for f, levels in {"type": ["dpp", "klinik_pratama"], "ownership": ["swasta"],
                      "accreditation": ["dasar", "madya"], "region_code": ["KW01", "KW05"]}.items():
        df[f] = rng.choice(levels, n)
    logit = -2.5 + 0.8 * df["instalment_share"] + 1.0 * (df["participants_per_doctor"] > 5000)
    df["defaulted"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return df


def test_fitted_scorecard_is_plain_data_and_its_points_sum_to_the_score() -> None:
    policy = credit.load_policy()
    train = _loans(3000)
    sc = scorecard.fit_scorecard(train, policy, log=lambda _m: None, random_state=1)
    json.dumps(sc)  # nothing but plain data
    assert 5000.0 in sc["bins"]["numeric"]["participants_per_doctor"]["edges"]
    assert set(pd.DataFrame(sc["points"])["feature"]) == set(sif.FEATURES)
    test = _loans(500, seed=4)
    total = scorecard.scorecard_points(sc, test).sum(axis=1).to_numpy()
    exact = policy.offset - policy.factor * scorecard.scorecard_logit(sc, test)
    assert np.max(np.abs(total - exact)) <= len(sif.FEATURES) * 0.5
    assert scorecard.pd_from_points(np.array([policy.base_score]), policy)[0] == pytest.approx(
        1 / (1 + policy.base_odds))
