"""Facility capacity: FKTP/FKRTL, participants per doctor vs the 1:5,000 norm, over-capacity FKTP, regencies to act on, KBK, capitation."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from jkn_core import kpi, rules
from jkn_core.text import chart_label
from pages.common import (
    download_buttons,
    lang,
    number,
    period_label,
    rupiah,
    t,
)
from pages.directors_view import directors_header, table

view = directors_header("capacity")  # title, period and drill-down pickers (pages/directors_view.py)
period, f = view.period, view.filters
SEP = ",." if lang() == "id" else ".,"
NORM = rules.PARTICIPANTS_PER_DOCTOR_NORM

nat = view.query(kpi.capacity, level="nation", period=period).iloc[0]
over = view.query(kpi.over_capacity_facilities, period=period)
c = [*st.columns(3), *st.columns(3)]
c[0].metric(t("fktp"), number(nat["fktp"]), border=True)
c[1].metric(t("fkrtl"), number(nat["fkrtl"]), border=True)
c[2].metric(t("kpi_participants_per_doctor"), number(nat["participants_per_doctor"]), border=True,
            delta=f"{kpi.format_value('ratio', nat['participants_per_doctor'] - NORM, lang(), True)} vs {number(NORM)}",
            delta_color="inverse")
c[3].metric(t("cap_over_count"), number(len(over)), border=True)
c[4].metric(t("cap_capitation"), rupiah(nat["capitation_paid"]), border=True)

level = view.child_level()
units = view.query(kpi.capacity, level=level, period=period)
units = units.rename(columns={"code": f"{level}_code", "unit": f"{level}_name"})
u = units.sort_values("participants_per_doctor", ascending=False).head(30)
fig = go.Figure(go.Bar(x=u[f"{level}_name"].map(chart_label), y=u["participants_per_doctor"],
                       marker_color=["#dc2626" if v > NORM else "#16a34a" for v in u["participants_per_doctor"]],
                       hovertemplate="%{x}<br>%{y:,.0f}<extra></extra>"))
fig.add_hline(y=NORM, line_dash="dash", line_color="#b91c1c", annotation_text=t("cap_norm"))
fig.update_layout(title=t("cap_per_doctor_title").format(unit=t(f"unit_{level}")), yaxis_title=t("cap_per_doctor_axis"),
                  height=360, margin={"t": 50}, separators=SEP)
st.plotly_chart(fig, width="stretch", key="cap_units_chart")
st.subheader(t("cap_units").format(unit=t(f"unit_{level}")))
table(units)
download_buttons(units, f"capacity_{level}_{period}", "cap_units")

st.subheader(t("cap_over"))
table(over)
download_buttons(over, f"over_capacity_fktp_{period}", "cap_over")

st.subheader(t("cap_regencies"))
reg = view.query(kpi.regency_capacity, period=period)
need = reg[reg["action"] != "ok"].sort_values(["doctors_short", "registered_in_over"], ascending=False)
need = need.assign(action=[t(f"cap_action_{a}") for a in need["action"]])
table(need)
download_buttons(need, f"regencies_capacity_{period}", "cap_regencies")

kbk = view.query(kpi.kbk_attainment, level=level, period=period)
kbk = kbk.rename(columns={"code": f"{level}_code", "unit": f"{level}_name"})
fig = go.Figure()
for col, key, colour in (("contact_ok_pct", "cap_kbk_contact", "#2563eb"), ("rrns_ok_pct", "cap_kbk_rrns", "#16a34a"),
                         ("rppt_ok_pct", "cap_kbk_rppt", "#f59e0b")):
    k = kbk.head(30)
    fig.add_trace(go.Bar(x=k[f"{level}_name"].map(chart_label), y=k[col], name=t(key), marker_color=colour))
fig.update_layout(title=t("cap_kbk").format(unit=t(f"unit_{level}")), yaxis_title=t("cap_kbk_axis"), barmode="group",
                  height=360, margin={"t": 50}, separators=SEP, legend={"orientation": "h", "y": -0.3})
st.plotly_chart(fig, width="stretch", key="cap_kbk_chart")
table(kbk)
download_buttons(kbk, f"kbk_{level}_{period}", "cap_kbk")

capt = view.query(kpi.capitation_trend)
fig = go.Figure(go.Bar(x=[period_label(p) for p in capt["period"]], y=capt["capitation_paid"] / 1e9, marker_color="#0d9488",
                       hovertemplate="%{x}<br>Rp %{y:,.1f} M<extra></extra>"))
fig.update_layout(title=t("cap_capitation_title"), yaxis_title=t("arr_rp_bn"), xaxis_title=t("month"), height=320,
                  margin={"t": 50}, separators=SEP)
st.plotly_chart(fig, width="stretch", key="cap_capitation_chart")
download_buttons(capt, "capitation_trend", "cap_capitation")
view.brief_button([(t("cap_units").format(unit=t(f"unit_{level}")), units),
                   (t("cap_over"), over.drop(columns=["facility_code"]))])
