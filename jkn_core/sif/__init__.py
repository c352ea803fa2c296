"""SIF suitability model: probability of default of a loan to an FKTP, from facility-level data only.

- :func:`features` builds the model's inputs as of a month in one set-based SQL query (SQLite and
  PostgreSQL alike): facility attributes, the last 13 months of ``facility_months`` (registered
  participants and their 12-month trend, capitation paid after KBK, KBK indicators) and the request
  (amount, tenor, rate → instalment ÷ capitation income). No participant row is ever read.
- :func:`train` fits, on the loan history in ``sif_loans`` (features as of each loan's start month,
  time-ordered split: the latest months are the test set), a **scorecard** (logistic regression on
  binned attributes, scaled to points: ``base_score`` at ``base_odds`` good : bad, ``pdo`` points to
  double the odds, see ``jkn_core/sif_policy.toml``) and a **gradient-boosted** challenger; both are
  calibrated with 5-fold cross-validation inside the training months. The better one on held-out ROC
  AUC is the champion (the scorecard keeps the title unless the challenger is ahead by more than
  :data:`CHAMPION_MARGIN`: officers must be able to explain a decline). The scorecard is stored as a
  points table in the card; the challenger is saved with skops. ``truth_loan`` is read only to report
  the oracle AUC on the same test loans.
- :func:`score` writes the PD of every SIF-eligible facility for the reference request to
  ``model_scores``; :func:`assess_application` scores one request with reasons, rules and decision.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, delete, func, insert, literal, or_, select

from jkn_core import modeling, months
from jkn_core.audit import audit
from jkn_core.schema import (
    Branch,
    Facility,
    FacilityMonth,
    ModelScore,
    Region,
    SifApplication,
    SifLoan,
    TruthLoan,
)
from jkn_core.scope import Scope
from jkn_core.sif import policy as credit

Log = Callable[[str], None]

MODEL_NAME = "sif"
CATEGORICAL = ("type", "ownership", "accreditation", "region_code")
NUMERIC = ("years_contracted", "contract_months_remaining", "registered", "registered_trend_12m",
           "registered_trend_6m",
           "capitation_rate", "capitation_income", "contact_rate_pm", "rrns_pct", "rppt_pct", "kbk_pct",
           "participants_per_doctor", "amount", "tenor_months", "instalment_share", "tenor_beyond_contract")
FEATURES = CATEGORICAL + NUMERIC
#: Quantile bins per numeric attribute of the scorecard, and edges forced by policy/domain.
N_QUANTILE_BINS = 8
FORCED_EDGES: dict[str, tuple[float, ...]] = {
    "participants_per_doctor": (5000.0,),  # the 1 : 5,000 norm
    "tenor_beyond_contract": (0.5,),  # the last instalment after the contract end, or not
    "kbk_pct": (92.5, 95.0, 100.0),  # KBK payment steps (Peraturan BPJS 7/2019)
    # registrations mostly grow slowly: fixed bands resolve the small changes quantiles lump together
    "registered_trend_12m": (-0.05, 0.0, 0.01, 0.02, 0.04, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5),
    "registered_trend_6m": (-0.05, 0.0, 0.01, 0.02, 0.04, 0.07, 0.1, 0.15, 0.2, 0.25),
}
#: Skip the quantile edges for these (the forced edges are the whole story).
FORCED_ONLY = ("tenor_beyond_contract", "registered_trend_12m", "registered_trend_6m")
#: The challenger replaces the scorecard only when its held-out ROC AUC is higher by more than this.
CHAMPION_MARGIN = 0.005
TEST_SHARE = 0.30  # latest start months holding about this share of the loans form the test set
RANDOM_STATE = 20241231
N_REASONS = 4


def latest_period(engine: Engine) -> int | None:
    with engine.connect() as conn:
        return conn.execute(select(func.max(FacilityMonth.period))).scalar()


# =====================================================================================================
# features
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
         .where(scope.clause(b.c.region_code, f.c.branch_code)))
    if scope.bank:
        q = q.where(s.c.bank == scope.bank)
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
    """Features of every booked loan as of its start month, with its label (``defaulted``)."""
    scope = scope or Scope.system()
    df = _facility_frame(engine, scope, _requests_for_loans(scope))
    if df.empty:
        return df
    s = SifLoan.__table__
    with engine.connect() as conn:
        loans = pd.DataFrame(conn.execute(select(s.c.loan_ref.label("key"), s.c.amount, s.c.tenor_months,
                                                 s.c.rate_pct, s.c.defaulted)).mappings().all())
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


# =====================================================================================================
# the scorecard (a points table, plain data)
def _edges(x: pd.Series, feature: str) -> list[float]:
    forced = list(FORCED_EDGES.get(feature, ()))
    if feature in FORCED_ONLY:
        return sorted(set(forced))
    qs = np.nanquantile(x.to_numpy(float), np.linspace(0, 1, N_QUANTILE_BINS + 1)[1:-1])
    edges = sorted({float(round(q, 4)) for q in qs} | set(forced))
    lo, hi = np.nanmin(x), np.nanmax(x)
    return [e for e in edges if lo < e <= hi] or [float(np.nanmedian(x))]


class Binner:
    """Turns feature frames into one-hot bin indicators, from a plain-data spec (stored in the card)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec  # {"numeric": {f: {"edges": [...], "fill": x}}, "categorical": {f: [levels]}}

    @classmethod
    def fit(cls, df: pd.DataFrame) -> Binner:
        spec: dict[str, Any] = {"numeric": {}, "categorical": {}}
        for f in NUMERIC:
            x = pd.to_numeric(df[f], errors="coerce")
            spec["numeric"][f] = {"edges": _edges(x, f), "fill": float(np.nanmedian(x))}
        for f in CATEGORICAL:
            spec["categorical"][f] = sorted(df[f].dropna().astype(str).unique().tolist())
        return cls(spec)

    def columns(self) -> list[tuple[str, str, float | None, float | None]]:
        """(feature, bin label, low, high) per indicator column, in design-matrix order."""
        cols: list[tuple[str, str, float | None, float | None]] = []
        for f in CATEGORICAL:
            cols += [(f, lvl, None, None) for lvl in self.spec["categorical"][f]]
        for f in NUMERIC:
            e = self.spec["numeric"][f]["edges"]
            bounds = [-math.inf, *e, math.inf]
            for i in range(len(bounds) - 1):
                cols.append((f, _bin_label(bounds[i], bounds[i + 1]), bounds[i], bounds[i + 1]))
        return cols

    def bin_index(self, df: pd.DataFrame, f: str) -> np.ndarray:
        x = pd.to_numeric(df[f], errors="coerce").fillna(self.spec["numeric"][f]["fill"]).to_numpy(float)
        return np.searchsorted(np.asarray(self.spec["numeric"][f]["edges"], float), x, side="left")

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        blocks = []
        for f in CATEGORICAL:
            levels = self.spec["categorical"][f]
            v = df[f].astype(str).to_numpy()
            blocks.append(np.stack([(v == lvl) for lvl in levels], axis=1).astype(float) if levels
                          else np.zeros((len(df), 0)))
        for f in NUMERIC:
            k = len(self.spec["numeric"][f]["edges"]) + 1
            idx = self.bin_index(df, f)
            blocks.append(np.eye(k)[idx])
        return np.hstack(blocks)


