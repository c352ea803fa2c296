"""The view shared by the directors' pages: drill-down and period pickers kept in the URL, cached
jkn_core calls keyed on small arguments, the director brief button, tables and status dots."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from jkn_core import kpi
from jkn_core.audit import audit
from jkn_core.kpi import Filters, brief, directors
from jkn_core.scope import Scope
from pages.common import (
    engine,
    lang,
    period_label,
    t,
)

_TTL = 600
_LEVELS = ("region", "branch", "regency")


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


def status_icon(status: str) -> str:
    """A coloured dot (Streamlit markdown) for metric labels."""
    return {"green": ":green[●]", "amber": ":orange[●]", "red": ":red[●]"}.get(status, ":gray[○]")


def table(df: pd.DataFrame) -> None:
    """A table with numbers in the reader's locale (Indonesian in an id-ID browser)."""
    cfg = {c: st.column_config.NumberColumn(format="localized") for c in df.columns
           if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])}
    st.dataframe(df, hide_index=True, width="stretch", column_config=cfg)


def bind(page: str, scope: Scope):  # type: ignore[no-untyped-def]
    """The view helpers for one page and the signed-in user's scope (closures: no shared state)."""
    url = str(engine().url)
    sk = (scope.role, scope.username, scope.region_code, scope.branch_code, scope.bank)

    def view_controls() -> tuple[int, Filters, pd.DataFrame]:
        """Period and drill-down pickers (only what the scope allows); the URL holds the choice."""
        hier = q("kpi.hierarchy", url, sk, None)
        held = q("kpi.periods", url, None, None)
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
            cards = q("directors.overview_cards", url, sk, fk, period=period)
            audit(engine(), scope, "export", {"what": f"brief_{page}", "format": "html", "view": fk, "period": period})
            return brief.make_brief(cards, view_label(f, hier), period, tables, lang(),
                                    kpi.is_synthetic(engine()), t(f"page_{page}"))

        st.download_button(t("dir_brief"), data=make, file_name=f"brief_{page}_{period}.html", mime="text/html",
                           key=f"dl_brief_{page}", on_click="ignore", icon=":material/print:")

    return url, sk, view_controls, view_label, child_level, brief_button
