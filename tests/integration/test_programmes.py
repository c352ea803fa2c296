"""Rehab lifecycle, partners and assignments, and their KPIs, computed by hand on a tiny world, on SQLite and
PostgreSQL (jkn_core.programmes.rehab, partners, rehab_kpi)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import numpy as np
import pytest
from sqlalchemy import Engine, func, insert, select

from jkn_core.kpi import contributions as kpi_contributions
from jkn_core.kpi import refresh
from jkn_core.programmes import evaluation, rehab, rehab_kpi
from jkn_core.programmes import partners as prt
from jkn_core.schema import AuditLog, Contribution, Participant, RehabPayment, RehabPlan
from jkn_core.scope import Scope, ScopeError
from tests.integration import programmes_world

CABANG = Scope(role="kantor_cabang", username="cabang", branch_code="0301")
BALI = Scope(role="kantor_cabang", username="cabang_bali", branch_code="0302")
DIREKSI = Scope.national("direksi")
DEPUTI_V = Scope(role="deputi_wilayah", username="deputi5", region_code="KW05")
JAN = dt.date(2025, 1, 15)
DIREKSI_ADMIN = Scope.system()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def eng(request: pytest.FixtureRequest, empty_engine: Callable[..., Engine]) -> Engine:
    engine = empty_engine(request.param)
    programmes_world.build(engine)
    return engine


def audits(engine: Engine, action: str) -> list[dict]:
    with engine.connect() as conn:
        return [json.loads(d) for d in conn.execute(select(AuditLog.detail).where(AuditLog.action == action)
                                                     .order_by(AuditLog.id)).scalars()]


def statuses(engine: Engine, family_id: int) -> list[str]:
    with engine.connect() as conn:
        return sorted(set(conn.execute(select(Participant.status).where(Participant.family_id == family_id)).scalars()))


# --- enrolment ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("family", "stages", "day", "reason"), [
    (2, 3, JAN, "too_few_months"),          # 3 months in arrears
    (5, 12, JAN, "too_many_months"),        # 25 months
    (4, 3, JAN, "segment"),                 # PPU
    (1, 13, JAN, "stages"),                 # 13 stages
    (1, 0, JAN, "stages"),
    (1, 3, dt.date(2025, 1, 29), "registration_closed"),
])
def test_enrolment_refused_with_the_reason_and_nothing_written(eng: Engine, family: int, stages: int,
                                                               day: dt.date, reason: str) -> None:
    with pytest.raises(rehab.RehabRefused) as err:
        rehab.enrol(eng, CABANG, family, stages, day)
    assert err.value.reason == reason
    with eng.connect() as conn:
        assert conn.execute(select(func.count()).select_from(RehabPlan)).scalar_one() == 0
    assert audits(eng, "rehab_enrol") == []


def test_boundaries_4_and_24_months_and_12_stages_enrol(eng: Engine) -> None:
    assert rehab.enrol(eng, CABANG, 3, 12, dt.date(2025, 1, 28)) > 0  # 4 months, 12 stages, day 28
    assert rehab.enrol(eng, CABANG, 7, 1, dt.date(2025, 1, 1)) > 0  # 24 months, 1 stage
    plans = rehab.plans(eng, CABANG, on=JAN)
    assert sorted(plans["arrears_months"].tolist()) == [4, 24]


def test_enrol_writes_the_stage_plan_and_an_audit_row(eng: Engine) -> None:
    plan_id = rehab.enrol(eng, CABANG, 1, 4, JAN)
    with eng.connect() as conn:
        plan = conn.execute(select(*RehabPlan.__table__.columns).where(RehabPlan.id == plan_id)).one()
        stages = conn.execute(select(RehabPayment.stage_no, RehabPayment.period, RehabPayment.amount_rp)
                              .where(RehabPayment.plan_id == plan_id).order_by(RehabPayment.stage_no)).all()
    assert (plan.debt_rp, plan.arrears_months, plan.stages, plan.stage_amount_rp) == (630_000, 6, 4, 157_500)
    assert (plan.first_period, plan.status, plan.enrolled_by) == (202501, "active", "cabang")
    assert [tuple(s) for s in stages] == [(1, 202501, 157_500), (2, 202502, 157_500), (3, 202503, 157_500),
                                          (4, 202504, 157_500)]
    assert audits(eng, "rehab_enrol")[0]["family_id"] == 1
    with pytest.raises(rehab.RehabRefused) as err:  # one active plan per family
        rehab.enrol(eng, CABANG, 1, 2, JAN)
    assert err.value.reason == "active_plan"


def test_a_branch_enrols_only_its_own_families(eng: Engine) -> None:
    with pytest.raises(ScopeError):
        rehab.enrol(eng, CABANG, 6, 3, JAN)
    with pytest.raises(ScopeError):
        rehab.enrol(eng, DIREKSI, 1, 3, JAN)  # directors see aggregates only
    assert rehab.enrol(eng, BALI, 6, 3, JAN) > 0


# --- payments, reactivation, missed stage ----------------------------------------------------------
def test_reactivation_only_after_the_last_stage(eng: Engine) -> None:
    plan_id = rehab.enrol(eng, CABANG, 1, 3, JAN)
    first = rehab.record_stage_payment(eng, CABANG, plan_id, dt.date(2025, 1, 20), "mobile_jkn")
    assert first == {"stage_no": 1, "completed": False, "reactivated": 0, "ledger_periods": [202407, 202408]}
    assert statuses(eng, 1) == ["nonaktif_tunggakan"]
    rehab.record_stage_payment(eng, CABANG, plan_id, dt.date(2025, 2, 3), "teller")
    assert statuses(eng, 1) == ["nonaktif_tunggakan"]  # 2 of 3 stages: still not covered
    last = rehab.record_stage_payment(eng, CABANG, plan_id, dt.date(2025, 3, 9), "ppob")
    assert last == {"stage_no": 3, "completed": True, "reactivated": 3, "ledger_periods": [202411, 202412]}
    assert statuses(eng, 1) == ["aktif"]
    plan = rehab.plans(eng, CABANG, on=dt.date(2025, 3, 10)).iloc[0]
    assert (plan["status"], plan["ended_period"], plan["stages_paid"], plan["paid_rp"]) == ("completed", 202503, 3,
                                                                                            630_000)
    assert [a["stage_no"] for a in audits(eng, "rehab_stage_paid")] == [1, 2, 3]
    with pytest.raises(rehab.RehabRefused):  # nothing left to pay
        rehab.record_stage_payment(eng, CABANG, plan_id, dt.date(2025, 3, 10))


def ledger(engine: Engine, family_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(Contribution.period, Contribution.paid, Contribution.paid_period, Contribution.channel)
            .where(Contribution.family_id == family_id).order_by(Contribution.period))]


def test_stage_payments_write_the_ledger_and_the_kpis_see_them(eng: Engine) -> None:
    """A stage payment pays, in the iuran ledger and in the same transaction, the arrears months it covers
    (the unpaid bills spread over the stages, oldest first; the last stage settles the rest) and the current
    month's bill; the pre-aggregates of the branch follow, so collectability counts the money."""
    with eng.begin() as conn:  # the ledger now holds January 2025 (unpaid): the data's month is February
        conn.execute(insert(Contribution).values(family_id=1, period=202501, billed=105_000, paid=0))
    refresh.refresh(eng)
    plan_id = rehab.enrol(eng, CABANG, 1, 3, JAN)  # 6 months before January: Jul-Dec 2024
    out = rehab.record_stage_payment(eng, CABANG, plan_id, dt.date(2025, 1, 20), "mobile_jkn")
    assert out["ledger_periods"] == [202407, 202408, 202501]  # 2 of the 6 arrears months + January's bill
    rows = {r[0]: r[1:] for r in ledger(eng, 1)}
    for p in (202407, 202408, 202501):
        assert rows[p] == (105_000, 202501, "mobile_jkn")
    assert [p for p, (paid, _, _) in rows.items() if paid == 0] == [202409, 202410, 202411, 202412]
    coll = kpi_contributions.collectability(eng, DIREKSI, by="month").set_index("period")
    assert coll.loc[202501, "collected"] == 3 * 105_000  # the aggregates (refreshed) see the money
    assert audits(eng, "rehab_stage_paid")[0]["ledger_periods"] == [202407, 202408, 202501]
    rehab.record_stage_payment(eng, CABANG, plan_id, dt.date(2025, 2, 5), "teller")
    rehab.record_stage_payment(eng, CABANG, plan_id, dt.date(2025, 3, 5), "teller")
    assert all(paid == 105_000 for _, paid, _, _ in ledger(eng, 1))  # complete: no bill left unpaid
    assert statuses(eng, 1) == ["aktif"]


