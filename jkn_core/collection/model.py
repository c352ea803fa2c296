"""Delinquency-risk model: P(a self-paying family does not pay the bill of the next month).

Target. For label month ``M``: 1 when the bill of ``M`` is not paid within ``M`` (a current payer misses
it, or a family in arrears does not cure). One target for both groups keeps one calibrated number per
family, matches the one-month horizon of a collector's work queue, and is exactly the event whose true
probability the demo generator stores (``truth_family``), so the oracle AUC is comparable.

Features: :mod:`jkn_core.collection.features` (the single definition, leak-free: only data before ``M``).

Split (time-based): label months from the 4th ledger month on; the last ``TEST_MONTHS`` months are the
held-out test set, the ``CALIB_MONTHS`` months before them select the model and calibrate it, the rest
train. Candidates: a logistic baseline (impute, standardise, logistic regression) and a gradient-boosted
model (HistGradientBoostingClassifier), both scikit-learn ``Pipeline``s. The one with the lower log loss
on the calibration months wins and is calibrated there (``CalibratedClassifierCV`` on a
``FrozenEstimator``, isotonic). Metrics are computed on the test months only.

Per-row reasons: for each feature, the change of the model's log-odds when that feature alone is set
to its training median ("occlusion"). For the logistic model this is exactly coefficient × standardised
distance from the median; for the boosted model it is a documented approximation (interactions are
attributed to each feature as if the others stayed fixed). The three largest risk-raising contributions
become plain-word reasons.

Audit: :func:`train` writes ``model_trained`` (model, version, metrics summary) and :func:`score` writes
``score_run`` (model, rows, month, version) under the caller's scope. The per-branch metrics of the card
are read through :func:`branch_metrics`, which keeps a user to their own branch or region plus the
national figure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, delete, func, select

from jkn_core import modeling
from jkn_core.audit import audit
from jkn_core.collection import features
from jkn_core.db import bulk_insert
from jkn_core.schema import Branch, ModelScore, TruthFamily
from jkn_core.scope import Scope

MODEL_NAME = "delinquency"
TEST_MONTHS = 6
CALIB_MONTHS = 3
MIN_HISTORY = 3
DEFAULT_SEED = 20241231
IMPORTANCE_ROWS = 20_000

Log = Callable[[str], None]
Progress = Callable[[float, str], None]


def _noop(_msg: str) -> None:
    """The default ``log``: say nothing."""
    return None


# --- split and candidates -------------------------------------------------------------------------
def split_months(months: list[int]) -> tuple[list[int], list[int], list[int]]:
    """(train, calibration, test) label months; test = the latest months."""
    months = sorted(months)
    n = len(months)
    if n < 6:
        raise ValueError(f"need at least 6 label months to train, the ledger offers {n}")
    n_test = min(TEST_MONTHS, max(1, n // 4))
    n_cal = min(CALIB_MONTHS, max(1, n // 6))
    return months[: n - n_test - n_cal], months[n - n_test - n_cal: n - n_test], months[n - n_test:]


def candidates(seed: int) -> dict[str, Any]:
    """The two unfitted candidate pipelines (logistic baseline, gradient boosting), by name."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "logistic": Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler()),
                              ("model", LogisticRegression(max_iter=2000, C=1.0))]),
        "gradient_boosting": Pipeline([("model", HistGradientBoostingClassifier(
            max_iter=300, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=40, l2_regularization=1.0,
            early_stopping=True, validation_fraction=0.1, n_iter_no_change=15, random_state=seed))]),
    }


def _X(frame: pd.DataFrame) -> pd.DataFrame:
    """The model inputs of a feature frame, in ``FEATURE_NAMES`` order, as floats."""
    return frame[features.FEATURE_NAMES].astype(float)


def has_truth(engine: Engine) -> bool:
    """Whether the database holds the generator's truth (``truth_family``), so the oracle AUC is known."""
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(TruthFamily.__table__)).scalar())


def _segment_metrics(frame: pd.DataFrame, p: np.ndarray, by: str) -> list[dict[str, Any]]:
    """Rows, observed and predicted rate, ROC AUC (and the oracle's) per value of column ``by``."""
    from sklearn.metrics import roc_auc_score

    rows = []
    for key, idx in frame.groupby(by).indices.items():
        y = frame["y"].to_numpy()[idx]
        pp = p[idx]
        row: dict[str, Any] = {by: str(key), "n": int(len(idx)), "observed": float(y.mean()),
                               "predicted": float(pp.mean()),
                               "roc_auc": float(roc_auc_score(y, pp)) if 0 < y.sum() < len(y) else None,
                               "oracle_roc_auc": None}
        if "p_true" in frame and 0 < y.sum() < len(y):
            t = frame["p_true"].to_numpy()[idx]
            if not np.isnan(t).any():
                row["oracle_roc_auc"] = float(roc_auc_score(y, t))
        rows.append(row)
    return rows


