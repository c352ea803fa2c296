"""YYYYMM month arithmetic, defined once: month index, shift, first/last day, the month of a date.

A period is an ``int`` YYYYMM (202412 = December 2024). The index is the number of months since
January of year 0, so that differences of indices are month counts. Every function works on plain
ints and, where it says so, on numpy arrays and pandas Series (element-wise).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import case


def index(period: Any) -> Any:
    """YYYYMM -> months since January of year 0 (ints, numpy arrays, pandas Series)."""
    return (period // 100) * 12 + period % 100 - 1


def index_int(period: int | np.ndarray) -> int | np.ndarray:
    """:func:`index` that returns a plain ``int`` for a scalar and an array for an array."""
    out = index(np.asarray(period))
    return int(out) if np.ndim(out) == 0 else out


def from_index(i: Any) -> Any:
    """Month index -> YYYYMM (ints, numpy arrays, pandas Series)."""
    return (i // 12) * 100 + i % 12 + 1


def shift(period: int, months: int) -> int:
    """The period ``months`` later (negative: earlier)."""
    return int(from_index(index(int(period)) + months))


def next_period(period: int) -> int:
    return shift(period, 1)


def of_date(d: dt.date) -> int:
    """The YYYYMM of a date."""
    return d.year * 100 + d.month


def first_day(period: int) -> dt.date:
    return dt.date(period // 100, period % 100, 1)


def last_day(period: int) -> dt.date:
    return first_day(next_period(period)) - dt.timedelta(days=1)


def year(period: Any) -> Any:
    return period // 100


def months_before_sql(period: Any, n: int) -> Any:
    """SQL expression: the YYYYMM ``n`` months (1–11) before the column or value ``period``."""
    return case((period % 100 > n, period - n), else_=period - 100 + 12 - n)
