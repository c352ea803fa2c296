"""Sign-in that lasts, in a real headless Chromium (issue 17 items 1 and 6, issue 18 "sessions in the database").

- a reload (F5) on every page of one role keeps the user signed in, on that page, with its query parameters;
- a deep link (``/arrears?period=...``) opened in a new browser context shows the sign-in form (no "Page not
  found"), and after signing in opens exactly that page and view;
- signing out in one tab ends the session of another tab at its next click;
- two server processes on one database: signed in on one, the other resumes the session from the cookie;
  signed out on the second, the first is signed out at its next click.

Servers run ``serve.py`` (app.py plus the cookie routes). Screenshots: tests/artifacts/screens/sessions-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from jkn_core import access, fmt
from jkn_core.access import web_sessions
from jkn_core.i18n import t
from tests.e2e.browser import (
    APP_TIMEOUT_MS,
    VIEWPORT,
    screenshot,
    serving,
    sign_in,
    wait_for_app,
)
from tests.worlds import sqlite_copy

DEPUTI_PAGES = [k for k, roles in access.PAGES.items() if "deputi_wilayah" in roles]


def _nav_link(page: Any, key: str) -> Any:
    """The navigation's link to a page (the role's first page lives at "/", so found by its title)."""
    return page.locator('[data-testid="stSidebarNav"] a').filter(has_text=t(f"page_{key}")).first


def _main(page: Any) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def _signed_in(page: Any) -> bool:
    return page.locator(".st-key-sign_out").count() == 1


def _session_cookie(context: Any) -> dict:
    cookies = [c for c in context.cookies() if c["name"] == web_sessions.COOKIE_NAME]
    assert len(cookies) == 1, context.cookies()
    return cookies[0]


def _wait_for_cookie(context: Any, page: Any) -> dict:
    for _ in range(100):  # the hidden image fetches it right after sign-in
        if any(c["name"] == web_sessions.COOKIE_NAME for c in context.cookies()):
            return _session_cookie(context)
        page.wait_for_timeout(100)
    raise AssertionError(f"no {web_sessions.COOKIE_NAME} cookie after sign-in: {context.cookies()}")


def _new_page(browser: Any, context: Any | None = None) -> tuple[Any, Any]:
    context = context or browser.new_context(viewport=VIEWPORT, locale="id-ID", timezone_id="Asia/Jakarta")
    context.set_default_timeout(APP_TIMEOUT_MS)
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))  # type: ignore[attr-defined]
    return context, page


def test_reload_keeps_the_user_signed_in_on_every_page(app_server: str, browser_page: Any) -> None:
    page = browser_page
    page.goto(app_server + "/")
    sign_in(page, "deputi", "deputi-demo")
    cookie = _wait_for_cookie(page.context, page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert page.get_by_text("Deploy", exact=True).count() == 0  # no developer toolbar for users
    assert page.locator('[data-testid="stSidebarNavViewButton"]').count() == 0  # nothing folded away
    for key in DEPUTI_PAGES:
        _nav_link(page, key).click()
        wait_for_app(page)
        page.get_by_role("heading", name=t(f"page_{key}")).first.wait_for()
        before = page.url
        page.reload()
        wait_for_app(page)
        assert _signed_in(page), f"signed out by a reload on {key}"
        assert page.url == before, (key, before, page.url)  # same page, same query parameters
        assert t(f"page_{key}") in _main(page), (key, _main(page)[:500])
        assert page.locator(".st-key-login_user").count() == 0  # no sign-in form
    screenshot(page, "sessions-reloaded", full=False)
    assert not page.console_errors, page.console_errors


def test_a_deep_link_signs_in_and_opens_its_page_and_view(app_server: str, browser: Any) -> None:
    context, page = _new_page(browser)  # a new browser: no cookie
    try:
        link = app_server + "/arrears?period=202406"
        page.goto(link)
        wait_for_app(page)
        assert page.get_by_role("dialog").count() == 0  # no "Page not found"
        assert "Page not found" not in page.locator("body").inner_text()
        assert t("sign_in_to_open") in _main(page)
        screenshot(page, "sessions-deep-link-signed-out", full=False)
        sign_in(page, "deputi", "deputi-demo")
        parts = urlsplit(page.url)
        assert parts.path.endswith("/arrears") and parse_qs(parts.query).get("period") == ["202406"], page.url
        main = _main(page)
        assert t("page_arrears") in main and fmt.period_label(202406, "id") in main, main[:800]
        screenshot(page, "sessions-deep-link-signed-in", full=False)
        assert not page.console_errors, page.console_errors
    finally:
        context.close()


def test_sign_out_in_one_tab_ends_the_other_tab(app_server: str, browser: Any) -> None:
    context, tab_a = _new_page(browser)
    try:
        tab_a.goto(app_server + "/")
        sign_in(tab_a, "direksi", "direksi-demo")
        _wait_for_cookie(context, tab_a)
        _, tab_b = _new_page(browser, context)  # a second tab of the same browser: signed in by the cookie
        tab_b.goto(app_server + "/coverage")
        wait_for_app(tab_b)
        assert _signed_in(tab_b) and t("page_coverage") in _main(tab_b)

        tab_a.locator(".st-key-sign_out button").click()
        tab_a.get_by_label(t("username")).wait_for()
        wait_for_app(tab_a)
        for _ in range(50):  # the sign-in page drops the cookie
            if not any(c["name"] == web_sessions.COOKIE_NAME for c in context.cookies()):
                break
            tab_a.wait_for_timeout(100)
        assert not any(c["name"] == web_sessions.COOKIE_NAME for c in context.cookies())

        _nav_link(tab_b, "overview").click()  # tab B's next click
        tab_b.get_by_label(t("username")).wait_for()
        wait_for_app(tab_b)
        assert t("session_ended_signed_out") in _main(tab_b)
        assert not _signed_in(tab_b) and tab_b.locator('[data-testid="stSidebarNav"] a').count() == 0
        screenshot(tab_b, "sessions-other-tab-signed-out", full=False)
        tab_b.reload()  # and a reload does not bring it back
        wait_for_app(tab_b)
        assert not _signed_in(tab_b) and tab_b.get_by_label(t("username")).count() == 1
    finally:
        context.close()


@pytest.fixture
def two_servers(_sqlite_world_build: tuple[Path, dict], tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two Streamlit processes (serve.py) on one database copy: their base URLs (same host, two ports)."""
    db = tmp_path / "two.db"
    sqlite_copy(_sqlite_world_build[0], db)
    with serving(f"sqlite:///{db}", name="first") as first, serving(f"sqlite:///{db}", name="second") as second:
        yield first, second