# --- training -------------------------------------------------------------------------------------
def train(engine: Engine, log: Log = _noop, seed: int = DEFAULT_SEED,
          progress: Progress | None = None, scope: Scope | None = None) -> dict[str, Any]:
    """Train, compare, calibrate, evaluate and save the champion; returns the model card.

    Audited as ``model_trained`` under ``scope`` (default: the system scope)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import log_loss, roc_auc_score

    months = features.label_months(engine, MIN_HISTORY)
    train_m, cal_m, test_m = split_months(months)
    truth = has_truth(engine)
    log(f"label months {months[0]}..{months[-1]}: train {train_m[0]}..{train_m[-1]}, "
        f"calibrate {cal_m[0]}..{cal_m[-1]}, test {test_m[0]}..{test_m[-1]}")
    frame = features.build(engine, months, with_truth=truth, progress=progress)
    frame = frame[frame["y"].notna()].reset_index(drop=True)
    frame["y"] = frame["y"].astype(int)
    tr = frame[frame["period"].isin(train_m)]
    ca = frame[frame["period"].isin(cal_m)]
    te = frame[frame["period"].isin(test_m)].reset_index(drop=True)
    log(f"rows: train {len(tr):,}, calibration {len(ca):,}, test {len(te):,}")

    results: dict[str, dict[str, float]] = {}
    fitted: dict[str, Any] = {}
    for name, pipe in candidates(seed).items():
        pipe.fit(_X(tr), tr["y"].to_numpy())
        p_cal = pipe.predict_proba(_X(ca))[:, 1]
        p_te = pipe.predict_proba(_X(te))[:, 1]
        results[name] = {"calibration_log_loss": float(log_loss(ca["y"], p_cal, labels=[0, 1])),
                         "calibration_roc_auc": float(roc_auc_score(ca["y"], p_cal)),
                         "test_roc_auc": float(roc_auc_score(te["y"], p_te))}
        fitted[name] = pipe
        log(f"{name}: calibration-month log loss {results[name]['calibration_log_loss']:.4f}, "
            f"ROC AUC {results[name]['calibration_roc_auc']:.4f}")
    champion = min(results, key=lambda k: results[k]["calibration_log_loss"])
    log(f"champion: {champion}")
    model = CalibratedClassifierCV(FrozenEstimator(fitted[champion]), method="isotonic")
    model.fit(_X(ca), ca["y"].to_numpy())

    p = model.predict_proba(_X(te))[:, 1]
    t = te["p_true"].to_numpy(float) if truth and "p_true" in te else None
    if t is not None and np.isnan(t).any():
        t = None
    metrics = modeling.binary_metrics(te["y"].to_numpy(), p, t)
    te = te.assign(status=np.where(te["arrears_months"] > 0, "in_arrears", "current"))

    rng = np.random.default_rng(seed)
    sample = te.iloc[np.sort(rng.choice(len(te), min(IMPORTANCE_ROWS, len(te)), replace=False))]
    imp = permutation_importance(model, _X(sample), sample["y"].to_numpy(), scoring="roc_auc", n_repeats=3,
                                 random_state=seed)
    importance = sorted(({"feature": f, "importance": float(m), "std": float(s)}
                         for f, m, s in zip(features.FEATURE_NAMES, imp.importances_mean, imp.importances_std,
                                            strict=True)), key=lambda r: -r["importance"])

    trained_at = modeling.now_iso()
    card: dict[str, Any] = {
        "model": MODEL_NAME,
        "target": "bill of the label month not paid within that month (miss / stay in arrears)",
        "champion": champion,
        "candidates": results,
        "calibration_method": "isotonic (CalibratedClassifierCV on FrozenEstimator, calibration months)",
        **{k: metrics[k] for k in ("roc_auc", "oracle_roc_auc", "pr_auc", "brier", "ece", "base_rate")},
        "oracle_available": metrics["oracle_roc_auc"] is not None,
        "oracle_note": None if metrics["oracle_roc_auc"] is not None else
        "oracle unavailable: the database holds no generator truth (truth_family is empty)",
        "auc_gap_to_oracle": (None if metrics["oracle_roc_auc"] is None
                              else float(metrics["oracle_roc_auc"] - metrics["roc_auc"])),
        "n_train": int(len(tr)), "n_calibration": int(len(ca)), "n_test": int(len(te)),
        "trained_at": trained_at, "data_from": int(months[0]), "data_to": int(months[-1]),
        "train_months": [int(m) for m in train_m], "calibration_months": [int(m) for m in cal_m],
        "test_months": [int(m) for m in test_m], "seed": seed,
        "features": [{"name": f, "id": d[0], "en": d[1]} for f, d in features.FEATURES.items()],
        "reference": {f: float(np.nanmedian(tr[f].to_numpy(float))) for f in features.FEATURE_NAMES},
        "calibration": modeling.calibration_table(te["y"].to_numpy(), p),
        "importance": importance,
        "by_branch": _segment_metrics(te, p, "branch_code"),
        "by_segment": _segment_metrics(te, p, "segment") + _segment_metrics(te, p, "status"),
        "versions": modeling.versions(),
    }
    folder = modeling.save_model(MODEL_NAME, model, {**card, "model_version": "pending"})
    version = f"{MODEL_NAME}-{trained_at[:10].replace('-', '')}-" + hashlib.sha256(
        (folder / "model.skops").read_bytes()).hexdigest()[:8]
    card["model_version"] = version
    modeling.save_model(MODEL_NAME, model, card)
    audit(engine, scope or Scope.system(), "model_trained",
          modeling.training_summary(card, version, {"seed": seed, "auc_gap_to_oracle": card["auc_gap_to_oracle"]}))
    if card["oracle_roc_auc"] is None:
        log(f"held-out ROC AUC {card['roc_auc']:.4f}; oracle unavailable (no generator truth in this "
            f"database); ECE {card['ece']:.4f}; Brier {card['brier']:.4f}; PR AUC {card['pr_auc']:.4f}")
    else:
        log(f"held-out ROC AUC {card['roc_auc']:.4f} vs oracle ROC AUC {card['oracle_roc_auc']:.4f} "
            f"(gap {card['auc_gap_to_oracle']:.4f}); ECE {card['ece']:.4f}; Brier {card['brier']:.4f}; "
            f"PR AUC {card['pr_auc']:.4f}")
    log(f"saved {version} to {folder}")
    return card


# --- scoring --------------------------------------------------------------------------------------
def load() -> tuple[Any, dict[str, Any]]:
    """The champion model and its card (FileNotFoundError when none is trained)."""
    model = modeling.load_model(MODEL_NAME)
    card = modeling.read_card(MODEL_NAME) or {}
    return model, card


def predict(model: Any, frame: pd.DataFrame) -> np.ndarray:
    """P(the bill is not paid within the label month) per row of a feature frame."""
    if frame.empty:
        return np.zeros(0)
    return model.predict_proba(_X(frame))[:, 1]


def score(engine: Engine, log: Log = _noop, progress: Progress | None = None, scope: Scope | None = None) -> int:
    """Score every self-paying family for the month after the ledger; replace the rows in model_scores.

    Audited as ``score_run`` (model, rows, month, version) under ``scope`` (default: the system scope), in
    the transaction that writes the scores."""
    model, card = load()
    month = features.scoring_month(engine)
    frame = features.build(engine, [month], progress=progress)
    p = predict(model, frame)
    version = card.get("model_version", "unknown")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = ((MODEL_NAME, str(int(f)), int(month), float(s), version, now)
            for f, s in zip(frame["family_id"].to_numpy(), p, strict=True))
    with engine.begin() as conn:
        conn.execute(delete(ModelScore).where(ModelScore.model == MODEL_NAME))
        n = bulk_insert(conn, "model_scores", ["model", "entity_id", "period", "score", "model_version",
                                               "scored_at"], rows)
        audit(conn, scope or Scope.system(), "score_run", {"model": MODEL_NAME, "rows": int(n),
                                                           "period": int(month), "version": version})
    log(f"scored {n:,} families for {month} with {version}")
    return n


def scores_present(engine: Engine) -> bool:
    """Whether ``model_scores`` holds delinquency scores for this database."""
    with engine.connect() as conn:
        return bool(conn.execute(select(func.count()).select_from(ModelScore.__table__)
                                 .where(ModelScore.model == MODEL_NAME)).scalar())


def ensure_scores(engine: Engine, progress: Progress | None = None, scope: Scope | None = None) -> int:
    """Score with the shipped champion when this database holds no delinquency scores yet (audited as a
    ``score_run`` of ``scope``, default the system scope)."""
    if scores_present(engine):
        return 0
    return score(engine, progress=progress, scope=scope)


# --- per-branch metrics in scope ------------------------------------------------------------------
#: Columns of :func:`branch_metrics` (``level`` is "national" or "branch").
BRANCH_METRIC_COLUMNS = ("level", "branch_code", "n", "observed", "predicted", "roc_auc", "oracle_roc_auc")


def national_metrics(card: dict[str, Any]) -> dict[str, Any]:
    """The card's held-out figures for the whole test set, in the shape of a ``by_branch`` row."""
    cal = card.get("calibration") or []
    n_cal = sum(int(r.get("n", 0)) for r in cal)
    predicted = (sum(float(r["predicted"]) * int(r.get("n", 0)) for r in cal) / n_cal) if n_cal else None
    return {"level": "national", "branch_code": None, "n": card.get("n_test"), "observed": card.get("base_rate"),
            "predicted": predicted, "roc_auc": card.get("roc_auc"), "oracle_roc_auc": card.get("oracle_roc_auc")}


