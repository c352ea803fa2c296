"""SIF portfolio of a bank in scope: the market of eligible facilities ranked by score, booked loans with their
monitoring status, the NPL share, stored scores and score stability (PSI) against the training reference.

The market, stored scores and stability are BPJS facility data shared by every bank of the region; booked
loans belong to a bank, and a bank officer sees only their own bank's (:meth:`Scope.bank_clause`).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from jkn_core import modeling, months, rules
from jkn_core.kpi import freshness
from jkn_core.schema import Branch, Facility, Meta, ModelScore, Region, SifLoan
from jkn_core.scope import Scope
from jkn_core.sif import policy as credit
from jkn_core.sif.features import facility_features, facts_of, latest_period, reference_request
from jkn_core.sif.model import MODEL_NAME, load_champion, model_available, predict

#: Non-performing loans: OJK classes Kurang Lancar, Diragukan and Macet (Kol-3 to Kol-5, over 90 days past due;
#: POJK No. 40/POJK.03/2019).
NPL_CLASSES: tuple[str, ...] = tuple(code for code, _name, _upper in rules.OJK_CLASSES[2:])
#: Above this many facilities holding a loan, :func:`booked_loans` reads the features of every facility in
#: scope instead of binding one parameter per facility code (SQLite allows 32,766 per statement).
MAX_CODE_PARAMS = 5_000


def portfolio_key(engine: Engine) -> str:
    """What the market and the booked loans depend on besides the scope, read in one round trip: the data
    version (every import, demo rebuild or aggregates refresh moves it: ``jkn_core.kpi.freshness``), the
    SIF policy stored in ``meta``, the stored SIF scores (count and newest ``scored_at``: a ``score sif``
    run moves it) and the trained model's card file (a new training). A cache of :func:`market` /
    :func:`booked_loans` / :func:`score_stability` keyed on it, the database URL and the scope is never stale.
    """
    ms = ModelScore.__table__
    q = select(select(Meta.value).where(Meta.key == credit.META_KEY).scalar_subquery(),
               select(func.count()).where(ms.c.model == MODEL_NAME).scalar_subquery(),
               select(func.max(ms.c.scored_at)).where(ms.c.model == MODEL_NAME).scalar_subquery())
    with engine.connect() as conn:
        version = freshness.data_version(conn)
        policy_value, n_scores, last_scored = conn.execute(q).one()
    card = modeling.model_dir(MODEL_NAME) / "card.json"
    stamp = card.stat().st_mtime_ns if card.exists() else 0
    policy_digest = hashlib.sha256((policy_value or "").encode()).hexdigest()[:12]
    return f"{version}|policy:{policy_digest}|scores:{n_scores}@{last_scored}|model:{card}@{stamp}"


def stored_scores(engine: Engine, scope: Scope) -> pd.DataFrame:
    """PDs in model_scores for facilities in scope (empty when nothing was scored yet)."""
    ms, f, b = ModelScore.__table__, Facility.__table__, Branch.__table__
    q = (select(ms.c.entity_id.label("facility_code"), ms.c.score.label("pd"), ms.c.period)
         .select_from(ms.join(f, f.c.code == ms.c.entity_id).join(b, b.c.code == f.c.branch_code))
         .where(ms.c.model == MODEL_NAME, scope.clause(b.c.region_code, f.c.branch_code)))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(), columns=["facility_code", "pd", "period"])


def market(engine: Engine, scope: Scope) -> pd.DataFrame:
    """SIF-eligible facilities in scope ranked by score, with the maximum loan at the reference tenor.

    PDs come from ``model_scores`` when scored; otherwise they are computed on demand from the shipped
    model (nothing is written)."""
    policy = credit.load_policy(engine)
    df = facility_features(engine, scope, policy=policy)
    if df.empty:
        return df
    df = reference_request(df, policy)
    stored = stored_scores(engine, scope)
    if len(stored) and set(df["facility_code"]) <= set(stored["facility_code"]):
        df = df.merge(stored[["facility_code", "pd"]], on="facility_code")
        df["score"] = [round(credit.score_from_pd(p, policy)) for p in df["pd"]]
        df["score_source"] = "model_scores"
    else:
        pred = predict(df, policy)
        df["pd"], df["score"], df["score_source"] = pred["pd"], pred["score"], "on_demand"
    df["grade"] = [credit.grade(s, policy) for s in df["score"]]
    n = policy.reference_tenor_months
    # the policy rules per facility, on plain dicts: DataFrame.iterrows built a Series per row twice
    # (7 s of the 9 s a national market took at default scale)
    facts = [facts_of(r) for r in df.to_dict("records")]
    tenors = [credit.max_tenor(x, policy) for x in facts]
    df["max_tenor_months"] = tenors
    df["max_loan"] = [credit.max_loan(x, min(n, t), policy.bank_rate_pct, policy)
                      for x, t in zip(facts, tenors, strict=True)]
    ok = (df["months_contracted"] >= policy.min_contract_months) & (
        df["participants_per_doctor"] <= policy.max_participants_per_doctor) & (df["max_tenor_months"] > 0)
    df["eligible"] = ok
    df.loc[~ok, "max_loan"] = 0
    cols = ["facility_code", "facility_name", "type", "branch_name", "registered", "capitation_income",
            "contract_end", "contract_months_remaining", "participants_per_doctor", "score", "pd", "grade",
            "eligible", "max_tenor_months", "max_loan", "score_source", "region_code"]
    return df[cols].sort_values(["score", "facility_code"], ascending=[False, True]).reset_index(drop=True)


def booked_loans(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Loans of the officer's bank in scope with monitoring status: capitation trend over 6 months,
    contract end approaching, OJK collectability class from days past due, outstanding principal."""
    policy = credit.load_policy(engine)
    as_of = latest_period(engine)
    s = SifLoan.__table__
    q = select(s.c.loan_ref, s.c.facility_code, s.c.bank, s.c.start_period, s.c.amount, s.c.tenor_months,
               s.c.rate_pct, s.c.defaulted, s.c.days_past_due).where(scope.bank_clause(s.c.bank))
    with engine.connect() as conn:
        loans = pd.DataFrame(conn.execute(q).mappings().all())
    if loans.empty or as_of is None:
        return pd.DataFrame()
    # features of the facilities that hold a loan only (was: every facility in scope, then a filter)
    codes = sorted(set(loans["facility_code"]))
    feats = (facility_features(engine, scope, as_of, codes=codes, policy=policy, eligible_only=False)
             if len(codes) <= MAX_CODE_PARAMS else
             facility_features(engine, scope, as_of, policy=policy, eligible_only=False))
    if feats.empty:
        return pd.DataFrame()
    loans = loans[loans["facility_code"].isin(set(feats["facility_code"]))]
    if loans.empty:
        return pd.DataFrame()
    df = loans.merge(feats[["facility_code", "facility_name", "branch_name", "capitation_income",
                            "capitation_6m_before", "contract_end", "contract_months_remaining"]],
                     on="facility_code")
    paid = (months.index(int(as_of)) - months.index(df["start_period"].astype(int))).clip(lower=0)
    df["months_remaining"] = (df["tenor_months"] - paid).clip(lower=0)
    df["outstanding"] = [round(credit.outstanding(a, r, int(n), int(k))) for a, r, n, k in
                         zip(df["amount"], df["rate_pct"], df["tenor_months"], paid, strict=True)]
    df["capitation_trend_6m"] = df["capitation_income"] / df["capitation_6m_before"].replace(0, np.nan) - 1
    df["kol"] = credit.ojk_classes(df["days_past_due"])
    df["contract_end_soon"] = df["contract_months_remaining"] <= policy.contract_end_warning_months
    df["capitation_falling"] = df["capitation_trend_6m"] < -policy.capitation_drop_warning
    return df.sort_values(["days_past_due", "loan_ref"], ascending=[False, True]).reset_index(drop=True)


