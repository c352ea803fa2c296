"""SCF portfolio of the officer's bank: lines, utilisation, advances repaid by BPJS payments, overdue, OJK Kol."""

import streamlit as st

from jkn_core.scf import portfolio
from pages import charts
from pages.common import engine, number, pct, period_label, require, rupiah, show_table, synthetic_banner, t

scope = require("scf_portfolio")
st.title(t("page_scf_portfolio"))
synthetic_banner()
eng = engine()
book = portfolio.lines(eng, scope)
if book.empty:
    st.info(t("scf_no_lines"))
    st.stop()
s = portfolio.summary(book)
c = st.columns(5)
c[0].metric(t("scf_lines"), number(s["lines"]))
c[1].metric(t("scf_limit_total"), rupiah(s["limit_rp"]))
c[2].metric(t("scf_utilisation"), pct(100 * s["utilisation"], 1))
c[3].metric(t("scf_overdue"), rupiah(s["overdue_rp"]))
c[4].metric(t("scf_npl"), pct(100 * s["npl_share"], 1))

flows = portfolio.drawdowns_by_month(eng, scope)
x = [period_label(int(p)) for p in flows["service_period"]]
charts.show(charts.lines(x, [(t("scf_drawn"), list(flows["drawn_rp"]), "#2563eb"),
                             (t("scf_repaid"), list(flows["repaid_rp"]), "#16a34a")], "rp",
                         title=t("scf_drawdowns_chart"), zero=True), "scf_flows_chart")

st.subheader(t("scf_by_ojk"))
show_table(portfolio.by_ojk_class(book), "scf_ojk_table", kinds={"lines": "int", "outstanding_rp": "rp"})
st.subheader(t("scf_book"))
show_table(book.sort_values(["days_past_due", "outstanding_rp"], ascending=False), "scf_book_table",
           columns=["facility_name", "branch_name", "bank", "ojk_class", "days_past_due", "limit_rp", "outstanding_rp",
                    "utilisation", "overdue_rp", "drawdowns", "repaid_rp", "opened_period"],
           kinds={"limit_rp": "rp", "outstanding_rp": "rp", "overdue_rp": "rp", "repaid_rp": "rp", "utilisation": "share",
                  "drawdowns": "int", "opened_period": "period"})