def branch_metrics(engine: Engine, scope: Scope, card: dict[str, Any] | None = None) -> pd.DataFrame:
    """Held-out metrics per branch that ``scope`` may see, after one national row.

    A branch user gets their own branch, a regional user their region's branches, national roles every
    branch of the card; never another unit's figures. ``card`` defaults to the saved card (an empty frame
    when no model is trained)."""
    card = card if card is not None else modeling.read_card(MODEL_NAME)
    if not card:
        return pd.DataFrame(columns=list(BRANCH_METRIC_COLUMNS))
    rows = [dict(r) for r in card.get("by_branch", [])]
    if scope.region_code or scope.branch_code:
        b = Branch.__table__
        with engine.connect() as conn:
            allowed = set(conn.execute(select(b.c.code).where(scope.clause(b.c.region_code, b.c.code))).scalars())
        rows = [r for r in rows if str(r.get("branch_code")) in allowed]
    rows = sorted(rows, key=lambda r: str(r.get("branch_code")))
    frame = pd.DataFrame([national_metrics(card)] + [{**r, "level": "branch"} for r in rows])
    return frame.reindex(columns=list(BRANCH_METRIC_COLUMNS))


# --- per-row reasons ------------------------------------------------------------------------------
def _base_pipeline(model: Any) -> Any:
    """The fitted champion pipeline inside the calibrated model."""
    est = model.calibrated_classifiers_[0].estimator
    return getattr(est, "estimator", est)  # unwrap FrozenEstimator


