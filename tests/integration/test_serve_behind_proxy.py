"""The real server (``streamlit run serve.py``) under a base path, behind a trusted proxy, as raw websocket
clients see it (no browser): issue 18, the session leftovers.

- ``server.baseUrlPath``: the cookie routes answer under ``/<base>/_jkn/session/...`` (where the page's
  hidden image asks for them), the cookie's ``Path`` is ``/<base>``, and nothing answers at the bare path;
- ``JKN_TRUSTED_PROXIES``: behind a trusted proxy the client address of the sign-in throttle and the audit
  trail is the one the proxy forwarded (``X-Forwarded-For``), not the proxy's;
- a session resumed from the cookie (a reload, a new tab, another process) writes a ``session_resumed``
  audit row with the session's id, the client address and the new browser session's tag.

The address rule itself (untrusted peers, forged headers, networks, IPv6) is tested without a server below.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bench.load import RawSession, sign_in_widgets
from jkn_core import access
from jkn_core.access import proxies, web_sessions
from jkn_core.db import make_engine
from jkn_core.schema import AuditLog, WebSession
from tests.e2e.browser import ROOT, StreamlitServer
from tests.worlds import sqlite_copy

PW = "a-long-secret-1"
BASE = "jkn"
CLIENT = "198.51.100.23"  # what the proxy forwards (a documentation address, RFC 5737)


# --- the address rule -----------------------------------------------------------------------------
NETS = proxies.parse_trusted("10.0.0.5, 192.168.10.0/24 ::1")


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("10.0.0.5", "203.0.113.9", "203.0.113.9"),  # a trusted proxy speaks for its client
    ("10.0.0.5", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # what the client wrote itself stays left
    ("10.0.0.5", "203.0.113.9, 192.168.10.7", "203.0.113.9"),  # two trusted proxies in a row
    ("10.0.0.5", "192.168.10.7, 192.168.10.8", "192.168.10.7"),  # only proxies: the first of them
    ("10.0.0.5", "203.0.113.9:51234", "203.0.113.9"),  # a port is not part of the address
    ("10.0.0.5", "not-an-address", proxies.UNKNOWN),  # garbage where the client should be
    ("203.0.113.50", "1.2.3.4", "203.0.113.50"),  # an untrusted peer's header is ignored
    ("203.0.113.50", None, "203.0.113.50"),
    ("10.0.0.5", None, "10.0.0.5"),  # the proxy itself, forwarding nothing
    ("::1", "2001:db8::7", "2001:db8::7"),  # IPv6
    ("127.0.0.1", "203.0.113.9", proxies.UNKNOWN),  # a local peer not listed: not believed, not locked
    (None, "203.0.113.9", proxies.UNKNOWN),
])
def test_the_client_address_is_forwarded_only_by_trusted_proxies(peer: str | None, forwarded: str | None,
                                                                  expected: str) -> None:
    assert proxies.client_address(peer, forwarded, NETS) == expected


def test_no_trusted_proxy_by_default_and_a_bad_entry_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(proxies.TRUSTED_PROXIES_ENV, raising=False)
    assert proxies.trusted_proxies() == ()
    assert proxies.client_address("10.0.0.5", "203.0.113.9") == "10.0.0.5"
    monkeypatch.setenv(proxies.TRUSTED_PROXIES_ENV, "10.0.0.5")
    assert proxies.client_address("10.0.0.5", "203.0.113.9") == "203.0.113.9"
    monkeypatch.setenv(proxies.TRUSTED_PROXIES_ENV, "10.0.0.5, proxy.example")
    with pytest.raises(ValueError, match="'proxy.example' is not an IP address or network"):
        proxies.trusted_proxies()


def test_the_throttle_locks_the_forwarded_address_not_the_proxy(empty_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Twenty failures forwarded for one client lock that client; another client behind the same proxy
    still signs in (before, every client behind a proxy had the proxy's address, or none)."""
    from argon2 import PasswordHasher

    from jkn_core.access import passwords, throttle

    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    monkeypatch.setattr(throttle, "delay_for", lambda failures: 0.0)
    eng = empty_engine("sqlite")
    access.create_user(eng, "dina", PW, "direksi")
    attacker = proxies.client_address("10.0.0.5", "203.0.113.66", NETS)
    neighbour = proxies.client_address("10.0.0.5", "203.0.113.77", NETS)
    for i in range(throttle.CLIENT_MAX_FAILURES):
        assert not access.sign_in(eng, f"guess{i}", "wrong", client=attacker).ok
    assert access.sign_in(eng, "dina", PW, client=attacker).locked_until is not None
    assert access.sign_in(eng, "dina", PW, client=neighbour).ok


# --- the real server ------------------------------------------------------------------------------
def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


