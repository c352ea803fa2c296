"""Small numeric helpers of the generator: the logistic function, integer splits, iterative proportional fitting."""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function: log-odds -> probability."""
    return 1.0 / (1.0 + np.exp(-x))


def split_int(total: int, n: int) -> np.ndarray:
    """``total`` split into ``n`` integers that differ by at most one (the larger ones first)."""
    q, r = divmod(int(total), n)
    out = np.full(n, q, dtype=np.int64)
    out[:r] += 1
    return out


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """``total`` apportioned to ``weights`` in integers (largest-remainder method)."""
    raw = weights / weights.sum() * total
    base = np.floor(raw).astype(int)
    short = total - base.sum()
    if short > 0:
        base[np.argsort(-(raw - base))[:short]] += 1
    return base


def ipf(row_totals: np.ndarray, col_totals: np.ndarray, seed: np.ndarray, iters: int = 50) -> np.ndarray:
    """Iterative proportional fitting of ``seed`` to the row totals and (rescaled) column totals."""
    m = seed.astype(float).copy()
    col_totals = col_totals / col_totals.sum() * row_totals.sum()
    for _ in range(iters):
        m *= (row_totals / m.sum(axis=1))[:, None]
        m *= col_totals / m.sum(axis=0)
    return m
