"""The SCF model (train, card, safe load, score, CLI), bank isolation of SCF applications and lines (two banks
in one province), and the credit memo (PDF in both languages, audited export)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, text

from jkn_core import modeling, scf
from jkn_core.db import make_engine
from jkn_core.scf import memo, portfolio
from jkn_core.schema import AuditLog, ModelScore
from jkn_core.scope import Scope
from tests.worlds import sqlite_copy

ROOT = Path(__file__).resolve().parents[2]
BJB = Scope("bank_officer", "bank", region_code="KW05", bank="Bank bjb")
MANDIRI = Scope("bank_officer", "mandiri", region_code="KW05", bank="Bank Mandiri")
DIREKSI = Scope.national("direksi")


@pytest.fixture(scope="module")
def trained(sqlite_world_file: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A private copy of the small world with the SCF model trained on it into a private models folder."""
    folder = tmp_path_factory.mktemp("scf_model")
    db = folder / "world.db"
    sqlite_copy(sqlite_world_file, db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JKN_MODELS_DIR", str(folder / "models"))
        scf.clear_model_cache()
        engine = make_engine(f"sqlite:///{db}")
        card = scf.train(engine, log=lambda m: None)
        yield engine, card, folder
        scf.clear_model_cache()
        engine.dispose()


def test_card_has_the_shared_keys_and_the_oracle(trained) -> None:
    engine, card, folder = trained
    for key in modeling.CARD_KEYS:
        assert key in card, key
    saved = json.loads((folder / "models" / "scf" / "card.json").read_text())
    assert saved["roc_auc"] == pytest.approx(card["roc_auc"])
    assert card["champion"] in ("logit", "gbm") and set(card["challengers"]) == {"logit", "gbm"}
    assert 0.5 < card["roc_auc"] <= 1 and 0.5 < card["oracle_roc_auc"] <= 1
    assert 0 <= card["ece"] < 0.1 and card["n_test"] > 0 and card["n_train"] > 0
    assert card["data_to"] == 202412


def test_model_loads_safely_and_scores_every_hospital(trained) -> None:
    engine, card, folder = trained
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JKN_MODELS_DIR", str(folder / "models"))
        scf.clear_model_cache()
        model = scf.load_champion()
        assert type(model).__module__.startswith("sklearn.")
        n = scf.score(engine, log=lambda m: None)
    with engine.connect() as conn:
        rows = pd.read_sql(select(ModelScore).where(ModelScore.model == "scf"), conn)
        hospitals = conn.execute(text("SELECT COUNT(*) FROM facilities WHERE type = 'rumah_sakit'")).scalar()
        runs = conn.execute(select(AuditLog.detail).where(AuditLog.action == "score_run")).scalars().all()
    assert n == len(rows) == hospitals
    assert rows["score"].between(0, 1).all()
    assert any('"scf"' in r for r in runs)


def test_cli_train_on_a_database_without_claims_says_one_line(empty_engine, tmp_path: Path) -> None:
    eng = empty_engine()
    env = {**os.environ, "JKN_DATABASE_URL": eng.url.render_as_string(hide_password=False),
           "JKN_MODELS_DIR": str(tmp_path / "models"), "JKN_LOG_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "jkn_core", "train", "scf"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2
    assert out.stderr.strip().startswith("error:") and "claims" in out.stderr
    assert "Traceback" not in out.stderr


def test_two_banks_in_one_province_see_only_their_own_applications_and_lines(trained) -> None:
    engine, card, folder = trained
    with engine.connect() as conn:
        code = conn.execute(text("SELECT f.code FROM facilities f JOIN branches b ON b.code = f.branch_code "
                                 "WHERE f.type = 'rumah_sakit' AND b.province_code = '32' ORDER BY f.code")).scalar()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JKN_MODELS_DIR", str(folder / "models"))
        scf.clear_model_cache()
        # the same hospital data for both banks of the province
        a, b = scf.assess(engine, BJB, code, 0.7), scf.assess(engine, MANDIRI, code, 0.7)
        assert a["limit_rp"] == b["limit_rp"] and a["pd"] == pytest.approx(b["pd"])
        scf.save_application(engine, BJB, a, "RAHASIA-BJB")
        scf.save_application(engine, MANDIRI, b, "RAHASIA-MANDIRI")
    mine, theirs = scf.applications(engine, BJB, code), scf.applications(engine, MANDIRI, code)
    assert list(mine["note"]) == ["RAHASIA-BJB"] and list(theirs["note"]) == ["RAHASIA-MANDIRI"]
    assert set(scf.applications(engine, DIREKSI, code)["note"]) == {"RAHASIA-BJB", "RAHASIA-MANDIRI"}
    assert set(portfolio.lines(engine, BJB)["bank"]) == {"Bank bjb"}
    assert set(portfolio.lines(engine, MANDIRI)["bank"]) == {"Bank Mandiri"}
    nobank = Scope("bank_officer", "nobank", region_code="KW05", bank=None)
    assert scf.applications(engine, nobank).empty


def test_memo_in_both_languages_and_its_export_is_audited(trained) -> None:
    engine, card, folder = trained
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JKN_MODELS_DIR", str(folder / "models"))
        scf.clear_model_cache()
        code = scf.search_hospitals(engine, BJB, "", limit=1)["facility_code"].iloc[0]
        result = scf.assess(engine, BJB, code)
    pdf_id = memo.credit_memo(result, "id", "bank", compress=False)
    pdf_en = memo.credit_memo(result, "en", "bank", compress=False)
    assert pdf_id.startswith(b"%PDF") and b"Memo Kredit SCF" in pdf_id and b"SCF credit memo" in pdf_en
    data = memo.export_memo(engine, BJB, result, "en")
    with engine.connect() as conn:
        rows = conn.execute(select(AuditLog.detail).where(AuditLog.action == "export")).scalars().all()
    assert data.startswith(b"%PDF") and any("scf_credit_memo" in r and code in r for r in rows)
    assert memo.file_name(result, "en").endswith(".pdf")


def test_claims_import_derives_the_rules_and_rejects_a_bad_row_whole(trained) -> None:
    from jkn_core.imports import import_file

    engine, card, folder = trained
    admin = Scope("admin", "admin")
    with engine.connect() as conn:
        rs = conn.execute(text("SELECT code FROM facilities WHERE type = 'rumah_sakit' ORDER BY code")).scalar()
        fktp = conn.execute(text("SELECT code FROM facilities WHERE level = 'FKTP' ORDER BY code")).scalar()
        before = conn.execute(text("SELECT COUNT(*) FROM claims")).scalar()
    head = "facility_code,service_period,submitted_on,amount_submitted_rp,amount_verified_rp,complete_on,paid_on," \
           "amount_paid_rp\n"
    # a claim of 2019 (not in the demo): no completeness statement (deemed complete on day 10), paid 2 days
    # after the 15 days: 1 % penalty for the started month; the other row is paid on time
    good = head + (f"{rs},201905,2019-06-03,1000000000,900000000,,2019-06-30,900000000\n"
                   f"{rs},201906,2019-07-02,800000000,800000000,2019-07-05,2019-07-20,800000000\n")
    report = import_file(engine, admin, "claims", good.encode(), "claims.csv")
    assert report.ok, report.problems
    with engine.connect() as conn:
        rows = pd.read_sql(text(f"SELECT * FROM claims WHERE facility_code = '{rs}' AND service_period IN "
                                "(201905, 201906) ORDER BY service_period"), conn)
    assert [str(d)[:10] for d in rows["complete_on"]] == ["2019-06-13", "2019-07-05"]
    assert [str(d)[:10] for d in rows["payment_due_on"]] == ["2019-06-28", "2019-07-20"]
    assert list(rows["penalty_rp"]) == [9_000_000, 0]
    assert list(rows["days_to_payment"]) == [27, 18]
    # a completeness date 11 days after receipt, and a claim of a primary clinic: refused, nothing written
    bad = head + (f"{rs},201907,2019-08-01,500000000,500000000,2019-08-12,,0\n"
                  f"{fktp},201907,2019-08-01,500000000,500000000,,,0\n")
    report = import_file(engine, admin, "claims", bad.encode(), "claims.csv")
    assert not report.ok
    where = {(p.row, p.column) for p in report.problems}
    assert (2, "complete_on") in where and (3, "facility_code") in where
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM claims")).scalar() == before + 2
