"""The directors' pages in Streamlit's AppTest on the small world: render, scope, filters in the URL,
values equal to jkn_core's, exports."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from jkn_core import fmt, kpi
from jkn_core.exports import export_table
from jkn_core.i18n import t
from jkn_core.kpi import Filters
from jkn_core.scope import Scope
from tests.apptest import sign_in, texts

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("overview", "coverage", "arrears", "capacity")
USERS = {"direksi": Scope.national("direksi"),
         "deputi": Scope(role="deputi_wilayah", username="deputi", region_code="KW03")}


_signed_in = sign_in


def _metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if label in m.label:
            return m.value
    raise AssertionError(f"no metric {label!r} among {[m.label for m in at.metric]}")


@pytest.mark.parametrize("user", list(USERS))
def test_every_page_renders_with_scope(app_env, sqlite_world, user) -> None:
    scope = USERS[user]
    eng = sqlite_world.engine
    period = kpi.latest_period(eng)
    at = _signed_in(user)
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.title[0].value, page
        assert any("sintetis" in c.value for c in at.caption), page  # synthetic-data notice
        assert at.get("plotly_chart"), page
        for chart in at.get("plotly_chart"):
            spec = json.loads(chart.proto.spec)
            assert spec["layout"].get("title", {}).get("text"), (page, "chart without a title")
    # numbers on screen equal jkn_core's for the user's scope
    at.switch_page("pages/coverage.py").run()
    cov = kpi.coverage(eng, scope, "nation", period).iloc[0]
    assert _metric(at, "Cakupan penduduk") == fmt.pct(cov["coverage_pct"])
    assert _metric(at, "Peserta terdaftar") == fmt.number(cov["participants"])
    at.switch_page("pages/arrears.py").run()
    arr = kpi.arrears_total(eng, scope, period)
    assert _metric(at, "Tunggakan (Rp)") == fmt.rupiah(arr["rp"])
    at.switch_page("pages/capacity.py").run()
    cap = kpi.capacity(eng, scope, "nation", period).iloc[0]
    assert _metric(at, "FKTP") == fmt.number(cap["fktp"])
    if user == "deputi":
        national = kpi.coverage(eng, Scope.national(), "nation", period).iloc[0]
        assert cov["participants"] < national["participants"]
        # the drill-down offers only the deputy's region
        assert at.selectbox(key="dir_region").options == [
            "Semua (sesuai hak akses)", next(o for o in at.selectbox(key="dir_region").options if "KW03" in o)]
        assert all("KW03" in o or "Semua" in o for o in at.selectbox(key="dir_region").options)


def test_filter_changes_metric_and_url(app_env, sqlite_world) -> None:
    eng = sqlite_world.engine
    ps = kpi.periods(eng)
    at = _signed_in("direksi")
    at.switch_page("pages/coverage.py").run()
    national = _metric(at, "Cakupan penduduk")
    assert national == fmt.pct(kpi.coverage(eng, Scope.national(), "nation", ps[-1]).iloc[0]["coverage_pct"])

    at.selectbox(key="dir_region").select("KW03").run()
    assert not at.exception
    want = kpi.coverage(eng, Scope.national(), "nation", ps[-1], Filters(region="KW03")).iloc[0]["coverage_pct"]
    assert _metric(at, "Cakupan penduduk") == fmt.pct(want) != national
    assert at.query_params["region"] == "KW03"

    branch = next(o for o in at.selectbox(key="dir_branch").options if o.startswith("0301"))
    at.selectbox(key="dir_branch").select("0301").run()
    want = kpi.coverage(eng, Scope.national(), "nation", ps[-1], Filters(region="KW03", branch="0301")).iloc[0]
    assert _metric(at, "Cakupan penduduk") == fmt.pct(want["coverage_pct"]), branch
    assert at.query_params["branch"] == "0301"

    at.selectbox(key="dir_period").select(ps[-13]).run()
    want = kpi.coverage(eng, Scope.national(), "nation", ps[-13], Filters(region="KW03", branch="0301")).iloc[0]
    assert _metric(at, "Cakupan penduduk") == fmt.pct(want["coverage_pct"])
    assert at.query_params["period"] == str(ps[-13])

    # the filter follows the director to the next page
    at.switch_page("pages/overview.py").run()
    assert at.selectbox(key="dir_branch").value == "0301"


def test_link_reopens_view_and_is_cleaned_to_scope(app_env, sqlite_world) -> None:
    eng = sqlite_world.engine
    period = kpi.periods(eng)[-2]
    at = _signed_in("direksi")
    at.query_params.update({"region": "KW05", "period": str(period)})
    at.switch_page("pages/overview.py").run()
    want = kpi.coverage(eng, Scope.national(), "nation", period, Filters(region="KW05")).iloc[0]["coverage_pct"]
    assert fmt.pct(want) in _metric(at, "Cakupan penduduk")
    assert at.selectbox(key="dir_period").value == period

    dep = _signed_in("deputi")  # a deputy of KW03 opening a KW05 link sees their own region only
    dep.query_params.update({"region": "KW05"})
    dep.switch_page("pages/overview.py").run()
    assert not dep.exception
    mine = kpi.coverage(eng, USERS["deputi"], "nation", kpi.periods(eng)[-1]).iloc[0]["coverage_pct"]
    assert _metric(dep, "Cakupan penduduk") == fmt.pct(mine)
    assert "region" not in dep.query_params


def test_exports_are_real_files_with_the_right_rows(app_env, sqlite_world) -> None:
    eng = sqlite_world.engine
    scope = USERS["deputi"]
    at = _signed_in("deputi")
    at.switch_page("pages/arrears.py").run()
    buttons = [b for b in at.get("download_button")]
    assert len(buttons) >= 10  # CSV + Excel of every table, and the brief
    league = kpi.branch_league(eng, scope)
    csv = export_table(eng, scope, league, "branch_league", "csv")
    back = pd.read_csv(io.BytesIO(csv), dtype={"branch_code": str})
    assert list(back["branch_code"]) == list(league["branch_code"])
    xlsx = export_table(eng, scope, league, "branch_league", "xlsx")
    assert xlsx[:2] == b"PK"
    assert len(pd.read_excel(io.BytesIO(xlsx))) == len(league)
    assert set(back["branch_code"]) <= set(kpi.hierarchy(eng, scope)["branch_code"])


def test_overview_cards_draw_each_change_by_its_sign_and_meaning(app_env, sqlite_world) -> None:
    """A falling debt is drawn down and green, a rising one up and red, no change without an arrow."""
    from streamlit.proto.Metric_pb2 import Metric as MetricProto

    eng = sqlite_world.engine
    at = _signed_in("direksi")
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    cards = kpi.overview_cards(eng, Scope.national())
    arrows = {"up": MetricProto.MetricDirection.UP, "down": MetricProto.MetricDirection.DOWN,
              "off": MetricProto.MetricDirection.NONE}
    colours = {"green": MetricProto.MetricColor.GREEN, "red": MetricProto.MetricColor.RED,
               "gray": MetricProto.MetricColor.GRAY}
    checked = 0
    for r in cards.to_dict("records"):
        metric = next(m for m in at.metric if t("kpi_" + r["kpi"]) in m.label)
        kind = kpi.CARDS[r["kpi"]][1]
        arrow, colour = kpi.delta_style(kind, r["change_month"])
        assert (metric.proto.direction, metric.proto.color) == (arrows[arrow], colours[colour]), r["kpi"]
        if arrow == "down":
            assert metric.proto.delta.startswith("-"), metric.proto.delta
        checked += 1
    assert checked == len(kpi.CARDS)


# --- charts that explain themselves (issue 17 item 4; pages/charts.py, pages/drill.py) -------------------
def _charts(at: AppTest) -> dict[str, dict]:
    """Each plotly chart's figure JSON by its title (AppTest sees charts only as their figure JSON)."""
    out = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def _subtitle(spec: dict) -> str:
    return spec["layout"]["title"].get("subtitle", {}).get("text", "")


