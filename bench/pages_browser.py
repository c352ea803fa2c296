"""``python -m bench pages-browser``: every page of every role in headless Chromium, cold and warm.

One command, a few minutes. It copies a demo database (``--sqlite-db``, default ``data/jkn.db``; the source
is never modified), adds one bench user per demo role (same scope as the demo user, a random password:
no default-password warning or forced change in the figures), starts ``streamlit run`` on a free loopback
port (or N processes behind nginx with ``--processes N``) and, per role, signs in with Debian's chromium
(Playwright, 1440 × 1000) and opens each page the role may see through the sidebar, twice:

- **cold**: the first time this server renders the page for this scope (its figures' caches empty; the
  process may already have imported the libraries for an earlier page or role);
- **warm**: the same page again after visiting another one (caches filled: what every later visit costs).

Time-to-rendered runs from the click on the page's link until the app is ready (FIELD_NOTES.md: the
``stApp`` element's ``data-test-script-state`` is ``notRunning``, no skeleton, content shown) with the
page's own title on screen. The landing page after sign-in is measured from pressing "sign in". The
median of ``--runs`` warm visits is reported, against the target (warm ≤ 1 s). Every page a role may open
(``jkn_core.access.PAGES``) has a row: a page that fails or that the sidebar does not offer says so, and the
run goes on; ``--roles`` / ``--pages`` time a subset (e.g. the admin's pages only). Each role has a budget
(``--role-budget``, default 15 min): no wait runs past it and the pages left get a row saying so, so the run
always ends (at most roles × budget, plus start-up). Results: ``--results`` (default
``bench/results/pages_browser.json``) and a Markdown table on standard output (paste it into BENCHMARKS.md
with the machine load it prints).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
#: The target of issue 17: every page warm within a second in the browser.
WARM_TARGET_S = 1.0
READY_JS = """(title) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return false;
  return title === null || Array.from(main.querySelectorAll('h1')).some(h => h.innerText.includes(title));
}"""


def _bench_users(engine: Any) -> list[tuple[str, str, str]]:
    """One bench user per demo role (same scope); (demo username, bench username, password)."""
    from jkn_core import access
    from jkn_core.access.demo_users import DEMO_USERS

    out = []
    for u in DEMO_USERS:
        name, pw = f"pb{u.username}", secrets.token_urlsafe(18)
        try:
            access.create_user(engine, name, pw, u.role, u.region_code, u.branch_code, u.bank, actor="bench",
                               replace=True)
        except ValueError as exc:  # a region or branch this world lacks
            print(f"· {u.username}: skipped ({exc})", file=sys.stderr)
            continue
        out.append((u.username, name, pw))
    return out


def _wait(page: Any, title: str | None, timeout_ms: int) -> float:
    """Seconds until the app is ready with ``title`` shown (twice in a row 150 ms apart: a rerun may follow)."""
    t0 = time.monotonic()
    while True:
        page.wait_for_function(READY_JS, arg=title, timeout=timeout_ms, polling=50)
        t = time.monotonic() - t0
        page.wait_for_timeout(150)
        if page.evaluate(READY_JS, title):
            if page.locator('[data-testid="stException"]').count():
                raise RuntimeError("the page shows an exception")
            return t


def _open(page: Any, title: str, timeout_ms: int) -> float:
    link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title)
    if not link.count() or not link.first.is_visible():
        more = page.locator('[data-testid="stSidebarNavViewButton"]')
        if more.count():
            more.first.click()
    link.first.click()
    return _wait(page, title, timeout_ms)


def measure_role(browser: Any, base_url: str, user: str, password: str, runs: int,
                 timeout_ms: int, role: str | None = None, only: set[str] | None = None,
                 budget_s: float | None = None) -> list[dict[str, Any]]:
    """Sign in as ``user`` and time each page of the sidebar, cold then warm (``runs`` warm visits).

    Every page ``role`` may open (``jkn_core.access.PAGES``) gets a row: a page that fails has its error
    (the others go on), a page the sidebar does not offer says so. ``only``: page keys to time (the
    others are still visited as the "other page" between warm visits). ``budget_s``: the most the role may
    take; a page's waits never run past it, and the pages left when it is used up get a row saying so
    (the run goes on with the next role)."""
    from jkn_core.i18n import t

    deadline = None if budget_s is None else time.monotonic() + budget_s

    def wait_ms() -> int:
        """The page timeout, cut to what is left of the role's budget (at least 5 s)."""
        if deadline is None:
            return timeout_ms
        return max(5000, min(timeout_ms, int((deadline - time.monotonic()) * 1000)))

    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="id-ID", timezone_id="Asia/Jakarta",
                              ignore_https_errors=True)
    ctx.set_default_timeout(timeout_ms)
    page = ctx.new_page()
    rows: list[dict[str, Any]] = []
    try:
        page.goto(base_url + "/")
        _wait(page, None, timeout_ms)
        page.get_by_label(t("username")).fill(user)
        page.get_by_label(t("password")).fill(password)
        page.get_by_role("button", name=t("sign_in"), exact=True).click()
        page.locator(".st-key-sign_out").wait_for()
        landing_s = _wait(page, None, timeout_ms)
        titles = [x.strip() for x in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]
        more = page.locator('[data-testid="stSidebarNavViewButton"]')
        if more.count():
            more.first.click()
            titles = [x.strip() for x in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]
        titles = [x.split("\n")[-1].strip() for x in titles if x.strip()]
        keys = {t(f"page_{k}"): k for k in _page_keys()}
        landing = page.locator('[data-testid="stMain"] h1').first.inner_text().strip()
        for i, title in enumerate(titles):
            key = keys.get(title, title)
            if only and key not in only:
                continue
            if deadline is not None and time.monotonic() >= deadline:
                rows.append({"page": key, "title": title, "error": f"not timed: the role's budget of {budget_s:.0f} s "
                                                                   "was used up (--role-budget)"})
                print(f"  {key}: {rows[-1]['error']}", file=sys.stderr, flush=True)
                continue
            try:
                if title == landing:
                    cold = landing_s
                else:
                    cold = _open(page, title, wait_ms())
                warm = []
                for _ in range(runs):
                    other = titles[(i + 1) % len(titles)] if len(titles) > 1 else None
                    if other is not None and other != title:
                        _open(page, other, wait_ms())
                    warm.append(_open(page, title, wait_ms()))
            except Exception as exc:  # noqa: BLE001 - reported in the page's row, the next page goes on
                rows.append({"page": key, "title": title, "error": f"{type(exc).__name__}: {str(exc)[:160]}"})
                print(f"  {key}: {rows[-1]['error']}", file=sys.stderr, flush=True)
                continue
            rows.append({"page": key, "title": title, "cold_s": round(cold, 2),
                         "cold_from": "sign-in" if title == landing else "click",
                         "warm_s": round(statistics.median(warm), 2) if warm else None,
                         "warm_max_s": round(max(warm), 2) if warm else None})
            print(f"  {key}: cold {cold:.2f} s, warm {rows[-1]['warm_s']} s", file=sys.stderr, flush=True)
        if role is not None:  # a page of the role the sidebar did not offer is a finding too
            offered = {keys.get(x, x) for x in titles}
            for key in _page_keys():
                if role in _roles_of(key) and key not in offered and (not only or key in only):
                    rows.append({"page": key, "title": t(f"page_{key}"), "error": "not in the sidebar"})
    finally:
        ctx.close()
    return rows