def contributions(model: Any, card: dict[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
    """Per-row, per-feature change of the log-odds against the training median (see module doc)."""
    base = _base_pipeline(model)
    X = _X(frame).reset_index(drop=True)
    ref = card.get("reference", {})
    d0 = base.decision_function(X)
    out = {}
    for f in features.FEATURE_NAMES:
        Xr = X.copy()
        Xr[f] = ref.get(f, float(np.nanmedian(X[f])))
        out[f] = d0 - base.decision_function(Xr)
    return pd.DataFrame(out)


def _fmt_value(feature: str, v: float, lang: str) -> str:
    """A feature's value as a reason shows it (percent, yes/no, "never", a number)."""
    from jkn_core import fmt

    if np.isnan(v):
        return "–"
    if feature in ("ontime_share", "late_share"):
        return fmt.pct(100 * v, 0, lang)
    if feature in ("auto_debit", "is_bp", "is_city", "early_inpatient"):
        return ("ya" if v else "tidak") if lang != "en" else ("yes" if v else "no")
    if feature in ("months_since_inpatient", "months_since_action") and v >= features.NEVER:
        return "tidak pernah" if lang != "en" else "never"
    if float(v).is_integer():
        return fmt.number(v, 0, lang)
    return fmt.number(v, 2, lang)


def reasons(model: Any, card: dict[str, Any], frame: pd.DataFrame, lang: str = "id",
            top: int = 3) -> list[list[str]]:
    """Top ``top`` risk-raising reasons per row, in plain words (e.g. "Bulan menunggak saat ini: 14")."""
    if frame.empty:
        return []
    contrib = contributions(model, card, frame)
    vals = _X(frame).reset_index(drop=True)
    names = np.array(features.FEATURE_NAMES)
    order = np.argsort(-contrib.to_numpy(), axis=1)[:, :top]
    out = []
    c = contrib.to_numpy()
    for i in range(len(frame)):
        words = []
        for j in order[i]:
            if c[i, j] <= 0:
                break
            f = names[j]
            label = features.FEATURES[f][1 if lang == "en" else 0]
            words.append(f"{label}: {_fmt_value(f, float(vals.iat[i, j]), lang)}")
        if not words:  # every feature sits at or below the typical family's risk
            words.append("no factor above a typical family's risk" if lang == "en"
                         else "tidak ada faktor di atas risiko keluarga pada umumnya")
        out.append(words)
    return out
