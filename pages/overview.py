"""Executive overview: headline KPIs against target, change vs last month and last year, status."""

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
    pct,
    period_label,
    require,
    synthetic_banner,
    t,
)

PAGE = "overview"
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


st.title(t("page_overview"))
synthetic_banner()
period, f, hier = view_controls()
fk = (f.region, f.branch, f.regency)
st.caption(f"{view_label(f, hier)} · {period_label(period)} · {t('dir_link_hint')}")

cards = q("directors.overview_cards", _URL, _SK, fk, period=period)
DELTA_COLOUR = {"up_good": "normal", "max": "inverse", "down_good": "inverse", "info": "off"}
rows = [cards.iloc[i:i + 3] for i in range(0, len(cards), 3)]
for chunk in rows:
    cols = st.columns(3)
    for col, r in zip(cols, chunk.to_dict("records"), strict=False):
        kind = directors.CARDS[r["kpi"]][1]
        tgt_word = t("target_max") if kind == "max" else t("target_short")
        extra = f"{tgt_word}: {brief.format_value(r['unit'], r['target'], lang())}" if r["target"] is not None and not pd.isna(r["target"]) else t("status_grey")
        col.metric(f"{status_icon(r['status'])} {t('kpi_' + r['kpi'])}", brief.format_value(r["unit"], r["value"], lang()),
                   delta=(None if r["change_month"] is None or pd.isna(r["change_month"]) else
                          f"{brief.format_value(r['unit'], r['change_month'], lang(), True)} {t('vs_last_month')}"),
                   delta_color=DELTA_COLOUR[kind], border=True,
                   help=f"{t('status_' + r['status'])}")
        col.caption(f"{extra} · {t('vs_last_year')}: {brief.format_value(r['unit'], r['change_year'], lang(), True)}")

headline = pd.DataFrame({
    "kpi": [t("kpi_" + k) for k in cards["kpi"]],
    "status": [t("status_" + s) for s in cards["status"]],
    "value": cards["value"], "target": cards["target"], "last_month": cards["last_month"],
    "last_year": cards["last_year"], "change_month": cards["change_month"], "change_year": cards["change_year"],
})
with st.expander(t("dir_headline_table")):
    table(headline)
    download_buttons(headline, f"kpi_overview_{period}", "overview_kpis")

level = child_level(f)
cov = q("kpi.coverage", _URL, _SK, fk, level=level, period=period)
cap = q("kpi.capacity", _URL, _SK, fk, level=level, period=period)
units = cov[["code", "unit", "population", "participants", "coverage_pct", "active_pct", "uninsured"]].merge(
    cap[["code", "fktp", "fkrtl", "participants_per_doctor"]], on="code", how="left")
st.subheader(t(f"unit_{level}").capitalize())
fig = go.Figure(go.Bar(x=units["unit"], y=units["coverage_pct"], name=t("coverage"),
                       marker_color="#2563eb", hovertemplate="%{x}<br>%{y:.2f} %<extra></extra>"))
tgt = directors._target(engine(), "coverage_pct", period, scope, f)
if tgt is not None:
    fig.add_hline(y=tgt, line_dash="dash", line_color="#b91c1c", annotation_text=f"{t('target_short')} {pct(tgt)}")
lo = max(0.0, float(units["coverage_pct"].min() or 0) - 5) if len(units) else 0
fig.update_layout(title=f"{t('cov_map_colorbar')} · {t('unit_' + level)} · {period_label(period)}",
                  yaxis_title=t("cov_pct_axis"), yaxis_range=[lo, max(102.0, float(units["coverage_pct"].max() or 0) + 1)],
                  height=360, margin={"t": 50, "b": 10}, separators=",." if lang() == "id" else ".,")
st.plotly_chart(fig, width="stretch", key="ov_units")
table(units)
download_buttons(units, f"overview_{level}_{period}", "overview_units")
brief_button(period, f, hier, [(t(f"unit_{level}").capitalize(), units)])
