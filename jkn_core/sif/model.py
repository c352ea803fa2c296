"""SIF model lifecycle: train the scorecard and its challengers, choose the champion, save and load them safely,
predict PD / score / grade, and write scores to ``model_scores``.

:func:`train` fits, on the loan history in ``sif_loans`` (features as of each loan's start month, time-ordered
split: the latest months are the test set), the **scorecard** (see :mod:`jkn_core.sif.scorecard`), two
regularised **logistic** challengers (:mod:`jkn_core.sif.logistic`: a compact one on one input per risk
driver, one on every input) and a **gradient-boosted** challenger, all fitted inside the training months. The
champion is chosen on the loans that started before the test window (:func:`_select`), never on the window
that reports its AUC: from the simplest model up, a model takes the title only when ahead of the current
champion there by more than :data:`CHAMPION_MARGIN` (officers must be able to explain a decline; every
coefficient costs ranking power with a few hundred defaults). The scorecard (points table) and the logistic
models (coefficients) are plain JSON in the card; the
gradient-boosted model is saved with skops and loaded with trusted types only. ``truth_loan`` is read only to report
the oracle AUC on the same test loans. ``python -m jkn_core train sif`` / ``score sif`` call
:func:`train` / :func:`score`, which write ``model_trained`` / ``score_run`` rows to the audit log under the
caller's scope. Features are in ``features``, page queries in ``applications`` / ``portfolio``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, insert, select

from jkn_core import modeling
from jkn_core.audit import audit
from jkn_core.schema import ModelScore, TruthLoan
from jkn_core.scope import Scope
from jkn_core.sif import evaluation, logistic
from jkn_core.sif import policy as credit
from jkn_core.sif.features import (
    CATEGORICAL,
    FEATURES,
    NUMERIC,
    facility_features,
    latest_period,
    loan_features,
    reference_request,
)
from jkn_core.sif.scorecard import fit_scorecard, pd_from_points, scorecard_logit, scorecard_points

Log = Callable[[str], None]

MODEL_NAME = "sif"
#: A model replaces a simpler champion only when its ROC AUC on the selection window is higher by more than this.
CHAMPION_MARGIN = 0.005
#: The models trained and compared, simplest first: the scorecard and its challengers. A model takes the title
#: from a simpler one only when ahead of it by more than :data:`CHAMPION_MARGIN` (:func:`_select`).
MODELS = ("scorecard", "logistic_compact", "logistic", "gbm")
#: The logistic challengers and the inputs of each (None: every input).
LOGISTIC_MODELS: dict[str, tuple[str, ...] | None] = {"logistic_compact": logistic.COMPACT, "logistic": None}
RANDOM_STATE = 20241231
#: Fewest defaults (and repaid loans) with 12 months of outcome that training accepts.
MIN_DEFAULTS = 10


def _gbm() -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    pre = ColumnTransformer([
        ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), list(CATEGORICAL)),
        ("num", "passthrough", list(NUMERIC)),
    ])
    hgb = HistGradientBoostingClassifier(learning_rate=0.05, max_iter=300, max_depth=3, min_samples_leaf=40,
                                         l2_regularization=1.0, categorical_features=list(range(len(CATEGORICAL))),
                                         early_stopping=True, validation_fraction=0.15, random_state=RANDOM_STATE)
    return Pipeline([("prep", pre), ("gbm", hgb)])


def _fit_gbm(train_df: pd.DataFrame) -> Any:
    from sklearn.calibration import CalibratedClassifierCV

    y = train_df["defaulted"].to_numpy()
    folds = max(2, min(5, int(y.sum()), int(len(y) - y.sum())))  # every fold holds a default
    gbm = CalibratedClassifierCV(_gbm(), method="isotonic", cv=folds)
    gbm.fit(train_df[list(FEATURES)], y)
    return gbm


def train(engine: Engine, log: Log = print, scope: Scope | None = None) -> dict[str, Any]:
    """Train scorecard and challenger on the labelled loans of ``sif_loans``; save the champion; return the card.

    Measured by a rolling time-aware backtest (:mod:`jkn_core.sif.evaluation`): the latest start months are
    predicted block by block by models trained on the loans before each block, pooled; the shipped models
    are then fitted on every labelled loan. Audited as ``model_trained`` under ``scope`` (default: the
    system scope)."""
    policy = credit.load_policy(engine)
    book = loan_features(engine)
    last = latest_period(engine)
    if book.empty or last is None:
        raise ValueError("sif_loans holds no usable loan history (need defaults and repaid loans)")
    book = book.sort_values(["as_of", "key"]).reset_index(drop=True)
    df = book[evaluation.labelled(book["as_of"], int(last))].reset_index(drop=True)
    if df.empty or int(df["defaulted"].sum()) < MIN_DEFAULTS or int((df["defaulted"] == 0).sum()) < MIN_DEFAULTS:
        raise ValueError(f"sif_loans holds too little loan history to train on: {len(df)} loans with 12 months of "
                         f"outcome, {int(df['defaulted'].sum())} of them defaulted (need at least {MIN_DEFAULTS} "
                         "defaults and as many repaid loans)")
    folds = evaluation.time_folds(df["as_of"])
    log(f"sif: {len(book)} loans in the book, {len(df)} with 12 months of outcome "
        f"({int(df['defaulted'].sum())} defaults); out-of-time blocks "
        + ", ".join(f"{a}-{b}" for a, b in folds))
    with engine.connect() as conn:
        truth = dict(conn.execute(select(TruthLoan.loan_ref, TruthLoan.pd_true)
                                  .where(TruthLoan.loan_ref.in_(df["key"].tolist()))).all())
    truth_all = np.array([truth.get(k, np.nan) for k in df["key"]], float) if truth else None

    def fit_predict(tr: pd.DataFrame, te: pd.DataFrame) -> dict[str, np.ndarray]:
        sc_ = fit_scorecard(tr, policy, lambda _m: None, RANDOM_STATE)
        pts_ = scorecard_points(sc_, te).sum(axis=1).to_numpy()
        return {"scorecard": pd_from_points(pts_, policy),
                **{name: logistic.predict_pd(logistic.fit(tr, cols), te) for name, cols in LOGISTIC_MODELS.items()},
                "gbm": _fit_gbm(tr).predict_proba(te[list(FEATURES)])[:, 1]}

    # the champion is chosen before the test window: on the loans that started before its first block
    champion, selection = _select(df[df["as_of"].astype(int) < folds[0][0]].reset_index(drop=True), fit_predict)
    log(f"champion chosen on the loans before {folds[0][0]}: {champion} ({selection.get('note', '')})")
    block, preds = evaluation.backtest(df, folds, fit_predict)
    tested = block >= 0
    test_df = df[tested].reset_index(drop=True)
    y_test, blk = test_df["defaulted"].to_numpy(), block[tested]
    truth_arr = None if truth_all is None else truth_all[tested]
    metrics = {name: modeling.binary_metrics(y_test, preds[name][tested], truth_arr) for name in MODELS}
    m_sc, m_gbm = metrics["scorecard"], metrics["gbm"]
    log(f"oracle ROC AUC {m_sc['oracle_roc_auc']}; ROC AUC " + ", ".join(f"{n} {metrics[n]['roc_auc']:.4f}"
                                                                         for n in MODELS))
    m = metrics[champion]
    p_champ = preds[champion][tested]
    gap = None if m["oracle_roc_auc"] is None else m["oracle_roc_auc"] - m["roc_auc"]
    gap_ci = None if truth_arr is None else evaluation.gap_interval(y_test, p_champ, truth_arr, blk)
    gap_expected = None if truth_arr is None else evaluation.expected_gap(p_champ, truth_arr)
    folds_table = evaluation.fold_table(y_test, p_champ, truth_arr, blk, folds,
                                        df["as_of"].astype(int).to_numpy())
    log(f"champion: {champion}; ROC AUC {m['roc_auc']:.4f}, oracle {m['oracle_roc_auc']}, gap {gap}"
        + ("" if not gap_ci else f" (95 % bootstrap interval {gap_ci['low']:.4f} to {gap_ci['high']:.4f})"))

    # the shipped models learn from every labelled loan
    sc = fit_scorecard(df, policy, log, RANDOM_STATE)
    gbm = _fit_gbm(df)
    lgs = {name: logistic.fit(df, cols) for name, cols in LOGISTIC_MODELS.items()}
    lg = lgs.get(champion)
    p_sc_exact = 1 / (1 + np.exp(-scorecard_logit(sc, test_df)))
    pts = scorecard_points(sc, test_df).sum(axis=1).to_numpy()
    exact_scores = policy.offset - policy.factor * scorecard_logit(sc, test_df)
    p_sc_points = pd_from_points(pts, policy)
    points_check = {
        "max_abs_score_diff": float(np.max(np.abs(pts - exact_scores))),
        "rounding_bound": len(FEATURES) * 0.5,
        "max_abs_pd_diff": float(np.max(np.abs(p_sc_points - p_sc_exact))),
        "mean_abs_pd_diff": float(np.mean(np.abs(p_sc_points - p_sc_exact))),
    }
    train_df = df

    # PSI reference: reference-request scores of every eligible facility as of the last training month
    ref_asof = int(df["as_of"].max())
    ref = reference_request(facility_features(engine, Scope.system(), ref_asof, policy=policy), policy)
    ref_scores = _champion_scores(champion, sc, gbm, ref, policy, lg)
    edges = np.unique(np.quantile(ref_scores, np.linspace(0, 1, 11)[1:-1])).tolist()
    by_region = {rc: credit.bin_shares(ref_scores[(ref["region_code"] == rc).to_numpy()], edges)
                 for rc in sorted(ref["region_code"].unique())}

    card = {
        "model": MODEL_NAME,
        "champion": champion,
        **{k: m[k] for k in ("roc_auc", "oracle_roc_auc", "pr_auc", "brier", "ece", "base_rate")},
        "oracle_gap": gap,
        "oracle_gap_interval": gap_ci,
        "oracle_gap_expected": gap_expected,
        "oracle_gap_by_block": folds_table,
        "n_train": int(len(train_df)), "n_test": int(len(test_df)),
        "n_defaults_train": int(train_df["defaulted"].sum()), "n_defaults_test": int(y_test.sum()),
        "n_book": int(len(book)), "n_labelled": int(len(df)),
        "trained_at": modeling.now_iso(),
        "data_from": int(df["as_of"].min()), "data_to": int(df["as_of"].max()),
        "split": {"kind": "rolling_time", "test_from_period": int(folds[0][0]), "blocks": folds,
                  "test_share": evaluation.TEST_SHARE,
                  "note": "each block predicted by models trained on the loans started before it; metrics "
                          "pooled over the blocks; the shipped models are fitted on every labelled loan"},
        "label": f"defaulted (sif_loans.defaulted): default in the loan's first {evaluation.LABEL_MONTHS} "
                 "months; loans younger than that are not used",
        "features": list(FEATURES),
        "models": {"scorecard": {**m_sc, "calibration": "Platt scaling of 5-fold out-of-fold log-odds",
                                 "binning": "OptBinning optimal bands (monotonic, peak or valley), forced edges"},
                   **{name: {**metrics[name], "calibration": "none (the logistic regression's own probabilities)",
                             "C": lgs[name]["C"], "inputs": lgs[name]["inputs"]} for name in LOGISTIC_MODELS},
                   "gbm": {**m_gbm, "calibration": "isotonic, 5-fold CalibratedClassifierCV"}},
        "champion_rule": "chosen on the loans before the test window (selection), simplest first ("
                         + ", ".join(MODELS) + f"): a model takes the title only when its ROC AUC there beats "
                         f"the current champion's by > {CHAMPION_MARGIN}",
        "selection": selection,
        **lgs,
        "calibration": modeling.calibration_table(y_test, p_champ),
        "scorecard": {**sc, "scaling": {"base_score": policy.base_score, "base_odds": policy.base_odds,
                                        "pdo": policy.pdo, "factor": policy.factor, "offset": policy.offset}},
        "points_check": points_check,
        "psi_reference": {"as_of": ref_asof, "edges": edges,
                          "national": credit.bin_shares(ref_scores, edges), "by_region": by_region},
        "policy": policy.as_dict(),
        "versions": modeling.versions(),
    }
    modeling.save_model(MODEL_NAME, {"champion": champion, "gbm": gbm}, card)
    clear_model_cache()
    audit(engine, scope or Scope.system(), "model_trained",
          modeling.training_summary(card, version=model_version(), extra={"oracle_gap": gap}))
    log(f"saved to {modeling.model_dir(MODEL_NAME)}")
    return card


def _select(pre: pd.DataFrame, fit_predict: Callable[[pd.DataFrame, pd.DataFrame], dict[str, np.ndarray]]
            ) -> tuple[str, dict[str, Any]]:
    """Champion from the loans ``pre`` that started before the test window only: rolling out-of-time blocks
    inside them (:func:`evaluation.time_folds`, 2 blocks), ROC AUC per model on the pooled blocks; going from
    the simplest model (:data:`MODELS`, the scorecard first) up, a model takes the title only when
    ahead of the current champion by more than :data:`CHAMPION_MARGIN`. The scorecard when ``pre`` is too
    short to compare."""
    from sklearn.metrics import roc_auc_score

    out: dict[str, Any] = {"from": int(pre["as_of"].min()) if len(pre) else None,
                           "to": int(pre["as_of"].max()) if len(pre) else None}
    try:
        inner = evaluation.time_folds(pre["as_of"], n_folds=2)
    except ValueError:
        return "scorecard", {**out, "note": "too few start months before the test window: the scorecard"}
    blk, pr = evaluation.backtest(pre, inner, fit_predict)
    t = blk >= 0
    y = pre["defaulted"].to_numpy()[t]
    if not t.any() or len(set(y)) < 2:
        return "scorecard", {**out, "note": "too few defaults before the test window: the scorecard"}
    aucs = {name: float(roc_auc_score(y, pr[name][t])) for name in MODELS}
    champion = MODELS[0]
    for name in MODELS[1:]:
        if aucs[name] > aucs[champion] + CHAMPION_MARGIN:
            champion = name
    return champion, {**out, "blocks": inner, "n": int(t.sum()), "defaults": int(y.sum()), "roc_auc": aucs,
                      "note": "ROC AUC on out-of-time blocks of the loans before the test window"}


# --- scoring ------------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _load_cached(folder: str, mtime: float) -> tuple[dict[str, Any], Any]:
    # HistGradientBoosting keeps functools.partial(sklearn.utils.validation.check_array): the partial is
    # trusted, the function it wraps must still pass the sklearn-only check of load_model
    return modeling.read_card(MODEL_NAME), modeling.load_model(MODEL_NAME, extra_trusted=["functools.partial"])


def load_champion() -> tuple[dict[str, Any], Any]:
    """The shipped card and the saved models (cached until the card file changes)."""
    path = modeling.model_dir(MODEL_NAME) / "card.json"
    if not path.exists():
        raise FileNotFoundError(f"no trained SIF model at {path.parent}; run `python -m jkn_core train sif`")
    return _load_cached(str(path.parent), path.stat().st_mtime)


def clear_model_cache() -> None:
    """Forget the loaded model (after training, or when a test points ``JKN_MODELS_DIR`` elsewhere)."""
    _load_cached.cache_clear()


def model_available() -> bool:
    """Whether a trained SIF model (its card) is in the models folder."""
    return (modeling.model_dir(MODEL_NAME) / "card.json").exists()


def _champion_pd(champion: str, sc: dict[str, Any], gbm: Any, df: pd.DataFrame,
                 policy: credit.Policy, lg: dict[str, Any] | None = None) -> np.ndarray:
    if champion == "scorecard":
        return pd_from_points(scorecard_points(sc, df).sum(axis=1).to_numpy(), policy)
    if champion in LOGISTIC_MODELS and lg is not None:
        return logistic.predict_pd(lg, df)
    return gbm.predict_proba(df[list(FEATURES)])[:, 1]


def _champion_scores(champion: str, sc: dict[str, Any], gbm: Any, df: pd.DataFrame,
                     policy: credit.Policy, lg: dict[str, Any] | None = None) -> np.ndarray:
    if champion == "scorecard":
        return scorecard_points(sc, df).sum(axis=1).to_numpy(float)
    p = np.clip(_champion_pd(champion, sc, gbm, df, policy, lg), 1e-9, 1 - 1e-9)
    return np.round(policy.offset + policy.factor * np.log((1 - p) / p))


def predict(df: pd.DataFrame, policy: credit.Policy | None = None) -> pd.DataFrame:
    """PD, score (points), grade for rows that carry a request; from the shipped champion."""
    card, model = load_champion()
    policy = policy or credit.load_policy()
    sc = card["scorecard"]
    out = pd.DataFrame(index=df.index)
    lg = card.get(card["champion"]) if card["champion"] in LOGISTIC_MODELS else None
    out["score"] = _champion_scores(card["champion"], sc, model["gbm"], df, policy, lg)
    out["pd"] = _champion_pd(card["champion"], sc, model["gbm"], df, policy, lg)
    out["grade"] = [credit.grade(s, policy) for s in out["score"]]
    return out


def model_version() -> str:
    """Champion and training time of the shipped model, as stored with each score and application."""
    card, _ = load_champion()
    return f"sif-{card['champion']}-{card['trained_at']}"[:40]


def score(engine: Engine, log: Log = print, scope: Scope | None = None) -> int:
    """PD of every SIF-eligible facility for the reference request, as of the latest month -> model_scores.

    Audited as ``score_run`` (model, rows, month, version) under ``scope`` (default: the system scope), in
    the transaction that writes the scores."""
    policy = credit.load_policy(engine)
    df = facility_features(engine, Scope.system(), policy=policy)
    if df.empty:
        log("sif: no eligible facilities to score")
        audit(engine, scope or Scope.system(), "score_run", {"model": MODEL_NAME, "rows": 0})
        return 0
    df = reference_request(df, policy)
    pred = predict(df, policy)
    version, now = model_version(), dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [{"model": MODEL_NAME, "entity_id": c, "period": int(p), "score": float(s), "model_version": version,
             "scored_at": now} for c, p, s in zip(df["facility_code"], df["as_of"], pred["pd"], strict=True)]
    t = ModelScore.__table__
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.model == MODEL_NAME))
        for i in range(0, len(rows), 5000):
            conn.execute(insert(t), rows[i:i + 5000])
        audit(conn, scope or Scope.system(), "score_run", {"model": MODEL_NAME, "rows": len(rows),
                                                           "period": int(df["as_of"].iloc[0]), "version": version})
    log(f"sif: scored {len(rows)} facilities as of {int(df['as_of'].iloc[0])} with {version}")
    return len(rows)


def card() -> dict[str, Any] | None:
    """The model card of the shipped SIF model (None when there is none)."""
    return modeling.read_card(MODEL_NAME)


def card_json() -> str:
    """The model card as indented JSON."""
    return json.dumps(card(), indent=2, default=str)
