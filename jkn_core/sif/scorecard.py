"""SIF scorecard: band edges and a points table (plain data, as stored in the card), points and reasons of
a request, and fitting the table (OptBinning's optimal monotonic bands, then a logistic regression).

Scoring reads only the plain-data card (``bins`` + ``points`` + ``coef``/``intercept``) with numpy/pandas:
no OptBinning object is ever stored or loaded. Training, the champion choice and loading live in ``model``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from jkn_core import rules
from jkn_core.sif import policy as credit
from jkn_core.sif.features import CATEGORICAL, FEATURES, NUMERIC

Log = Callable[[str], None]

#: Band edges every fitted scorecard keeps (policy and domain steps), whatever the optimiser finds.
FORCED_EDGES: dict[str, tuple[float, ...]] = {
    "participants_per_doctor": (float(rules.PARTICIPANTS_PER_DOCTOR_NORM),),  # the 1 : 5,000 norm
    "tenor_beyond_contract": (0.5,),  # the last instalment after the contract end, or not
    # KBK payment steps above the lowest (92.5, 95, 100 %, Peraturan BPJS 7/2019)
    "kbk_pct": tuple(sorted(v for v in rules.KBK_PAYMENT.values() if v > min(rules.KBK_PAYMENT.values()))),
}
#: OptBinning's pre-binning (CART) before the optimal merge: at most this many pre-bins of at least this share.
MAX_N_PREBINS = 20
MIN_PREBIN_SIZE = 0.02
#: The shape of event rate over the bands OptBinning may choose per attribute (monotonic, peak or valley).
MONOTONIC_TREND = "auto"
#: Logistic regression on the band indicators (L2).
LOGISTIC_C = 0.5
N_REASONS = 4
N_FOLDS = 5


class Binner:
    """Turns feature frames into one-hot bin indicators, from a plain-data spec (stored in the card).

    A numeric band is ``(low, high]``; a value equal to an edge falls in the band below it."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec  # {"numeric": {f: {"edges": [...], "fill": x}}, "categorical": {f: [levels]}}

    def columns(self) -> list[tuple[str, str, float | None, float | None]]:
        """(feature, bin label, low, high) per indicator column, in design-matrix order."""
        cols: list[tuple[str, str, float | None, float | None]] = []
        for f in CATEGORICAL:
            cols += [(f, lvl, None, None) for lvl in self.spec["categorical"][f]]
        for f in NUMERIC:
            e = self.spec["numeric"][f]["edges"]
            bounds = [-math.inf, *e, math.inf]
            for i in range(len(bounds) - 1):
                cols.append((f, _bin_label(bounds[i], bounds[i + 1]), bounds[i], bounds[i + 1]))
        return cols

    def bin_index(self, df: pd.DataFrame, f: str) -> np.ndarray:
        """Band number of numeric attribute ``f`` per row (missing values take the stored fill)."""
        x = pd.to_numeric(df[f], errors="coerce").fillna(self.spec["numeric"][f]["fill"]).to_numpy(float)
        return np.searchsorted(np.asarray(self.spec["numeric"][f]["edges"], float), x, side="left")

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """The one-hot design matrix (columns as in :meth:`columns`)."""
        blocks = []
        for f in CATEGORICAL:
            levels = self.spec["categorical"][f]
            v = df[f].astype(str).to_numpy()
            blocks.append(np.stack([(v == lvl) for lvl in levels], axis=1).astype(float) if levels
                          else np.zeros((len(df), 0)))
        for f in NUMERIC:
            k = len(self.spec["numeric"][f]["edges"]) + 1
            idx = self.bin_index(df, f)
            blocks.append(np.eye(k)[idx])
        return np.hstack(blocks)


def _bin_label(lo: float, hi: float) -> str:
    def fmt(v: float) -> str:
        return f"{v:,.4g}"
    if lo == -math.inf:
        return f"<= {fmt(hi)}"
    if hi == math.inf:
        return f"> {fmt(lo)}"
    return f"({fmt(lo)}, {fmt(hi)}]"


def points_table(binner: Binner, coef: np.ndarray, intercept: float, policy: credit.Policy) -> list[dict]:
    """Points per attribute band: -factor * beta + (offset - factor * intercept) / n_features, rounded.

    ``coef``/``intercept`` are the (calibrated) log-odds of default; the sum of a facility's points is
    its score = offset + factor * ln(good : bad odds)."""
    share = (policy.offset - policy.factor * intercept) / len(FEATURES)
    rows = []
    for (f, label, lo, hi), beta in zip(binner.columns(), coef, strict=True):
        exact = -policy.factor * beta + share
        rows.append({"feature": f, "bin": label, "low": lo, "high": hi, "points": int(round(exact)),
                     "points_exact": float(exact)})
    for f in CATEGORICAL:  # unseen categories: coefficient 0
        rows.append({"feature": f, "bin": "(other)", "low": None, "high": None, "points": int(round(share)),
                     "points_exact": float(share)})
    return rows


def scorecard_points(card_scorecard: dict[str, Any], df: pd.DataFrame) -> pd.DataFrame:
    """Points per feature (columns = features) for each row, from the stored points table."""
    binner = Binner(card_scorecard["bins"])
    table = pd.DataFrame(card_scorecard["points"])
    out = {}
    for f in CATEGORICAL:
        sub = table[table["feature"] == f].set_index("bin")["points"]
        other = sub.get("(other)", 0)
        out[f] = df[f].astype(str).map(sub).fillna(other).astype(int).to_numpy()
    for f in NUMERIC:
        sub = table[table["feature"] == f]["points"].to_numpy()
        out[f] = sub[binner.bin_index(df, f)]
    return pd.DataFrame(out, index=df.index)


