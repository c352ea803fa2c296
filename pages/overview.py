"""Executive overview: headline KPIs against target, change vs last month and last year, status.

The landing page of most roles, drawn after every sign-in, so it is made to be cheap for the server
(BENCHMARKS.md, "Load"): what it shows is prepared once per view (:attr:`DirectorsView.key`: data version,
scope without the user, drill-down, month) and language, and shared by every session that shows it: the
cards and the headline table (:func:`_headline`), the units (:func:`_units`), the chart's plain spec
(:func:`_figure`) and the units table (``pages.common.show_table``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from jkn_core import display, kpi
from jkn_core.text import chart_label
from pages import charts, drill
from pages.common import (
    lang,
    period_label,
    t,
)
from pages.directors_view import DirectorsView, directors_header, status_icon, table


@st.cache_resource(show_spinner=False, max_entries=2000, ttl=3600)
def _figure_spec(_build: Callable[[], go.Figure], content: tuple[Any, ...]) -> dict:
    """The plain spec of the figure ``_build`` makes; ``content`` is what decides what the figure shows
    (language, the view, level, target), so the entry is shared by every session that sees it. Read-only:
    ``go.Figure`` copies it."""
    return _build().to_dict()


def _figure(build: Callable[[], go.Figure], *content: Any) -> go.Figure:
    """``build()``'s figure, built once per ``content``: each session gets its own copy, made from the
    spec that plotly already validated (``_validate=False``: ~1/20 of the time to build it again)."""
    return go.Figure(_figure_spec(build, (lang(), *content)), _validate=False)


@st.cache_data(show_spinner=False, max_entries=2000, ttl=3600)
def _drill_paths(_hier: pd.DataFrame, db_url: str, version: str, level: str, codes: tuple[str, ...]) -> list:
    """``drill.paths`` of ``codes``: where each unit sits depends on the geography only, which moves
    with the data version (``_hier``, the scope's part of it, holds every code asked for)."""
    return drill.paths(_hier, level, list(codes))


@st.cache_resource(show_spinner=False, max_entries=2000, ttl=600)
def _headline(_view: DirectorsView, key: tuple[Any, ...], language: str
              ) -> tuple[tuple[tuple[Any, ...], ...], pa.Table, pd.DataFrame]:
    """The headline of the view (``key``: :attr:`DirectorsView.key`) in ``language``, prepared once and
    shared by every session that shows it (read-only): each card's (label, value, change, arrow, colour,
    help, caption), the headline table as Arrow (sent as it is: no conversion per session) and the
    cards as downloaded."""
    _cards = _view.query(kpi.overview_cards, period=_view.period)
    cards = []
    for r in _cards.to_dict("records"):
        kind = kpi.CARDS[r["kpi"]][1]
        arrow, colour = kpi.delta_style(kind, r["change_month"])
        tgt_word = t("target_max") if kind == "max" else t("target_short")
        extra = (f"{tgt_word}: {kpi.format_value(r['unit'], r['target'], language)}"
                 if r["target"] is not None and not pd.isna(r["target"]) else t("status_grey"))
        cards.append((f"{status_icon(r['status'])} {t('kpi_' + r['kpi'])}", kpi.format_value(r["unit"], r["value"], language),
                      (None if r["change_month"] is None or pd.isna(r["change_month"]) else
                       f"{kpi.format_value(r['unit'], r['change_month'], language, True)} {t('vs_last_month')}"),
                      arrow, colour, f"{t('status_' + r['status'])}",
                      f"{extra} · {t('vs_last_year')}: {kpi.format_value(r['unit'], r['change_year'], language, True)}"))
    table = pa.Table.from_pandas(display.kpi_table(_cards, language), preserve_index=False)
    return tuple(cards), table, _cards.drop(columns=["period"]).rename(columns={"unit": "unit_kind"})


@st.cache_resource(show_spinner=False, max_entries=2000, ttl=600)
def _units(_view: DirectorsView, key: tuple[Any, ...], level: str) -> pd.DataFrame:
    """The units one level below the view (``key``: :attr:`DirectorsView.key`): coverage and capacity
    side by side, joined once per view and shared by every session that shows it (read-only)."""
    cov = _view.query(kpi.coverage, level=level, period=_view.period)
    cap = _view.query(kpi.capacity, level=level, period=_view.period)
    return cov[["code", "unit", "population", "participants", "coverage_pct", "active_pct", "uninsured"]].merge(
        cap[["code", "fktp", "fkrtl", "participants_per_doctor"]], on="code", how="left")


view = directors_header("overview")  # title, period and drill-down pickers (pages/directors_view.py)
period, f = view.period, view.filters

shown, headline, cards = _headline(view, view.key, lang())
for i in range(0, len(shown), 3):
    for col, (label, value, delta, arrow, colour, help_, caption) in zip(st.columns(3), shown[i:i + 3], strict=False):
        col.metric(label, value, delta=delta, delta_arrow=arrow, delta_color=colour, border=True, help=help_)
        col.caption(caption)

with st.expander(t("dir_headline_table")):
    st.dataframe(headline, hide_index=True, width="stretch", key="ov_headline")  # units per row: text
    view.download(cards, "kpi_overview", "overview_kpis", t("dir_headline_table"), codes={"unit_kind": "unit_kind_"})

level = view.child_level()
units = _units(view, view.key, level)
st.subheader(t(f"unit_{level}").capitalize())
tgt = view.target("coverage_pct")
if len(units) == 1:  # one unit in view: its monthly coverage trend instead of a single bar
    trend = view.query(kpi.coverage_trend)
    path = view.query(kpi.coverage_target_path)
    targets = {int(y): float(v) for y, v in zip(path["year"], path["target_pct"], strict=False) if not pd.isna(v)}
    fig = _figure(lambda: charts.lines(
        [period_label(p) for p in trend["period"]], [(t("coverage"), trend["coverage_pct"], "#2563eb")],
        "pct", title=t("cov_trend_title"), axis_title=t("cov_pct_axis"),
        target_path=[targets.get(int(p) // 100) for p in trend["period"]],
        subtitle=t("chart_one_unit_trend").format(unit=t(f"unit_{level}")) + f" · {chart_label(units.iloc[0]['unit'])}"),
        "trend", view.key, level, tuple(sorted(targets.items())))  # the view decides the trend and the unit
    charts.show(fig, "ov_unit_trend")
else:  # every unit of the level below; coverage sits at 90-100 %: the axis starts near the data and says so
    paths = _drill_paths(view.hier, view.db_url, view.version, level, tuple(map(str, units["code"])))
    fig = _figure(lambda: charts.bars(
        units["unit"], units["coverage_pct"], "pct", zero=False, target=tgt,
        title=t("cov_units_title").format(unit=t(f"unit_{level}"), p=period_label(period)),
        subtitle=charts.shown_note(len(units), len(units), level), axis_title=t("cov_pct_axis"), paths=paths),
        "units", view.key, level, tgt)  # the view decides the units, their values and drill paths
    charts.show(fig, "ov_units", drill=view)
table(units, "ov_units_table", headers={"code": t("adm_code"), "unit": t(f"unit_{level}").capitalize()})
view.download(units, f"overview_{level}", "overview_units", t(f"unit_{level}").capitalize(), headers={"code": t("adm_code"), "unit": t(f"unit_{level}").capitalize()})
view.brief_button([(t(f"unit_{level}").capitalize(), units)])
