"""Hospital claims and SCF in a real browser: a bank officer opens a hospital, changes the advance rate (the
proposed line follows) and downloads the credit memo; a director sees claims payable for a branch. Neither
is offered participant data."""

from __future__ import annotations

from pathlib import Path

from jkn_core import fmt, scf
from jkn_core.db import make_engine
from jkn_core.i18n import t
from jkn_core.kpi import claims as kc
from jkn_core.scope import Scope
from tests.e2e.browser import screenshot, sign_in, wait_for_app

BANK = Scope("bank_officer", "bank", region_code="KW05", bank="Bank bjb")


def _metric(page, label: str) -> str:  # type: ignore[no-untyped-def]
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _no_participant_pages(page) -> None:  # type: ignore[no-untyped-def]
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert t("page_work_queue") not in nav
    assert "NIK" not in page.locator('[data-testid="stMain"]').inner_text()


def test_bank_officer_changes_the_advance_rate_and_downloads_the_memo(app_server: str, browser_page,
                                                                      _sqlite_world_build) -> None:
    engine = make_engine(f"sqlite:///{_sqlite_world_build[0]}")
    found = scf.search_hospitals(engine, BANK, "", limit=500)
    code = next(c for c in found["facility_code"] if (r := scf.assess(engine, BANK, c)) and r["limit_rp"] > 0)
    at_80 = fmt.rupiah(scf.assess(engine, BANK, code, 0.80)["limit_rp"], "id")
    at_75 = fmt.rupiah(scf.assess(engine, BANK, code, 0.75)["limit_rp"], "id")
    engine.dispose()
    page = browser_page
    page.goto(app_server + "/")
    sign_in(page, "bank", "bank-demo")
    _no_participant_pages(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text(t("page_scf_officer")).click()
    wait_for_app(page)
    page.get_by_label(t("scf_search")).fill(code)
    page.get_by_label(t("scf_search")).press("Enter")
    wait_for_app(page)
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    assert _metric(page, t("scf_limit")) == at_80
    rate = page.get_by_label(t("scf_advance_rate"))
    rate.fill("0.75")
    rate.press("Enter")
    wait_for_app(page)
    page.wait_for_function("(want) => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
                           ".some(e => e.innerText.trim() === want)", arg=at_75)
    assert _metric(page, t("scf_limit")) == at_75
    with page.expect_download() as download:
        page.get_by_role("button", name=t("scf_memo_download")).click()
    path = Path(download.value.path())
    assert path.read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith(".pdf")
    assert not page.console_errors, page.console_errors
    screenshot(page, "scf-officer")


def test_director_sees_claims_payable_for_a_branch(app_server: str, browser_page, _sqlite_world_build) -> None:
    engine = make_engine(f"sqlite:///{_sqlite_world_build[0]}")
    direksi = Scope.national("direksi")
    total = fmt.rupiah(kc.claims_totals(engine, direksi)["payable_rp"], "id")
    top = kc.claims_by_branch(engine, direksi).sort_values("payable_rp", ascending=False).iloc[0]
    engine.dispose()
    page = browser_page
    page.goto(app_server + "/")
    sign_in(page, "direksi", "direksi-demo")
    _no_participant_pages(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text(t("page_claims")).click()
    wait_for_app(page)
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    assert _metric(page, t("claims_payable")) == total
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert t("claims_hospitals").format(branch=top["branch_name"]) in main, main[:2000]
    assert top["branch_name"] in main
    assert not page.console_errors, page.console_errors
    screenshot(page, "claims-directors")
