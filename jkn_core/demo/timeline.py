"""The generator's month index (months since January 2014, when JKN started) and dates built from it.

The index is :mod:`jkn_core.months`'s month index shifted so that January 2014 is 0; nothing else of the
dashboard uses it (the rest of the code works on YYYYMM periods).
"""

from __future__ import annotations

import numpy as np

from jkn_core import months

START_YEAR = 2014  # JKN started on 1 January 2014
#: :func:`jkn_core.months.index` of January of ``START_YEAR``.
MONTH_ZERO = months.index(START_YEAR * 100 + 1)


def period_of(index: np.ndarray | int) -> np.ndarray | int:
    """Month index since Jan 2014 -> YYYYMM."""
    out = months.from_index(np.asarray(index) + MONTH_ZERO)
    return int(out) if np.ndim(out) == 0 else out


def index_of(period: int) -> int:
    """YYYYMM -> month index since Jan 2014."""
    return months.index(period) - MONTH_ZERO


def padded(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers as zero-padded strings (``f"{v:0{width}d}"``), an object array of ``str``; each
    distinct value is formatted once (``Series.map(format)`` of 287,000 participants took seconds)."""
    v = np.asarray(values).astype(np.int64)
    if not v.size:
        return np.empty(v.shape, dtype=object)
    uniq, inv = np.unique(v, return_inverse=True)
    return np.array([f"{u:0{width}d}" for u in uniq.tolist()], dtype=object)[inv.reshape(v.shape)]


def dates_iso(idx: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Month index + day -> ISO date strings, an object array of ``str``. Each distinct date is written once (a
    per-value format of the 1.7 million ledger dates took seconds)."""
    idx, day = np.broadcast_arrays(np.asarray(idx).astype(np.int64), np.asarray(day).astype(np.int64))
    if not idx.size:
        return np.empty(idx.shape, dtype=object)
    if day.min() < 0 or day.max() > 99:
        raise ValueError("a day of the month is 1..31")
    uniq, inv = np.unique(idx * 100 + day, return_inverse=True)
    text = [f"{START_YEAR + k // 100 // 12}-{k // 100 % 12 + 1:02d}-{k % 100:02d}" for k in uniq.tolist()]
    return np.array(text, dtype=object)[inv.reshape(idx.shape)]
