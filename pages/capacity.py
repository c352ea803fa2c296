"""Facility capacity: FKTP/FKRTL, participants per doctor vs the 1:5,000 norm, over-capacity FKTP, regencies to act on, KBK, capitation."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from jkn_core import kpi, rules
from jkn_core.text import chart_label
from pages import charts, drill
from pages.common import (
    download_buttons,
    lang,
    number,
    pct,
    period_label,
    rupiah,
    t,
)
from pages.directors_view import directors_header, table

view = directors_header("capacity")  # title, period and drill-down pickers (pages/directors_view.py)
period, f = view.period, view.filters
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
if len(units) == 1:  # one unit in view: its monthly trend (last 12 months) instead of a single bar
    last = [p for p in view.periods if p <= period][-12:]
    monthly = [view.query(kpi.capacity, level="nation", period=p).iloc[0]["participants_per_doctor"] for p in last]
    fig = charts.lines([period_label(p) for p in last], [(t("cap_per_doctor_axis"), monthly, "#2563eb")], "ratio",
                       title=t("cap_per_doctor_trend_title"), axis_title=t("cap_per_doctor_axis"), zero=True,
                       target=NORM, target_label=t("cap_norm"), subtitle=t("chart_one_unit_trend").format(unit=t(f"unit_{level}"))
                       + f" · {chart_label(units.iloc[0][f'{level}_name'])}")
    charts.show(fig, "cap_units_trend")
else:
    u_paths = drill.paths(view.hier, level, u[f"{level}_code"])
    fig = charts.once(lambda: charts.bars(  # built once per content, shared by every session (charts.once)
        u[f"{level}_name"], u["participants_per_doctor"], "ratio", target=NORM, target_label=t("cap_norm"),
        colour=["#dc2626" if v > NORM else "#16a34a" for v in u["participants_per_doctor"]],
        title=t("cap_per_doctor_title").format(unit=t(f"unit_{level}")), axis_title=t("cap_per_doctor_axis"),
        subtitle=charts.shown_note(len(u), len(units), level, "highest") + f" · {period_label(period)}", paths=u_paths),
        "cap_units_chart", level, u[[f"{level}_name", "participants_per_doctor"]], len(units), period,
        tuple(map(tuple, u_paths)))
    charts.show(fig, "cap_units_chart", drill=view)
st.subheader(t("cap_units").format(unit=t(f"unit_{level}")))
table(units, "cap_units_table")
view.download(units, f"capacity_{level}", "cap_units", t("cap_units").format(unit=t(f"unit_{level}")))

st.subheader(t("cap_over"))
table(over, "cap_over_table", columns=["facility_name", "type", "regency_name", "branch_name", "participants_per_doctor",
                                     "registered", "doctors", "doctors_needed", "facility_code"])
view.download(over, "over_capacity_fktp", "cap_over", t("cap_over"))

st.subheader(t("cap_regencies"))
reg = view.query(kpi.regency_capacity, period=period)
need = reg[reg["action"] != "ok"].sort_values(["doctors_short", "registered_in_over"], ascending=False)
table(need, "cap_need_table", codes={"action": "cap_action_"}, headers={"action": t("hdr_cap_action")})
view.download(need, "regencies_capacity", "cap_regencies", t("cap_regencies"), codes={"action": "cap_action_"},
              headers={"action": t("hdr_cap_action")})

kbk = view.query(kpi.kbk_attainment, level=level, period=period)
kbk = kbk.rename(columns={"code": f"{level}_code", "unit": f"{level}_name"})
fig = go.Figure()
k = kbk.head(30)
KBK = (("contact_ok_pct", "cap_kbk_contact", "#2563eb"), ("rrns_ok_pct", "cap_kbk_rrns", "#16a34a"),
       ("rppt_ok_pct", "cap_kbk_rppt", "#f59e0b"))
if len(k) == 1:  # one unit in view: its three indicators side by side rather than one group of bars
    fig.add_trace(go.Bar(x=[t(key) for _c, key, _o in KBK], y=[k.iloc[0][c] for c, _k, _o in KBK],
                         marker_color=[o for _c, _k, o in KBK], text=[pct(k.iloc[0][c], 1) for c, _k, _o in KBK],
                         textposition="outside", hoverinfo="skip"))
for col, key, colour in KBK if len(k) > 1 else ():
    fig.add_trace(go.Bar(x=k[f"{level}_name"].map(chart_label), y=k[col], name=t(key), marker_color=colour,
                         customdata=drill.paths(view.hier, level, k[f"{level}_code"]),
                         hovertext=[f"{chart_label(n)}<br>{t(key)}: {pct(v, 1)}" for n, v in zip(k[f"{level}_name"], k[col], strict=False)],
                         hovertemplate="%{hovertext}<extra></extra>"))
fig.update_layout(barmode="group", height=380, legend={"orientation": "h", "y": -0.3})
charts.apply_axis(fig, [*k["contact_ok_pct"], *k["rrns_ok_pct"], *k["rppt_ok_pct"]], "pct", title=t("cap_kbk_axis"))
charts.titled(fig, t("cap_kbk").format(unit=t(f"unit_{level}")),
              (charts.shown_note(len(k), len(kbk), level) if len(k) > 1 else chart_label(k.iloc[0][f"{level}_name"]))
              + f" · {period_label(period)}")
charts.show(fig, "cap_kbk_chart", drill=view if len(k) > 1 else None)
table(kbk, "cap_kbk_table")
view.download(kbk, f"kbk_{level}", "cap_kbk", t("cap_kbk").format(unit=t(f"unit_{level}")))

capt = view.query(kpi.capitation_trend)
fig = charts.once(lambda: charts.bars(
    [period_label(p) for p in capt["period"]], capt["capitation_paid"], "rp", colour="#0d9488",
    title=t("cap_capitation_title"), subtitle=chart_label(drill.view_name(view)), axis_title="Rupiah",
    category_title=t("month"), height=340), "cap_capitation", capt[["period", "capitation_paid"]], drill.view_name(view))
charts.show(fig, "cap_capitation_chart")
download_buttons(capt, "capitation_trend", "cap_capitation", title=t("cap_capitation_title"), unit=view.label())
view.brief_button([(t("cap_units").format(unit=t(f"unit_{level}")), units),
                   (t("cap_over"), over.drop(columns=["facility_code"]))])
