"""Browser-test helpers: a headless Streamlit server, signing in, waiting for the app, screenshots.

from tests.e2e.browser import screenshot, sign_in, wait_for_app
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENS = ARTIFACTS / "screens"
LOGS = ARTIFACTS / "logs"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1440, "height": 1000}
HEALTH_TIMEOUT_S = 120
APP_TIMEOUT_MS = 60_000


# --- the Streamlit server --------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _streamlit_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("streamlit")  # .venv/bin/streamlit next to .venv/bin/python
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "streamlit"]


def _tail(path: Path, n: int = 6000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


class StreamlitServer:
    """``streamlit run APP`` headless on a free port; :meth:`start` returns once /_stcore/health is ok."""

    def __init__(self, app: Path, env: dict[str, str], cwd: Path = ROOT, name: str = "app") -> None:
        self.app, self.env, self.cwd = app, env, cwd
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS / f"streamlit-{name}-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = HEALTH_TIMEOUT_S) -> str:
        cmd = [
            *_streamlit_cmd(),
            "run",
            str(self.app),
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.proc.returncode} before it was healthy\n"
                    f"$ {' '.join(cmd)}\n--- {self.log_path} ---\n{_tail(self.log_path)}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200 and resp.read().strip() == b"ok":
                        return self.url
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(
            f"streamlit was not healthy within {timeout:.0f} s\n$ {' '.join(cmd)}\n"
            f"--- {self.log_path} ---\n{_tail(self.log_path)}"
        )

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: only what this server started
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@contextmanager
def serving(db_url: str, name: str = "app", app: str = "serve.py") -> Iterator[str]:
    """Base URL of a Streamlit server of its own (``app``, headless) on the database ``db_url``; stopped on exit."""
    env = {**os.environ, "JKN_DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    server = StreamlitServer(ROOT / app, env=env, cwd=ROOT, name=name)
    try:
        yield server.start()
    finally:
        server.stop()


# --- helpers ---------------------------------------------------------------------------------------
_READY_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]')) return false;
  if (document.querySelector('[data-testid="stException"]')) return true;
  const main = document.querySelector('[data-testid="stMain"]') || app;
  return main.innerText.trim().length > 0;
}"""


def wait_for_app(page: Any, timeout: int = APP_TIMEOUT_MS, settle_ms: int = 300) -> Any:
    """Wait until the script run is over (no skeleton, content shown), then assert no exception."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        remaining = max(1, int((deadline - time.monotonic()) * 1000))
        page.wait_for_function(_READY_JS, timeout=remaining)
        page.wait_for_timeout(settle_ms)  # a rerun may start right after: be ready twice in a row
        if page.evaluate(_READY_JS) or time.monotonic() > deadline:
            break
    exceptions = page.locator('[data-testid="stException"]')
    if exceptions.count():
        texts = "\n---\n".join(exceptions.nth(i).inner_text() for i in range(exceptions.count()))
        raise AssertionError(f"the app shows an exception:\n{texts}")
    return page


def sign_in(page: Any, user: str, password: str | None = None) -> Any:
    """Sign in through the form on the page shown (demo password ``<user>-demo`` unless given).

    Waits until the app is signed in (the sidebar offers sign-out) and the run is over.
    """
    from jkn_core.i18n import t

    wait_for_app(page)
    page.get_by_label(t("username")).fill(user)
    page.get_by_label(t("password")).fill(password if password is not None else f"{user}-demo")
    page.get_by_role("button", name=t("sign_in"), exact=True).click()
    page.locator(".st-key-sign_out").wait_for()
    return wait_for_app(page)


def close_context(page: Any, context: Any, request: Any) -> None:
    """End a test's browser context; when the test failed, keep a screenshot of its page first."""
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        try:
            screenshot(page, f"FAILED-{request.node.name}")
        except Exception:  # noqa: BLE001 - a failed screenshot must not hide the real failure
            pass
    context.close()


def screenshot(page: Any, name: str, full: bool = True) -> Path:
    """Save ``tests/artifacts/screens/NAME.png`` (the whole main block when ``full``); return the path."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    block = page.locator('[data-testid="stMainBlockContainer"]')
    if full and block.count():
        block.first.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    return path
