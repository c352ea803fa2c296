"""SCF for a bank officer: hospitals in scope, a hospital's profile and claims history, the proposed line (PD,
grade, limit, tenor, price, decision, with a what-if advance rate), saved applications (audited, stamped with
the officer's bank, listed only to that bank).

Hospital claims are BPJS data shared by every bank of the market (:meth:`Scope.clause`); a saved application
belongs to the bank of the officer who saved it (:meth:`Scope.bank_clause`). No participant row is read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, insert, or_, select

from jkn_core import credit_applications
from jkn_core.audit import audit
from jkn_core.kpi.claims import hospital_months
from jkn_core.scf import policy as scf_policy
from jkn_core.scf.claim_rules import RULE_DAYS
from jkn_core.scf.features import claims_frame, hospital_features, latest_period
from jkn_core.scf.model import model_version, predict
from jkn_core.schema import Branch, Facility
from jkn_core.schema_claims import ScfApplication
from jkn_core.scope import Scope

#: Months of payment history the tenor's "usual delay" looks at.
DELAY_MONTHS = 6


def search_hospitals(engine: Engine, scope: Scope, text: str = "", limit: int = 50) -> pd.DataFrame:
    """Hospitals (FKRTL) in scope whose name or code contains ``text`` (case-insensitive)."""
    scope.require("sees_sif")
    f, b = Facility.__table__, Branch.__table__
    q = (select(f.c.code.label("facility_code"), f.c.name.label("facility_name"), f.c.ownership,
                b.c.name.label("branch_name"))
         .select_from(f.join(b, b.c.code == f.c.branch_code))
         .where(f.c.level == "FKRTL", scope.clause(b.c.region_code, f.c.branch_code)))
    text = (text or "").strip().lower()
    if text:
        like = f"%{text}%"
        q = q.where(or_(func.lower(f.c.name).like(like), func.lower(f.c.code).like(like)))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q.order_by(f.c.name, f.c.code).limit(limit)).mappings().all(),
                            columns=["facility_code", "facility_name", "ownership", "branch_name"])


def hospital_profile(engine: Engine, scope: Scope, code: str) -> dict[str, Any] | None:
    """What the officer sees of one hospital in scope: identity, claims facts and features as of the latest
    month, or None when the hospital is not in scope or has no claims."""
    scope.require("sees_sif")
    hosp = search_hospitals(engine, scope, code, limit=5)
    hosp = hosp[hosp["facility_code"] == code]
    if hosp.empty:
        return None
    hist = hospital_months(engine, scope, code)
    if hist.empty:
        return None
    end = latest_period(engine)
    feats = hospital_features(claims_frame(engine, scope, [code]))
    feats = feats[feats["as_of"] == end]
    paid = hist.dropna(subset=["days_to_payment"]).tail(DELAY_MONTHS)
    delay = float(np.mean(np.clip(paid["days_to_payment"].astype(float) - RULE_DAYS, 0, None))) if len(paid) else 0.0
    receivable = int(hist.loc[hist["paid_on"].isna(), "amount_verified_rp"].sum())
    row = hosp.iloc[0]
    return {"facility_code": code, "facility_name": row["facility_name"], "ownership": row["ownership"],
            "branch_name": row["branch_name"], "as_of": end, "receivable_rp": receivable,
            "mean_verified_rp": float(hist["amount_verified_rp"].tail(DELAY_MONTHS).mean()),
            "delay_beyond_rule_days": delay, "features": feats.iloc[0].to_dict() if len(feats) else None,
            "history": hist}


def assess(engine: Engine, scope: Scope, code: str, advance_rate: float | None = None) -> dict[str, Any] | None:
    """The proposed line for one hospital (None when out of scope or without 6 months of claims)."""
    prof = hospital_profile(engine, scope, code)
    if prof is None or prof["features"] is None:
        return None
    policy = scf_policy.load_policy()
    pd_ = float(predict(pd.DataFrame([prof["features"]]))[0])
    proposal = scf_policy.propose(prof["receivable_rp"], prof["delay_beyond_rule_days"], pd_, policy, advance_rate)
    return {**{k: v for k, v in prof.items() if k != "history"}, **proposal, "model_version": model_version()}


def save_application(engine: Engine, scope: Scope, result: dict[str, Any], note: str | None = None) -> int:
    """Store the proposal in ``scf_applications`` (stamped with the officer's bank) and audit it, in one
    transaction; returns its id."""
    scope.require("sees_sif")
    t = ScfApplication.__table__
    values = {"facility_code": result["facility_code"], "officer": scope.username, "bank": scope.bank or None,
              "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
              "receivable_rp": int(result["receivable_rp"]), "advance_rate": float(result["advance_rate"]),
              "limit_rp": int(result["limit_rp"]), "tenor_days": int(result["tenor_days"]),
              "rate_pct": float(result["rate_pct"]), "pd": float(result["pd"]), "grade": str(result["grade"]),
              "decision": str(result["decision"]), "note": (note or "").strip() or None,
              "model_version": result.get("model_version")}
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            values["id"] = conn.execute(select(func.coalesce(func.max(t.c.id), 0) + 1)).scalar()
            conn.execute(insert(t).values(**values))
            new_id = values["id"]
        else:
            new_id = conn.execute(insert(t).values(**values).returning(t.c.id)).scalar()
        audit(conn, scope, "scf_application_saved", {
            "application_id": new_id, "facility_code": result["facility_code"], "bank": scope.bank,
            "limit_rp": int(result["limit_rp"]), "advance_rate": float(result["advance_rate"]),
            "decision": result["decision"], "grade": result["grade"]})
    return int(new_id)


def applications(engine: Engine, scope: Scope, code: str | None = None, limit: int = 50) -> pd.DataFrame:
    """Saved SCF applications in scope (a bank officer: their bank's market and their bank only)."""
    scope.require("sees_sif")
    return credit_applications.saved(engine, scope, ScfApplication.__table__,
                                     ("limit_rp", "advance_rate", "tenor_days", "rate_pct"), code, limit)
