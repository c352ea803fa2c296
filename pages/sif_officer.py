"""SIF credit assessment: pick a facility, see the BPJS-confirmed facts, score, rules and decision; what-if."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from jkn_core import bank_markets, fmt, sif
from jkn_core.sif import memo
from jkn_core.sif import policy as credit
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

scope = require("sif_officer")
st.title(t("page_sif_officer"))
synthetic_banner()
if scope.market:  # a bank officer works in their bank's market (its provinces), whatever their region
    st.caption(t("sif_bank_market").format(bank=plain(scope.bank),
                                            provinces=", ".join(bank_markets.market_names(scope.bank))))
if not sif.model_available():
    st.warning(t("sif_no_model"))
    st.stop()
eng = engine()
policy = credit.load_policy(eng)

# --- pick a facility ----------------------------------------------------------------------------------
query = st.text_input(t("sif_search"), key="sif_search")
found = sif.search_facilities(eng, scope, query, limit=200)
if found.empty:
    st.info(t("sif_no_facility"))
    st.stop()
labels = {r.facility_code: f"{r.facility_name} ({r.facility_code}) · {r.branch_name}" for r in found.itertuples()}
code = st.selectbox(t("sif_pick_facility"), list(labels), format_func=labels.get, key="sif_facility")
prof = sif.facility_profile(eng, scope, code)
if prof is None:
    st.info(t("sif_no_facility"))
    st.stop()
facts = sif.facts_of(prof)

# --- BPJS-confirmed facts: only what BPJS Kesehatan confirms to the bank (the FKTP's name, its contract
# period, its registered participants); everything else below is the bank's own analysis -----------------
# facility, branch names and dates are data: escaped, never Markdown
st.subheader(f"{plain(prof['facility_name'])} — {t('sif_bpjs_facts')} ({t('sif_as_of')} {period_label(int(prof['as_of']))})")
c = st.columns(3)
c[0].metric(t("sif_facility_name"), plain(prof["facility_name"]))
c[1].metric(t("sif_contract"), f"{fmt.date(prof['contract_start'], lang())} – {fmt.date(prof['contract_end'], lang())}")
c[2].metric(t("sif_registered"), number(prof["registered"]))

st.subheader(t("sif_bank_analysis"))
st.caption(t("sif_bank_analysis_note"))
type_label = t("type_" + str(prof["type"]))
st.markdown(f"**{t('sif_type')}:** {type_label} · **{t('branch')}:** {plain(prof['branch_name'])} · "
            f"**{t('sif_renewals')}:** {number(prof['renewals'])}")
c = st.columns(4)
c[0].metric(t("sif_months_remaining"), number(prof["contract_months_remaining"]))
c[1].metric(t("sif_months_contracted"), number(prof["months_contracted"]))
c[2].metric(t("participants_per_doctor"), number(prof["participants_per_doctor"]))
c[3].metric(t("sif_capitation_income"), rupiah(prof["capitation_income"]))

hist = sif.capitation_history(eng, scope, code)
if len(hist):
    x = [period_label(int(p)) for p in hist["period"]]
    fig = go.Figure()  # both axes from zero, ticks in the UI language (pages/charts.py)
    fig.add_bar(x=x, y=hist["capitation_paid"], name=t("sif_capitation_paid"), hovertemplate="%{hovertext}<extra></extra>",
                hovertext=[f"{p}<br>{rupiah(v)}" for p, v in zip(x, hist["capitation_paid"], strict=False)])
    fig.add_scatter(x=x, y=hist["registered"], name=t("sif_registered"), yaxis="y2", mode="lines+markers",
                    hovertext=[f"{p}<br>{number(v)}" for p, v in zip(x, hist["registered"], strict=False)],
                    hovertemplate="%{hovertext}<extra></extra>")
    fig.update_layout(height=360, margin=dict(t=80, b=10, l=10, r=10), legend=dict(orientation="h"),
                      yaxis2=dict(overlaying="y", side="right", showgrid=False))
    charts.apply_axis(fig, hist["capitation_paid"], "rp", title="Rupiah")
    charts.apply_axis(fig, hist["registered"], "people", axis="y2", title=t("sif_axis_registered"))
    charts.titled(fig, t("sif_capitation_history"), f"{chart_label(prof['facility_name'])} · {x[0]} – {x[-1]}")
    charts.show(fig, "sif_capitation_chart")

# --- what-if ------------------------------------------------------------------------------------------
if st.session_state.get("sif_last_facility") != code:  # a new facility: start from its own limits
    tenor0 = max(policy.min_tenor_months, min(policy.reference_tenor_months, credit.max_tenor(facts, policy)))
    st.session_state["sif_tenor"] = int(tenor0)
    st.session_state["sif_rate"] = float(policy.bank_rate_pct)
    st.session_state["sif_amount"] = int(max(policy.min_amount,
                                             credit.max_loan(facts, tenor0, policy.bank_rate_pct, policy)))
    st.session_state["sif_last_facility"] = code
st.subheader(t("sif_whatif"))
w = st.columns(3)
amount = w[0].number_input(t("sif_amount"), min_value=0, step=int(policy.amount_step), key="sif_amount")
tenor = w[1].number_input(t("sif_tenor"), min_value=1, max_value=120, step=1, key="sif_tenor")
rate = w[2].number_input(t("sif_rate"), min_value=0.0, max_value=40.0, step=0.25, key="sif_rate")

result = sif.assess_application(eng, scope, code, float(amount), int(tenor), float(rate), policy, prof)
a = result["assessment"]
m = st.columns(4)
m[0].metric(t("sif_instalment"), rupiah(round(a.instalment)))
m[1].metric(t("sif_instalment_share"), pct(100 * a.instalment_share, 1),
            help=f"max. {pct(100 * policy.max_instalment_share, 0)}")
m[2].metric(t("sif_max_loan"), rupiah(a.max_loan))
m[3].metric(t("sif_max_tenor"), f"{a.max_tenor_months} {t('sif_months')}")

s = st.columns(4)
s[0].metric(t("sif_score"), str(result["score"]))
s[1].metric(t("sif_pd"), pct(100 * result["pd"], 2))
s[2].metric(t("sif_grade"), result["grade"])
s[3].metric(t("sif_decision"), t(f"decision_{result['decision']}"))
card = sif.card() or {}
st.caption(t("sif_champion_note").format(champion=card.get("champion", "")))

left, right = st.columns(2)
with left:
    st.markdown(f"**{t('sif_reasons')}**")
    if result["reasons"]:
        st.dataframe(pd.DataFrame({t("sif_feature"): [t("feat_" + r["feature"]) for r in result["reasons"]],
                                   t("sif_points_lost"): [r["points_lost"] for r in result["reasons"]]}),
                     hide_index=True, width="stretch")
    else:
        st.caption(t("sif_no_reasons"))
with right:
    st.markdown(f"**{t('sif_checks')}**")
    st.dataframe(pd.DataFrame({
        t("sif_rule"): [t("rule_" + c.rule) for c in a.checks],
        t("sif_result"): [t("sif_pass") if c.passed else t("sif_fail") for c in a.checks],
        t("sif_detail"): [memo.check_detail(c, result, lang()) for c in a.checks],
    }), hide_index=True, width="stretch")

# --- save and export ----------------------------------------------------------------------------------
note = st.text_area(t("sif_note"), key="sif_note")
b1, b2 = st.columns(2)
if b1.button(t("sif_save"), type="primary", key="sif_save"):
    new_id = sif.save_application(eng, scope, result, note)
    st.success(t("sif_saved").format(id=new_id))
memo_lang = lang()  # read now: the memo is made on the click, outside this run
b2.download_button(t("memo_download"), data=lambda: memo.export_memo(eng, scope, result, memo_lang, note),
                   file_name=memo.file_name(result, memo_lang), mime="application/pdf", key="sif_memo", on_click="ignore")
apps = sif.applications(eng, scope, code)
if len(apps):
    st.markdown(f"**{t('sif_applications')}**")
    show_table(apps, "sif_apps", columns=["created_at", "decision", "amount", "tenor_months", "rate_pct", "score",
                                          "grade", "officer", "note", "id"],
               kinds={"amount": "rp_full", "rate_pct": "num2"})