def scorecard_logit(sc: dict[str, Any], df: pd.DataFrame) -> np.ndarray:
    """Exact (unrounded) calibrated log-odds of default of the scorecard."""
    return Binner(sc["bins"]).transform(df) @ np.asarray(sc["coef"]) + sc["intercept"]


def pd_from_points(total: np.ndarray, policy: credit.Policy) -> np.ndarray:
    """PD of score totals (vectorised :func:`jkn_core.sif.policy.pd_from_score`)."""
    return 1.0 / (1.0 + np.exp((np.asarray(total, float) - policy.offset) / policy.factor))


def reasons(card_scorecard: dict[str, Any], points_row: pd.Series, df_row: pd.Series,
            n: int = N_REASONS) -> list[dict[str, Any]]:
    """The attributes that lowered the score most: points below the best band of the same attribute."""
    table = pd.DataFrame(card_scorecard["points"])
    best = table.groupby("feature")["points"].max()
    out = []
    for f in FEATURES:
        lost = int(best[f] - points_row[f])
        if lost > 0:
            out.append({"feature": f, "value": _plain(df_row.get(f)), "points": int(points_row[f]),
                        "points_lost": lost})
    return sorted(out, key=lambda r: -r["points_lost"])[:n]


def _plain(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


# --- fitting ------------------------------------------------------------------------------------------
def _optimal_binning(x: np.ndarray, y: np.ndarray, feature: str, trend: str, **kwargs: Any) -> Any:
    from optbinning import OptimalBinning

    return OptimalBinning(name=feature, dtype="numerical", monotonic_trend=trend, max_n_prebins=MAX_N_PREBINS,
                          min_prebin_size=MIN_PREBIN_SIZE, **kwargs).fit(x, y)


def optimal_edges(x: np.ndarray, y: np.ndarray, feature: str, trend: str = MONOTONIC_TREND) -> list[float]:
    """OptBinning's optimal band edges of one numeric attribute (no missing values), keeping its forced edges.

    OptBinning's bands are ``[low, high)``, the card's ``(low, high]``: a forced edge ``e`` goes to OptBinning
    as the next float above ``e`` so that both put ``x == e`` in the band below (its own edges lie between
    two data values, where the two conventions agree)."""
    optb = _optimal_binning(x, y, feature, trend)
    nudged = {float(np.nextafter(e, math.inf)): e for e in FORCED_EDGES.get(feature, ()) if x.min() < e < x.max()}
    if not nudged:
        return [float(s) for s in optb.splits]
    for splits in (sorted({float(s) for s in optb.splits} | set(nudged)), sorted(nudged)):
        try:  # the optimum's splits plus the forced edges, only the forced ones fixed; OptBinning refuses a
            # fixed split next to a pure pre-bin: then the forced edges alone
            fixed = _optimal_binning(x, y, feature, trend, user_splits=splits,
                                     user_splits_fixed=[s in nudged for s in splits])
            return [nudged.get(float(s), float(s)) for s in fixed.splits]
        except ValueError:
            continue
    return sorted({float(s) for s in optb.splits} | set(nudged.values()))


def fit_scorecard(train: pd.DataFrame, policy: credit.Policy, log: Log, random_state: int = 0) -> dict[str, Any]:
    """Fit the scorecard on the training loans and return it as plain data (``bins``, ``coef``, ``intercept``,
    ``points``).

    Numeric attributes are cut into OptBinning's optimal bands (CART pre-bins merged so that the default rate
    is monotonic, or has one peak or valley, across bands; :data:`FORCED_EDGES` kept), categorical ones keep
    one band per level. A logistic regression on the band indicators (L2, C = :data:`LOGISTIC_C`), calibrated
    by Platt scaling of 5-fold out-of-fold log-odds folded into the coefficients, gives the log-odds that
    :func:`points_table` scales to points (PDO scaling)."""
    import warnings

    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    y = train["defaulted"].to_numpy()
    spec: dict[str, Any] = {"numeric": {}, "categorical": {}}
    for f in NUMERIC:
        x = pd.to_numeric(train[f], errors="coerce")
        fill = float(np.nanmedian(x))
        with warnings.catch_warnings():  # OptBinning's own pandas deprecation warnings
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            edges = optimal_edges(x.fillna(fill).to_numpy(float), y, f)
        spec["numeric"][f] = {"edges": edges or [fill], "fill": fill}
    for f in CATEGORICAL:
        spec["categorical"][f] = sorted(train[f].dropna().astype(str).unique().tolist())
    binner = Binner(spec)
    X = binner.transform(train)
    lr = LogisticRegression(C=LOGISTIC_C, max_iter=2000)
    # fewer folds than defaults (a small book): every fold must hold a default
    cv = StratifiedKFold(max(2, min(N_FOLDS, int(y.sum()), int(len(y) - y.sum()))), shuffle=True,
                         random_state=random_state)
    oof = cross_val_predict(lr, X, y, cv=cv, method="decision_function")
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(oof.reshape(-1, 1), y)
    a, b = float(platt.intercept_[0]), float(platt.coef_[0, 0])
    lr.fit(X, y)
    coef = b * lr.coef_[0]
    intercept = a + b * float(lr.intercept_[0])
    log(f"scorecard: {X.shape[1]} attribute bands (OptBinning), Platt a={a:.3f} b={b:.3f}")
    return {"bins": spec, "coef": coef.tolist(), "intercept": intercept,
            "points": points_table(binner, coef, intercept, policy)}
