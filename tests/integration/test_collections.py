"""Collections: every action rule at its boundaries, the ranked queue, scope, outcomes, exports."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from jkn_core import collection as col
from jkn_core.collection.work_queue import work_queue
from jkn_core.exports import export_table
from jkn_core.scope import Scope, ScopeError

CABANG = Scope(role="kantor_cabang", username="cabang", branch_code="0301")
ADMIN = Scope.system()
DIREKSI = Scope.national("direksi")
OPEN_DAY = dt.date(2025, 1, 10)


def _row(**kw):
    base = dict(segment="PBPU", kelas=2, province_code="16", arrears_months=5, risk=0.6, often_late=False,
                auto_debit=False)
    base.update(kw)
    return pd.DataFrame([base])


def _action(on=OPEN_DAY, **kw) -> str:
    return col.recommend_actions(_row(**kw), on).iloc[0]


# --- Rehab ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("months,expected", [(3, False), (4, True), (24, True), (25, False)])
def test_rehab_needs_4_to_24_months(months, expected):
    assert bool(col.rehab_eligible(["PBPU"], [months])[0]) is expected
    assert (_action(arrears_months=months, risk=0.6) == "rehab") is expected


def test_rehab_is_for_self_paying_segments_only_and_at_most_12_stages():
    assert list(col.rehab_eligible(["PBPU", "BP", "PPU", "PBI_APBN"], [6] * 4)) == [True, True, False, False]
    assert list(col.rehab_stages([3, 4, 12, 13, 24, 25])) == [0, 4, 12, 12, 12, 0]


@pytest.mark.parametrize("day,open_", [
    (dt.date(2025, 2, 27), True), (dt.date(2025, 2, 28), False), (dt.date(2024, 2, 28), False),
    (dt.date(2024, 2, 29), False), (dt.date(2025, 3, 28), True), (dt.date(2025, 3, 29), False),
    (dt.date(2025, 1, 1), True), (dt.date(2025, 12, 31), False)])
def test_rehab_registration_days(day, open_):
    assert col.rehab_registration_open(day) is open_
    # when registration is closed the branch calls to prepare the offer instead
    assert _action(on=day, arrears_months=8) == ("rehab" if open_ else "telecollecting")


# --- LPD, CSR, auto-debit ------------------------------------------------------------------------------
@pytest.mark.parametrize("province,months,expected", [
    ("51", 5, "rehab"), ("51", 6, "lpd"), ("51", 11, "lpd"), ("51", 12, "rehab"), ("32", 8, "rehab"),
    ("16", 6, "rehab")])
def test_lpd_partner_only_in_bali_for_6_to_11_months(province, months, expected):
    assert _action(province_code=province, arrears_months=months, kelas=2) == expected


@pytest.mark.parametrize("kelas,province,expected", [
    (3, "32", "csr"), (3, "36", "csr"), (2, "32", "rehab"), (1, "36", "rehab"), (3, "31", "rehab"),
    (3, "16", "rehab")])
def test_csr_candidates_are_class_3_in_west_java_and_banten(kelas, province, expected):
    assert bool(col.csr_candidate(["PBPU"], [kelas], [province])[0]) is (kelas == 3 and province in ("32", "36"))
    assert _action(kelas=kelas, province_code=province, arrears_months=8, risk=0.95) == expected


def test_auto_debit_for_current_payers_who_are_often_late():
    assert _action(arrears_months=0, risk=0.1, often_late=True, auto_debit=False) == "auto_debit"
    assert _action(arrears_months=0, risk=0.1, often_late=True, auto_debit=True) == "sms"
    assert _action(arrears_months=0, risk=0.1, often_late=False, auto_debit=False) == "sms"


def test_early_arrears_by_risk_and_long_arrears_get_a_home_visit():
    assert _action(arrears_months=1, risk=0.2) == "sms"
    assert _action(arrears_months=3, risk=col.LOW_RISK) == "telecollecting"
    assert _action(arrears_months=2, risk=0.95) == "kader_visit"
    assert _action(arrears_months=25, risk=0.5) == "kader_visit"


def test_capacity_and_expected_recovery():
    assert col.capacity(3, 20, 5) == 300
    assert col.capacity(0, 20) == 0
    er = col.expected_recovery([5, 0], [500_000, 0], [100_000, 100_000], [0.8, 0.3])
    np.testing.assert_allclose(er, [100_000, 30_000])


# --- the queue -----------------------------------------------------------------------------------------
def test_cabang_gets_its_branch_queue_ranked_and_cut_to_capacity(sqlite_world):
    q = work_queue(sqlite_world.engine, CABANG, limit=col.capacity(1, 10, 5), on=OPEN_DAY)
    assert len(q) == 50
    assert q["rank"].tolist() == list(range(1, 51))
    assert q["expected_recovery"].is_monotonic_decreasing
    assert set(q["action"]) <= set(col.ACTIONS)
    assert (q["reason_1"] != "").all() and q["name"].str.len().gt(3).all()
    assert not q["nik"].str.contains(r"\*").any()  # the branch team sees identities
    fams = ",".join(str(int(f)) for f in q["family_id"])
    with sqlite_world.engine.connect() as conn:
        branches = {r[0] for r in conn.execute(text(f"SELECT branch_code FROM families WHERE id IN ({fams})"))}
    assert branches == {"0301"}
    assert (q.loc[q["action"] == "rehab", "arrears_months"].between(4, 24)).all()
    full = work_queue(sqlite_world.engine, CABANG, on=OPEN_DAY)
    assert len(full) > len(q) and full.head(50)["family_id"].tolist() == q["family_id"].tolist()
    totals = col.queue_totals(q)
    assert totals == {"families": 50, "arrears_rp": int(q["arrears_rp"].sum()),
                      "expected_recovery": int(q["expected_recovery"].sum())}
    assert all(type(v) is int for v in totals.values())


def test_roles_without_participant_rights_get_no_queue(sqlite_world):
    with pytest.raises(ScopeError):
        work_queue(sqlite_world.engine, DIREKSI, "0301")
    with pytest.raises(ScopeError):
        work_queue(sqlite_world.engine, CABANG, "3101")  # another branch
    with pytest.raises(ScopeError):
        col.family_history(sqlite_world.engine, Scope(role="deputi_wilayah", region_code="KW03"), 1)


def test_queue_export_keeps_identity_for_the_branch_and_refuses_directors(sqlite_world):
    q = work_queue(sqlite_world.engine, CABANG, limit=20, on=OPEN_DAY)
    csv = export_table(sqlite_world.engine, CABANG, q, "antrean", "csv").decode("utf-8-sig")
    assert q["name"].iloc[0] in csv and q["nik"].iloc[0] in csv
    xlsx = export_table(sqlite_world.engine, CABANG, q, "antrean", "xlsx")
    assert pd.read_excel(io.BytesIO(xlsx))["family_id"].tolist() == q["family_id"].tolist()
    with pytest.raises(ScopeError):
        export_table(sqlite_world.engine, DIREKSI, q, "antrean", "csv")


def test_masked_identity_for_a_scope_without_identity_rights(sqlite_world, monkeypatch):
    monkeypatch.setattr(Scope, "sees_identity", property(lambda self: False))
    q = work_queue(sqlite_world.engine, CABANG, limit=5, on=OPEN_DAY)
    assert q["nik"].str.contains(r"\*{6}").all() and q["name"].str.contains(r"\*\*\*").all()


# --- outcomes --------------------------------------------------------------------------------------------
def test_recorded_outcomes_are_stored_shown_and_counted(writable_sqlite_world):
    eng = writable_sqlite_world.engine
    q = work_queue(eng, CABANG, limit=5, on=OPEN_DAY)
    fam = int(q["family_id"].iloc[0])
    before = col.outcome_rates(eng, CABANG).set_index("action")
    col.record_outcome(eng, CABANG, fam, "rehab", "rehab_registered", "daftar Rehab 6 tahap")
    hist = col.family_history(eng, CABANG, fam)["actions"]
    top = hist.iloc[0]
    assert (top["action"], top["outcome"], top["recorded_by"], top["period"]) == (
        "rehab", "rehab_registered", "cabang", 202501)
    after = col.outcome_rates(eng, CABANG).set_index("action")
    assert "rehab" in after.index and "rehab" not in before.index
    assert after.loc["rehab", "cure_rate_pct"] == 100.0
    assert work_queue(eng, CABANG, limit=5, on=OPEN_DAY).set_index("family_id").loc[fam, "last_outcome"] \
        == "rehab_registered"
    with pytest.raises(ValueError):
        col.record_outcome(eng, CABANG, fam, "rehab", "maybe")
    with eng.connect() as conn:
        other = conn.execute(text("SELECT id FROM families WHERE branch_code <> '0301' "
                                  "AND segment = 'PBPU' LIMIT 1")).scalar()
    with pytest.raises(ScopeError):
        col.record_outcome(eng, CABANG, int(other), "sms", "reached")
    with pytest.raises(ScopeError):
        col.record_outcome(eng, DIREKSI, fam, "sms", "reached")


def test_outcome_rates_work_on_postgresql_too(world):
    rates = col.outcome_rates(world.engine, CABANG)
    assert set(rates["action"]) <= set(col.ACTIONS) and len(rates) >= 2
    assert (rates["contact_rate_pct"] >= rates["cure_rate_pct"]).all()


def test_one_recorded_outcome_adds_one_contact_whatever_the_family_weight(writable_sqlite_world):
    """Issue 17 item 7: a recorded outcome is one real contact, not the family's sampling weight."""
    eng = writable_sqlite_world.engine
    q = work_queue(eng, CABANG, limit=5, on=OPEN_DAY)
    fam = int(q["family_id"].iloc[0])
    with eng.connect() as conn:
        weight = conn.execute(text("SELECT weight FROM families WHERE id = :f"), {"f": fam}).scalar()
    assert weight > 1  # a sample family standing for many real ones
    before = col.outcome_rates(eng, CABANG).set_index("action")
    col.record_outcome(eng, CABANG, fam, "sms", "paid")
    after = col.outcome_rates(eng, CABANG).set_index("action")
    assert after.loc["sms", "contacts"] == before.loc["sms", "contacts"] + 1
    assert after.loc["sms", "cured"] == before.loc["sms", "cured"] + 1
    assert after.loc["sms", "reached"] == before.loc["sms", "reached"] + 1
