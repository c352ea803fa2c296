"""The national monthly batch on Apache Spark (PySpark): delinquency features, scores and pre-aggregates.

Optional for the dashboard: ``jkn_core`` never imports this package, and ``pyspark`` lives in
``requirements-batch.txt``. The batch reads the base tables as Parquet (``python -m jkn_core export-parquet
DIR`` or ``python -m jkn_batch generate``), computes with the SAME definitions as ``jkn_core``
(``jkn_core.collection.features.from_frames`` per family partition, the champion model from
``jkn_core.collection.model``, the aggregate selects of ``jkn_core.kpi.refresh`` compiled to SQL text and run
by Spark SQL), writes Parquet datasets named like the dashboard's tables, and ``python -m jkn_batch load``
puts them into the dashboard's database. See docs/batch.md.
"""
