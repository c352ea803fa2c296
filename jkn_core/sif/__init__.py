"""SIF (Supply Infrastructure Financing) credit suitability of FKTP, from facility-level data only.

- ``features``: facility and loan features as of a month, loan requests (shared by training and scoring).
- ``scorecard``: band edges and points table (plain data), points, reasons; fitting with OptBinning.
- ``model``: train the scorecard and its challengers (``logistic``, gradient boosting), champion, load, predict, score
  (``python -m jkn_core train sif`` / ``score sif`` call :func:`train` / :func:`score` re-exported here).
- ``policy``: loan sizing, the bank's rules, OJK collectability, PSI (``sif_policy.toml``).
- ``applications``: facility search and profile, assess one request, save and list applications.
- ``portfolio``: market ranking, booked loans, NPL share, stored scores, score stability.
- ``memo``: the credit memo PDF.

No participant row is ever read; pages call the names re-exported here.
"""

from jkn_core.sif.applications import (
    applications,
    assess_application,
    capitation_history,
    facility_profile,
    save_application,
    search_facilities,
)
from jkn_core.sif.features import (
    CATEGORICAL,
    FEATURES,
    NUMERIC,
    add_request,
    facility_features,
    facts_of,
    latest_period,
    loan_features,
    reference_request,
)
from jkn_core.sif.model import (
    CHAMPION_MARGIN,
    MODEL_NAME,
    card,
    card_json,
    clear_model_cache,
    load_champion,
    model_available,
    model_version,
    predict,
    score,
    train,
)
from jkn_core.sif.portfolio import (
    NPL_CLASSES,
    booked_loans,
    market,
    npl_share,
    region_name,
    score_stability,
    stored_scores,
)
from jkn_core.sif.scorecard import (
    FORCED_EDGES,
    N_REASONS,
    Binner,
    points_table,
    reasons,
    scorecard_logit,
    scorecard_points,
)

__all__ = [
    "CATEGORICAL", "CHAMPION_MARGIN", "FEATURES", "FORCED_EDGES", "MODEL_NAME", "NPL_CLASSES", "NUMERIC",
    "N_REASONS", "Binner", "add_request", "applications", "assess_application", "booked_loans",
    "capitation_history", "card", "card_json", "clear_model_cache", "facility_features", "facility_profile",
    "facts_of", "latest_period", "load_champion", "loan_features", "market", "model_available",
    "model_version", "npl_share", "points_table", "predict", "reasons", "reference_request", "region_name",
    "save_application", "score", "score_stability", "scorecard_logit", "scorecard_points",
    "search_facilities", "stored_scores", "train",
]
