"""The demo's SIF loan book as a regional bank would recognise it (issue 12 item 9, issue 17 item 7).

On the small world (provinces 16, 31, 32, 36, 51) with the shipped bank markets: every bank's loans sit in its
market; every loan was within the bank's policy at origination (instalment at most 30 % of the capitation
paid the month before, tenor within the contract, 12 months under contract, the 1 : 5,000 norm); loans start
over the whole period; the Bank bjb officer's scope is bjb's market (Jawa Barat and Banten), so they see
Banten's loans and never Bank Mandiri's, which lends in the same provinces.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from jkn_core import bank_markets, months, sif
from jkn_core.demo import loans as demo_loans
from jkn_core.demo.timeline import index_of
from jkn_core.schema import Branch, Facility, FacilityMonth, Province, SifLoan, TruthLoan
from jkn_core.scope import Scope, ScopeError
from jkn_core.sif import policy as credit

BJB = Scope("bank_officer", "bank", region_code="KW05", bank="Bank bjb")


@pytest.fixture(scope="module")
def book(sqlite_world) -> pd.DataFrame:
    """Every loan with its facility's province, contract dates and type."""
    s, f, b = SifLoan.__table__, Facility.__table__, Branch.__table__
    q = (select(s, f.c.type, f.c.contract_start, f.c.contract_end, f.c.renewals, f.c.regency_code,
                b.c.province_code)
         .select_from(s.join(f, f.c.code == s.c.facility_code).join(b, b.c.code == f.c.branch_code)))
    with sqlite_world.engine.connect() as conn:
        return pd.DataFrame(conn.execute(q).mappings().all())


def test_shipped_markets_give_bjb_jawa_barat_and_banten_and_name_their_basis() -> None:
    assert bank_markets.market_of("Bank bjb") == ("32", "36")
    assert "Bank bjb" in bank_markets.banks_in("36") and len(bank_markets.banks_in("32")) >= 2
    assert bank_markets.banks_in("94") == ()  # Papua: no SIF lender
    assert all(basis for _b, _c, _n, basis in bank_markets.market_rows())


def test_every_banks_loans_sit_in_its_market(book) -> None:
    assert book["bank"].nunique() >= 3, "the book is not one bank's"
    outside = book[[p not in bank_markets.market_of(b) for b, p in zip(book["bank"], book["province_code"],
                                                                        strict=True)]]
    assert outside.empty, outside[["loan_ref", "bank", "province_code"]].head().to_string()
    # the province comes from the database's codes: the regency code's Kemendagri prefix is the branch's province
    assert (book["regency_code"].str[:2] == book["province_code"]).all()


def test_every_loan_was_within_policy_at_origination(sqlite_world, book) -> None:
    policy = credit.load_policy(sqlite_world.engine)
    feats = sif.loan_features(sqlite_world.engine)
    assert len(feats) == len(book)
    assert (feats["instalment_share"] <= policy.max_instalment_share + 1e-9).all(), \
        feats["instalment_share"].max()
    assert (feats["months_contracted"] >= policy.min_contract_months).all()
    assert (feats["participants_per_doctor"] <= policy.max_participants_per_doctor).all()
    assert (feats["capitation_income"] > 0).all()
    margin = np.where(feats["renewals"] >= policy.renewals_for_margin, policy.tenor_margin_months, 0)
    assert (feats["tenor_months"] <= feats["contract_months_remaining"] + margin).all()
    assert feats["amount"].between(policy.min_amount, policy.max_amount).all()
    assert (feats["amount"] % policy.amount_step == 0).all()


def test_a_loan_runs_only_while_the_facility_is_under_contract(book) -> None:
    """Issue 17 item 7: no loan before the contract's first 12 months or past its end (plus the margin)."""
    start = months.index(book["start_period"].astype(int).to_numpy())
    cs = pd.to_datetime(book["contract_start"])
    ce = pd.to_datetime(book["contract_end"])
    c_start = months.index((cs.dt.year * 100 + cs.dt.month).to_numpy())
    c_end = months.index((ce.dt.year * 100 + ce.dt.month).to_numpy())
    assert (start - c_start >= 12).all()
    margin = np.where(book["renewals"] >= 2, 6, 0)
    assert (start + book["tenor_months"].to_numpy() <= c_end + margin).all()


def test_loans_start_over_the_whole_period_and_a_share_breaches_the_limit_later(sqlite_world, book) -> None:
    starts = sorted(book["start_period"].astype(int).unique())
    with sqlite_world.engine.connect() as conn:
        first, last = conn.execute(select(FacilityMonth.period).order_by(FacilityMonth.period).limit(1)).scalar(), \
            sif.latest_period(sqlite_world.engine)
    assert months.index(starts[-1]) - months.index(starts[0]) >= months.index(last) - months.index(first) - 3
    loans = sif.booked_loans(sqlite_world.engine, Scope.system())
    policy = credit.load_policy(sqlite_world.engine)
    active = loans[loans["months_remaining"] > 0]
    share_now = credit.instalments(active["amount"], active["rate_pct"], active["tenor_months"]) / \
        active["capitation_income"].clip(lower=1)
    breach = float((share_now > policy.max_instalment_share + 1e-9).mean())
    assert 0 < breach < 0.5, breach  # capitation moves after origination; most loans stay within the limit


