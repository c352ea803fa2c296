"""Collections work queue for a branch: ranked families, reasons, actions, outcomes, rates."""

import streamlit as st

from jkn_core import collections as col
from jkn_core import delinquency
from pages.common import download_buttons, engine, lang, number, pct, require, rupiah, synthetic_banner, t

scope = require("work_queue")
st.title(t("page_work_queue"))
synthetic_banner()
eng = engine()

# scores: the shipped champion scores this database on first use (with progress)
if not delinquency.scores_present(eng):
    try:
        bar = st.progress(0.0, text=t("wq_scoring"))
        delinquency.ensure_scores(eng, progress=lambda f, m: bar.progress(min(f, 1.0), text=f"{t('wq_scoring')} {m}"))
        bar.empty()
    except FileNotFoundError:
        st.error(t("wq_no_model"))
        st.stop()

if scope.branch_code:
    branch = scope.branch_code
else:
    branches = col.branches_with_families(eng, scope)
    names = dict(zip(branches["branch_code"], branches["branch_name"], strict=True))
    branch = st.selectbox(t("wq_branch"), list(names), format_func=lambda c: f"{c} {names[c]}", key="wq_branch")

st.subheader(t("wq_capacity"))
c = st.columns(4)
collectors = c[0].number_input(t("wq_collectors"), 1, 500, 3, key="wq_collectors")
per_day = c[1].number_input(t("wq_contacts_per_day"), 1, 200, 20, key="wq_per_day")
days = c[2].number_input(t("wq_days"), 1, 7, 5, key="wq_days")
limit = col.capacity(collectors, per_day, days)
c[3].metric(t("wq_contacts"), number(limit))


queue = col.work_queue(eng, scope, branch, limit=limit, lang=lang())
if queue.empty:
    st.info(t("wq_empty"))
    st.stop()

m = st.columns(3)
m[0].metric(t("wq_in_queue"), number(len(queue)))
m[1].metric(t("wq_arrears_total"), rupiah(int(queue["arrears_rp"].sum())))
m[2].metric(t("wq_expected"), rupiah(int(queue["expected_recovery"].sum())))

st.subheader(t("wq_queue"))
st.caption(t("wq_ranking_note"))
show = queue.assign(
    action=queue["action"].map(lambda a: t(f"action_{a}")),
    risk=(queue["risk"] * 100).round(1),
    reasons=queue[["reason_1", "reason_2", "reason_3"]].apply(lambda r: " · ".join(x for x in r if x), axis=1),
)[["rank", "family_id", "name", "nik", "regency", "segment", "kelas", "arrears_months", "arrears_rp", "risk",
   "expected_recovery", "action", "rehab_stages", "reasons", "last_outcome"]]
st.dataframe(show, hide_index=True, key="wq_table", column_config={
    "rank": t("col_rank"), "risk": st.column_config.NumberColumn(t("col_risk"), format="%.1f %%"),
    "arrears_months": t("col_arrears_months"), "arrears_rp": t("col_arrears_rp"),
    "expected_recovery": t("col_expected_recovery"), "action": t("col_action"),
    "rehab_stages": t("col_rehab_stages"), "reasons": t("col_reasons")})
download_buttons(queue, "antrian_penagihan", "wq")

# --- record an outcome ------------------------------------------------------------------------------
st.subheader(t("wq_record"))
labels = {int(r.family_id): f"#{r.rank} · {r.family_id} · {r.name}" for r in queue.itertuples()}
r1 = st.columns(3)
family = r1[0].selectbox(t("wq_family"), list(labels), format_func=lambda f: labels[f], key="wq_family")
default_action = queue.loc[queue["family_id"] == family, "action"].iloc[0]
action = r1[1].selectbox(t("wq_action"), list(col.ACTIONS), index=list(col.ACTIONS).index(default_action),
                         format_func=lambda a: t(f"action_{a}"), key="wq_action")
outcome = r1[2].selectbox(t("wq_outcome"), list(col.OUTCOMES), format_func=lambda o: t(f"outcome_{o}"),
                          key="wq_outcome")
note = st.text_input(t("wq_note"), key="wq_note")
if st.button(t("wq_save"), key="wq_save", type="primary"):
    col.record_outcome(eng, scope, family, action, outcome, note)
    st.success(t("wq_saved"))

# --- history of the selected family -----------------------------------------------------------------
st.subheader(f"{t('wq_history')}: {labels[family]}")
hist = col.family_history(eng, scope, family)
h = st.columns(2)
h[0].caption(t("wq_actions_hist"))
h[0].dataframe(hist["actions"].assign(
    action=hist["actions"]["action"].map(lambda a: t(f"action_{a}")),
    outcome=hist["actions"]["outcome"].map(lambda o: t(f"outcome_{o}"))), hide_index=True, key="wq_hist_actions")
h[1].caption(t("wq_ledger"))
h[1].dataframe(hist["ledger"], hide_index=True, key="wq_hist_ledger")

# --- contact and cure rates ---------------------------------------------------------------------------
st.subheader(t("wq_rates"))
rates = col.outcome_rates(eng, scope, branch)
st.dataframe(rates.assign(action=rates["action"].map(lambda a: t(f"action_{a}")),
                          contact_rate_pct=rates["contact_rate_pct"].map(lambda x: pct(x, 1)),
                          cure_rate_pct=rates["cure_rate_pct"].map(lambda x: pct(x, 1))),
             hide_index=True, key="wq_rates")
