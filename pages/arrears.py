"""Arrears & collectability: by month, branch and segment against target; aging; Rehab pool; penalty exposure; branch league table."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from jkn_core import kpi
from jkn_core.kpi import Filters
from jkn_core.text import chart_label
from pages.common import (
    download_buttons,
    lang,
    number,
    pct,
    period_label,
    rupiah,
    segment_label,
    t,
)
from pages.directors_view import directors_header, table

view = directors_header("arrears")  # title, period and drill-down pickers (pages/directors_view.py)
period, f = view.period, view.filters
SEP = ",." if lang() == "id" else ".,"
held = view.periods

months = view.query(kpi.collectability, by="month", period_from=held[0], period_to=period)
now = months.loc[months["period"] == period, "collectability_pct"]
coll_now = float(now.iloc[0]) if len(now) else None
tgt = view.target("collectability_pct")
total = view.query(kpi.arrears_total, period=period)
rehab = view.query(kpi.rehab_pool, period=period)
pen = view.query(kpi.penalty_exposure, period=period)
c = st.columns(3)
c[0].metric(t("kpi_collectability_pct"), pct(coll_now), border=True,
            delta=None if tgt is None or coll_now is None else
            f"{kpi.format_value('pct', coll_now - tgt, lang(), True)} vs {t('target_short')} {pct(tgt, 1)}")
c[1].metric(t("kpi_arrears_rp"), rupiah(total["rp"]), border=True)
c[2].metric(t("kpi_arrears_people"), number(total["people"]), border=True)

fig = go.Figure(go.Scatter(x=[period_label(p) for p in months["period"]], y=months["collectability_pct"],
                           mode="lines+markers", name=t("collectability"), line_color="#2563eb"))
if tgt is not None:
    fig.add_hline(y=tgt, line_dash="dash", line_color="#b91c1c", annotation_text=f"{t('target_short')} {pct(tgt, 1)}")
fig.update_layout(title=t("arr_coll_month_title"), yaxis_title=t("arr_pct_axis"), xaxis_title=t("month"),
                  height=340, margin={"t": 50}, separators=SEP)
st.plotly_chart(fig, width="stretch", key="arr_month")
download_buttons(months, f"collectability_month_{period}", "arr_month")

left, right = st.columns(2)
# every branch of the region (or the one branch) as a whole, also when a regency is chosen
by_branch = view.query(kpi.collectability, filters=Filters(f.region, f.branch, None), by="branch",
                       period_from=period, period_to=period)
b = by_branch.sort_values("collectability_pct").head(25)
fig = go.Figure(go.Bar(y=b["branch_name"].map(chart_label), x=b["collectability_pct"], orientation="h", marker_color="#0d9488",
                       hovertemplate="%{y}<br>%{x:.2f} %<extra></extra>"))
if tgt is not None:
    fig.add_vline(x=tgt, line_dash="dash", line_color="#b91c1c")
fig.update_layout(title=t("arr_coll_branch_title").format(p=period_label(period)), xaxis_title=t("arr_pct_axis"),
                  yaxis={"autorange": "reversed"}, height=max(300, 22 * len(b) + 90), margin={"t": 50, "l": 10},
                  separators=SEP)
left.plotly_chart(fig, width="stretch", key="arr_branch")
with left:
    download_buttons(by_branch, f"collectability_branch_{period}", "arr_branch")
by_seg = view.query(kpi.collectability, by="segment", period_from=period, period_to=period)
fig = go.Figure(go.Bar(x=by_seg["segment"].map(segment_label), y=by_seg["collectability_pct"], marker_color="#7c3aed",
                       text=[pct(v, 1) for v in by_seg["collectability_pct"]], textposition="outside"))
if tgt is not None:
    fig.add_hline(y=tgt, line_dash="dash", line_color="#b91c1c")
fig.update_layout(title=t("arr_coll_segment_title").format(p=period_label(period)), yaxis_title=t("arr_pct_axis"),
                  xaxis_title=t("arr_segment"), height=340, margin={"t": 50}, separators=SEP)
right.plotly_chart(fig, width="stretch", key="arr_segment")
with right:
    download_buttons(by_seg, f"collectability_segment_{period}", "arr_segment")

aging = view.query(kpi.arrears_aging, period=period)
left, right = st.columns(2)
fig = go.Figure(go.Bar(x=aging["bucket"], y=aging["people"], marker_color="#f59e0b"))
fig.update_layout(title=t("arr_aging_title"), xaxis_title=t("arr_bucket"), yaxis_title=t("people_unit"), height=320,
                  margin={"t": 50}, separators=SEP)
left.plotly_chart(fig, width="stretch", key="arr_aging_people")
fig = go.Figure(go.Bar(x=aging["bucket"], y=aging["rp"] / 1e9, marker_color="#dc2626",
                       hovertemplate="%{x}<br>Rp %{y:,.1f} M<extra></extra>"))
fig.update_layout(title=t("arr_aging_rp_title"), xaxis_title=t("arr_bucket"), yaxis_title=t("arr_rp_bn"), height=320,
                  margin={"t": 50}, separators=SEP)
right.plotly_chart(fig, width="stretch", key="arr_aging_rp")
download_buttons(aging, f"arrears_aging_{period}", "arr_aging")

st.subheader(t("arr_rehab"))
c = st.columns(3)
c[0].metric(t("arr_rehab_people"), number(rehab["people"]))
c[1].metric(t("arr_rehab_rp"), rupiah(rehab["rp"]))
c[2].metric(t("arr_penalty_total"), rupiah(float(pen["exposure_rp"].iloc[-1])))
st.caption(t("arr_penalty_note").format(cost=rupiah(pen.attrs.get("avg_inpatient_cost", 0)),
                                        rate=number(pen.attrs.get("rate_per_person_month", 0) * 1000, 2)))
with st.expander(t("arr_penalty")):
    table(pen)
    download_buttons(pen, f"penalty_exposure_{period}", "arr_penalty")

st.subheader(t("arr_league"))
st.caption(t("arr_league_note"))
league = view.query(kpi.branch_league, period=period)
shown = league.assign(status=[t("status_" + s) for s in league["status"]])
_COLOURS = {t("status_" + k): c for k, c in (("green", "#15803d"), ("amber", "#b45309"), ("red", "#b91c1c"))}
_num = {c: st.column_config.NumberColumn(format="localized") for c in shown.columns
        if pd.api.types.is_numeric_dtype(shown[c])}
st.dataframe(shown.style.map(lambda v: f"color: {_COLOURS.get(v, '#374151')}; font-weight: 600", subset=["status"]),
             hide_index=True, width="stretch", column_config=_num)
download_buttons(league, f"branch_league_{period}", "arr_league")
view.brief_button([(t("arr_league"), shown[["branch_code", "branch_name", "status", "collectability_pct",
                                             "target_pct", "arrears_rp", "par3_pct", "rehab_people"]]),
                   (t("arr_aging_title"), aging)])
