"""Collection programmes' measured effect (#13): each programme's uplift over its random holdout with a 95 %
interval and cost per reactivated person; the payment-channel mix by month and branch. Directors' page;
a branch sees its own families. Everything is computed in :mod:`jkn_core.programmes`."""

from dataclasses import replace

import streamlit as st

from jkn_core.programmes import channels, uplift
from jkn_core.scope import Scope
from pages import charts
from pages.common import (
    download_buttons,
    engine,
    number,
    pct,
    period_label,
    require,
    show_table,
    synthetic_banner,
    t,
)


@st.cache_data(ttl=300, max_entries=32, show_spinner=False)
def _measure(url: str, shared: Scope, outcome: str):  # type: ignore[no-untyped-def]
    return uplift.measure(engine(), shared, outcome)


@st.cache_data(ttl=300, max_entries=32, show_spinner=False)
def _mix(url: str, shared: Scope, by_branch: bool, period_from: int | None):  # type: ignore[no-untyped-def]
    return channels.channel_mix(engine(), shared, by_branch=by_branch, period_from=period_from)


scope = require("programmes_effect")
st.title(t("page_programmes_effect"))
synthetic_banner()
st.caption(t("pe_intro"))
eng = engine()
url, shared = eng.url.render_as_string(hide_password=True), replace(scope, username="")

outcome = st.radio(t("pe_outcome"), ["reactivated", "paid"], format_func=lambda o: t(f"pe_outcome_{o}"),
                   horizontal=True, key="pe_outcome")
res = _measure(url, shared, outcome)
if res.empty:
    st.info(t("pe_no_data"))
else:
    labels = [t(f"pe_prog_{p}") for p in res["programme"]]
    ups = [None if v is None else 100 * v for v in res["uplift"]]
    text = ["–" if r.uplift is None or r.ci_low is None else
            f"{pct(100 * r.uplift, 1)} ({pct(100 * r.ci_low, 1)} … {pct(100 * r.ci_high, 1)})"
            for r in res.itertuples()]
    fig = charts.bars(labels, ups, "pct", title=t("pe_uplift_chart"), horizontal=True, text=text, zero=True)
    if res["true_effect"].notna().any():
        import plotly.graph_objects as go

        fig.add_trace(go.Scatter(x=[None if v is None else 100 * v for v in res["true_effect"]], y=labels,
                                 mode="markers", name=t("pe_true_effect"), marker={"symbol": "diamond", "size": 11,
                                                                                   "color": "#dc2626"}))
        fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.2})
    charts.show(fig, "pe_uplift")
    st.subheader(t("pe_table"))
    cols = ["programme", "action", "window_months", "n_treated", "n_holdout", "rate_treated", "rate_holdout",
            "uplift", "ci_low", "ci_high", "extra_people", "cost_rp", "cost_per_reactivation_rp"]
    if res["true_effect"].notna().any():
        cols.append("true_effect")
    headers = {"programme": t("pe_col_programme"), "action": t("pe_col_action"), "window_months": t("pe_col_window"),
               "n_treated": t("pe_col_treated"), "n_holdout": t("pe_col_holdout"),
               "rate_treated": t("pe_col_rate_treated"), "rate_holdout": t("pe_col_rate_holdout"),
               "uplift": t("pe_col_uplift"), "ci_low": t("pe_col_ci_low"), "ci_high": t("pe_col_ci_high"),
               "extra_people": t("pe_col_extra"), "cost_rp": t("pe_col_cost"),
               "cost_per_reactivation_rp": t("pe_col_cost_per"), "true_effect": t("pe_col_true")}
    kinds = {"rate_treated": "share", "rate_holdout": "share", "uplift": "share", "ci_low": "share",
             "ci_high": "share", "true_effect": "share", "extra_people": "int", "cost_rp": "rp",
             "cost_per_reactivation_rp": "rp", "n_treated": "int", "n_holdout": "int", "window_months": "int"}
    codes = {"programme": "pe_prog_", "action": "pe_action_"}
    show_table(res, "pe_table", columns=cols, headers=headers, kinds=kinds, codes=codes)
    download_buttons(res, "programme_uplift", "pe_uplift", title=t("pe_table"), columns=cols, headers=headers,
                     kinds=kinds, codes=codes)
    st.caption(t("pe_method"))

st.subheader(t("pe_channels"))
mix = _mix(url, shared, False, None)
if mix.empty:
    st.info(t("no_data"))
else:
    months, shares = channels.monthly_shares(mix)
    palette = {"teller": "#64748b", "atm_mbanking": "#2563eb", "ppob": "#f59e0b", "mobile_jkn": "#16a34a",
               "autodebit": "#9333ea", "unknown": "#a3a3a3"}
    series = [(t(f"pe_channel_{c}"), [100 * v for v in vals], palette.get(c, "#000000")) for c, vals in shares.items()]
    charts.show(charts.lines([period_label(p) for p in months], series, "pct", title=t("pe_channel_chart"),
                             zero=True), "pe_channels")
    last = max(months)
    by_branch = channels.shares_by_branch(_mix(url, shared, True, last).query("period == @last"))
    st.markdown(f"**{t('pe_channel_branch')}** · {period_label(last)}")
    ch_cols = ["branch_name", "payments", *[c for c in shares]]
    ch_headers = {"branch_name": t("pe_col_branch"), "payments": t("pe_col_payments"),
                  **{c: t(f"pe_channel_{c}") for c in shares}}
    ch_kinds = {"payments": "int", **{c: "share" for c in shares}}
    show_table(by_branch, "pe_channel_table", columns=ch_cols, headers=ch_headers, kinds=ch_kinds, height=360)
    download_buttons(by_branch, "payment_channels", "pe_channels", title=t("pe_channel_table"), period=last,
                     columns=ch_cols, headers=ch_headers, kinds=ch_kinds)
    st.caption(t("pe_channel_note") + " " + t("pe_col_payments") + ": " + number(float(mix["payments"].sum())))
