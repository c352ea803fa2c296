"""Coverage: province map, uninsured gap per branch/regency, segment mix, trend to the UHC target."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from jkn_core import brief, directors, indonesia_map, kpi
from jkn_core.access import audit
from jkn_core.kpi import Filters
from jkn_core.scope import Scope
from pages.common import (
    download_buttons,
    engine,
    lang,
    number,
    pct,
    period_label,
    require,
    synthetic_banner,
    t,
)

PAGE = "coverage"
scope = require(PAGE)

# --- the view: drill-down and period, kept in the URL (same block on every directors' page) -------
_TTL = 600
_LEVELS = ("region", "branch", "regency")
_URL = str(engine().url)
_SK = (scope.role, scope.username, scope.region_code, scope.branch_code, scope.bank)


@st.cache_data(ttl=_TTL, show_spinner=False, max_entries=4000)
def q(fn: str, url: str, sk: tuple | None, fk: tuple | None, **kw):  # type: ignore[no-untyped-def]
    """Cached jkn_core call keyed on small arguments: 'module.function', db URL, scope and filter tuples."""
    mod, name = fn.split(".")
    func = getattr({"kpi": kpi, "directors": directors}[mod], name)
    args = [engine()] + ([Scope(*sk)] if sk is not None else [])
    if fk is not None:
        kw["filters"] = Filters(*fk)
    return func(*args, **kw)


def _on_level(level: str) -> None:
    value = st.session_state.get(f"dir_{level}") or ""
    for deeper in _LEVELS[_LEVELS.index(level):]:
        if deeper in st.query_params:
            del st.query_params[deeper]
    if value:
        st.query_params[level] = value
    st.session_state["dir_view"] = {k: st.query_params[k] for k in (*_LEVELS, "period") if k in st.query_params}


def _on_period() -> None:
    st.query_params["period"] = str(st.session_state["dir_period"])
    st.session_state["dir_view"] = {k: st.query_params[k] for k in (*_LEVELS, "period") if k in st.query_params}


def view_controls() -> tuple[int, Filters, pd.DataFrame]:
    """Period and drill-down pickers (only what the scope allows); the URL holds the choice."""
    hier = q("kpi.hierarchy", _URL, _SK, None)
    held = q("kpi.periods", _URL, None, None)
    qp = st.query_params
    if not any(k in qp for k in (*_LEVELS, "period")) and st.session_state.get("dir_view"):
        qp.update(st.session_state["dir_view"])  # coming from another directors' page
    f = directors.clean_filters(hier, *(directors.params_get(qp, k) for k in _LEVELS))
    p = directors.params_get(qp, "period")
    period = int(p) if p and p.isdigit() and int(p) in held else held[-1]
    for key, value in (("dir_period", period), ("dir_region", f.region or ""), ("dir_branch", f.branch or ""),
                       ("dir_regency", f.regency or "")):
        st.session_state[key] = value
    names = {**dict(zip(hier["region_code"], hier["region_name"], strict=False)),
             **dict(zip(hier["branch_code"], hier["branch_name"], strict=False)),
             **dict(zip(hier["regency_code"], hier["regency_name"], strict=False))}

    def label(code: str) -> str:
        return t("dir_scope_all") if not code else f"{code} · {names.get(code, code)}"

    sub = hier if not f.region else hier[hier["region_code"] == f.region]
    sub_b = sub if not f.branch else sub[sub["branch_code"] == f.branch]
    c = st.columns([1, 2, 2, 2])
    c[0].selectbox(t("dir_period"), list(reversed(held)), format_func=period_label, key="dir_period",
                   on_change=_on_period)
    c[1].selectbox(t("region"), ["", *dict.fromkeys(hier["region_code"])], format_func=label, key="dir_region",
                   on_change=_on_level, args=("region",))
    c[2].selectbox(t("branch"), ["", *dict.fromkeys(sub["branch_code"])], format_func=label, key="dir_branch",
                   on_change=_on_level, args=("branch",))
    c[3].selectbox(t("regency"), ["", *dict.fromkeys(sub_b["regency_code"])], format_func=label,
                   key="dir_regency", on_change=_on_level, args=("regency",))
    # the URL always states the view shown (also after a link was cleaned to the user's scope)
    want = directors.filters_to_params(f, period)
    for k in (*_LEVELS, "period"):
        if k in want and qp.get(k) != want[k]:
            qp[k] = want[k]
        elif k not in want and k in qp:
            del qp[k]
    st.session_state["dir_view"] = want
    return period, f, hier


def view_label(f: Filters, hier: pd.DataFrame) -> str:
    parts = [t("nation") if scope.region_code is None else scope.describe()]
    for code_col, name_col, code in (("region_code", "region_name", f.region), ("branch_code", "branch_name", f.branch),
                                     ("regency_code", "regency_name", f.regency)):
        if code:
            parts.append(str(hier.loc[hier[code_col] == code, name_col].iloc[0]))
    return " › ".join(parts)


def child_level(f: Filters) -> str:
    if f.branch or f.regency or scope.branch_code:
        return "regency"
    if f.region or scope.region_code:
        return "branch"
    return "region"


def brief_button(period: int, f: Filters, hier: pd.DataFrame, tables: list) -> None:
    """Download the one-page director brief of this view (audited like every export)."""
    fk = (f.region, f.branch, f.regency)

    def make() -> bytes:
        cards = q("directors.overview_cards", _URL, _SK, fk, period=period)
        audit(engine(), scope, "export", {"what": f"brief_{PAGE}", "format": "html", "view": fk, "period": period})
        return brief.make_brief(cards, view_label(f, hier), period, tables, lang(),
                                kpi.is_synthetic(engine()), t(f"page_{PAGE}"))

    st.download_button(t("dir_brief"), data=make, file_name=f"brief_{PAGE}_{period}.html", mime="text/html",
                       key=f"dl_brief_{PAGE}", on_click="ignore", icon=":material/print:")


def status_icon(status: str) -> str:
    """A coloured dot (Streamlit markdown) for metric labels."""
    return {"green": ":green[●]", "amber": ":orange[●]", "red": ":red[●]"}.get(status, ":gray[○]")

def table(df: pd.DataFrame) -> None:
    """A table with numbers in the reader's locale (Indonesian in an id-ID browser)."""
    cfg = {c: st.column_config.NumberColumn(format="localized") for c in df.columns
           if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])}
    st.dataframe(df, hide_index=True, width="stretch", column_config=cfg)
