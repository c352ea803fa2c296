"""``serve.wake_once``: the server wakes its event loop once per pending flush, not once per message
(issue 18, load), and every session still gets every message.

- the rule, on a stand-in runtime: a wake-up is scheduled only while no flush is pending;
- the real server (``streamlit run serve.py`` on a copy of the small world): sessions signing in at the
  same moment each receive their complete overview, the same messages as a session signing in alone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher
from streamlit.runtime.runtime import Runtime

import serve
from bench.load import one_session, run_round
from jkn_core import access
from jkn_core.access import passwords
from tests.e2e.browser import ROOT, StreamlitServer

PW = "a-long-secret-1"


class _Loop:
    def __init__(self) -> None:
        self.scheduled: list[Callable[[], None]] = []

    def call_soon_threadsafe(self, fn: Callable[[], None]) -> None:
        self.scheduled.append(fn)


class _Objs:
    def __init__(self) -> None:
        self.eventloop = _Loop()
        self.need_send_data = asyncio.Event()


class _Runtime:
    def __init__(self) -> None:
        self.objs = _Objs()

    def _get_async_objs(self) -> Any:
        return self.objs


def test_the_loop_is_woken_once_per_pending_flush() -> None:
    rt = _Runtime()
    loop, flag = rt.objs.eventloop, rt.objs.need_send_data
    serve.wake_once(rt)  # type: ignore[arg-type]
    assert len(loop.scheduled) == 1  # nothing pending: wake the loop
    loop.scheduled.pop()()  # the loop runs the callback: a flush is now pending
    assert flag.is_set()
    for _ in range(40):  # the rest of the run's elements: the pending flush takes them
        serve.wake_once(rt)  # type: ignore[arg-type]
    assert loop.scheduled == []
    flag.clear()  # the flush cycle starts (it clears the flag, then drains every queue)
    serve.wake_once(rt)  # type: ignore[arg-type]
    assert len(loop.scheduled) == 1, "a message after the flush started must wake the loop again"


def test_serve_installs_it() -> None:
    assert Runtime._enqueued_some_message is serve.wake_once


@pytest.fixture
def server(writable_sqlite_world, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    users = [(f"wake{i}", PW) for i in range(8)]
    for name, pw in users:
        access.create_user(writable_sqlite_world.engine, name, pw, "direksi", actor="test", replace=True)
    srv = StreamlitServer(ROOT / "serve.py", {**os.environ, "JKN_DATABASE_URL": writable_sqlite_world.url},
                          name="wake-once")
    srv.start()
    try:
        yield srv.url, users
    finally:
        srv.stop()


def _run_async(coro):  # type: ignore[no-untyped-def]
    """``asyncio.run`` in a thread of its own (a Playwright test earlier in this worker may have left an
    event loop running in the main thread)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.mark.slow
def test_sessions_signing_in_together_each_get_their_whole_overview(server) -> None:  # type: ignore[no-untyped-def]
    url, users = server
    alone = _run_async(one_session(url, *users[0], timeout=120))
    assert "error" not in alone, alone
    together = _run_async(run_round(url, users[1:], timeout=180))
    for result in together:
        assert "error" not in result, result  # each reached its overview (its chart and the run's end)
        assert result["messages"] == alone["messages"], "a session missed messages or got others'"
