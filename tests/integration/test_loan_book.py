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
from jkn_core.schema import Branch, Facility, FacilityMonth, Province, SifLoan
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
