"""Directors' pages in a real headless Chromium: sign in as direksi, open each page, change a filter,
compare a KPI on screen with jkn_core, keep a screenshot of every page."""

from __future__ import annotations

import re

from jkn_core import fmt, kpi
from jkn_core.kpi import Filters
from jkn_core.scope import Scope
from tests.e2e.browser import screenshot, sign_in, wait_for_app

PAGES = {"overview": "Ringkasan Eksekutif", "coverage": "Cakupan Kepesertaan",
         "arrears": "Tunggakan & Kolektabilitas", "capacity": "Kapasitas Faskes"}
#: page -> (metric label, function giving the expected text for the national scope and filters)
CHECKS = {
    "overview": ("Cakupan penduduk", lambda e, p, f: fmt.pct(kpi.coverage(e, Scope.national(), "nation", p, f)
                                                             .iloc[0]["coverage_pct"])),
    "coverage": ("Peserta terdaftar", lambda e, p, f: fmt.number(kpi.coverage(e, Scope.national(), "nation", p, f)
                                                                 .iloc[0]["participants"])),
    "arrears": ("Tunggakan (Rp)", lambda e, p, f: fmt.rupiah(kpi.arrears_total(e, Scope.national(), p, f)["rp"])),
    "capacity": ("FKRTL", lambda e, p, f: fmt.number(kpi.capacity(e, Scope.national(), "nation", p, f)
                                                     .iloc[0]["fkrtl"])),
}


#: every chart on the page has its plotly SVG (drawn after the element appears)
_CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .every(c => c.querySelector('.main-svg'))"""


def _metric_value(page, label: str) -> str:  # type: ignore[no-untyped-def]
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(re.escape(label) + "$"))).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _choose(page, label: str, option_start: str) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.click()
    page.locator('[role="option"]').filter(has_text=option_start).first.click()
    wait_for_app(page)


def test_directors_pages_in_browser(app_server: str, browser_page, sqlite_world) -> None:
    page = browser_page
    eng = sqlite_world.engine
    period = kpi.latest_period(eng)
    page.goto(app_server + "/")
    sign_in(page, "direksi", "direksi-demo")
    for key, title in PAGES.items():
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
        wait_for_app(page)
        page.get_by_role("heading", name=title).first.wait_for()
        label, expected = CHECKS[key]
        assert _metric_value(page, label) == expected(eng, period, Filters()), key
        # change a filter: the region KW03; the figure follows and the URL keeps it
        _choose(page, "Kedeputian Wilayah", "KW03")
        page.wait_for_function("() => location.search.includes('region=KW03')")
        assert _metric_value(page, label) == expected(eng, period, Filters(region="KW03")), key
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1
        # Streamlit scrolls inside stMain: show the whole page in a tall viewport for the picture
        height = page.evaluate("() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight")
        page.set_viewport_size({"width": 1440, "height": min(int(height) + 200, 9000)})
        page.wait_for_function(_CHARTS_DRAWN)  # plotly has drawn every chart before the picture
        page.wait_for_timeout(200)
        screenshot(page, f"directors-{key}")
        page.set_viewport_size({"width": 1440, "height": 1000})
        _choose(page, "Kedeputian Wilayah", "Semua")
    assert not page.console_errors, page.console_errors
