"""The SIF logistic challenger (jkn_core/sif/logistic.py): plain-number model that ranks by what drives default,
survives a JSON round trip, ignores unseen levels, and picks its penalty on the training loans only."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from jkn_core.sif import logistic
from jkn_core.sif.features import CATEGORICAL, NUMERIC


def _loans(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Loans whose true PD rises with the instalment share and falls with the contact rate (log scale)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({c: rng.lognormal(0, 0.5, n) * 100 for c in NUMERIC})
    df["instalment_share"] = rng.uniform(0.05, 0.3, n)
    df["contact_rate_pm"] = rng.lognormal(np.log(140), 0.4, n)
    df.loc[rng.random(n) < 0.02, "kbk_pct"] = np.nan  # missing values take the training median
    for c in CATEGORICAL:
        df[c] = rng.choice(["a", "b", "c"], n)
    z = -3.0 + 8.0 * (df["instalment_share"] - 0.2) - 1.2 * np.log(df["contact_rate_pm"] / 140)
    pd_true = 1 / (1 + np.exp(-z.to_numpy()))
    df["defaulted"] = (rng.random(n) < pd_true).astype(int)
    df["as_of"] = np.sort(rng.choice([202301 + i for i in range(12)], n))
    return df, pd_true


def test_the_logistic_challenger_ranks_new_loans_by_what_drives_default() -> None:
    train, _ = _loans(4000, 1)
    test, truth = _loans(3000, 2)
    model = logistic.fit(train)
    p = logistic.predict_pd(model, test)
    assert roc_auc_score(test["defaulted"], p) > roc_auc_score(test["defaulted"], truth) - 0.03
    coef = dict(zip(model["columns"], model["coef"], strict=True))
    assert coef["instalment_share"] > 0 > coef["contact_rate_pm"]  # the direction a credit officer expects
    assert abs(p.mean() - test["defaulted"].mean()) < 0.02  # probabilities, not just a ranking


def test_the_model_is_plain_json_and_scores_the_same_after_a_round_trip() -> None:
    train, _ = _loans(1500, 3)
    model = logistic.fit(train)
    back = json.loads(json.dumps(model))
    test, _ = _loans(200, 4)
    test.loc[0, "region_code"] = "never seen"  # an unseen level scores as the reference level
    assert np.allclose(logistic.predict_pd(back, test), logistic.predict_pd(model, test))
    assert model["C"] in logistic.C_GRID


def test_the_penalty_shrinks_a_model_that_has_nothing_to_learn() -> None:
    """On loans whose defaults no input explains, the latest training months prefer the strongest penalty, and
    the model then predicts close to the base rate for every loan."""
    train, _ = _loans(3000, 5)
    train["defaulted"] = (np.random.default_rng(9).random(len(train)) < 0.08).astype(int)
    model = logistic.fit(train)
    assert model["C"] == min(logistic.C_GRID)
    p = logistic.predict_pd(model, train)
    assert p.std() < 0.03 and abs(p.mean() - train["defaulted"].mean()) < 0.01


def test_rows_without_the_models_inputs_are_refused() -> None:
    train, _ = _loans(800, 6)
    model = logistic.fit(train)
    with pytest.raises(KeyError):
        logistic.predict_pd(model, train.drop(columns="amount"))


def test_the_compact_challenger_uses_only_its_inputs_and_scores_from_json() -> None:
    """Issue 16 item 6: the compact logistic has one coefficient per risk driver it names, and no other."""
    df, _ = _loans(3000, seed=5)
    model = logistic.fit(df, logistic.COMPACT)
    used = {c.split("=")[0] for c in model["columns"]}
    assert used == set(logistic.COMPACT) and model["inputs"] == list(logistic.COMPACT)
    again = json.loads(json.dumps(model))
    assert np.allclose(logistic.predict_pd(again, df), logistic.predict_pd(model, df))


def test_expected_auc_is_the_mean_auc_over_redraws_of_the_outcomes() -> None:
    """The card's expected gap rests on this: the AUC a score would get, averaged over outcome draws from the true
    probabilities (ties count half), so it carries none of the noise of one draw."""
    from jkn_core.sif.evaluation import expected_auc, expected_gap

    rng = np.random.default_rng(3)
    p = rng.uniform(0.02, 0.4, 300)
    score = p + rng.normal(0, 0.1, 300)
    score[:60] = np.round(score[:60], 1)  # some ties
    draws = [roc_auc_score(y, score) for y in rng.random((4000, 300)) < p]
    assert expected_auc(p, score) == pytest.approx(np.mean(draws), abs=0.003)
    assert expected_gap(p, p) == pytest.approx(0.0) and expected_gap(score, p) > 0
