"""``python -m jkn_batch run``: features, scores and pre-aggregates from Parquet base tables, in Spark.

One definition each, shared with the dashboard (docs/batch.md):

- **features**: the ledger (narrow typed columns) is cogrouped by a family bucket (``family_id mod n``,
  about :data:`FAMILIES_PER_GROUP` families each) with a small frame of the families, care events and
  collection actions tagged by source, and each group is handed to
  :func:`jkn_core.collection.features.from_frames` (``cogroup(...).applyInPandas``) — the very function
  ``features.build`` applies to its SQL chunks;
- **scores**: the champion model (loaded safely by ``jkn_core.collection.model.load``) applied with
  ``mapInPandas`` to the feature rows of the scoring month (the month after the ledger), through
  ``jkn_core.collection.model.predict``;
- **aggregates**: the selects of ``jkn_core.kpi.refresh`` compiled to SQL text (PostgreSQL dialect, literal
  values) and run by Spark SQL on temporary views named like the tables.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import Any

#: Families per applyInPandas group (the same order of size as ``features.build``'s SQL chunks).
FAMILIES_PER_GROUP = 20_000
#: Ledger rows per shuffle partition at most (``run`` raises ``spark.sql.shuffle.partitions`` to this size;
#: a shuffled hash join holds one partition of the families in memory).
LEDGER_ROWS_PER_PARTITION = 2_000_000
#: Base tables the job reads (a subset of ``jkn_core export-parquet``'s).
INPUT_TABLES = ("branches", "regencies", "facilities", "facility_months", "families", "participants",
                "contributions", "care_events", "collection_actions")
#: Small tables kept in memory (read by several queries). The big ones are NOT cached: building Spark's
#: in-memory columns of the 1 % ledger cost ≈ 32 CPU-seconds and saved nothing (each query reads only the
#: Parquet columns it needs, and the features and each aggregate scan the ledger once).
CACHED_TABLES = ("branches", "regencies", "facilities")
#: Output datasets, named like the dashboard's tables.
OUTPUT_TABLES = ("model_scores", "agg_collection", "agg_arrears", "agg_coverage", "agg_coverage_regency",
                 "agg_capacity", "agg_channel")

_FAM_COLS = {"segment": "string", "kelas": "bigint", "members": "bigint", "regency_code": "string",
             "branch_code": "string", "province_code": "string", "registered_on": "date",
             "auto_debit": "boolean", "head_birth_year": "bigint", "arrears_before_months": "bigint",
             "weight": "bigint", "income_index": "double", "is_city": "boolean"}
#: The columns of the small side of the features' cogroup (families, care events, collection actions tagged
#: by source); the ledger, the big side, travels alone in narrow columns (:data:`_LEDGER_COLS`).
_SIDE_COLS = {"family_id": "bigint", **_FAM_COLS, "period": "int", "kind": "string", "cost": "bigint"}
_PARTS = {
    "f": ["family_id", *_FAM_COLS],
    "c": ["family_id", "period", "kind", "cost"],
}
#: The ledger as ``from_frames`` reads it; ``paid_date`` as a timestamp (a datetime64 column in pandas: no
#: Python ``date`` objects to convert, the same day of month).
_LEDGER_COLS = {"family_id": "bigint", "period": "int", "billed": "bigint", "paid_period": "int",
                "paid_date": "timestamp_ntz"}


def read_inputs(spark: Any, input_dir: Path) -> dict[str, Any]:
    """The base tables as DataFrames, each also a temporary view named like the table."""
    frames = {}
    for name in INPUT_TABLES:
        path = Path(input_dir) / name
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: write the input with `python -m jkn_core export-parquet "
                                    f"{input_dir}` or `python -m jkn_batch generate --output {input_dir}`")
        df = spark.read.parquet(str(path))
        if name in CACHED_TABLES:
            df = df.cache()
        df.createOrReplaceTempView(name)
        frames[name] = df
    return frames


def ledger_periods(spark: Any) -> list[int]:
    """The ledger months (``contributions``; ``facility_months`` when the ledger is empty), as refresh does."""
    rows = spark.sql("SELECT DISTINCT period FROM contributions ORDER BY period").collect()
    if not rows:
        rows = spark.sql("SELECT DISTINCT period FROM facility_months ORDER BY period").collect()
    return [int(r[0]) for r in rows]


# --- features ----------------------------------------------------------------------------------------
def _feature_schema() -> str:
    from jkn_core.collection import features

    cols = ["family_id bigint", "period bigint", "branch_code string", "province_code string",
            "regency_code string", "segment string", "weight bigint"]
    cols += [f"{f} double" for f in features.FEATURE_NAMES]
    cols += ["arrears_rp bigint", "bill_rp bigint", "often_late boolean", "y double"]
    return ", ".join(cols)


def _side_frames(pdf: Any) -> tuple[Any, Any, Any]:
    """The tagged side of one group back into the family, care and action frames ``from_frames`` reads."""
    import pandas as pd

    tag = pdf["tag"].to_numpy()
    fam = pdf.loc[tag == "f", _PARTS["f"]].sort_values("family_id", kind="stable").reset_index(drop=True)
    for c in ("auto_debit", "is_city"):
        fam[c] = fam[c].astype(bool)
    for c in ("kelas", "members", "arrears_before_months", "weight"):
        fam[c] = fam[c].astype("int64")
    fam["head_birth_year"] = pd.to_numeric(fam["head_birth_year"], errors="coerce")  # optional
    care = pdf.loc[tag == "c", _PARTS["c"]].reset_index(drop=True)
    acts = pdf.loc[tag == "a", ["family_id", "period", "kind"]].reset_index(drop=True)
    acts = acts.rename(columns={"kind": "outcome"})
    for part in (care, acts):
        part["period"] = part["period"].astype("int64")
    care["cost"] = care["cost"].astype("int64")
    return fam, care, acts


def _ledger_frame(pdf: Any) -> Any:
    """The ledger side of one group as ``from_frames`` reads it (typed as ``features.build``'s SQL gives it)."""
    import pandas as pd

    return pd.DataFrame({"family_id": pdf["family_id"].to_numpy("int64"), "period": pdf["period"].to_numpy("int64"),
                         "billed": pdf["billed"].to_numpy("int64"),
                         "paid_period": pd.array(pdf["paid_period"], dtype="Int64"),
                         "paid_date": pdf["paid_date"]})


def _only_families(frame: Any, ids: Any) -> Any:
    """The rows of ``frame`` whose ``family_id`` is one of ``ids`` (sorted): the semi-join ``features.build``'s
    SQL does (self-paying families only), here inside one group."""
    import numpy as np

    fid = frame["family_id"].to_numpy("int64")
    pos = np.minimum(np.searchsorted(ids, fid), max(len(ids) - 1, 0))
    keep = (ids[pos] == fid) if len(ids) else np.zeros(len(fid), dtype=bool)
    return frame if keep.all() else frame.loc[keep].reset_index(drop=True)


def features_frame(spark: Any, frames: dict[str, Any], months: list[int], rng: tuple[int, int]) -> Any:
    """Feature rows of every self-paying family for each label month of ``months`` (a Spark DataFrame)."""
    from pyspark.sql import functions as F

    from jkn_core.collection import features
    from jkn_core.schema import SELF_PAYING_SEGMENTS

    fam = (frames["families"].where(F.col("segment").isin(list(SELF_PAYING_SEGMENTS)))
           .join(frames["regencies"].select(F.col("code").alias("regency_code"), "province_code", "income_index",
                                            "is_city"), "regency_code")
           .withColumnRenamed("id", "family_id"))
    n_fam = fam.count()
    groups = max(1, math.ceil(n_fam / FAMILIES_PER_GROUP))
    bucket = F.pmod(F.col("family_id"), F.lit(groups)).alias("bucket")

    def side(df: Any, tag: str, rename: dict[str, str] | None = None) -> Any:
        df = df.select(*[F.col(a).alias(b) for a, b in (rename or {}).items()], *[
            c for c in df.columns if c not in (rename or {})])
        cols = [F.lit(tag).alias("tag")]
        for c, typ in _SIDE_COLS.items():
            cols.append((F.col(c) if c in df.columns else F.lit(None)).cast(typ).alias(c))
        return df.select(*cols)

    # rows of other families (not self-paying) are dropped inside each group (``_only_families``), not by a
    # semi-join: that would shuffle the whole ledger one more time
    small = (side(fam, "f")
             .unionByName(side(frames["care_events"], "c"))
             .unionByName(side(frames["collection_actions"].select("family_id", "period", "outcome"), "a",
                               {"outcome": "kind"})))
    small = small.select(bucket, *small.columns)
    ledger = frames["contributions"].select(bucket, *[F.col(c).cast(t).alias(c) for c, t in _LEDGER_COLS.items()])
    months_ = sorted(int(m) for m in months)
    rng_ = (int(rng[0]), int(rng[1]))
    columns = features.ID_COLUMNS + features.FEATURE_NAMES + features.EXTRA_COLUMNS + ["y"]

    def per_group(led_pdf: Any, side_pdf: Any) -> Any:
        from jkn_core.collection.features import from_frames

        fam_, care_, acts_ = _side_frames(side_pdf)
        ids_ = fam_["family_id"].to_numpy("int64")
        res = from_frames(fam_, _only_families(_ledger_frame(led_pdf), ids_), _only_families(care_, ids_),
                          _only_families(acts_, ids_), months_, rng_)
        res = res.reindex(columns=columns)
        for c in ("branch_code", "province_code", "regency_code", "segment"):  # plain objects for Arrow
            res[c] = res[c].astype(object)
        return res.astype({"family_id": "int64", "period": "int64", "weight": "int64", "arrears_rp": "int64",
                           "bill_rp": "int64", "often_late": bool, "y": "float64",
                           **{f: "float64" for f in features.FEATURE_NAMES}})

    return ledger.groupBy("bucket").cogroup(small.groupBy("bucket")).applyInPandas(per_group,
                                                                                    schema=_feature_schema())


# --- scores ------------------------------------------------------------------------------------------
def scores_frame(feature_rows: Any, models_dir: Path | None = None) -> Any:
    """``model_scores`` rows: the champion delinquency model applied partition by partition."""
    from jkn_core.collection import model as delinquency

    if models_dir is not None:
        os.environ["JKN_MODELS_DIR"] = str(models_dir)
    mdl, card = delinquency.load()  # safe loading (skops, trusted types only) on the driver
    version = str(card.get("model_version", "unknown"))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    name = delinquency.MODEL_NAME

    def per_partition(batches: Any) -> Any:
        import pandas as pd

        from jkn_core.collection.model import predict

        for pdf in batches:
            if pdf.empty:
                continue
            p = predict(mdl, pdf)
            yield pd.DataFrame({"model": name, "entity_id": pdf["family_id"].astype("int64").astype(str).astype(object),
                                "period": pdf["period"].astype("int64"), "score": p.astype("float64"),
                                "model_version": version, "scored_at": pd.Timestamp(now)})

    schema = ("model string, entity_id string, period bigint, score double, model_version string, "
              "scored_at timestamp_ntz")
    return feature_rows.mapInPandas(per_partition, schema=schema)


# --- aggregates --------------------------------------------------------------------------------------
class _FirstPeriod:
    """What ``arrears_families`` asks a connection: the first ledger month (a constant here)."""

    def __init__(self, first: int | None) -> None:
        self.first = first

    def execute(self, _stmt: Any) -> _FirstPeriod:
        return self

    def scalar(self) -> int | None:
        return self.first


def sql_text(stmt: Any) -> str:
    """A SQLAlchemy select as SQL text Spark SQL runs (PostgreSQL dialect, values inlined)."""
    from sqlalchemy.dialects import postgresql

    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def _typed(df: Any, columns: list[str], strings: tuple[str, ...]) -> Any:
    from pyspark.sql import functions as F

    return df.select(*[F.col(c).cast("string" if c in strings else "bigint").alias(c) for c in columns])


def aggregates(spark: Any, periods: list[int]) -> dict[str, Any]:
    """The six pre-aggregates (Spark DataFrames), by the selects of ``jkn_core.kpi.refresh`` and
    ``jkn_core.programmes.channels``."""
    from functools import reduce

    from jkn_core.kpi import refresh
    from jkn_core.programmes import channels

    text = ("branch_code", "regency_code", "segment", "bucket")
    out: dict[str, Any] = {}
    out["agg_collection"] = _typed(spark.sql(sql_text(refresh.collection_select())), refresh.COLLECTION_COLUMNS, text)
    if periods:
        cov = _typed(spark.sql(sql_text(refresh.coverage_select(periods))), refresh.COVERAGE_COLUMNS, text)
    else:
        cov = spark.createDataFrame([], "period bigint, regency_code string, branch_code string, segment string, "
                                        "participants bigint, active bigint")
    cov = cov.cache()
    cov.createOrReplaceTempView("agg_coverage")
    out["agg_coverage"] = cov
    out["agg_coverage_regency"] = _typed(spark.sql(sql_text(refresh.coverage_regency_select())),
                                         refresh.COVERAGE_REGENCY_COLUMNS, text)

    def union(selects: list[Any], columns: list[str], empty: str) -> Any:
        if not selects:
            return spark.createDataFrame([], empty)
        return reduce(lambda a, b: a.unionByName(b), [_typed(spark.sql(sql_text(s)), columns, text) for s in selects])

    out["agg_capacity"] = union([refresh.capacity_select(periods)] if periods else [], refresh.CAPACITY_COLUMNS,
                                "period bigint, regency_code string, branch_code string, fktp bigint, fkrtl bigint, "
                                "doctors bigint, registered bigint, capitation_paid bigint")
    has_ledger = spark.sql("SELECT 1 FROM contributions LIMIT 1").count() > 0
    first = spark.sql("SELECT min(period) FROM contributions").first()[0]
    bind = _FirstPeriod(int(first) if first is not None else None)
    out["agg_arrears"] = union([refresh.arrears_select(bind, periods)] if has_ledger and periods else [],
                               refresh.ARREARS_COLUMNS,
                               "period bigint, branch_code string, regency_code string, bucket string, "
                               "people bigint, families bigint, rp bigint")
    # the payment-channel mix (#13): the same select as ``jkn_core.programmes.channels.refresh``
    out["agg_channel"] = _typed(spark.sql(sql_text(channels.channel_select())), channels.AGG_CHANNEL_COLUMNS,
                                ("branch_code", "channel"))
    return out


# --- the job ------------------------------------------------------------------------------------------
def run(spark: Any, input_dir: Path, output_dir: Path, models_dir: Path | None = None,
        feature_months: str = "all", log: Any = None) -> dict[str, Any]:
    """The whole batch; writes ``features/`` and the :data:`OUTPUT_TABLES` datasets under ``output_dir``.

    ``feature_months``: ``all`` (every label month with 3 months of history, plus the scoring month: the
    training table) or ``score`` (the scoring month only). Returns row counts and seconds per step.
    """
    import time

    from jkn_core.months import from_index, index_int, next_period

    say = log or (lambda _m: None)
    out = Path(output_dir)
    steps: dict[str, Any] = {}
    t0 = time.perf_counter()
    frames = read_inputs(spark, Path(input_dir))
    periods = ledger_periods(spark)
    stats = spark.sql("SELECT min(period), max(period), count(*) FROM contributions").first()
    if stats[0] is None:
        raise ValueError("the contribution ledger is empty: nothing to score")
    rng = (int(stats[0]), int(stats[1]))
    steps["ledger_rows"] = int(stats[2])
    parts = max(int(spark.conf.get("spark.sql.shuffle.partitions")), math.ceil(int(stats[2]) / LEDGER_ROWS_PER_PARTITION))
    spark.conf.set("spark.sql.shuffle.partitions", str(parts))
    scoring = int(next_period(rng[1]))
    months = [scoring]
    if feature_months == "all":
        lo, hi = index_int(rng[0]), index_int(rng[1])
        months = [int(from_index(i)) for i in range(lo + 3, hi + 1)] + [scoring]
    feats = features_frame(spark, frames, months, rng)
    feats.write.mode("overwrite").partitionBy("period").parquet(str(out / "features"))
    steps["features_s"] = round(time.perf_counter() - t0, 2)
    say(f"features: {steps['features_s']} s")

    t1 = time.perf_counter()
    scored = spark.read.parquet(str(out / "features")).where(f"period = {scoring}")
    scores_frame(scored, models_dir).write.mode("overwrite").parquet(str(out / "model_scores"))
    steps["scores_s"] = round(time.perf_counter() - t1, 2)
    say(f"scores: {steps['scores_s']} s")

    t2 = time.perf_counter()
    for name, df in aggregates(spark, periods).items():
        df.write.mode("overwrite").parquet(str(out / name))
    steps["aggregates_s"] = round(time.perf_counter() - t2, 2)
    say(f"aggregates: {steps['aggregates_s']} s")
    steps["seconds"] = round(time.perf_counter() - t0, 2)
    steps["scoring_month"] = scoring
    steps["families"] = int(spark.read.parquet(str(out / "model_scores")).count())
    return steps
