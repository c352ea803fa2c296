"""Payment channels of the iuran ledger (#13): ``contributions.channel`` and the channel mix.

``channel`` is one of :data:`jkn_core.schema.PAYMENT_CHANNELS` (bank teller, ATM / mobile banking,
PPOB / retail agents, Mobile JKN, auto-debit, unknown). The import column is optional: a new row without
it is empty (read as ``unknown``), an update without the column keeps the stored channel. A database made before the
column existed gets it (NULL, read as ``unknown``) from :func:`jkn_core.schema_upgrade.ensure_optional_columns`.

The mix counts **paid ledger bills** (one row per family and billing month; a family paying three months at
once is three bills), weighted by the family weight, by the month the bill was paid (``paid_period``).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, func, select

from jkn_core.schema import PAYMENT_CHANNELS, Branch, Contribution, Family
from jkn_core.schema_upgrade import ensure_optional_columns
from jkn_core.scope import Scope


def channel_mix(engine: Engine, scope: Scope, by_branch: bool = False, period_from: int | None = None) -> pd.DataFrame:
    """Paid bills by payment month (and branch) and channel: ``period``, [``branch_code``, ``branch_name``,]
    ``channel``, ``payments`` (weighted bills), ``rp`` (weighted Rupiah), ``share`` (of the month's [branch's]
    payments). Scoped by the family's branch."""
    ensure_optional_columns(engine)  # an older database gets the column (NULL: unknown)
    c, f, b = Contribution.__table__, Family.__table__, Branch.__table__
    chan = func.coalesce(c.c.channel, "unknown").label("channel")
    keys = [c.c.paid_period.label("period")]
    if by_branch:
        keys += [f.c.branch_code, b.c.name.label("branch_name")]
    stmt = (select(*keys, chan, func.sum(f.c.weight).label("payments"), func.sum(c.c.paid * f.c.weight).label("rp"))
            .select_from(c.join(f, f.c.id == c.c.family_id).join(b, b.c.code == f.c.branch_code))
            .where(c.c.paid > 0, c.c.paid_period.is_not(None), scope.clause(branch_col=f.c.branch_code),
                   *([c.c.paid_period >= period_from] if period_from else []))
            .group_by(*keys, chan))
    cols = ["period"] + (["branch_code", "branch_name"] if by_branch else []) + ["channel", "payments", "rp"]
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=cols)
    if df.empty:
        return df.assign(share=pd.Series(dtype=float))
    df["period"] = df["period"].astype(int)
    group = ["period"] + (["branch_code"] if by_branch else [])
    df["share"] = df["payments"] / df.groupby(group)["payments"].transform("sum")
    order = {ch: i for i, ch in enumerate(PAYMENT_CHANNELS)}
    return df.sort_values(group + ["channel"], key=lambda s: s.map(order) if s.name == "channel" else s,
                          kind="stable").reset_index(drop=True)


def shares_by_branch(mix: pd.DataFrame) -> pd.DataFrame:
    """A :func:`channel_mix` ``by_branch`` frame of one month as one row per branch: ``branch_name``,
    ``payments`` and one share column per channel (``PAYMENT_CHANNELS`` order)."""
    if mix.empty:
        return pd.DataFrame(columns=["branch_code", "branch_name", "payments", *PAYMENT_CHANNELS])
    wide = mix.pivot_table(index=["branch_code", "branch_name"], columns="channel", values="share",
                           aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=list(PAYMENT_CHANNELS), fill_value=0.0)
    tot = mix.groupby(["branch_code", "branch_name"])["payments"].sum()
    out = wide.assign(payments=tot).reset_index()
    return out[["branch_code", "branch_name", "payments", *PAYMENT_CHANNELS]]


def monthly_shares(mix: pd.DataFrame) -> tuple[list[int], dict[str, list[float]]]:
    """A national/scope :func:`channel_mix` frame as (months, {channel: share per month})."""
    if mix.empty:
        return [], {}
    wide = mix.pivot_table(index="period", columns="channel", values="share", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=[c for c in PAYMENT_CHANNELS if c in wide.columns]).sort_index()
    return [int(p) for p in wide.index], {c: wide[c].astype(float).tolist() for c in wide.columns}
