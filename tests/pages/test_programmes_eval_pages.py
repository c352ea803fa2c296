"""Issue 13, part 2: the programme-effect and CSR pages in the real app (AppTest on the small world): a director
sees every programme's uplift with its interval and the channel mix, in Indonesian and in English; a branch sees
only its own assignments; the CSR page proposes families within the budget, records the payment (audited) and
offers the sponsor's report as Excel and PDF."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from jkn_core.i18n import t
from jkn_core.programmes import uplift
from jkn_core.scope import Scope
from pages import charts, common
from tests.apptest import nav_keys, sign_in, texts
from tests.conftest import ROOT


@pytest.fixture
def app_db(monkeypatch, writable_sqlite_world):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    return writable_sqlite_world


def test_director_sees_uplift_with_interval_and_channels(app_db) -> None:  # type: ignore[no-untyped-def]
    at = sign_in("direksi")
    at.switch_page("pages/programmes_effect.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("page_programmes_effect", "id")
    charts = [c for c in at.get("plotly_chart")]
    assert len(charts) >= 2  # uplift bars and the channel trend
    frames = [d.value for d in at.dataframe]
    shown = "\n".join(str(f.to_string()) if hasattr(f, "to_string") else str(f.data) for f in frames)
    assert t("pe_action_kader_visit", "id") in shown and t("pe_action_rehab_offer", "id") in shown
    assert t("pe_channel_mobile_jkn", "id") in shown or "Mobile JKN" in texts(at.markdown) + shown
    at.radio(key="pe_outcome").set_value("paid").run()
    assert not at.exception, at.exception


def test_english(app_db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # AppTest re-formats pickers outside the script run, where the session's language cannot be read: pin it
    monkeypatch.setattr(common, "lang", lambda: "en")
    monkeypatch.setattr(charts, "lang", lambda: "en")
    at = sign_in("direksi", lang="en")
    at.session_state["lang"] = "en"
    at.switch_page("pages/programmes_effect.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("page_programmes_effect", "en")
    headers = list(at.dataframe[0].value.columns) if hasattr(at.dataframe[0].value, "columns") else []
    assert t("pe_col_uplift", "en") in headers and t("pe_col_cost_per", "en") in headers


def test_branch_scope(app_db) -> None:  # type: ignore[no-untyped-def]
    at = sign_in("cabang")
    at.switch_page("pages/programmes_effect.py").run()
    assert not at.exception, at.exception
    own = uplift.measure(app_db.engine, Scope(role="kantor_cabang", username="cabang", branch_code="0301"))
    national = uplift.measure(app_db.engine, Scope.national("x"))
    assert own["n_treated"].sum() < national["n_treated"].sum()
    table = at.dataframe[0].value
    data = table.data if hasattr(table, "data") else table
    treated_col = t("pe_col_treated", "id")
    shown_total = sum(int(str(v).replace(",", "").replace(".", "")) for v in data[treated_col])
    assert shown_total == int(own["n_treated"].sum())


def test_csr_page_proposes_records_and_reports(app_db) -> None:  # type: ignore[no-untyped-def]
    at = sign_in("admin")
    at.switch_page("pages/csr.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("page_csr", "id")
    budget = at.number_input(key="csr_budget_input").value
    assert budget > 0
    labels = [m.label for m in at.metric]
    assert t("csr_chosen", "id") in labels
    next(b for b in at.button if b.label == t("csr_record", "id")).click().run()
    assert not at.exception, at.exception
    with app_db.engine.connect() as conn:
        n_audit = conn.execute(text("SELECT COUNT(*) FROM audit_log WHERE action = 'csr_payment'")).scalar()
        paid = conn.execute(text("SELECT SUM(c.amount_rp * f.weight) FROM csr_payments c JOIN families f "
                                 "ON f.id = c.family_id WHERE c.created_by = 'admin'")).scalar()
    assert n_audit == 1 and 0 < paid <= budget
    assert {d.label for d in at.get("download_button")} >= {t("csr_download_xlsx", "id"), t("csr_download_pdf", "id")}


def test_bank_officer_is_not_offered_the_pages(app_db) -> None:  # type: ignore[no-untyped-def]
    at = sign_in("bank")
    assert not {"csr", "programmes_effect"} & nav_keys(at)