def score_stability(engine: Engine, scope: Scope, scores: pd.Series | None = None,
                    region_code: str | None = None) -> dict[str, Any] | None:
    """PSI of today's reference-request scores in scope against the training-time distribution."""
    if not model_available():
        return None
    card, _ = load_champion()
    ref = card.get("psi_reference")
    if not ref:
        return None
    if scores is None:
        m = market(engine, scope)
        scores = m["score"] if len(m) else pd.Series(dtype=float)
        region_code = region_code or (m["region_code"].iloc[0] if len(m) and m["region_code"].nunique() == 1
                                      else None)
    expected = ref["by_region"].get(region_code) if region_code else ref["national"]
    expected = expected or ref["national"]
    actual = credit.bin_shares(scores.to_numpy(float), ref["edges"])
    value = credit.psi(expected, actual)
    return {"psi": value, "status": credit.psi_status(value), "reference_as_of": ref["as_of"],
            "n": int(len(scores)), "edges": ref["edges"], "expected": expected, "actual": actual}


def region_name(engine: Engine, code: str | None) -> str | None:
    """The name of a Kedeputian Wilayah (None for no code)."""
    if not code:
        return None
    with engine.connect() as conn:
        return conn.execute(select(Region.name).where(Region.code == code)).scalar()




def npl_share(loans: pd.DataFrame) -> float:
    """Share of loans (by count) whose OJK class (column ``kol``) is non-performing (:data:`NPL_CLASSES`)."""
    return float(loans["kol"].isin(NPL_CLASSES).mean())