def _bin_label(lo: float, hi: float) -> str:
    def fmt(v: float) -> str:
        return f"{v:,.4g}"
    if lo == -math.inf:
        return f"<= {fmt(hi)}"
    if hi == math.inf:
        return f"> {fmt(lo)}"
    return f"({fmt(lo)}, {fmt(hi)}]"


def points_table(binner: Binner, coef: np.ndarray, intercept: float, policy: credit.Policy) -> list[dict]:
    """Points per attribute band: -factor * beta + (offset - factor * intercept) / n_features, rounded.

    ``coef``/``intercept`` are the (calibrated) log-odds of default; the sum of a facility's points is
    its score = offset + factor * ln(good : bad odds)."""
    share = (policy.offset - policy.factor * intercept) / len(FEATURES)
    rows = []
    for (f, label, lo, hi), beta in zip(binner.columns(), coef, strict=True):
        exact = -policy.factor * beta + share
        rows.append({"feature": f, "bin": label, "low": lo, "high": hi, "points": int(round(exact)),
                     "points_exact": float(exact)})
    for f in CATEGORICAL:  # unseen categories: coefficient 0
        rows.append({"feature": f, "bin": "(other)", "low": None, "high": None, "points": int(round(share)),
                     "points_exact": float(share)})
    return rows


