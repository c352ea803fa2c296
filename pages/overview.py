"""Executive overview: headline KPIs against target, change vs last month and last year, status.

The landing page of most roles, drawn after every sign-in, so it is made to be cheap for the server
(BENCHMARKS.md, "Load"): what it shows is prepared once per view (:attr:`DirectorsView.key`: data version,
scope without the user, drill-down, month) and language, and shared by every session that shows it: the
cards and the headline table (``overview_headline``), the units (``overview_units``), the chart's plain
spec (``shared_figure``) and the units table (``pages.common.show_table``); those cached functions live in
``pages/directors_view.py`` (a page file runs again at every run, a helper module once). And it is drawn
with few elements where it shows the same (each element is a message to the browser and a wake-up of
the server's event loop): the CSV and Excel buttons side by side in one block.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jkn_core import kpi
from jkn_core.text import chart_label
from pages import charts
from pages.common import (
    lang,
    period_label,
    t,
)
from pages.directors_view import (
    directors_header,
    drill_paths,
    overview_headline,
    overview_units,
    shared_figure,
    table,
)

view = directors_header("overview")  # title, period and drill-down pickers (pages/directors_view.py)
period, f = view.period, view.filters

shown, headline, cards = overview_headline(view, view.key, lang())
# a row of three columns per three cards (not one st.columns(3) for all nine: on a phone the columns stack,
# and the cards would then read column by column)
for i in range(0, len(shown), 3):
    for col, (label, value, delta, arrow, colour, help_, caption) in zip(st.columns(3), shown[i:i + 3], strict=False):
        col.metric(label, value, delta=delta, delta_arrow=arrow, delta_color=colour, border=True, help=help_)
        col.caption(caption)

with st.expander(t("dir_headline_table")):
    st.dataframe(headline, hide_index=True, width="stretch", key="ov_headline")  # units per row: text
    view.download(cards, "kpi_overview", "overview_kpis", t("dir_headline_table"), codes={"unit_kind": "unit_kind_"})

level = view.child_level()
units = overview_units(view, view.key, level)
st.subheader(t(f"unit_{level}").capitalize())
tgt = view.target("coverage_pct")
if len(units) == 1:  # one unit in view: its monthly coverage trend instead of a single bar
    trend = view.query(kpi.coverage_trend)
    path = view.query(kpi.coverage_target_path)
    targets = {int(y): float(v) for y, v in zip(path["year"], path["target_pct"], strict=False) if not pd.isna(v)}
    fig = shared_figure(lambda: charts.lines(
        [period_label(p) for p in trend["period"]], [(t("coverage"), trend["coverage_pct"], "#2563eb")],
        "pct", title=t("cov_trend_title"), axis_title=t("cov_pct_axis"),
        target_path=[targets.get(int(p) // 100) for p in trend["period"]],
        subtitle=t("chart_one_unit_trend").format(unit=t(f"unit_{level}")) + f" · {chart_label(units.iloc[0]['unit'])}"),
        "trend", view.key, level, tuple(sorted(targets.items())))  # the view decides the trend and the unit
    charts.show(fig, "ov_unit_trend")
else:  # every unit of the level below; coverage sits at 90-100 %: the axis starts near the data and says so
    paths = drill_paths(view.hier, view.db_url, view.version, level, tuple(map(str, units["code"])))
    fig = shared_figure(lambda: charts.bars(
        units["unit"], units["coverage_pct"], "pct", zero=False, target=tgt,
        title=t("cov_units_title").format(unit=t(f"unit_{level}"), p=period_label(period)),
        subtitle=charts.shown_note(len(units), len(units), level), axis_title=t("cov_pct_axis"), paths=paths),
        "units", view.key, level, tgt)  # the view decides the units, their values and drill paths
    charts.show(fig, "ov_units", drill=view)
table(units, "ov_units_table", headers={"code": t("adm_code"), "unit": t(f"unit_{level}").capitalize()})
view.download(units, f"overview_{level}", "overview_units", t(f"unit_{level}").capitalize(), headers={"code": t("adm_code"), "unit": t(f"unit_{level}").capitalize()})
view.brief_button([(t(f"unit_{level}").capitalize(), units)])
