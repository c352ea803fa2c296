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


def test_arrears_before_the_ledger_carry_into_the_features(writable_sqlite_world):
    """Issue 16 item 1: an imported family's arrears depth from before the ledger is history the features use."""
    eng = writable_sqlite_world.engine
    first = features.ledger_range(eng)[0]
    label = features.label_months(eng, 1)[0]  # the 2nd ledger month: one month of recorded history
    assert label > first
    base = features.build(eng, [label]).set_index("family_id")
    with eng.begin() as conn:
        conn.execute(text("UPDATE families SET arrears_before_months = arrears_before_months + 7"))
    deeper = features.build(eng, [label]).set_index("family_id").loc[base.index]
    behind = base["arrears_months"] > 0  # the first bill unpaid: the run started before the ledger continues
    assert behind.any() and (~behind).any()
    assert (deeper.loc[behind, "arrears_months"] == base.loc[behind, "arrears_months"] + 7).all()
    assert (deeper.loc[~behind, "arrears_months"] == 0).all()
    assert (deeper["arrears_before_months"] == base["arrears_before_months"] + 7).all()
    short = behind & (base["arrears_before_months"] < 12)  # the decayed memory saturates for old debts
    assert short.any()
    assert (deeper.loc[short, "missed_decay"] > base.loc[short, "missed_decay"] + 0.1).all()
    # history-length-aware: one month recorded, membership older than the ledger
    assert (base["months_observed"] == 1).all()
    old = base["history_censored"] == 1
    assert old.mean() > 0.5
    assert np.allclose(base.loc[old, "unknown_memory"], features.DECAY)
    assert (base.loc[~old, "unknown_memory"] == 0).all()


def test_history_segments_and_hazards_follow_the_ledger(world):
    frame = features.build(world.engine, [LABEL])
    seg = features.segment_of(frame)
    assert set(seg) == set(features.HISTORY_SEGMENTS)
    assert ((seg == "current") == (frame["missed_6m"] == 0)).all()
    assert ((seg == "behind_1_3") == frame["missed_6m"].between(1, 3)).all()
    assert (frame["missed_3m"] <= frame["missed_6m"]).all() and (frame["missed_6m"] <= frame["missed_12m"]).all()
    # a family's own miss rate: misses per month it was current; long-term debtors have no months at risk
    assert frame["miss_rate"].dropna().between(0, 1).all() and frame["cure_rate"].dropna().between(0, 1).all()
    current = seg == "current"
    assert frame.loc[current, "y"].mean() < frame.loc[seg == "behind_1_3", "y"].mean()
    never_missed = current & (frame["miss_events"] == 0)
    assert (frame.loc[never_missed, "miss_rate"] == 0).all()


def test_late_payment_habit_follows_the_ledger_and_marks_risk(sqlite_world):
    """Issue 16: the share of bills paid in their month but after the due date (the 10th), over the whole
    recorded history, read from the ledger's payment dates; in the demo late payers carry more hidden risk,
    so among current payers the habitual late ones are truly riskier."""
    eng = sqlite_world.engine
    frame = features.build(eng, [LABEL], with_truth=True)
    with eng.connect() as conn:
        led = pd.DataFrame(conn.execute(text(
            "SELECT family_id, period, paid_period, paid_date FROM contributions WHERE period < :p"),
            {"p": LABEL}).all(), columns=["family_id", "period", "paid_period", "paid_date"])
    ontime = led[led["paid_period"].fillna(0).astype(int) == led["period"]]
    late = pd.to_datetime(ontime["paid_date"]).dt.day > 10
    share = late.groupby(ontime["family_id"]).mean().rename("expected")
    merged = frame.merge(share, left_on="family_id", right_index=True, how="left")
    assert np.allclose(merged["late_share_all"], merged["expected"], equal_nan=True)
    assert merged.loc[merged["expected"].isna(), "late_share_all"].isna().all()  # never paid in its month
    current = (features.segment_of(frame) == "current") & (frame["auto_debit"] == 0)
    habit = frame.loc[current, "late_share_all"]
    p = frame.loc[current, "p_true"]
    assert p[habit >= 0.3].mean() > 1.5 * p[habit <= 0.1].mean()
