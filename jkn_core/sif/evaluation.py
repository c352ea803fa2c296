"""How the SIF model is measured: which loans carry a label, and a rolling time-aware backtest.

* **Labelled loans**: the label is a default within a loan's first :data:`LABEL_MONTHS` months, so only
  loans whose first 12 months lie inside the data (started at least 11 months before the latest month)
  are used to train and to measure; younger loans are in the book but have no outcome yet.
* **Rolling origin**: the latest start months holding about :data:`TEST_SHARE` of the labelled loans are
  cut into :data:`N_FOLDS` consecutive blocks of months; each block is predicted by a model trained on
  every loan that started before the block. The out-of-time predictions of all blocks are pooled, so the
  measured ROC AUC and oracle gap rest on about half of the book instead of one short window, and each
  block's own gap is kept to show the spread.
* **Interval**: a paired bootstrap over the pooled loans, resampled within each block
  (:func:`gap_interval`).
* **Expected gap**: the same gap expected over redraws of the test loans' outcomes from their true
  probabilities (:func:`expected_gap`; the demo knows them), i.e. without the test window's outcome noise.

No database access here: :func:`jkn_core.sif.model.train` passes the frames.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from jkn_core import months

#: A loan's label is a default in its first this many months.
LABEL_MONTHS = 12
#: Consecutive blocks of start months predicted out of time.
N_FOLDS = 4
#: About this share of the labelled loans (the latest start months) is predicted out of time.
TEST_SHARE = 0.5
#: The first block needs at least this many labelled loans before it to train on.
MIN_TRAIN = 200


def labelled(as_of: pd.Series, latest_period: int) -> np.ndarray:
    """True for loans whose first :data:`LABEL_MONTHS` months are all inside the data."""
    start = months.index(as_of.astype(int).to_numpy())
    return start + LABEL_MONTHS - 1 <= months.index(int(latest_period))


def time_folds(as_of: pd.Series, n_folds: int = N_FOLDS, test_share: float = TEST_SHARE) -> list[tuple[int, int]]:
    """``(first, last)`` start month of each out-of-time block, oldest first.

    The latest start months holding about ``test_share`` of the loans are cut into ``n_folds`` blocks of
    whole months with about equal numbers of loans; at least :data:`MIN_TRAIN` loans (or half the loans)
    precede the first block. Raises ``ValueError`` with fewer than two start months."""
    counts = as_of.astype(int).value_counts().sort_index()
    if len(counts) < 2:
        raise ValueError("the loan history needs at least two start months for a time-ordered split")
    total = int(counts.sum())
    cum_before = counts.cumsum() - counts  # loans started before each month
    min_train = min(MIN_TRAIN, total // 2)
    test_months = counts[(cum_before >= total * (1 - test_share)) & (cum_before >= min_train)]
    if test_months.empty:
        test_months = counts.iloc[-1:]
    n = max(1, min(n_folds, len(test_months)))
    share = test_months.cumsum() / test_months.sum()
    block = np.minimum((np.ceil(share.to_numpy() * n - 1e-9) - 1).astype(int), n - 1).clip(min=0)
    folds = []
    for b in sorted(set(block)):
        ms = test_months.index[block == b]
        folds.append((int(ms.min()), int(ms.max())))
    return folds


def backtest(df: pd.DataFrame, folds: list[tuple[int, int]],
             fit_predict: Callable[[pd.DataFrame, pd.DataFrame], dict[str, np.ndarray]]
             ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Out-of-time predictions per model: each block predicted by ``fit_predict(train, test)`` trained on the
    loans started before the block (a block with fewer than two defaults or repaid loans before it is
    skipped). Returns the block number of each row (-1: never predicted) and, per model name, the pooled
    predictions (NaN outside the blocks)."""
    block = np.full(len(df), -1)
    preds: dict[str, np.ndarray] = {}
    as_of = df["as_of"].astype(int).to_numpy()
    for b, (lo, hi) in enumerate(folds):
        train_rows, test_rows = as_of < lo, (as_of >= lo) & (as_of <= hi)
        y_train = df.loc[train_rows, "defaulted"].to_numpy()
        if min(int(y_train.sum()), int(len(y_train) - y_train.sum())) < 2:
            continue  # too few defaults (or repaid loans) before this block to train on: not predicted
        out = fit_predict(df[train_rows].reset_index(drop=True), df[test_rows].reset_index(drop=True))
        for name, p in out.items():
            preds.setdefault(name, np.full(len(df), np.nan))[test_rows] = p
        block[test_rows] = b
    return block, preds


