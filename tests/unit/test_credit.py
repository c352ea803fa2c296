"""SIF loan sizing: annuity arithmetic against hand-computed figures, policy rules at their boundaries,
OJK collectability classes and the population stability index."""

from __future__ import annotations

import json

import pytest

from jkn_core.schema import Meta
from jkn_core.sif import policy as credit

POLICY = credit.load_policy()


def facts(**kw) -> credit.FacilityFacts:
    base = dict(facility_type="klinik_pratama", capitation_income=50_000_000, contract_months_remaining=24,
                months_contracted=60, renewals=0, participants_per_doctor=3500)
    return credit.FacilityFacts(**{**base, **kw})


def rule(assessment: credit.Assessment, name: str) -> credit.Check:
    return next(c for c in assessment.checks if c.rule == name)


def test_annuity_matches_hand_computed_figures() -> None:
    # Rp 100 juta at 12 % a year (1 % a month) over 12 months: 100e6 * 0.01 / (1 - 1.01^-12) = 8.884.879
    assert round(credit.instalment(100_000_000, 12.0, 12)) == 8_884_879
    # Rp 60 juta over 24 months at 0 %: 2,5 juta a month
    assert credit.instalment(60_000_000, 0.0, 24) == 2_500_000
    # the inverse: an instalment of 8.884.879 repays Rp 100 juta
    assert credit.principal_for(8_884_878.79, 12.0, 12) == pytest.approx(100_000_000, abs=1)
    # after 6 of 12 payments the balance is the present value of the 6 left: 8.884.879 * (1 - 1.01^-6) / 0.01
    assert round(credit.outstanding(100_000_000, 12.0, 12, 6)) == 51_492_106
    assert credit.outstanding(100_000_000, 12.0, 12, 12) == 0


def test_policy_comes_from_the_file_and_can_be_overridden_in_the_database(empty_engine) -> None:
    assert POLICY.max_instalment_share == 0.30 and POLICY.source == "file"
    # 600 points at 30:1, 20 points to double the odds
    assert credit.score_from_pd(1 / 31, POLICY) == pytest.approx(600)
    assert credit.score_from_pd(1 / 61, POLICY) == pytest.approx(620)
    assert credit.pd_from_score(620, POLICY) == pytest.approx(1 / 61)
    eng = empty_engine()
    with eng.begin() as conn:
        conn.execute(Meta.__table__.insert().values(key="sif_policy", value=json.dumps({"max_instalment_share": 0.25})))
    p = credit.load_policy(eng)
    assert p.max_instalment_share == 0.25 and p.source == "database"


def test_instalment_share_exactly_at_the_limit_passes_and_a_rupiah_more_fails() -> None:
    f = facts(capitation_income=40_000_000)
    limit_inst = POLICY.max_instalment_share * f.capitation_income  # Rp 12 juta a month
    at_limit = credit.principal_for(limit_inst, 11.0, 24)
    a = credit.assess(f, at_limit, 24, 11.0, POLICY)
    assert a.instalment == pytest.approx(12_000_000)
    assert rule(a, "instalment_share").passed
    over = credit.assess(f, at_limit + 1_000, 24, 11.0, POLICY)
    assert not rule(over, "instalment_share").passed
    assert credit.decide(over, 700, POLICY) == "decline"
    # the maximum loan is the limit rounded down to the bank's step
    assert a.max_loan == int(at_limit // POLICY.amount_step * POLICY.amount_step)


def test_tenor_equal_to_the_remaining_contract_passes_one_month_more_fails() -> None:
    f = facts(contract_months_remaining=18, renewals=0)
    assert rule(credit.assess(f, 100_000_000, 18, 11.0, POLICY), "tenor_within_contract").passed
    assert not rule(credit.assess(f, 100_000_000, 19, 11.0, POLICY), "tenor_within_contract").passed
    # with enough renewals on record the tenor may run past the contract by the margin, not more
    g = facts(contract_months_remaining=18, renewals=POLICY.renewals_for_margin)
    edge = 18 + POLICY.tenor_margin_months
    assert rule(credit.assess(g, 100_000_000, edge, 11.0, POLICY), "tenor_within_contract").passed
    assert not rule(credit.assess(g, 100_000_000, edge + 1, 11.0, POLICY), "tenor_within_contract").passed


def test_contract_history_doctor_load_and_type_rules() -> None:
    p = POLICY
    ok = credit.assess(facts(months_contracted=p.min_contract_months), 50_000_000, 12, 11.0, p)
    assert ok.rules_pass
    assert not rule(credit.assess(facts(months_contracted=p.min_contract_months - 1), 50_000_000, 12, 11.0, p),
                    "contract_history").passed
    assert rule(credit.assess(facts(participants_per_doctor=p.max_participants_per_doctor), 50_000_000, 12, 11.0, p),
                "participants_per_doctor").passed
    assert not rule(credit.assess(facts(participants_per_doctor=p.max_participants_per_doctor + 1), 50_000_000, 12,
                                  11.0, p), "participants_per_doctor").passed
    assert not rule(credit.assess(facts(facility_type="puskesmas"), 50_000_000, 12, 11.0, p), "eligible_type").passed


def test_decision_follows_the_score_cut_offs_when_rules_pass() -> None:
    a = credit.assess(facts(), 50_000_000, 12, 11.0, POLICY)
    assert credit.decide(a, POLICY.approval_score, POLICY) == "approve"
    assert credit.decide(a, POLICY.approval_score - 1, POLICY) == "refer"
    assert credit.decide(a, POLICY.refer_score - 1, POLICY) == "decline"
    assert credit.grade(600, POLICY) == "A" and credit.grade(500, POLICY) == "E"


def test_ojk_collectability_from_days_past_due() -> None:
    cases = {0: "Kol-1", 1: "Kol-2", 90: "Kol-2", 91: "Kol-3", 120: "Kol-3", 121: "Kol-4", 180: "Kol-4",
             181: "Kol-5", 400: "Kol-5"}
    for dpd, kol in cases.items():
        assert credit.ojk_class(dpd)[0] == kol
    assert list(credit.ojk_classes(list(cases))) == list(cases.values())
    assert credit.ojk_class(200)[1] == "Macet"


def test_psi_is_zero_for_the_same_distribution_and_large_for_a_shift() -> None:
    edges = [10, 20, 30]
    same = credit.bin_shares([5, 15, 25, 35] * 10, edges)
    assert credit.psi(same, same) == pytest.approx(0)
    shifted = credit.bin_shares([35] * 40, edges)
    assert credit.psi(same, shifted) > 0.25 and credit.psi_status(credit.psi(same, shifted)) == "shifted"
