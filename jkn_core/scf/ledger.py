"""After a committed ``claims`` import: ``days_to_payment`` and ``penalty_rp`` of every claim are recomputed from
the dates and amounts by the claim rules (:mod:`jkn_core.scf.claim_rules`; columnar, in chunks), so they never
disagree with the rules. Registered in :mod:`jkn_core.hooks`. (The file checks are :mod:`jkn_core.scf.claim_import`.)
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, bindparam, select, update

from jkn_core.scf import claim_rules as rules
from jkn_core.schema_claims import Claim

CHUNK = 20_000


def after_import(engine: Engine, table: str) -> None:
    """After a ``claims`` import: recompute ``days_to_payment`` and ``penalty_rp`` of every claim."""
    if table != "claims":
        return
    c = Claim.__table__
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(select(c.c.facility_code, c.c.service_period, c.c.submitted_on,
                                              c.c.payment_due_on, c.c.paid_on, c.c.amount_paid_rp)).mappings().all(),
                          columns=["facility_code", "service_period", "submitted_on", "payment_due_on", "paid_on",
                                   "amount_paid_rp"])
    if df.empty:
        return
    days = (pd.to_datetime(df["paid_on"]) - pd.to_datetime(df["submitted_on"])).dt.days
    df["d"] = days.astype("Int64").astype(object).where(days.notna(), None)
    df["p"] = rules.penalty_v(df["amount_paid_rp"], df["payment_due_on"], df["paid_on"])
    stmt = (update(c).where(c.c.facility_code == bindparam("k_f"), c.c.service_period == bindparam("k_p"))
            .values(days_to_payment=bindparam("v_d"), penalty_rp=bindparam("v_p")))
    rows = [{"k_f": f, "k_p": int(p), "v_d": None if d is None else int(d), "v_p": int(pen)}
            for f, p, d, pen in zip(df["facility_code"], df["service_period"], df["d"], df["p"], strict=True)]
    with engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            conn.execute(stmt, rows[i:i + CHUNK])