def scorecard_points(card_scorecard: dict[str, Any], df: pd.DataFrame) -> pd.DataFrame:
    """Points per feature (columns = features) for each row, from the stored points table."""
    binner = Binner(card_scorecard["bins"])
    table = pd.DataFrame(card_scorecard["points"])
    out = {}
    for f in CATEGORICAL:
        sub = table[table["feature"] == f].set_index("bin")["points"]
        other = sub.get("(other)", 0)
        out[f] = df[f].astype(str).map(sub).fillna(other).astype(int).to_numpy()
    for f in NUMERIC:
        sub = table[table["feature"] == f]["points"].to_numpy()
        out[f] = sub[binner.bin_index(df, f)]
    return pd.DataFrame(out, index=df.index)


def reasons(card_scorecard: dict[str, Any], points_row: pd.Series, df_row: pd.Series,
            n: int = N_REASONS) -> list[dict[str, Any]]:
    """The attributes that lowered the score most: points below the best band of the same attribute."""
    table = pd.DataFrame(card_scorecard["points"])
    best = table.groupby("feature")["points"].max()
    out = []
    for f in FEATURES:
        lost = int(best[f] - points_row[f])
        if lost > 0:
            out.append({"feature": f, "value": _plain(df_row.get(f)), "points": int(points_row[f]),
                        "points_lost": lost})
    return sorted(out, key=lambda r: -r["points_lost"])[:n]


