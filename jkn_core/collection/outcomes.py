"""Recorded collection outcomes: write one, the newest id, the last action per family, contact and cure
rates, a family's history.

Participant-level: every function checks the signed-in :class:`Scope` through
:mod:`jkn_core.collection.branch_scope`. Which action to take is decided in
:mod:`jkn_core.collection.actions`; the ranked queue is :mod:`jkn_core.collection.work_queue`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine, case, func, insert, select

from jkn_core.audit import audit
from jkn_core.collection import features
from jkn_core.collection.actions import ACTIONS, CURED_OUTCOMES, OUTCOMES
from jkn_core.collection.branch_scope import branch_for, check_family
from jkn_core.schema import Branch, CollectionAction, Contribution, Family
from jkn_core.scope import Scope


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
        check_family(conn, scope, family_id)
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
    cache of :func:`outcome_rates` keyed on it (and on the queue key) is never stale. One index probe."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(CollectionAction.id))).scalar() or 0)


def last_actions(engine: Engine, family_ids: Any) -> pd.DataFrame:
    """Last recorded action and outcome per family (``family_ids``: a list or a SELECT of ids); no scope
    check: the caller has already checked the families (the queue of a branch in scope)."""
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


#: ``recorded_by`` of the collection actions the demo generator simulated (sample rows, weighted).
SIMULATED_BY = "generator"


def contact_weight() -> Any:
    """Real contacts one ``collection_actions`` row stands for: the family weight for a simulated row,
    1 for an outcome a user recorded."""
    return case((CollectionAction.recorded_by == SIMULATED_BY, Family.weight), else_=1)


def outcome_rates(engine: Engine, scope: Scope, branch_code: str | None = None,
                  period_from: int | None = None) -> pd.DataFrame:
    """Per action: contacts, contact rate (reached in any way) and cure rate (paid or Rehab registered).

    A contact the demo generator simulated for a sample family stands for the real contacts of the
    families that sample row represents (its family weight); an outcome a user records is ONE real contact
    and counts once, whatever the family's sampling weight.
    """
    branch = branch_for(scope, branch_code)
    w = contact_weight()
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
        check_family(conn, scope, family_id)
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
