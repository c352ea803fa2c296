"""Hospital claims KPIs (by hand from the ledger, SQLite and PostgreSQL), the generator's claims process, and
scope: a branch sees its own hospitals, a bank officer its bank's market, nobody a participant."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from jkn_core import bank_markets, scf
from jkn_core.kpi import claims as kc
from jkn_core.scf import claim_rules as rules
from jkn_core.scope import Scope

BJB = Scope("bank_officer", "bank", region_code="KW05", bank="Bank bjb")
DIREKSI = Scope.national("direksi")
PARTICIPANT_COLUMNS = {"nik", "participant_id", "family_id", "name", "birth_date"}


def _ledger(engine) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return pd.read_sql(text("SELECT c.*, f.branch_code, b.name AS branch_name FROM claims c "
                                "JOIN facilities f ON f.code = c.facility_code "
                                "JOIN branches b ON b.code = f.branch_code"), conn)


def test_claims_by_branch_match_a_hand_computation(world) -> None:
    led = _ledger(world.engine)
    assert len(led) > 0
    got = kc.claims_by_branch(world.engine, DIREKSI).set_index("branch_code")
    for code, rows in led.groupby("branch_code"):
        paid = rows[rows["paid_on"].notna()]
        late = (pd.to_datetime(paid["paid_on"]) > pd.to_datetime(paid["payment_due_on"])).sum()
        r = got.loc[code]
        assert r["claims"] == len(rows)
        assert r["payable_rp"] == rows.loc[rows["paid_on"].isna(), "amount_verified_rp"].sum()
        assert r["penalty_rp"] == rows["penalty_rp"].sum()
        assert r["late_claims"] == late
        assert r["share_late"] == pytest.approx(late / len(paid))
        assert r["dispute_rate"] == pytest.approx(rows["disputed_rp"].sum() / rows["amount_submitted_rp"].sum())
        assert r["mean_days_to_payment"] == pytest.approx(paid["days_to_payment"].mean())
    assert set(got.index) == set(led["branch_code"])


def test_a_branch_sees_only_its_hospitals_and_one_month_adds_up(world) -> None:
    led = _ledger(world.engine)
    code = led["branch_code"].value_counts().index[0]
    branch = Scope("kantor_cabang", "kc", branch_code=code)
    assert list(kc.claims_by_branch(world.engine, branch)["branch_code"]) == [code]
    months = kc.claims_by_month(world.engine, branch)
    mine = led[led["branch_code"] == code]
    assert months["claims"].sum() == len(mine)
    month = int(months["service_period"].iloc[-1])
    row = months[months["service_period"] == month].iloc[0]
    assert row["payable_rp"] == mine.loc[(mine["service_period"] == month) & mine["paid_on"].isna(),
                                         "amount_verified_rp"].sum()
    hosp = kc.hospitals_of_branch(world.engine, DIREKSI, code)
    assert set(hosp["facility_code"]) == set(mine["facility_code"])
    one = hosp["facility_code"].iloc[0]
    ledger = kc.hospital_months(world.engine, branch, one)
    assert len(ledger) == (mine["facility_code"] == one).sum()
    # another branch's hospital is not in this branch's scope
    other = led.loc[led["branch_code"] != code, "facility_code"].iloc[0]
    assert kc.hospital_months(world.engine, branch, other).empty


def test_generated_claims_obey_the_rules(world) -> None:
    led = _ledger(world.engine)
    sub = pd.to_datetime(led["submitted_on"])
    comp = pd.to_datetime(led["complete_on"])
    due = pd.to_datetime(led["payment_due_on"])
    assert ((comp - sub).dt.days.between(0, rules.COMPLETENESS_DAYS)).all()
    assert ((due - comp).dt.days == rules.PAYMENT_DAYS).all()
    assert (led["amount_verified_rp"] == led["amount_submitted_rp"] - led["disputed_rp"] - led["returned_rp"]).all()
    paid = led[led["paid_on"].notna()]
    expected = rules.penalty_v(paid["amount_paid_rp"], paid["payment_due_on"], paid["paid_on"])
    assert (paid["penalty_rp"].to_numpy() == expected).all()
    # some claims are paid late and some disputed, not all
    late_share = (pd.to_datetime(paid["paid_on"]) > pd.to_datetime(paid["payment_due_on"])).mean()
    assert 0.02 < late_share < 0.6
    assert 0 < (led["disputed_rp"] > 0).mean() <= 1
    # every FKRTL of the world has claims, no FKTP has
    with world.engine.connect() as conn:
        rs = set(pd.read_sql(text("SELECT code FROM facilities WHERE type = 'rumah_sakit'"), conn)["code"])
    assert set(led["facility_code"]) == rs


def test_troubled_hospitals_leave_traces(world) -> None:
    """The hospitals the generator rates most likely to default dispute more of their claims."""
    with world.engine.connect() as conn:
        tr = pd.read_sql(text("SELECT facility_code, MAX(p_default) AS p FROM truth_hospital GROUP BY facility_code"),
                         conn)
    led = _ledger(world.engine)
    share = led.groupby("facility_code").apply(lambda g: g["disputed_rp"].sum() / g["amount_submitted_rp"].sum(),
                                               include_groups=False)
    tr["dispute"] = tr["facility_code"].map(share)
    top = tr["p"] >= tr["p"].quantile(0.95)
    assert tr.loc[top, "dispute"].mean() > 1.3 * tr.loc[~top, "dispute"].mean()


def test_bank_officer_sees_only_hospitals_of_the_bank_market(world) -> None:
    found = scf.search_hospitals(world.engine, BJB, "", limit=5000)
    assert len(found) > 0
    with world.engine.connect() as conn:
        fac = pd.read_sql(text("SELECT f.code, b.province_code FROM facilities f JOIN branches b ON "
                               "b.code = f.branch_code WHERE f.type = 'rumah_sakit'"), conn)
    market = set(bank_markets.market_of("Bank bjb"))
    assert set(found["facility_code"]) == set(fac.loc[fac["province_code"].isin(market), "code"])
    outside = fac.loc[~fac["province_code"].isin(market), "code"].iloc[0]
    assert scf.hospital_profile(world.engine, BJB, outside) is None
    assert not PARTICIPANT_COLUMNS & set(found.columns)
    by_branch = kc.claims_by_branch(world.engine, BJB)
    assert not PARTICIPANT_COLUMNS & set(by_branch.columns)


def test_generator_stage_is_deterministic_and_leaves_other_tables_alone() -> None:
    from jkn_core.demo.claims import hospital_claims

    fac = pd.DataFrame({"code": [f"R{i:03d}" for i in range(60)], "type": "rumah_sakit",
                        "ownership": np.resize(["swasta", "pemerintah", "tni_polri"], 60),
                        "regency_code": np.resize(["32.73", "36.01", "91.01"], 60)})
    a = hospital_claims(7, fac, 202412, 24)
    b = hospital_claims(7, fac, 202412, 24)
    c = hospital_claims(8, fac, 202412, 24)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["claims"]["amount_submitted_rp"].equals(c["claims"]["amount_submitted_rp"])
    # the last service month is not submitted yet; the month before is, and some of it is unpaid
    assert a["claims"]["service_period"].max() == 202411
    assert pd.to_datetime(a["claims"]["submitted_on"]).max() <= pd.Timestamp(dt.date(2024, 12, 31))
