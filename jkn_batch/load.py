"""``python -m jkn_batch load DIR``: the batch's Parquet results into the dashboard's database.

One transaction per table: the table's old rows go (``model_scores``: the delinquency model's rows only)
and the batch's rows come in, streamed by Arrow record batches — PostgreSQL through ``COPY ... FROM STDIN``
(CSV written by Arrow, psycopg's copy), SQLite through ``executemany`` per batch. Each table's load is an
audit row ``batch_load`` in the same transaction. After the aggregates, their freshness mark is set
(``jkn_core.kpi.refresh.mark_current``) to the months loaded, so the KPI pages read them; ``agg_channel``
(the payment-channel mix, #13) sets its own mark (``jkn_core.programmes.channels.META_KEY``) the same way.
No pyspark is needed here (pyarrow only).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete

from jkn_batch.job import OUTPUT_TABLES
from jkn_core.audit import audit
from jkn_core.kpi import refresh
from jkn_core.schema import Base, ModelScore
from jkn_core.scope import Scope

BATCH_ROWS = 100_000


def _dataset(path: Path) -> Any:
    import pyarrow.dataset as ds

    files = sorted(p for p in path.rglob("*.parquet") if not p.name.startswith(("_", ".")))
    if not files:
        raise FileNotFoundError(f"{path} holds no Parquet files: run `python -m jkn_batch run` first")
    return ds.dataset([str(f) for f in files], format="parquet")


def _copy_postgres(conn: Any, table: str, columns: list[str], batches: Any) -> int:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    raw = conn.connection.dbapi_connection
    n = 0
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)") as copy:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            buf = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buf,
                            pacsv.WriteOptions(include_header=False, quoting_style="needed"))
            copy.write(buf.getvalue())
            n += batch.num_rows
    return n


def _insert_sqlite(conn: Any, table: str, columns: list[str], batches: Any) -> int:
    raw = conn.connection.dbapi_connection
    cur = raw.cursor()
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    n = 0
    for batch in batches:
        data = batch.to_pydict()
        cur.executemany(sql, list(zip(*(data[c] for c in columns), strict=True)))
        n += batch.num_rows
    return n


def load_table(engine: Engine, results: Path, name: str, scope: Scope) -> int:
    """Replace the rows of table ``name`` by ``results/name`` in one transaction; returns rows written."""
    table = Base.metadata.tables[name]
    dataset = _dataset(Path(results) / name)
    columns = [c.name for c in table.columns if c.name in dataset.schema.names]
    missing = [c.name for c in table.columns if c.name not in dataset.schema.names]
    if missing:
        raise ValueError(f"{results / name} lacks the column(s) {', '.join(missing)} of table {name}")
    batches = dataset.to_batches(columns=columns, batch_size=BATCH_ROWS)
    Base.metadata.create_all(engine, tables=[table])
    with engine.begin() as conn:
        if name == "model_scores":
            models = set(dataset.to_table(columns=["model"]).column("model").unique().to_pylist())
            conn.execute(delete(ModelScore).where(ModelScore.model.in_(sorted(models))))
        else:
            conn.execute(table.delete())
        writer = _copy_postgres if engine.dialect.name == "postgresql" else _insert_sqlite
        n = writer(conn, name, columns, batches)
        audit(conn, scope, "batch_load", {"table": name, "rows": int(n), "source": str(results)})
        if name == "agg_channel":
            _mark_channel_current(conn)
        if name == "agg_coverage":
            periods = dataset.to_table(columns=["period"]).column("period").unique().to_pylist()
            refresh.mark_current(conn, [int(p) for p in periods])
    return n


def _mark_channel_current(conn: Any) -> None:
    """``agg_channel``'s freshness mark: the newest import (what ``channels.refresh`` records), inside the
    load's transaction, so the channel mix reads the loaded rows until the next import."""
    from sqlalchemy import insert, select

    from jkn_core.kpi.freshness import last_import_id, state_mark
    from jkn_core.programmes import channels
    from jkn_core.schema import Meta

    mark = state_mark(conn.execute(select(last_import_id())).scalar())
    conn.execute(delete(Meta).where(Meta.key == channels.META_KEY))
    conn.execute(insert(Meta).values(key=channels.META_KEY, value=mark))


def load(engine: Engine, results: Path, scope: Scope | None = None) -> dict[str, int]:
    """Every output dataset of the batch into the database (one transaction per table).

    ``agg_coverage`` is loaded last: its transaction also sets the aggregates' freshness mark, so the KPI
    queries switch to the loaded aggregates only once all of them are in."""
    scope = scope or Scope.system()
    order = [t for t in OUTPUT_TABLES if t != "agg_coverage"] + ["agg_coverage"]
    counts = {name: load_table(engine, Path(results), name, scope) for name in order}
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for name in order:
                conn.exec_driver_sql(f"ANALYZE {name}")
    return counts
