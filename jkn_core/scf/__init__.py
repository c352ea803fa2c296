"""SCF (Supply Chain Financing) for hospitals (FKRTL) on their BPJS claims, from hospital-level claims only.

- ``claim_rules``: the deadlines and penalty of Peraturan BPJS Kesehatan 7/2018 (defined once).
- ``features``: hospital features from the claims ledger as of a month (training, scoring, pages).
- ``model``: train (logistic champion, gradient-boosted challenger), load safely, predict, score
  (``python -m jkn_core train scf`` / ``score scf`` call :func:`train` / :func:`score`).
- ``policy``: line sizing, tenor, pricing, grades, decisions (``scf_policy.toml``).
- ``applications``: hospitals in scope, profile, proposal (what-if), saved applications (bank-owned).
- ``portfolio``: the bank's SCF lines, drawdowns, overdue, OJK classes.
- ``memo``: the credit memo PDF.

No participant row is ever read.
"""

from jkn_core.scf.applications import (
    applications,
    assess,
    hospital_profile,
    save_application,
    search_hospitals,
)
from jkn_core.scf.model import (
    MODEL_NAME,
    TrainingError,
    card,
    clear_model_cache,
    load_champion,
    model_available,
    model_version,
    predict,
    score,
    train,
)

__all__ = [
    "MODEL_NAME", "TrainingError", "applications", "assess", "card", "clear_model_cache", "hospital_profile",
    "load_champion", "model_available", "model_version", "predict", "save_application", "score",
    "search_hospitals", "train",
]
