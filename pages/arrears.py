"""Arrears & collectability: by month, branch and segment against target; aging; Rehab pool; penalty exposure; branch league table."""

from __future__ import annotations

import streamlit as st

from jkn_core import kpi
from jkn_core.kpi import Filters
from jkn_core.text import chart_label
from pages import charts, drill
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

# each chart is built once per content and shared by every session (charts.once)
fig = charts.once(lambda: charts.lines(
    [period_label(p) for p in months["period"]], [(t("collectability"), months["collectability_pct"], "#2563eb")],
    "pct", title=t("arr_coll_month_title"), axis_title=t("arr_pct_axis"), target=tgt, zero=True, height=340,
    subtitle=chart_label(drill.view_name(view))),
    "arr_month", months[["period", "collectability_pct"]], tgt, drill.view_name(view))
charts.show(fig, "arr_month")
download_buttons(months, "collectability_month", "arr_month", title=t("arr_coll_month_title"), unit=view.label())

left, right = st.columns(2)
# every branch of the region (or the one branch) as a whole, also when a regency is chosen
by_branch = view.query(kpi.collectability, filters=Filters(f.region, f.branch, None), by="branch",
                       period_from=period, period_to=period)
b = by_branch.sort_values("collectability_pct").head(25)
if len(by_branch) == 1:  # one branch in view: its monthly trend (last 12 months) instead of a single bar
    recent = view.query(kpi.collectability, filters=Filters(f.region, f.branch, None), by="month",
                        period_from=[p for p in held if p <= period][-12:][0], period_to=period)
    fig = charts.lines([period_label(p) for p in recent["period"]], [(t("collectability"), recent["collectability_pct"], "#0d9488")],
                       "pct", title=t("arr_coll_branch_trend_title"), axis_title=t("arr_pct_axis"), target=tgt, zero=True,
                       subtitle=t("chart_one_unit_trend").format(unit=t("unit_branch")) + f" · {chart_label(b.iloc[0]['branch_name'])}")
    charts.show(fig, "arr_branch_trend", container=left)
else:
    b_paths = drill.paths(view.hier, "branch", b["branch_code"])
    fig = charts.once(lambda: charts.bars(
        b["branch_name"], b["collectability_pct"], "pct", horizontal=True, colour="#0d9488",
        title=t("arr_coll_branch_title").format(p=period_label(period)), axis_title=t("arr_pct_axis"),
        subtitle=charts.shown_note(len(b), len(by_branch), "branch", "lowest"), target=tgt, paths=b_paths),
        "arr_branch", b[["branch_name", "collectability_pct"]], len(by_branch), period, tgt,
        tuple(map(tuple, b_paths)))
    charts.show(fig, "arr_branch", drill=view, container=left)
with left:
    view.download(by_branch, "collectability_branch", "arr_branch", t("arr_coll_branch_title").format(p=period_label(period)))
by_seg = view.query(kpi.collectability, by="segment", period_from=period, period_to=period)
fig = charts.once(lambda: charts.bars(
    by_seg["segment"].map(segment_label), by_seg["collectability_pct"], "pct", colour="#7c3aed",
    text=[pct(v, 1) for v in by_seg["collectability_pct"]], target=tgt, height=340,
    title=t("arr_coll_segment_title").format(p=period_label(period)), axis_title=t("arr_pct_axis"),
    category_title=t("arr_segment"), subtitle=chart_label(drill.view_name(view))),
    "arr_segment", by_seg[["segment", "collectability_pct"]], tgt, period, drill.view_name(view))
charts.show(fig, "arr_segment", container=right)
with right:
    view.download(by_seg, "collectability_segment", "arr_segment", t("arr_coll_segment_title").format(p=period_label(period)))

aging = view.query(kpi.arrears_aging, period=period)
left, right = st.columns(2)
fig = charts.once(lambda: charts.bars(
    aging["bucket"], aging["people"], "people", colour="#f59e0b", title=t("arr_aging_title"),
    subtitle=f"{chart_label(drill.view_name(view))} · {period_label(period)}", axis_title=t("people_unit"),
    category_title=t("arr_bucket"), hover_unit=t("people_unit"), height=340),
    "arr_aging_people", aging[["bucket", "people"]], period, drill.view_name(view))
charts.show(fig, "arr_aging_people", container=left)
fig = charts.once(lambda: charts.bars(
    aging["bucket"], aging["rp"], "rp", colour="#dc2626", title=t("arr_aging_rp_title"),
    subtitle=f"{chart_label(drill.view_name(view))} · {period_label(period)}", axis_title="Rupiah",
    category_title=t("arr_bucket"), height=340),
    "arr_aging_rp", aging[["bucket", "rp"]], period, drill.view_name(view))
charts.show(fig, "arr_aging_rp", container=right)
view.download(aging, "arrears_aging", "arr_aging", t("arr_aging_title"))

st.subheader(t("arr_rehab"))
c = st.columns(3)
c[0].metric(t("arr_rehab_people"), number(rehab["people"]))
c[1].metric(t("arr_rehab_rp"), rupiah(rehab["rp"]))
c[2].metric(t("arr_penalty_total"), rupiah(float(pen["exposure_rp"].iloc[-1])))
st.caption(t("arr_penalty_note").format(cost=rupiah(pen.attrs.get("avg_inpatient_cost", 0)),
                                        rate=number(pen.attrs.get("rate_per_person_month", 0) * 1000, 2)))
with st.expander(t("arr_penalty")):
    table(pen, "arr_penalty_table", totals={"people": number(pen["people"].sum()),
                                            "exposure_rp": rupiah(pen["exposure_rp"].sum())})
    view.download(pen, "penalty_exposure", "arr_penalty", t("arr_penalty"))

st.subheader(t("arr_league"))
st.caption(t("arr_league_note"))
league = view.query(kpi.branch_league, period=period)
shown = league.assign(status=[t("status_" + s) for s in league["status"]])
_COLOURS = {t("status_" + k): c for k, c in (("green", "#15803d"), ("amber", "#b45309"), ("red", "#b91c1c"))}
table(league, "arr_league_table", columns=["branch_name", "status", "collectability_pct", "target_pct", "par3_pct",
                                           "arrears_rp", "arrears_change_pct", "arrears_people", "rehab_people",
                                           "rehab_rp", "self_paying", "par_people", "billed", "collected", "branch_code"],
      restyle=lambda sty, head: sty.map(lambda v: f"color: {_COLOURS.get(v, '#374151')}; font-weight: 600",
                                        subset=[head("status")]),
      totals={"arrears_rp": rupiah(league["arrears_rp"].sum()), "arrears_people": number(league["arrears_people"].sum()),
              "rehab_rp": rupiah(league["rehab_rp"].sum())})
view.download(league, "branch_league", "arr_league", t("arr_league"))
view.brief_button([(t("arr_league"), shown[["branch_code", "branch_name", "status", "collectability_pct",
                                             "target_pct", "arrears_rp", "par3_pct", "rehab_people"]]),
                   (t("arr_aging_title"), aging)])
