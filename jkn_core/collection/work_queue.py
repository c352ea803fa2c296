"""The branch's ranked work queue: the cache key, ranked families, reasons, and the live finish (identities).

Participant-level: every function checks the signed-in :class:`Scope` (through
:mod:`jkn_core.collection.branch_scope`); NIK and names are masked unless ``scope.sees_identity``. The
action rules and the expected-recovery ranking are in :mod:`jkn_core.collection.actions`; recorded
outcomes and rates in :mod:`jkn_core.collection.outcomes`; the features and the model in
:mod:`jkn_core.collection.features` and :mod:`jkn_core.collection.model`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import Engine, String, cast, func, select

from jkn_core import modeling, months
from jkn_core.collection import features, outcomes
from jkn_core.collection import model as delinquency
from jkn_core.collection.actions import (
    auto_debit_candidate,
    expected_recovery,
    recommend_actions,
    rehab_stages,
)
from jkn_core.collection.branch_scope import branch_for
from jkn_core.exports import mask_name, mask_nik
from jkn_core.kpi import refresh as aggregates
from jkn_core.programmes import rehab, rehab_rules
from jkn_core.schema import Contribution, Family, Meta, ModelScore, Participant, Regency
from jkn_core.scope import Scope

QUEUE_COLUMNS = ["rank", "family_id", "name", "nik", "regency", "segment", "kelas", "members", "arrears_months",
                 "arrears_rp", "risk", "expected_recovery", "action", "rehab_stages", "reason_1", "reason_2",
                 "reason_3", "last_action", "last_outcome"]
#: What :func:`explain` keeps of a ranked row (no model features, no identity).
EXPLAINED_COLUMNS = ["rank", "family_id", "regency_code", "province_code", "segment", "kelas", "members",
                     "arrears_months", "arrears_rp", "bill_rp", "risk", "expected_recovery", "often_late",
                     "auto_debit", "reason_1", "reason_2", "reason_3"]
#: Above this many families, identities and last actions are read for the whole branch (a subquery) rather
#: than with one bound parameter per family (PostgreSQL allows at most 65,535 per statement).
MAX_ID_PARAMS = 5_000


class QueueKey(NamedTuple):
    """Everything the expensive part of a branch's queue (features, scores, ranking, reasons) depends on.

    Small and hashable, read in one round trip by :func:`queue_key`: a cache of :func:`ranked_families` /
    :func:`explain` keyed on it is never stale, because every way the inputs change moves a field:

    - ``month``: the scoring month (the month after the ledger; moves when a new month is imported);
    - ``model``: the champion's version and file stamp, and the version of the stored scores;
    - ``data``: the newest ``import`` audit row (the mark ``jkn_core.kpi.refresh`` records after every
      import, of any table), the aggregates' freshness mark, the demo's ``generated_at`` and seed, the
      first ledger month and the newest family id (each an index probe: ~2 ms on a full-size branch).

    Recorded outcomes do not move it: they are written for the scoring month, which features never read
    (they only count actions before the label month), and the last action/outcome is read live by
    :func:`finish_queue`. No identity is ever part of the cached frames.
    """

    url: str
    branch: str
    month: int
    model: str
    data: str


def queue_key(engine: Engine, scope: Scope, branch_code: str | None = None) -> QueueKey:
    """The cache key of the branch's queue (checks the scope; raises ValueError on an empty ledger)."""
    branch = branch_for(scope, branch_code)

    def meta(key: str) -> Any:
        return select(Meta.value).where(Meta.key == key).scalar_subquery()

    def scalar(*cols: Any, where: Any = None) -> Any:
        q = select(*cols)
        return (q.where(where) if where is not None else q).scalar_subquery()

    q = select(scalar(func.min(Contribution.period)), scalar(func.max(Contribution.period)),
               aggregates.last_import_id(), meta(aggregates.META_KEY), meta("generated_at"), meta("seed"),
               scalar(func.max(Family.id)),
               select(ModelScore.model_version).where(ModelScore.model == delinquency.MODEL_NAME)
               .limit(1).scalar_subquery())
    with engine.connect() as conn:
        first, last, last_import, agg_state, generated, seed, last_family, scored_with = conn.execute(q).one()
    if last is None:
        raise ValueError("the contribution ledger is empty: nothing to score")
    card = modeling.read_card(delinquency.MODEL_NAME) or {}
    path = modeling.model_dir(delinquency.MODEL_NAME) / "model.skops"
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    model = f"{card.get('model_version')}|{path}|{stamp}|scores:{scored_with}"
    data = (f"import:{last_import}|agg:{(agg_state or '').partition('|')[0]}|gen:{generated}|seed:{seed}"
            f"|from:{first}|family:{last_family}")
    data += f"|rehab:{rehab.plans_mark(engine)}"  # Rehab plans rank by their next stage (#13)
    return QueueKey(engine.url.render_as_string(hide_password=True), branch, months.next_period(int(last)),
                    model, data)


