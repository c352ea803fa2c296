"""The SparkSession of the batch: ``local[2]`` by default, workers run this interpreter."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

DEFAULT_MASTER = "local[2]"


def spark_session(master: str | None = DEFAULT_MASTER, app_name: str = "jkn-batch",
                  shuffle_partitions: int = 8, driver_memory: str | None = None) -> Any:
    """A SparkSession (the active one when it exists).

    ``master`` None leaves the master to ``spark-submit`` (a cluster). Python workers run the same
    interpreter as the driver (``PYSPARK_PYTHON``: without it they run the system ``python3``, which lacks
    pyarrow and pandas). Double-quoted identifiers are on, so the dashboard's SQL (compiled by SQLAlchemy)
    runs unchanged in Spark SQL.
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    import warnings

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")  # tested: see docs
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master).config("spark.ui.enabled", "false")
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    if not os.environ.get("JKN_BATCH_SPARK_LOG"):
        log4j = Path(__file__).with_name("log4j2.properties")
        builder = builder.config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
    spark = (builder
             .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
             # no broadcast joins: the ledger-sized sides do not fit a driver's memory (a local[2] test run
             # failed with "Not enough memory to build and broadcast the table"); sort-merge joins scale
             .config("spark.sql.autoBroadcastJoinThreshold", "-1")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.ansi.doubleQuotedIdentifiers", "true")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             # bigger Arrow batches to and from the Python workers: fewer, cheaper round trips (a features
             # group is one pandas frame anyway; the scores' predict runs per batch)
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "100000")
             .config("spark.executorEnv.PYSPARK_PYTHON", os.environ["PYSPARK_PYTHON"])
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark
