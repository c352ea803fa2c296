"""Issue 13, part 2: measured uplift of the collection programmes, the CSR allocation, payment channels and the
``programmes`` CLI.

- On the default demo (the shared default world, group ``default_demo``) every simulated programme's measured
  95 % interval contains the generator's true effect, and the CSR allocation keeps more people active per Rupiah
  than paying the largest debts first or at random.
- On the small world (SQLite and PostgreSQL): the CLI's ``--json`` keys and audit row, the branch scope, the
  holdout settings, the sponsor's report as XLSX and PDF (audited), the channel mix.
- The ``channel`` import column: a new row without it is empty (read as ``unknown``), an update without it keeps it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from statistics import NormalDist

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from jkn_core.cli import main as cli_main
from jkn_core.hooks import AFTER_IMPORT_HOOKS
from jkn_core.imports import import_file
from jkn_core.programmes import channels, csr, evaluation, uplift
from jkn_core.schema import PAYMENT_CHANNELS
from jkn_core.scope import Scope, ScopeError
from tests.integration.test_imports import csv_bytes, seeded_engine

NATIONAL = Scope.national("direksi")
ADMIN = Scope.system()
JSON_KEYS = {"programme", "action", "n_treated", "n_holdout", "uplift", "ci_low", "ci_high",
             "cost_per_reactivation_rp", "true_effect"}


def scalar(engine: Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


# --- the default demo -------------------------------------------------------------------------------------
def test_measured_uplift_interval_contains_the_true_effect(default_demo_world: tuple[Engine, str]) -> None:
    """Six programmes are checked at once, so the check is the SIMULTANEOUS 95 % statement (Bonferroni,
    z = 2.64): every true effect inside its interval. Six separate 95 % intervals all contain their truths only
    about three times in four even for an unbiased estimator (measured over seeds: docs/programmes.md, no bias
    found; on the default seed the LPD and Rehab per-programme intervals miss). Every programme has a holdout
    big enough to say something: LPD's is half its families (programme_settings of the Bali branches)."""
    engine, _ = default_demo_world
    simulated = {r[0] for r in engine.connect().execute(text("SELECT programme FROM truth_programme_effect"))}
    assert simulated == {"sms", "call", "kader", "lpd", "csr", "rehab"}
    z_joint = NormalDist().inv_cdf(1 - 0.05 / (2 * len(simulated)))
    res = uplift.measure(engine, NATIONAL)  # what the dashboard and the CLI report: the simultaneous interval
    assert (res["ci_z"] - z_joint).abs().max() < 1e-3  # 1.96 is 95 % to 4 decimals
    per = uplift.measure(engine, NATIONAL, z=1.96).set_index("programme")
    assert set(res["programme"]) == simulated
    lines = []
    for r in res.itertuples():
        p = per.loc[r.programme]
        lines.append(f"{r.programme}: uplift {r.uplift:.4f} 95% [{p.ci_low:.4f}, {p.ci_high:.4f}] joint "
                     f"[{r.ci_low:.4f}, {r.ci_high:.4f}] true {r.true_effect:.4f} (n {r.n_treated}/{r.n_holdout})")
        assert r.n_holdout >= 20, r.programme  # LPD: 32 held out (it had 3 with a 10 % holdout)
        assert r.ci_low < p.ci_low and r.ci_high > p.ci_high  # the simultaneous interval is the wider one
        assert r.ci_low <= r.true_effect <= r.ci_high, "\n".join(lines)
    print("\n".join(lines))


def test_csr_allocation_beats_largest_debts_and_random(default_demo_world: tuple[Engine, str]) -> None:
    engine, _ = default_demo_world
    sponsor = csr.sponsors(engine).iloc[0]
    rule = csr.eligibility_of(sponsor["eligibility"])
    cands = csr.candidates(engine, NATIONAL, rule)
    assert len(cands) > 100
    for share in (0.05, 0.2, 0.5):  # budgets from small to half of what every eligible debt would cost
        budget = share * float((cands["debt_rp"] * cands["weight"]).sum())
        bench = csr.benchmark(engine, NATIONAL, budget, rule).set_index("strategy")
        assert (bench["spent_rp"] <= budget + 1).all()
        for metric in ("reactivated_per_miliar", "active_after_3_per_miliar", "active_after_6_per_miliar"):
            assert bench.loc["proposed", metric] > bench.loc["largest_debt", metric], (share, metric, bench)
            assert bench.loc["proposed", metric] > bench.loc["random", metric], (share, metric, bench)
        print(share, bench[["active_after_6_per_miliar", "reactivated_per_miliar"]].to_dict())


# --- the small world --------------------------------------------------------------------------------------
def test_every_simulated_programme_is_measured_with_costs(world) -> None:  # type: ignore[no-untyped-def]
    res = uplift.measure(world.engine, NATIONAL)
    assert set(res["programme"]) >= {"sms", "call", "kader", "rehab"}
    assert (res["n_treated"] > res["n_holdout"]).all()
    both = res[res["n_holdout"] > 0]  # the small world has few rows: a programme may lack holdouts
    assert len(both) >= 4 and (both["ci_low"] < both["ci_high"]).all()
    assert res.loc[res["n_holdout"] == 0, "uplift"].isna().all()
    assert res["true_effect"].notna().all()
    # the LPD fees and CSR money are in the cost; a treated group costs staff time at least
    assert (res["cost_rp"] > 0).all()
    paid = uplift.measure(world.engine, NATIONAL, outcome="paid")
    assert (paid["rate_treated"] >= 0).all()


