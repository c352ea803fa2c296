"""User data is text, never markup, in a real browser (issue 18, findings 5 and 6).

Participants, facilities and branches of a private copy of the small world are renamed to Markdown
images, links and HTML pointing at a hostile host; a branch user opens the work queue and a bank
officer the SIF page. Every request the pages make is recorded (and anything not to the app's own
server is aborted): none may go to the hostile host, the DOM may hold no ``<img>``/``<a>`` pointing
there, and the names must show literally. The table toolbar must offer no download of its own
(``client.disableDataExport``): every download goes through the export rules.

This module starts its own server: the shared ``app_server`` world must stay unchanged for the other
browser tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from jkn_core.db import make_engine
from jkn_core.i18n import t
from jkn_core.text import ZWSP
from tests.e2e.browser import serving, sign_in, wait_for_app
from tests.worlds import sqlite_copy

HOST = "hostile.example"
IMAGE = f"![x](http://{HOST}/pixel.png)"
PERSON = f"Yuliana {IMAGE}"
FACILITY = f"Klinik ![f](http://{HOST}/facility.png) <img src=http://{HOST}/raw.png>"
BRANCH = f"Cabang [klik](http://{HOST}/link) ![b](http://{HOST}/branch.png)"


@pytest.fixture(scope="module")
def hostile_server(_sqlite_world_build: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    src, _summary = _sqlite_world_build
    db = tmp_path_factory.mktemp("hostile_db") / "jkn_hostile.db"
    sqlite_copy(src, db)
    eng = make_engine(f"sqlite:///{db}")
    with eng.begin() as conn:
        conn.execute(text("UPDATE participants SET name = :n"), {"n": PERSON})
        conn.execute(text("UPDATE facilities SET name = :n"), {"n": FACILITY})
        conn.execute(text("UPDATE branches SET name = :n"), {"n": BRANCH})
    eng.dispose()
    with serving(f"sqlite:///{db}", name="hostile", app="app.py") as base:
        yield base


def _watch(page: Any, base: str) -> list[str]:
    """Record every request of the page; abort any that does not go to the app's own server."""
    seen: list[str] = []
    own = urlsplit(base).netloc
    page.on("request", lambda req: seen.append(req.url))

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).netloc == own or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", guard)
    return seen


_WHERE = """el => {
  const box = el.closest('[data-testid]');
  return [box ? box.getAttribute('data-testid') : null, el.outerHTML.slice(0, 300),
          (box || el).outerHTML.slice(0, 600)];
}"""


def _assert_no_hostile_markup(page: Any, seen: list[str]) -> None:
    hostile = [u for u in seen if HOST in u]
    assert not hostile, f"the browser asked the hostile host: {hostile}"
    for selector in (f'img[src*="{HOST}"]', f'a[href*="{HOST}"]', f'[style*="{HOST}"]', f'source[src*="{HOST}"]'):
        found = page.locator(selector)
        assert found.count() == 0, (selector, found.first.evaluate(_WHERE))
    assert page.locator('[data-testid="stException"]').count() == 0
    # no table toolbar download of Streamlit's own (it would bypass masking, scope, audit, neutralisation)
    tables = page.locator('[data-testid="stDataFrame"]')
    if tables.count():
        tables.first.hover()
        page.wait_for_timeout(300)
        assert page.locator('[data-testid="stElementToolbar"] button[aria-label*="ownload"]').count() == 0


def test_hostile_names_trigger_no_request_on_the_work_queue(hostile_server: str, browser_page: Any) -> None:
    page = browser_page
    seen = _watch(page, hostile_server)
    page.goto(hostile_server + "/")
    sign_in(page, "cabang", "cabang-demo")
    page.locator('[data-testid="stSidebarNav"]').get_by_text(t("page_work_queue")).click()
    wait_for_app(page, timeout=180_000)
    page.get_by_text(t("wq_history"), exact=False).first.wait_for()
    main = page.locator('[data-testid="stMain"]').inner_text().replace(ZWSP, "")
    _assert_no_hostile_markup(page, seen)
    assert IMAGE in main, main[:1500]  # the name is shown literally, as text


def test_hostile_names_trigger_no_request_on_the_sif_page(hostile_server: str, browser_page: Any) -> None:
    page = browser_page
    seen = _watch(page, hostile_server)
    page.goto(hostile_server + "/")
    sign_in(page, "bank", "bank-demo")
    page.locator('[data-testid="stSidebarNav"]').get_by_text(t("page_sif_officer")).click()
    wait_for_app(page)
    page.get_by_text(t("sif_bpjs_facts"), exact=False).first.wait_for()
    main = page.locator('[data-testid="stMain"]').inner_text().replace(ZWSP, "")
    _assert_no_hostile_markup(page, seen)
    assert f"![f](http://{HOST}/facility.png)" in main, main[:1500]
    assert f"[klik](http://{HOST}/link)" in main, main[:1500]
