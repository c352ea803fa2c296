"""SIF facility assessment for a bank officer: search facilities in scope, a facility's profile and capitation
history, assess one loan request (PD, score, grade, reasons, policy rules, decision), save and list
applications (audited). Portfolio-level queries live in ``portfolio``.

Facilities, their capitation and their scores are BPJS data shared by every bank of the market. A saved
application belongs to the bank of the officer who saved it, stamped in ``sif_applications.bank`` at save
time: a bank officer lists only their own bank's applications (:meth:`Scope.bank_clause`) in their bank's
market (:meth:`Scope.clause`), national roles list all. Moving an officer to another bank later does not
move their past applications.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, insert, or_, select

from jkn_core import credit_applications
from jkn_core.audit import audit
from jkn_core.schema import Branch, Facility, FacilityMonth, SifApplication
from jkn_core.scope import Scope
from jkn_core.sif import policy as credit
from jkn_core.sif.features import add_request, facility_features, facts_of
from jkn_core.sif.model import load_champion, model_version, predict
from jkn_core.sif.scorecard import reasons, scorecard_points
from jkn_core.sif.upgrade import ensure_application_bank


def search_facilities(engine: Engine, scope: Scope, text: str = "", limit: int = 50) -> pd.DataFrame:
    """SIF-eligible facilities in scope whose name or code contains ``text`` (case-insensitive)."""
    policy = credit.load_policy(engine)
    f, b = Facility.__table__, Branch.__table__
    q = (select(f.c.code.label("facility_code"), f.c.name.label("facility_name"), f.c.type,
                b.c.name.label("branch_name"))
         .select_from(f.join(b, b.c.code == f.c.branch_code))
         .where(f.c.type.in_(policy.eligible_types), scope.clause(b.c.region_code, f.c.branch_code)))
    text = (text or "").strip().lower()
    if text:
        like = f"%{text}%"
        q = q.where(or_(func.lower(f.c.name).like(like), func.lower(f.c.code).like(like)))
    q = q.order_by(f.c.name, f.c.code).limit(limit)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(),
                            columns=["facility_code", "facility_name", "type", "branch_name"])


def capitation_history(engine: Engine, scope: Scope, code: str) -> pd.DataFrame:
    """Monthly registered participants, capitation paid and KBK share of one facility in scope."""
    fm, f, b = FacilityMonth.__table__, Facility.__table__, Branch.__table__
    q = (select(fm.c.period, fm.c.registered, fm.c.capitation_paid, fm.c.kbk_pct)
         .select_from(fm.join(f, f.c.code == fm.c.facility_code).join(b, b.c.code == f.c.branch_code))
         .where(fm.c.facility_code == code, scope.clause(b.c.region_code, f.c.branch_code))
         .order_by(fm.c.period))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(),
                            columns=["period", "registered", "capitation_paid", "kbk_pct"])


def facility_profile(engine: Engine, scope: Scope, code: str, as_of: int | None = None) -> pd.Series | None:
    """The BPJS-confirmed facts and model inputs of one facility in scope (None when out of scope)."""
    df = facility_features(engine, scope, as_of, codes=[code])
    return None if df.empty else df.iloc[0]


def assess_application(engine: Engine, scope: Scope, code: str, amount: float, tenor: int, rate: float,
                       policy: credit.Policy | None = None, profile: pd.Series | None = None) -> dict[str, Any]:
    """Score one request: PD, score, grade, reasons, the rules, the maximum loan and the decision."""
    policy = policy or credit.load_policy(engine)
    prof = profile if profile is not None else facility_profile(engine, scope, code)
    if prof is None:
        raise LookupError(f"facility {code} is not SIF-eligible in your region")
    row = add_request(pd.DataFrame([prof]), amount, tenor, rate)
    pred = predict(row, policy).iloc[0]
    card, _ = load_champion()
    pts = scorecard_points(card["scorecard"], row).iloc[0]
    facts = facts_of(prof)
    assessment = credit.assess(facts, amount, tenor, rate, policy)
    score_ = float(pred["score"])
    decision = credit.decide(assessment, score_, policy)
    return {
        "facility_code": code, "facility_name": prof["facility_name"], "as_of": int(prof["as_of"]),
        "pd": float(pred["pd"]), "score": int(round(score_)), "grade": pred["grade"],
        "reasons": reasons(card["scorecard"], pts, row.iloc[0]), "assessment": assessment,
        "decision": decision, "facts": facts, "profile": prof, "model_version": model_version(),
        "policy": policy,
    }


def save_application(engine: Engine, scope: Scope, result: dict[str, Any], note: str | None) -> int:
    """Store the assessment in ``sif_applications`` and audit it, in one transaction; returns its id."""
    scope.require("sees_sif")
    ensure_application_bank(engine)
    a: credit.Assessment = result["assessment"]
    t = SifApplication.__table__
    values = {"facility_code": result["facility_code"], "officer": scope.username, "bank": scope.bank or None,
              "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None), "amount": int(a.amount),
              "tenor_months": int(a.tenor_months), "rate_pct": float(a.rate_pct), "pd": float(result["pd"]),
              "score": int(result["score"]), "grade": str(result["grade"]), "decision": result["decision"],
              "note": (note or "").strip() or None, "model_version": result.get("model_version")}
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":  # BIGINT key: SQLite does not auto-number it (see access.audit)
            values["id"] = conn.execute(select(func.coalesce(func.max(t.c.id), 0) + 1)).scalar()
            conn.execute(insert(t).values(**values))
            new_id = values["id"]
        else:
            new_id = conn.execute(insert(t).values(**values).returning(t.c.id)).scalar()
        audit(conn, scope, "sif_application_saved", {
            "application_id": new_id, "facility_code": result["facility_code"], "bank": scope.bank,
            "amount": int(a.amount),
            "tenor_months": int(a.tenor_months), "decision": result["decision"], "score": int(result["score"])})
    return int(new_id)


def applications(engine: Engine, scope: Scope, code: str | None = None, limit: int = 50) -> pd.DataFrame:
    """Saved applications in scope (of one facility when ``code`` is given), newest first.

    The scope limits the facilities (a bank officer: their bank's market); a bank officer additionally sees
    only applications saved for their own bank (``sif_applications.bank``)."""
    ensure_application_bank(engine)
    return credit_applications.saved(engine, scope, SifApplication.__table__,
                                     ("amount", "tenor_months", "rate_pct", "score"), code, limit)