# --- end of the view block ------------------------------------------------------------------------


st.title(t("page_coverage"))
synthetic_banner()
period, f, hier = view_controls()
fk = (f.region, f.branch, f.regency)
st.caption(f"{view_label(f, hier)} · {period_label(period)} · {t('dir_link_hint')}")
SEP = ",." if lang() == "id" else ".,"

nat = q("kpi.coverage", _URL, _SK, fk, level="nation", period=period).iloc[0]
tgt = directors._target(engine(), "coverage_pct", period, scope, f)
c = st.columns(4)
c[0].metric(t("kpi_coverage_pct"), pct(nat["coverage_pct"]), border=True,
            delta=None if tgt is None else (f"{brief.format_value('pct', nat['coverage_pct'] - tgt, lang(), True)} "
                                             f"vs {t('target_short')} {pct(tgt, 1)}"),
            delta_color="normal")
c[1].metric(t("kpi_participants"), number(nat["participants"]), border=True)
c[2].metric(t("uninsured"), number(nat["uninsured"]), border=True)
c[3].metric(t("kpi_active_pct"), pct(nat["active_pct"]), border=True)

prov = q("kpi.coverage", _URL, _SK, fk, level="province", period=period)
folded = indonesia_map.fold_provinces(prov, ["population", "participants", "uninsured"])
folded["coverage_pct"] = (folded["participants"] / folded["population"].where(folded["population"] > 0) * 100).round(2)
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

level = "regency" if (f.branch or scope.branch_code) else "branch"
units = q("kpi.coverage", _URL, _SK, fk, level=level, period=period)
units = units.rename(columns={"code": f"{level}_code", "unit": f"{level}_name"})
left, right = st.columns(2)
gap = units.sort_values("uninsured", ascending=False).head(20)
fig = go.Figure(go.Bar(y=gap[f"{level}_name"], x=gap["uninsured"], orientation="h", marker_color="#f59e0b",
                       hovertemplate="%{y}<br>%{x:,.0f} " + t("people_unit") + "<extra></extra>"))
fig.update_layout(title=t("cov_gap_title").format(unit=t(f"unit_{level}")), xaxis_title=t("cov_gap_axis"),
                  yaxis={"autorange": "reversed"}, height=460, margin={"t": 50, "l": 10}, separators=SEP)
left.plotly_chart(fig, width="stretch", key="cov_gap")
seg = q("kpi.segment_mix", _URL, _SK, fk, period=period)
fig = go.Figure(go.Bar(x=seg["segment"], y=seg["participants"], marker_color="#2563eb",
                       text=[pct(s, 1) for s in seg["share_pct"]], textposition="outside",
                       hovertemplate="%{x}<br>%{y:,.0f} " + t("people_unit") + "<extra></extra>"))
fig.update_layout(title=t("cov_segment_title"), yaxis_title=t("participants") + f" ({t('people_unit')})",
                  height=460, margin={"t": 50}, separators=SEP)
right.plotly_chart(fig, width="stretch", key="cov_segments")

st.subheader(t("cov_by_regency") if level == "regency" else t("cov_by_branch"))
table(units)
download_buttons(units, f"coverage_{level}_{period}", "cov_units")
with st.expander(t("segment")):
    table(seg)
    download_buttons(seg, f"segment_mix_{period}", "cov_seg")

trend = q("kpi.coverage_trend", _URL, _SK, fk)
targets = q("directors.coverage_target_path", _URL, _SK, fk)
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
brief_button(period, f, hier, [(t("cov_by_regency") if level == "regency" else t("cov_by_branch"),
                                units.sort_values("coverage_pct")), (t("segment"), seg)])
