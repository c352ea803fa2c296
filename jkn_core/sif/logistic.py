"""The SIF model's regularised logistic challenger, stored as plain numbers (no pickled object).

A logistic regression on every model input (:data:`jkn_core.sif.features.FEATURES`), or on the compact set
:data:`COMPACT` (the ``logistic_compact`` challenger): numeric inputs that are
counts, amounts or rates on a multiplicative scale (:data:`LOG_FEATURES`) enter as their logarithm; every
numeric input is cut at its 1st and 99th percentile of the training loans, missing values take the training
median, and it is standardised; a categorical input gets one indicator per level seen in training (the first
level is the reference). The penalty (L2, ``C``) is chosen among :data:`C_GRID` on the training loans alone:
fit on their earlier start months, scored by log-loss on their latest :data:`INNER_SHARE` (out of time, like
the model will be used). With a few hundred defaults a model with one coefficient per input and a penalty
ranks loans steadier than trees or dozens of bands (issue 16 item 6; measured in docs/sif.md).

:func:`fit` returns a JSON-ready dict (kept in the card as ``logistic`` / ``logistic_compact``);
:func:`predict_pd` scores from it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from jkn_core.sif.features import CATEGORICAL, NUMERIC

#: Numeric inputs on a multiplicative scale: they enter the model as their logarithm.
LOG_FEATURES = ("registered", "capitation_rate", "capitation_income", "contact_rate_pm", "rrns_pct", "rppt_pct",
                "participants_per_doctor", "amount", "tenor_months")
#: Inverse L2 penalties tried (on standardised inputs).
C_GRID = (0.03, 0.1, 0.3, 1.0)
#: Share of the training loans (latest start months) that scores each penalty.
INNER_SHARE = 1 / 3
#: Percentiles of the training loans at which numeric inputs are cut.
CLIP = (0.01, 0.99)
#: The compact challenger's inputs: one attribute per risk driver a credit analyst names - facility type and
#: accreditation, contract years, size (participants, capitation income), the 6-month participant trend, the
#: four KBK indicators, the instalment's share of capitation and a tenor past the contract. Left out: region
#: and ownership (11 and 3 indicators with a few defaults per level), and inputs the policy bounds or another
#: input already carries (capitation rate, participants per doctor, amount, tenor, the 12-month trend,
#: contract months remaining). With a few hundred defaults every coefficient costs ranking power (issue 16
#: item 6, measured in docs/sif.md); the champion rule still chooses between the two on loans before the test
#: window.
COMPACT = ("type", "accreditation", "years_contracted", "registered", "registered_trend_6m", "capitation_income",
           "contact_rate_pm", "rrns_pct", "rppt_pct", "kbk_pct", "instalment_share", "tenor_beyond_contract")


def _raw(df: pd.DataFrame, col: str) -> np.ndarray:
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
    return np.log(np.clip(v, 1e-3, None)) if col in LOG_FEATURES else v


def _prep(df: pd.DataFrame, columns: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Transformation of each input (all of them, or ``columns``), learnt on ``df`` (the training loans)."""
    numeric = {}
    for col in (c for c in NUMERIC if columns is None or c in columns):
        v = _raw(df, col)
        ok = v[~np.isnan(v)]
        lo, hi = (np.quantile(ok, CLIP) if len(ok) else (0.0, 0.0))
        fill = float(np.median(ok)) if len(ok) else 0.0
        x = np.clip(np.where(np.isnan(v), fill, v), lo, hi)
        sd = float(x.std())
        numeric[col] = {"log": col in LOG_FEATURES, "low": float(lo), "high": float(hi), "fill": fill,
                        "mean": float(x.mean()), "sd": sd if sd > 0 else 1.0}
    categorical = {col: sorted(df[col].astype(str).unique().tolist())[1:] for col in CATEGORICAL
                   if columns is None or col in columns}
    return {"numeric": numeric, "categorical": categorical}


def _design(prep: dict[str, Any], df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    cols, names = [], []
    for col, p in prep["numeric"].items():
        v = _raw(df, col)
        x = np.clip(np.where(np.isnan(v), p["fill"], v), p["low"], p["high"])
        cols.append((x - p["mean"]) / p["sd"])
        names.append(col)
    for col, levels in prep["categorical"].items():
        s = df[col].astype(str).to_numpy()
        for lev in levels:
            cols.append((s == lev).astype(float))
            names.append(f"{col}={lev}")
    return np.column_stack(cols), names


def _fit_lr(x: np.ndarray, y: np.ndarray, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000).fit(x, y)


def choose_c(df: pd.DataFrame, columns: tuple[str, ...] | None = None) -> float:
    """The penalty of :data:`C_GRID` with the lowest log-loss on the latest start months of ``df``, fitted on
    the earlier ones (the middle of the grid when the split leaves no defaults on a side)."""
    from sklearn.metrics import log_loss

    as_of = df["as_of"].astype(int).to_numpy()
    cut = np.quantile(as_of, 1 - INNER_SHARE)
    early, late = as_of < cut, as_of >= cut
    y = df["defaulted"].to_numpy().astype(int)
    if min(y[early].sum(), (1 - y[early]).sum(), y[late].sum(), (1 - y[late]).sum()) < 2:
        return C_GRID[len(C_GRID) // 2]
    tr, te = df[early].reset_index(drop=True), df[late].reset_index(drop=True)
    prep = _prep(tr, columns)
    x_tr, _ = _design(prep, tr)
    x_te, _ = _design(prep, te)
    losses = [log_loss(y[late], _fit_lr(x_tr, y[early], c).predict_proba(x_te)[:, 1], labels=[0, 1])
              for c in C_GRID]
    return float(C_GRID[int(np.argmin(losses))])


def fit(df: pd.DataFrame, columns: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Fit on the labelled loans ``df`` (column ``defaulted``), on every input or on ``columns`` only (e.g.
    :data:`COMPACT`); a JSON-ready model."""
    c = choose_c(df, columns)
    prep = _prep(df, columns)
    x, names = _design(prep, df)
    lr = _fit_lr(x, df["defaulted"].to_numpy().astype(int), c)
    return {**prep, "columns": names, "coef": [float(b) for b in lr.coef_[0]],
            "intercept": float(lr.intercept_[0]), "C": c,
            "inputs": "all" if columns is None else list(columns),
            "method": "L2 logistic regression; log of multiplicative inputs, cut at the 1st/99th percentile, "
                      "standardised; C chosen by log-loss on the latest third of the training start months"}


def predict_pd(model: dict[str, Any], df: pd.DataFrame) -> np.ndarray:
    """PD of each row of ``df`` from a model of :func:`fit`."""
    x, names = _design(model, df)
    if names != model["columns"]:
        raise ValueError("the logistic model's inputs do not match the feature rows")
    z = x @ np.asarray(model["coef"], float) + float(model["intercept"])
    return 1 / (1 + np.exp(-z))