def _annotations(spec: dict) -> list[str]:
    return [a.get("text", "") for a in spec["layout"].get("annotations", [])]


def test_charts_say_what_they_show_what_they_leave_out_and_the_target(app_env, sqlite_world) -> None:
    eng = sqlite_world.engine
    period = kpi.latest_period(eng)
    at = _signed_in("direksi")
    at.switch_page("pages/arrears.py").run()
    assert not at.exception
    charts = _charts(at)
    branch = charts[t("arr_coll_branch_title").format(p=fmt.period_label(period))]
    n_branches = len(kpi.collectability(eng, Scope.national(), by="branch", period_from=period, period_to=period))
    assert n_branches > 25
    assert _subtitle(branch) == f"25 dari {n_branches} kantor cabang, terendah lebih dulu"
    assert len(branch["data"][0]["x"]) == 25
    target = kpi.target_for_view(eng, "collectability_pct", period, Scope.national(), Filters())
    assert f"Target {fmt.pct(target, 1)}" in _annotations(branch)  # "Target 65,0 %" on the line
    assert any(s.get("type") == "line" for s in branch["layout"]["shapes"])
    # every bar carries its unit's path, so a click can open it
    hier = kpi.hierarchy(eng, Scope.national()).drop_duplicates("branch_code").set_index("branch_code")
    for region, code, regency in branch["data"][0]["customdata"]:
        assert hier.loc[code, "region_code"] == region and regency == ""
    # Rupiah ticks in Indonesian units: "Rp 2 T" / "Rp 300 M" (M = miliar), never plotly's SI suffixes
    rp = charts[t("arr_aging_rp_title")]
    ticks = rp["layout"]["yaxis"]["ticktext"]
    top = float(kpi.arrears_aging(eng, Scope.national(), period)["rp"].max())
    unit, factor = (" T", 1e12) if top >= 1e12 else (" M", 1e9) if top >= 1e9 else (" jt", 1e6)
    assert all(x == "0" or (x.startswith("Rp ") and x.endswith(unit)) for x in ticks), ticks
    last = float(ticks[-1].removeprefix("Rp ").removesuffix(unit).replace(".", "").replace(",", "."))
    assert last * factor >= top > float(rp["layout"]["yaxis"]["tickvals"][-2])
    assert rp["layout"]["yaxis"]["range"][0] == 0

    # in English (checked on the page the sign-in lands on: AppTest formats a selectbox's value outside the
    # run, in the default language, so a second run of an English directors' page cannot be driven here)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = "en"
    at.run()
    at.text_input(key="login_user").input("direksi")
    at.text_input(key="login_password").input("direksi-demo")
    at.button[0].click().run()
    assert not at.exception
    spec = _charts(at)[t("cov_units_title", "en").format(unit=t("unit_region", "en"), p=fmt.period_label(period, "en"))]
    assert _subtitle(spec) == "All 4 regional offices"
    cov_target = kpi.target_for_view(eng, "coverage_pct", period, Scope.national(), Filters())
    assert f"Target {fmt.pct(cov_target, 1, 'en')}" in _annotations(spec)
    first = spec["layout"]["yaxis"]["ticktext"][0]
    assert f"⚠ Axis starts at {first}, not at zero" in _annotations(spec)
    assert "." in first and "," not in first  # "97.5 %": English digits


