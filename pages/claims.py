"""Hospital (FKRTL) claims for directors: claims payable by branch and month, days to payment against the
10 + 15 day rule, share paid late, penalty owed, dispute rate; drill to a branch's hospitals and one hospital."""

import streamlit as st

from jkn_core.kpi import claims as kc
from jkn_core.text import chart_label, plain
from pages import charts
from pages.common import engine, number, pct, period_label, require, rupiah, show_table, synthetic_banner, t

KINDS = {"claims": "int", "paid_claims": "int", "late_claims": "int", "mean_days_to_payment": "num1",
         "share_late": "share", "dispute_rate": "share", "return_rate": "share", "service_period": "period",
         **dict.fromkeys(["submitted_rp", "verified_rp", "disputed_rp", "returned_rp", "payable_rp", "penalty_rp"], "rp")}
BRANCH_COLUMNS = ["branch_name", "payable_rp", "claims", "mean_days_to_payment", "share_late", "penalty_rp",
                  "dispute_rate", "return_rate", "verified_rp"]

scope = require("claims")
st.title(t("page_claims"))
synthetic_banner()
st.caption(t("claims_intro"))
eng = engine()
periods = kc.claims_periods(eng, scope)
if not periods:
    st.info(t("claims_none"))
    st.stop()
p_from, p_to = st.select_slider(t("claims_months"), options=periods, value=(periods[0], periods[-1]),
                                format_func=period_label, key="claims_months")

tot = kc.claims_totals(eng, scope, p_from, p_to)
c = st.columns(5)
c[0].metric(t("claims_payable"), rupiah(tot["payable_rp"]))
c[1].metric(t("claims_days"), number(tot["mean_days_to_payment"], 1),
            help=t("claims_rule").format(days=tot["rule_days"]))
c[2].metric(t("claims_share_late"), pct(100 * (tot["share_late"] or 0), 1))
c[3].metric(t("claims_penalty"), rupiah(tot["penalty_rp"]))
c[4].metric(t("claims_dispute_rate"), pct(100 * (tot["dispute_rate"] or 0), 1))

by_branch = kc.claims_by_branch(eng, scope, p_from, p_to).sort_values("payable_rp", ascending=False)
st.subheader(t("claims_by_branch"))
top = by_branch.head(25)
charts.show(charts.bars(top["branch_name"], top["payable_rp"], "rp", title=t("claims_payable_chart"),
                        subtitle=f"{period_label(p_from)} – {period_label(p_to)}", horizontal=True), "claims_payable_chart")
show_table(by_branch, "claims_branch_table", columns=BRANCH_COLUMNS, kinds=KINDS)

st.subheader(t("claims_by_month"))
names = dict(zip(by_branch["branch_code"], by_branch["branch_name"], strict=True))
branch = st.selectbox(t("claims_pick_branch"), list(names), format_func=names.get,
                      key="claims_branch")
months_df = kc.claims_by_month(eng, scope, branch)
x = [period_label(int(p)) for p in months_df["service_period"]]
charts.show(charts.lines(x, [(t("claims_days"), list(months_df["mean_days_to_payment"]), "#2563eb")], "count",
                         title=t("claims_days_chart"), subtitle=chart_label(names[branch]),
                         target=float(tot["rule_days"]), target_label=t("claims_rule").format(days=tot["rule_days"]),
                         zero=True), "claims_days_chart")
show_table(months_df, "claims_month_table", columns=["service_period", "payable_rp", "claims", "mean_days_to_payment",
                                                     "share_late", "penalty_rp", "dispute_rate"], kinds=KINDS)

st.subheader(t("claims_hospitals").format(branch=plain(names[branch])))
hosp = kc.hospitals_of_branch(eng, scope, branch, p_from, p_to)
show_table(hosp, "claims_hospital_table", columns=["facility_name", "payable_rp", "claims", "mean_days_to_payment",
                                                   "share_late", "penalty_rp", "dispute_rate"], kinds=KINDS)
if len(hosp):
    hnames = dict(zip(hosp["facility_code"], hosp["facility_name"], strict=True))
    code = st.selectbox(t("claims_pick_hospital"), list(hnames), format_func=hnames.get,
                        key="claims_hospital")
    st.markdown(f"**{t('claims_hospital_months').format(name=plain(hnames[code]))}**")
    show_table(kc.hospital_months(eng, scope, code), "claims_hospital_months",
               kinds={**KINDS, "amount_submitted_rp": "rp", "amount_verified_rp": "rp", "amount_paid_rp": "rp",
                      "days_to_payment": "int", "submitted_on": "date", "complete_on": "date",
                      "payment_due_on": "date", "paid_on": "date"},
               codes={"return_reason": "claim_reason_", "dispute_reason": "claim_reason_"})
