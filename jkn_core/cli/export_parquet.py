"""``python -m jkn_core export-parquet DIR``: the base tables as Parquet, the input of the Spark batch.

Writes one Parquet dataset per table (``DIR/<table>/part-00000.parquet``) from any database the
dashboard runs on (SQLite or PostgreSQL): the base tables the monthly batch (``jkn_batch``, docs/batch.md)
reads for the delinquency features, the scores and the pre-aggregates. Rows are streamed in chunks
(``chunk_rows``, one Parquet row group each): no table is ever held whole in memory.

Personal identifiers are not exported: ``participants`` leaves out NIK, name and birth date (the batch
needs none of them), so the Parquet files hold no identity. The export is an ``export_parquet`` row in
the audit log (operating-system user, tables and row counts).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Engine, Float, Integer, Table, select

from jkn_core.audit import audit
from jkn_core.db import get_engine
from jkn_core.schema import Base
from jkn_core.scope import Scope

#: The tables the batch reads, in order.
TABLES = ("regions", "provinces", "branches", "regencies", "facilities", "facility_months", "families",
          "participants", "contributions", "care_events", "collection_actions")
#: Columns never exported (identities: the batch needs none).
LEFT_OUT = {"participants": ("nik", "name", "birth_date")}
CHUNK_ROWS = 200_000


def _arrow_type(column: Any) -> Any:
    import pyarrow as pa

    t = column.type
    if isinstance(t, Boolean):
        return pa.bool_()
    if isinstance(t, (Integer, BigInteger)):
        return pa.int64()
    if isinstance(t, Float):
        return pa.float64()
    if isinstance(t, DateTime):
        return pa.timestamp("us")
    if isinstance(t, Date):
        return pa.date32()
    return pa.string()


def arrow_schema(name: str) -> Any:
    """The Arrow schema of table ``name`` as exported (the batch's input format)."""
    import pyarrow as pa

    table = Base.metadata.tables[name]
    return pa.schema([pa.field(c.name, _arrow_type(c), nullable=True) for c in table.columns
                      if c.name not in LEFT_OUT.get(name, ())])


def export_table(engine: Engine, table: Table, out: Path, chunk_rows: int = CHUNK_ROWS) -> int:
    """Stream ``table`` into ``out/<name>/part-00000.parquet``; returns the row count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = [c for c in table.columns if c.name not in LEFT_OUT.get(table.name, ())]
    schema = arrow_schema(table.name)
    target = out / table.name
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("*.parquet"):
        old.unlink()
    n = 0
    pk = list(table.primary_key.columns)
    with engine.connect() as conn, pq.ParquetWriter(target / "part-00000.parquet", schema) as writer:
        result = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(
            select(*cols).order_by(*pk))
        for rows in result.partitions(chunk_rows):
            data = list(zip(*rows, strict=True)) if rows else [[] for _ in cols]
            writer.write_table(pa.Table.from_arrays(
                [pa.array(list(v), type=f.type) for v, f in zip(data, schema, strict=True)], schema=schema))
            n += len(rows)
        if n == 0:
            writer.write_table(schema.empty_table())
    return n


def export(engine: Engine, out: Path, scope: Scope | None = None, chunk_rows: int = CHUNK_ROWS) -> dict[str, int]:
    """Every table of :data:`TABLES` into ``out``; audited as ``export_parquet``. Returns rows per table."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {name: export_table(engine, Base.metadata.tables[name], out, chunk_rows) for name in TABLES}
    audit(engine, scope or Scope.system(), "export_parquet", {"dir": str(out), "rows": counts})
    return counts


def _run(args: argparse.Namespace) -> int:
    counts = export(get_engine(), Path(args.dir), Scope.cli())
    for name, n in counts.items():
        print(f"{name}: {n:,} rows", file=sys.stderr)
    print(f"wrote {len(counts)} tables to {args.dir}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``export-parquet`` to the ``python -m jkn_core`` sub-commands."""
    p = sub.add_parser(
        "export-parquet", help="write the base tables as Parquet (the Spark batch's input)",
        description="Write the base tables (families, participants without identities, contributions, "
                    "facilities, facility months, care events, collection actions, geography) as Parquet "
                    "datasets under DIR, streamed in chunks. Input of `python -m jkn_batch run`.")
    p.add_argument("dir", help="output folder (one sub-folder per table)")
    p.set_defaults(func=_run)
