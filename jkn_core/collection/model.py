"""Delinquency-risk model: P(a self-paying family does not pay the bill of the next month).

Target. For label month ``M``: 1 when the bill of ``M`` is not paid within ``M`` (a current payer misses
it, or a family in arrears does not cure). One target for both groups keeps one calibrated number per
family, matches the one-month horizon of a collector's work queue, and is exactly the event whose true
probability the demo generator stores (``truth_family``), so the oracle AUC is comparable.

Features: :mod:`jkn_core.collection.features` (the single definition, leak-free: only data before ``M``).

Split (time-based, every month of history used): a label month is any ledger month after the first (its
rows carry every month of history before it). The latest ``TEST_MONTHS`` label months are the held-out
test set, the ``CALIB_MONTHS`` months before them select the model and calibrate it, every earlier month
trains. Short ledgers shrink the parts down to one month each: :data:`MIN_LABEL_MONTHS` label months
(a ledger of :data:`MIN_LEDGER_MONTHS` months) is the minimum, below it :func:`train` refuses with
:class:`LedgerTooShort`. Training rows are weighted so the model learns from rows like the ones it scores:
a row with ``h`` months of recorded history weighs ``min(h, HISTORY_FULL) / HISTORY_FULL`` (the families
it scores carry the whole ledger), so the early label months' short-history rows do not dominate.

Candidates: a logistic baseline (impute, standardise, logistic regression) and a gradient-boosted model
(HistGradientBoostingClassifier), both scikit-learn ``Pipeline``s. Selection looks where the decisions
are and at whether a candidate's probabilities hold up in later months: each candidate, fitted on the
training months, is scored on the calibration months (which it has not seen, one step ahead in time).
A candidate is *eligible* when its probabilities there are calibrated to the targets (ECE at most
:data:`ECE_TARGET` overall and :data:`SEGMENT_ECE_TARGET` in the ``current`` and ``behind_1_3``
segments): calibration is a requirement, not a trade-off against ranking, because a Platt sigmoid fitted
on one month cannot repair a model whose probabilities drift out of shape from month to month. Among
eligible candidates the champion has the best mean ROC AUC over the calibration months as a whole and in
the ``current`` and ``behind_1_3`` payment-history segments (:func:`features.segment_of`); when none is
eligible (a small database: the ECE of a few hundred rows is mostly sampling noise) that same score decides
among all. It is calibrated on
the calibration months (the most recent before the test) with a sigmoid on its log-odds (Platt):
two parameters hold up under drift and, being strictly increasing, keep the ranking (isotonic steps tie
scores and cost ROC AUC). Metrics are computed on the test months only, overall, per payment-history
segment (``segments``) and per month (``by_month``: ECE per month).

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
TEST_MONTHS = 2
CALIB_MONTHS = 2
#: Months of history before the first label month (label months start at the 2nd ledger month).
MIN_HISTORY = 1
#: The fewest label months that give one training, one calibration and one test month.
MIN_LABEL_MONTHS = 3
#: The shortest ledger training accepts (``MIN_HISTORY`` + ``MIN_LABEL_MONTHS`` months).
MIN_LEDGER_MONTHS = MIN_HISTORY + MIN_LABEL_MONTHS
#: Rows of each class the calibration and the test months need for an honest estimate.
MIN_CLASS_ROWS = 20
#: Months of history from which a training row weighs fully (see the module doc).
HISTORY_FULL = 12
#: Payment-history segments model selection looks at (besides the whole calibration set).
SELECTION_SEGMENTS = ("current", "behind_1_3")
#: Calibration a candidate must show on the calibration months (fitted on the earlier months) to be
#: eligible: ECE overall and in each of :data:`SELECTION_SEGMENTS` (the issue's acceptance targets).
ECE_TARGET = 0.02
SEGMENT_ECE_TARGET = 0.03
DEFAULT_SEED = 20241231
IMPORTANCE_ROWS = 20_000

Log = Callable[[str], None]
Progress = Callable[[float, str], None]


def _noop(_msg: str) -> None:
    """The default ``log``: say nothing."""
    return None


class LedgerTooShort(ValueError):
    """The data cannot support an honest training (too few ledger months, or too few misses or payments
    in the calibration or test months); the message is one sentence for the user."""


# --- split and candidates -------------------------------------------------------------------------
def split_months(months: list[int]) -> tuple[list[int], list[int], list[int]]:
    """(train, calibration, test) label months; test = the latest months, calibration the ones before,
    training every earlier month. Raises :class:`LedgerTooShort` below :data:`MIN_LABEL_MONTHS`."""
    months = sorted(months)
    n = len(months)
    if n < MIN_LABEL_MONTHS:
        ledger = n + MIN_HISTORY if n else 0
        raise LedgerTooShort(
            f"the contribution ledger holds {ledger} month(s); training the delinquency model needs at least "
            f"{MIN_LEDGER_MONTHS} months ({MIN_LABEL_MONTHS} label months: train, calibrate, test) - "
            f"import more months of contributions")
    n_test = min(TEST_MONTHS, max(1, (n - 1) // 4))
    n_cal = min(CALIB_MONTHS, max(1, (n - 1) // 4))
    return months[: n - n_test - n_cal], months[n - n_test - n_cal: n - n_test], months[n - n_test:]


def row_weights(frame: pd.DataFrame) -> np.ndarray:
    """Training weight of each row: ``min(months of history, HISTORY_FULL) / HISTORY_FULL``."""
    h = frame["months_observed"].to_numpy(float)
    return np.clip(h, 1, HISTORY_FULL) / HISTORY_FULL


def _check_classes(part: pd.DataFrame, what: str, months: list[int]) -> None:
    """Refuse (one sentence) when ``part`` has too few misses or payments for an honest estimate."""
    pos = int(part["y"].sum())
    neg = int(len(part) - pos)
    if min(pos, neg) < MIN_CLASS_ROWS:
        raise LedgerTooShort(
            f"the {what} month(s) {months[0]}-{months[-1]} hold {pos:,} missed and {neg:,} paid bills; "
            f"training needs at least {MIN_CLASS_ROWS} of each - import more families or months")


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


def _X(frame: pd.DataFrame, model: Any = None) -> pd.DataFrame:
    """The model inputs of a feature frame, as floats: the columns ``model`` was fitted on (a model saved
    before a feature was added keeps scoring on its own inputs), else ``FEATURE_NAMES`` in order."""
    return frame[input_names(model)].astype(float)


def input_names(model: Any = None) -> list[str]:
    """The features ``model`` was fitted on (``feature_names_in_``), else :data:`features.FEATURE_NAMES`."""
    names = getattr(model, "feature_names_in_", None)
    return [str(n) for n in names] if names is not None else list(features.FEATURE_NAMES)


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


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """ROC AUC, or None when only one class is present."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if 0 < int(np.sum(y)) < len(y) else None


