"""The deployment of docs/deploy.md in a real browser: two Streamlit processes behind nginx with TLS.

``devtools.proxy_stack`` starts two ``streamlit run`` processes on one copy of the small world and nginx in
front of them with ``deploy/nginx.conf`` itself (only ports, server name and certificate paths replaced;
a self-signed certificate on loopback). Chromium opens it over https and checks what a user and an
auditor would notice:

- every response carries the security headers (HSTS, CSP, X-Frame-Options DENY / frame-ancestors 'none',
  Referrer-Policy, nosniff) and the sticky route cookie;
- the pages of three roles render under that Content-Security-Policy with no violation, no console
  error and no failed request (the websocket, the map, the charts, the fonts all load);
- a reload keeps the user signed in and on the same page whichever process answers: each process in turn
  is stopped and the page reloaded, so one of the reloads lands on a process that did not sign the user in
  (sessions live in the database; the ``jkn_session`` cookie names them).
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devtools.proxy_stack import ProxyStack, find_nginx
from jkn_core.i18n import t
from tests.e2e.browser import APP_TIMEOUT_MS, VIEWPORT, close_context, screenshot, sign_in, wait_for_app
from tests.worlds import sqlite_copy

#: Pages opened per role (page keys of app.PAGE_FILES), through the sidebar like a user.
ROLE_PAGES = {
    "direksi": ["overview", "coverage", "arrears", "capacity"],
    "bank": ["sif_portfolio", "sif_officer"],
    "cabang": ["work_queue"],
}
SECURITY_HEADERS = ("strict-transport-security", "content-security-policy", "x-frame-options",
                    "referrer-policy", "x-content-type-options")

_CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture(scope="module")
def stack(_sqlite_world_build: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyStack]:
    if find_nginx() is None:
        pytest.fail("nginx is not installed: `apt-get install -y nginx` (bash test.sh installs it as root)")
    src, _summary = _sqlite_world_build
    folder = tmp_path_factory.mktemp("proxy_stack")
    db = folder / "jkn_small.db"
    sqlite_copy(src, db)
    s = ProxyStack(2, f"sqlite:///{db}", folder=folder)
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def tls_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh context that accepts the self-signed certificate and records every CSP
    violation, console error and failed request."""
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID", timezone_id="Asia/Jakarta",
                                  ignore_https_errors=True)
    context.set_default_timeout(APP_TIMEOUT_MS)
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on("console", lambda m: page.problems.append(f"console {m.type}: {m.text}")  # type: ignore[attr-defined]
            if m.type == "error" or "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: page.problems.append(f"page error: {exc}"))  # type: ignore[attr-defined]
    page.on("requestfailed", lambda r: page.problems.append(  # type: ignore[attr-defined]
        f"request failed: {r.method} {r.url} ({r.failure})") if _counts(r) else None)
    yield page
    close_context(page, context, request)


def _counts(request: Any) -> bool:
    """A failed request that matters: not one the browser aborted itself because the page moved on."""
    return "ERR_ABORTED" not in str(request.failure or "")


def _violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__cspViolations || []")) + list(page.problems)


def _open_page(page: Any, key: str) -> None:
    """Open page ``key`` through the sidebar navigation (expanding a collapsed group when needed) and wait
    for its title (a role's first page is served at ``/``, the others at ``/<key>``)."""
    title = t(f"page_{key}")
    link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title)
    if not link.count() or not link.first.is_visible():
        more = page.locator('[data-testid="stSidebarNavViewButton"]')
        if more.count():
            more.first.click()
    link.first.click()
    page.locator('[data-testid="stMain"] h1').filter(has_text=title).first.wait_for()
    wait_for_app(page)


def _wait_until_nginx_retries(stack: ProxyStack, i: int) -> None:
    """nginx sends no request to a process for ``fail_timeout`` (10 s, deploy/nginx.conf) after its last failed
    attempt to reach it: wait until then. The attempts are in nginx's error log (second resolution: one more
    second, and one for nginx's cached clock); without a log, the whole 10 s after the restart."""
    last = None
    try:
        for line in (stack.folder / "error.log").read_text(errors="replace").splitlines():
            if f"127.0.0.1:{stack.ports[i]}" in line:
                last = time.mktime(time.strptime(line[:19], "%Y/%m/%d %H:%M:%S"))
    except (OSError, ValueError):
        last = time.time()
    if last is not None:
        time.sleep(max(0.0, last + 12 - time.time()))


