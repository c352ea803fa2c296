"""SIF model inputs: facility features as of a month and loan requests (the one definition training and
scoring share).

One set-based SQL query (SQLite and PostgreSQL alike) reads facility attributes and the last 13 months of
``facility_months`` (registered participants and their trends, capitation paid after KBK, KBK indicators);
:func:`add_request` attaches a request (amount, tenor, rate -> instalment / capitation income). No participant
row and no ``truth_*`` table is ever read here. Binning, points and models live in ``scorecard`` / ``model``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, func, literal, select

from jkn_core import months
from jkn_core.schema import Branch, Facility, FacilityMonth, SifLoan
from jkn_core.scope import Scope
from jkn_core.sif import policy as credit

CATEGORICAL = ("type", "ownership", "accreditation", "region_code")
NUMERIC = ("years_contracted", "contract_months_remaining", "registered", "registered_trend_12m",
           "registered_trend_6m",
           "capitation_rate", "capitation_income", "contact_rate_pm", "rrns_pct", "rppt_pct", "kbk_pct",
           "participants_per_doctor", "amount", "tenor_months", "instalment_share", "tenor_beyond_contract")
#: Model inputs: categorical attributes, then numeric ones (the design-matrix order of the scorecard).
FEATURES = CATEGORICAL + NUMERIC


def latest_period(engine: Engine) -> int | None:
    """The latest month held in ``facility_months`` (None when empty)."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(FacilityMonth.period))).scalar()


def _requests_for_facilities(scope: Scope, as_of: int, eligible: tuple[str, ...],
                             codes: list[str] | None) -> Any:
    f, b = Facility.__table__, Branch.__table__
    q = (select(f.c.code.label("key"), f.c.code.label("facility_code"), literal(as_of).label("as_of"),
                literal(as_of).label("data_to"))
         .select_from(f.join(b, b.c.code == f.c.branch_code))
         .where(f.c.type.in_(eligible), scope.clause(b.c.region_code, f.c.branch_code)))
    if codes is not None:
        q = q.where(f.c.code.in_(codes))
    return q


def _requests_for_loans(scope: Scope) -> Any:
    s, f, b = SifLoan.__table__, Facility.__table__, Branch.__table__
    # decided before the first instalment: facility data up to the month before the start month
    before_start = months.months_before_sql(s.c.start_period, 1)
    q = (select(s.c.loan_ref.label("key"), s.c.facility_code, s.c.start_period.label("as_of"),
                before_start.label("data_to"))
         .select_from(s.join(f, f.c.code == s.c.facility_code).join(b, b.c.code == f.c.branch_code))
         .where(scope.clause(b.c.region_code, f.c.branch_code), scope.bank_clause(s.c.bank)))
    return q


