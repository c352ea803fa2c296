"""CSR allocation (#13): a sponsor's proposal (which families' arrears to pay so that the most people are
reactivated and stay active per Rupiah), the strategies compared, recording the payment (branch teams,
audited), and the sponsor's report (XLSX, PDF). Computed in :mod:`jkn_core.programmes.csr`."""

from dataclasses import replace

import streamlit as st

from jkn_core import kpi
from jkn_core.exports import MIME_TYPES
from jkn_core.programmes import csr
from jkn_core.programmes.uplift import last_ledger_period
from jkn_core.scope import Scope
from pages.common import (
    engine,
    lang,
    number,
    period_label,
    require,
    rupiah,
    show_table,
    synthetic_banner,
    t,
)


@st.cache_data(ttl=300, max_entries=16, show_spinner=False)
def _candidates(url: str, shared: Scope, eligibility: str | None):  # type: ignore[no-untyped-def]
    return csr.candidates(engine(), shared, csr.eligibility_of(eligibility))


@st.cache_data(ttl=300, max_entries=16, show_spinner=False)
def _benchmark(url: str, shared: Scope, eligibility: str | None, budget: float):  # type: ignore[no-untyped-def]
    return csr.benchmark(engine(), shared, budget, csr.eligibility_of(eligibility))


scope = require("csr")
st.title(t("page_csr"))
synthetic_banner()
st.caption(t("csr_intro"))
eng = engine()
url, shared = eng.url.render_as_string(hide_password=True), replace(scope, username="")
sp = csr.sponsors(eng)
if sp.empty:
    st.info(t("csr_no_sponsor"))
    st.stop()
names = dict(zip(sp["id"], sp["name"], strict=True))
sid = st.selectbox(t("csr_sponsor"), list(names), format_func=lambda i: names[i], key="csr_sponsor")
row = sp[sp["id"] == sid].iloc[0]
rule = csr.eligibility_of(row["eligibility"])
st.caption(f"{t('csr_eligibility')}: " + "; ".join(f"{k}: {', '.join(str(v) for v in vals)}" for k, vals in rule.items()))
budget = st.number_input(t("csr_budget"), min_value=0, value=csr.budget_of(row["budget_rp"]), step=100_000_000,
                         key="csr_budget_input")
cands = _candidates(url, shared, row["eligibility"])
alloc = csr.allocate(cands, float(budget), "proposed")
chosen = alloc[alloc["chosen"]]
c = st.columns(4)
c[0].metric(t("csr_candidates"), number(float(cands["weight"].sum()) if len(cands) else 0))
c[1].metric(t("csr_chosen"), number(float(chosen["weight"].sum()) if len(chosen) else 0))
c[2].metric(t("csr_people"), number(float((chosen["members"] * chosen["weight"]).sum()) if len(chosen) else 0))
c[3].metric(t("csr_spent"), rupiah(float(chosen["cost_rp"].sum()) if len(chosen) else 0))

if scope.sees_participants and len(chosen):
    st.subheader(t("csr_proposal"))
    cols = ["family_id", "branch_code", "members", "arrears_months", "debt_rp", "p_pay", "cost_rp"]
    headers = {"family_id": t("csr_col_family"), "branch_code": t("csr_col_branch"), "members": t("csr_col_members"),
               "arrears_months": t("csr_col_arrears_months"), "debt_rp": t("csr_col_debt"),
               "p_pay": t("csr_col_p_pay"), "cost_rp": t("csr_col_cost")}
    show_table(chosen.head(500), "csr_proposal", columns=cols, headers=headers, height=320,
               kinds={"debt_rp": "rp_full", "p_pay": "share", "cost_rp": "rp", "members": "int",
                      "arrears_months": "int"})
    if scope.role in ("kantor_cabang", "admin"):
        st.caption(t("csr_record_note"))
        if st.button(t("csr_record"), key="csr_record_btn"):
            n = csr.record_payments(eng, scope, int(sid), chosen, int(last_ledger_period(eng) or 0))
            st.success(t("csr_recorded").format(n=number(n)))

if kpi.is_synthetic(eng) and len(cands):
    st.subheader(t("csr_benchmark"))
    bench = _benchmark(url, shared, row["eligibility"], float(budget))
    if len(bench):
        bench = bench.assign(strategy=[t(f"csr_strategy_{s}") for s in bench["strategy"]])
        show_table(bench, "csr_bench", columns=["strategy", "families", "people_reactivated", "spent_rp",
                                                 "active_after_3", "active_after_6", "active_after_6_per_miliar"],
                   headers={"strategy": t("csr_col_strategy"), "families": t("csr_col_families"),
                            "people_reactivated": t("csr_col_reactivated"), "spent_rp": t("csr_col_spent"),
                            "active_after_3": t("csr_col_active_3"), "active_after_6": t("csr_col_active_6"),
                            "active_after_6_per_miliar": t("csr_col_per_miliar_6")},
                   kinds={"families": "int", "people_reactivated": "int", "spent_rp": "rp", "active_after_3": "int",
                          "active_after_6": "int", "active_after_6_per_miliar": "int"})
        st.caption(t("csr_bench_note"))

st.subheader(t("csr_report"))
rep = csr.sponsor_report(eng, scope, int(sid))
if rep.empty:
    st.info(t("no_data"))
else:
    rcols = ["period", "families", "people", "amount_rp", "reactivated", "active_3", "active_6"]
    rheaders = {"period": t("csr_col_period"), "families": t("csr_col_families"), "people": t("csr_col_people"),
                "amount_rp": t("csr_col_amount"), "reactivated": t("csr_col_reactivated"),
                "active_3": t("csr_col_active_3"), "active_6": t("csr_col_active_6")}
    show_table(rep, "csr_report", columns=rcols, headers=rheaders,
               kinds={"families": "int", "people": "int", "amount_rp": "rp", "reactivated": "int", "active_3": "int",
                      "active_6": "int"})
    st.caption(t("csr_report_note") + f" {period_label(int(rep['period'].max()))}")
    lg = lang()
    d1, d2 = st.columns(2)
    d1.download_button(t("csr_download_xlsx"), data=lambda: csr.report_xlsx(eng, scope, names[sid], rep, lg),
                       file_name=csr.report_filename(names[sid], rep, "xlsx", lg), mime=MIME_TYPES["xlsx"],
                       key="csr_dl_xlsx", on_click="ignore")
    d2.download_button(t("csr_download_pdf"), data=lambda: csr.report_pdf(eng, scope, names[sid], rep, lg),
                       file_name=csr.report_filename(names[sid], rep, "pdf", lg), mime="application/pdf",
                       key="csr_dl_pdf", on_click="ignore")
