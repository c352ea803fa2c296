"""Shared model plumbing: metrics, safe saving (skops), the model card, the models folder.

A trained model lives in ``<models_dir>/<name>/``: ``model.skops`` (a scikit-learn pipeline saved with
skops, loaded with an explicit list of trusted types, so no arbitrary code is unpickled) and
``card.json`` (data range, row counts, features, metrics, calibration, library versions).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import threading
from pathlib import Path
from typing import Any

import numpy as np

from jkn_core import config

CARD_KEYS = ("roc_auc", "oracle_roc_auc", "pr_auc", "brier", "ece", "n_train", "n_test", "trained_at",
             "data_from", "data_to", "versions")


def model_dir(name: str) -> Path:
    """The folder of model ``name`` under the models folder (``JKN_MODELS_DIR``)."""
    return config.models_dir() / name


def versions() -> dict[str, str]:
    """Versions of Python and the libraries a saved model depends on (recorded in its card)."""
    import pandas
    import sklearn
    import skops

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "pandas": pandas.__version__, "skops": skops.__version__}


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE with equal-frequency bins: mean |observed rate - mean predicted| weighted by bin size."""
    y = np.asarray(y, float)
    p = np.asarray(p, float)
    if len(y) == 0:
        return float("nan")
    order = np.argsort(p)
    total = 0.0
    for chunk in np.array_split(order, bins):
        if len(chunk):
            total += len(chunk) * abs(y[chunk].mean() - p[chunk].mean())
    return float(total / len(y))


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Equal-frequency bins: mean predicted vs observed rate (the calibration curve)."""
    order = np.argsort(p)
    rows = []
    for chunk in np.array_split(order, bins):
        if len(chunk):
            rows.append({"predicted": float(np.mean(np.asarray(p)[chunk])),
                         "observed": float(np.mean(np.asarray(y)[chunk])), "n": int(len(chunk))})
    return rows


def binary_metrics(y: np.ndarray, p: np.ndarray, truth: np.ndarray | None = None) -> dict[str, float | None]:
    """ROC AUC, PR AUC, Brier, ECE, and the oracle ROC AUC of the true probabilities when known."""
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    y = np.asarray(y).astype(int)
    out: dict[str, float | None] = {
        "roc_auc": float(roc_auc_score(y, p)) if len(set(y)) > 1 else None,
        "pr_auc": float(average_precision_score(y, p)) if len(set(y)) > 1 else None,
        "brier": float(brier_score_loss(y, p)),
        "ece": expected_calibration_error(y, p),
        "base_rate": float(y.mean()),
        "oracle_roc_auc": None,
    }
    if truth is not None and len(set(y)) > 1 and not np.isnan(np.asarray(truth, float)).any():
        out["oracle_roc_auc"] = float(roc_auc_score(y, truth))
    return out


def oracle_gap_interval(y: np.ndarray, p: np.ndarray, truth: np.ndarray, n_boot: int = 1000,
                        level: float = 0.95, seed: int = 20241231) -> dict[str, float] | None:
    """Paired bootstrap of (oracle ROC AUC - model ROC AUC) over the test rows: the gap's interval.

    Both AUCs are computed on the same resample, so the interval reflects the test set's size, not the
    two AUCs' separate noise."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y).astype(int)
    p, truth = np.asarray(p, float), np.asarray(truth, float)
    if len(set(y)) < 2 or np.isnan(truth).any():
        return None
    rng = np.random.default_rng(seed)
    gaps = []
    for _ in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        if y[i].min() == y[i].max():
            continue
        gaps.append(roc_auc_score(y[i], truth[i]) - roc_auc_score(y[i], p[i]))
    lo, hi = np.quantile(gaps, [(1 - level) / 2, (1 + level) / 2])
    return {"gap": float(roc_auc_score(y, truth) - roc_auc_score(y, p)), "low": float(lo), "high": float(hi),
            "level": level, "n_boot": len(gaps)}


def save_model(name: str, model: Any, card: dict[str, Any]) -> Path:
    """Write ``model.skops`` and ``card.json`` for ``name``; returns the folder."""
    import skops.io as sio

    folder = model_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    sio.dump(model, folder / "model.skops")
    card = {**card, "versions": card.get("versions") or versions()}
    missing = [k for k in CARD_KEYS if k not in card]
    if missing:
        raise ValueError(f"model card misses keys: {missing}")
    (folder / "card.json").write_text(json.dumps(card, indent=2, default=_json_default))
    return folder


#: Loaded models by (file, modification time, size, extra trusted types): a page visit and the work queue's
#: reasons ask for the same file several times, and reading + checking a skops file costs seconds. A retrained
#: model has a new modification time, so it is read again. Models are only used to predict (read-only).
_LOADED: dict[tuple[str, int, int, tuple[str, ...]], Any] = {}
_LOADED_LOCK = threading.Lock()


def load_model(name: str, extra_trusted: list[str] | None = None) -> Any:
    """Load ``model.skops`` trusting only scikit-learn/numpy types skops reports for this file (once per file
    version and process)."""
    path = model_dir(name) / "model.skops"
    if not path.exists():
        raise FileNotFoundError(f"no trained model at {path}; run `python -m jkn_core train {name}`")
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size, tuple(sorted(extra_trusted or [])))
    with _LOADED_LOCK:
        if key in _LOADED:
            return _LOADED[key]
    model = _load_checked(path, extra_trusted)
    with _LOADED_LOCK:
        for old in [k for k in _LOADED if k[0] == key[0]]:
            del _LOADED[old]
        _LOADED[key] = model
    return model


def _load_checked(path: Path, extra_trusted: list[str] | None) -> Any:
    import skops.io as sio

    untrusted = sio.get_untrusted_types(file=path)
    allowed_prefixes = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.", "jkn_core.")
    bad = [u for u in untrusted if not u.startswith(allowed_prefixes) and u not in (extra_trusted or [])]
    if bad:
        raise ValueError(f"refusing to load {path}: untrusted types {bad}")
    return sio.load(path, trusted=untrusted)


def read_card(name: str) -> dict[str, Any] | None:
    """The model card of ``name`` (``card.json``), or None when no model is saved."""
    path = model_dir(name) / "card.json"
    return json.loads(path.read_text()) if path.exists() else None


#: Card entries a ``model_trained`` audit row carries (a summary, never the whole card).
SUMMARY_KEYS = ("champion", "roc_auc", "oracle_roc_auc", "pr_auc", "brier", "ece", "base_rate", "n_train",
                "n_test", "data_from", "data_to", "trained_at")


def training_summary(card: dict[str, Any], version: str | None = None,
                     extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The detail of a ``model_trained`` audit row: model, version, folder and the card's key metrics
    (rounded to 4 decimals), plus ``extra`` entries."""
    out: dict[str, Any] = {"model": card.get("model"), "version": version or card.get("model_version"),
                           "folder": str(model_dir(str(card.get("model"))))}
    for key in SUMMARY_KEYS:
        value = card.get(key)
        out[key] = round(float(value), 4) if isinstance(value, (float, np.floating)) else value
    for key, value in (extra or {}).items():
        out[key] = round(float(value), 4) if isinstance(value, (float, np.floating)) else value
    return out


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second (a card's ``trained_at``)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _json_default(o: Any) -> Any:
    """JSON for what ``json.dumps`` cannot write itself: numpy numbers and arrays, dates; else ``str``."""
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    return str(o)