def _fit(pipe: Any, frame: pd.DataFrame) -> Any:
    """Fit a candidate pipeline on ``frame`` with :func:`row_weights` as sample weights."""
    pipe.fit(_X(frame), frame["y"].to_numpy(), model__sample_weight=row_weights(frame))
    return pipe


def selection_score(frame: pd.DataFrame, p: np.ndarray) -> tuple[float, dict[str, float | None]]:
    """Mean ROC AUC over the whole ``frame`` and its :data:`SELECTION_SEGMENTS` (segments without both
    classes are left out), and the segment AUCs."""
    seg = features.segment_of(frame)
    y = frame["y"].to_numpy()
    by = {s: _auc(y[seg == s], p[seg == s]) for s in SELECTION_SEGMENTS}
    aucs = [a for a in [_auc(y, p), *by.values()] if a is not None]
    return float(np.mean(aucs)), by


def calibration_check(frame: pd.DataFrame, p: np.ndarray) -> tuple[bool, float, dict[str, float | None]]:
    """Whether probabilities ``p`` on ``frame`` meet the calibration targets (ECE at most
    :data:`ECE_TARGET` overall and :data:`SEGMENT_ECE_TARGET` in each of :data:`SELECTION_SEGMENTS`;
    a segment without rows is left out), their mean ECE over the whole frame and those segments, and the
    segment ECEs."""
    seg = features.segment_of(frame)
    y = frame["y"].to_numpy()
    overall = modeling.expected_calibration_error(y, p)
    by = {s: (modeling.expected_calibration_error(y[seg == s], p[seg == s]) if (seg == s).any() else None)
          for s in SELECTION_SEGMENTS}
    ok = overall <= ECE_TARGET and all(e is None or e <= SEGMENT_ECE_TARGET for e in by.values())
    return ok, float(np.mean([overall, *(e for e in by.values() if e is not None)])), by


def choose_champion(results: dict[str, dict[str, Any]]) -> str:
    """The champion among candidate results (see the module doc): the best ``selection_score`` (ties: the
    lower calibration log loss) among the ``eligible`` ones, or among all when none is eligible."""
    pool = [k for k, r in results.items() if r["eligible"]] or list(results)
    return max(pool, key=lambda k: (results[k]["selection_score"], -results[k]["calibration_log_loss"]))


