"""The generator's month index (months since January 2014, when JKN started) and dates built from it.

The index is :mod:`jkn_core.months`'s month index shifted so that January 2014 is 0; nothing else of the
dashboard uses it (the rest of the code works on YYYYMM periods).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def dates_iso(idx: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Month index + day -> ISO date strings."""
    y = START_YEAR + idx // 12
    m = idx % 12 + 1
    return pd.Series(y).astype(str).str.cat(
        [pd.Series(m).map("{:02d}".format), pd.Series(day).map("{:02d}".format)], sep="-"
    ).to_numpy()