def test_a_missed_stage_cancels_the_plan_and_never_reactivates(eng: Engine) -> None:
    plan_id = rehab.enrol(eng, CABANG, 3, 2, dt.date(2025, 1, 10))
    rehab.record_stage_payment(eng, CABANG, plan_id, dt.date(2025, 1, 31))  # last day of the month: on time
    with pytest.raises(rehab.RehabRefused) as err:  # stage 2 was due in February
        rehab.record_stage_payment(eng, CABANG, plan_id, dt.date(2025, 3, 1))
    assert err.value.reason == "stage_missed"
    plan = rehab.plans(eng, CABANG, on=dt.date(2025, 3, 1)).iloc[0]
    assert (plan["status"], plan["ended_period"], plan["state"]) == ("cancelled", 202502, "cancelled")
    assert statuses(eng, 3) == ["nonaktif_tunggakan"]
    assert audits(eng, "rehab_cancel")[0]["plans"] == 1


def test_cancel_missed_is_set_based_and_scoped(eng: Engine) -> None:
    a = rehab.enrol(eng, CABANG, 1, 3, JAN)
    rehab.enrol(eng, CABANG, 3, 3, JAN)
    b = rehab.enrol(eng, BALI, 6, 3, JAN)
    rehab.record_stage_payment(eng, CABANG, a, JAN)
    assert rehab.cancel_missed(eng, CABANG, 202501) == 0  # January's stage may still be paid in January
    assert rehab.overdue_count(eng, CABANG, 202502) == 1  # shown (read only) before the explicit step
    assert rehab.overdue_count(eng, CABANG, 202502) == 1 and audits(eng, "rehab_cancel") == []
    assert rehab.cancel_missed(eng, CABANG, 202502) == 1  # the unpaid plan missed January's stage
    assert rehab.overdue_count(eng, CABANG, 202502) == 0
    assert rehab.cancel_missed(eng, CABANG, 202503) == 1  # the other one February's
    assert rehab.plans(eng, BALI, on=JAN).set_index("plan_id").loc[b, "status"] == "active"  # not Bali's