def _facility_frame(engine: Engine, scope: Scope, requests: Any) -> pd.DataFrame:
    """One row per request: facility attributes and 13-month aggregates of facility_months up to ``data_to``.

    A request has ``as_of`` (the month the loan starts: contract months are counted from it) and ``data_to``
    (the last month of facility data the decision can see: the month before a booked loan's start, the
    latest month for a facility assessed today)."""
    req = requests.subquery("req")
    fm, f, b = FacilityMonth.__table__, Facility.__table__, Branch.__table__
    prev6 = months.months_before_sql(req.c.data_to, 6)
    agg = (select(
        req.c.key, req.c.facility_code, req.c.as_of, req.c.data_to,
        func.count().label("n_months"),
        func.min(fm.c.period).label("p_first"),
        func.max(case((fm.c.period == req.c.data_to, fm.c.registered))).label("registered"),
        func.max(case((fm.c.period == prev6, fm.c.registered))).label("registered_6m_before"),
        func.max(case((fm.c.period == req.c.data_to, fm.c.capitation_paid))).label("capitation_income"),
        func.max(case((fm.c.period == prev6, fm.c.capitation_paid))).label("capitation_6m_before"),
        func.avg(fm.c.contact_rate_pm).label("contact_rate_pm"),
        func.avg(fm.c.rrns_pct).label("rrns_pct"),
        func.avg(fm.c.rppt_pct).label("rppt_pct"),
        func.avg(fm.c.kbk_pct).label("kbk_pct"),
    ).select_from(req.join(fm, and_(fm.c.facility_code == req.c.facility_code,
                                    fm.c.period <= req.c.data_to, fm.c.period >= req.c.data_to - 100)))
        .group_by(req.c.key, req.c.facility_code, req.c.as_of, req.c.data_to)).subquery("agg")
    first = fm.alias("first_month")
    q = (select(agg, first.c.registered.label("registered_first"), f.c.name.label("facility_name"), f.c.type,
                f.c.ownership, f.c.accreditation, f.c.doctors, f.c.capitation_rate, f.c.contract_start,
                f.c.contract_end, f.c.renewals, f.c.branch_code, b.c.name.label("branch_name"), b.c.region_code)
         .select_from(agg.join(first, and_(first.c.facility_code == agg.c.facility_code,
                                           first.c.period == agg.c.p_first))
                      .join(f, f.c.code == agg.c.facility_code).join(b, b.c.code == f.c.branch_code))
         .where(scope.clause(b.c.region_code, f.c.branch_code)))
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    df = pd.DataFrame([dict(r) for r in rows])
    if df.empty:
        return df
    as_of_idx = months.index(df["as_of"].astype(int))
    cs = pd.to_datetime(df["contract_start"])
    ce = pd.to_datetime(df["contract_end"])
    df["months_contracted"] = np.maximum(0, as_of_idx - (cs.dt.year * 12 + cs.dt.month - 1)).astype(int)
    df["years_contracted"] = df["months_contracted"] / 12.0
    df["contract_months_remaining"] = ((ce.dt.year * 12 + ce.dt.month - 1) - as_of_idx).astype(int)
    span = (months.index(df["data_to"].astype(int)) - months.index(df["p_first"].astype(int))).astype(float)
    growth = df["registered"].astype(float) / df["registered_first"].clip(lower=1).astype(float) - 1.0
    # the 12-month change, annualised when fewer months of history exist
    df["registered_trend_12m"] = np.where(span > 0, growth * 12.0 / span.clip(lower=1), 0.0)
    # the change over the last 6 months (since the first month held when the history is shorter)
    before = pd.to_numeric(df["registered_6m_before"], errors="coerce").fillna(df["registered_first"])
    df["registered_trend_6m"] = df["registered"].astype(float) / before.clip(lower=1).astype(float) - 1.0
    df["participants_per_doctor"] = df["registered"].astype(float) / df["doctors"].clip(lower=1)
    for col in ("registered", "capitation_income", "capitation_6m_before", "capitation_rate", "doctors",
                "renewals"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df


def add_request(df: pd.DataFrame, amount: Any, tenor: Any, rate: Any) -> pd.DataFrame:
    """Attach a request (scalars or arrays) and the derived instalment, share and months past contract."""
    out = df.copy()
    out["amount"] = np.asarray(amount, float) if np.ndim(amount) else float(amount)
    out["tenor_months"] = np.asarray(tenor, float) if np.ndim(tenor) else float(tenor)
    out["rate_pct"] = np.asarray(rate, float) if np.ndim(rate) else float(rate)
    out["instalment"] = credit.instalments(out["amount"], out["rate_pct"], out["tenor_months"])
    out["instalment_share"] = out["instalment"] / out["capitation_income"].clip(lower=1)
    out["tenor_beyond_contract"] = np.maximum(0, out["tenor_months"] - out["contract_months_remaining"])
    return out


def reference_request(df: pd.DataFrame, policy: credit.Policy) -> pd.DataFrame:
    """The facility-level reference request (policy): reference tenor at the bank's rate, instalment =
    the reference share of capitation income."""
    inst = policy.reference_instalment_share * df["capitation_income"].fillna(0).to_numpy(float)
    r = policy.bank_rate_pct / 1200
    n = policy.reference_tenor_months
    amount = inst * (1 - (1 + r) ** -n) / r
    amount = np.maximum(policy.min_amount, np.floor(amount / policy.amount_step) * policy.amount_step)
    return add_request(df, amount, n, policy.bank_rate_pct)


def loan_features(engine: Engine, scope: Scope | None = None) -> pd.DataFrame:
    """Features of every booked loan in scope as of its start month, with its label (``defaulted``); a bank
    officer gets only their own bank's loans. Training reads all loans (the system scope)."""
    scope = scope or Scope.system()
    df = _facility_frame(engine, scope, _requests_for_loans(scope))
    if df.empty:
        return df
    s = SifLoan.__table__
    with engine.connect() as conn:
        loans = pd.DataFrame(conn.execute(select(s.c.loan_ref.label("key"), s.c.amount, s.c.tenor_months,
                                                 s.c.rate_pct, s.c.defaulted)
                                          .where(scope.bank_clause(s.c.bank))).mappings().all())
    df = df.merge(loans, on="key")
    df = add_request(df, df["amount"], df["tenor_months"], df["rate_pct"])
    df["defaulted"] = df["defaulted"].astype(int)
    return df


def facility_features(engine: Engine, scope: Scope, as_of: int | None = None, codes: list[str] | None = None,
                      policy: credit.Policy | None = None, eligible_only: bool = True) -> pd.DataFrame:
    """Features of the SIF-eligible facilities in scope as of ``as_of`` (default: latest month), without a
    request (see :func:`add_request` / :func:`reference_request`)."""
    policy = policy or credit.load_policy(engine)
    as_of = as_of or latest_period(engine)
    if as_of is None:
        return pd.DataFrame()
    types = policy.eligible_types if eligible_only else ("klinik_pratama", "dpp", "puskesmas", "dokter_gigi",
                                                         "klinik_tni_polri")
    return _facility_frame(engine, scope, _requests_for_facilities(scope, int(as_of), tuple(types), codes))


def facts_of(row: pd.Series) -> credit.FacilityFacts:
    """The BPJS-confirmed facts of one feature row that the policy rules check."""
    return credit.FacilityFacts(
        facility_type=str(row["type"]), capitation_income=float(row["capitation_income"] or 0),
        contract_months_remaining=int(row["contract_months_remaining"]),
        months_contracted=int(row["months_contracted"]), renewals=int(row["renewals"] or 0),
        participants_per_doctor=float(row["participants_per_doctor"]))

