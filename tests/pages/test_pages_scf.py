"""Hospital claims and SCF pages in AppTest: a director sees claims payable for a branch and drills to a
hospital; a bank officer opens a hospital, changes the advance rate (the line follows), saves the proposal,
gets the memo; the portfolio shows only the bank's lines; neither role gets the other's pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jkn_core import fmt, scf
from jkn_core.i18n import t
from jkn_core.kpi import claims as kc
from jkn_core.scf import portfolio
from jkn_core.scope import Scope
from tests.apptest import nav_keys, sign_in

ROOT = Path(__file__).resolve().parents[2]
BANK = Scope(role="bank_officer", username="bank", region_code="KW05", bank="Bank bjb")


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, writable_sqlite_world) -> str:
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    return writable_sqlite_world.url


def test_director_sees_claims_payable_for_a_branch_and_a_hospital(env, writable_sqlite_world) -> None:
    eng = writable_sqlite_world.engine
    at = sign_in("direksi")
    assert "claims" in nav_keys(at) and "scf_officer" not in nav_keys(at)
    at.switch_page("pages/claims.py").run()
    assert not at.exception, at.exception
    total = kc.claims_totals(eng, Scope.national("direksi"))
    assert metric(at, t("claims_payable")) == fmt.rupiah(total["payable_rp"], "id")
    branches = kc.claims_by_branch(eng, Scope.national("direksi")).sort_values("payable_rp", ascending=False)
    code = branches["branch_code"].iloc[1]
    at.selectbox(key="claims_branch").set_value(code).run()
    assert not at.exception, at.exception
    hosp = kc.hospitals_of_branch(eng, Scope.national("direksi"), code)
    shown = [df.value for df in at.dataframe]
    assert any(len(df) == len(hosp) and set(hosp["facility_name"]) <= set(map(str, df.iloc[:, 0])) for df in shown)
    assert at.selectbox(key="claims_hospital").value in set(hosp["facility_code"])


def test_bank_officer_changes_the_advance_rate_saves_and_gets_the_memo(env, writable_sqlite_world) -> None:
    eng = writable_sqlite_world.engine
    found = scf.search_hospitals(eng, BANK, "", limit=500)
    code = next(c for c in found["facility_code"] if (r := scf.assess(eng, BANK, c)) and r["limit_rp"] > 0)
    at = sign_in("bank")
    assert "scf_officer" in nav_keys(at) and "claims" not in nav_keys(at)
    at.switch_page("pages/scf_officer.py").run()
    assert not at.exception, at.exception
    at.text_input(key="scf_search").input(code).run()
    assert at.selectbox(key="scf_hospital").value == code
    before = metric(at, t("scf_limit"))
    assert before == fmt.rupiah(scf.assess(eng, BANK, code, 0.8)["limit_rp"], "id")
    at.number_input(key="scf_advance").set_value(0.6).run()
    assert not at.exception, at.exception
    after = metric(at, t("scf_limit"))
    assert after == fmt.rupiah(scf.assess(eng, BANK, code, 0.6)["limit_rp"], "id") and after != before
    at.text_area(key="scf_note").input("kunjungan RS OK").run()
    at.button(key="scf_save").click().run()
    assert not at.exception, at.exception
    apps = scf.applications(eng, BANK, code)
    assert len(apps) == 1 and apps["bank"].iloc[0] == "Bank bjb" and apps["advance_rate"].iloc[0] == pytest.approx(0.6)
    assert any(b.proto.label == t("scf_memo_download") for b in at.get("download_button"))


def test_portfolio_shows_the_bank_lines_only(env, writable_sqlite_world) -> None:
    eng = writable_sqlite_world.engine
    book = portfolio.lines(eng, BANK)
    assert len(book) > 0 and set(book["bank"]) == {"Bank bjb"}
    at = sign_in("bank")
    at.switch_page("pages/scf_portfolio.py").run()
    assert not at.exception, at.exception
    assert metric(at, t("scf_lines")) == fmt.number(len(book), 0, "id")