def test_cli_cancels_overdue_plans_of_every_branch(eng: Engine, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m jkn_core programmes --cancel-overdue``: the explicit national step (the data's month is
    January 2025; plans enrolled in December 2024 missed December's stage), audited."""
    from jkn_core.cli import main as cli_main

    dec = dt.date(2024, 12, 10)
    rehab.enrol(eng, CABANG, 1, 3, dec)
    rehab.enrol(eng, BALI, 6, 3, dec)
    kept = rehab.enrol(eng, CABANG, 3, 3, JAN)
    assert rehab.overdue_count(eng, DIREKSI_ADMIN) == 2
    monkeypatch.setenv("JKN_DATABASE_URL", eng.url.render_as_string(hide_password=False))
    assert cli_main(["programmes", "--cancel-overdue", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"cancelled": 2}
    assert rehab.overdue_count(eng, DIREKSI_ADMIN) == 0
    assert rehab.plans(eng, CABANG, on=JAN).set_index("plan_id").loc[kept, "status"] == "active"
    assert audits(eng, "rehab_cancel")[0]["plans"] == 2


def test_plan_states_of_a_month(eng: Engine) -> None:
    paid = rehab.enrol(eng, CABANG, 1, 3, dt.date(2025, 1, 2))
    rehab.enrol(eng, CABANG, 3, 3, dt.date(2025, 1, 2))
    rehab.record_stage_payment(eng, CABANG, paid, dt.date(2025, 1, 5))
    assert rehab_kpi.branch_counts(eng, CABANG, on=dt.date(2025, 1, 10)) == {
        "due": 1, "paid": 1, "late": 0, "upcoming": 0, "cancelled": 0, "completed": 0}
    assert rehab_kpi.branch_counts(eng, CABANG, on=dt.date(2025, 1, 11))["late"] == 1  # after the due day


# --- KPIs by hand ---------------------------------------------------------------------------------
def _scenario(eng: Engine) -> None:
    done = rehab.enrol(eng, CABANG, 1, 3, JAN)                       # 630,000 in 3 x 210,000
    for d in (dt.date(2025, 1, 16), dt.date(2025, 2, 16), dt.date(2025, 3, 16)):
        rehab.record_stage_payment(eng, CABANG, done, d)
    missed = rehab.enrol(eng, CABANG, 3, 2, JAN)                     # 800,000 in 2 x 400,000
    rehab.record_stage_payment(eng, CABANG, missed, JAN)
    rehab.cancel_missed(eng, CABANG, 202503)
    going = rehab.enrol(eng, CABANG, 7, 12, dt.date(2025, 3, 3))     # 3,360,000 in 12 x 280,000
    rehab.record_stage_payment(eng, CABANG, going, dt.date(2025, 3, 4))
    rehab.enrol(eng, BALI, 6, 2, JAN)                                # 420,000 in 2 x 210,000, nothing paid


def test_director_kpis_by_hand(eng: Engine) -> None:
    _scenario(eng)
    k = rehab_kpi.director_kpis(eng, DIREKSI)
    assert k == {"enrolled": 4, "active": 2, "completed": 1, "cancelled": 1, "completion_rate": 0.5,
                 "reactivated_people": 3, "recovered_rp": 630_000 + 400_000 + 280_000,
                 "to_come_rp": 11 * 280_000 + 420_000}
    # the deputi of Bali's region sees Bali's plan only
    assert rehab_kpi.director_kpis(eng, DEPUTI_V) == {
        "enrolled": 1, "active": 1, "completed": 0, "cancelled": 0, "completion_rate": None,
        "reactivated_people": 0, "recovered_rp": 0, "to_come_rp": 420_000}
    rows = rehab_kpi.by_branch(eng, DIREKSI).set_index("branch_code")
    assert rows.loc["0301", ["enrolled", "completed", "cancelled", "recovered_rp"]].tolist() == [3, 1, 1, 1_310_000]
    assert rows.loc["0301", "completion_rate"] == 0.5


def test_cash_forecast_by_hand(eng: Engine) -> None:
    _scenario(eng)
    fc = rehab_kpi.cash_forecast(eng, DIREKSI, 202503)
    # Bali's plan: stages of January and February are behind (missed, not to come); Palembang's: 11 stages
    assert fc["period"].tolist() == [202504 + i for i in range(9)] + [202601, 202602]
    assert fc["scheduled_rp"].tolist() == [280_000] * 11
    assert fc["plans"].tolist() == [1] * 11
    assert rehab_kpi.cash_forecast(eng, DEPUTI_V, 202501)["scheduled_rp"].tolist() == [210_000, 210_000]


def test_work_queue_counts_the_next_stage_of_an_enrolled_family(eng: Engine) -> None:
    plan_id = rehab.enrol(eng, CABANG, 7, 12, JAN)
    before = rehab.plans_mark(eng)
    rehab.record_stage_payment(eng, CABANG, plan_id, JAN)
    assert rehab.plans_mark(eng) != before  # the queue's cache key moves with a payment
    due = rehab.next_stage_due(eng, "0301")
    assert due.to_dict("records") == [{"family_id": 7, "next_stage_rp": 280_000}]


# --- partners and assignments ---------------------------------------------------------------------
def _partners(eng: Engine) -> dict[str, int]:
    admin = Scope.system()
    return {
        "lpd": prt.save_partner(eng, BALI, {"kind": "lpd", "code": "LPD-DENPASAR", "name": "LPD Desa Adat Denpasar",
                                            "territory": "Desa Adat Denpasar", "fee_rule": "share_of_collected",
                                            "fee_rate": 0.1}),
        "kader": prt.save_partner(eng, CABANG, {"kind": "kader", "code": "KADER-01", "name": "Kader Sukarami",
                                                "territory": "Kec. Sukarami", "capacity": 3,
                                                "fee_rule": "per_success", "fee_per_success_rp": 25_000}),
        "csr": prt.save_partner(eng, admin, {"kind": "csr_sponsor", "code": "CSR-BJB", "name": "CSR Bank",
                                             "province_code": "16", "fee_rule": "none", "budget_rp": 10_000_000,
                                             "eligibility": json.dumps({"segments": ["PBPU", "BP"], "kelas": [3]})}),
    }


def test_partner_rules_and_scope(eng: Engine) -> None:
    p = _partners(eng)
    seen = set(prt.partners(eng, CABANG)["code"])
    assert seen == {"KADER-01", "CSR-BJB"}  # not Bali's LPD
    with pytest.raises(ValueError, match="fee_rate"):
        prt.save_partner(eng, CABANG, {"kind": "lpd", "code": "X", "name": "X", "fee_rule": "share_of_collected"})
    with pytest.raises(ScopeError):
        prt.save_partner(eng, CABANG, {"code": "LPD-DENPASAR", "name": "taken over"})
    with pytest.raises(ScopeError):  # another branch's partner
        prt.assign(eng, CABANG, [1], "lpd", p["lpd"])
    with pytest.raises(ScopeError):  # another branch's family
        prt.assign(eng, CABANG, [6], "kader", p["kader"])
    with pytest.raises(prt.AssignmentRefused) as err:
        prt.assign(eng, CABANG, [1], "lpd", p["kader"])
    assert err.value.reason == "partner_kind"
    with pytest.raises(prt.AssignmentRefused) as err:  # class 2 is not eligible for this CSR
        prt.assign(eng, CABANG, [3], "csr", p["csr"])
    assert err.value.reason == "not_eligible"
    prt.assign(eng, CABANG, [1, 2, 3], "kader", p["kader"], holdout=False)
    with pytest.raises(prt.AssignmentRefused) as err:  # capacity 3 families a month
        prt.assign(eng, CABANG, [7], "kader", p["kader"])
    assert err.value.reason == "capacity"
    assert audits(eng, "programme_assign")[0]["families"] == 3


def test_a_branch_assignment_keeps_a_random_holdout(eng: Engine) -> None:
    """Without an explicit choice every assignment draws its holdout at the branch's share (draw_holdout):
    held-out families are recorded as such (status ``assigned``, never contacted, no fee) and named in the
    audit row; a share of 0 holds nobody out, a share of 0.5 about half."""
    admin = Scope.system()
    evaluation.set_holdout_share(eng, admin, "0301", "sms", 0.0)
    none = prt.assign(eng, CABANG, [1, 2, 3, 7], "sms")
    assert prt.held_out(eng, none) == 0
    evaluation.set_holdout_share(eng, admin, "0301", "call", 0.5)
    rng = np.random.default_rng(1)
    new: list[int] = []
    for _ in range(50):  # the same families in many assignments: a sample big enough to see the share
        new += prt.assign(eng, CABANG, [1, 2, 3, 7], "call", rng=rng)
    held = prt.held_out(eng, new)
    assert 0.35 * len(new) < held < 0.65 * len(new), (held, len(new))
    listed = prt.assignments(eng, CABANG).set_index("assignment_id")
    assert set(listed.loc[listed["holdout"].astype(bool), "status"]) == {"assigned"}
    rows = audits(eng, "programme_assign")
    assert rows[0]["held_out"] == 0 and rows[0]["holdout"] == [] and rows[0]["holdout_drawn"] is True
    assert sum(r["held_out"] for r in rows[1:]) == held
    assert all(set(r["holdout"]) <= set(r["family_ids"]) for r in rows)


def test_performance_and_fees_by_hand(eng: Engine) -> None:
    p = _partners(eng)
    kader = prt.assign(eng, CABANG, [1, 2, 3], "kader", p["kader"], holdout=False)  # fees by hand: none held out
    held = prt.assign(eng, CABANG, [7], "call", holdout=True)
    lpd = prt.assign(eng, BALI, [6], "lpd", p["lpd"], holdout=False)
    prt.record_outcome(eng, CABANG, kader[0], "paid", 105_000)
    prt.record_outcome(eng, CABANG, kader[1], "contacted")
    prt.record_outcome(eng, CABANG, kader[2], "reactivated", 800_000)
    prt.record_outcome(eng, CABANG, held[0], "paid", 140_000)  # a holdout paid on its own: no fee, not counted
    prt.record_outcome(eng, BALI, lpd[0], "paid", 630_000)
    with pytest.raises(ScopeError):
        prt.record_outcome(eng, CABANG, lpd[0], "cancelled")
    perf = prt.performance(eng, DIREKSI).set_index(["programme", "partner_code"])
    assert perf.loc[("kader", "KADER-01"), ["assigned", "contacted", "paid", "reactivated", "collected_rp",
                                            "fee_rp"]].tolist() == [3, 3, 2, 1, 905_000, 25_000]
    assert perf.loc[("lpd", "LPD-DENPASAR"), ["assigned", "paid", "collected_rp", "fee_rp"]].tolist() == [
        1, 1, 630_000, 63_000]
    assert perf.loc[("call", ""), ["assigned", "paid", "fee_rp"]].tolist() == [0, 0, 0]
    fees = prt.fees_owed(eng, DIREKSI).set_index("partner_code")["fee_rp"].to_dict()
    assert fees == {"KADER-01": 25_000, "LPD-DENPASAR": 63_000}  # per success = a reactivated family
    branch_only = prt.performance(eng, CABANG)
    assert "LPD-DENPASAR" not in set(branch_only["partner_code"])
    listed = prt.assignments(eng, CABANG)
    assert sorted(listed["family_id"].tolist()) == [1, 2, 3, 7]
    fee = listed.set_index("assignment_id")["fee_rp"]
    assert (fee[kader[0]], fee[kader[2]], fee[held[0]]) == (0, 25_000, 0)
    assert [a["status"] for a in audits(eng, "programme_outcome")] == ["paid", "contacted", "reactivated", "paid",
                                                                      "paid"]
