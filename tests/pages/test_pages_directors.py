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
from tests.apptest import sign_in

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
