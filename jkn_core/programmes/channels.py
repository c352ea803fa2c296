"""Payment channels of the iuran ledger (#13): ``contributions.channel`` and the channel mix.

``channel`` is one of :data:`jkn_core.schema.PAYMENT_CHANNELS` (bank teller, ATM / mobile banking,
PPOB / retail agents, Mobile JKN, auto-debit, unknown). The import column is optional: a new row without
it is empty (read as ``unknown``), an update without the column keeps the stored channel. A database made before the
column existed gets it (NULL, read as ``unknown``) from :func:`jkn_core.schema_upgrade.ensure_optional_columns`.

The mix counts **paid ledger bills** (one row per family and billing month; a family paying three months at
once is three bills), weighted by the family weight, by the month the bill was paid (``paid_period``).

**Pre-aggregate** ``agg_channel`` (payment month × branch × channel: bills, weighted payments and Rupiah), so
the national mix is not a scan of the whole ledger: rebuilt in full after the demo is generated
(:func:`refresh`, an ``AFTER_GENERATE_HOOKS`` entry), after an import of ``contributions`` or ``families``
only for the branches it changed (:func:`after_import`, an ``AFTER_IMPORT_HOOKS`` entry), and after a Rehab
stage payment for the family's branch. Its freshness mark (``meta.agg_channel_state``) is the newest import
audit id it has seen, as for the other ``agg_*`` tables; :func:`channel_mix` reads it only when the mark is
current, else it scans the ledger (an import that ran without the hook, a database loaded by the Spark batch
that does not produce this table).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, inspect, select

from jkn_core.audit import IMPORT_WRITTEN
from jkn_core.kpi.freshness import last_import_id, state_mark
from jkn_core.schema import PAYMENT_CHANNELS, AggChannel, AuditLog, Base, Branch, Contribution, Family, Meta
from jkn_core.schema_upgrade import ensure_optional_columns
from jkn_core.scope import Scope

#: ``meta`` key of the pre-aggregate's freshness mark (the newest import audit id it has seen).
META_KEY = "agg_channel_state"
#: Imports of these tables change the pre-aggregate.
SOURCE_TABLES = ("contributions", "families")
AGG_CHANNEL_COLUMNS = ["period", "branch_code", "channel", "bills", "payments", "rp"]


def channel_select(branches: Sequence[str] | None = None) -> Any:
    """``agg_channel`` rows (columns :data:`AGG_CHANNEL_COLUMNS`): paid bills by payment month, the family's
    branch and channel (NULL: ``unknown``), weighted; one definition for the refresh and the fallback."""
    c, f = Contribution.__table__, Family.__table__
    chan = func.coalesce(c.c.channel, "unknown")
    stmt = (select(c.c.paid_period.label("period"), f.c.branch_code, chan.label("channel"),
                   func.count().label("bills"), func.sum(f.c.weight).label("payments"),
                   func.sum(c.c.paid * f.c.weight).label("rp"))
            .select_from(c.join(f, f.c.id == c.c.family_id))
            .where(c.c.paid > 0, c.c.paid_period.is_not(None))
            .group_by(c.c.paid_period, f.c.branch_code, chan))
    return stmt if branches is None else stmt.where(f.c.branch_code.in_(list(branches)))


def refresh(engine: Engine, branches: Iterable[str] | None = None) -> None:
    """Rebuild ``agg_channel`` (all of it, or the rows of ``branches``) and move its freshness mark to the
    newest import, in one transaction."""
    ensure_optional_columns(engine)
    Base.metadata.create_all(engine, tables=[AggChannel.__table__])  # databases made before the table
    only = None if branches is None else sorted(set(branches))
    t = AggChannel.__table__
    with engine.begin() as conn:
        conn.execute(delete(t) if only is None else delete(t).where(t.c.branch_code.in_(only)))
        if only is None or only:
            conn.execute(insert(t).from_select(AGG_CHANNEL_COLUMNS, channel_select(only)))
        mark = state_mark(conn.execute(select(last_import_id())).scalar())
        conn.execute(delete(Meta).where(Meta.key == META_KEY))
        conn.execute(insert(Meta).values(key=META_KEY, value=mark))


def after_import(engine: Engine, table: str, branches: Iterable[str] | None = None) -> None:
    """Import hook: the branches an import of the ledger or the families changed (all when unknown); after an
    import of another table only the mark moves (when it was current before)."""
    if not inspect(engine).has_table(AggChannel.__tablename__):
        return
    if table in SOURCE_TABLES or not _current_before_last_import(engine):
        refresh(engine, None if (branches is None or table not in SOURCE_TABLES) else branches)
    else:
        refresh(engine, [])


def _current_before_last_import(engine: Engine) -> bool:
    """The mark names the import before the newest one (the aggregate was current until that import)."""
    with engine.connect() as conn:
        mark = conn.execute(select(Meta.value).where(Meta.key == META_KEY)).scalar()
        last = conn.execute(select(last_import_id())).scalar()
        prev = conn.execute(select(func.max(AuditLog.id)).where(AuditLog.action == IMPORT_WRITTEN,
                                                                AuditLog.id < (last or 0))).scalar()
    return mark is not None and mark in (state_mark(prev), state_mark(last))


def usable(engine: Engine) -> bool:
    """True when ``agg_channel`` exists and has seen the newest import."""
    if not inspect(engine).has_table(AggChannel.__tablename__):
        return False
    with engine.connect() as conn:
        mark, last = conn.execute(select(select(Meta.value).where(Meta.key == META_KEY).scalar_subquery(),
                                         last_import_id())).one()
    return mark is not None and mark == state_mark(last)


def channel_mix(engine: Engine, scope: Scope, by_branch: bool = False, period_from: int | None = None) -> pd.DataFrame:
    """Paid bills by payment month (and branch) and channel: ``period``, [``branch_code``, ``branch_name``,]
    ``channel``, ``payments`` (weighted bills), ``rp`` (weighted Rupiah), ``share`` (of the month's [branch's]
    payments). Scoped by the family's branch."""
    ensure_optional_columns(engine)  # an older database gets the column (NULL: unknown)
    b = Branch.__table__
    # the pre-aggregate when it is current, else the same rows computed from the ledger (one definition)
    a = AggChannel.__table__ if usable(engine) else channel_select().subquery()
    keys = [a.c.period]
    if by_branch:
        keys += [a.c.branch_code, b.c.name.label("branch_name")]
    stmt = (select(*keys, a.c.channel, func.sum(a.c.payments).label("payments"), func.sum(a.c.rp).label("rp"))
            .select_from(a.join(b, b.c.code == a.c.branch_code))
            .where(scope.clause(branch_col=a.c.branch_code), *([a.c.period >= period_from] if period_from else []))
            .group_by(*keys, a.c.channel))
    cols = ["period"] + (["branch_code", "branch_name"] if by_branch else []) + ["channel", "payments", "rp"]
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=cols)
    if df.empty:
        return df.assign(share=pd.Series(dtype=float))
    df["period"] = df["period"].astype(int)
    df["payments"] = df["payments"].astype(float)  # PostgreSQL's SUM of a BIGINT is a NUMERIC (Decimal)
    df["rp"] = df["rp"].astype(float)
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