def test_coverage_bars_not_from_zero_say_so(app_env, sqlite_world) -> None:
    eng = sqlite_world.engine
    period = kpi.latest_period(eng)
    at = _signed_in("direksi")
    at.switch_page("pages/overview.py").run()
    spec = _charts(at)[t("cov_units_title").format(unit=t("unit_region"), p=fmt.period_label(period))]
    low = float(kpi.coverage(eng, Scope.national(), "region", period)["coverage_pct"].min())
    axis = spec["layout"]["yaxis"]
    assert 0 < axis["range"][0] <= low  # coverage sits at 90-100 %: the axis starts near the data ...
    assert f"⚠ Sumbu dimulai dari {axis['ticktext'][0]}, bukan nol" in _annotations(spec)  # ... and says so
    assert any(s.get("type") == "path" for s in spec["layout"]["shapes"])  # the broken-axis mark
    assert _subtitle(spec) == "Semua 4 kedeputian wilayah"
    assert all(x.endswith(" %") for x in axis["ticktext"])


def test_a_drill_to_one_regency_draws_its_trend(app_env, sqlite_world) -> None:
    eng = sqlite_world.engine
    periods = kpi.periods(eng)
    at = _signed_in("direksi")
    at.query_params.update({"region": "KW03", "branch": "0301", "regency": "16.71"})
    name = kpi.hierarchy(eng, Scope.national()).set_index("regency_code").loc["16.71", "regency_name"]
    for page, title in (("overview", t("cov_trend_title")), ("capacity", t("cap_per_doctor_trend_title")),
                        ("coverage", t("cov_uninsured_trend_title"))):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        charts = _charts(at)
        spec = charts[title]
        assert spec["data"][0]["type"] == "scatter" and len(spec["data"][0]["x"]) >= 12, page
        assert _subtitle(spec).startswith("Hanya satu kabupaten/kota dalam tampilan") and name in _subtitle(spec)
        assert spec["data"][0]["x"][-1] == fmt.period_label(periods[-1])
        # no chart of the view is a single bar any more
        assert not any(d["type"] == "bar" and len(d.get("x") or d.get("y") or []) == 1 and d.get("customdata")
                       for s in charts.values() for d in s["data"]), page
    want = [round(float(kpi.coverage(eng, Scope.national(), "nation", p, Filters("KW03", "0301", "16.71"))
                        .iloc[0]["uninsured"])) for p in periods[-12:]]
    assert [round(v) for v in _charts(at)[t("cov_uninsured_trend_title")]["data"][0]["y"]] == want
    # the breadcrumb names each step: Nasional › KW03 › 0301 › 16.71
    labels = [b.label for b in at.button if b.key and b.key.startswith("crumb_")]
    assert labels == ["Nasional", "KW03", "0301"]
    assert "**16.71** · " + name in texts(at.markdown)
    next(b for b in at.button if b.key == "crumb_1").click().run()  # back up to the region
    assert at.query_params.get("region") == "KW03" and "branch" not in at.query_params
    assert at.selectbox(key="dir_branch").value == ""