def segment_metrics(frame: pd.DataFrame, p: np.ndarray) -> dict[str, dict[str, Any]]:
    """Held-out figures per payment-history segment (:data:`features.HISTORY_SEGMENTS`): rows, misses,
    observed and predicted rate, ROC AUC, the oracle's ROC AUC (when the truth is known) and ECE."""
    seg = features.segment_of(frame)
    y = frame["y"].to_numpy()
    t = frame["p_true"].to_numpy(float) if "p_true" in frame else None
    out: dict[str, dict[str, Any]] = {}
    for s in features.HISTORY_SEGMENTS:
        k = seg == s
        if not k.any():
            continue
        oracle = None
        if t is not None and not np.isnan(t[k]).any():
            oracle = _auc(y[k], t[k])
        auc = _auc(y[k], p[k])
        out[s] = {"n": int(k.sum()), "misses": int(y[k].sum()), "observed": float(y[k].mean()),
                  "predicted": float(p[k].mean()), "roc_auc": auc, "oracle_roc_auc": oracle,
                  "auc_gap_to_oracle": None if oracle is None or auc is None else float(oracle - auc),
                  "ece": modeling.expected_calibration_error(y[k], p[k])}
    return out


def month_metrics(frame: pd.DataFrame, p: np.ndarray, parts: dict[int, str]) -> list[dict[str, Any]]:
    """Per label month: its part (train / calibration / test), rows, observed and predicted rate, ROC AUC
    and ECE: how the calibration holds month by month."""
    y = frame["y"].to_numpy()
    rows = []
    for m, idx in sorted(frame.groupby("period").indices.items()):
        rows.append({"period": int(m), "part": parts.get(int(m), "train"), "n": int(len(idx)),
                     "observed": float(y[idx].mean()), "predicted": float(p[idx].mean()),
                     "roc_auc": _auc(y[idx], p[idx]), "ece": modeling.expected_calibration_error(y[idx], p[idx])})
    return rows