def _plain(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


# =====================================================================================================
# training
def _split(df: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Time-ordered split: the latest start months holding about TEST_SHARE of the loans are the test set."""
    counts = df.groupby("as_of").size().sort_index(ascending=False)
    cum = counts.cumsum() / counts.sum()
    test_periods = cum[cum.shift(fill_value=0) < TEST_SHARE].index
    if len(counts) < 2:
        raise ValueError("the loan history needs at least two start months for a time-ordered split")
    if len(test_periods) == len(counts):
        test_periods = counts.index[:1]
    cutoff = int(min(test_periods))
    return (df["as_of"] >= cutoff).to_numpy(), cutoff


def _gbm() -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    pre = ColumnTransformer([
        ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), list(CATEGORICAL)),
        ("num", "passthrough", list(NUMERIC)),
    ])
    hgb = HistGradientBoostingClassifier(learning_rate=0.05, max_iter=300, max_depth=3, min_samples_leaf=40,
                                         l2_regularization=1.0, categorical_features=list(range(len(CATEGORICAL))),
                                         early_stopping=True, validation_fraction=0.15, random_state=RANDOM_STATE)
    return Pipeline([("prep", pre), ("gbm", hgb)])


def _fit_scorecard(train: pd.DataFrame, policy: credit.Policy, log: Log) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    binner = Binner.fit(train)
    X = binner.transform(train)
    y = train["defaulted"].to_numpy()
    lr = LogisticRegression(C=0.5, max_iter=2000)
    # calibration: Platt scaling of out-of-fold log-odds, folded into the coefficients
    cv = StratifiedKFold(5, shuffle=True, random_state=RANDOM_STATE)
    oof = cross_val_predict(lr, X, y, cv=cv, method="decision_function")
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(oof.reshape(-1, 1), y)
    a, b = float(platt.intercept_[0]), float(platt.coef_[0, 0])
    lr.fit(X, y)
    coef = b * lr.coef_[0]
    intercept = a + b * float(lr.intercept_[0])
    log(f"scorecard: {X.shape[1]} attribute bands, Platt a={a:.3f} b={b:.3f}")
    return {"bins": binner.spec, "coef": coef.tolist(), "intercept": intercept,
            "points": points_table(binner, coef, intercept, policy)}


def scorecard_logit(sc: dict[str, Any], df: pd.DataFrame) -> np.ndarray:
    """Exact (unrounded) calibrated log-odds of default of the scorecard."""
    return Binner(sc["bins"]).transform(df) @ np.asarray(sc["coef"]) + sc["intercept"]


def _pd_from_points(total: np.ndarray, policy: credit.Policy) -> np.ndarray:
    return 1.0 / (1.0 + np.exp((np.asarray(total, float) - policy.offset) / policy.factor))


def train(engine: Engine, log: Log = print) -> dict[str, Any]:
    """Train scorecard and challenger on ``sif_loans``; save the champion; return the model card."""
    from sklearn.calibration import CalibratedClassifierCV

    policy = credit.load_policy(engine)
    df = loan_features(engine)
    if df.empty or df["defaulted"].nunique() < 2:
        raise ValueError("sif_loans holds no usable loan history (need defaults and repaid loans)")
    df = df.sort_values(["as_of", "key"]).reset_index(drop=True)
    is_test, cutoff = _split(df)
    train_df, test_df = df[~is_test].reset_index(drop=True), df[is_test].reset_index(drop=True)
    log(f"sif: {len(df)} loans, {int(df['defaulted'].sum())} defaults; train {len(train_df)} "
        f"(start < {cutoff}), test {len(test_df)} (start >= {cutoff})")
    y_test = test_df["defaulted"].to_numpy()
    with engine.connect() as conn:
        truth = dict(conn.execute(select(TruthLoan.loan_ref, TruthLoan.pd_true)
                                  .where(TruthLoan.loan_ref.in_(test_df["key"].tolist()))).all())
    truth_arr = np.array([truth.get(k, np.nan) for k in test_df["key"]], float) if truth else None

    sc = _fit_scorecard(train_df, policy, log)
    p_sc_exact = 1 / (1 + np.exp(-scorecard_logit(sc, test_df)))
    pts = scorecard_points(sc, test_df).sum(axis=1).to_numpy()
    p_sc_points = _pd_from_points(pts, policy)
    exact_scores = policy.offset - policy.factor * scorecard_logit(sc, test_df)
    m_sc = modeling.binary_metrics(y_test, p_sc_points, truth_arr)
    points_check = {
        "max_abs_score_diff": float(np.max(np.abs(pts - exact_scores))),
        "rounding_bound": len(FEATURES) * 0.5,
        "max_abs_pd_diff": float(np.max(np.abs(p_sc_points - p_sc_exact))),
        "mean_abs_pd_diff": float(np.mean(np.abs(p_sc_points - p_sc_exact))),
    }
    log(f"scorecard: ROC AUC {m_sc['roc_auc']:.4f} (oracle {m_sc['oracle_roc_auc']}); points vs exact: "
        f"max {points_check['max_abs_score_diff']:.2f} points, max PD diff {points_check['max_abs_pd_diff']:.4f}")

    gbm = CalibratedClassifierCV(_gbm(), method="isotonic", cv=5)
    gbm.fit(train_df[list(FEATURES)], train_df["defaulted"].to_numpy())
    p_gbm = gbm.predict_proba(test_df[list(FEATURES)])[:, 1]
    m_gbm = modeling.binary_metrics(y_test, p_gbm, truth_arr)
    log(f"gradient boosting: ROC AUC {m_gbm['roc_auc']:.4f}")

    champion = "gbm" if (m_gbm["roc_auc"] or 0) > (m_sc["roc_auc"] or 0) + CHAMPION_MARGIN else "scorecard"
    m = m_sc if champion == "scorecard" else m_gbm
    p_champ = p_sc_points if champion == "scorecard" else p_gbm
    gap = None if m["oracle_roc_auc"] is None else m["oracle_roc_auc"] - m["roc_auc"]
    gap_ci = None if truth_arr is None else modeling.oracle_gap_interval(y_test, p_champ, truth_arr)
    log(f"champion: {champion}; ROC AUC {m['roc_auc']:.4f}, oracle {m['oracle_roc_auc']}, gap {gap}"
        + ("" if not gap_ci else f" (95 % bootstrap interval {gap_ci['low']:.4f} to {gap_ci['high']:.4f})"))

    # PSI reference: reference-request scores of every eligible facility as of the last training month
    ref_asof = int(df["as_of"].max())
    ref = reference_request(facility_features(engine, Scope.system(), ref_asof, policy=policy), policy)
    ref_scores = _champion_scores(champion, sc, gbm, ref, policy)
    edges = np.unique(np.quantile(ref_scores, np.linspace(0, 1, 11)[1:-1])).tolist()
    by_region = {rc: credit.bin_shares(ref_scores[(ref["region_code"] == rc).to_numpy()], edges)
                 for rc in sorted(ref["region_code"].unique())}

    card = {
        "model": MODEL_NAME,
        "champion": champion,
        **{k: m[k] for k in ("roc_auc", "oracle_roc_auc", "pr_auc", "brier", "ece", "base_rate")},
        "oracle_gap": gap,
        "oracle_gap_interval": gap_ci,
        "n_train": int(len(train_df)), "n_test": int(len(test_df)),
        "n_defaults_train": int(train_df["defaulted"].sum()), "n_defaults_test": int(y_test.sum()),
        "trained_at": modeling.now_iso(),
        "data_from": int(df["as_of"].min()), "data_to": int(df["as_of"].max()),
        "split": {"kind": "time", "test_from_period": cutoff},
        "label": "defaulted (sif_loans.defaulted): default during the loan's life",
        "features": list(FEATURES),
        "models": {"scorecard": {**m_sc, "calibration": "Platt scaling of 5-fold out-of-fold log-odds"},
                   "gbm": {**m_gbm, "calibration": "isotonic, 5-fold CalibratedClassifierCV"}},
        "champion_rule": f"gbm only when its held-out ROC AUC beats the scorecard's by > {CHAMPION_MARGIN}",
        "calibration": modeling.calibration_table(y_test, p_champ),
        "scorecard": {**sc, "scaling": {"base_score": policy.base_score, "base_odds": policy.base_odds,
                                        "pdo": policy.pdo, "factor": policy.factor, "offset": policy.offset}},
        "points_check": points_check,
        "psi_reference": {"as_of": ref_asof, "edges": edges,
                          "national": credit.bin_shares(ref_scores, edges), "by_region": by_region},
        "policy": policy.as_dict(),
        "versions": modeling.versions(),
    }
    modeling.save_model(MODEL_NAME, {"champion": champion, "gbm": gbm}, card)
    _load.cache_clear()
    log(f"saved to {modeling.model_dir(MODEL_NAME)}")
    return card


# =====================================================================================================
# scoring
@lru_cache(maxsize=4)
def _load_cached(folder: str, mtime: float) -> tuple[dict[str, Any], Any]:
    # HistGradientBoosting keeps functools.partial(sklearn.utils.validation.check_array): the partial is
    # trusted, the function it wraps must still pass the sklearn-only check of load_model
    return modeling.read_card(MODEL_NAME), modeling.load_model(MODEL_NAME, extra_trusted=["functools.partial"])


def _load() -> tuple[dict[str, Any], Any]:
    path = modeling.model_dir(MODEL_NAME) / "card.json"
    if not path.exists():
        raise FileNotFoundError(f"no trained SIF model at {path.parent}; run `python -m jkn_core train sif`")
    return _load_cached(str(path.parent), path.stat().st_mtime)


_load.cache_clear = _load_cached.cache_clear  # type: ignore[attr-defined]


def model_available() -> bool:
    return (modeling.model_dir(MODEL_NAME) / "card.json").exists()


def _champion_pd(champion: str, sc: dict[str, Any], gbm: Any, df: pd.DataFrame,
                 policy: credit.Policy) -> np.ndarray:
    if champion == "scorecard":
        return _pd_from_points(scorecard_points(sc, df).sum(axis=1).to_numpy(), policy)
    return gbm.predict_proba(df[list(FEATURES)])[:, 1]


def _champion_scores(champion: str, sc: dict[str, Any], gbm: Any, df: pd.DataFrame,
                     policy: credit.Policy) -> np.ndarray:
    if champion == "scorecard":
        return scorecard_points(sc, df).sum(axis=1).to_numpy(float)
    p = np.clip(gbm.predict_proba(df[list(FEATURES)])[:, 1], 1e-9, 1 - 1e-9)
    return np.round(policy.offset + policy.factor * np.log((1 - p) / p))


def predict(df: pd.DataFrame, policy: credit.Policy | None = None) -> pd.DataFrame:
    """PD, score (points), grade for rows that carry a request; from the shipped champion."""
    card, model = _load()
    policy = policy or credit.load_policy()
    sc = card["scorecard"]
    out = pd.DataFrame(index=df.index)
    out["score"] = _champion_scores(card["champion"], sc, model["gbm"], df, policy)
    out["pd"] = _champion_pd(card["champion"], sc, model["gbm"], df, policy)
    out["grade"] = [credit.grade(s, policy) for s in out["score"]]
    return out


def model_version() -> str:
    card, _ = _load()
    return f"sif-{card['champion']}-{card['trained_at']}"[:40]


def score(engine: Engine, log: Log = print) -> int:
    """PD of every SIF-eligible facility for the reference request, as of the latest month -> model_scores."""
    policy = credit.load_policy(engine)
    df = facility_features(engine, Scope.system(), policy=policy)
    if df.empty:
        log("sif: no eligible facilities to score")
        return 0
    df = reference_request(df, policy)
    pred = predict(df, policy)
    version, now = model_version(), dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [{"model": MODEL_NAME, "entity_id": c, "period": int(p), "score": float(s), "model_version": version,
             "scored_at": now} for c, p, s in zip(df["facility_code"], df["as_of"], pred["pd"], strict=True)]
    t = ModelScore.__table__
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.model == MODEL_NAME))
        for i in range(0, len(rows), 5000):
            conn.execute(insert(t), rows[i:i + 5000])
    log(f"sif: scored {len(rows)} facilities as of {int(df['as_of'].iloc[0])} with {version}")
    return len(rows)


# =====================================================================================================
# what the pages ask
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


def facts_of(row: pd.Series) -> credit.FacilityFacts:
    return credit.FacilityFacts(
        facility_type=str(row["type"]), capitation_income=float(row["capitation_income"] or 0),
        contract_months_remaining=int(row["contract_months_remaining"]),
        months_contracted=int(row["months_contracted"]), renewals=int(row["renewals"] or 0),
        participants_per_doctor=float(row["participants_per_doctor"]))


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
    card, _ = _load()
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
    a: credit.Assessment = result["assessment"]
    t = SifApplication.__table__
    values = {"facility_code": result["facility_code"], "officer": scope.username,
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
            "application_id": new_id, "facility_code": result["facility_code"], "amount": int(a.amount),
            "tenor_months": int(a.tenor_months), "decision": result["decision"], "score": int(result["score"])})
    return int(new_id)


def applications(engine: Engine, scope: Scope, code: str | None = None, limit: int = 50) -> pd.DataFrame:
    t, f, b = SifApplication.__table__, Facility.__table__, Branch.__table__
    q = (select(t.c.id, t.c.created_at, t.c.facility_code, f.c.name.label("facility_name"), t.c.officer,
                t.c.amount, t.c.tenor_months, t.c.rate_pct, t.c.score, t.c.grade, t.c.decision, t.c.note)
         .select_from(t.join(f, f.c.code == t.c.facility_code).join(b, b.c.code == f.c.branch_code))
         .where(scope.clause(b.c.region_code, f.c.branch_code)).order_by(t.c.id.desc()).limit(limit))
    if code:
        q = q.where(t.c.facility_code == code)
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    return pd.DataFrame([dict(r) for r in rows])


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
    df["max_tenor_months"] = [credit.max_tenor(facts_of(r), policy) for _, r in df.iterrows()]
    df["max_loan"] = [credit.max_loan(facts_of(r), min(n, t), policy.bank_rate_pct, policy)
                      for (_, r), t in zip(df.iterrows(), df["max_tenor_months"], strict=True)]
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
    feats = facility_features(engine, scope, as_of, policy=policy, eligible_only=False)
    q = select(s.c.loan_ref, s.c.facility_code, s.c.bank, s.c.start_period, s.c.amount, s.c.tenor_months,
               s.c.rate_pct, s.c.defaulted, s.c.days_past_due)
    if scope.bank:
        q = q.where(s.c.bank == scope.bank)
    if feats.empty:
        return pd.DataFrame()
    q = q.where(s.c.facility_code.in_(feats["facility_code"].tolist()))
    with engine.connect() as conn:
        loans = pd.DataFrame(conn.execute(q).mappings().all())
    if loans.empty:
        return loans
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
    card, _ = _load()
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
    if not code:
        return None
    with engine.connect() as conn:
        return conn.execute(select(Region.name).where(Region.code == code)).scalar()


def card() -> dict[str, Any] | None:
    return modeling.read_card(MODEL_NAME)


def card_json() -> str:
    return json.dumps(card(), indent=2, default=str)