def work_queue(engine: Engine, scope: Scope, branch_code: str | None = None, limit: int | None = None,
               on: dt.date | None = None, lang: str = "id") -> pd.DataFrame:
    """Families of the branch to contact, ranked by expected recovery, cut to ``limit`` rows.

    Scores come from ``model_scores`` (the champion's stored scores); families without a stored score
    are scored live with the same model. Reasons are per-row contributions (``delinquency.reasons``).

    Three steps, so that a caller (the work-queue page) can cache the expensive ones on
    :func:`queue_key`: :func:`ranked_families` (features, scores, ranking) → :func:`explain` (cut to
    ``limit``, reasons) → :func:`finish_queue` (actions for ``on``, identities masked for ``scope``, the
    last recorded action and outcome, read live). This function runs them uncached.
    """
    key = queue_key(engine, scope, branch_code)
    return finish_queue(engine, scope, key, explain(ranked_families(engine, scope, key), limit, lang), on)


def ranked_families(engine: Engine, scope: Scope, key: QueueKey) -> pd.DataFrame:
    """Every family of the branch worth a contact (in arrears, or an auto-debit candidate), with its
    features, risk and expected recovery, best first. The expensive part of the queue; no identity."""
    branch = branch_for(scope, key.branch)
    frame = features.build(engine, [key.month], branch_code=branch)
    if frame.empty:
        return frame.assign(risk=pd.Series(dtype=float), expected_recovery=pd.Series(dtype=float))
    ids = [str(int(i)) for i in frame["family_id"]]
    # the branch's families as a subquery, not one bound parameter per family (PostgreSQL allows 65,535)
    with engine.connect() as conn:
        stored = dict(conn.execute(select(ModelScore.entity_id, ModelScore.score).where(
            ModelScore.model == delinquency.MODEL_NAME, ModelScore.period == key.month,
            ModelScore.entity_id.in_(select(cast(Family.id, String)).where(Family.branch_code == branch)))).all())
    risk = pd.Series(ids).map(stored).to_numpy(float, copy=True)
    missing = np.isnan(risk)
    if missing.any():
        model, _card = delinquency.load()
        risk[missing] = delinquency.predict(model, frame[missing.tolist()])
    frame = frame.assign(risk=risk)
    keep = (frame["arrears_months"] >= 1) | auto_debit_candidate(frame["often_late"], frame["auto_debit"])
    frame = frame[keep].drop(columns=["y"])
    frame["expected_recovery"] = expected_recovery(frame["arrears_months"], frame["arrears_rp"],
                                                   frame["bill_rp"], frame["risk"])
    # a family with an active Rehab plan pays its next stage + this month's iuran, not the whole debt (#13)
    staged = frame[["family_id"]].merge(rehab.next_stage_due(engine, branch), on="family_id", how="left")
    on_plan = staged["next_stage_rp"].notna().to_numpy()
    if on_plan.any():
        frame.loc[on_plan, "expected_recovery"] = rehab_rules.plan_expected_recovery(
            frame.loc[on_plan, "risk"], staged.loc[on_plan, "next_stage_rp"].to_numpy(), frame.loc[on_plan, "bill_rp"])
    return frame.sort_values(["expected_recovery", "family_id"], ascending=[False, True]).reset_index(drop=True)