def test_a_second_server_process_resumes_and_ends_the_session(two_servers: tuple[str, str], browser: Any) -> None:
    url_a, url_b = two_servers
    context, on_a = _new_page(browser)
    context.set_default_timeout(3 * APP_TIMEOUT_MS)  # two cold processes on a shared machine
    on_b = None
    try:
        on_a.goto(url_a + "/")
        wait_for_app(on_a, timeout=3 * APP_TIMEOUT_MS)
        sign_in(on_a, "deputi", "deputi-demo")
        _wait_for_cookie(context, on_a)  # cookies belong to the host, not the port: B gets it too
        _, on_b = _new_page(browser, context)
        on_b.goto(url_b + "/capacity")
        wait_for_app(on_b, timeout=3 * APP_TIMEOUT_MS)
        assert _signed_in(on_b) and t("page_capacity") in _main(on_b), _main(on_b)[:500]
        assert on_b.locator(".st-key-login_user").count() == 0

        on_b.locator(".st-key-sign_out button").click()  # sign out on the other process
        on_b.get_by_label(t("username")).wait_for()
        _nav_link(on_a, "coverage").click()  # the first process, at its next click
        on_a.get_by_label(t("username")).wait_for()
        wait_for_app(on_a)
        assert t("session_ended_signed_out") in _main(on_a) and not _signed_in(on_a)
        screenshot(on_a, "sessions-two-processes", full=False)
    except Exception:
        for name, shown in (("a", on_a), ("b", on_b)):
            if shown is not None:
                screenshot(shown, f"FAILED-sessions-two-processes-{name}", full=False)
        raise
    finally:
        context.close()
