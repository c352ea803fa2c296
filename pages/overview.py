"""Executive overview: headline KPIs against target, change vs last month and last year, status."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from jkn_core import kpi
from jkn_core.text import chart_label
from pages.common import (
    download_buttons,
    lang,
    pct,
    period_label,
    t,
)
from pages.directors_view import directors_header, status_icon, table

view = directors_header("overview")  # title, period and drill-down pickers (pages/directors_view.py)
period, f = view.period, view.filters

cards = view.query(kpi.overview_cards, period=period)
rows = [cards.iloc[i:i + 3] for i in range(0, len(cards), 3)]
for chunk in rows:
    cols = st.columns(3)
    for col, r in zip(cols, chunk.to_dict("records"), strict=False):
        kind = kpi.CARDS[r["kpi"]][1]
        arrow, colour = kpi.delta_style(kind, r["change_month"])
        tgt_word = t("target_max") if kind == "max" else t("target_short")
        extra = f"{tgt_word}: {kpi.format_value(r['unit'], r['target'], lang())}" if r["target"] is not None and not pd.isna(r["target"]) else t("status_grey")
        col.metric(f"{status_icon(r['status'])} {t('kpi_' + r['kpi'])}", kpi.format_value(r["unit"], r["value"], lang()),
                   delta=(None if r["change_month"] is None or pd.isna(r["change_month"]) else
                          f"{kpi.format_value(r['unit'], r['change_month'], lang(), True)} {t('vs_last_month')}"),
                   delta_arrow=arrow, delta_color=colour, border=True,
                   help=f"{t('status_' + r['status'])}")
        col.caption(f"{extra} · {t('vs_last_year')}: {kpi.format_value(r['unit'], r['change_year'], lang(), True)}")

headline = pd.DataFrame({
    "kpi": [t("kpi_" + k) for k in cards["kpi"]],
    "status": [t("status_" + s) for s in cards["status"]],
    "value": cards["value"], "target": cards["target"], "last_month": cards["last_month"],
    "last_year": cards["last_year"], "change_month": cards["change_month"], "change_year": cards["change_year"],
})
with st.expander(t("dir_headline_table")):
    table(headline)
    download_buttons(headline, f"kpi_overview_{period}", "overview_kpis")

level = view.child_level()
cov = view.query(kpi.coverage, level=level, period=period)
cap = view.query(kpi.capacity, level=level, period=period)
units = cov[["code", "unit", "population", "participants", "coverage_pct", "active_pct", "uninsured"]].merge(
    cap[["code", "fktp", "fkrtl", "participants_per_doctor"]], on="code", how="left")
st.subheader(t(f"unit_{level}").capitalize())
fig = go.Figure(go.Bar(x=units["unit"].map(chart_label), y=units["coverage_pct"], name=t("coverage"),
                       marker_color="#2563eb", hovertemplate="%{x}<br>%{y:.2f} %<extra></extra>"))
tgt = view.target("coverage_pct")
if tgt is not None:
    fig.add_hline(y=tgt, line_dash="dash", line_color="#b91c1c", annotation_text=f"{t('target_short')} {pct(tgt)}")
lo = max(0.0, float(units["coverage_pct"].min() or 0) - 5) if len(units) else 0
fig.update_layout(title=f"{t('cov_map_colorbar')} · {t('unit_' + level)} · {period_label(period)}",
                  yaxis_title=t("cov_pct_axis"), yaxis_range=[lo, max(102.0, float(units["coverage_pct"].max() or 0) + 1)],
                  height=360, margin={"t": 50, "b": 10}, separators=",." if lang() == "id" else ".,")
st.plotly_chart(fig, width="stretch", key="ov_units")
table(units)
download_buttons(units, f"overview_{level}_{period}", "overview_units")
view.brief_button([(t(f"unit_{level}").capitalize(), units)])