# --- training -------------------------------------------------------------------------------------
def train(engine: Engine, log: Log = _noop, seed: int = DEFAULT_SEED,
          progress: Progress | None = None, scope: Scope | None = None) -> dict[str, Any]:
    """Train, compare, calibrate, evaluate and save the champion; returns the model card.

    Raises :class:`LedgerTooShort` (a one-sentence message) when the ledger cannot support it. Audited as
    ``model_trained`` under ``scope`` (default: the system scope)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import log_loss

    months = features.label_months(engine, MIN_HISTORY)
    train_m, cal_m, test_m = split_months(months)
    truth = has_truth(engine)
    log(f"label months {months[0]}..{months[-1]}: train {train_m[0]}..{train_m[-1]}, "
        f"calibrate {cal_m[0]}..{cal_m[-1]}, test {test_m[0]}..{test_m[-1]}")
    frame = features.build(engine, months, with_truth=truth, progress=progress)
    frame = frame[frame["y"].notna()].reset_index(drop=True)
    frame["y"] = frame["y"].astype(int)
    tr = frame[frame["period"].isin(train_m)]
    ca = frame[frame["period"].isin(cal_m)].reset_index(drop=True)
    te = frame[frame["period"].isin(test_m)].reset_index(drop=True)
    _check_classes(tr, "training", train_m)
    _check_classes(ca, "calibration", cal_m)
    _check_classes(te, "test", test_m)
    log(f"rows: train {len(tr):,}, calibration {len(ca):,}, test {len(te):,}")

    results: dict[str, dict[str, Any]] = {}
    fitted: dict[str, Any] = {}
    for name, pipe in candidates(seed).items():
        _fit(pipe, tr)
        p_cal = pipe.predict_proba(_X(ca))[:, 1]
        p_te = pipe.predict_proba(_X(te))[:, 1]
        score_, by_seg = selection_score(ca, p_cal)
        eligible, mean_ece, ece_seg = calibration_check(ca, p_cal)
        results[name] = {"calibration_log_loss": float(log_loss(ca["y"], p_cal, labels=[0, 1])),
                         "calibration_roc_auc": _auc(ca["y"].to_numpy(), p_cal),
                         **{f"calibration_roc_auc_{s}": a for s, a in by_seg.items()},
                         "selection_score": score_,
                         "calibration_ece": modeling.expected_calibration_error(ca["y"].to_numpy(), p_cal),
                         **{f"calibration_ece_{s}": e for s, e in ece_seg.items()},
                         "calibration_mean_ece": mean_ece, "eligible": eligible,
                         "test_roc_auc": _auc(te["y"].to_numpy(), p_te)}
        fitted[name] = pipe
        log(f"{name}: calibration months ROC AUC {results[name]['calibration_roc_auc']:.4f}, selection score "
            f"(mean of overall, current, behind_1_3 ROC AUC) {score_:.4f}, log loss "
            f"{results[name]['calibration_log_loss']:.4f}, ECE {results[name]['calibration_ece']:.4f} "
            f"({'eligible' if eligible else 'not eligible'}: targets {ECE_TARGET} overall, "
            f"{SEGMENT_ECE_TARGET} per segment)")
    champion = choose_champion(results)
    log(f"champion: {champion}")
    model = CalibratedClassifierCV(FrozenEstimator(fitted[champion]), method="sigmoid")
    model.fit(_X(ca), ca["y"].to_numpy())

    p = model.predict_proba(_X(te))[:, 1]
    t = te["p_true"].to_numpy(float) if truth and "p_true" in te else None
    if t is not None and np.isnan(t).any():
        t = None
    metrics = modeling.binary_metrics(te["y"].to_numpy(), p, t)
    segments = segment_metrics(te, p)
    parts = {**{int(m): "train" for m in train_m}, **{int(m): "calibration" for m in cal_m},
             **{int(m): "test" for m in test_m}}
    by_month = month_metrics(frame, predict(model, frame), parts)
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
        "selection": (f"calibration months, candidates fitted on the earlier months: eligible when ECE <= "
                      f"{ECE_TARGET} overall and <= {SEGMENT_ECE_TARGET} in the current and behind_1_3 "
                      f"segments; among eligible ones (all when none is) the best mean ROC AUC "
                      f"(overall, current, behind_1_3)"),
        "candidates": results,
        "calibration_method": "sigmoid (Platt, CalibratedClassifierCV on FrozenEstimator, calibration months)",
        **{k: metrics[k] for k in ("roc_auc", "oracle_roc_auc", "pr_auc", "brier", "ece", "base_rate")},
        "oracle_available": metrics["oracle_roc_auc"] is not None,
        "oracle_note": None if metrics["oracle_roc_auc"] is not None else
        "oracle unavailable: the database holds no generator truth (truth_family is empty)",
        "auc_gap_to_oracle": (None if metrics["oracle_roc_auc"] is None
                              else float(metrics["oracle_roc_auc"] - metrics["roc_auc"])),
        "segments": segments,
        "by_month": by_month,
        "n_train": int(len(tr)), "n_calibration": int(len(ca)), "n_test": int(len(te)),
        "trained_at": trained_at, "data_from": int(months[0]), "data_to": int(months[-1]),
        "train_months": [int(m) for m in train_m], "calibration_months": [int(m) for m in cal_m],
        "test_months": [int(m) for m in test_m], "seed": seed,
        "min_ledger_months": MIN_LEDGER_MONTHS, "row_weights": f"min(months_observed, {HISTORY_FULL}) / "
                                                                f"{HISTORY_FULL}",
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
    for s, m in segments.items():
        log(f"segment {s}: n {m['n']:,}, ROC AUC {_f4(m['roc_auc'])} vs oracle {_f4(m['oracle_roc_auc'])}, "
            f"ECE {m['ece']:.4f}")
    log(f"saved {version} to {folder}")
    return card


def _f4(x: float | None) -> str:
    """A metric with 4 decimals, or "n/a"."""
    return "n/a" if x is None else f"{x:.4f}"


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
    return model.predict_proba(_X(frame, model))[:, 1]


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
    X = _X(frame, model).reset_index(drop=True)
    ref = card.get("reference", {})
    names = input_names(model)
    n = len(X)
    # one call on the frame and one copy per feature with that feature set to the card's median (stacked:
    # one decision_function call instead of one per feature)
    stacked = pd.concat([X] * (len(names) + 1), ignore_index=True)
    for i, f in enumerate(names, start=1):
        col = stacked.columns.get_loc(f)
        stacked.iloc[i * n:(i + 1) * n, col] = ref[f] if f in ref else float(np.nanmedian(X[f]))
    d = base.decision_function(stacked)
    d0 = d[:n]
    return pd.DataFrame({f: d0 - d[i * n:(i + 1) * n] for i, f in enumerate(names, start=1)})


def _fmt_value(feature: str, v: float, lang: str) -> str:
    """A feature's value as a reason shows it (percent, yes/no, "never", a number)."""
    from jkn_core import fmt

    if np.isnan(v):
        return "–"
    if feature in ("ontime_share", "late_share", "late_share_all"):
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
    vals = _X(frame, model).reset_index(drop=True)
    names = np.array(input_names(model))
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
