"""Session fixtures of the Spark batch, shared by tests/batch/ and tests/e2e/test_batch_e2e.py (imported by
tests/conftest.py, so each is built ONCE per session / xdist worker; every test using them is in the xdist
group ``spark``).

- ``spark``: one SparkSession, ``local[2]``, two shuffle partitions (the small world's tables are tiny).
- ``batch_world``: one batch run on a copy of the small demo world (exported to Parquet, then
  ``jkn_batch.job.run`` with the features of every label month): the features, scores and aggregates every
  equality, load and end-to-end test reads.
- :func:`copy_base_tables`: a database with the small world's base tables but none of the batch's tables.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select

from tests.worlds import sqlite_copy


@dataclass
class BatchWorld:
    engine: Engine  # a private copy of the small world (tests may write to it)
    db_file: Path
    input_dir: Path  # export-parquet of the copy
    output_dir: Path  # the batch's results
    steps: dict


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    import os

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from jkn_batch.session import spark_session

    session = spark_session("local[2]", app_name="jkn-batch-tests", shuffle_partitions=2)
    # tiny tables: compiling whole-stage code for each of the ~40 queries costs more than it saves
    session.conf.set("spark.sql.codegen.wholeStage", "false")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def batch_world(spark: Any, sqlite_world_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BatchWorld]:
    from jkn_batch.job import run
    from jkn_core.cli.export_parquet import export
    from jkn_core.db import make_engine

    root = tmp_path_factory.mktemp("batch")
    db = root / "world.db"
    sqlite_copy(sqlite_world_file, db)
    engine = make_engine(f"sqlite:///{db}")
    export(engine, root / "input")
    steps = run(spark, root / "input", root / "output")
    yield BatchWorld(engine, db, root / "input", root / "output", steps)
    engine.dispose()


def copy_base_tables(src: Engine, dst: Engine) -> None:
    """Every table of ``src`` into ``dst`` except what the batch loads (aggregates, channel mix, scores, meta) and the
    audit log (its ids come from the target's own sequence)."""
    from jkn_core.db import bulk_insert
    from jkn_core.kpi.refresh import AGG_TABLES
    from jkn_core.schema import Base

    loaded = {t.name for t in AGG_TABLES} | {"agg_channel", "model_scores", "meta", "audit_log"}
    present = set(inspect(src).get_table_names())  # a world made before a table existed lacks it
    with src.connect() as s, dst.begin() as d:
        for table in Base.metadata.sorted_tables:
            if table.name in loaded or table.name not in present:
                continue
            cols = [c.name for c in table.columns]
            rows = s.execute(select(*table.columns)).all()
            if rows:
                bulk_insert(d, table.name, cols, (tuple(r) for r in rows))
