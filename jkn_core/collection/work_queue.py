"""Branch collections: action rules, the ranked work queue, outcomes, contact and cure rates.

Everything here is participant-level, so every function takes the signed-in :class:`Scope` and calls
``scope.require("sees_participants")`` (branch teams and admins only); a branch user sees only their
branch. NIK and names are masked unless ``scope.sees_identity``.

Action rules (``recommend_actions``; sources in ``docs/collections.md``), first matching rule wins:

1. **LPD** partner (Bali, province 51): PBPU families with 6–11 months of arrears.
2. **Bank CSR** sponsorship candidate: class-3 PBPU/BP families in West Java (32) or Banten (36) with at
   least 4 months of arrears and high risk (they are unlikely to cure on their own).
3. **Rehab** instalment offer: PBPU/BP with 4–24 months of arrears, at most 12 stages, while registration
   is open (days 1–28 of a month, 1–27 in February); on the closed days: telecollecting, to prepare it.
4. **Kader JKN home visit**: more than 24 months of arrears (beyond Rehab), or high risk with 1–3 months.
5. **Telecollecting**: 1–3 months of arrears and medium risk.
6. **SMS / Mobile JKN reminder**: low risk and early arrears (1–3 months), or a current payer.
7. **Auto-debit enrolment**: current payers who are often late (3+ late or missed bills in the last 12
   months) and not yet on auto-debit.

Ranking: expected recovery = P(pay next month) × Rupiah recoverable. For a family in arrears, paying
means curing: the whole arrears (counted up to 24 months) come in, and P(pay) = 1 − risk (the model's
no-contact probability, a conservative floor since a contact only raises it). For a current payer
queued for auto-debit the money at stake is the next bill, lost with probability ``risk``: expected
recovery = risk × bill. Ordering by this value spends the week's contacts where the most Rupiah is
expected to come back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import Engine, String, case, cast, func, insert, select

from jkn_core import modeling, rules
from jkn_core.audit import audit
from jkn_core.collection import features
from jkn_core.collection import model as delinquency
from jkn_core.exports import mask_name, mask_nik
from jkn_core.kpi import refresh as aggregates
from jkn_core.schema import (
    SELF_PAYING_SEGMENTS,
    Branch,
    CollectionAction,
    Contribution,
    Family,
    Meta,
    ModelScore,
    Participant,
    Regency,
)
from jkn_core.scope import Scope, ScopeError

ACTIONS = ("sms", "telecollecting", "kader_visit", "rehab", "lpd", "csr", "auto_debit")
OUTCOMES = ("reached", "promised", "paid", "refused", "rehab_registered", "unreachable")
CURED_OUTCOMES = ("paid", "rehab_registered")

LOW_RISK = 0.5  # below: a reminder is enough for early arrears
HIGH_RISK = 0.9  # at or above: unlikely to cure alone
OFTEN_LATE = 3


# --- rules (each a small, tested function) --------------------------------------------------------
def rehab_registration_open(day: dt.date) -> bool:
    """Rehab registration in Mobile JKN: days 1–28 of a month, 1–27 in February."""
    return day.day <= rules.rehab_registration_last_day(day.month)


def rehab_eligible(segment: Any, months: Any) -> Any:
    """PBPU/BP with 4–24 months of arrears (vectorised over arrays)."""
    seg = np.isin(np.asarray(segment), SELF_PAYING_SEGMENTS)
    m = np.asarray(months)
    return seg & (m >= rules.REHAB_MIN_MONTHS) & (m <= rules.REHAB_MAX_MONTHS)


def rehab_stages(months: Any) -> Any:
    """Instalment stages offered: one per month of arrears, at most 12 (0 when not eligible)."""
    m = np.asarray(months)
    return np.where((m >= rules.REHAB_MIN_MONTHS) & (m <= rules.REHAB_MAX_MONTHS), np.minimum(m, rules.REHAB_MAX_STAGES), 0)


def lpd_candidate(segment: Any, province_code: Any, months: Any) -> Any:
    """Bali's LPD village credit partners collect from PBPU with 6–11 months of arrears."""
    m = np.asarray(months)
    return ((np.asarray(segment) == "PBPU") & np.isin(np.asarray(province_code), rules.LPD_PROVINCES)
            & (m >= rules.LPD_MIN_MONTHS) & (m <= rules.LPD_MAX_MONTHS))


def csr_candidate(segment: Any, kelas: Any, province_code: Any) -> Any:
    """Class-3 PBPU/BP in West Java or Banten (bank CSR funds pay their arrears)."""
    return (np.isin(np.asarray(segment), SELF_PAYING_SEGMENTS) & (np.asarray(kelas) == rules.CSR_KELAS)
            & np.isin(np.asarray(province_code), rules.CSR_PROVINCES))


