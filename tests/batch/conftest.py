"""Fixtures of the Spark batch tests: one SparkSession (local[2]) per worker, and one batch run on a copy of
the small demo world (exported to Parquet, then ``jkn_batch.job.run``), shared by every test here.

Every test module here is in the xdist group ``spark`` (one worker starts Spark once)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

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
    # tiny tables: compiling whole-stage code for each of the ~60 queries costs more than it saves
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
