"""Who sees what, in a real headless Chromium: a bank officer never reaches a participant page (neither in
the navigation nor by typing its URL); an admin opens the import page; sign-out ends the session.
Screenshots: tests/artifacts/screens/access-*.png."""

from __future__ import annotations

from jkn_core import access
from jkn_core.i18n import t
from tests.e2e.browser import screenshot, sign_in, wait_for_app

WORK_QUEUE = t("page_work_queue")  # "Antrian Penagihan"
PARTICIPANT_PAGES = [k for k, roles in access.PAGES.items() if "bank_officer" not in roles
                     and roles <= {"kantor_cabang", "admin"}]  # work_queue


def _nav_text(page) -> str:  # type: ignore[no-untyped-def]
    nav = page.locator('[data-testid="stSidebarNav"]')
    return nav.inner_text() if nav.count() else ""


def test_bank_officer_cannot_reach_participant_pages(app_server: str, browser_page) -> None:
    page = browser_page
    assert "work_queue" in PARTICIPANT_PAGES
    page.goto(app_server + "/")
    sign_in(page, "bank", "bank-demo")
    nav = _nav_text(page)
    assert t("page_sif_officer") in nav and t("page_capacity") in nav, nav  # the bank's own pages
    assert WORK_QUEUE not in nav and t("page_overview") not in nav, nav
    for key in PARTICIPANT_PAGES:
        assert page.locator(f'[data-testid="stSidebarNav"] a[href$="/{key}"]').count() == 0
    screenshot(page, "access-bank-navigation", full=False)

    # typing the participant page's address: a new session, so first the sign-in form, never data;
    # Streamlit says the page does not exist and runs the main page
    page.goto(app_server + "/work_queue")
    wait_for_app(page)
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    assert "Page not found" in dialog.inner_text()
    screenshot(page, "access-bank-work-queue-url-signed-out", full=False)
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert WORK_QUEUE not in main and "NIK" not in main, main[:1500]
    assert page.get_by_label(t("username")).count() == 1
    # signed in again on that address: still no participant page or participant data
    sign_in(page, "bank", "bank-demo")
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert WORK_QUEUE not in main and "NIK" not in main, main[:1500]
    assert WORK_QUEUE not in _nav_text(page)
    screenshot(page, "access-bank-work-queue-url", full=False)
    assert not page.console_errors, page.console_errors


def test_admin_opens_import_page_and_signs_out(app_server: str, browser_page) -> None:
    page = browser_page
    page.goto(app_server + "/")
    sign_in(page, "admin", "admin-demo")
    more = page.locator('[data-testid="stSidebarNavViewButton"]')  # long navigations are folded
    if more.count() and "more" in more.inner_text().lower():
        more.click()
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=t("page_admin_import")).first.click()
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    assert main.get_by_role("heading", name=t("page_admin_import")).count() >= 1
    assert page.locator('[data-testid="stFileUploader"]').count() == 1
    assert f"{access.MAX_UPLOAD_MB}" in page.locator('[data-testid="stFileUploader"]').inner_text()
    assert main.get_by_text(t("adm_template")).count() == 1
    screenshot(page, "access-admin-import", full=False)

    page.locator(".st-key-sign_out button").click()
    page.get_by_label(t("username")).wait_for()
    wait_for_app(page)
    assert page.locator(".st-key-sign_out").count() == 0
    assert t("page_admin_import") not in _nav_text(page)
    assert not page.console_errors, page.console_errors
