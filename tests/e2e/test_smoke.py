"""The dashboard starts, renders, and shows no exception in a real browser."""

from __future__ import annotations

from tests.e2e.browser import screenshot, wait_for_app


def test_root_page_renders(app_server: str, browser_page) -> None:
    page = browser_page
    page.goto(app_server + "/")
    wait_for_app(page)
    body = page.locator('[data-testid="stApp"]').inner_text()
    assert "JKN" in body, body[:2000]
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.console_errors, page.console_errors
    screenshot(page, "smoke-root")
