"""Coverage: province map, uninsured gap per branch/regency, segment mix, UHC status of every province and
regency (threshold or own target), a branch's dated reference points, trend to the UHC target."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jkn_core import fmt, indonesia_map, kpi, rules
from jkn_core.kpi import reference, uhc
from jkn_core.text import chart_label
from pages import charts, drill
from pages.common import (
    download_buttons,
    engine,
    lang,
    number,
    pct,
    period_label,
    rupiah,
    segment_label,
    t,
)
from pages.directors_view import directors_header, table

view = directors_header("coverage")  # title, period and drill-down pickers (pages/directors_view.py)
period, f = view.period, view.filters

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
# a click on a province opens its kedeputian wilayah (only from the national view)
map_drill = view if not (f.region or f.branch or f.regency or view.scope.region_code) else None
map_paths = drill.province_paths(view.hier, folded["iso"]) if map_drill else None


def _map():  # type: ignore[no-untyped-def]
    fig = indonesia_map.province_figure(folded, "coverage_pct", t("cov_map_title") + f" · {period_label(period)}",
                                        t("cov_map_colorbar"), bubble_col="uninsured",
                                        bubble_title=t("cov_uninsured_bubbles"), zmin=90, zmax=101, lang=lang(),
                                        paths=map_paths)
    return charts.titled(fig, t("cov_map_title") + f" · {period_label(period)}",
                         charts.shown_note(len(folded), len(indonesia_map.centroids()), "province"))


# built once per content and shared by every session (the geometry makes it the page's costliest piece)
fig = charts.once(_map, "cov_map", folded, period, None if map_paths is None else tuple(map(tuple, map_paths)))
charts.show(fig, "cov_map", drill=map_drill, config=indonesia_map.PLOTLY_CONFIG)
st.caption(t("cov_map_note") + " " + indonesia_map.ATTRIBUTION + (" " + t("chart_map_hint") if map_drill else ""))
prov_table = prov.rename(columns={"code": "province_code", "unit": "province_name"})
with st.expander(t("province")):
    table(prov_table, "cov_prov_table")
    view.download(prov_table, "coverage_province", "cov_prov", t("province"))

level = "regency" if (f.branch or view.scope.branch_code) else "branch"
units = view.query(kpi.coverage, level=level, period=period)
units = units.rename(columns={"code": f"{level}_code", "unit": f"{level}_name"})
left, right = st.columns(2)
gap = units.sort_values("uninsured", ascending=False).head(20)
if len(units) == 1:  # one unit in view: its monthly trend instead of a single bar
    last = [p for p in view.periods if p <= period][-12:]
    monthly = [view.query(kpi.coverage, level="nation", period=p).iloc[0] for p in last]
    fig = charts.lines([period_label(p) for p in last], [(t("uninsured"), [m["uninsured"] for m in monthly], "#f59e0b")],
                       "people", title=t("cov_uninsured_trend_title"), axis_title=t("cov_gap_axis"), zero=True,
                       subtitle=t("chart_one_unit_trend").format(unit=t(f"unit_{level}")) + f" · {chart_label(units.iloc[0][f'{level}_name'])}")
    charts.show(fig, "cov_gap_trend", container=left)
else:
    gap_paths = drill.paths(view.hier, level, gap[f"{level}_code"])
    fig = charts.once(lambda: charts.bars(
        gap[f"{level}_name"], gap["uninsured"], "people", horizontal=True, colour="#f59e0b",
        title=t("cov_gap_title").format(unit=t(f"unit_{level}")), axis_title=t("cov_gap_axis"),
        subtitle=charts.shown_note(len(gap), len(units), level, "highest") + f" · {period_label(period)}",
        hover_unit=t("people_unit"), paths=gap_paths, height=460),
        "cov_gap", level, gap[[f"{level}_name", "uninsured"]], len(units), period, tuple(map(tuple, gap_paths)))
    charts.show(fig, "cov_gap", drill=view, container=left)
seg = view.query(kpi.segment_mix, period=period)
seg_shown = seg.assign(segment=seg["segment"].map(segment_label))  # labels on screen, codes in the download
fig = charts.once(lambda: charts.bars(
    seg_shown["segment"], seg["participants"], "people", text=[pct(s, 1) for s in seg["share_pct"]],
    title=t("cov_segment_title"), subtitle=period_label(period), hover_unit=t("people_unit"),
    axis_title=t("participants") + f" ({t('people_unit')})", height=460), "cov_segments", seg, period)
charts.show(fig, "cov_segments", container=right)

st.subheader(t("cov_by_regency") if level == "regency" else t("cov_by_branch"))
cov_title = t("cov_by_regency") if level == "regency" else t("cov_by_branch")
table(units, "cov_units_table", totals={"population": number(units["population"].sum()),
                                        "participants": number(units["participants"].sum()),
                                        "uninsured": number(units["uninsured"].sum())})
view.download(units, f"coverage_{level}", "cov_units", cov_title)
with st.expander(t("segment")):
    table(seg, "cov_seg_table")
    view.download(seg, "segment_mix", "cov_seg", t("segment"))

# --- UHC status by region: the 95 % threshold or the unit's own target, not the national target -------
st.subheader(t("uhc_title"))
st.caption(t("uhc_caption").format(threshold=pct(rules.UHC_THRESHOLD_PCT, 0), national="" if tgt is None else pct(tgt, 1)))
uhc_tabs = st.tabs([t("province"), t("regency")])
for uhc_tab, uhc_level in zip(uhc_tabs, ("province", "regency"), strict=True):
    status = view.query(uhc.uhc_status, level=uhc_level, period=period)
    counts = uhc.uhc_summary(status)
    uhc_tab.caption(t("uhc_summary").format(at=number(counts["at_uhc"]), n=number(counts["units"]),
                                            unit=t(uhc_level).lower(), red=number(counts["red"]),
                                            amber=number(counts["amber"])))
    shown = status.assign(uhc_light=status["status"].map(lambda s: t(f"uhc_status_{s}")),
                          uhc_basis=status["basis"].map(lambda b: t(f"uhc_basis_{b}")),
                          uhc_reference_pct=status["reference_pct"])
    shown = shown[["code", "unit", "coverage_pct", "uhc_reference_pct", "uhc_basis", "uhc_light", "active_pct",
                   "population", "participants", "to_register"]].rename(
        columns={"code": f"{uhc_level}_code", "unit": f"{uhc_level}_name"})
    colours = dict(zip(shown["uhc_light"], status["status"], strict=False))

    def uhc_colour(styler, head, colours=colours):  # type: ignore[no-untyped-def]
        fill = {"green": "#dcfce7", "amber": "#fef3c7", "red": "#fee2e2"}
        return styler.map(lambda v: f"background-color: {fill.get(colours.get(v, ''), 'transparent')}",
                          subset=[head("uhc_light")])

    with uhc_tab:
        table(shown, f"uhc_{uhc_level}_table", kinds={"uhc_reference_pct": "pct1"}, restyle=uhc_colour,
              height=min(38 + 35 * len(shown), 420))
        view.download(status, f"uhc_{uhc_level}", f"uhc_{uhc_level}", t("uhc_download"))

# --- dated reference points of the branch in view (e.g. the Palembang article of 2017) -----------------
ref_branch = f.branch or view.scope.branch_code
refs = reference.branch_reference(engine(), view.scope, ref_branch, period) if ref_branch else None
if refs is not None and not refs.empty:
    branch_name = view.hier.loc[view.hier["branch_code"] == ref_branch, "branch_name"]
    st.subheader(t("ref_title").format(branch=chart_label(branch_name.iloc[0] if len(branch_name) else ref_branch)))
    st.caption(t("ref_caption").format(period=period_label(period))
               + (" " + t("ref_synthetic") if kpi.is_synthetic(engine()) else ""))

    def ref_value(metric: str, v: float) -> str:
        if pd.isna(v):
            return "—"
        return rupiah(v) if metric == "arrears_rp" else pct(v, 1) if metric.endswith("_pct") else number(v)

    ref_shown = pd.DataFrame({
        "ref_metric": [t(f"ref_metric_{m}") for m in refs["metric"]],
        "ref_reference": [ref_value(m, v) for m, v in zip(refs["metric"], refs["reference"], strict=True)],
        "ref_as_of": [fmt.date(d, lang()) for d in refs["as_of"]],
        "ref_now": [ref_value(m, v) for m, v in zip(refs["metric"], refs["now"], strict=True)],
        "ref_source": [f"{s} ({fmt.date(d, lang())})" for s, d in zip(refs["source"], refs["source_date"], strict=True)],
        "ref_note": refs["note"].fillna(""),
    })
    table(ref_shown, "ref_table", headers={c: t(f"hdr_{c}") for c in ref_shown.columns}
          | {"ref_now": f"{t('hdr_ref_now')} · {period_label(period)}"})

trend = view.query(kpi.coverage_trend)
targets = view.query(kpi.coverage_target_path)
tmap = dict(zip(targets["year"], targets["target_pct"], strict=False))
ty = [tmap.get(p // 100) for p in trend["period"]]
ty = [None if v is None or pd.isna(v) else float(v) for v in ty]
fig = charts.once(lambda: charts.lines(
    [period_label(p) for p in trend["period"]], [(t("coverage"), trend["coverage_pct"], "#2563eb")], "pct",
    title=t("cov_trend_title"), axis_title=t("cov_pct_axis"), target_path=ty,
    subtitle=f"{chart_label(drill.view_name(view))} · {period_label(int(trend['period'].iloc[0]))} – "
             f"{period_label(int(trend['period'].iloc[-1]))}" if len(trend) else None),
    "cov_trend", trend[["period", "coverage_pct"]], tuple(ty), drill.view_name(view))
charts.show(fig, "cov_trend")
download_buttons(trend, "coverage_trend", "cov_trend", title=t("cov_trend_title"), unit=view.label())
view.brief_button([(t("cov_by_regency") if level == "regency" else t("cov_by_branch"),
                    units.sort_values("coverage_pct")), (t("segment"), seg_shown)])
