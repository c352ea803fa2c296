"""A bank officer signs in, opens the SIF credit assessment page and sees a score, a decision and the chart."""

from __future__ import annotations

from tests.e2e.browser import screenshot, sign_in, wait_for_app


def test_bank_officer_opens_the_sif_officer_page(app_server: str, browser_page) -> None:
    page = browser_page
    page.goto(app_server + "/")
    sign_in(page, "bank", "bank-demo")
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Penilaian Kredit SIF").click()
    wait_for_app(page)
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    main = page.locator('[data-testid="stMain"]').inner_text()
    for text in ("Penilaian Kredit SIF", "Fakta terkonfirmasi BPJS", "Skor", "Keputusan", "Pemeriksaan kebijakan"):
        assert text in main, main[:2000]
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.console_errors, page.console_errors
    page.set_viewport_size({"width": 1440, "height": 2800})  # Streamlit scrolls inside stMain
    wait_for_app(page)
    page.mouse.move(0, 0)
    screenshot(page, "sif-officer")
