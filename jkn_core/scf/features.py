"""Hospital features for SCF from the claims ledger: ONE definition for training, scoring and the officer page.

A hospital's features *as of* month ``t`` use what BPJS's ledger shows at the end of ``t``: the claims of
the service months ``t-6 .. t-1`` (a month's claims are submitted in the month after the care). Per
hospital and month the ledger already holds one row; the rolling windows are computed on the columnar
frame (no loop per hospital). ``truth_hospital`` is never read here.

* ``dispute_3m``, ``dispute_6m``: disputed ÷ submitted amount over the last 3 / 6 service months;
* ``return_3m``, ``return_6m``: returned (missing documents) ÷ submitted;
* ``dispute_trend``: dispute share of the last 3 months minus that of the 3 before;
* ``submit_delay_3m``: mean days from the end of the service month to the claim's receipt;
* ``volume_change``: log of (claims submitted in the last 3 months ÷ the 3 before);
* ``log_claims``: log10 of the mean monthly claim (Rupiah) over 6 months;
* ``hospital_class`` (A-D) and ``ownership`` (categorical).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from jkn_core.schema import Branch, Facility
from jkn_core.schema_claims import Claim
from jkn_core.scope import Scope

NUMERIC = ["dispute_3m", "dispute_6m", "return_3m", "return_6m", "dispute_trend", "submit_delay_3m",
           "volume_change", "log_claims"]
CATEGORICAL = ["hospital_class", "ownership"]
LEVELS = {"hospital_class": ["A", "B", "C", "D"], "ownership": ["pemerintah", "swasta", "tni_polri"]}
FEATURES = NUMERIC + CATEGORICAL
#: Months of claims a feature row needs.
HISTORY = 6


def claims_frame(engine: Engine, scope: Scope, codes: list[str] | None = None) -> pd.DataFrame:
    """The claims ledger of the hospitals in scope (only the columns the features need)."""
    c, f, b = Claim.__table__, Facility.__table__, Branch.__table__
    q = (select(c.c.facility_code, c.c.service_period, c.c.hospital_class, f.c.ownership, c.c.submitted_on,
                c.c.amount_submitted_rp, c.c.returned_rp, c.c.disputed_rp)
         .select_from(c.join(f, f.c.code == c.c.facility_code).join(b, b.c.code == f.c.branch_code))
         .where(scope.clause(b.c.region_code, f.c.branch_code)))
    if codes is not None:
        q = q.where(c.c.facility_code.in_(codes))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all(),
                            columns=["facility_code", "service_period", "hospital_class", "ownership",
                                     "submitted_on", "amount_submitted_rp", "returned_rp", "disputed_rp"])


def latest_period(engine: Engine) -> int | None:
    """The last month the ledger has received claims in: last service month + 1."""
    with engine.connect() as conn:
        p = conn.execute(select(func.max(Claim.service_period))).scalar()
    if p is None:
        return None
    from jkn_core import months
    return int(months.from_index(months.index(int(p)) + 1))


def _next(period: pd.Series, k: int) -> pd.Series:
    y, m = period // 100, period % 100 - 1 + k
    return (y + m // 12) * 100 + m % 12 + 1


def hospital_features(claims: pd.DataFrame) -> pd.DataFrame:
    """Features of every hospital as of every month ``t`` with 6 service months ``t-6..t-1`` in ``claims``.

    Returns one row per (facility_code, as_of)."""
    if claims.empty:
        return pd.DataFrame(columns=["facility_code", "as_of", *FEATURES])
    d = claims.copy()
    d["service_period"] = d["service_period"].astype(int)
    month_end = pd.to_datetime(d["service_period"].astype(str) + "01", format="%Y%m%d") + pd.offsets.MonthEnd(0)
    d["delay"] = (pd.to_datetime(d["submitted_on"]) - month_end).dt.days.astype(float)
    d = d.sort_values(["facility_code", "service_period"]).reset_index(drop=True)
    cols = {}
    for name in ("amount_submitted_rp", "returned_rp", "disputed_rp", "delay"):
        s = d[name].astype(float)
        cols[name + "_3"] = s.rolling(3).sum()
        cols[name + "_6"] = s.rolling(6).sum()
    # the window is valid when the row 5 rows back is the same hospital, 5 months earlier (no gaps)
    consecutive = ((d["facility_code"].shift(5) == d["facility_code"])
                   & (d["service_period"].shift(5) == _next(d["service_period"], -5)))
    sub3, sub6 = cols["amount_submitted_rp_3"], cols["amount_submitted_rp_6"]
    prev3 = sub6 - sub3
    out = pd.DataFrame({
        "facility_code": d["facility_code"], "as_of": _next(d["service_period"], 1),
        "dispute_3m": cols["disputed_rp_3"] / sub3, "dispute_6m": cols["disputed_rp_6"] / sub6,
        "return_3m": cols["returned_rp_3"] / sub3, "return_6m": cols["returned_rp_6"] / sub6,
        "dispute_trend": cols["disputed_rp_3"] / sub3 - (cols["disputed_rp_6"] - cols["disputed_rp_3"]) / prev3,
        "submit_delay_3m": cols["delay_3"] / 3,
        "volume_change": np.log(sub3.clip(lower=1) / prev3.clip(lower=1)),
        "log_claims": np.log10((sub6 / 6).clip(lower=1)),
        "hospital_class": d["hospital_class"].fillna("C"), "ownership": d["ownership"],
    })
    return out[consecutive.to_numpy()].reset_index(drop=True)


def matrix(df: pd.DataFrame) -> np.ndarray:
    """The model's input matrix: the numeric features, then one indicator per categorical level (fixed)."""
    parts = [df[NUMERIC].to_numpy(float)]
    for col in CATEGORICAL:
        parts.append(np.column_stack([(df[col] == lv).to_numpy(float) for lv in LEVELS[col][1:]]))
    return np.column_stack(parts)


def matrix_columns() -> list[str]:
    return NUMERIC + [f"{c}={lv}" for c in CATEGORICAL for lv in LEVELS[c][1:]]