def _page_keys() -> list[str]:
    from jkn_core.access import PAGES

    return list(PAGES)


def _roles_of(key: str) -> frozenset[str]:
    from jkn_core.access import PAGES

    return frozenset(PAGES.get(key, frozenset()))


def main(argv: list[str] | None = None) -> int:
    from jkn_core import config

    p = argparse.ArgumentParser(prog="python -m bench pages-browser", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sqlite-db", default=str(config.DEFAULT_SQLITE_PATH),
                   help="demo database to copy (never modified); default data/jkn.db")
    p.add_argument("--roles", default="", help="comma-separated demo usernames (default: every demo role)")
    p.add_argument("--pages", default="", help="comma-separated page keys to time (default: every page)")
    p.add_argument("--runs", type=int, default=2, help="warm visits per page (median reported)")
    p.add_argument("--processes", type=int, default=0, help="N > 0: N Streamlit processes behind nginx (https)")
    p.add_argument("--timeout", type=float, default=180.0, help="seconds a page may take before it counts as failed")
    p.add_argument("--role-budget", type=float, default=900.0,
                   help="seconds one role may take in all (0: no limit); the pages left then get a row saying so")
    p.add_argument("--results", default=str(RESULTS / "pages_browser.json"),
                   help="where the JSON results go (default bench/results/pages_browser.json)")
    p.add_argument("--models-dir", help="JKN_MODELS_DIR of the started server")
    a = p.parse_args(argv)
    dest = Path(a.results)
    source = Path(a.sqlite_db)
    if not source.exists():
        raise SystemExit(f"no demo database at {source}: build one (python -m jkn_core demo) or pass --sqlite-db")
    exe = shutil.which("chromium")
    if not exe:
        raise SystemExit("chromium is not on the PATH: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    from bench.load import free_port, start_server
    from jkn_core.db import make_engine

    work = Path(tempfile.mkdtemp(prefix="jkn-bench-pages-"))
    out: dict[str, Any] = {"command": "python -m bench pages-browser " + " ".join(argv if argv is not None
                                                                                 else sys.argv[2:]),
                           "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                           "load_average_before": os.getloadavg(), "roles": {}}
    proc: Any = None
    stack: Any = None
    try:
        db = work / "jkn.db"
        shutil.copy(source, db)
        url = f"sqlite:///{db}"
        engine = make_engine(url)
        users = _bench_users(engine)
        engine.dispose()
        wanted = set(filter(None, a.roles.split(",")))
        users = [u for u in users if not wanted or u[0] in wanted]
        from jkn_core.access.demo_users import DEMO_USERS

        roles = {u.username: u.role for u in DEMO_USERS}
        if a.processes > 0:
            from devtools.proxy_stack import ProxyStack

            (work / "proxy").mkdir()
            stack = ProxyStack(a.processes, url, env={"JKN_MODELS_DIR": a.models_dir} if a.models_dir else {},
                               folder=work / "proxy")
            base_url = stack.start()
        else:
            port = free_port()
            proc = start_server(url, port, work / "server.log", a.models_dir)
            base_url = f"http://127.0.0.1:{port}"
        out["processes"] = a.processes or 1
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
            try:
                for demo, user, password in users:
                    print(f"· {demo} ({user}) …", file=sys.stderr, flush=True)
                    try:
                        out["roles"][demo] = measure_role(browser, base_url, user, password, a.runs,
                                                          int(a.timeout * 1000), role=roles.get(demo),
                                                          only=set(filter(None, a.pages.split(","))),
                                                          budget_s=a.role_budget or None)
                    except Exception as exc:  # noqa: BLE001 - reported, the other roles go on
                        out["roles"][demo] = [{"error": f"{type(exc).__name__}: {str(exc)[:200]}"}]
                    dest.parent.mkdir(parents=True, exist_ok=True)  # written after each role: a stopped run keeps them
                    dest.write_text(json.dumps(out, indent=2))
            finally:
                browser.close()
    finally:
        if stack is not None:
            stack.stop()
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except Exception:  # noqa: BLE001
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    out["load_average_after"] = os.getloadavg()
    out["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(out, indent=2))
    print(render(out))
    print(f"\nwritten: {dest}")
    return 0


def render(out: dict[str, Any]) -> str:
    """The Markdown table of a run (BENCHMARKS.md)."""
    la0, la1 = out.get("load_average_before", [None])[0], out.get("load_average_after", [None])[0]
    lines = [f"`{out['command']}` ({out['started']}; load average {la0:.1f} before, {la1:.1f} after; "
             f"{out.get('processes', 1)} process(es))", "",
             "| role | page | cold s | warm s (median) | warm max s | warm ≤ 1 s |", "|---|---|---:|---:|---:|:---:|"]
    for role, rows in out["roles"].items():
        for r in rows:
            if "error" in r:
                lines.append(f"| {role} | {r.get('page', '—')} | {r['error']} | | | |")
                continue
            cold = f"{r['cold_s']:.2f}" + (" (from sign-in)" if r["cold_from"] == "sign-in" else "")
            ok = "" if r["warm_s"] is None else ("yes" if r["warm_s"] <= WARM_TARGET_S else "no")
            lines.append(f"| {role} | {r['page']} | {cold} | {r['warm_s']} | {r['warm_max_s']} | {ok} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