def explain(ranked: pd.DataFrame, limit: int | None = None, lang: str = "id") -> pd.DataFrame:
    """The first ``limit`` ranked families with their rank and three plain-word reasons
    (``EXPLAINED_COLUMNS``: the model features are dropped). Reads no database."""
    frame = ranked if limit is None else ranked.head(max(0, int(limit)))
    frame = frame.copy()
    frame["rank"] = np.arange(1, len(frame) + 1)
    why: list[list[str]] = []
    if len(frame):
        model, card = delinquency.load()
        why = delinquency.reasons(model, card, frame, lang)
    for i in range(3):
        frame[f"reason_{i + 1}"] = [w[i] if len(w) > i else "" for w in why]
    return frame.reindex(columns=EXPLAINED_COLUMNS)


def finish_queue(engine: Engine, scope: Scope, key: QueueKey, explained: pd.DataFrame,
                 on: dt.date | None = None) -> pd.DataFrame:
    """The cheap, live part: today's action, Rehab stages, the head's name and NIK (masked unless
    ``scope.sees_identity``), the regency, and the last recorded action and outcome."""
    branch = branch_for(scope, key.branch)
    if explained.empty:
        return pd.DataFrame(columns=QUEUE_COLUMNS)
    frame = explained.copy()
    frame["action"] = recommend_actions(frame, on).to_numpy()
    frame["rehab_stages"] = np.where(frame["action"] == "rehab",
                                     rehab_stages(frame["arrears_months"].astype("int64")), 0).astype("int64")
    ids = [int(i) for i in frame["family_id"]]
    chosen: Any = ids if len(ids) <= MAX_ID_PARAMS else select(Family.id).where(Family.branch_code == branch)
    frame = frame.merge(_identities(engine, chosen), on="family_id", how="left")
    frame = frame.merge(outcomes.last_actions(engine, chosen), on="family_id", how="left")
    if not scope.sees_identity:
        frame["name"] = frame["name"].map(mask_name)
        frame["nik"] = frame["nik"].map(mask_nik)
    for c in ("arrears_months", "kelas", "members", "arrears_rp"):
        frame[c] = frame[c].astype("int64")
    frame["expected_recovery"] = frame["expected_recovery"].round(0).astype("int64")
    return frame[QUEUE_COLUMNS]


def _identities(engine: Engine, family_ids: Any) -> pd.DataFrame:
    """Head of family (the first member row): name and NIK, plus the regency name.

    ``family_ids``: a list of ids or a SELECT of ids (a branch's families)."""
    if isinstance(family_ids, list) and not family_ids:
        return pd.DataFrame(columns=["family_id", "name", "nik", "regency"])
    head = (select(Participant.family_id, func.min(Participant.id).label("pid"))
            .where(Participant.family_id.in_(family_ids)).group_by(Participant.family_id)).subquery()
    q = (select(Participant.family_id, Participant.name, Participant.nik, Regency.name.label("regency"))
         .join(head, head.c.pid == Participant.id).join(Regency, Regency.code == Participant.regency_code))
    with engine.connect() as conn:
        out = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=["family_id", "name", "nik", "regency"])
    out["family_id"] = out["family_id"].astype("int64")
    return out


def queue_totals(queue: pd.DataFrame) -> dict[str, int]:
    """What the queue adds up to: families in it, their arrears and the expected recovery (Rupiah)."""
    return {"families": len(queue), "arrears_rp": int(queue["arrears_rp"].sum()),
            "expected_recovery": int(queue["expected_recovery"].sum())}