def test_branch_sees_only_its_own_assignments(world) -> None:  # type: ignore[no-untyped-def]
    nat = uplift.measure(world.engine, NATIONAL).set_index("programme")
    branch = Scope(role="kantor_cabang", username="cabang", branch_code="0301")
    own = uplift.measure(world.engine, branch)
    n_branch = scalar(world.engine, "SELECT COUNT(*) FROM partner_assignments WHERE branch_code = '0301' "
                                    "AND programme = 'sms'")
    assert n_branch and own.set_index("programme").loc["sms", ["n_treated", "n_holdout"]].sum() <= n_branch
    assert own["n_treated"].sum() < nat["n_treated"].sum()


def test_cli_json_keys_and_audit(writable_sqlite_world, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    assert cli_main(["programmes", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out and all(JSON_KEYS <= set(o) for o in out)
    assert all(o["ci_low"] <= o["uplift"] <= o["ci_high"] for o in out if o["n_holdout"] >= 5)
    assert all(o["true_effect"] is not None for o in out)
    # the programmes are compared at once: one simultaneous (Bonferroni) quantile, wider than 1.96
    assert len({o["ci_z"] for o in out}) == 1 and out[0]["ci_z"] > 1.96
    assert cli_main(["programmes"]) == 0
    text_out = capsys.readouterr().out
    assert "sms" in text_out and "true effect" in text_out
    assert scalar(writable_sqlite_world.engine, "SELECT COUNT(*) FROM audit_log WHERE action = 'programmes_report'") == 2


def test_holdout_share_per_branch(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    eng = writable_sqlite_world.engine
    assert evaluation.holdout_share(eng, "0301", "sms") == pytest.approx(0.10)
    evaluation.set_holdout_share(eng, Scope(role="kantor_cabang", username="cabang", branch_code="0301"),
                                 "0301", "sms", 0.25)
    assert evaluation.holdout_share(eng, "0301", "sms") == pytest.approx(0.25)
    assert evaluation.holdout_share(eng, "0302", "sms") == pytest.approx(0.10)
    with pytest.raises(ScopeError):
        evaluation.set_holdout_share(eng, Scope(role="kantor_cabang", username="cabang", branch_code="0301"),
                                     "0302", "sms", 0.2)
    with pytest.raises(ValueError):
        evaluation.set_holdout_share(eng, ADMIN, "0301", "sms", 0.9)
    assert scalar(eng, "SELECT COUNT(*) FROM audit_log WHERE action = 'programme_holdout_set'") == 1
    drawn = evaluation.draw_holdout(eng, "0301", "sms", 4000)
    assert 0.2 < drawn.mean() < 0.3


def test_sponsor_report_xlsx_pdf_and_payment_audit(writable_sqlite_world) -> None:  # type: ignore[no-untyped-def]
    eng = writable_sqlite_world.engine
    sponsor = csr.sponsors(eng).iloc[0]
    rep = csr.sponsor_report(eng, ADMIN, int(sponsor["id"]))
    assert len(rep) and (rep["reactivated"] <= rep["people"]).all()
    assert rep["active_6"].isna().any()  # the last payment months are not 6 months old yet
    exports_before = scalar(eng, "SELECT COUNT(*) FROM audit_log WHERE action = 'export'")
    assert csr.report_xlsx(eng, ADMIN, sponsor["name"], rep)[:2] == b"PK"
    assert csr.report_pdf(eng, ADMIN, sponsor["name"], rep, "en")[:5] == b"%PDF-"
    assert scalar(eng, "SELECT COUNT(*) FROM audit_log WHERE action = 'export'") == exports_before + 2
    cands = csr.candidates(eng, ADMIN, csr.eligibility_of(sponsor["eligibility"]))
    alloc = csr.allocate(cands, 5e9)
    chosen = alloc[alloc["chosen"]]
    assert chosen["cost_rp"].sum() <= 5e9
    before = scalar(eng, "SELECT COUNT(*) FROM csr_payments")
    n = csr.record_payments(eng, ADMIN, int(sponsor["id"]), chosen, 202412)
    assert scalar(eng, "SELECT COUNT(*) FROM csr_payments") == before + n
    assert scalar(eng, "SELECT COUNT(*) FROM audit_log WHERE action = 'csr_payment'") == 1
    with pytest.raises(ScopeError):
        csr.record_payments(eng, NATIONAL, int(sponsor["id"]), chosen, 202412)


def test_channel_on_every_payment_and_mix(world) -> None:  # type: ignore[no-untyped-def]
    eng = world.engine
    assert scalar(eng, "SELECT COUNT(*) FROM contributions WHERE paid > 0 AND channel IS NULL") == 0
    assert scalar(eng, "SELECT COUNT(*) FROM contributions WHERE paid = 0 AND channel IS NOT NULL") == 0
    mix = channels.channel_mix(eng, NATIONAL)
    assert set(mix["channel"]) <= set(PAYMENT_CHANNELS)
    assert mix.groupby("period")["share"].sum().round(6).eq(1).all()
    months_, shares = channels.monthly_shares(mix)
    assert shares["mobile_jkn"][-1] > shares["mobile_jkn"][0]  # Mobile JKN gains ground
    wide = channels.shares_by_branch(channels.channel_mix(eng, NATIONAL, by_branch=True, period_from=months_[-1]))
    assert len(wide) > 1 and wide[list(PAYMENT_CHANNELS)].sum(axis=1).round(6).eq(1).all()


# --- the channel import column -------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    eng = seeded_engine(request, tmp_path / "channel.db")
    saved = list(AFTER_IMPORT_HOOKS)
    AFTER_IMPORT_HOOKS.clear()
    yield eng
    AFTER_IMPORT_HOOKS[:] = saved
    eng.dispose()


def test_channel_import_without_it_is_unknown_and_update_keeps_it(seeded: Engine) -> None:
    rep = import_file(seeded, ADMIN, "contributions",
                      csv_bytes("family_id,period,billed,paid,paid_date", "500000001,202401,35000,35000,2024-01-10"),
                      "c.csv")
    assert rep.ok and rep.inserted == 1
    assert scalar(seeded, "SELECT channel FROM contributions") is None  # not known: read as unknown
    mix = channels.channel_mix(seeded, Scope.national())
    assert list(mix["channel"]) == ["unknown"]
    rep = import_file(seeded, ADMIN, "contributions",
                      csv_bytes("family_id,period,billed,channel", "500000001,202401,35000,ppob"), "c.csv")
    assert rep.ok
    assert scalar(seeded, "SELECT channel FROM contributions") == "ppob"
    rep = import_file(seeded, ADMIN, "contributions", csv_bytes("family_id,period,billed", "500000001,202401,36000"),
                      "c.csv")
    assert rep.ok and scalar(seeded, "SELECT channel FROM contributions") == "ppob"
    bad = import_file(seeded, ADMIN, "contributions",
                      csv_bytes("family_id,period,billed,channel", "500000001,202401,35000,pigeon"), "c.csv")
    assert not bad.ok
    assert scalar(seeded, "SELECT channel FROM contributions") == "ppob"


def _mix_rows(eng: Engine) -> list[tuple]:
    with eng.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(channels.channel_select()))


def test_channel_pre_aggregate_equals_the_ledger_and_follows_imports(seeded: Engine) -> None:
    """``agg_channel`` holds exactly the ledger's paid bills by month, branch and channel; a new import makes it
    stale (the mix then reads the ledger, still right) until its import hook rebuilds the branch."""
    rep = import_file(seeded, ADMIN, "contributions",
                      csv_bytes("family_id,period,billed,paid,paid_date,channel", "500000001,202401,35000,35000,2024-01-10,ppob"),
                      "c.csv")
    assert rep.ok
    channels.refresh(seeded)
    assert channels.usable(seeded)
    with seeded.connect() as conn:
        stored = sorted(tuple(r) for r in conn.execute(text(
            "SELECT period, branch_code, channel, bills, payments, rp FROM agg_channel")))
    assert stored == _mix_rows(seeded) and len(stored) == 1
    rep = import_file(seeded, ADMIN, "contributions",
                      csv_bytes("family_id,period,billed,paid,paid_date,channel", "500000001,202402,35000,35000,2024-02-11,teller"),
                      "c.csv")
    assert rep.ok and not channels.usable(seeded)  # the hooks are off here: stale, so not read
    mix = channels.channel_mix(seeded, Scope.national())
    assert sorted(mix["channel"]) == ["ppob", "teller"]  # from the ledger
    channels.after_import(seeded, "contributions", [stored[0][1]])
    assert channels.usable(seeded)
    assert scalar(seeded, "SELECT COUNT(*) FROM agg_channel") == 2
    assert channels.channel_mix(seeded, Scope.national()).equals(mix)


def test_demo_frames_are_consistent(world) -> None:  # type: ignore[no-untyped-def]
    """Holdout families are never treated: no CSR money, no Rehab plan, no fee; treated statuses follow the ledger."""
    eng = world.engine
    assert scalar(eng, "SELECT COUNT(*) FROM csr_payments c JOIN partner_assignments a ON a.id = c.assignment_id "
                       "WHERE a.holdout = :h", h=True) == 0
    assert scalar(eng, "SELECT COUNT(*) FROM rehab_plans r JOIN partner_assignments a ON a.id = r.assignment_id "
                       "WHERE a.holdout = :h", h=True) == 0
    assert scalar(eng, "SELECT COUNT(*) FROM partner_assignments WHERE holdout = :h AND fee_rp > 0", h=True) == 0
    plans = pd.read_sql(text("SELECT status, stages, first_period, ended_period FROM rehab_plans"), eng.connect())
    assert set(plans["status"]) <= {"active", "completed", "cancelled"}
    assert plans["stages"].between(1, 12).all()
