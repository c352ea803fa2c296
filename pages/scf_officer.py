"""SCF for a bank officer: pick a hospital of the bank's market, see its claims, disputes and payment lag,
the proposed line (PD, grade, limit, tenor, price), change the advance rate, save, download the memo."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from jkn_core import bank_markets, scf
from jkn_core.scf import memo
from jkn_core.scf import policy as scf_policy
from jkn_core.scf.features import NUMERIC
from jkn_core.text import chart_label, plain
from pages import charts
from pages.common import (
    engine,
    lang,
    number,
    pct,
    period_label,
    require,
    rupiah,
    show_table,
    synthetic_banner,
    t,
)

scope = require("scf_officer")
st.title(t("page_scf_officer"))
synthetic_banner()
st.caption(t("scf_intro"))
if scope.market:
    st.caption(t("scf_market").format(bank=plain(scope.bank),
                                      provinces=", ".join(bank_markets.market_names(scope.bank))))
if not scf.model_available():
    st.warning(t("scf_no_model"))
    st.stop()
eng = engine()
policy = scf_policy.load_policy()

query = st.text_input(t("scf_search"), key="scf_search")
found = scf.search_hospitals(eng, scope, query, limit=200)
if found.empty:
    st.info(t("scf_no_hospital"))
    st.stop()
labels = {r.facility_code: f"{r.facility_name} ({r.facility_code}) · {r.branch_name}" for r in found.itertuples()}
code = st.selectbox(t("scf_pick_hospital"), list(labels), format_func=labels.get, key="scf_hospital")
prof = scf.hospital_profile(eng, scope, code)
if prof is None or prof["features"] is None:
    st.info(t("scf_no_history"))
    st.stop()

st.subheader(f"{plain(prof['facility_name'])} ({t('sif_as_of')} {period_label(int(prof['as_of']))})")
c = st.columns(4)
c[0].metric(t("scf_receivable"), rupiah(prof["receivable_rp"]))
c[1].metric(t("scf_mean_verified"), rupiah(prof["mean_verified_rp"]))
c[2].metric(t("scf_delay"), f"{number(prof['delay_beyond_rule_days'], 1)} {t('scf_days')}")
c[3].metric(t("scf_class"), str(prof["features"].get("hospital_class", "")))

hist = prof["history"]
x = [period_label(int(p)) for p in hist["service_period"]]
fig = go.Figure()
fig.add_bar(x=x, y=hist["amount_verified_rp"], name=t("hdr_verified_rp"), hovertemplate="%{hovertext}<extra></extra>",
            hovertext=[f"{p}<br>{rupiah(v)}" for p, v in zip(x, hist["amount_verified_rp"], strict=True)])
fig.add_bar(x=x, y=hist["disputed_rp"], name=t("hdr_disputed_rp"), hovertemplate="%{hovertext}<extra></extra>",
            hovertext=[f"{p}<br>{rupiah(v)}" for p, v in zip(x, hist["disputed_rp"], strict=True)])
days = pd.to_numeric(hist["days_to_payment"], errors="coerce")
fig.add_scatter(x=x, y=days, name=t("scf_axis_days"), yaxis="y2", mode="lines+markers",
                hovertext=[f"{p}<br>{number(v)} {t('scf_days')}" for p, v in zip(x, days, strict=True)],
                hovertemplate="%{hovertext}<extra></extra>")
fig.update_layout(barmode="stack", height=360, margin=dict(t=80, b=10, l=10, r=10), legend=dict(orientation="h"),
                  yaxis2=dict(overlaying="y", side="right", showgrid=False))
charts.apply_axis(fig, hist["amount_verified_rp"] + hist["disputed_rp"], "rp", title="Rupiah")
charts.apply_axis(fig, days.fillna(0), "count", axis="y2", title=t("scf_axis_days"))
charts.titled(fig, t("scf_history"), f"{chart_label(prof['facility_name'])} · {x[0]} – {x[-1]}")
charts.show(fig, "scf_history_chart")

# --- what-if: the advance rate ----------------------------------------------------------------------------
st.subheader(t("scf_whatif"))
if st.session_state.get("scf_last_hospital") != code:
    st.session_state["scf_advance"] = float(policy.advance_rate)
    st.session_state["scf_last_hospital"] = code
advance = st.number_input(t("scf_advance_rate"), min_value=float(policy.min_advance_rate),
                          max_value=float(policy.max_advance_rate), step=0.05, key="scf_advance", format="%.2f")
result = scf.assess(eng, scope, code, float(advance))
m = st.columns(4)
m[0].metric(t("scf_limit"), rupiah(result["limit_rp"]))
m[1].metric(t("scf_tenor"), f"{result['tenor_days']} {t('scf_days')}")
m[2].metric(t("scf_rate"), pct(result["rate_pct"], 2))
m[3].metric(t("scf_discount"), rupiah(result["discount_rp"]))
s = st.columns(3)
s[0].metric(t("scf_pd"), pct(100 * result["pd"], 2))
s[1].metric(t("scf_grade"), result["grade"])
s[2].metric(t("scf_decision"), t(f"decision_{result['decision']}"))
card = scf.card() or {}
if card:
    st.caption(t("scf_model_note").format(champion=card.get("champion", ""), auc=number(card.get("roc_auc"), 3),
                                          oracle=number(card.get("oracle_roc_auc"), 3), ece=number(card.get("ece"), 3)))

st.markdown(f"**{t('scf_drivers')}**")
st.dataframe(pd.DataFrame({t("scf_feature"): [t("feat_" + n) for n in NUMERIC],
                           t("scf_value"): [memo.feature_text(n, result["features"].get(n), lang()) for n in NUMERIC]}),
             hide_index=True, width="stretch")

note = st.text_area(t("scf_note"), key="scf_note")
b1, b2 = st.columns(2)
if b1.button(t("scf_save"), type="primary", key="scf_save"):
    new_id = scf.save_application(eng, scope, result, note)
    st.success(t("scf_saved").format(id=new_id))
memo_lang = lang()
b2.download_button(t("scf_memo_download"), data=lambda: memo.export_memo(eng, scope, result, memo_lang, note),
                   file_name=memo.file_name(result, memo_lang), mime="application/pdf", key="scf_memo",
                   on_click="ignore")
apps = scf.applications(eng, scope, code)
if len(apps):
    st.markdown(f"**{t('scf_applications')}**")
    show_table(apps, "scf_apps", columns=["created_at", "decision", "limit_rp", "advance_rate", "tenor_days",
                                          "rate_pct", "grade", "officer", "note", "id"],
               kinds={"limit_rp": "rp_full", "advance_rate": "share", "tenor_days": "int", "rate_pct": "num2"})
