"""Facility capacity: FKTP/FKRTL, participants per doctor vs the 1:5,000 norm, over-capacity FKTP, regencies to act on, KBK, capitation."""

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
    period_label,
    require,
    rupiah,
    synthetic_banner,
    t,
)

PAGE = "capacity"
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


st.title(t("page_capacity"))
synthetic_banner()
period, f, hier = view_controls()
fk = (f.region, f.branch, f.regency)
st.caption(f"{view_label(f, hier)} · {period_label(period)} · {t('dir_link_hint')}")
SEP = ",." if lang() == "id" else ".,"
NORM = kpi.ref.PARTICIPANTS_PER_DOCTOR_NORM

nat = q("kpi.capacity", _URL, _SK, fk, level="nation", period=period).iloc[0]
over = q("directors.over_capacity_facilities", _URL, _SK, fk, period=period)
c = [*st.columns(3), *st.columns(3)]
c[0].metric(t("fktp"), number(nat["fktp"]), border=True)
c[1].metric(t("fkrtl"), number(nat["fkrtl"]), border=True)
c[2].metric(t("kpi_participants_per_doctor"), number(nat["participants_per_doctor"]), border=True,
            delta=f"{brief.format_value('ratio', nat['participants_per_doctor'] - NORM, lang(), True)} vs {number(NORM)}",
            delta_color="inverse")
c[3].metric(t("cap_over_count"), number(len(over)), border=True)
c[4].metric(t("cap_capitation"), rupiah(nat["capitation_paid"]), border=True)

level = child_level(f)
units = q("kpi.capacity", _URL, _SK, fk, level=level, period=period)
units = units.rename(columns={"code": f"{level}_code", "unit": f"{level}_name"})
u = units.sort_values("participants_per_doctor", ascending=False).head(30)
fig = go.Figure(go.Bar(x=u[f"{level}_name"], y=u["participants_per_doctor"],
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
reg = q("directors.regency_capacity", _URL, _SK, fk, period=period)
need = reg[reg["action"] != "ok"].sort_values(["doctors_short", "registered_in_over"], ascending=False)
need = need.assign(action=[t(f"cap_action_{a}") for a in need["action"]])
table(need)
download_buttons(need, f"regencies_capacity_{period}", "cap_regencies")

kbk = q("directors.kbk_attainment", _URL, _SK, fk, level=level, period=period)
kbk = kbk.rename(columns={"code": f"{level}_code", "unit": f"{level}_name"})
fig = go.Figure()
for col, key, colour in (("contact_ok_pct", "cap_kbk_contact", "#2563eb"), ("rrns_ok_pct", "cap_kbk_rrns", "#16a34a"),
                         ("rppt_ok_pct", "cap_kbk_rppt", "#f59e0b")):
    k = kbk.head(30)
    fig.add_trace(go.Bar(x=k[f"{level}_name"], y=k[col], name=t(key), marker_color=colour))
fig.update_layout(title=t("cap_kbk").format(unit=t(f"unit_{level}")), yaxis_title=t("cap_kbk_axis"), barmode="group",
                  height=360, margin={"t": 50}, separators=SEP, legend={"orientation": "h", "y": -0.3})
st.plotly_chart(fig, width="stretch", key="cap_kbk_chart")
table(kbk)
download_buttons(kbk, f"kbk_{level}_{period}", "cap_kbk")

capt = q("directors.capitation_trend", _URL, _SK, fk)
fig = go.Figure(go.Bar(x=[period_label(p) for p in capt["period"]], y=capt["capitation_paid"] / 1e9, marker_color="#0d9488",
                       hovertemplate="%{x}<br>Rp %{y:,.1f} M<extra></extra>"))
fig.update_layout(title=t("cap_capitation_title"), yaxis_title=t("arr_rp_bn"), xaxis_title=t("month"), height=320,
                  margin={"t": 50}, separators=SEP)
st.plotly_chart(fig, width="stretch", key="cap_capitation_chart")
download_buttons(capt, "capitation_trend", "cap_capitation")
brief_button(period, f, hier, [(t("cap_units").format(unit=t(f"unit_{level}")), units),
                               (t("cap_over"), over.drop(columns=["facility_code"]))])
