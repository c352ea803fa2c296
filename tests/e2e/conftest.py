"""Browser tests: a real Streamlit server and Debian's chromium driven by Playwright (sync API).

Fixtures
- ``app_server`` (session): base URL (``http://127.0.0.1:PORT``) of ``streamlit run serve.py`` (app.py
  plus the session-cookie routes, as ``run.sh`` starts it) serving a
  private copy of the SQLite small world; its log goes to ``tests/artifacts/logs/``. One server per
  worker: the e2e tests form two xdist groups (``e2e``, ``e2e_own``: see :data:`E2E_GROUPS`), each run by
  one worker, so under ``-n 2`` each group has a server of its own; with ``-n 0`` all share one.
- ``browser`` (session): a headless chromium (``shutil.which("chromium")``; never ``playwright install``).
- ``browser_page`` (function): a fresh page (1440x1000) in a fresh context; on failure a screenshot is
  saved as ``tests/artifacts/screens/FAILED-<test>.png``. Uncaught page errors: ``page.console_errors``.

Helpers (``from tests.e2e.browser import sign_in, wait_for_app, screenshot``): ``sign_in(page, user)``
fills the sign-in form on the page shown and waits until the app is signed in; ``wait_for_app(page)``
waits for the script run to finish and asserts there is no ``stException``; ``screenshot(page, name)``
saves ``tests/artifacts/screens/NAME.png``. Every test in this folder is marked ``e2e`` and ``slow``
automatically, and put in the xdist group of its file (:func:`e2e_group`).
"""

from __future__ import annotations

import shutil
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import (
    APP_TIMEOUT_MS,
    CHROMIUM_ARGS,
    VIEWPORT,
    close_context,
    serving,
)
from tests.worlds import sqlite_copy

_HERE = Path(__file__).resolve().parent


#: The browser tests run as two xdist groups, so ``pytest -n 2 --dist loadgroup`` gives each its own worker
#: (and its own ``app_server``: a session fixture lives once per worker). ``e2e_own`` holds the files that
#: mostly start servers of their own (nginx + two processes, a hostile world, two processes on one database);
#: ``e2e`` the pages on the shared server. A file not listed goes to the group its name's CRC-32 picks, so
#: new files spread over both; list a long new file here to keep the two groups about even.
E2E_GROUPS: dict[str, str] = {
    "test_deploy_e2e.py": "e2e_own",
    "test_hostile_text_e2e.py": "e2e_own",
    "test_sessions_e2e.py": "e2e_own",
    "test_access_e2e.py": "e2e",
    "test_directors_e2e.py": "e2e",
    "test_drill_e2e.py": "e2e",
    "test_locale_e2e.py": "e2e",
    "test_sif_e2e.py": "e2e",
    "test_smoke.py": "e2e",
    "test_batch_e2e.py": "spark",  # reuses the session's one Spark batch run (tests/batch/fixtures.py)
}


def e2e_group(filename: str) -> str:
    """The xdist group of the browser-test file ``filename`` (see :data:`E2E_GROUPS`)."""
    return E2E_GROUPS.get(filename) or ("e2e", "e2e_own")[zlib.crc32(filename.encode()) % 2]


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (``--dist loadgroup``)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path)).resolve()
        if _HERE in path.parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group(e2e_group(path.name)))


@pytest.fixture(scope="session")
def app_server(
    _sqlite_world_build: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of the dashboard (``app.py``) serving a private copy of the SQLite small world."""
    src, _summary = _sqlite_world_build
    db = tmp_path_factory.mktemp("e2e_db") / "jkn_small.db"
    sqlite_copy(src, db)
    with serving(f"sqlite:///{db}") as base:
        yield base


# --- the browser -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def _playwright() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright: Any) -> Iterator[Any]:
    exe = shutil.which("chromium")
    if not exe:
        raise RuntimeError(
            "chromium is not on the PATH: `apt-get install -y --no-install-recommends chromium` "
            "(bash test.sh does it when run as root). Do not run `playwright install`."
        )
    b = _playwright.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def browser_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, locale="id-ID", timezone_id="Asia/Jakarta")
    context.set_default_timeout(APP_TIMEOUT_MS)
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))  # type: ignore[attr-defined]
    yield page
    close_context(page, context, request)
