"""Click to drill down in a real Chromium: a click on a bar of the arrears page's branch chart opens that
branch (the URL, the pickers and the breadcrumb follow, the chart narrows to the branch's trend), and the
breadcrumb goes back up to the national view."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from jkn_core import kpi
from jkn_core.scope import Scope
from tests.e2e.browser import screenshot, sign_in, wait_for_app


def _params(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _chart(page, title: str):  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stPlotlyChart"]').filter(has_text=title).first


def test_click_a_bar_opens_the_branch_and_the_breadcrumb_goes_back(app_server: str, browser_page, sqlite_world) -> None:
    page = browser_page
    eng = sqlite_world.engine
    period = kpi.latest_period(eng)
    by_branch = kpi.collectability(eng, Scope.national(), by="branch", period_from=period, period_to=period)
    lowest = by_branch.sort_values("collectability_pct").iloc[0]  # the chart's first bar: lowest first
    page.goto(app_server + "/")
    sign_in(page, "direksi")
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Tunggakan & Kolektabilitas").first.click()
    wait_for_app(page)
    chart = _chart(page, "Kolektabilitas per kantor cabang")
    chart.scroll_into_view_if_needed()
    chart.get_by_text(f"25 dari {len(by_branch)} kantor cabang, terendah lebih dulu").wait_for()
    assert page.locator(".st-key-dir_breadcrumb").count() == 0  # national view: no trail yet

    bar = chart.locator("g.barlayer g.point path").first
    bar.wait_for()
    box = bar.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.wait_for_function("() => location.search.includes('branch=')")
    wait_for_app(page)

    # the URL holds the branch clicked (and its region), so a reload or a shared link opens the same view
    assert _params(page).get("branch") == lowest["branch_code"]
    region = kpi.hierarchy(eng, Scope.national()).set_index("branch_code").loc[lowest["branch_code"], "region_code"]
    assert _params(page).get("region") == str(region.iloc[0] if hasattr(region, "iloc") else region)
    trail = page.locator(".st-key-dir_breadcrumb")
    trail.wait_for()
    text = trail.inner_text()
    assert "Nasional" in text and lowest["branch_code"] in text, text
    # the pickers follow the click
    branch_box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Kantor Cabang").first
    assert branch_box.locator("input").first.input_value().startswith(lowest["branch_code"])
    # one branch in view: its monthly trend replaces the single bar
    _chart(page, "Kolektabilitas kantor cabang per bulan").wait_for()
    assert _chart(page, "Kolektabilitas per kantor cabang").count() == 0
    screenshot(page, "drill-arrears-branch")

    # a reload keeps the view the click opened
    page.reload()
    wait_for_app(page)
    if page.locator(".st-key-sign_out").count() == 0:  # a reload that asks to sign in again (issue 17 item 1)
        sign_in(page, "direksi")
    assert lowest["branch_code"] in page.locator(".st-key-dir_breadcrumb").inner_text()

    # the breadcrumb's first step goes back up to the national view
    page.locator(".st-key-dir_breadcrumb").get_by_role("button", name="Nasional").click()
    page.wait_for_function("() => !location.search.includes('branch=')")
    wait_for_app(page)
    assert "region" not in _params(page) and "branch" not in _params(page)
    _chart(page, "Kolektabilitas per kantor cabang").wait_for()
    assert page.locator(".st-key-dir_breadcrumb").count() == 0

    # a click on a province of the map opens its kedeputian wilayah
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Cakupan Kepesertaan").first.click()
    wait_for_app(page)
    chart = _chart(page, "Cakupan kepesertaan per provinsi")
    chart.scroll_into_view_if_needed()
    provinces = chart.locator("path.choroplethlocation")
    coloured = [i for i in range(provinces.count())
                if "229, 231, 235" not in provinces.nth(i).evaluate("e => getComputedStyle(e).fill")]  # not grey
    assert coloured, "no province with data on the map"
    box = max((provinces.nth(i).bounding_box() for i in coloured), key=lambda b: b["width"] * b["height"])
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => location.search.includes('region=')")
    wait_for_app(page)
    regions = set(kpi.hierarchy(eng, Scope.national())["region_code"])
    assert _params(page)["region"] in regions and "branch" not in _params(page)
    assert _params(page)["region"] in page.locator(".st-key-dir_breadcrumb").inner_text()
    assert not page.console_errors, page.console_errors