def auto_debit_candidate(often_late: Any, auto_debit: Any) -> Any:
    return np.asarray(often_late, bool) & ~np.asarray(auto_debit, bool)


def recommend_actions(frame: pd.DataFrame, on: dt.date | None = None) -> pd.Series:
    """The recommended action per row of ``frame`` (columns: segment, kelas, province_code,
    arrears_months, risk, often_late, auto_debit). See the module docstring for the order."""
    on = on or dt.date.today()
    k = frame["arrears_months"].to_numpy()
    risk = frame["risk"].to_numpy(float)
    seg, prov = frame["segment"].to_numpy(), frame["province_code"].to_numpy()
    rehab = rehab_eligible(seg, k)
    conds = [
        lpd_candidate(seg, prov, k),
        csr_candidate(seg, frame["kelas"].to_numpy(), prov) & (k >= rules.REHAB_MIN_MONTHS) & (risk >= HIGH_RISK),
        rehab & rehab_registration_open(on),
        rehab,  # registration closed today: call now, register from the 1st
        k > rules.REHAB_MAX_MONTHS,
        (k >= 1) & (risk >= HIGH_RISK),
        (k >= 1) & (risk >= LOW_RISK),
        k >= 1,
        auto_debit_candidate(frame["often_late"].to_numpy(), frame["auto_debit"].to_numpy()),
    ]
    choices = ["lpd", "csr", "rehab", "telecollecting", "kader_visit", "kader_visit", "telecollecting", "sms",
               "auto_debit"]
    return pd.Series(np.select(conds, choices, default="sms"), index=frame.index, name="action")


def capacity(collectors: int, contacts_per_day: int, days: int = 5) -> int:
    """Contacts the team can make in the period (a working week by default)."""
    return max(0, int(collectors)) * max(0, int(contacts_per_day)) * max(0, int(days))


def expected_recovery(arrears_months: Any, arrears_rp: Any, bill_rp: Any, risk: Any) -> np.ndarray:
    """P(pay) × Rupiah recoverable (see the module docstring)."""
    k = np.asarray(arrears_months)
    r = np.asarray(risk, float)
    return np.where(k >= 1, (1 - r) * np.asarray(arrears_rp, float), r * np.asarray(bill_rp, float))


# --- scope helpers --------------------------------------------------------------------------------
def _branch_for(scope: Scope, branch_code: str | None) -> str:
    scope.require("sees_participants")
    if scope.branch_code:
        if branch_code and branch_code != scope.branch_code:
            raise ScopeError(f"branch {branch_code} is outside this user's scope")
        return scope.branch_code
    if not branch_code:
        raise ValueError("choose a branch")
    return branch_code


def _check_family(conn: Any, scope: Scope, family_id: int) -> str:
    row = conn.execute(select(Family.branch_code, Branch.region_code).join(Branch, Branch.code == Family.branch_code)
                       .where(Family.id == int(family_id), scope.clause(Branch.region_code, Branch.code))).first()
    if row is None:
        raise ScopeError(f"family {family_id} is not in this user's scope")
    return row[0]