def test_bjb_officer_sees_banten_loans_and_never_mandiri_loans(sqlite_world, book) -> None:
    """The bank officer's scope is their bank's market: Banten (KW04) as well as Jawa Barat (KW05)."""
    assert set(book.loc[book["bank"] == "Bank Mandiri", "province_code"]) & {"32", "36"}, "no Mandiri loan nearby"
    loans = sif.booked_loans(sqlite_world.engine, BJB)
    assert set(loans["bank"]) == {"Bank bjb"}
    with sqlite_world.engine.connect() as conn:
        prov_of = dict(conn.execute(select(Facility.code, Branch.province_code).join(
            Branch, Branch.code == Facility.branch_code)).all())
        region_of = dict(conn.execute(select(Province.code, Province.region_code)).all())
    provinces = {prov_of[c] for c in loans["facility_code"]}
    assert provinces == {"32", "36"}
    assert {region_of[p] for p in provinces} == {"KW04", "KW05"}
    expected = book[book["bank"] == "Bank bjb"]
    assert sorted(loans["loan_ref"]) == sorted(expected["loan_ref"])
    market = sif.market(sqlite_world.engine, BJB)
    assert {prov_of[c] for c in market["facility_code"]} == {"32", "36"}


def test_a_bank_officers_market_needs_a_branch_column() -> None:
    with pytest.raises(ScopeError):
        BJB.clause(Branch.region_code, None)
    assert "provinces=32,36" in BJB.describe()


def test_a_bad_markets_file_names_row_and_column(tmp_path) -> None:
    bad = tmp_path / "markets.csv"
    bad.write_text("bank,province_code\nBank bjb,32\nBank bjb,3X\n")
    with pytest.raises(ValueError, match="row 3, column province_code"):
        bank_markets.read_markets(bad)
    bad.write_text("bank\nBank bjb\n")
    with pytest.raises(ValueError, match="missing column"):
        bank_markets.read_markets(bad)


def _stage_inputs(engine) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """What the generator hands the loan stage: facilities, facility-months, first and last month index."""
    with engine.connect() as conn:
        fac = pd.DataFrame(conn.execute(select(Facility.__table__)).mappings().all())
        fm = pd.DataFrame(conn.execute(select(FacilityMonth.__table__)).mappings().all())
    first, last = int(fm["period"].min()), int(fm["period"].max())
    return fac, fm, index_of(first), index_of(last)


def test_the_loan_book_draws_from_its_own_stream(sqlite_world) -> None:
    """Issue 16 item 6: the loans come from their own stream of the seed; how far the world's shared stream has
    moved does not change them, and the loan stage takes nothing from it (no other table of a seed moves)."""
    fac, fm, ws, end = _stage_inputs(sqlite_world.engine)
    a, b = np.random.default_rng(11), np.random.default_rng(11)
    b.random(1000)  # the shared stream further on, as after another stage's draws
    state = a.bit_generator.state
    loans_a, truth_a, _ = demo_loans.sif_loans(a, fac, fm, ws, end)
    loans_b, truth_b, _ = demo_loans.sif_loans(b, fac, fm, ws, end)
    assert a.bit_generator.state == state
    assert len(loans_a) > 100
    pd.testing.assert_frame_equal(loans_a, loans_b)
    pd.testing.assert_frame_equal(truth_a, truth_b)


def test_what_drives_a_default_leaves_a_trace_the_bank_can_see(sqlite_world) -> None:
    """Issue 16 item 6: the true PD is almost all in the data the model may read (features as of the month
    before the start); the part no data shows is small, so the oracle is a reachable bar."""
    feats = sif.loan_features(sqlite_world.engine)
    with sqlite_world.engine.connect() as conn:
        truth = dict(conn.execute(select(TruthLoan.loan_ref, TruthLoan.pd_true)).all())
    p = feats["key"].map(truth).astype(float)
    y = np.log(p / (1 - p)).to_numpy()
    x = pd.DataFrame({
        "dpp": (feats["type"] == "dpp").astype(float), "years": feats["years_contracted"],
        "trend": feats["registered_trend_6m"].clip(-0.25, 0.25), "kbk": feats["kbk_pct"],
        "contacts": np.log(feats["contact_rate_pm"]), "referrals": np.log(feats["rrns_pct"]),
        "prolanis": np.log(feats["rppt_pct"]), "share": feats["instalment_share"],
        "beyond": (feats["tenor_beyond_contract"] > 0).astype(float)})
    x = pd.concat([x, pd.get_dummies(feats["accreditation"], dtype=float)], axis=1)
    a = np.column_stack([np.ones(len(x)), x.to_numpy(float)])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    r2 = 1 - float(np.var(y - a @ coef)) / float(np.var(y))
    assert r2 >= 0.85, r2  # a linear fit on the visible attributes explains most of the true log-odds
