"""The Spark batch computes what the dashboard computes: features row for row, scores, aggregates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from jkn_core.collection import features
from jkn_core.collection import model as delinquency
from jkn_core.schema import Base, ModelScore

pytestmark = [pytest.mark.xdist_group("spark"), pytest.mark.slow]

AGG_KEYS = {
    "agg_collection": ["period", "branch_code", "regency_code", "segment"],
    "agg_arrears": ["period", "branch_code", "regency_code", "bucket"],
    "agg_coverage": ["period", "regency_code", "branch_code", "segment"],
    "agg_coverage_regency": ["period", "regency_code"],
    "agg_capacity": ["period", "regency_code", "branch_code"],
    "agg_channel": ["period", "branch_code", "channel"],  # the payment-channel mix (#13)
}


def _parquet(path) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.read_parquet(path)


def test_features_equal_row_for_row(batch_world):
    months = features.label_months(batch_world.engine) + [features.scoring_month(batch_world.engine)]
    db = features.build(batch_world.engine, months)
    spark_rows = _parquet(batch_world.output_dir / "features")
    key = ["family_id", "period"]
    db = db.sort_values(key).reset_index(drop=True)
    sp = spark_rows.astype({"period": "int64"}).sort_values(key).reset_index(drop=True)[list(db.columns)]
    assert len(db) > 20_000 and len(sp) == len(db)
    assert (sp["family_id"].to_numpy() == db["family_id"].to_numpy()).all()
    assert (sp["period"].to_numpy() == db["period"].astype("int64").to_numpy()).all()
    for col in features.FEATURE_NAMES + ["y", "arrears_rp", "bill_rp", "weight"]:
        a, b = sp[col].to_numpy(float), db[col].to_numpy(float)
        assert np.array_equal(a, b, equal_nan=True), col
    for col in ("branch_code", "regency_code", "province_code", "segment", "often_late"):
        assert (sp[col].to_numpy() == db[col].to_numpy()).all(), col


def test_scores_identical_to_score_delinquency(batch_world):
    delinquency.score(batch_world.engine)  # `python -m jkn_core score delinquency` on the same data
    with batch_world.engine.connect() as conn:
        db = pd.DataFrame(conn.execute(select(ModelScore.entity_id, ModelScore.period, ModelScore.score,
                                              ModelScore.model_version)
                                       .where(ModelScore.model == "delinquency")).all(),
                          columns=["entity_id", "period", "score", "model_version"])
    sp = _parquet(batch_world.output_dir / "model_scores")
    assert len(db) > 2_000 and len(sp) == len(db)
    assert set(sp["model"]) == {"delinquency"}
    m = db.merge(sp, on="entity_id", suffixes=("_db", "_sp"), validate="one_to_one")
    assert len(m) == len(db)
    assert (m["period_db"] == m["period_sp"]).all() and (m["model_version_db"] == m["model_version_sp"]).all()
    np.testing.assert_allclose(m["score_sp"], m["score_db"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("table", list(AGG_KEYS))
def test_aggregates_equal_to_refresh(batch_world, table):
    cols = [c.name for c in Base.metadata.tables[table].columns]
    with batch_world.engine.connect() as conn:
        db = pd.DataFrame(conn.execute(select(Base.metadata.tables[table])).all(), columns=cols)
    sp = _parquet(batch_world.output_dir / table)[cols]
    key = AGG_KEYS[table]
    assert len(db) > 0
    db = db.sort_values(key).reset_index(drop=True)
    sp = sp.sort_values(key).reset_index(drop=True)
    assert len(sp) == len(db), table
    pd.testing.assert_frame_equal(sp.astype({c: "int64" for c in cols if c not in key or c == "period"}),
                                  db.astype({c: "int64" for c in cols if c not in key or c == "period"}),
                                  check_dtype=False)