def _signed_in(page: Any) -> bool:
    return page.locator(".st-key-sign_out").count() > 0 and page.get_by_label(t("password")).count() == 0


def test_security_headers_and_route_cookie_on_every_response(stack: ProxyStack, tls_page: Any) -> None:
    page = tls_page
    seen: list[tuple[str, dict[str, str]]] = []
    page.on("response", lambda r: seen.append((r.url, r.headers)) if r.url.startswith(stack.url) else None)
    response = page.goto(stack.url + "/")
    wait_for_app(page)
    assert response is not None and response.status == 200
    headers = response.headers
    for name in SECURITY_HEADERS:
        assert name in headers, f"{name} missing on the page: {sorted(headers)}"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "max-age=" in headers["strict-transport-security"]
    assert "jkn_route=" in (response.header_value("set-cookie") or ""), "the proxy gives the browser its route"
    assert any(c["name"] == "jkn_route" and c["secure"] and c["httpOnly"] for c in page.context.cookies())
    # every response the page loaded (scripts, styles, fonts, health and host config) carries them too
    assert len(seen) > 5
    for url, h in seen:
        missing = [n for n in SECURITY_HEADERS if n not in h]
        assert not missing, f"{url} lacks {missing}"
    # plain http is sent to https (HSTS then keeps the browser there); on loopback the redirect names the
    # standard port 443, where nothing listens in this test, so the answer itself is checked
    conn = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    conn.request("GET", "/coverage?period=202412")
    answer = conn.getresponse()
    assert answer.status == 301 and answer.getheader("Location", "").startswith("https://127.0.0.1/coverage")
    conn.close()


@pytest.mark.parametrize("user", list(ROLE_PAGES))
def test_pages_render_under_the_content_security_policy(stack: ProxyStack, tls_page: Any, user: str) -> None:
    page = tls_page
    page.goto(stack.url + "/")
    sign_in(page, user)
    assert not _violations(page), _violations(page)
    for key in ROLE_PAGES[user]:
        _open_page(page, key)
        page.wait_for_timeout(500)  # late requests (map tiles, fonts) and their violations
        problems = _violations(page)
        assert not problems, f"{user} on {key}: {problems}"
        assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, f"deploy-{user}-{ROLE_PAGES[user][-1]}")


def test_reload_keeps_the_user_signed_in_whichever_process_answers(stack: ProxyStack, tls_page: Any) -> None:
    """Needs the database sessions (``jkn_session`` cookie, web_sessions): each process is stopped in
    turn and the page reloaded, so at least one reload is answered by a process that never saw the
    sign-in."""
    page = tls_page
    page.goto(stack.url + "/")
    sign_in(page, "direksi")
    _open_page(page, "coverage")
    assert any(c["name"] == "jkn_session" for c in page.context.cookies()), \
        "no jkn_session cookie after sign-in: the session cannot move to another process"
    for i in range(stack.processes):
        stack.stop_streamlit(i)
        try:
            page.reload()
            # the other process may never have run the app yet (imports, cold caches) on a busy machine
            wait_for_app(page, timeout=180_000)
            assert _signed_in(page), f"signed out after a reload answered without process {i}"
            assert "/coverage" in page.url, page.url
            assert t("page_coverage") in page.locator('[data-testid="stMain"]').inner_text()
        finally:
            stack.start_streamlit(i)
            stack.wait_healthy(i)
            if i < stack.processes - 1:  # the next reload needs this process back in nginx's rotation
                _wait_until_nginx_retries(stack, i)
    # (the console shows Streamlit's own 404 probes of /coverage/_stcore/health after a reload: not counted)
    assert not page.evaluate("window.__cspViolations"), page.evaluate("window.__cspViolations")
