"""Saved credit applications (SIF loans to FKTP, SCF lines to FKRTL): the one query a bank officer's list reads.

The scope limits the facilities (a bank officer: their bank's market, see :mod:`jkn_core.bank_markets`) and a
bank officer additionally sees only the applications saved for their own bank (the table's ``bank`` column)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Engine, Table, select

from jkn_core.schema import Branch, Facility
from jkn_core.scope import Scope

#: Columns every application list starts with; the product's own terms follow, then ``grade``, ``decision``,
#: ``note``.
HEAD = ("id", "created_at", "facility_code", "facility_name", "officer", "bank")
TAIL = ("grade", "decision", "note")


def saved(engine: Engine, scope: Scope, table: Table, terms: Sequence[str], code: str | None = None,
          limit: int = 50) -> pd.DataFrame:
    """Applications of ``table`` in scope (of one facility when ``code`` is given), newest first, with the
    columns :data:`HEAD` + ``terms`` + :data:`TAIL`."""
    t, f, b = table, Facility.__table__, Branch.__table__
    columns = [f.c.name.label(c) if c == "facility_name" else t.c[c] for c in (*HEAD, *terms, *TAIL)]
    q = (select(*columns)
         .select_from(t.join(f, f.c.code == t.c.facility_code).join(b, b.c.code == f.c.branch_code))
         .where(scope.clause(b.c.region_code, f.c.branch_code), scope.bank_clause(t.c.bank))
         .order_by(t.c.id.desc()).limit(limit))
    if code:
        q = q.where(t.c.facility_code == code)
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=[*HEAD, *terms, *TAIL])
