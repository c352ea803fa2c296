"""Coverage: province map, uninsured gap per branch/regency, segment mix, trend to the UHC target."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from jkn_core import indonesia_map, kpi
from jkn_core.text import chart_label
from pages.common import (
    download_buttons,
    lang,
    number,
    pct,
    period_label,
    segment_label,
    t,
)
from pages.directors_view import directors_header, table

view = directors_header("coverage")  # title, period and drill-down pickers (pages/directors_view.py)
period, f = view.period, view.filters
SEP = ",." if lang() == "id" else ".,"

nat = view.query(kpi.coverage, level="nation", period=period).iloc[0]
tgt = view.target("coverage_pct")
c = st.columns(4)
c[0].metric(t("kpi_coverage_pct"), pct(nat["coverage_pct"]), border=True,
            delta=None if tgt is None else (f"{kpi.format_value('pct', nat['coverage_pct'] - tgt, lang(), True)} "
                                             f"vs {t('target_short')} {pct(tgt, 1)}"),
            delta_color="normal")
c[1].metric(t("kpi_participants"), number(nat["participants"]), border=True)
c[2].metric(t("uninsured"), number(nat["uninsured"]), border=True)
c[3].metric(t("kpi_active_pct"), pct(nat["active_pct"]), border=True)

prov = view.query(kpi.coverage, level="province", period=period)
folded = kpi.map_provinces(prov)
fig = indonesia_map.province_figure(folded, "coverage_pct", t("cov_map_title") + f" · {period_label(period)}",
                                    t("cov_map_colorbar"), bubble_col="uninsured", bubble_title=t("cov_uninsured_bubbles"),
                                    zmin=90, zmax=101)
fig.update_layout(separators=SEP)
st.plotly_chart(fig, width="stretch", config=indonesia_map.PLOTLY_CONFIG, key="cov_map")
st.caption(t("cov_map_note") + " " + indonesia_map.ATTRIBUTION)
prov_table = prov.rename(columns={"code": "province_code", "unit": "province_name"})
with st.expander(t("province")):
    table(prov_table)
    download_buttons(prov_table, f"coverage_province_{period}", "cov_prov")

level = "regency" if (f.branch or view.scope.branch_code) else "branch"
units = view.query(kpi.coverage, level=level, period=period)
units = units.rename(columns={"code": f"{level}_code", "unit": f"{level}_name"})
left, right = st.columns(2)
gap = units.sort_values("uninsured", ascending=False).head(20)
fig = go.Figure(go.Bar(y=gap[f"{level}_name"].map(chart_label), x=gap["uninsured"], orientation="h", marker_color="#f59e0b",
                       hovertemplate="%{y}<br>%{x:,.0f} " + t("people_unit") + "<extra></extra>"))
fig.update_layout(title=t("cov_gap_title").format(unit=t(f"unit_{level}")), xaxis_title=t("cov_gap_axis"),
                  yaxis={"autorange": "reversed"}, height=460, margin={"t": 50, "l": 10}, separators=SEP)
left.plotly_chart(fig, width="stretch", key="cov_gap")
seg = view.query(kpi.segment_mix, period=period)
seg_shown = seg.assign(segment=seg["segment"].map(segment_label))  # labels on screen, codes in the download
fig = go.Figure(go.Bar(x=seg_shown["segment"], y=seg["participants"], marker_color="#2563eb",
                       text=[pct(s, 1) for s in seg["share_pct"]], textposition="outside",
                       hovertemplate="%{x}<br>%{y:,.0f} " + t("people_unit") + "<extra></extra>"))
fig.update_layout(title=t("cov_segment_title"), yaxis_title=t("participants") + f" ({t('people_unit')})",
                  height=460, margin={"t": 50}, separators=SEP)
right.plotly_chart(fig, width="stretch", key="cov_segments")

st.subheader(t("cov_by_regency") if level == "regency" else t("cov_by_branch"))
table(units)
download_buttons(units, f"coverage_{level}_{period}", "cov_units")
with st.expander(t("segment")):
    table(seg_shown)
    download_buttons(seg, f"segment_mix_{period}", "cov_seg")

trend = view.query(kpi.coverage_trend)
targets = view.query(kpi.coverage_target_path)
fig = go.Figure(go.Scatter(x=[period_label(p) for p in trend["period"]], y=trend["coverage_pct"], mode="lines+markers",
                           name=t("coverage"), line_color="#2563eb"))
tmap = dict(zip(targets["year"], targets["target_pct"], strict=False))
ty = [tmap.get(p // 100) for p in trend["period"]]
if any(v is not None and not pd.isna(v) for v in ty):
    fig.add_trace(go.Scatter(x=[period_label(p) for p in trend["period"]], y=ty, mode="lines", name=t("target_short"),
                             line={"dash": "dash", "color": "#b91c1c"}))
fig.update_layout(title=t("cov_trend_title"), yaxis_title=t("cov_pct_axis"), xaxis_title=t("month"), height=360,
                  margin={"t": 50}, separators=SEP, legend={"orientation": "h", "y": -0.25})
st.plotly_chart(fig, width="stretch", key="cov_trend")
download_buttons(trend, "coverage_trend", "cov_trend")
view.brief_button([(t("cov_by_regency") if level == "regency" else t("cov_by_branch"),
                    units.sort_values("coverage_pct")), (t("segment"), seg_shown)])