def gap_interval(y: np.ndarray, p: np.ndarray, truth: np.ndarray, block: np.ndarray, n_boot: int = 500,
                 level: float = 0.95, seed: int = 20241231) -> dict[str, float] | None:
    """Paired bootstrap of (oracle ROC AUC - model ROC AUC) over the pooled out-of-time loans, resampled
    within each block (both AUCs on the same resample); None without both outcomes or without truth."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y).astype(int)
    p, truth = np.asarray(p, float), np.asarray(truth, float)
    if len(set(y)) < 2 or np.isnan(truth).any():
        return None
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(block == b) for b in np.unique(block)]
    gaps = []
    for _ in range(n_boot):
        i = np.concatenate([g[rng.integers(0, len(g), len(g))] for g in groups])
        if y[i].min() == y[i].max():
            continue
        gaps.append(roc_auc_score(y[i], truth[i]) - roc_auc_score(y[i], p[i]))
    lo, hi = np.quantile(gaps, [(1 - level) / 2, (1 + level) / 2])
    return {"gap": float(roc_auc_score(y, truth) - roc_auc_score(y, p)), "low": float(lo), "high": float(hi),
            "level": level, "n_boot": len(gaps), "method": "paired bootstrap within out-of-time blocks"}


def expected_auc(p_true: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC of ``score`` expected over redraws of the outcomes from their true probabilities ``p_true``:
    the share of (default, repaid) pairs ranked right, each pair weighted by ``p_i (1 - p_j)``; tied scores
    count half. No outcome is drawn, so it carries none of the noise of one draw of the outcomes."""
    p_true, score = np.asarray(p_true, float), np.asarray(score, float)
    order = np.argsort(score, kind="mergesort")
    s, p = score[order], p_true[order]
    neg = 1 - p
    # repaid weight strictly below each score, and half of the weight at the same score (ties)
    uniq, first, counts = np.unique(s, return_index=True, return_counts=True)
    below = np.concatenate([[0.0], np.cumsum(neg)])[first]
    same = np.add.reduceat(neg, first)
    grp = np.repeat(np.arange(len(uniq)), counts)
    num = float(np.sum(p * (below[grp] + 0.5 * (same[grp] - neg))))
    den = float(p.sum() * neg.sum() - np.sum(p * neg))
    return num / den if den > 0 else float("nan")


def expected_gap(p: np.ndarray, truth: np.ndarray) -> float | None:
    """Oracle ROC AUC minus the model's, both expected over redraws of the outcomes of the same out-of-time
    loans from ``truth`` (:func:`expected_auc`): the gap without the noise of the test window's one draw of
    outcomes (what is left is the model's own: the outcomes it was trained on). None without truth."""
    truth = np.asarray(truth, float)
    if len(truth) == 0 or np.isnan(truth).any():
        return None
    return expected_auc(truth, truth) - expected_auc(truth, p)


def fold_table(y: np.ndarray, p: np.ndarray, truth: np.ndarray | None, block: np.ndarray,
               folds: list[tuple[int, int]], as_of: np.ndarray) -> list[dict[str, float | int | None]]:
    """Per block: start months, loans, defaults, loans trained on, ROC AUC, oracle ROC AUC, gap."""
    from sklearn.metrics import roc_auc_score

    rows = []
    for b, (lo, hi) in enumerate(folds):
        m = block == b
        yb = y[m]
        auc = float(roc_auc_score(yb, p[m])) if len(set(yb)) > 1 else None
        oracle = float(roc_auc_score(yb, truth[m])) if truth is not None and len(set(yb)) > 1 else None
        rows.append({"from": lo, "to": hi, "n": int(m.sum()), "defaults": int(yb.sum()),
                     "n_train": int((as_of < lo).sum()), "roc_auc": auc, "oracle_roc_auc": oracle,
                     "gap": None if auc is None or oracle is None else oracle - auc})
    return rows
