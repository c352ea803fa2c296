"""Who sees what, in a real headless Chromium: a bank officer never reaches a participant page (neither in
the navigation nor by typing its URL, signed in or not); an admin sees every admin page and opens the import
page; sign-out ends the session; a user deactivated from the command line is signed out of an open browser
session at the next click, and a reload does not bring the session back.
Screenshots: tests/artifacts/screens/access-*.png."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jkn_core import access
from jkn_core.i18n import t
from tests.e2e.browser import ROOT, screenshot, serving, sign_in, wait_for_app
from tests.worlds import sqlite_copy

WORK_QUEUE = t("page_work_queue")  # "Antrean Penagihan"
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

    # typing the participant page's address (signed in through the cookie): a refusal in the user's
    # language, never data, never Streamlit's English "Page not found"
    page.goto(app_server + "/work_queue")
    wait_for_app(page)
    assert page.get_by_role("dialog").count() == 0
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert t("not_allowed") in main, main[:1500]
    assert WORK_QUEUE not in main and "NIK" not in main, main[:1500]
    screenshot(page, "access-bank-work-queue-url", full=False)
    # the same address in a browser that is not signed in: the sign-in form, then still no participant data
    page.context.clear_cookies()
    page.goto(app_server + "/work_queue")
    wait_for_app(page)
    assert page.get_by_role("dialog").count() == 0 and page.get_by_label(t("username")).count() == 1
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert WORK_QUEUE not in main and "NIK" not in main, main[:1500]
    screenshot(page, "access-bank-work-queue-url-signed-out", full=False)
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
    # every admin page is listed: nothing folded behind "View N more"
    assert page.locator('[data-testid="stSidebarNavViewButton"]').count() == 0
    for key in ("admin_users", "admin_import", "admin_targets", "admin_audit"):
        assert t(f"page_{key}") in _nav_text(page), _nav_text(page)
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


REVOKED, REVOKED_PW = "revoke.me", "revoke-me-long-pw"


@pytest.fixture
def revocable_server(_sqlite_world_build: tuple[Path, dict], tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of a second server on its own copy of the world, holding a branch user
    that this test may deactivate without touching the shared e2e server's users."""
    from jkn_core.db import make_engine

    db = tmp_path / "revoke.db"
    sqlite_copy(_sqlite_world_build[0], db)
    url = f"sqlite:///{db}"
    eng = make_engine(url)
    access.create_user(eng, REVOKED, REVOKED_PW, "kantor_cabang", branch_code="0301")
    eng.dispose()
    with serving(url, name="revoke") as base:
        yield base, url


def test_deactivated_user_is_signed_out_at_the_next_click(revocable_server, browser_page) -> None:
    base, db_url = revocable_server
    page = browser_page
    page.goto(base + "/")
    sign_in(page, REVOKED, REVOKED_PW)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=WORK_QUEUE).first.click()
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    assert main.get_by_role("heading", name=WORK_QUEUE).count() >= 1  # the branch's participants are open

    done = subprocess.run([sys.executable, "-m", "jkn_core", "users", "deactivate", REVOKED], cwd=ROOT,
                          env={**os.environ, "JKN_DATABASE_URL": db_url}, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr

    # the next click, in the session that is still open: back on the sign-in form, no data
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=t("page_overview")).first.click()
    page.get_by_label(t("username")).wait_for()
    wait_for_app(page)
    text = main.inner_text()
    assert t("session_ended_deactivated") in text, text[:800]
    assert WORK_QUEUE not in text and "NIK" not in text and t("page_overview") not in text, text[:800]
    assert page.locator(".st-key-sign_out").count() == 0
    assert page.locator('[data-testid="stSidebarNav"] a').count() == 0
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
    screenshot(page, "access-deactivated-signed-out", full=False)
    page.reload()  # the session cookie does not bring the session back
    wait_for_app(page)
    assert page.locator(".st-key-sign_out").count() == 0 and page.get_by_label(t("username")).count() == 1
    # and the account cannot sign in again
    page.get_by_label(t("username")).fill(REVOKED)
    page.get_by_label(t("password")).fill(REVOKED_PW)
    page.get_by_role("button", name=t("sign_in"), exact=True).click()
    page.get_by_text(t("sign_in_failed")).wait_for()
    assert page.locator(".st-key-sign_out").count() == 0
