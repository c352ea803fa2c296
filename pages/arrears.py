"""Arrears & collectability: by month, branch and segment against target; aging; Rehab pool; penalty exposure; branch league table."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from jkn_core import brief, directors, kpi
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
    rupiah,
    synthetic_banner,
    t,
)

PAGE = "arrears"
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


st.title(t("page_arrears"))
synthetic_banner()
period, f, hier = view_controls()
fk = (f.region, f.branch, f.regency)
st.caption(f"{view_label(f, hier)} · {period_label(period)} · {t('dir_link_hint')}")
SEP = ",." if lang() == "id" else ".,"
held = q("kpi.periods", _URL, None, None)

months = q("kpi.collectability", _URL, _SK, fk, by="month", period_from=held[0], period_to=period)
now = months.loc[months["period"] == period, "collectability_pct"]
coll_now = float(now.iloc[0]) if len(now) else None
tgt = directors._target(engine(), "collectability_pct", period, scope, f)
total = q("kpi.arrears_total", _URL, _SK, fk, period=period)
rehab = q("directors.rehab_pool", _URL, _SK, fk, period=period)
pen = q("directors.penalty_exposure", _URL, _SK, fk, period=period)
c = st.columns(3)
c[0].metric(t("kpi_collectability_pct"), pct(coll_now), border=True,
            delta=None if tgt is None or coll_now is None else
            f"{brief.format_value('pct', coll_now - tgt, lang(), True)} vs {t('target_short')} {pct(tgt, 1)}")
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
by_branch = q("kpi.collectability", _URL, _SK, (f.region, f.branch, None), by="branch", period_from=period, period_to=period)
b = by_branch.sort_values("collectability_pct").head(25)
fig = go.Figure(go.Bar(y=b["branch_name"], x=b["collectability_pct"], orientation="h", marker_color="#0d9488",
                       hovertemplate="%{y}<br>%{x:.2f} %<extra></extra>"))
if tgt is not None:
    fig.add_vline(x=tgt, line_dash="dash", line_color="#b91c1c")
fig.update_layout(title=t("arr_coll_branch_title").format(p=period_label(period)), xaxis_title=t("arr_pct_axis"),
                  yaxis={"autorange": "reversed"}, height=max(300, 22 * len(b) + 90), margin={"t": 50, "l": 10},
                  separators=SEP)
left.plotly_chart(fig, width="stretch", key="arr_branch")
with left:
    download_buttons(by_branch, f"collectability_branch_{period}", "arr_branch")
by_seg = q("kpi.collectability", _URL, _SK, fk, by="segment", period_from=period, period_to=period)
fig = go.Figure(go.Bar(x=by_seg["segment"], y=by_seg["collectability_pct"], marker_color="#7c3aed",
                       text=[pct(v, 1) for v in by_seg["collectability_pct"]], textposition="outside"))
if tgt is not None:
    fig.add_hline(y=tgt, line_dash="dash", line_color="#b91c1c")
fig.update_layout(title=t("arr_coll_segment_title").format(p=period_label(period)), yaxis_title=t("arr_pct_axis"),
                  xaxis_title=t("arr_segment"), height=340, margin={"t": 50}, separators=SEP)
right.plotly_chart(fig, width="stretch", key="arr_segment")
with right:
    download_buttons(by_seg, f"collectability_segment_{period}", "arr_segment")

aging = q("kpi.arrears_aging", _URL, _SK, fk, period=period)
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
league = q("directors.branch_league", _URL, _SK, fk, period=period)
shown = league.assign(status=[t("status_" + s) for s in league["status"]])
_COLOURS = {t("status_" + k): c for k, c in (("green", "#15803d"), ("amber", "#b45309"), ("red", "#b91c1c"))}
_num = {c: st.column_config.NumberColumn(format="localized") for c in shown.columns
        if pd.api.types.is_numeric_dtype(shown[c])}
st.dataframe(shown.style.map(lambda v: f"color: {_COLOURS.get(v, '#374151')}; font-weight: 600", subset=["status"]),
             hide_index=True, width="stretch", column_config=_num)
download_buttons(league, f"branch_league_{period}", "arr_league")
brief_button(period, f, hier, [(t("arr_league"), shown[["branch_code", "branch_name", "status", "collectability_pct",
                                                          "target_pct", "arrears_rp", "par3_pct", "rehab_people"]]),
                               (t("arr_aging_title"), aging)])
