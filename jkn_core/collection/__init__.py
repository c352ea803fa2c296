"""Collections of iuran arrears: delinquency features and model, action rules, the branch work queue, outcomes.

Modules: ``actions`` (programme rules and expected recovery, no database), ``branch_scope`` (which branch
and families a user may work on), ``features`` (the single definition of the delinquency features),
``model`` (train, score and explain the delinquency model), ``work_queue`` (the ranked queue of a branch:
key, ranking, reasons, identities), ``outcomes`` (recorded outcomes, contact and cure rates, history).
Regulation constants live in :mod:`jkn_core.rules`, not here. The one-call queue is
``collection.work_queue.work_queue(...)`` (the name ``work_queue`` here is the module).
"""

from jkn_core.collection import features, model, work_queue
from jkn_core.collection.actions import (
    ACTIONS,
    CURED_OUTCOMES,
    HIGH_RISK,
    LOW_RISK,
    OFTEN_LATE,
    OUTCOMES,
    auto_debit_candidate,
    capacity,
    csr_candidate,
    expected_recovery,
    lpd_candidate,
    recommend_actions,
    rehab_eligible,
    rehab_registration_open,
    rehab_stages,
)
from jkn_core.collection.branch_scope import branches_with_families
from jkn_core.collection.outcomes import family_history, last_action_id, outcome_rates, record_outcome
from jkn_core.collection.work_queue import (
    EXPLAINED_COLUMNS,
    QUEUE_COLUMNS,
    QueueKey,
    explain,
    finish_queue,
    queue_key,
    queue_totals,
    ranked_families,
)

__all__ = [
    "ACTIONS", "CURED_OUTCOMES", "EXPLAINED_COLUMNS", "HIGH_RISK", "LOW_RISK", "OFTEN_LATE", "OUTCOMES",
    "QUEUE_COLUMNS", "QueueKey", "auto_debit_candidate", "branches_with_families", "capacity", "csr_candidate",
    "expected_recovery", "explain", "family_history", "features", "finish_queue", "last_action_id",
    "lpd_candidate", "model", "outcome_rates", "queue_key", "queue_totals", "ranked_families", "recommend_actions",
    "record_outcome", "rehab_eligible", "rehab_registration_open", "rehab_stages", "work_queue",
]
