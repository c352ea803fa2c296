"""Delinquency features: leak-free, consistent with the ledger and the generator's truth, on both backends."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import text

from jkn_core.collection import features

LABEL = 202408


def test_features_ignore_everything_from_the_label_month_on(writable_sqlite_world):
    eng = writable_sqlite_world.engine
    before = features.build(eng, [LABEL]).sort_values("family_id").reset_index(drop=True)
    assert len(before) > 500
    with eng.begin() as conn:
        # rewrite the future: every bill from M on unpaid, every payment made from M on moved/removed,
        # care and collection actions from M on changed
        conn.execute(text("UPDATE contributions SET paid = 0, paid_period = NULL, paid_date = NULL "
                          "WHERE period >= :m"), {"m": LABEL})
        conn.execute(text("UPDATE contributions SET paid_period = 202412, paid_date = '2024-12-20' "
                          "WHERE paid_period >= :m"), {"m": LABEL})
        conn.execute(text("DELETE FROM care_events WHERE period >= :m"), {"m": LABEL})
        conn.execute(text("INSERT INTO care_events (family_id, period, kind, cost) "
                          "SELECT family_id, :m, 'rawat_inap', 9000000 FROM contributions WHERE period = :m"),
                     {"m": LABEL})
        conn.execute(text("INSERT INTO collection_actions (family_id, period, action, outcome, recorded_by, "
                          "recorded_at) SELECT family_id, :m, 'sms', 'paid', 'test', '2024-08-15 10:00:00' "
                          "FROM contributions WHERE period = :m"), {"m": LABEL})
    after = features.build(eng, [LABEL]).sort_values("family_id").reset_index(drop=True)
    assert after["family_id"].tolist() == before["family_id"].tolist()
    pd.testing.assert_frame_equal(after[features.FEATURE_NAMES], before[features.FEATURE_NAMES])
    # the label itself did change: the future was really rewritten (every bill of M is now unpaid)
    assert before["y"].mean() < 1.0 and after["y"].mean() == 1.0


def test_arrears_months_follow_the_ledger(world):
    eng = world.engine
    frame = features.build(eng, [LABEL])
    with eng.connect() as conn:
        prev = pd.DataFrame(conn.execute(text(
            "SELECT family_id, paid_period FROM contributions WHERE period = :p"), {"p": 202407}).all(),
            columns=["family_id", "paid_period"])
    prev["paid_in_month"] = prev["paid_period"].fillna(0).astype(int) == 202407
    merged = frame.merge(prev, on="family_id")
    assert len(merged) == len(frame)  # every label row has a bill in M-1
    # a family is current at the end of M-1 exactly when it paid the bill of M-1 within M-1
    assert ((merged["arrears_months"] == 0) == merged["paid_in_month"]).all()
    assert (frame["arrears_rp"] == np.minimum(frame["arrears_months"], 24) * frame["bill_rp"]).all()
    assert frame["segment"].isin(["PBPU", "BP"]).all()


def test_label_matches_the_generator_truth(world):
    frame = features.build(world.engine, [202410, 202411, 202412], with_truth=True)
    assert frame["p_true"].notna().all()
    # the label is the event the truth is the probability of: the rates agree
    assert abs(frame["y"].mean() - frame["p_true"].mean()) < 0.02
    in_arrears = frame["arrears_months"] > 0
    assert frame.loc[in_arrears, "y"].mean() > 0.8 > 0.3 > frame.loc[~in_arrears, "y"].mean()


def test_scoring_month_rows_have_no_label_and_chunks_do_not_matter(sqlite_world):
    eng = sqlite_world.engine
    month = features.scoring_month(eng)
    assert month == 202501
    a = features.build(eng, [month])
    b = features.build(eng, [month], chunk_size=317)
    assert a["y"].isna().all()
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