async def _sign_in(url: str, user: str, password: str, want: str | None) -> list[Any]:
    deadline = time.monotonic() + 180
    async with RawSession(url, headers={"X-Forwarded-For": f"{CLIENT}, 127.0.0.1"}) as s:
        await s.rerun()
        form = await s.run_until_finished(deadline, want="button")
        await s.rerun(sign_in_widgets(form, user, password))
        return await s.run_until_finished(deadline, want=want)


async def _open_with_cookie(url: str, token: str) -> list[Any]:
    async with RawSession(url, headers={"X-Forwarded-For": CLIENT, "Cookie": f"jkn_session={token}"}) as s:
        await s.rerun()
        return await s.run_until_finished(time.monotonic() + 180, want="plotly_chart")


def _audit(eng, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with eng.connect() as conn:
        rows = conn.execute(select(AuditLog.username, AuditLog.detail).where(AuditLog.action == action)
                            .order_by(AuditLog.id)).all()
    return [{"username": r.username, **json.loads(r.detail or "{}")} for r in rows]


@pytest.fixture
def server(sqlite_world_file: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "jkn.db"
    sqlite_copy(sqlite_world_file, db)
    url = f"sqlite:///{db}"
    eng = make_engine(url)
    access.create_user(eng, "proxied", PW, "direksi", actor="test", replace=True)
    env = {**os.environ, "JKN_DATABASE_URL": url, "STREAMLIT_SERVER_BASE_URL_PATH": BASE,
           proxies.TRUSTED_PROXIES_ENV: "127.0.0.1",
           "FORWARDED_ALLOW_IPS": ""}  # uvicorn itself believes no proxy here: the app's rule is what counts
    srv = StreamlitServer(ROOT / "serve.py", env, name="proxy-base")
    root = srv.url
    srv.url = f"{root}/{BASE}"  # health and websocket under the base path
    srv.start()
    try:
        yield root, srv.url, eng
    finally:
        srv.stop()
        eng.dispose()



def _run_async(coro):  # type: ignore[no-untyped-def]
    """``asyncio.run`` in a thread of its own: a browser test earlier in this worker (Playwright's sync API)
    may have left an event loop running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()

@pytest.mark.slow
def test_base_path_forwarded_address_and_resumed_session_audit(server) -> None:  # type: ignore[no-untyped-def]
    root, url, eng = server

    # a wrong password, forwarded by the trusted proxy: audited under the client's address
    _run_async(_sign_in(url, "proxied", "wrong-password", None))
    failed = _audit(eng, "sign_in_failed")
    assert failed and failed[-1]["client"] == CLIENT, failed

    # signed in: the page asks for the cookie route under the base path
    elements = _run_async(_sign_in(url, "proxied", PW, "plotly_chart"))
    assert _audit(eng, "sign_in")[-1]["client"] == CLIENT
    beacons = [e.html.body for e in elements if e.WhichOneof("type") == "html"]
    found = [m for b in beacons for m in re.findall(r'src="([^"]+)"', b)]
    assert found and found[0].startswith(f"/{BASE}/_jkn/session/adopt?code="), beacons
    code = found[0].split("code=", 1)[1]
    with eng.connect() as conn:
        opened = conn.execute(select(WebSession.id, WebSession.client)
                              .where(WebSession.username == "proxied")).one()
    assert opened.client == CLIENT

    # nothing answers at the bare path: the routes live under the base path only
    status, headers, _ = _get(f"{root}/_jkn/session/adopt?code={code}", {"Sec-Fetch-Site": "same-origin"})
    assert "set-cookie" not in headers and headers.get("content-type") != "image/gif", (status, headers)
    status, headers, body = _get(f"{url}/_jkn/session/adopt?code={code}", {"Sec-Fetch-Site": "same-origin"})
    assert status == 200 and headers["content-type"] == "image/gif" and body.startswith(b"GIF"), (status, headers)
    cookie = headers["set-cookie"]
    token = cookie.split(";")[0].split("=", 1)[1]
    assert web_sessions.session_id_for_token(eng, token) == opened.id
    assert f"path=/{BASE}" in [p.strip().lower() for p in cookie.split(";")[1:]], cookie

    # a reload (new websocket carrying the cookie) resumes the session and says so in the audit trail
    assert _audit(eng, "session_resumed") == []
    _run_async(_open_with_cookie(url, token))
    resumed = _audit(eng, "session_resumed")
    assert len(resumed) == 1, resumed
    row = resumed[0]
    assert row["username"] == "proxied" and row["web_session"] == opened.id and row["client"] == CLIENT
    assert row["session"] and token not in json.dumps(row)

    # signing out through the route under the base path ends the session and drops the cookie there
    status, headers, _ = _get(f"{url}/_jkn/session/clear",
                              {"Sec-Fetch-Site": "same-origin", "Cookie": f"jkn_session={token}"})
    assert status == 200 and "max-age=0" in headers["set-cookie"].lower()
    assert f"path=/{BASE}" in headers["set-cookie"].lower()
    assert access.resume_web_session(eng, token).ended == "signed_out"
