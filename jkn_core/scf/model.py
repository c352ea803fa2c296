"""SCF model lifecycle: train a logistic model (champion by default) and a gradient-boosted challenger on the
SCF line history, evaluate out of time against the oracle, save safely, predict, score.

**Rows**: every month ``t`` an SCF line is open and not in default, with 6 months of claims before it
(features as of ``t``, :mod:`jkn_core.scf.features`). **Label**: the line defaults in the
:data:`HORIZON` months after ``t`` (``scf_lines.defaulted_period``); only months whose horizon is over count.
**Evaluation**: the latest :data:`TEST_MONTHS` labelled months are the held-out test set, the earlier ones
train; the card's ROC AUC, PR AUC, Brier and ECE are on the test rows, and ``oracle_roc_auc`` is the AUC of
the generator's true probability (``truth_hospital``, read only here) on the same rows. **Champion**: the
challenger replaces the logistic model only when its held-out ROC AUC is higher by more than
:data:`CHAMPION_MARGIN`. The champion is then refitted on every labelled row and saved with skops
(:func:`jkn_core.modeling.load_model` loads it with trusted types only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, insert, select

from jkn_core import modeling, months
from jkn_core.audit import audit
from jkn_core.scf.features import (
    FEATURES,
    claims_frame,
    hospital_features,
    latest_period,
    matrix,
    matrix_columns,
)
from jkn_core.schema import ModelScore
from jkn_core.schema_claims import ScfLine, TruthHospital
from jkn_core.scope import Scope

Log = Callable[[str], None]

MODEL_NAME = "scf"
HORIZON = 6
TEST_MONTHS = 5
CHAMPION_MARGIN = 0.005
MIN_DEFAULTS = 10
RANDOM_STATE = 20241231


class TrainingError(ValueError):
    """Too little history to train (one sentence for the command line)."""


def _logit() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()), ("logit", LogisticRegression(C=1.0, max_iter=2000))])


def _gbm() -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier

    return CalibratedClassifierCV(HistGradientBoostingClassifier(max_depth=3, learning_rate=0.08, max_iter=120,
                                                                 random_state=RANDOM_STATE),
                                  method="isotonic", cv=3)


CANDIDATES: dict[str, Callable[[], Any]] = {"logit": _logit, "gbm": _gbm}


def _add(period: pd.Series | np.ndarray, k: int) -> np.ndarray:
    p = np.asarray(period, dtype=np.int64)
    return np.asarray(months.from_index(np.asarray(months.index(p)) + k), dtype=np.int64)


def labelled_rows(engine: Engine) -> tuple[pd.DataFrame, int]:
    """Line-months with features and label (``y``), and the last month of data."""
    end = latest_period(engine)
    if end is None:
        raise TrainingError("no claims in the database: build the demo or import claims first")
    feats = hospital_features(claims_frame(engine, Scope.system()))
    with engine.connect() as conn:
        lines = pd.DataFrame(conn.execute(select(ScfLine.facility_code, ScfLine.opened_period,
                                                 ScfLine.defaulted_period)).mappings().all(),
                             columns=["facility_code", "opened_period", "defaulted_period"])
    df = feats.merge(lines, on="facility_code")
    dp = pd.to_numeric(df["defaulted_period"], errors="coerce")
    open_ = (df["as_of"] >= df["opened_period"]) & (dp.isna() | (dp > df["as_of"]))
    horizon_end = _add(df["as_of"], HORIZON)
    done = horizon_end <= end
    df = df[open_ & done].copy()
    dp = pd.to_numeric(df["defaulted_period"], errors="coerce")
    df["y"] = (dp.notna() & (dp <= _add(df["as_of"], HORIZON))).astype(int)
    return df.reset_index(drop=True), end


def _truth(engine: Engine, rows: pd.DataFrame) -> np.ndarray:
    with engine.connect() as conn:
        tr = pd.DataFrame(conn.execute(select(TruthHospital.facility_code, TruthHospital.period,
                                              TruthHospital.p_default)).mappings().all(),
                          columns=["facility_code", "period", "p_default"])
    m = rows[["facility_code", "as_of"]].merge(tr, left_on=["facility_code", "as_of"],
                                               right_on=["facility_code", "period"], how="left")
    return m["p_default"].to_numpy(float)


def train(engine: Engine, log: Log = print, scope: Scope | None = None) -> dict[str, Any]:
    """Fit, evaluate, choose the champion, save ``models/scf`` (or ``JKN_MODELS_DIR``); returns the card."""
    rows, end = labelled_rows(engine)
    if rows["y"].sum() < MIN_DEFAULTS or (1 - rows["y"]).sum() < MIN_DEFAULTS:
        raise TrainingError(f"too little SCF history to train: {int(rows['y'].sum())} line defaults with "
                            f"{HORIZON} months of outcome (at least {MIN_DEFAULTS} needed)")
    periods = np.sort(rows["as_of"].unique())
    test_from = periods[-TEST_MONTHS] if len(periods) > TEST_MONTHS else periods[-1]
    is_test = (rows["as_of"] >= test_from).to_numpy()
    train_rows, test_rows = rows[~is_test], rows[is_test]
    if train_rows["y"].nunique() < 2 or test_rows["y"].nunique() < 2:
        raise TrainingError("too little SCF history to train: a time block holds no default")
    x_tr, x_te = matrix(train_rows), matrix(test_rows)
    truth = _truth(engine, test_rows)
    results: dict[str, dict[str, Any]] = {}
    preds: dict[str, np.ndarray] = {}
    for name, make in CANDIDATES.items():
        model = make().fit(x_tr, train_rows["y"].to_numpy())
        preds[name] = model.predict_proba(x_te)[:, 1]
        results[name] = modeling.binary_metrics(test_rows["y"].to_numpy(), preds[name], truth)
        log(f"scf: {name} held-out ROC AUC {results[name]['roc_auc']:.4f} (oracle {results[name]['oracle_roc_auc']:.4f})")
    champion = "gbm" if (results["gbm"]["roc_auc"] or 0) > (results["logit"]["roc_auc"] or 0) + CHAMPION_MARGIN \
        else "logit"
    final = CANDIDATES[champion]().fit(matrix(rows), rows["y"].to_numpy())
    best = results[champion]
    card = {
        "model": MODEL_NAME, "champion": champion, "champion_rule": f"gbm only when its held-out ROC AUC beats "
        f"the logistic model's by more than {CHAMPION_MARGIN}",
        **{k: best[k] for k in ("roc_auc", "oracle_roc_auc", "pr_auc", "brier", "ece", "base_rate")},
        "oracle_gap": (best["oracle_roc_auc"] or 0) - (best["roc_auc"] or 0),
        "oracle_gap_interval": modeling.oracle_gap_interval(test_rows["y"].to_numpy(), preds[champion], truth,
                                                            n_boot=300),
        "challengers": {k: {m: v[m] for m in ("roc_auc", "oracle_roc_auc", "pr_auc", "brier", "ece")}
                        for k, v in results.items()},
        "calibration": modeling.calibration_table(test_rows["y"].to_numpy(), preds[champion]),
        "n_train": len(train_rows), "n_test": len(test_rows), "n_defaults": int(rows["y"].sum()),
        "n_lines": int(rows["facility_code"].nunique()), "horizon_months": HORIZON,
        "test_from": int(test_from), "trained_at": modeling.now_iso(),
        "data_from": int(periods[0]), "data_to": int(end), "features": FEATURES, "inputs": matrix_columns(),
        "model_version": f"scf-{champion}-{dt.datetime.now(dt.UTC):%Y%m%d%H%M}",
    }
    if champion == "logit":
        lr = final.named_steps["logit"]
        sc = final.named_steps["scale"]
        card["coefficients"] = {c: float(b / s) for c, b, s in zip(matrix_columns(), lr.coef_[0], sc.scale_,
                                                                    strict=True)}
    card["versions"] = modeling.versions()
    modeling.save_model(MODEL_NAME, final, card)
    clear_model_cache()
    audit(engine, scope or Scope.system(), "model_trained",
          modeling.training_summary(card, card["model_version"]))
    log(f"scf: champion {champion}, ROC AUC {best['roc_auc']:.4f}, oracle {best['oracle_roc_auc']:.4f}, "
        f"ECE {best['ece']:.4f}")
    return card


@lru_cache(maxsize=2)
def _load(folder: str) -> Any:
    return modeling.load_model(MODEL_NAME)


def load_champion() -> Any:
    """The saved champion (skops, trusted types only)."""
    return _load(str(modeling.model_dir(MODEL_NAME)))


def clear_model_cache() -> None:
    _load.cache_clear()


def model_available() -> bool:
    return (modeling.model_dir(MODEL_NAME) / "model.skops").exists()


def card() -> dict[str, Any] | None:
    return modeling.read_card(MODEL_NAME)


def model_version() -> str | None:
    c = card()
    return c.get("model_version") if c else None


def predict(features: pd.DataFrame) -> np.ndarray:
    """6-month PD of each feature row."""
    if features.empty:
        return np.zeros(0)
    return load_champion().predict_proba(matrix(features))[:, 1]


def score(engine: Engine, log: Log = print, scope: Scope | None = None) -> int:
    """PD of every hospital as of the latest month -> ``model_scores`` (model ``scf``), audited."""
    end = latest_period(engine)
    feats = hospital_features(claims_frame(engine, Scope.system())) if end else pd.DataFrame()
    if not feats.empty:
        feats = feats[feats["as_of"] == end]
    version, now = model_version() or MODEL_NAME, dt.datetime.now(dt.UTC).replace(tzinfo=None)
    pds = predict(feats) if not feats.empty else np.zeros(0)
    rows = [{"model": MODEL_NAME, "entity_id": c, "period": int(end or 0), "score": float(p),
             "model_version": version, "scored_at": now} for c, p in zip(feats.get("facility_code", []), pds,
                                                                         strict=True)]
    t = ModelScore.__table__
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.model == MODEL_NAME))
        for i in range(0, len(rows), 5000):
            conn.execute(insert(t), rows[i:i + 5000])
        audit(conn, scope or Scope.system(), "score_run", {"model": MODEL_NAME, "rows": len(rows),
                                                           "period": int(end or 0), "version": version})
    log(f"scf: scored {len(rows)} hospitals as of {end} with {version}")
    return len(rows)
