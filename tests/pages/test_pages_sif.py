"""SIF pages in AppTest: the bank officer signs in, assesses a facility, and the what-if changes the decision
when the amount crosses the limit; the portfolio and model pages render."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jkn_core import sif
from jkn_core.display import header
from jkn_core.i18n import t
from jkn_core.scope import Scope
from jkn_core.sif import policy as credit
from tests.apptest import sign_in

ROOT = Path(__file__).resolve().parents[2]
BANK = Scope(role="bank_officer", username="bank", region_code="KW05", bank="Bank bjb")


signed_in = sign_in


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.fixture
def officer_env(monkeypatch: pytest.MonkeyPatch, writable_sqlite_world) -> str:
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    return writable_sqlite_world.url


def test_what_if_amount_over_the_limit_turns_the_decision_to_decline(officer_env, writable_sqlite_world) -> None:
    eng = writable_sqlite_world.engine
    policy = credit.load_policy(eng)
    m = sif.market(eng, BANK)
    row = m[m["eligible"] & (m["score"] >= policy.refer_score) & (m["max_loan"] >= 20_000_000)
            & (m["max_tenor_months"] >= policy.reference_tenor_months)].iloc[0]
    at = signed_in("bank", "bank-demo")
    at.switch_page("pages/sif_officer.py").run()
    assert not at.exception, at.exception
    at.text_input(key="sif_search").input(row["facility_code"]).run()
    assert at.selectbox(key="sif_facility").value == row["facility_code"]
    # the page starts at the facility's own maximum loan: the rules pass, the score decides
    assert at.number_input(key="sif_amount").value == row["max_loan"]
    before = metric(at, t("sif_decision"))
    assert before in (t("decision_approve"), t("decision_refer"))
    at.number_input(key="sif_amount").set_value(int(row["max_loan"]) + 10_000_000).run()
    assert not at.exception, at.exception
    assert metric(at, t("sif_decision")) == t("decision_decline")
    assert any(t("rule_instalment_share") in str(df.value.to_dict()) for df in at.dataframe)
    # back within the limit, and save the assessment with a note
    at.number_input(key="sif_amount").set_value(int(row["max_loan"])).run()
    assert metric(at, t("sif_decision")) == before
    at.text_area(key="sif_note").input("kunjungan lapangan OK").run()
    at.button(key="sif_save").click().run()
    assert any("disimpan" in s.value for s in at.success)
    apps = sif.applications(eng, BANK, row["facility_code"])
    assert apps.iloc[0]["note"] == "kunjungan lapangan OK" and apps.iloc[0]["officer"] == "bank"
    # the capitation history chart is there
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(spec["data"]) == 2


def test_portfolio_and_model_pages_render_for_the_bank_officer(app_env) -> None:
    at = signed_in("bank", "bank-demo")
    at.switch_page("pages/sif_portfolio.py").run()
    assert not at.exception, at.exception
    assert int(metric(at, t("sif_facilities")).replace(".", "")) > 0
    kol = header("kol", "id")  # tables show headers in the UI language
    assert any("Kol-" in str(df.value[kol].tolist()) for df in at.dataframe if kol in df.value.columns)
    assert any(mm.label == "PSI" for mm in at.metric)
    at.switch_page("pages/model_sif.py").run()
    assert not at.exception, at.exception
    assert metric(at, "ROC AUC")
    assert any("points" in df.value.columns or t("sif_points") in df.value.columns for df in at.dataframe)


def test_bank_officer_page_never_shows_another_banks_application(officer_env, writable_sqlite_world) -> None:
    """Issue 18, finding 3: Bank Mandiri's application (amount, confidential note) at a KW05 facility used to be
    listed to the Bank bjb officer on the officer page (and downloadable from its table)."""
    from jkn_core import access

    eng = writable_sqlite_world.engine
    access.create_user(eng, "mandiri", "mandiri-test-pass", "bank_officer", region_code="KW05",
                       bank="Bank Mandiri", actor="test")
    mandiri = Scope(role="bank_officer", username="mandiri", region_code="KW05", bank="Bank Mandiri")
    policy = credit.load_policy(eng)
    m = sif.market(eng, BANK)
    code = m[m["eligible"] & (m["max_loan"] >= 20_000_000)].iloc[0]["facility_code"]
    for scope, amount, note in ((BANK, 20_000_000, "catatan bjb sendiri"),
                                (mandiri, 31_000_000, "RAHASIA MANDIRI: bunga khusus")):
        result = sif.assess_application(eng, scope, code, amount, 12, policy.bank_rate_pct)
        sif.save_application(eng, scope, result, note)
    at = signed_in("bank", "bank-demo")
    at.switch_page("pages/sif_officer.py").run()
    at.text_input(key="sif_search").input(code).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="sif_facility").value == code
    note = header("note", "id")  # tables show headers in the UI language
    tables = [df.value for df in at.dataframe if note in df.value.columns]
    assert len(tables) == 1 and list(tables[0][note]) == ["catatan bjb sendiri"]  # own application listed
    shown = "\n".join([df.value.to_csv() for df in at.dataframe]
                      + [str(e.value) for kind in ("markdown", "caption", "text", "metric") for e in at.get(kind)])
    assert "RAHASIA MANDIRI" not in shown and "mandiri" not in shown and "31000000" not in shown


def test_bank_officer_works_in_the_banks_market_including_banten(officer_env, writable_sqlite_world) -> None:
    """Issue 12 item 9: the Bank bjb officer's scope was Kedeputian Wilayah V (Jawa Barat) only; it is now bjb's
    market, Jawa Barat and Banten (KW04): the page names the market and a Banten clinic can be assessed."""
    from sqlalchemy import select

    from jkn_core.schema import Branch, Facility

    eng = writable_sqlite_world.engine
    with eng.connect() as conn:
        banten = set(conn.execute(select(Facility.code).join(Branch, Branch.code == Facility.branch_code)
                                  .where(Branch.province_code == "36")).scalars())
    m = sif.market(eng, BANK)
    code = m[m["facility_code"].isin(banten)].iloc[0]["facility_code"]
    at = signed_in("bank", "bank-demo")
    at.switch_page("pages/sif_officer.py").run()
    captions = [str(c.value) for c in at.caption]
    assert any("Bank bjb" in c and "Jawa Barat" in c and "Banten" in c for c in captions), captions
    at.text_input(key="sif_search").input(code).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="sif_facility").value == code