def branches_with_families(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Branches in scope with their number of self-paying family rows (largest first)."""
    scope.require("sees_participants")
    q = (select(Branch.code.label("branch_code"), Branch.name.label("branch_name"),
                func.count(Family.id).label("families"))
         .join(Family, Family.branch_code == Branch.code)
         .where(Family.segment.in_(SELF_PAYING_SEGMENTS), scope.clause(Branch.region_code, Branch.code))
         .group_by(Branch.code, Branch.name).order_by(func.count(Family.id).desc(), Branch.code))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=["branch_code", "branch_name", "families"])


# --- the work queue -------------------------------------------------------------------------------
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
    branch = _branch_for(scope, branch_code)

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
    return QueueKey(engine.url.render_as_string(hide_password=True), branch, features.next_period(int(last)),
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
    branch = _branch_for(scope, key.branch)
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
    branch = _branch_for(scope, key.branch)
    if explained.empty:
        return pd.DataFrame(columns=QUEUE_COLUMNS)
    frame = explained.copy()
    frame["action"] = recommend_actions(frame, on).to_numpy()
    frame["rehab_stages"] = np.where(frame["action"] == "rehab",
                                     rehab_stages(frame["arrears_months"].astype("int64")), 0).astype("int64")
    ids = [int(i) for i in frame["family_id"]]
    chosen: Any = ids if len(ids) <= MAX_ID_PARAMS else select(Family.id).where(Family.branch_code == branch)
    frame = frame.merge(_identities(engine, chosen), on="family_id", how="left")
    frame = frame.merge(_last_actions(engine, chosen), on="family_id", how="left")
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


def _last_actions(engine: Engine, family_ids: Any) -> pd.DataFrame:
    """Last recorded action and outcome per family (``family_ids``: a list or a SELECT of ids)."""
    if isinstance(family_ids, list) and not family_ids:
        return pd.DataFrame(columns=["family_id", "last_action", "last_outcome"])
    last = (select(CollectionAction.family_id, func.max(CollectionAction.id).label("aid"))
            .where(CollectionAction.family_id.in_(family_ids)).group_by(CollectionAction.family_id)).subquery()
    q = (select(CollectionAction.family_id, CollectionAction.action, CollectionAction.outcome)
         .join(last, last.c.aid == CollectionAction.id))
    with engine.connect() as conn:
        out = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=["family_id", "last_action", "last_outcome"])
    out["family_id"] = out["family_id"].astype("int64")
    return out


# --- outcomes -------------------------------------------------------------------------------------
def record_outcome(engine: Engine, scope: Scope, family_id: int, action: str, outcome: str,
                   note: str | None = None) -> int:
    """Store a contact's outcome (recorded_by = the signed-in user); returns the new row id.

    ``period`` is the month the contact works on: the month after the ledger (the scoring month), so
    outcomes never leak into training rows of earlier months and feed the next training.
    """
    scope.require("sees_participants")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
    month = features.scoring_month(engine)
    with engine.begin() as conn:
        _check_family(conn, scope, family_id)
        res = conn.execute(insert(CollectionAction).values(
            family_id=int(family_id), period=month, action=action, outcome=outcome,
            recorded_by=scope.username[:64], recorded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            note=(note or None) and note[:2000]))
        new_id = int(res.inserted_primary_key[0])
        audit(conn, scope, "collection_outcome", {"family_id": int(family_id), "action": action,
                                                  "outcome": outcome})
    return new_id


def last_action_id(engine: Engine) -> int:
    """The newest ``collection_actions`` row id (0 when none): it moves with every recorded outcome, so a
    cache of :func:`outcome_rates` keyed on it (and on :func:`queue_key`) is never stale. One index probe."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(CollectionAction.id))).scalar() or 0)


def outcome_rates(engine: Engine, scope: Scope, branch_code: str | None = None,
                  period_from: int | None = None) -> pd.DataFrame:
    """Per action: contacts, contact rate (reached in any way) and cure rate (paid or Rehab registered).

    Weighted by the family weight (real families a row stands for), like every head count.
    """
    branch = _branch_for(scope, branch_code)
    w = Family.weight
    conds = [Family.branch_code == branch, scope.clause(Branch.region_code, Branch.code)]
    if period_from:
        conds.append(CollectionAction.period >= period_from)
    q = (select(CollectionAction.action,
                func.sum(w).label("contacts"),
                func.sum(case((CollectionAction.outcome != "unreachable", w), else_=0)).label("reached"),
                func.sum(case((CollectionAction.outcome.in_(CURED_OUTCOMES), w), else_=0)).label("cured"))
         .join(Family, Family.id == CollectionAction.family_id).join(Branch, Branch.code == Family.branch_code)
         .where(*conds).group_by(CollectionAction.action).order_by(CollectionAction.action))
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(q).all(), columns=["action", "contacts", "reached", "cured"])
    for c in ("contacts", "reached", "cured"):
        df[c] = df[c].astype("int64")
    df["contact_rate_pct"] = (100 * df["reached"] / df["contacts"].where(df["contacts"] > 0)).round(1)
    df["cure_rate_pct"] = (100 * df["cured"] / df["contacts"].where(df["contacts"] > 0)).round(1)
    return df


def family_history(engine: Engine, scope: Scope, family_id: int) -> dict[str, pd.DataFrame]:
    """The family's ledger (latest 12 months) and every collection action, newest first."""
    scope.require("sees_participants")
    with engine.connect() as conn:
        _check_family(conn, scope, family_id)
        led = pd.DataFrame(conn.execute(
            select(Contribution.period, Contribution.billed, Contribution.paid, Contribution.paid_date)
            .where(Contribution.family_id == int(family_id)).order_by(Contribution.period.desc()).limit(12)).all(),
            columns=["period", "billed", "paid", "paid_date"])
        acts = pd.DataFrame(conn.execute(
            select(CollectionAction.period, CollectionAction.action, CollectionAction.outcome,
                   CollectionAction.recorded_by, CollectionAction.recorded_at, CollectionAction.note)
            .where(CollectionAction.family_id == int(family_id))
            .order_by(CollectionAction.period.desc(), CollectionAction.id.desc())).all(),
            columns=["period", "action", "outcome", "recorded_by", "recorded_at", "note"])
    return {"ledger": led, "actions": acts}
